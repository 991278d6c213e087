"""A run: the pre-filter that spares files without launches, and the pool that checks many files
at once with the same results, in the same order, as one process."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

import kefix.runner
import kefix.sources.bash.adapter
from kefix.config import Settings
from kefix.report.records import run_records
from kefix.runner import POOL_THRESHOLD, CheckJob, FileChecker, RunResult, chunk_length, run
from kefix.sources.bash import crash_guard
from kefix.sources.bash.syntax import parse_bash
from kefix.target import TargetVersions
from kefix.write import SourceText

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


def test_a_chunk_holds_a_projects_worth_of_files_or_fewer_large_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kefix.runner, "_CHUNK_BYTES", 1000)

    def jobs(*sizes: int) -> list[CheckJob]:
        target = TargetVersions(("5.25.0",), "newest", None)
        texts = ["x" * size for size in sizes]
        return [CheckJob(SourceText(Path("f"), t, t.encode()), "f", target) for t in texts]

    assert chunk_length(jobs(*[1] * 300)) == kefix.runner._CHUNK  # small files: 128 at once
    assert chunk_length(jobs(*[10] * 5)) == 5
    assert chunk_length(jobs(400, 400, 400, 400)) == 3  # up to the first past 1000 bytes
    assert chunk_length(jobs(5000, 10)) == 1  # a large file goes alone
    # Once discovery has ended, smaller chunks, so that the workers end together.
    assert chunk_length(jobs(*[1] * 300), kefix.runner._CHUNK_AT_END) == 16


def test_a_pool_of_one_file_chunks_gives_the_results_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bench().make_tree(tmp_path / "tree", 200, seed=4)
    monkeypatch.chdir(tmp_path)
    serial = run([Path("tree")], Settings(), apply=False, jobs=1)
    monkeypatch.setattr(kefix.runner, "_CHUNK_BYTES", 1)
    pooled = run([Path("tree")], Settings(), apply=False, jobs=2)
    assert _summary(pooled) == _summary(serial)


def test_a_pool_writes_the_fixes_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bench().make_tree(tmp_path / "serial", 300, seed=5)
    shutil.copytree(tmp_path / "serial", tmp_path / "pooled")
    monkeypatch.chdir(tmp_path)
    settings = Settings(unsafe_fixes=True)

    serial = run([Path("serial")], settings, apply=True, jobs=1)
    pooled = run([Path("pooled")], settings, apply=True, jobs=2)

    written = [file.analysis.display for file in serial.files if file.written]
    assert len(written) >= 5
    assert [f.analysis.display for f in pooled.files if f.written] == [
        name.replace("serial", "pooled", 1) for name in written
    ]
    for path in sorted((tmp_path / "serial").rglob("*.sh")):
        twin = tmp_path / "pooled" / path.relative_to(tmp_path / "serial")
        assert twin.read_bytes() == path.read_bytes()


def test_the_pool_starts_only_when_enough_files_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real = FileChecker._start_pool

    def recording(self: FileChecker) -> None:
        started.append(len(self._waiting))
        real(self)

    monkeypatch.setattr(FileChecker, "_start_pool", recording)
    monkeypatch.setattr(kefix.runner, "_cores", lambda: 2)
    monkeypatch.chdir(tmp_path)
    for count in (POOL_THRESHOLD - 1, POOL_THRESHOLD):
        tree = tmp_path / str(count)
        tree.mkdir()
        for index in range(count):
            (tree / f"run{index:03}.sh").write_text("#!/bin/bash\ntorchrun t.py --fp16 --bf16\n")
        result = run([Path(str(count))], Settings(), apply=False)
        assert len(result.files) == count
    assert started == [POOL_THRESHOLD]  # none for one file fewer


def test_a_script_that_names_no_launcher_is_not_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "backup.sh").write_text("#!/bin/bash\nrsync -av results/ backup/\n")
    (tmp_path / "train.sh").write_text("#!/bin/bash\ntorchrun train.py --fp16 --bf16\n")
    # A launcher spelt in pieces still reaches the parser through its Trainer flags.
    (tmp_path / "pieces.sh").write_text('#!/bin/bash\npy"thon" train.py --fp16 --bf16\n')
    parsed: list[str] = []
    real = kefix.sources.bash.adapter.parse_launch_script

    def recording(path: str, text: str) -> object:
        parsed.append(Path(path).name)
        return real(path, text)

    monkeypatch.setattr(kefix.sources.bash.adapter, "parse_launch_script", recording)
    monkeypatch.chdir(tmp_path)
    result = run([Path(".")], Settings(), apply=False)

    assert "backup.sh" not in parsed
    assert {"train.sh", "pieces.sh"} <= set(parsed)
    assert sorted(file.analysis.display for file in result.files) == ["pieces.sh", "train.sh"]


def test_a_file_the_parser_crashes_on_in_a_worker_is_its_kf902_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every child parse crashes; the worker, forked after the patch, turns it into a KF902 line.
    monkeypatch.setattr(crash_guard, "_CHILD_PROGRAM", "import os; os.abort()")
    crash_guard.parse_in_child.cache_clear()
    parse_bash.cache_clear()
    started: list[int] = []
    real = FileChecker._start_pool

    def recording(self: FileChecker) -> None:
        started.append(len(self._waiting))
        real(self)

    monkeypatch.setattr(FileChecker, "_start_pool", recording)
    for index in range(6):
        (tmp_path / f"a{index}.sh").write_text("#!/bin/bash\ntorchrun train.py --fp16 --bf16\n")
    # `{` then a character above U+00FF: text tree-sitter-bash may crash on, parsed in a child.
    (tmp_path / "z_crash.sh").write_text("#!/bin/bash\necho {\u4e2d}\ntorchrun train.py --fp16\n")
    monkeypatch.chdir(tmp_path)

    result = run([Path(".")], Settings(), apply=False, jobs=2)

    assert started  # the crashing file was checked in a worker (the first four are not)
    assert result.errors == [
        "z_crash.sh:1:1: KF902 skipped: tree-sitter-bash crashed parsing it "
        + result.errors[0].split("crashed parsing it ", 1)[1]
    ]
    assert [file.analysis.display for file in result.files] == [f"a{i}.sh" for i in range(6)]


def test_a_pool_checks_named_configs_and_deepspeed_files_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Results that keep their launches (config files, DeepSpeed, frameworks) come back from
    # workers whole; the passes after them run in the parent either way.
    for name in ("llama_factory", "deepspeed"):
        shutil.copytree(ROOT / "fixtures" / "configs" / name, tmp_path / name)
    for index in range(8):
        (tmp_path / f"pad{index}.sh").write_text("#!/bin/bash\ntorchrun t.py --fp16 --bf16\n")
    monkeypatch.chdir(tmp_path)

    serial = run([Path(".")], Settings(), apply=False, jobs=1)
    pooled = run([Path(".")], Settings(), apply=False, jobs=2)

    shown = [file.analysis.display for file in serial.files]
    assert "deepspeed/ds_z2_config.json" in shown
    assert any(name.endswith(".yaml") for name in shown)
    assert _summary(pooled) == _summary(serial)
    assert pooled.notes == serial.notes


@pytest.mark.parametrize("held", [2, 4096])
def test_a_pool_reads_the_projects_subclass_index_once_in_the_discovering_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int
) -> None:
    """Python files wait for a pool to start on the scripts (all of them, or the first
    ``held``); the discovering process then reads the index, and its workers take it from
    there rather than reading the whole project again. Same results, in the same order."""
    from kefix.sources.python import subclasses

    tree = tmp_path / "tree"
    _bench().make_tree(tree, 300, seed=6)
    (tree / "src").mkdir(exist_ok=True)
    (tree / "src" / "args.py").write_text(
        "from transformers import TrainingArguments\n\nclass FtArgs(TrainingArguments):\n    pass\n"
    )
    (tree / "src" / "run_ft.py").write_text(
        "from args import FtArgs\n\nargs = FtArgs(output_dir='o', fp16=True, bf16=True)\n"
    )
    (tree / "aaa_utils").mkdir()  # found first: Python files before any script
    for index in range(3):
        (tree / "aaa_utils" / f"io{index}.py").write_text("import os\nprint(os.sep)\n")
    monkeypatch.chdir(tmp_path)
    serial = run([Path("tree")], Settings(), apply=False, jobs=1)
    readers = tmp_path / "readers"
    real = subclasses.index_answer

    def recording(root: str) -> str:
        with open(readers, "a") as log:
            log.write(f"{os.getpid()}\n")
        return real(root)

    monkeypatch.setattr(subclasses, "index_answer", recording)
    monkeypatch.setattr(kefix.runner, "_HELD", held)
    start_pool = FileChecker._start_pool

    def starting(self: FileChecker) -> None:
        with open(readers, "a") as log:
            log.write("pool\n")
        start_pool(self)

    monkeypatch.setattr(FileChecker, "_start_pool", starting)
    pooled = run([Path("tree")], Settings(), apply=False, jobs=2)

    read = readers.read_text().split()
    assert [line for line in read if line != "pool"] == [str(os.getpid())]
    if held > 3:  # none of the Python files found first made the pool wait
        assert read == ["pool", str(os.getpid())]
    assert any(f.analysis.display.endswith("run_ft.py") for f in pooled.files)
    assert _summary(pooled) == _summary(serial)
