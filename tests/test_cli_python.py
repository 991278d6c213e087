"""The command line over a Python project (fixtures/python): a trl SFT script, a Trainer script
with ``TrainingArguments(**training_kwargs)`` and a launcher that runs ``torchrun`` through
``subprocess.run``. Findings as users read them, ``--apply`` results, and ``--diff | git apply``.

``fixtures/python/expected/<file>.fixed`` is the file after ``--apply``, ``<file>.unsafe`` after
``--apply --unsafe-fixes`` (absent: unchanged by that run).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support import git, kefix

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "python"
EXPECTED = PROJECT / "expected"
SOURCES = ("launch_sweep.py", "sft_qwen.py", "train_classifier.py", "train.py", "args.py")

FINDINGS = [
    "launch_sweep.py:15:9: KF101 [*] --evaluation_strategy was removed in transformers 4.51.0; "
    "use --eval_strategy; HfArgumentParser raises 'Some specified arguments are not used'",
    "launch_sweep.py:16:9: KF001 [*] load_best_model_at_end=True needs matching strategies, but "
    "eval_strategy is 'no' and save_strategy is 'epoch'; transformers raises ValueError at "
    "start-up",
    "  = note: load_best_model_at_end=True comes from dataclass default, args.py:16",
    "launch_sweep.py:17:9: KF202 [unsafe fix] fp16 training of Llama 2 / Code Llama "
    "(`Llama-2-7b-hf`): the family was released in float16 and is known to overflow in fp16; "
    "use --bf16 on Ampere or newer GPUs, fp32 otherwise",
    "sft_qwen.py:16:5: KF001 [unsafe fix] load_best_model_at_end=True needs matching strategies, "
    "but eval_strategy is 'epoch' and save_strategy is 'steps'; transformers raises ValueError "
    "at start-up",
    "train_classifier.py:31:9: KF101 [*] evaluation_strategy was removed in transformers 4.51.0; "
    "use eval_strategy; TrainingArguments(...) raises TypeError 'got an unexpected keyword "
    "argument'",
    "train_classifier.py:33:9: KF018 [*] dataloader_prefetch_factor=2 needs worker processes, "
    "but dataloader_num_workers is 0; transformers raises ValueError at start-up",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("expected"))
    return target


def _expected(name: str, *, unsafe: bool) -> str:
    candidates = [EXPECTED / f"{name}.unsafe"] if unsafe else []
    candidates += [EXPECTED / f"{name}.fixed", PROJECT / name]
    return next(path for path in candidates if path.exists()).read_text()


def test_findings_in_calls_argv_lists_and_kwargs_are_reported_with_their_origin(
    project: Path,
) -> None:
    result = kefix(".", "--no-color", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    reported = [line for line in lines if line.startswith(SOURCES) or "= note: load_best" in line]
    assert reported == [
        *FINDINGS[:4],
        FINDINGS[4],
        "  = note: load_best_model_at_end=True comes from keyword argument, sft_qwen.py:16",
        *FINDINGS[5:],
    ]
    assert lines[-1] == "Found 6 findings; 4 fixable with --apply, 2 more with --unsafe-fixes."


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_apply_writes_the_expected_files(project: Path, unsafe: bool) -> None:
    flags = ["--unsafe-fixes"] if unsafe else []
    result = kefix("--apply", *flags, ".", cwd=project)
    assert "Traceback" not in result.stderr
    for name in SOURCES:
        assert (project / name).read_text() == _expected(name, unsafe=unsafe), name
    again = kefix("--apply", *flags, ".", cwd=project)
    assert [(project / name).read_text() for name in SOURCES] == [
        _expected(name, unsafe=unsafe) for name in SOURCES
    ]
    assert "KF903" not in again.stdout


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_diff_applied_with_git_equals_apply(project: Path, tmp_path: Path, unsafe: bool) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other)
    flags = ["--unsafe-fixes"] if unsafe else []
    diff = kefix("--diff", *flags, ".", cwd=project)
    assert diff.returncode == 1
    assert diff.stdout.startswith("diff --git a/launch_sweep.py b/launch_sweep.py")
    git(project, "init", "-q")
    subprocess.run(["git", "apply", "-"], input=diff.stdout, text=True, cwd=project, check=True)
    kefix("--apply", *flags, ".", cwd=other)
    for name in SOURCES:
        assert (project / name).read_text() == (other / name).read_text(), name


def test_the_launcher_alone_still_reads_the_entry_scripts_subclass(project: Path) -> None:
    result = kefix("launch_sweep.py", "--no-color", cwd=project)
    assert FINDINGS[1] in result.stdout.splitlines()
