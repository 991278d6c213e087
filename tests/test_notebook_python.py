"""Python cells of notebooks, read through the Python adapter (kind "python").

The notebook adapter hands each code cell's Python view (``!`` commands and magics blanked) to
the adapter registered for "python".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.resolve import Resolver
from kefix.sources import has_adapter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
# The safe fix of the TrainingArguments cell (cell 7) of colab_finetune.ipynb, in its JSON.
PYTHON_CELL_FIX = ('"    evaluation_strategy=\\"no\\",\\n",', '"    eval_strategy=\\"no\\",\\n",')


def test_python_is_registered() -> None:
    assert has_adapter("python")


def _analyze(path: Path, text: str, project: Path, settings: Settings) -> FileAnalysis:
    return analyze_text(path, path.name, text, Resolver([project]), settings, kind="notebook")


def _where(analysis: FileAnalysis) -> list[tuple[int, int, str]]:
    assert analysis.cells is not None
    found = []
    for finding in analysis.findings:
        cell = analysis.cells.cell_location(finding.span.start)
        assert cell is not None
        found.append((cell.cell, cell.line, finding.code))
    return found


def test_the_trainingarguments_cell_is_checked_with_the_shell_cells() -> None:
    case = FIXTURES / "colab_finetune.ipynb"
    analysis = _analyze(case, case.read_text(encoding="utf-8"), FIXTURES, Settings())
    assert _where(analysis) == [
        (5, 8, "KF101"),
        (5, 10, "KF001"),
        (6, 7, "KF001"),
        (6, 9, "KF201"),
        (7, 6, "KF101"),  # evaluation_strategy="no",
        (7, 8, "KF001"),  # load_best_model_at_end=True,
    ]


def test_the_safe_fix_of_the_python_cell_renames_its_keyword_and_nothing_else() -> None:
    case = FIXTURES / "colab_finetune.ipynb"
    resolver = Resolver([FIXTURES])
    analysis = _analyze(case, case.read_text(encoding="utf-8"), FIXTURES, Settings())
    outcome = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    expected = (FIXTURES / "colab_finetune.fixed.ipynb").read_text(encoding="utf-8")
    assert outcome.dropped == ()
    assert outcome.final.text == expected.replace(*PYTHON_CELL_FIX)


def _notebook(*cells: list[str]) -> str:
    document = {
        "cells": [
            {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": c}
            for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


CALL = [
    "from transformers import TrainingArguments\n",
    "args = TrainingArguments(\n",
    '    output_dir="out",\n',
    '    eval_strategy="no",\n',
    '    save_strategy="epoch",\n',
    "    load_best_model_at_end=True,\n",
    ")",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "requirements.txt", tmp_path / "requirements.txt")
    return tmp_path


def test_shell_lines_and_magics_do_not_hide_the_call(project: Path) -> None:
    text = _notebook(["!pip install -q transformers\n", "%env WANDB_DISABLED=true\n", *CALL])
    analysis = _analyze(project / "nb.ipynb", text, project, Settings())
    assert _where(analysis) == [(1, 8, "KF001")]


def test_a_timed_cell_is_python(project: Path) -> None:
    text = _notebook(["%%time\n", *CALL])
    assert _where(_analyze(project / "nb.ipynb", text, project, Settings())) == [(1, 7, "KF001")]


def test_a_directive_in_a_python_cell_covers_the_call_below(project: Path) -> None:
    text = _notebook([CALL[0], "# kefix: ignore[KF001]\n", *CALL[1:]])
    assert _where(_analyze(project / "nb.ipynb", text, project, Settings())) == []


def test_the_call_cell_is_fixed_in_place(project: Path) -> None:
    text = _notebook(["!nvidia-smi\n", *CALL])
    settings = Settings(unsafe_fixes=True)
    analysis = _analyze(project / "nb.ipynb", text, project, settings)
    outcome = fix_file(analysis, Resolver([project]), settings, include_unsafe=True)
    (source,) = [cell["source"] for cell in json.loads(outcome.final.text)["cells"]]
    assert source[0] == "!nvidia-smi\n"
    assert '    eval_strategy="epoch",\n' in source
