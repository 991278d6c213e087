"""Entry scripts whose parser is built over a trl config (alignment-handbook, trl's examples):
``TrlParser((ScriptArguments, SFTConfig, ModelConfig))`` or alignment-handbook's older
``H4ArgumentParser``. Their recipe sits over the trl config's defaults of the trl release in use,
their flags over the recipe."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.model import Layer
from kefix.resolve import Resolver

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "configs" / "alignment_handbook"
RECIPE = "recipes/zephyr-7b-beta/sft/config_full.yaml"

_H4_CONFIGS = """
    from dataclasses import dataclass, field
    from typing import Optional

    import trl
    from transformers import HfArgumentParser


    class H4ArgumentParser(HfArgumentParser):
        def parse(self):
            if len(sys.argv) > 2 and sys.argv[1].endswith(".yaml"):
                return self.parse_yaml_and_args(os.path.abspath(sys.argv[1]), sys.argv[2:])
            return self.parse_yaml_file(os.path.abspath(sys.argv[1]))


    @dataclass
    class ModelArguments:
        model_name_or_path: Optional[str] = None


    @dataclass
    class SFTConfig(trl.SFTConfig):
        hub_model_revision: Optional[str] = field(default="main")
        logging_steps: int = field(default=50)
"""
_H4_SCRIPT = """
    from alignment import H4ArgumentParser, ModelArguments, SFTConfig


    def main():
        parser = H4ArgumentParser((ModelArguments, SFTConfig))
        model_args, training_args = parser.parse()
"""


def _analyze(root: Path, script: str, files: dict[str, str]) -> FileAnalysis:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    run = root / "run.sh"
    run.write_text(script)
    return analyze_text(run, "run.sh", script, Resolver([root]), Settings(), ("5.25.0",))


def test_flags_over_the_recipe_over_the_projects_default_over_trls(tmp_path: Path) -> None:
    analysis = _analyze(
        tmp_path,
        "python scripts/run_sft.py recipes/sft.yaml --learning_rate=1e-5\n",
        {
            "requirements.txt": "trl==0.19.1\n",
            "src/alignment/__init__.py": "from .configs import *\n",
            "src/alignment/configs.py": _H4_CONFIGS,
            "scripts/run_sft.py": _H4_SCRIPT,
            "recipes/sft.yaml": "model_name_or_path: mistralai/Mistral-7B-v0.1\n"
            "max_length: 2048\noutput_dir: data/sft\nlearning_rate: 2.0e-04\n",
        },
    )
    (config,) = analysis.configs
    learning_rate = config.get("learning_rate")
    assert learning_rate.value == 1e-5
    assert learning_rate.origin.layer is Layer.COMMAND_LINE
    assert [(v.value, v.origin.layer, v.origin.detail) for v in learning_rate.overrides] == [
        (2e-4, Layer.CONFIG_FILE, "learning_rate"),
        (2e-5, Layer.DATACLASS_DEFAULT, "(trl 0.19.1)"),
        (5e-5, Layer.TRANSFORMERS_DEFAULT, "(5.25.0)"),
    ]
    # The script's own subclass of SFTConfig overrides trl's default.
    logging_steps = config.get("logging_steps")
    assert logging_steps.value == 50
    assert str(logging_steps.origin.path).endswith("src/alignment/configs.py")
    assert [v.value for v in logging_steps.overrides] == [10, 500]
    assert config.value("eval_strategy") == "no"
    assert config.framework is None  # the launch is the script's: no trl CLI options judged
    assert analysis.findings == ()


_CHECKPOINT_RECIPE = (
    "output_dir: data/sft\neval_strategy: steps\nsave_strategy: steps\n"
    "save_steps: 250\nload_best_model_at_end: true\n"
)


def test_sftconfigs_logging_steps_decide_where_evaluation_falls(tmp_path: Path) -> None:
    # eval_steps falls back to logging_steps: 10 in SFTConfig, so saving every 250 steps lands on
    # an evaluation. Under transformers' 500 it would not (the plain parser below).
    trl_script = (
        "from trl import SFTConfig, TrlParser\n"
        "(training_args,) = TrlParser((SFTConfig,)).parse_args_and_config()\n"
    )
    files = {"requirements.txt": "trl==0.19.1\n", "recipe.yaml": _CHECKPOINT_RECIPE}
    launch = "python sft.py --config recipe.yaml\n"
    analysis = _analyze(tmp_path, launch, {**files, "sft.py": trl_script})
    (config,) = analysis.configs
    assert (config.value("eval_steps"), config.value("logging_steps")) == (None, 10)
    assert analysis.findings == ()
    plain = (
        "from transformers import HfArgumentParser, TrainingArguments\n"
        "(training_args,) = HfArgumentParser(TrainingArguments).parse_yaml_file(sys.argv[1])\n"
    )
    analysis = _analyze(tmp_path, "python train.py recipe.yaml\n", {"train.py": plain})
    assert [f.code for f in analysis.findings] == []  # the recipe's own finding, on the recipe
    (config,) = analysis.configs
    assert config.value("logging_steps") == 500


# ----------------------------------------------------------------------------- end to end


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefix", "--no-color", "--target-transformers", "5.25", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "alignment-handbook"
    shutil.copytree(FIXTURE, target)
    return target
