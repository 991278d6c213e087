"""The pre-filter where files are discovered: a file that cannot give a result (a data YAML, a
utility module, a notebook of plots) is hashed but never checked, and the report is the one
checking every file gives. A Python file's answer rests on the project's subclass index: when a
class it calls becomes a TrainingArguments subclass, the next run checks it, with or without
the cache."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import kefix.runner
from kefix import cache as cache_module
from kefix.cli import main
from kefix.config import Settings
from kefix.resolve import filesystem
from kefix.runner import CheckJob, run
from kefix.sources.prefilter import may_hold_launch

ROOT = Path(__file__).resolve().parent.parent

PLAIN_ARGS = (
    "from dataclasses import dataclass\n\n"
    "@dataclass\nclass FinetuneArguments:\n    bf16: bool = False\n"
)
TRAINING_ARGS = (
    "import transformers\n\n"
    "class FinetuneArguments(transformers.Seq2SeqTrainingArguments):\n    pass\n"
)
FINETUNE = (
    "from utils.args import FinetuneArguments\n\n"
    "args = FinetuneArguments(output_dir='out', fp16=True, bf16=True)\n"
)


def _notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": [s]} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose finetune.py calls a class defined in utils/args.py."""
    project = tmp_path / "project"
    (project / "utils").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (project / "utils" / "args.py").write_text(PLAIN_ARGS)
    (project / "finetune.py").write_text(FINETUNE)
    monkeypatch.chdir(project)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    monkeypatch.setenv("KEFIX_CACHE_DIR", str(tmp_path / "cache"))
    return project


def _worth(kind: str, path: Path) -> bool:
    with filesystem.snapshot():
        return may_hold_launch(kind, str(path), path.read_bytes())


@pytest.mark.parametrize(
    ("name", "kind", "text", "expected"),
    [
        ("data.yaml", "yaml", "- id: 1\n  text: hello\n- id: 2\n  text: world\n", False),
        ("train.yaml", "yaml", "learning_rate: 2.0e-5\nnum_train_epochs: 3\n", True),
        ("package.json", "json", '{"name": "app", "version": "1.0.0"}\n', False),
        ("ds.json", "json", '{"zero_optimization": {"stage": 2}}\n', True),
        ("plot.py", "python", "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n", False),
        ("train.py", "python", "from transformers import TrainingArguments\n", True),
        ("plots.ipynb", "notebook", _notebook("import pandas as pd\n"), False),
        ("run.ipynb", "notebook", _notebook("!torchrun train.py --bf16\n"), True),
        # A directive is read even where no launch is: it may be reported as unused.
        ("data2.yaml", "yaml", "# kefix: noqa: KF201\nid: 1\n", True),
        ("util.py", "python", "x = 1  # kefix: noqa: KF201\n", True),
    ],
)
def test_each_kind_is_worth_checking_only_when_it_names_what_a_launch_needs(
    tmp_path: Path, name: str, kind: str, text: str, expected: bool
) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert _worth(kind, path) is expected


def test_a_call_of_a_project_class_is_worth_checking_once_the_class_is_a_training_class(
    project: Path,
) -> None:
    assert not _worth("python", project / "finetune.py")
    (project / "utils" / "args.py").write_text(TRAINING_ARGS)
    assert _worth("python", project / "finetune.py")


def test_files_that_cannot_give_a_result_are_not_checked_and_the_report_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "fixtures", tree)  # every kind, launches and look-alikes
    (tree / "data").mkdir()
    (tree / "data" / "samples.yaml").write_text("- id: 1\n  text: hello\n")
    (tree / "data" / "labels.json").write_text('{"labels": ["PER", "ORG"]}\n')
    (tree / "plot.py").write_text("import matplotlib.pyplot as plt\nplt.plot([1, 2])\n")
    (tree / "explore.ipynb").write_text(_notebook("import pandas as pd\n"))
    monkeypatch.chdir(tmp_path)
    checked: list[str] = []
    real = kefix.runner._check_file

    def recording(job: CheckJob, *args: object) -> object:
        checked.append(Path(job.display).name)
        return real(job, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(kefix.runner, "_check_file", recording)
    filtered = run([Path("tree")], Settings(), apply=False, jobs=1)
    assert not {"samples.yaml", "labels.json", "plot.py", "explore.ipynb"} & set(checked)

    def worth_it(kind: str, path: str, raw: bytes) -> bool:
        return True

    monkeypatch.setattr(kefix.runner, "may_hold_launch", worth_it)
    everything = run([Path("tree")], Settings(), apply=False, jobs=1)

    def report(result: kefix.runner.RunResult) -> list[object]:
        return [(f.analysis.display, f.diff, f.analysis.findings) for f in result.files]

    assert len(filtered.files) >= 40
    assert {f.kind for f in filtered.files} == {"bash", "python", "yaml", "json", "notebook"}
    assert report(filtered) == report(everything)


def _kefix(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--no-color", "--exit-zero"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def _edit_args(project: Path) -> None:
    """utils/args.py now derives from a training class (an older time than the run's start,
    so that the cache may trust the stamps it records)."""
    path = project / "utils" / "args.py"
    path.write_text(TRAINING_ARGS)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 5_000_000_000))


@pytest.mark.parametrize("record", [True, False], ids=["run record", "per-file stamps"])
def test_the_cache_checks_a_file_again_when_a_class_it_calls_becomes_a_training_class(
    project: Path, monkeypatch: pytest.MonkeyPatch, record: bool
) -> None:
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)  # trust stamps of files written now
    if not record:
        monkeypatch.setattr(cache_module.ResultCache, "served_run", lambda self, paths: None)
    # finetune.py alone: utils/args.py, where the change is, lies outside the given paths.
    assert "All checks passed" in _kefix("finetune.py")
    assert "All checks passed" in _kefix("finetune.py")  # from the cache
    _edit_args(project)

    warm = _kefix("finetune.py")

    assert "finetune.py:3:55: KF201" in warm
    assert warm == _kefix("--no-cache", "finetune.py")
