"""The DeepSpeed oracle: transformers' own ``fill_match`` decides which DeepSpeed values mismatch.

``HfTrainerDeepSpeedConfig`` cannot be built here (it needs accelerate, which needs torch), so
its real methods (``fill_match``, ``trainer_config_process``, ``trainer_config_finalize``, from
the installed transformers) run on a stand-in that answers the config queries the way
accelerate's ``HfDeepSpeedConfig`` does (``find_config_node``/``get_value``/``is_true``, copied
in behaviour: a dotted key walks nested dicts, a missing node is None). The
``TrainingArguments`` are real, built by ``HfArgumentParser.parse_dict``; only ``world_size``
(a torch query) is given. kefix must name exactly the keys transformers lists.
"""

from __future__ import annotations

import copy
import json
import re
import types
import warnings
from functools import partialmethod
from pathlib import Path
from typing import Any

import pytest

transformers = pytest.importorskip("transformers")
deepspeed_integration = pytest.importorskip("transformers.integrations.deepspeed")

from kefix.analyze import analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.knowledge.training_args import release_for  # noqa: E402
from kefix.resolve import Resolver  # noqa: E402
from kefix.rules.deepspeed_match import mismatches  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
REAL = deepspeed_integration.HfTrainerDeepSpeedConfig


class _DeepSpeedConfig:
    """accelerate's query methods, with transformers' real checking methods bound on top."""

    fill_match = REAL.fill_match
    fill_only = partialmethod(REAL.fill_match, must_match=False)
    is_auto = REAL.is_auto
    trainer_config_process = REAL.trainer_config_process
    trainer_config_finalize = REAL.trainer_config_finalize

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = copy.deepcopy(config)
        self.mismatches: list[str] = []
        self._dtype = None

    def find_config_node(self, ds_key_long: str) -> tuple[Any, str]:
        config: Any = self.config
        nodes = ds_key_long.split(".")
        ds_key = nodes.pop()
        for node in nodes:
            config = config.get(node)
            if config is None:
                return None, ds_key
        return config, ds_key

    def get_value(self, ds_key_long: str, default: Any = None) -> Any:
        config, ds_key = self.find_config_node(ds_key_long)
        return default if config is None else config.get(ds_key, default)

    def is_true(self, ds_key_long: str) -> bool:
        value = self.get_value(ds_key_long)
        return False if value is None else bool(value)

    def is_false(self, ds_key_long: str) -> bool:
        value = self.get_value(ds_key_long)
        return False if value is None else not bool(value)

    def is_zero3(self) -> bool:
        return self.get_value("zero_optimization.stage", -1) == 3


class _Args:
    """Real TrainingArguments with the world size a launch would have."""

    def __init__(self, real: Any, world_size: int) -> None:
        self._real = real
        self.world_size = world_size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def transformers_mismatches(
    ds_config: dict[str, Any], training: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> set[str]:
    """The DeepSpeed keys transformers lists when training starts (empty: it starts)."""
    monkeypatch.setattr(
        deepspeed_integration,
        "torch",
        types.SimpleNamespace(bfloat16="bf16", float16="fp16", float32="fp32"),
        raising=False,
    )
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (real,) = parser.parse_dict({"output_dir": "out", **training})
    args = _Args(real, world_size=2)
    checker = _DeepSpeedConfig(ds_config)
    # Trainer.__init__ and, under auto_find_batch_size, the training loop call it like this.
    checker.trainer_config_process(args, auto_find_batch_size=real.auto_find_batch_size)
    model = types.SimpleNamespace(config=types.SimpleNamespace(hidden_size=64))
    try:
        checker.trainer_config_finalize(args, model, num_training_steps=100)
    except ValueError as error:
        return set(re.findall(r"^- ds (\S+)=", str(error), flags=re.MULTILINE))
    return set()


def kefix_mismatches(tmp_path: Path, ds_file: Path, training: dict[str, Any]) -> set[str]:
    """The DeepSpeed keys kefix reports for a training config passing ``ds_file``."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps({"output_dir": "out", **training, "deepspeed": str(ds_file)}))
    resolver = Resolver([tmp_path, ROOT])
    version = release_for(transformers.__version__)
    text = config_file.read_text()
    analysis = analyze_text(
        config_file, "config.json", text, resolver, Settings(), (version,), kind="json"
    )
    (config,) = analysis.configs
    assert config.deepspeed is not None
    return {
        m.check.ds_key
        for precision in (True, False)
        for m in mismatches(config, config.deepspeed, precision)
    }


CASES = [
    ("KF203/ds/zero2_fp16.json", {"bf16": True}),
    ("KF203/ds/zero2_fp16.json", {}),
    ("KF203/ds/zero2_fp16.json", {"fp16": True}),
    ("KF203/ds/zero2_fp16.json", {"fp16_full_eval": True}),
    ("KF203/ds/zero3_auto.json", {"bf16": True}),
    ("KF203/ds/zero3_auto.json", {"fp16": True, "per_device_train_batch_size": 3}),
    ("KF021/ds/zero2_values.json", {"learning_rate": 1e-5, "adam_beta2": 0.95}),
    (
        "KF021/ds/zero2_values.json",
        {
            "per_device_train_batch_size": 4,
            "gradient_accumulation_steps": 4,
            "learning_rate": 1e-5,
            "adam_beta2": 0.95,
            "weight_decay": 0.1,
        },
    ),
    (
        "KF021/ds/zero2_values.json",
        {"auto_find_batch_size": True, "per_device_train_batch_size": 16},
    ),
    ("KF021/ds/zero2_values.json", {"max_grad_norm": 0.5, "adam_epsilon": 1e-6}),
]


@pytest.mark.parametrize(("ds_file", "training"), CASES, ids=lambda c: str(c))
def test_kefix_names_the_deepspeed_keys_transformers_rejects(
    ds_file: str, training: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ROOT / ds_file
    expected = transformers_mismatches(json.loads(path.read_text()), training, monkeypatch)
    assert kefix_mismatches(tmp_path, path, training) == expected


@pytest.mark.parametrize(
    ("ds_config", "training"),
    [
        ({"train_batch_size": 30, "train_micro_batch_size_per_gpu": "auto"}, {}),
        ({"train_batch_size": 32}, {"per_device_train_batch_size": 4}),
        ({"bf16": {"enabled": True}, "fp16": {"enabled": False}}, {"bf16": True}),
        ({"bf16": {"enabled": 1}}, {"bf16": True}),
        ({"optimizer": {"params": {"betas": [0.9, 0.999]}}}, {}),
        ({"scheduler": {"params": {"warmup_max_lr": 3e-4}}}, {"learning_rate": 3e-4}),
        ({"scheduler": {"params": {"warmup_max_lr": 3e-4}}}, {}),
        ({"fp16": None, "gradient_clipping": None}, {"fp16": True}),
    ],
)
def test_edge_values_agree_with_fill_match(
    ds_config: dict[str, Any],
    training: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ds_file = tmp_path / "ds.json"
    ds_config = {**ds_config, "zero_optimization": {"stage": 2}}
    ds_file.write_text(json.dumps(ds_config))
    expected = transformers_mismatches(ds_config, training, monkeypatch)
    found = kefix_mismatches(tmp_path, ds_file, training)
    # train_batch_size is checked for every world size, transformers for the one it has (2):
    # kefix claims only mismatches no world size avoids, which this one must include.
    if "train_batch_size" in found:
        assert "train_batch_size" in expected
    assert found - {"train_batch_size"} == expected - {"train_batch_size"}
