"""axolotl configs resolved to the TrainingArguments axolotl's trainer builder passes.

The expected dicts are written by hand from axolotl 0.19.0's ``core/builders/base.py`` and
``causal.py`` (the lines ``framework_conventions`` cites); the oracle gives them to real
``HfArgumentParser(TrainingArguments).parse_dict`` and kefix must agree with its verdict.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    Layer,
    SetArg,
    Severity,
    Unknown,
)
from kefix.resolve import Resolver
from kefix.resolve.axolotl import axolotl_fix_writable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"

# What axolotl 0.19.0 passes for the keys the rules read (builder lines in the docstring).
BUILT: dict[str, dict[str, Any]] = {
    "KF014/axolotl_plateau_without_val_set.yaml": {
        "per_device_train_batch_size": 2,
        "num_train_epochs": 3,
        "learning_rate": 0.0002,
        "gradient_accumulation_steps": 4,
        "lr_scheduler_type": "reduce_lr_on_plateau",
        "save_strategy": "steps",
        "save_steps": 1 / 6,  # saves_per_epoch 2, num_epochs 3
        "eval_strategy": "no",  # val_set_size 0, no test_datasets
        "load_best_model_at_end": False,
        "save_total_limit": 4,
        "logging_steps": 10,
        "warmup_steps": 20,
    },
    "KF035/axolotl_mistral_qlora_save_eval_steps.yaml": {
        "per_device_train_batch_size": 2,
        "num_train_epochs": 1,
        "save_strategy": "steps",
        "save_steps": 300,
        "eval_strategy": "steps",
        "eval_steps": 200,
        "eval_on_start": True,
        "load_best_model_at_end": False,  # 300 % 200 != 0 (and not asked)
        "save_total_limit": 4,
        "lr_scheduler_type": "cosine",
        "warmup_steps": 10,
        "logging_steps": 1,
    },
    "KF035/axolotl_llama3_qlora_per_epoch.yaml": {
        "per_device_train_batch_size": 2,
        "num_train_epochs": 4,
        "save_strategy": "steps",
        "save_steps": 0.25,  # saves_per_epoch 1 over 4 epochs
        "eval_strategy": "steps",
        "eval_steps": 0.0625,  # evals_per_epoch 4 over 4 epochs
        "load_best_model_at_end": False,
        "tf32": False,
        "logging_steps": 1,
        "weight_decay": 0.0,
    },
}
REJECTING = {"KF001", "KF002", "KF201"} | {f"KF0{n}" for n in range(10, 20)}


def _analyze(path: Path, text: str | None = None) -> FileAnalysis:
    return analyze_text(
        path,
        path.name,
        path.read_text() if text is None else text,
        Resolver([FIXTURES]),
        Settings(),
        ("5.25.0",),
        kind="yaml",
    )


def _rejects(kwargs: dict[str, Any]) -> str:
    transformers = pytest.importorskip("transformers")
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser.parse_dict({"output_dir": "out", **kwargs})
        except (ValueError, TypeError) as error:
            return str(error) or type(error).__name__
    return ""


@pytest.mark.parametrize("name", sorted(BUILT))
def test_kefix_resolves_what_axolotl_passes_and_agrees_with_transformers(name: str) -> None:
    analysis = _analyze(FIXTURES / name)
    (config,) = analysis.configs
    for field, value in BUILT[name].items():
        assert config.value(field) == pytest.approx(value), field
    kefix_rejects = any(f.code in REJECTING for f in analysis.findings)
    assert kefix_rejects == bool(_rejects(BUILT[name])), _rejects(BUILT[name])


def test_a_mapped_value_points_at_the_axolotl_key_that_sets_it() -> None:
    (config,) = _analyze(FIXTURES / "KF035/axolotl_llama3_qlora_per_epoch.yaml").configs
    batch = config.get("per_device_train_batch_size")
    assert (batch.origin.layer, batch.origin.line, batch.origin.detail) == (
        Layer.CONFIG_FILE,
        23,
        "micro_batch_size",
    )
    save = config.get("save_steps")
    assert (save.origin.line, save.origin.detail) == (38, "saves_per_epoch")
    assert isinstance(config.value("bf16"), Unknown)  # bf16: auto depends on the GPU
    assert isinstance(config.value("max_steps"), Unknown)  # counted from the dataset


def _config(tmp_path: Path, extra: str) -> EffectiveConfig:
    (tmp_path / "requirements.txt").write_text("axolotl==0.19.0\n")
    path = tmp_path / f"{abs(hash(extra))}.yml"
    path.write_text(
        "base_model: mistralai/Mistral-7B-v0.1\ndatasets:\n  - path: a\n    type: alpaca\n"
        "val_set_size: 0.05\noutput_dir: ./outputs/out\nmicro_batch_size: 2\nnum_epochs: 1\n"
        "learning_rate: 0.0002\n" + extra
    )
    (config,) = analyze_text(
        path,
        path.name,
        path.read_text(),
        Resolver([tmp_path]),
        Settings(),
        ("5.25.0",),
        kind="yaml",
    ).configs
    return config


def test_load_best_model_at_end_is_kept_only_when_eval_steps_divide_save_steps(
    tmp_path: Path,
) -> None:
    kept = _config(
        tmp_path, "load_best_model_at_end: true\nsaves_per_epoch: 2\nevals_per_epoch: 4\n"
    )
    assert kept.value("load_best_model_at_end") is True  # 0.5 % 0.25 == 0
    # saves_per_epoch 1 over one epoch is 1.0, not below 1: no save_steps, so axolotl passes False.
    dropped = _config(
        tmp_path, "load_best_model_at_end: true\nsaves_per_epoch: 1\nevals_per_epoch: 4\n"
    )
    assert dropped.value("load_best_model_at_end") is False
    assert dropped.value("save_strategy") == "epoch"
    assert _rejects({"load_best_model_at_end": False, "save_strategy": "epoch"}) == ""


def _finding(config: EffectiveConfig, *intents: SetArg) -> Finding:
    launch = config.launch
    fix = Fix("round save_steps up", intents, Applicability.UNSAFE)
    return Finding(
        "KF035",
        "save-eval-misaligned",
        "x",
        launch.path,
        launch.span,
        Severity.WARNING,
        launch,
        fix=fix,
    )


def test_fixes_are_written_only_in_keys_axolotl_reads_as_the_field(tmp_path: Path) -> None:
    own_key = _config(tmp_path, "save_steps: 300\neval_steps: 200\n")
    assert axolotl_fix_writable(own_key, _finding(own_key, SetArg("save_steps", "400")))
    assert not axolotl_fix_writable(
        own_key, _finding(own_key, SetArg("per_device_train_batch_size", "4"))
    )
    per_epoch = _config(tmp_path, "saves_per_epoch: 4\nevals_per_epoch: 4\n")
    # axolotl rejects save_steps next to saves_per_epoch: no fix rather than a broken config.
    assert not axolotl_fix_writable(per_epoch, _finding(per_epoch, SetArg("save_steps", "400")))
