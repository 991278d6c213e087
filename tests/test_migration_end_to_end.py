"""`kefix --target-transformers 5.25 --apply` on a 4.3x-era script gives a script 5.25 accepts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from support import FixtureDataArguments, FixtureModelArguments

from kefix.sources.bash import parse_launch_script

transformers = pytest.importorskip("transformers")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"

# Written the way a 4.33 recipe reads: every flag here was valid then.
SCRIPT_4_33 = """\
#!/bin/bash
CUDA_VISIBLE_DEVICES=0 python src/train.py \\
    --model_name_or_path facebook/opt-350m \\
    --data_path data/alpaca.json \\
    --output_dir out/opt \\
    --overwrite_output_dir \\
    --evaluation_strategy steps \\
    --eval_steps 200 \\
    --save_steps 400 \\
    --per_gpu_train_batch_size 4 \\
    --no_cuda \\
    --adafactor \\
    --warmup_ratio 0.03 \\
    --logging_steps 10
"""


def _argv(text: str) -> list[str]:
    (launch,) = parse_launch_script("run.sh", text).launches
    argv: list[str] = []
    for arg in launch.args:
        argv += [f"--{arg.name}", *(str(value) for value in arg.values)]
    return argv


def _rejection(argv: list[str]) -> str:
    parser = transformers.HfArgumentParser(
        (FixtureModelArguments, FixtureDataArguments, transformers.TrainingArguments)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser.parse_args_into_dataclasses(argv)
        except (ValueError, SystemExit) as error:
            return str(error) or "argparse exit"
    return ""


def test_a_4_33_script_migrated_to_5_25_is_accepted_by_5_25(tmp_path: Path) -> None:
    assert transformers.__version__ == "5.25.0", "the oracle must be the release migrated to"
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "src", project / "src")
    script = project / "run.sh"
    script.write_text(SCRIPT_4_33)
    assert "not used" in _rejection(_argv(SCRIPT_4_33))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kefix",
            "--target-transformers",
            "5.25",
            "--apply",
            "--unsafe-fixes",
            "run.sh",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    migrated = script.read_text()
    assert _rejection(_argv(migrated)) == ""
    assert "--eval_strategy steps" in migrated
    assert "--use_cpu" in migrated and "--optim adafactor" in migrated
    assert "--warmup_steps 0.03" in migrated
    assert "--overwrite_output_dir" not in migrated


def test_the_same_script_is_clean_when_its_own_release_is_targeted(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "src", project / "src")
    (project / "run.sh").write_text(SCRIPT_4_33)
    result = subprocess.run(
        [sys.executable, "-m", "kefix", "--target-transformers", "4.33", "run.sh"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
