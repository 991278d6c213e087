"""Atomic writes under fire: kefix killed with SIGKILL in the middle of ``--apply`` leaves every
file either exactly as it was or exactly as a full ``--apply`` writes it, never in between; and a
file edited while kefix runs is not overwritten (KF902, exit 2).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import kefix.runner
from kefix.cli import main
from kefix.config import Settings
from kefix.runner import run
from kefix.write import SourceText

ROOT = Path(__file__).resolve().parent.parent
FIXABLE = ROOT / "fixtures" / "rules" / "KF201" / "default_fp16.sh"
FILES = 200
ROUNDS = 6


def _tree(root: Path) -> Path:
    shutil.copytree(ROOT / "fixtures" / "rules" / "src", root / "src")
    scripts = root / "scripts"
    scripts.mkdir()
    text = FIXABLE.read_bytes()
    for index in range(FILES):
        # Files differ in size, so a half-written file could not pass for a whole one.
        (scripts / f"run_{index:03}.sh").write_bytes(text + b"# pad\n" * (index % 7))
    return root


def _contents(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "scripts").iterdir()) if p.is_file()}


def _kefix_apply(cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kefix", "--apply", "."],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every file's old bytes and the bytes a full, uninterrupted --apply writes."""
    original = _tree(tmp_path_factory.mktemp("original"))
    full = tmp_path_factory.mktemp("full")
    shutil.copytree(original, full, dirs_exist_ok=True)
    subprocess.run([sys.executable, "-m", "kefix", "--apply", "."], cwd=full, check=True)
    old, new = _contents(original), _contents(full)
    assert all(old[name] != new[name] for name in old)
    return old, new


def _kill_during_writes(process: subprocess.Popen[bytes], first: Path, rng: random.Random) -> None:
    """SIGKILL right after the first file is replaced: somewhere inside the write phase."""
    before = first.stat().st_ino
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if first.stat().st_ino != before:  # os.replace gives the path a new inode
            time.sleep(rng.uniform(0, 0.004))
            break
        time.sleep(0.0002)
    process.send_signal(signal.SIGKILL)


def test_sigkill_during_apply_leaves_each_file_old_or_new(
    tmp_path: Path, versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    old, new = versions
    rng = random.Random(6)
    outcomes: list[tuple[int, int]] = []
    for round_number in range(ROUNDS):
        root = _tree(tmp_path / f"round{round_number}")
        process = _kefix_apply(root)
        if round_number % 2:
            time.sleep(rng.uniform(0.2, 1.5))  # anywhere in the run, reading or writing
            process.send_signal(signal.SIGKILL)
        else:
            _kill_during_writes(process, root / "scripts" / "run_000.sh", rng)
        process.wait()
        found = {n: d for n, d in _contents(root).items() if not n.endswith(".kefix")}
        assert set(found) == set(old), "a file vanished or a stray file appeared"
        partial = [name for name, data in found.items() if data not in (old[name], new[name])]
        assert partial == []
        outcomes.append((sum(found[n] == new[n] for n in found), process.returncode))
        # A kill can only leave temp files, never a file kefix reads as a script.
        for leftover in (root / "scripts").iterdir():
            assert leftover.name in old or leftover.name.endswith(".kefix")
    # The kills must have landed mid-write at least once, or the test proved nothing.
    assert any(0 < written < FILES for written, _ in outcomes), outcomes
    assert all(code == -signal.SIGKILL for _, code in outcomes if _ < FILES), outcomes


def _edit_before_write(monkeypatch: pytest.MonkeyPatch, edit: bytes) -> None:
    real = kefix.runner.write_atomically

    def write(source: SourceText, new_text: str) -> None:
        with source.path.open("ab") as handle:  # the user saves the file meanwhile
            handle.write(edit)
        real(source, new_text)

    monkeypatch.setattr(kefix.runner, "write_atomically", write)


def test_file_changed_on_disk_is_reported_and_left_alone_by_the_runner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    for extra in list((root / "scripts").iterdir())[1:]:
        extra.unlink()
    [script] = (root / "scripts").iterdir()
    original = script.read_bytes()
    _edit_before_write(monkeypatch, b"# saved by the user\n")
    monkeypatch.chdir(root)
    result = run([Path("scripts")], Settings(), apply=True)
    assert result.errors == [
        f"scripts/{script.name}:1:1: KF902 not written: {script.relative_to(root)}: "
        "changed on disk since it was read; not overwritten"
    ]
    assert script.read_bytes() == original + b"# saved by the user\n"
    assert not result.files[0].written
    assert sorted(p.name for p in (root / "scripts").iterdir()) == [script.name]


def test_file_changed_on_disk_exits_two_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    _edit_before_write(monkeypatch, b"\n")
    monkeypatch.chdir(root)
    outcome = CliRunner().invoke(main, ["--apply", "scripts"])
    assert outcome.exit_code == 2
    assert outcome.output.count("KF902 not written") == FILES
    # Untouched: each file holds its old bytes plus the user's edit, nothing of kefix's.
    assert all(data.endswith(b"\n\n") for data in _contents(root).values())
    assert all(b"--fp16 False" not in data for data in _contents(root).values())


def test_file_deleted_before_write_is_reported_not_recreated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    real = kefix.runner.write_atomically

    def write(source: SourceText, new_text: str) -> None:
        os.unlink(source.path)
        real(source, new_text)

    monkeypatch.setattr(kefix.runner, "write_atomically", write)
    monkeypatch.chdir(root)
    result = run([Path("scripts")], Settings(), apply=True)
    assert len(result.errors) == FILES
    assert list((root / "scripts").iterdir()) == []
