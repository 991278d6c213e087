"""Fixture-driven notebook tests: every ``fixtures/notebooks/<case>.ipynb`` is a case.

``<case>.expected`` lists the findings as users see them (``cell 5:line 8 CODE message``),
``<case>.fixed.ipynb`` is the notebook after the safe fixes and ``<case>.unsafe.ipynb`` after the
unsafe ones too (absent: same as the safe result). The expectations are those of the shell
cells (``!`` commands, ``%%bash``): the Python cells are read once a Python adapter is registered,
and tests/test_notebook_python.py holds their expectations, so here it is left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kefix import sources
from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.resolve import Resolver
from kefix.sources.notebook.json_cells import read_notebook_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
CASES = sorted(
    path
    for path in FIXTURES.glob("*.ipynb")
    if not path.name.endswith((".fixed.ipynb", ".unsafe.ipynb"))
)


@pytest.fixture(autouse=True)
def _shell_cells_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sources._ADAPTERS, "python", raising=False)


def _analyze(case: Path, text: str | None = None) -> tuple[FileAnalysis, Resolver]:
    resolver = Resolver([FIXTURES])
    source = case.read_text(encoding="utf-8") if text is None else text
    analysis = analyze_text(case, case.name, source, resolver, Settings(), kind="notebook")
    return analysis, resolver


def _sibling(case: Path, suffix: str) -> Path:
    return case.with_name(case.name.removesuffix(".ipynb") + suffix)


def _expected_text(case: Path, *, unsafe: bool) -> str:
    candidates = [_sibling(case, ".unsafe.ipynb")] if unsafe else []
    candidates += [_sibling(case, ".fixed.ipynb"), case]
    return next(path for path in candidates if path.exists()).read_text(encoding="utf-8")


def test_there_are_cases_in_each_layout() -> None:
    assert {case.stem for case in CASES} >= {
        "colab_finetune",  # as Jupyter writes it: one space, sorted keys, lines as a list
        "colab_finetune_indent2",  # as VS Code writes it: two spaces, non-ASCII escaped
        "colab_finetune_string_source",  # each source one string
    }


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_findings_match_expected(case: Path) -> None:
    analysis, _ = _analyze(case)
    assert analysis.cells is not None
    found = []
    for finding in analysis.findings:
        cell = analysis.cells.cell_location(finding.span.start)
        assert cell is not None
        found.append(f"cell {cell.cell}:line {cell.line} {finding.code} {finding.message}")
    expected = _sibling(case, ".expected").read_text(encoding="utf-8").splitlines()
    assert found == expected


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_safe_fixes_give_the_fixed_notebook(case: Path) -> None:
    analysis, resolver = _analyze(case)
    outcome = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    assert outcome.dropped == ()
    assert outcome.final.text == _expected_text(case, unsafe=False)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_unsafe_fixes_give_the_unsafe_notebook(case: Path) -> None:
    analysis, resolver = _analyze(case)
    outcome = fix_file(analysis, resolver, Settings(unsafe_fixes=True), include_unsafe=True)
    assert outcome.final.text == _expected_text(case, unsafe=True)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_the_fixed_notebook_is_a_fixed_point(case: Path) -> None:
    fixed = _expected_text(case, unsafe=False)
    analysis, resolver = _analyze(case, fixed)
    again = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    assert again.final.text == fixed


def _outside_sources(text: str) -> tuple[list[str], list[str]]:
    """The file's text between the cells' ``source`` values, and each value's text."""
    cells = read_notebook_json(text).cells
    between, values = [], []
    position = 0
    for cell in cells:
        between.append(text[position : cell.value.start])
        values.append(text[cell.value.start : cell.value.end])
        position = cell.value.end
    between.append(text[position:])
    return between, values


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fixes_change_the_fixed_cells_sources_and_not_one_byte_else(
    case: Path, unsafe: bool
) -> None:
    original = case.read_text(encoding="utf-8")
    analysis, resolver = _analyze(case)
    settings = Settings(unsafe_fixes=unsafe)
    fixed = fix_file(analysis, resolver, settings, include_unsafe=unsafe).final.text
    between, values = _outside_sources(original)
    fixed_between, fixed_values = _outside_sources(fixed)
    # Outputs (base64 images, ANSI escapes), metadata, execution counts, key order, indentation.
    assert fixed_between == between
    changed = [i + 1 for i, (a, b) in enumerate(zip(values, fixed_values, strict=True)) if a != b]
    assert changed == [5, 6]  # the `!torchrun` cell and the %%bash cell


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_a_fixed_list_of_lines_stays_lines_as_jupyter_writes_them(case: Path) -> None:
    fixed = json.loads(_expected_text(case, unsafe=True))
    for cell in fixed["cells"]:
        source = cell["source"]
        if isinstance(source, list):
            assert all(line.count("\n") == 1 and line.endswith("\n") for line in source[:-1])
            assert source == [] or "\n" not in source[-1]
