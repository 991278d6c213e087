"""Config files end to end, as users run kefix on a repository: LLaMA-Factory recipes and their
command-line overrides, an HfArgumentParser JSON, a DeepSpeed ZeRO config shared by a launch,
an axolotl config, and YAML/JSON that is no training config at all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from support import kefix as run_kefix
from support import snapshot

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kefix("--no-color", "--target-transformers", "5.25", *args, cwd=cwd)


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(CONFIGS, target)
    return target


def test_a_recipe_finding_is_reported_on_the_recipe_and_an_override_finding_on_the_launch(
    configs: Path,
) -> None:
    result = kefix("train.sh", cwd=configs / "llama_factory")
    lines = result.stdout.splitlines()
    recipe = "examples/train_lora/llama3_lora_sft.yaml"
    # The recipe alone fails: reported once, on the recipe (the launch naming it is checked too).
    assert (
        f"{recipe}:37:1: KF001 [unsafe fix] load_best_model_at_end=True needs matching "
        "strategies, but eval_strategy is 'no' and save_strategy is 'epoch'; transformers "
        "raises ValueError at start-up"
    ) in lines
    assert not any(line.startswith("train.sh:3:") for line in lines)
    # The second launch overrides eval_strategy: its own failure, fixed on its command line.
    assert (
        "train.sh:6:5: KF001 [*] load_best_model_at_end=True needs matching strategies, but "
        "eval_strategy is 'steps' and save_strategy is 'epoch'; transformers raises ValueError "
        "at start-up"
    ) in lines
    assert (
        "  = note: load_best_model_at_end=True comes from config file "
        f"load_best_model_at_end, {recipe}:37" in lines
    )
    assert "+    load_best_model_at_end=false \\" in lines
    assert result.returncode == 1


def test_apply_fixes_the_launch_with_an_override_and_keeps_the_recipe_byte_identical(
    configs: Path,
) -> None:
    project = configs / "llama_factory"
    recipe = project / "examples" / "train_lora" / "llama3_lora_sft.yaml"
    before = recipe.read_bytes()
    kefix("--apply", ".", cwd=project)
    assert (project / "train.sh").read_text() == (
        "#!/bin/bash\n"
        "# LoRA SFT of Llama 3 with LLaMA-Factory; the second run overrides the recipe.\n"
        "llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml\n"
        "\n"
        "FORCE_TORCHRUN=1 llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml \\\n"
        "    eval_strategy=steps \\\n"
        "    load_best_model_at_end=false \\\n"
        "    learning_rate=5e-5\n"
    )
    assert recipe.read_bytes() == before  # its only fix is unsafe


def test_unsafe_apply_edits_only_the_value_in_the_recipe(configs: Path) -> None:
    project = configs / "llama_factory"
    recipe = project / "examples" / "train_lora" / "llama3_lora_sft.yaml"
    before = recipe.read_text()
    kefix("--apply", "--unsafe-fixes", "examples", cwd=project)
    assert recipe.read_text() == before.replace('eval_strategy: "no"\n', 'eval_strategy: "epoch"\n')


def test_deepspeed_precision_is_fixed_in_the_zero_config_and_diff_applies_with_git(
    configs: Path, tmp_path: Path
) -> None:
    project = configs / "deepspeed"
    result = kefix(".", cwd=project)
    lines = result.stdout.splitlines()
    assert (
        "ds_z2_config.json:3:9: KF203 [*] fp16.enabled=true here, but the launch at "
        "finetune_baichuan2.sh:23 has fp16|fp16_full_eval=False; transformers raises "
        "ValueError when training starts ('Please correct the following DeepSpeed config "
        "values that mismatch TrainingArguments values')"
    ) in lines
    assert lines[-1] == "Found 1 finding; 1 fixable with --apply."
    other = tmp_path / "other"
    shutil.copytree(project, other)
    diff = kefix("--diff", ".", cwd=project)
    subprocess.run(["git", "init", "-q"], cwd=other, check=True)
    subprocess.run(["git", "apply"], input=diff.stdout, text=True, cwd=other, check=True)
    kefix("--apply", ".", cwd=project)
    applied = {k: v for k, v in snapshot(other).items() if not k.startswith(".git")}
    assert applied == snapshot(project)
    fixed = (project / "ds_z2_config.json").read_text()
    assert fixed == (CONFIGS / "deepspeed" / "ds_z2_config.json").read_text().replace(
        '"enabled": true,', '"enabled": "auto",', 1
    )
    assert (other / "ds_z2_config.json").read_text() == fixed
    assert kefix(".", cwd=project).returncode == 0


def test_checking_only_the_launch_still_checks_the_deepspeed_config_it_passes(
    configs: Path,
) -> None:
    result = kefix("finetune_baichuan2.sh", cwd=configs / "deepspeed")
    assert any(
        line.startswith("ds_z2_config.json:3:9: KF203") for line in result.stdout.splitlines()
    )


def test_apply_on_the_launch_alone_leaves_the_config_it_names_and_says_why(
    configs: Path,
) -> None:
    project = configs / "deepspeed"
    before = snapshot(project)
    result = kefix("--apply", "finetune_baichuan2.sh", cwd=project)
    assert snapshot(project) == before
    assert (
        "ds_z2_config.json:1:1: KF902 not written: a launch names it, but it is outside the "
        "given paths (give it to fix it)"
    ) in result.stderr.splitlines()


def test_the_hf_json_config_is_reported_once_on_the_file(configs: Path) -> None:
    result = kefix(".", cwd=configs / "hf_json")
    findings = [line for line in result.stdout.splitlines() if ": KF" in line]
    assert findings == [
        "gpt2_wikitext.json:11:5: KF002 [unsafe fix] save_steps=500 is not a round multiple "
        "of eval_steps=300; transformers raises ValueError at start-up"
    ]


def test_axolotl_and_non_training_files_produce_nothing(configs: Path) -> None:
    for directory in ("axolotl", "not_training"):
        before = snapshot(configs / directory)
        result = kefix("--apply", ".", cwd=configs / directory)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == "All checks passed."
        assert result.stderr == ""
        assert snapshot(configs / directory) == before


def test_show_launches_names_the_config_file_a_launch_reads(configs: Path) -> None:
    result = kefix("--show-launches", ".", cwd=configs / "llama_factory")
    blocks = result.stdout.split("\n\n")
    assert blocks[0].splitlines()[:2] == [
        "train.sh:3: llamafactory-cli train",
        "  config files: examples/train_lora/llama3_lora_sft.yaml",
    ]
    assert any(
        block.startswith("examples/train_lora/llama3_lora_sft.yaml:2: llamafactory config file")
        for block in blocks
    )
    shown = kefix("--show-config", "train.sh:5", cwd=configs / "llama_factory").stdout
    assert (
        "  eval_strategy = 'steps' (command-line flag eval_strategy=, train.sh:6; overrides "
        "config file eval_strategy, examples/train_lora/llama3_lora_sft.yaml:35: 'no')"
    ) in shown.splitlines()
