"""The config-file layer: defaults -> the file a launch names -> the launch's own flags."""

from __future__ import annotations

from pathlib import Path

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.model import Layer, Unknown
from kefix.resolve import Resolver


def _resolve(tmp_path: Path, script: str, files: dict[str, str]) -> object:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run = tmp_path / "run.sh"
    run.write_text(script)
    resolver = Resolver([tmp_path])
    analysis = analyze_text(run, "run.sh", script, resolver, Settings(), ("5.25.0",))
    return analysis


def test_flags_override_the_file_and_keep_its_value_as_what_they_override(tmp_path: Path) -> None:
    analysis = _resolve(
        tmp_path,
        "python train.py configs/gpt2.json --learning_rate 1e-5\n",
        {"configs/gpt2.json": '{\n  "output_dir": "out",\n  "learning_rate": 5e-5\n}\n'},
    )
    (config,) = analysis.configs  # type: ignore[attr-defined]
    resolved = config.get("learning_rate")
    assert resolved.value == 1e-5
    assert resolved.origin.layer is Layer.COMMAND_LINE
    (overridden, *_) = resolved.overrides
    assert (overridden.value, overridden.origin.layer, overridden.origin.line) == (
        5e-5,
        Layer.CONFIG_FILE,
        3,
    )
    output_dir = config.get("output_dir")
    assert (output_dir.value, output_dir.arg) == ("out", None)  # not the launch's to edit
    assert not config.is_explicit("output_dir")


_TRL_SCRIPT = (
    "from trl import ModelConfig, ScriptArguments, SFTConfig, TrlParser\n"
    "parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig))\n"
    "script_args, training_args, model_args = parser.parse_args_and_config()\n"
)
_TRL_LAUNCH = "accelerate launch --config_file zero3.yaml scripts/sft.py --config recipe.yaml\n"
_TRL_FILES = {
    "zero3.yaml": "compute_environment: LOCAL_MACHINE\ndistributed_type: DEEPSPEED\n",
    "recipe.yaml": "output_dir: data/zephyr\nload_best_model_at_end: true\nsave_strategy: steps\n",
}


def test_a_trl_recipe_of_a_trlparser_script_sits_over_sftconfigs_defaults(tmp_path: Path) -> None:
    analysis = _resolve(
        tmp_path,
        _TRL_LAUNCH,
        {**_TRL_FILES, "scripts/sft.py": _TRL_SCRIPT, "requirements.txt": "trl==0.19.1\n"},
    )
    (config,) = analysis.configs  # type: ignore[attr-defined]
    # The recipe, not accelerate's config, is the training config.
    assert [str(n.ref.path) for n in analysis.resolutions[0].named_configs] == ["recipe.yaml"]  # type: ignore[attr-defined]
    # transformers' default where SFTConfig keeps it, SFTConfig's where it has its own.
    eval_strategy = config.get("eval_strategy")
    assert (eval_strategy.value, eval_strategy.origin.layer) == ("no", Layer.TRANSFORMERS_DEFAULT)
    learning_rate = config.get("learning_rate")
    assert learning_rate.value == 2e-5
    assert learning_rate.origin.describe() == "dataclass default (trl 0.19.1)"
    assert config.value("logging_steps") == 10
    assert config.get("load_best_model_at_end").origin.layer is Layer.CONFIG_FILE
    # KF001 (eval 'no', save 'steps') is the recipe's: reported on it, not on the launch.
    assert analysis.findings == ()  # type: ignore[attr-defined]


def test_a_trl_recipe_keeps_trls_defaults_unknown_where_kefix_cannot_know_them(
    tmp_path: Path,
) -> None:
    # Without the entry script kefix cannot tell which trl config reads the recipe.
    analysis = _resolve(tmp_path, _TRL_LAUNCH, {**_TRL_FILES, "requirements.txt": "trl==0.19.1\n"})
    (config,) = analysis.configs  # type: ignore[attr-defined]
    assert isinstance(config.value("eval_strategy"), Unknown)
    assert config.value("load_best_model_at_end") is True
    assert analysis.findings == ()  # type: ignore[attr-defined]
    # With it, but pinned to a trl release kefix has no knowledge of, neither.
    analysis = _resolve(
        tmp_path,
        _TRL_LAUNCH,
        {**_TRL_FILES, "scripts/sft.py": _TRL_SCRIPT, "requirements.txt": "trl==0.8.6\n"},
    )
    (config,) = analysis.configs  # type: ignore[attr-defined]
    assert isinstance(config.value("eval_strategy"), Unknown)
    assert isinstance(config.value("learning_rate"), Unknown)
    assert config.value("load_best_model_at_end") is True
    assert analysis.findings == ()  # type: ignore[attr-defined]
    assert any("trl 0.8.6: kefix has no knowledge of this release" in n for n in config.notes)


def test_arguments_kefix_cannot_see_may_override_the_file(tmp_path: Path) -> None:
    analysis = _resolve(
        tmp_path,
        'python train.py cfg.yaml "$@"\n',
        {"cfg.yaml": "output_dir: out\nfp16: true\nbf16: true\n"},
    )
    (config,) = analysis.configs  # type: ignore[attr-defined]
    assert isinstance(config.value("fp16"), Unknown)
    assert analysis.findings == ()  # type: ignore[attr-defined]


def test_a_missing_config_file_hides_what_it_could_set(tmp_path: Path) -> None:
    analysis = _resolve(
        tmp_path,
        "llamafactory-cli train examples/missing.yaml learning_rate=1e-5\n",
        {},
    )
    (config,) = analysis.configs  # type: ignore[attr-defined]
    assert "config file examples/missing.yaml not found" in config.notes
    assert config.value("learning_rate") == 1e-5
    assert isinstance(config.value("fp16"), Unknown)


def test_a_finding_the_file_alone_causes_is_not_repeated_on_the_launch(tmp_path: Path) -> None:
    analysis = _resolve(
        tmp_path,
        "python train.py cfg.yaml\npython train.py cfg.yaml --bf16 False\n",
        {"cfg.yaml": "output_dir: out\nfp16: true\nbf16: true\n"},
    )
    codes = [(f.code, f.launch.ordinal) for f in analysis.findings]  # type: ignore[attr-defined]
    assert codes == []  # the first launch: the file's; the second: --bf16 False fixes it
    analysis = _resolve(
        tmp_path,
        "python train.py cfg.yaml --fp16 True\n",
        {"cfg.yaml": "output_dir: out\nbf16: true\n"},
    )
    (finding,) = analysis.findings  # type: ignore[attr-defined]
    assert finding.code == "KF201"
    # Paths outside the working directory are shown absolute.
    assert finding.origin_note == f"bf16=True comes from config file bf16, {tmp_path}/cfg.yaml:2"
