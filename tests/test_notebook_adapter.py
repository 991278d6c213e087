"""The notebook adapter end to end on small notebooks: IPython syntax, suppression comments in
cells, fixes inside one line, and verification of everything outside the fixed piece."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.fix import apply_edits, fix_file, plan_edits
from kefix.model import Edit, Span
from kefix.resolve import Resolver
from kefix.sources import ParsedSource
from kefix.sources.notebook.adapter import NOTEBOOK

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def notebook(*cells: str | list[str], markdown_first: bool = False) -> str:
    """A notebook as Jupyter writes it, one code cell per argument (a list: its source lines)."""
    entries = [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes"]}]
    entries = entries if markdown_first else []
    for cell in cells:
        lines = cell if isinstance(cell, list) else cell.splitlines(keepends=True)
        entries.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": lines,
            }
        )
    document = {"cells": entries, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("train.py", "train_stage2.py", "requirements.txt"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def analyze(project: Path, text: str, settings: Settings | None = None) -> FileAnalysis:
    path = project / "run.ipynb"
    path.write_text(text, encoding="utf-8")
    return analyze_text(
        path, "run.ipynb", text, Resolver([project]), settings or Settings(), kind="notebook"
    )


def fixed(project: Path, text: str, *, unsafe: bool = False) -> str:
    settings = Settings(unsafe_fixes=unsafe)
    analysis = analyze(project, text, settings)
    outcome = fix_file(analysis, Resolver([project]), settings, include_unsafe=unsafe)
    assert outcome.dropped == ()
    return outcome.final.text


def sources(text: str) -> list[object]:
    return [cell["source"] for cell in json.loads(text)["cells"]]


def codes(analysis: FileAnalysis) -> list[str]:
    return [finding.code for finding in analysis.findings]


STAGE2 = "!python train_stage2.py --output_dir out --eval_strategy no --save_strategy epoch"


def test_a_one_line_command_gets_its_fix_inside_its_line(project: Path) -> None:
    text = notebook(STAGE2)
    assert codes(analyze(project, text)) == ["KF001"]
    assert sources(fixed(project, text)) == [
        [STAGE2 + " --load_best_model_at_end False"],
    ]


def test_several_edits_of_one_fix_land_in_one_line(project: Path) -> None:
    command = (
        "!python train.py --output_dir out --load_best_model_at_end True"
        " --eval_strategy no --save_strategy steps --save_steps 200"
    )
    text = notebook(command)
    assert sources(fixed(project, text, unsafe=True)) == [
        [
            "!python train.py --output_dir out --load_best_model_at_end True"
            " --eval_strategy steps --save_strategy steps --save_steps 200 --eval_steps 200"
        ]
    ]


def test_a_command_in_a_python_block_is_read_and_fixed_in_place(project: Path) -> None:
    text = notebook(["for seed in (1, 2):\n", "    " + STAGE2 + " --seed $seed\n", "print(1)"])
    analysis = analyze(project, text)
    assert codes(analysis) == ["KF001"]
    assert sources(fixed(project, text)) == [
        [
            "for seed in (1, 2):\n",
            "    "
            + STAGE2.replace("epoch", "epoch --load_best_model_at_end False")
            + " --seed $seed\n",
            "print(1)",
        ]
    ]


def test_ipython_substitutions_are_unknown_values_not_guesses(project: Path) -> None:
    strategy = notebook(
        "!python train_stage2.py --output_dir out --eval_strategy {strategy} --save_strategy epoch"
    )
    assert codes(analyze(project, strategy)) == []
    quoted = notebook(
        "!python train_stage2.py --output_dir out --eval_strategy '{s}' --save_strategy epoch"
    )
    (launch,) = analyze(project, quoted).launches
    assert [str(value) for value in launch.args[1].values] == ["<unknown: '{s}'>"]
    # Unquoted, a substitution may hold any flags: what the launch does not write is unknown.
    extra = notebook(
        "!python train_stage2.py --output_dir out {extra} --eval_strategy no --save_strategy epoch"
    )
    assert codes(analyze(project, extra)) == []


def test_a_cd_magic_tells_where_the_entry_script_is(project: Path) -> None:
    (project / "stage2").mkdir()
    shutil.move(project / "train_stage2.py", project / "stage2" / "train_stage2.py")
    text = notebook("%cd stage2", STAGE2)
    (resolution,) = analyze(project, text).resolutions
    assert resolution.entry_path == project / "stage2" / "train_stage2.py"
    without = analyze(project, notebook(STAGE2)).resolutions[0]
    assert without.entry_path is None


def test_launches_are_numbered_across_the_notebook(project: Path) -> None:
    text = notebook(
        "%%bash\npython train.py --output_dir a --fp16 --bf16", [STAGE2 + "\n", "!ls\n", STAGE2]
    )
    analysis = analyze(project, text)
    assert [launch.ordinal for launch in analysis.launches] == [0, 1, 2]
    assert [launch.launcher for launch in analysis.launches] == ["python"] * 3


# ----------------------------------------------------------------------------- suppressions


def test_an_own_line_directive_in_a_python_line_covers_the_command_below(project: Path) -> None:
    text = notebook(["lr = 2e-4\n", "# kefix: ignore[KF001]\n", STAGE2])
    assert codes(analyze(project, text)) == []


def test_a_trailing_directive_in_a_bash_cell_covers_its_launch(project: Path) -> None:
    launch = "python train_stage2.py --output_dir out --eval_strategy no --save_strategy epoch"
    assert codes(analyze(project, notebook(["%%bash\n", launch + "\n"]))) == ["KF001"]
    text = notebook(["%%bash\n", launch + "  # kefix: ignore[KF001]\n"])
    assert codes(analyze(project, text)) == []


def test_a_directive_with_quotes_in_its_comment_still_holds(project: Path) -> None:
    text = notebook(['# the "eval" split is tiny # kefix: ignore[KF001]\n', STAGE2])
    assert '\\"eval\\"' in text  # the comment is escaped in the JSON
    assert codes(analyze(project, text)) == []


def test_a_directive_on_the_last_line_of_a_cell_does_not_reach_the_next_cell(
    project: Path,
) -> None:
    text = notebook("x = 1\n# kefix: ignore[KF001]", STAGE2)
    assert codes(analyze(project, text)) == ["KF001"]


def test_an_unused_directive_is_removed_with_its_line(project: Path) -> None:
    text = notebook(["# kefix: ignore[KF201]\n", STAGE2 + " --load_best_model_at_end False"])
    settings = Settings(select=("KF", "KF904"))
    analysis = analyze(project, text, settings)
    assert codes(analysis) == ["KF904"]
    outcome = fix_file(analysis, Resolver([project]), settings, include_unsafe=False)
    assert sources(outcome.final.text) == [[STAGE2 + " --load_best_model_at_end False"]]


# ----------------------------------------------------------------------------- verification


def _fix_edits(project: Path, text: str) -> tuple[FileAnalysis, str]:
    analysis = analyze(project, text)
    (finding,) = analysis.findings
    return analysis, apply_edits(text, plan_edits(analysis, finding))


def test_verify_accepts_the_rendered_fix(project: Path) -> None:
    text = notebook(["x = 1\n", STAGE2])
    analysis, after = _fix_edits(project, text)
    new = analyze(project, after)
    (launch,) = analysis.launches
    assert NOTEBOOK.verify(text, after, launch, new.launches[0], ()) == ""


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (('"execution_count": null', '"execution_count": 7'), "before the fixed cell's source"),
        (('"x = 1\\n"', '"x = 2\\n"'), "cell 1 outside the launch's own text"),
        (('"nbformat": 4,', '"nbformat": 4, "extra": 1,'), "after the fixed cell's source"),
    ],
)
def test_verify_refuses_any_other_change(
    project: Path, tamper: tuple[str, str], reason: str
) -> None:
    text = notebook(["x = 1\n", STAGE2])
    analysis, after = _fix_edits(project, text)
    assert tamper[0] in after
    tampered = after.replace(*tamper)
    new = analyze(project, tampered)
    (launch,) = analysis.launches
    assert reason in NOTEBOOK.verify(text, tampered, launch, new.launches[0], ())


def test_an_edit_outside_the_launchs_piece_is_refused() -> None:
    from kefix.sources import CannotRender
    from kefix.sources.notebook.adapter import _file_edits
    from kefix.sources.notebook.reading import read_notebook

    text = notebook(["x = 1\n", STAGE2])
    (found,) = read_notebook("run.ipynb", text).embedded
    with pytest.raises(CannotRender, match="outside its launch"):
        _file_edits(found, [Edit(Span(0, 1), "y")])  # the Python line above the command


_CELL_TEXT = st.lists(
    st.sampled_from(
        [
            "!torchrun --nproc_per_node 2 train.py \\\n",
            "    --eval_strategy {s} --save_strategy epoch \\\n",
            '    --output_dir "out" --fp16\n',
            "%%bash\n",
            "%cd work\n",
            "x = (1,\n",
            '"""\n',
            "python train.py --bf16 # kefix: ignore[KF2]\n",
            "for i in range(2):\n",
            "    !python train.py --seed $i\n",
            'é 😀 \\ " \t\n',
            "\n",
        ]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_CELL_TEXT, min_size=1, max_size=3), ascii_only=st.booleans())
def test_any_notebook_reads_without_error_and_its_spans_point_into_its_cells(
    cells: list[str], ascii_only: bool
) -> None:
    from kefix.sources.notebook.reading import read_notebook

    document = {"cells": [{"cell_type": "code", "source": c.splitlines(True)} for c in cells]}
    text = json.dumps(document, indent=1, ensure_ascii=ascii_only)
    reading = read_notebook("nb.ipynb", text)
    cells_lines = reading.parsed.cells
    if cells_lines is None:  # nothing in it can be a launch: the cells were not read
        assert reading.parsed == ParsedSource("nb.ipynb", ())
        assert not any(mark in "".join(cells) for mark in ("!", "%%", "kefix", "Arguments"))
        return
    for problem in reading.parsed.problems:  # e.g. `!cmd \` continued into Python: bash's KF901
        assert problem.code == "KF901"
        assert cells_lines.cell_location(problem.span.start) is not None
    for found in reading.embedded:
        for arg, inner in zip(found.launch.args, found.inner.args, strict=True):
            in_cell = found.cell.text[inner.span.start : inner.span.end]
            if "\n" not in in_cell:  # one line: one literal, whose part it is
                assert json.loads('"' + text[arg.span.start : arg.span.end] + '"') == in_cell
    for comment in reading.parsed.comments:
        assert text[comment.start : comment.end].startswith("#")


def test_a_notebook_without_commands_or_training_words_gets_no_finding_even_unreadable(
    project: Path,
) -> None:
    plots = notebook("import math\nprint(math.sqrt(2))", markdown_first=True)
    assert analyze(project, plots).findings == ()
    assert analyze(project, plots[:-20]).findings == ()  # cut short: not JSON, not about training
    assert codes(analyze(project, notebook(STAGE2)[:-20])) == ["KF901"]  # a command: read


def test_a_notebook_calling_a_project_subclass_by_its_own_name_is_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text("")
    (project / "args.py").write_text(
        "import transformers\n\nclass FinetuneArgs(transformers.TrainingArguments):\n    pass\n"
    )
    cell = (
        "from args import FinetuneArgs\n"
        'args = FinetuneArgs(output_dir="out", eval_strategy="no", save_strategy="epoch",\n'
        "                    load_best_model_at_end=True)\n"
    )
    launches = analyze(project, notebook(cell)).launches
    assert [launch.entry for launch in launches] == ["FinetuneArgs"]


def test_skip_file_in_the_first_lines_of_the_notebook_skips_it(project: Path) -> None:
    text = notebook("# kefix: skip-file\nimport os", STAGE2, markdown_first=True)
    assert analyze(project, text).findings == ()


def test_directives_in_a_source_written_as_one_string(project: Path) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1}
    source = "# kefix: ignore[KF201]\nx = 1\n" + STAGE2
    document = {"cells": [{**cell, "source": source}], "metadata": {}, "nbformat": 4}
    text = json.dumps(document, indent=1)
    assert codes(analyze(project, text)) == ["KF001"]  # the directive covers `x = 1` only
    settings = Settings(select=("KF", "KF904"))
    analysis = analyze(project, text, settings)
    assert codes(analysis) == ["KF904", "KF001"]
    outcome = fix_file(analysis, Resolver([project]), settings, include_unsafe=False)
    assert sources(outcome.final.text) == [
        "x = 1\n" + STAGE2.replace("epoch", "epoch --load_best_model_at_end False")
    ]
