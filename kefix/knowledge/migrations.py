"""How a TrainingArguments flag that a release renamed or removed is written on the other side.

When a field exists in a release is generated data (``training_args.py``); *what replaced it*
is not in any dataclass, so it is this hand-kept table, each row with its source in the
researched inventory (``shared/knowledge/transformers-rules.md`` §3, read from the transformers
sources of every minor from 4.28 to 5.25). A migration applies in both directions when the
mapping is 1:1: a script written for 4.40 gets ``--eval_strategy`` on 5.x, and a script written
for 5.x gets ``--evaluation_strategy`` when pinned to 4.40.
"""

from __future__ import annotations

import enum
from collections.abc import Container

import msgspec


class Mapping(enum.Enum):
    RENAME = "rename"  # the same value under another flag name
    BOOL_TO_VALUE = "bool-to-value"  # ``--old`` (True) becomes ``--new value``
    RATIO_TO_STEPS = "ratio-to-steps"  # ``--warmup_ratio r`` becomes ``--warmup_steps r`` (r < 1)
    ENVIRONMENT = "environment"  # moved out of the arguments (an environment variable)
    NONE = "none"  # removed without a replacement


class Migration(msgspec.Struct, frozen=True):
    """``old`` became ``new`` (or nothing); ``value`` is the new flag's value for BOOL_TO_VALUE."""

    old: str
    new: str | None
    mapping: Mapping
    source: str
    value: str | None = None
    note: str = ""

    @property
    def reversible(self) -> bool:
        return self.mapping is Mapping.RENAME


_SECTION = "transformers-rules.md §3"

MIGRATIONS: tuple[Migration, ...] = (
    Migration("evaluation_strategy", "eval_strategy", Mapping.RENAME, _SECTION),
    Migration("no_cuda", "use_cpu", Mapping.RENAME, _SECTION),
    Migration("per_gpu_train_batch_size", "per_device_train_batch_size", Mapping.RENAME, _SECTION),
    Migration("per_gpu_eval_batch_size", "per_device_eval_batch_size", Mapping.RENAME, _SECTION),
    Migration("push_to_hub_token", "hub_token", Mapping.RENAME, _SECTION),
    Migration("xpu_backend", "ddp_backend", Mapping.RENAME, _SECTION),
    Migration("torchdynamo", "torch_compile_backend", Mapping.RENAME, _SECTION),
    Migration("adafactor", "optim", Mapping.BOOL_TO_VALUE, _SECTION, value="adafactor"),
    Migration(
        "tpu_metrics_debug", "debug", Mapping.BOOL_TO_VALUE, _SECTION, value="tpu_metrics_debug"
    ),
    Migration(
        "include_inputs_for_metrics",
        "include_for_metrics",
        Mapping.BOOL_TO_VALUE,
        _SECTION,
        value="inputs",
    ),
    Migration(
        "group_by_length",
        "train_sampling_strategy",
        Mapping.BOOL_TO_VALUE,
        _SECTION,
        value="group_by_length",
    ),
    Migration(
        "warmup_ratio",
        "warmup_steps",
        Mapping.RATIO_TO_STEPS,
        _SECTION,
        note="from 5.0 a warmup_steps value below 1 is a ratio of the total steps",
    ),
    Migration(
        "logging_dir",
        "TENSORBOARD_LOGGING_DIR",
        Mapping.ENVIRONMENT,
        _SECTION,
        note="set the environment variable TENSORBOARD_LOGGING_DIR instead",
    ),
    Migration(
        "gradient_checkpointing",
        "activation_checkpointing",
        Mapping.RENAME,
        _SECTION,
        note="deprecated from 5.23, the new name wins when both are set",
    ),
)

_BY_OLD = {migration.old: migration for migration in MIGRATIONS}
_BY_NEW = {
    migration.new: migration
    for migration in MIGRATIONS
    if migration.reversible and migration.new is not None
}


def migration_from(old: str) -> Migration | None:
    """How a flag that left TrainingArguments is written now, if kefix knows."""
    return _BY_OLD.get(old)


def migration_to(new: str) -> Migration | None:
    """The older spelling of a renamed flag (for a target release from before the rename)."""
    return _BY_NEW.get(new)


def applicable_migration(flag: str, fields: Container[str]) -> tuple[Migration, bool] | None:
    """How a flag missing from a release (whose field names are ``fields``) is written there:
    the migration and whether it runs forward (old name -> new) or back (new name -> old)."""
    forward = _BY_OLD.get(flag)
    if forward is not None and (forward.new in fields or forward.mapping is Mapping.ENVIRONMENT):
        return forward, True
    backward = _BY_NEW.get(flag)
    if backward is not None and backward.old in fields:
        return backward, False
    return None
