"""The oracle for config files: what HfArgumentParser makes of a JSON/YAML training config.

For every HfArgumentParser-format config among the fixtures (and its fixed text), the file is
loaded the way ``parse_json_file``/``parse_yaml_file`` load it and given to
``HfArgumentParser(Seq2SeqTrainingArguments).parse_dict``. kefix's claims must hold: it reports a
rejecting rule exactly when transformers raises, and every value it resolved from the file is
the value transformers ends up with.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

transformers = pytest.importorskip("transformers")
yaml = pytest.importorskip("yaml")

from kefix.analyze import FileAnalysis, analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.fix import fix_file  # noqa: E402
from kefix.knowledge.training_args import release_for  # noqa: E402
from kefix.model import EffectiveConfig, Layer, Unknown  # noqa: E402
from kefix.resolve import Resolver, is_training_flag  # noqa: E402
from kefix.sources import kind_of_suffix  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
CONFIGS = sorted(
    path
    for pattern in ("rules/KF*/*", "configs/**/*")
    for path in ROOT.glob(pattern)
    if path.suffix in (".yaml", ".yml", ".json")
    and "@" not in path.parent.name
    and not path.stem.endswith((".fixed", ".unsafe"))
)
# Rules whose findings say transformers raises when TrainingArguments is built from the file.
REJECTING_RULES = {"KF001", "KF002", "KF101", "KF102", "KF201"} | {f"KF0{n}" for n in range(10, 20)}
# The fixed texts too: values kefix writes must read as it says.
ALL_CONFIGS = sorted(
    path
    for pattern in ("rules/KF*/*", "configs/**/*")
    for path in ROOT.glob(pattern)
    if path.suffix in (".yaml", ".yml", ".json") and "@" not in path.parent.name
)
RULE_FIELDS = ("load_best_model_at_end", "eval_strategy", "save_strategy", "fp16", "bf16")
FIELDS = {f.name for f in dataclasses.fields(transformers.Seq2SeqTrainingArguments) if f.init}
INSTALLED = release_for(transformers.__version__)


def _load(text: str, suffix: str) -> dict[str, Any]:
    data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _training_part(data: dict[str, Any]) -> dict[str, Any]:
    """The keys a TrainingArguments parser sees: other dataclasses' keys left out, the
    DeepSpeed path too (building it needs accelerate; test_oracle_deepspeed covers it)."""
    return {k: v for k, v in data.items() if is_training_flag(k) and k != "deepspeed"}


def _framework_defaults(analysis: FileAnalysis) -> dict[str, Any]:
    """The TrainingArguments defaults a framework's own config class changes (trl's SFTConfig
    logs every 10 steps), as released: bundled knowledge that test_framework_knowledge checks
    against the framework's packages. Conventions (bf16 = not fp16) are left out: they do not
    change what transformers rejects in these files."""
    from kefix.knowledge.frameworks import command_options

    use = next((c.framework for c in analysis.configs if c.framework is not None), None)
    if use is None or not use.known or use.training_base is None:
        return {}
    options = command_options(use.framework, use.command, use.version)
    assert options is not None
    return {
        name: option.default
        for name, option in options.options.items()
        if name in FIELDS and option.default is not None and not isinstance(option.default, Unknown)
    }


def transformers_rejects(data: dict[str, Any], defaults: dict[str, Any] | None = None) -> str:
    parser = transformers.HfArgumentParser(transformers.Seq2SeqTrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser.parse_dict({**(defaults or {}), **_training_part(data)}, allow_extra_keys=False)
        except (ValueError, TypeError) as error:
            return str(error) or type(error).__name__
    return ""


def _analyze(path: Path, text: str) -> tuple[FileAnalysis, Resolver]:
    resolver = Resolver([ROOT])
    kind = kind_of_suffix(path)
    assert kind is not None
    analysis = analyze_text(path, path.name, text, resolver, Settings(), (INSTALLED,), kind=kind)
    return analysis, resolver


def _hf_configs(analysis: FileAnalysis) -> list[EffectiveConfig]:
    return [
        config
        for config in analysis.configs
        if config.launch.entry_kind == "config"
        and not any(isinstance(config.value(name), Unknown) for name in RULE_FIELDS)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return tuple(_plain(item) for item in value)
    return value


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kefix_and_transformers_agree_on_rejecting_the_config(path: Path) -> None:
    analysis, resolver = _analyze(path, path.read_text())
    if not _hf_configs(analysis):
        pytest.skip("not a config kefix reads with every rule field known")
    fixed = fix_file(analysis, resolver, Settings(unsafe_fixes=True), include_unsafe=True).final
    for version in (analysis, fixed):
        kefix_rejects = any(f.code in REJECTING_RULES for f in version.findings)
        error = transformers_rejects(
            _load(version.text, path.suffix), _framework_defaults(analysis)
        )
        assert kefix_rejects == bool(error), f"{path.name}: transformers says {error!r}"


@pytest.mark.parametrize("path", ALL_CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_values_kefix_resolves_from_the_file_are_the_ones_transformers_builds(path: Path) -> None:
    analysis, _ = _analyze(path, path.read_text())
    configs = [c for c in analysis.configs if c.launch.launcher == "config"]
    if not configs:
        pytest.skip("not an HfArgumentParser config")
    data = _training_part(_load(path.read_text(), path.suffix))
    if transformers_rejects(data):
        pytest.skip("transformers rejects it; the other test compares the verdicts")
    parser = transformers.HfArgumentParser(transformers.Seq2SeqTrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (built,) = parser.parse_dict(data, allow_extra_keys=False)
    compared = 0
    for config in configs:
        for name, resolved in config.values.items():
            if resolved.origin.layer is not Layer.CONFIG_FILE or name not in data:
                continue
            if isinstance(resolved.value, Unknown):
                continue
            built_value = _plain(getattr(built, name))
            if isinstance(built_value, tuple) and isinstance(resolved.value, str):
                built_value = built_value[0] if len(built_value) == 1 else built_value
            assert resolved.value == built_value, name  # __post_init__ lists a lone report_to
            compared += 1
    assert compared > 0


def test_a_plain_1e_4_is_a_string_to_parse_yaml_file_and_kefix_does_not_read_it_as_a_float(
    tmp_path: Path,
) -> None:
    text = "output_dir: out\nlearning_rate: 1e-4\nnum_train_epochs: 1.0e+1\n"
    config_file = tmp_path / "config.yaml"
    config_file.write_text(text)
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (built,) = parser.parse_yaml_file(str(config_file))
    assert built.learning_rate == "1e-4"
    assert built.num_train_epochs == 10.0
    analysis, _ = _analyze(config_file, text)
    (config,) = analysis.configs
    assert isinstance(config.value("learning_rate"), Unknown)
    assert config.value("num_train_epochs") == 10.0


def test_parse_json_file_reads_the_fixture_json_as_kefix_does(tmp_path: Path) -> None:
    path = ROOT / "configs" / "hf_json" / "gpt2_wikitext.json"
    data = _training_part(json.loads(path.read_text()))
    trimmed = tmp_path / "trimmed.json"
    trimmed.write_text(json.dumps(data))
    parser = transformers.HfArgumentParser(transformers.Seq2SeqTrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="round multiple"):
            parser.parse_json_file(str(trimmed))
    analysis, _ = _analyze(path, path.read_text())
    assert [f.code for f in analysis.findings] == ["KF002"]
