"""Framework config files (LLaMA-Factory, trl, axolotl) checked against the framework release in
use, on their own and through the launches that name them."""

from __future__ import annotations

from pathlib import Path

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.model import Layer, Unknown
from kefix.resolve import Resolver

RECIPE = """\
### model
model_name_or_path: Qwen/Qwen2.5-7B-Instruct

### method
stage: sft
do_train: true
finetuning_type: lora
lora_target: all

### dataset
dataset: alpaca_en_demo
template: qwen
{dataset_extra}
### output
output_dir: saves/qwen2.5-7b/lora/sft
save_steps: 500

### train
per_device_train_batch_size: 1
learning_rate: 1.0e-4
bf16: true
eval_strategy: steps
eval_steps: 500
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _check(root: Path, name: str, resolver: Resolver | None = None) -> FileAnalysis:
    path = root / name
    kind = "yaml" if path.suffix in (".yaml", ".yml") else "bash"
    return analyze_text(
        path,
        name,
        path.read_text(),
        resolver or Resolver([root]),
        Settings(),
        ("5.25.0",),
        kind=kind,
    )


def _lines(analysis: FileAnalysis) -> list[str]:
    return [f"{f.code} {f.message}" for f in analysis.findings]


def test_a_release_kefix_has_no_knowledge_of_is_said_once_and_no_key_is_called_unknown(
    tmp_path: Path,
) -> None:
    recipe = RECIPE.format(dataset_extra="lora_dropuot: 0.05\n")
    _write(
        tmp_path,
        {"requirements.txt": "llamafactory==0.7.1\n", "a.yaml": recipe, "b.yaml": recipe},
    )
    resolver = Resolver([tmp_path])
    found = (
        _check(tmp_path, "a.yaml", resolver).findings
        + _check(tmp_path, "b.yaml", resolver).findings
    )
    assert [f.code for f in found] == []
    (note,) = resolver.framework_notes()
    assert note.startswith("kefix has no knowledge of llamafactory 0.7.1 (llamafactory==0.7.1 in")
    assert note.endswith("checks of llamafactory flags skipped")
    (config,) = _check(tmp_path, "a.yaml", resolver).configs
    assert isinstance(config.value("save_strategy"), Unknown)  # its own defaults, unknown


def test_a_known_release_gives_the_recipe_transformers_defaults_it_inherits(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"requirements.txt": "llamafactory==0.9.5\n", "a.yaml": RECIPE.format(dataset_extra="")},
    )
    (config,) = _check(tmp_path, "a.yaml").configs
    assert config.value("save_strategy") == "steps"
    assert config.get("save_strategy").origin.layer is Layer.TRANSFORMERS_DEFAULT
    assert config.framework is not None and config.framework.version == "0.9.5"


def test_val_size_in_the_recipe_counts_and_an_override_the_release_lacks_is_the_launchs(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "llamafactory==0.9.2\n",
            "sft.yaml": RECIPE.format(dataset_extra="val_size: 0.1\n"),
            "train.sh": "llamafactory-cli train sft.yaml enable_thinking=false\n",
        },
    )
    assert _lines(_check(tmp_path, "sft.yaml")) == []
    assert _lines(_check(tmp_path, "train.sh")) == [
        "KF115 --enable_thinking is not an option of llamafactory-cli train in llamafactory 0.9.2"
        " (added in llamafactory 0.9.3); LLaMA-Factory raises 'Some specified arguments are not "
        "used by the HfArgumentParser'"
    ]


def test_a_finding_the_recipe_alone_causes_is_reported_on_the_recipe_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "llamafactory==0.9.5\n",
            "sft.yaml": RECIPE.format(dataset_extra=""),
            "train.sh": "llamafactory-cli train sft.yaml\n"
            "llamafactory-cli train sft.yaml val_size=0.05\n",
        },
    )
    assert [f.code for f in _check(tmp_path, "sft.yaml").findings] == ["KF036"]
    assert _lines(_check(tmp_path, "train.sh")) == []


def test_an_override_turning_evaluation_on_is_the_launchs_finding(tmp_path: Path) -> None:
    recipe = RECIPE.format(dataset_extra="").replace("eval_strategy: steps\neval_steps: 500\n", "")
    _write(
        tmp_path,
        {
            "requirements.txt": "llamafactory==0.9.5\n",
            "sft.yaml": recipe,
            "train.sh": "llamafactory-cli train sft.yaml eval_strategy=steps\n",
        },
    )
    assert _lines(_check(tmp_path, "sft.yaml")) == []
    assert _lines(_check(tmp_path, "train.sh")) == [
        "KF036 --eval_strategy steps asks for evaluation, but neither the launch nor the config "
        "it names has an evaluation set (--val_size or --eval_dataset); LLaMA-Factory raises "
        "ValueError: Please make sure eval_dataset be provided or val_size >1e-6"
    ]


TRL_RECIPE = """\
model_name_or_path: Qwen/Qwen2.5-0.5B
dataset_name: trl-lib/Capybara
dataset_text_field: text
max_seq_length: 2048
output_dir: Qwen2.5-0.5B-SFT
per_device_train_batch_size: 4
env:
  WANDB_PROJECT: sft
"""


def test_a_trl_recipe_key_the_release_lacks_is_reported_on_the_launch_naming_it(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "trl==0.24.0\n",
            "sft.yaml": TRL_RECIPE,
            "run.sh": "trl sft --config sft.yaml --num_processes 2\n",
        },
    )
    # On its own the recipe may be read by a script with dataclasses of its own.
    assert _lines(_check(tmp_path, "sft.yaml")) == []
    (finding,) = _check(tmp_path, "run.sh").findings
    assert finding.code == "KF115"
    assert finding.message.startswith("max_seq_length (")
    assert finding.message.split(") ", 1)[1].startswith(
        "is not an option of trl sft in trl 0.24.0 (trl 0.19.1 has it, 0.24.0 no longer does)"
    )
    assert "sft.yaml:4" in finding.message
    assert finding.message.endswith("did you mean max_length?")
    assert finding.fix is None


def test_trl_recipe_values_override_sftconfig_defaults_and_flags_override_the_recipe(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "trl==0.24.0\n",
            "sft.yaml": TRL_RECIPE.replace("max_seq_length: 2048\n", "learning_rate: 1.0e-4\n"),
            "run.sh": "trl sft --config sft.yaml --learning_rate 5e-5\n",
        },
    )
    (recipe,) = _check(tmp_path, "sft.yaml").configs
    assert recipe.value("learning_rate") == 1e-4
    assert recipe.value("logging_steps") == 10  # SFTConfig's, not TrainingArguments' 500
    assert recipe.value("bf16") is True  # trl: bf16 = not fp16
    (launch,) = _check(tmp_path, "run.sh").configs
    resolved = launch.get("learning_rate")
    assert resolved.value == 5e-5
    assert resolved.overrides[0].value == 1e-4


AXOLOTL = """\
base_model: NousResearch/Llama-2-7b-hf
model_type: LlamaForCausalLM
datasets:
  - path: mhenrichsen/alpaca_2k_test
    type: alpaca
val_set_size: 0.05
output_dir: ./outputs/out
micro_batch_size: 2
num_epochs: 1
learning_rate: 0.0002
bf16: auto
fp16: true
{extra}"""


def test_axolotl_bf16_auto_is_unknown_and_never_a_precision_conflict(tmp_path: Path) -> None:
    _write(tmp_path, {"requirements.txt": "axolotl==0.19.0\n", "a.yml": AXOLOTL.format(extra="")})
    analysis = _check(tmp_path, "a.yml")
    assert _lines(analysis) == []
    (config,) = analysis.configs
    assert isinstance(config.value("bf16"), Unknown)


def test_axolotl_keys_it_would_drop_are_reported_but_not_aliases_or_plugin_keys(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "requirements.txt": "axolotl==0.19.0\n",
            "a.yml": AXOLOTL.format(extra="lora_dropuot: 0.05\n"),
            "b.yml": AXOLOTL.format(
                extra="plugins:\n  - axolotl.integrations.liger.LigerPlugin\nliger_rope: true\n"
            ),
        },
    )
    assert _lines(_check(tmp_path, "a.yml")) == [
        "KF115 lora_dropuot is not an option of axolotl train in axolotl 0.19.0; axolotl drops it"
        " without a word (its config model ignores keys it has no field for); did you mean "
        "lora_dropout?"
    ]
    assert _lines(_check(tmp_path, "b.yml")) == []
