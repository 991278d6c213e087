"""Notebooks on the command line: found by their suffix, reported by cell and line, fixed in
place with --apply, and --diff output that git applies."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from support import kefix

from kefix.sources import has_adapter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
NOTEBOOK = "colab_finetune.ipynb"
# With a Python adapter registered, the TrainingArguments cell (cell 7) gets its safe fix too.
PYTHON_CELL_FIX = ('"    evaluation_strategy=\\"no\\",\\n",', '"    eval_strategy=\\"no\\",\\n",')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "colab"
    target.mkdir()
    for name in (NOTEBOOK, "train.py", "train_stage2.py", "requirements.txt"):
        shutil.copy(FIXTURES / name, target / name)
    return target


def _expected_fixed() -> bytes:
    text = (FIXTURES / "colab_finetune.fixed.ipynb").read_text(encoding="utf-8")
    if has_adapter("python"):
        assert text.count(PYTHON_CELL_FIX[0]) == 1
        text = text.replace(*PYTHON_CELL_FIX)
    return text.encode("utf-8")


def test_the_text_report_shows_cell_and_line_as_jupyter_counts(project: Path) -> None:
    result = kefix(".", "--no-color", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "colab_finetune.ipynb:cell 5:line 8: KF101 [*] --evaluation_strategy was removed in "
        "transformers 4.51.0; use --eval_strategy; HfArgumentParser raises 'Some specified "
        "arguments are not used'"
    ) in lines
    assert (
        "  = note: load_best_model_at_end=True comes from command-line flag "
        "--load_best_model_at_end, colab_finetune.ipynb:cell 5:line 10"
    ) in lines
    assert (
        "  = note: load_best_model_at_end=True comes from dataclass default, train_stage2.py:21"
    ) in lines
    # The diff is of the notebook's JSON: the new flag is a new line of the cell's source.
    assert '+    "    --load_best_model_at_end False \\\\\\n",' in lines


def test_concise_lines_name_the_cell(project: Path) -> None:
    result = kefix(".", "--format", "concise", "--select", "KF2", cwd=project)
    assert result.stdout.splitlines()[0] == (
        "colab_finetune.ipynb:cell 6:line 9: KF201 [unsafe fix] fp16 and bf16 are both on; "
        "transformers raises ValueError at start-up"
    )


def test_machine_formats_keep_file_positions_and_json_adds_the_cell(project: Path) -> None:
    report = json.loads(kefix(".", "--format", "json", cwd=project).stdout)
    renamed = next(f for f in report["findings"] if f["code"] == "KF101")
    assert renamed["start"] == {"line": 94, "column": 10}  # `--evaluation_strategy` in the file
    assert renamed["cell"] == {"cell": 5, "line": 8, "column": 5}
    (edit,) = renamed["fix"]["edits"]
    assert (edit["start"], edit["content"]) == ({"line": 94, "column": 10}, "--eval_strategy")
    github = kefix(".", "--format", "github", cwd=project).stdout
    assert "::error file=colab_finetune.ipynb,line=94,endLine=94,col=10,endColumn=31," in github
    sarif = json.loads(kefix(".", "--format", "sarif", cwd=project).stdout)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]]
    assert {"startLine": 94, "startColumn": 10, "endLine": 94, "endColumn": 31} in regions


def test_markdown_headlines_name_the_cell(project: Path) -> None:
    markdown = kefix(".", "--format", "markdown", cwd=project).stdout
    assert "- **KF101** renamed-flag, cell 5 line 8: --evaluation_strategy" in markdown


def test_apply_writes_the_fixed_notebook(project: Path) -> None:
    result = kefix("--apply", ".", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr  # unsafe fixes remain
    assert (project / NOTEBOOK).read_bytes() == _expected_fixed()
    again = kefix("--apply", ".", cwd=project)
    assert (project / NOTEBOOK).read_bytes() == _expected_fixed()
    assert "(0 fixed," in again.stdout.splitlines()[-1]


def test_diff_applied_with_git_gives_what_apply_writes(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other)
    diff = kefix("--diff", ".", cwd=project)
    assert diff.stdout.startswith("diff --git a/colab_finetune.ipynb b/colab_finetune.ipynb")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", "-"], input=diff.stdout, text=True, cwd=project, check=True)
    kefix("--apply", ".", cwd=other)
    assert (project / NOTEBOOK).read_bytes() == (other / NOTEBOOK).read_bytes()
    assert (project / NOTEBOOK).read_bytes() == _expected_fixed()


def test_a_notebook_that_is_not_json_is_one_kf901_line_and_the_run_goes_on(
    project: Path,
) -> None:
    broken = '{\n "cells": [\n  {"cell_type": "code" "source": ["!python train.py"]}\n ]\n}\n'
    (project / "broken.ipynb").write_text(broken)
    result = kefix(".", "--format", "concise", cwd=project)
    lines = result.stdout.splitlines()
    assert "broken.ipynb:3:24: KF901 not valid JSON: Expecting ',' delimiter" in lines
    assert any(line.startswith("colab_finetune.ipynb:cell 5:line 8: KF101") for line in lines)
    assert "Traceback" not in result.stderr
    assert (project / "broken.ipynb").read_text() == broken


def test_jupyter_checkpoints_are_not_checked(project: Path) -> None:
    checkpoints = project / ".ipynb_checkpoints"
    checkpoints.mkdir()
    shutil.copy(project / NOTEBOOK, checkpoints / "colab_finetune-checkpoint.ipynb")
    result = kefix(".", "--format", "concise", cwd=project)
    assert ".ipynb_checkpoints" not in result.stdout
