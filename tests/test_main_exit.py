"""``kefix`` ends its process without tearing the interpreter down only when nothing is left
for the interpreter to do at exit; the status and output are the same either way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kefix.__main__ import _exit_now


def test_a_status_python_prints_is_left_to_python() -> None:
    _exit_now(SystemExit("kefix: something went wrong"))  # returns: Python prints it


def test_worker_processes_are_left_to_python_s_clean_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "multiprocessing", sys.modules[__name__])
    _exit_now(SystemExit(0))  # returns: multiprocessing's clean-up runs at exit


def test_the_whole_report_and_the_status_survive_the_quick_exit(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    launch = "torchrun train.py --output_dir o --fp16 --bf16 --evaluation_strategy steps\n"
    script.write_text(launch * 50)  # more report than a pipe's buffer holds
    command = [sys.executable, "-m", "kefix", "--no-cache", "--format", "json", str(script)]
    quick = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    program = "import sys; from kefix.cli import main; sys.argv[0] = 'kefix'; main()"
    slow = subprocess.run(
        [sys.executable, "-c", program, *command[3:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert quick.returncode == slow.returncode == 1
    assert quick.stdout == slow.stdout
    assert len(quick.stdout) > 65536
