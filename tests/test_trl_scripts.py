"""Entry scripts whose parser is built over a trl config (alignment-handbook, trl's examples):
``TrlParser((ScriptArguments, SFTConfig, ModelConfig))`` or alignment-handbook's older
``H4ArgumentParser``. Their recipe sits over the trl config's defaults of the trl release in use,
their flags over the recipe."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from support import kefix as run_kefix

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.model import Layer, Unknown
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


def test_a_recipe_kefix_cannot_read_may_set_anything(tmp_path: Path) -> None:
    analysis = _analyze(
        tmp_path,
        "accelerate launch --config_file zero3.yaml sft.py --config recipes/missing.yaml\n",
        {
            "requirements.txt": "trl==0.19.1\n",
            "zero3.yaml": "compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\n",
            "sft.py": "from trl import SFTConfig, TrlParser\nTrlParser((SFTConfig,))\n",
        },
    )
    (config,) = analysis.configs
    assert isinstance(config.value("learning_rate"), Unknown)
    assert isinstance(config.value("eval_strategy"), Unknown)
    assert "config file recipes/missing.yaml not found" in config.notes


def test_accelerates_own_config_file_is_no_training_config(tmp_path: Path) -> None:
    analysis = _analyze(
        tmp_path,
        "accelerate launch --config_file zero3.yaml sft.py --learning_rate 1e-5\n",
        {
            "requirements.txt": "trl==0.19.1\n",
            "zero3.yaml": "compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\n",
            "sft.py": "from trl import SFTConfig, TrlParser\nTrlParser((SFTConfig,))\n",
        },
    )
    (config,) = analysis.configs
    assert (config.value("learning_rate"), config.value("logging_steps")) == (1e-5, 10)


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
    return run_kefix("--no-color", "--target-transformers", "5.25", *args, cwd=cwd)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "alignment-handbook"
    shutil.copytree(FIXTURE, target)
    return target


def test_the_recipe_finding_is_the_recipes_and_the_override_finding_the_launchs(
    project: Path,
) -> None:
    result = kefix(".", cwd=project)
    lines = result.stdout.splitlines()
    # Over SFTConfig's defaults (trl 0.19.1, pinned), the recipe alone fails: reported once, on
    # the recipe, though both launches name it.
    assert (
        f"{RECIPE}:46:1: KF001 [unsafe fix] load_best_model_at_end=True needs matching "
        "strategies, but eval_strategy is 'epoch' and save_strategy is 'steps'; transformers "
        "raises ValueError at start-up"
    ) in lines
    # The second launch turns evaluation off on its command line: its own failure.
    assert (
        "train.sh:11:5: KF001 [*] load_best_model_at_end=True needs matching strategies, but "
        "eval_strategy is 'no' and save_strategy is 'steps'; transformers raises ValueError at "
        "start-up"
    ) in lines
    assert (
        "  = note: load_best_model_at_end=True comes from config file "
        f"load_best_model_at_end, {RECIPE}:46"
    ) in lines
    assert "  = fix: set --load_best_model_at_end False" in lines
    # Nothing on the first launch, nor on accelerate's own config.
    assert not any(
        line.startswith(("train.sh:3:", "train.sh:4:", "recipes/accel")) for line in lines
    )
    assert "Found 2 findings; 1 fixable with --apply, 1 more with --unsafe-fixes." in lines
    assert result.returncode == 1


def test_apply_fixes_the_launch_and_unsafe_fixes_the_recipe(project: Path) -> None:
    recipe = project / RECIPE
    accelerate = project / "recipes/accelerate_configs/deepspeed_zero3.yaml"
    before, accelerate_before = recipe.read_text(), accelerate.read_bytes()
    kefix("--apply", ".", cwd=project)
    assert (project / "train.sh").read_text() == (
        "#!/bin/bash\n"
        "# Full SFT of Zephyr-7B-beta on one node of 8 GPUs with DeepSpeed ZeRO-3.\n"
        "ACCELERATE_LOG_LEVEL=info accelerate launch \\\n"
        "    --config_file recipes/accelerate_configs/deepspeed_zero3.yaml \\\n"
        "    scripts/run_sft.py --config recipes/zephyr-7b-beta/sft/config_full.yaml\n"
        "\n"
        "# An ablation without evaluation, pushed under its own name.\n"
        "ACCELERATE_LOG_LEVEL=info accelerate launch \\\n"
        "    --config_file recipes/accelerate_configs/deepspeed_zero3.yaml \\\n"
        "    scripts/run_sft.py --config recipes/zephyr-7b-beta/sft/config_full.yaml \\\n"
        "    --eval_strategy=no --load_best_model_at_end=False "
        "--hub_model_id=zephyr-7b-sft-no-eval\n"
    )
    assert recipe.read_text() == before  # its fix needs an evaluation set: unsafe
    result = kefix("--apply", "--unsafe-fixes", ".", cwd=project)
    # Evaluate on the save schedule; every other line (comments, nesting) as it was.
    expected = before.replace("eval_strategy: epoch\n", "eval_strategy: steps\n").replace(
        "save_steps: 100\n", "save_steps: 100\neval_steps: 100\n"
    )
    assert expected != before
    assert recipe.read_text() == expected
    assert accelerate.read_bytes() == accelerate_before
    assert result.returncode == 0, result.stdout


def test_diff_applies_with_git_apply_as_apply_does(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other)
    diff = kefix("--diff", ".", cwd=project).stdout
    assert diff.startswith("diff --git a/train.sh b/train.sh\n"), diff
    subprocess.run(["git", "apply", "-"], input=diff, text=True, cwd=project, check=True)
    kefix("--apply", ".", cwd=other)
    files = sorted(p.relative_to(project) for p in project.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    for relative in files:
        assert (project / relative).read_bytes() == (other / relative).read_bytes(), relative
