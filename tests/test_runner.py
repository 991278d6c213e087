"""A run: the pre-filter that spares files without launches, and the pool that checks many files
at once with the same results, in the same order, as one process."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import kefix.analyze
from kefix.config import Settings
from kefix.report.records import run_records
from kefix.runner import POOL_THRESHOLD, RunResult, _workers, run

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


def _summary(result: RunResult) -> list[object]:
    return [
        [
            (file.analysis.display, file.diff, file.unsafe_diff, file.analysis.findings)
            for file in result.files
        ],
        run_records(result, apply=False),
        result.errors,
    ]


def test_a_pool_gives_the_results_of_one_process_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    counts = _bench().make_tree(tree, 400, seed=3)
    monkeypatch.chdir(tmp_path)

    serial = run([Path("tree")], Settings(), apply=False, jobs=1)
    pooled = run([Path("tree")], Settings(), apply=False, jobs=2)

    assert counts["launch"] == 40
    assert sum(1 for file in serial.files if file.analysis.findings) >= 5
    assert _summary(pooled) == _summary(serial)


def test_a_few_files_are_checked_in_this_process() -> None:
    assert _workers(1, None) == 1
    assert _workers(POOL_THRESHOLD - 1, None) == 1
    assert _workers(5, 8) == 5  # never more workers than files


def test_a_script_that_names_no_launcher_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "backup.sh").write_text("#!/bin/bash\nrsync -av results/ backup/\n")
    (tmp_path / "train.sh").write_text("#!/bin/bash\ntorchrun train.py --fp16 --bf16\n")
    # A launcher spelt in pieces still reaches the parser through its Trainer flags.
    (tmp_path / "pieces.sh").write_text('#!/bin/bash\npy"thon" train.py --fp16 --bf16\n')
    parsed: list[str] = []
    real = kefix.analyze.parse_launch_script

    def recording(path: str, text: str) -> object:
        parsed.append(Path(path).name)
        return real(path, text)

    monkeypatch.setattr(kefix.analyze, "parse_launch_script", recording)
    monkeypatch.chdir(tmp_path)
    result = run([Path(".")], Settings(), apply=False)

    assert "backup.sh" not in parsed
    assert {"train.sh", "pieces.sh"} <= set(parsed)
    assert sorted(file.analysis.display for file in result.files) == ["pieces.sh", "train.sh"]
