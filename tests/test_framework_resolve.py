"""Framework CLI launches: which release and source kefix reads, and the effective values it gives.

Each test builds a small project (a launch script, maybe pins, a vendored or installed framework
copy) and reads what kefix concludes, the way a user sees it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from kefix.analyze import FileAnalysis, analyze_text
from kefix.cli import main
from kefix.config import Settings
from kefix.knowledge.frameworks import known_versions
from kefix.model import EffectiveConfig, Layer
from kefix.resolve import Resolver
from kefix.target import target_versions


def _analyze(
    project: Path, script: str, targets: dict[str, str] | None = None
) -> tuple[FileAnalysis, Resolver]:
    path = project / "train.sh"
    path.write_text(script)
    resolver = Resolver([project], targets or {})
    return analyze_text(path, "train.sh", script, resolver, Settings()), resolver


def _config(analysis: FileAnalysis) -> EffectiveConfig:
    (config,) = analysis.configs
    return config


def _codes(analysis: FileAnalysis) -> list[str]:
    return [finding.code for finding in analysis.findings]


SWIFT = """#!/bin/bash
swift sft \\
    --model Qwen/Qwen2.5-7B-Instruct \\
    --dataset data/train.jsonl \\
    --save_strategy {save} \\
    --save_steps 200 \\
    --not_a_swift_option 1 \\
    --output_dir output
"""


def test_swift_evaluates_on_its_save_schedule_with_a_cited_origin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift==3.5.3\n")
    analysis, _ = _analyze(tmp_path, SWIFT.format(save="steps"))
    config = _config(analysis)
    strategy = config.get("eval_strategy")
    assert strategy is not None and strategy.value == "steps"
    assert strategy.origin.layer is Layer.DATACLASS_DEFAULT
    assert "eval_strategy defaults to save_strategy" in strategy.origin.describe()
    assert "swift/llm/argument/train_args.py:46" in strategy.origin.describe()
    steps = config.get("eval_steps")
    assert steps is not None and steps.value == 200
    # 3.5.3 still splits 1% of the data off for validation: evaluation stays on.
    assert "KF036" not in _codes(analysis)


def test_swift_without_validation_data_never_evaluates_from_3_9(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift==3.12.6\n")
    analysis, _ = _analyze(tmp_path, SWIFT.format(save="epoch"))
    strategy = _config(analysis).get("eval_strategy")
    assert strategy is not None and strategy.value == "no"
    assert "turned off without validation data" in strategy.origin.describe()


def test_swift_release_between_two_read_ones_leaves_the_convention_unknown(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift==3.7.0\n")
    analysis, _ = _analyze(tmp_path, SWIFT.format(save="epoch"))
    config = _config(analysis)
    assert config.framework is not None and config.framework.version == "3.7.0"
    assert not isinstance(config.value("eval_strategy"), str)  # 3.5.3 and 3.9.3 differ
    assert "KF115" in _codes(analysis)  # neither neighbour has --not_a_swift_option


def test_no_knowledge_of_the_release_means_no_unknown_flag_claims(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift==9.9.0\n")
    analysis, resolver = _analyze(tmp_path, SWIFT.format(save="steps"))
    assert "KF115" not in _codes(analysis)
    assert resolver.frameworks.notes == [
        "kefix has no knowledge of ms-swift 9.9.0 (ms-swift==9.9.0 in "
        f"{tmp_path / 'requirements.txt'}:1 pins 9.9.0; 9.9.0 is not a known release and no "
        "9.9.x is known); checks of ms-swift flags skipped"
    ]


def test_explicit_target_wins_over_the_pin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift==4.6.0\n")
    script = SWIFT.format(save="steps").replace("--dataset", "--train_type lora --dataset")
    analysis, _ = _analyze(tmp_path, script)
    assert "KF115" in _codes(analysis)
    pinned_old, _ = _analyze(tmp_path, script, {"ms-swift": "3.12"})
    messages = [f.message for f in pinned_old.findings if f.code == "KF115"]
    assert len(messages) == 1 and "--not_a_swift_option" in messages[0]
    assert "ms-swift 3.12.6" in messages[0]


def test_a_range_pin_checks_the_newest_release_it_admits(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ms-swift>=3.0,<3.6\n")
    analysis, _ = _analyze(tmp_path, SWIFT.format(save="steps"))
    framework = _config(analysis).framework
    assert framework is not None and framework.version == "3.5.3"


def test_target_versions_reads_pins_of_another_package(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.40.2\nms_swift==3.12.6\n")
    target = target_versions(tmp_path, known_versions("ms-swift"), package="ms-swift")
    assert target.versions == ("3.12.6",)
    assert "ms_swift==3.12.6" in target.reason


LLAMAFACTORY_FORK = {
    "llamafactory/__init__.py": "raise RuntimeError('kefix imported the vendored copy')\n",
    "llamafactory/hparams/__init__.py": "",
    "llamafactory/hparams/data_args.py": (
        "from dataclasses import dataclass, field\n"
        "from typing import Optional\n\n"
        "@dataclass\nclass DataArguments:\n"
        "    dataset: Optional[str] = None\n"
        "    eval_dataset: Optional[str] = None\n"
        "    val_size: float = field(default=0.0, metadata={'help': 'held-out share'})\n"
    ),
    "llamafactory/hparams/parser.py": (
        "from transformers import HfArgumentParser, Seq2SeqTrainingArguments\n"
        "from .data_args import DataArguments\n\n"
        "@dataclass\nclass ForkArguments:\n"
        "    our_fork_option: bool = False\n\n"
        "_TRAIN_ARGS = [DataArguments, Seq2SeqTrainingArguments, ForkArguments]\n"
    ),
}


def test_vendored_source_wins_and_is_never_imported(tmp_path: Path) -> None:
    for name, text in LLAMAFACTORY_FORK.items():
        (tmp_path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / name).write_text(text)
    (tmp_path / "requirements.txt").write_text("llamafactory==0.9.5\n")
    analysis, _ = _analyze(
        tmp_path,
        "llamafactory-cli train --dataset demo --our_fork_option --use_dora true "
        "--eval_strategy steps --output_dir out\n",
    )
    framework = _config(analysis).framework
    assert framework is not None and framework.source.startswith("vendored source at")
    found = {f.code: f.message for f in analysis.findings}
    # --use_dora is LLaMA-Factory 0.9.5's, not the fork's; --our_fork_option is the fork's.
    assert (
        "--use_dora is not an option of llamafactory-cli train in vendored source" in found["KF115"]
    )
    assert "KF036" in found
    assert "llamafactory" not in sys.modules


def test_installed_copy_is_read_when_it_is_the_release_in_use(
    tmp_path: Path, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    site = tmp_path / "site"
    (site / "trl-0.19.1.dist-info").mkdir(parents=True)
    (site / "trl-0.19.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: trl\nVersion: 0.19.1\n"
    )
    (site / "trl" / "scripts").mkdir(parents=True)
    (site / "trl" / "__init__.py").write_text("raise RuntimeError('imported')\n")
    (site / "trl" / "scripts" / "sft.py").write_text(
        "from dataclasses import dataclass\n"
        "from transformers import TrainingArguments\n\n"
        "@dataclass\nclass SFTConfig(TrainingArguments):\n"
        "    patched_locally: int = 3\n\n"
        "parser = TrlParser((SFTConfig,))\n"
    )
    monkeypatch.syspath_prepend(str(site))
    project = tmp_path / "project"
    project.mkdir()
    analysis, _ = _analyze(
        project, "trl sft --patched_locally 4 --max_length 512 --output_dir out\n"
    )
    framework = _config(analysis).framework
    assert framework is not None
    assert framework.source.startswith("trl 0.19.1 installed at")
    assert framework.reason == "trl 0.19.1 is installed"
    # The installed copy, edited by hand, lacks --max_length: kefix reads what is there.
    assert [f.subject for f in analysis.findings if f.code == "KF115"] == ["max_length"]
    assert "trl" not in sys.modules


def test_config_file_values_stay_unknown_until_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("llamafactory==0.9.5\n")
    analysis, _ = _analyze(tmp_path, "llamafactory-cli train examples/llama3_lora_sft.yaml\n")
    config = _config(analysis)
    assert "may be set by examples/llama3_lora_sft.yaml" in str(config.value("eval_strategy"))
    assert analysis.findings == ()


def test_cli_target_framework_option(tmp_path: Path) -> None:
    script = tmp_path / "train.sh"
    script.write_text(SWIFT.format(save="steps"))
    runner = CliRunner()
    bad = runner.invoke(main, [str(script), "--target-framework", "swiftly==1.0"])
    assert bad.exit_code == 2
    assert "is not FRAMEWORK==VERSION" in bad.output
    unknown = runner.invoke(
        main, [str(script), "--target-framework", "ms-swift==9.9", "--format", "concise"]
    )
    assert "note: kefix has no knowledge of ms-swift 9.9" in unknown.stderr
    assert "KF115" not in unknown.stdout
    known = runner.invoke(
        main, [str(script), "--target-framework", "swift==4.6.0", "--format", "concise"]
    )
    assert "KF115" in known.stdout


def test_trl_bf16_follows_fp16(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("trl==0.24.0\n")
    plain, _ = _analyze(tmp_path, "trl sft --model_name_or_path Qwen/Qwen2-0.5B --output_dir o\n")
    bf16 = _config(plain).get("bf16")
    assert bf16 is not None and bf16.value is True
    assert "trl/trainer/sft_config.py:261" in bf16.origin.describe()
    half, _ = _analyze(tmp_path, "trl sft --model_name_or_path Qwen/Qwen2-0.5B --fp16\n")
    assert _config(half).value("bf16") is False
    logging = _config(plain).get("logging_steps")
    assert logging is not None and logging.value == 10  # trl's default, not transformers' 500
