"""What a parsed YAML/JSON document is: a training config (and whose), a DeepSpeed config, or
anything else (package.json, CI workflows, data), which kefix never reports on.

A document is a training config when its top level is a mapping with at least two keys that are
TrainingArguments fields of some transformers release, with plain values (one of them
``output_dir``, or four in all), or when it matches a known recipe schema; files that merely
share key names with TrainingArguments (an accelerate config's ``debug``/``use_cpu``, a
checkpoint's ``trainer_state.json``) are recognised and left out.
"""

from __future__ import annotations

import enum
import re

from kefix.sources.config.document import Document, NodeKind


class ConfigFormat(enum.Enum):
    """Who reads a training config, which decides its defaults."""

    HF = "config"  # HfArgumentParser.parse_json_file / parse_yaml_file: transformers' defaults
    LLAMAFACTORY = "llamafactory"  # llamafactory-cli train cfg.yaml (OmegaConf + parse_dict)
    TRL = "trl"  # TRL / alignment-handbook recipes (SFTConfig & co. have their own defaults)
    AXOLOTL = "axolotl"  # axolotl's own schema, mapped onto TrainingArguments by axolotl


# Frameworks whose argument classes default differently from TrainingArguments: their configs
# are checked with every unwritten value unknown, as their command lines are.
FRAMEWORKS = frozenset({ConfigFormat.LLAMAFACTORY, ConfigFormat.TRL, ConfigFormat.AXOLOTL})

_LLAMAFACTORY = frozenset({"stage", "finetuning_type", "template", "cutoff_len", "lora_target"})
_AXOLOTL = frozenset(
    {"base_model", "micro_batch_size", "sequence_len", "num_epochs", "datasets", "adapter"}
)
_TRL = frozenset(
    {
        "dataset_mixer",
        "dataset_mixture",
        "dataset_text_field",
        "dataset_kwargs",
        "packing",
        "max_seq_length",
        "max_length",
        "max_prompt_length",
        "use_peft",
        "lora_r",
        "beta",
        "loss_type",
        "num_generations",
        "reward_funcs",
        "chat_template",
        "completion_only_loss",
        "assistant_only_loss",
    }
)
# Keys that say a document is something else, whatever TrainingArguments names it shares.
_NOT_TRAINING = frozenset(
    {
        "compute_environment",  # accelerate config (debug, use_cpu, mixed_precision, ...)
        "distributed_type",
        "global_step",  # trainer_state.json of a checkpoint (eval_steps, logging_steps, ...)
        "log_history",
        "wandb_version",  # wandb's config.yaml ({desc, value} per key)
        "zero_optimization",  # DeepSpeed
        "train_micro_batch_size_per_gpu",
        "train_batch_size",
    }
)
_DEEPSPEED = frozenset(
    {
        "zero_optimization",
        "train_micro_batch_size_per_gpu",
        "train_batch_size",
        "gradient_clipping",
        "steps_per_print",
        "wall_clock_breakdown",
        "zero_allow_untested_optimizer",
    }
)
_DEEPSPEED_MARKERS = ("zero_optimization", "train_micro_batch_size_per_gpu", "train_batch_size")
_MIN_TRAINING_KEYS = 2
_MIN_KEYS_WITHOUT_OUTPUT_DIR = 4

# Top-level keys as text, before parsing: a YAML key at the start of a line, a JSON key anywhere.
_YAML_KEY = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:", re.MULTILINE)
_JSON_KEY = re.compile(r'"([A-Za-z_][\w.-]*)"[ \t\r\n]*:')


def may_hold_config(text: str, syntax: str) -> bool:
    """False when the config adapter would find nothing in ``text`` (of ``syntax``) without
    parsing it: neither training keys nor, in JSON, a DeepSpeed key."""
    return mentions_training_keys(text, syntax) or (
        syntax == "json" and mentions_deepspeed_keys(text)
    )


def mentions_training_keys(text: str, syntax: str) -> bool:
    """A cheap look at the text: does it name at least two TrainingArguments fields as keys?
    Most YAML/JSON files in a repository (data, CI, package metadata) fail it and are never
    parsed."""
    from kefix.resolve import is_training_flag

    pattern = _YAML_KEY if syntax == "yaml" else _JSON_KEY
    names = {match.group(1) for match in pattern.finditer(text)}
    if names & _LLAMAFACTORY and syntax == "yaml":
        return True
    return sum(1 for name in names if is_training_flag(name)) >= _MIN_TRAINING_KEYS


def mentions_deepspeed_keys(text: str) -> bool:
    """A cheap look at a JSON text: does it have a key only DeepSpeed configs have?"""
    return any(f'"{key}"' in text for key in _DEEPSPEED_MARKERS)


def is_deepspeed_config(document: Document) -> bool:
    keys = {entry.key for entry in document.top_entries()}
    precision = any(
        (node := document.root.get(name)) is not None and node.kind is NodeKind.MAPPING
        for name in ("fp16", "bf16", "amp")
    )
    return bool(keys & _DEEPSPEED) or precision


def training_format(document: Document) -> ConfigFormat | None:
    """The format of a training config, or None when the document is not one."""
    from kefix.resolve import is_training_flag

    if document.root.kind is not NodeKind.MAPPING:
        return None
    keys = {entry.key for entry in document.top_entries()}
    if keys & _NOT_TRAINING or is_deepspeed_config(document):
        return None
    if len(keys & _LLAMAFACTORY) >= 2:
        return ConfigFormat.LLAMAFACTORY
    if len(keys & _AXOLOTL) >= 2:
        return ConfigFormat.AXOLOTL
    plain = [
        entry
        for entry in document.top_entries()
        if is_training_flag(entry.key) and entry.value.kind is not NodeKind.MAPPING
    ]
    named = {entry.key for entry in plain}
    # Two shared names could be chance (a data record with ``seed`` and ``learning_rate``): a
    # training config also names its output directory, or many more fields.
    if len(named) < _MIN_TRAINING_KEYS or (
        "output_dir" not in named and len(named) < _MIN_KEYS_WITHOUT_OUTPUT_DIR
    ):
        return None
    if keys & _TRL:
        return ConfigFormat.TRL
    return ConfigFormat.HF


def named_format(document: Document, launcher: str, flag: str = "") -> ConfigFormat | None:
    """The format of a config a launch names: the launcher (or the flag naming the file) says
    who reads it (a DeepSpeed config or a non-mapping is still none). ``--config recipe.yaml``
    is TRL's ``TrlParser`` (SFTConfig & co., their own defaults)."""
    if document.root.kind is not NodeKind.MAPPING or is_deepspeed_config(document):
        return None
    if launcher.startswith(("llamafactory-cli", "lmf")):
        return ConfigFormat.LLAMAFACTORY
    if launcher.startswith("trl ") or flag == "config":
        return ConfigFormat.TRL
    return training_format(document) or ConfigFormat.HF
