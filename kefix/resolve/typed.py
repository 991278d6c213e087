"""How TrainingArguments takes a typed value: a Python keyword argument or a ``parse_dict`` key.

Unlike a command-line word, a typed value is not converted: ``"false"`` stays a (truthy) string,
``"500"`` stays a string, ``None`` is ``None``. Only the enum-typed fields check their value, in
``__post_init__``; kefix claims an error only there, where every release raises ValueError.
"""

from __future__ import annotations

from kefix.knowledge.training_args import FieldSpec
from kefix.model import FieldValue, Unknown

# Fields whose value ``__post_init__`` turns into an enum (IntervalStrategy, SaveStrategy,
# HubStrategy, SchedulerType, OptimizerNames): a string outside the enum raises ValueError.
# Other fields with choices (ddp_backend, log_level, ...) are only checked by argparse.
ENUM_FIELDS = frozenset(
    {
        "eval_strategy",
        "evaluation_strategy",
        "logging_strategy",
        "save_strategy",
        "hub_strategy",
        "lr_scheduler_type",
        "optim",
    }
)


def typed_field_value(spec: FieldSpec, value: FieldValue) -> tuple[FieldValue, str]:
    """The value the field gets from a typed ``value``, and the error transformers raises
    for it ('' when it takes it)."""
    if isinstance(value, Unknown) or value is None:
        return value, ""
    rejected = spec.name in ENUM_FIELDS and isinstance(value, str) and value not in spec.choices
    if rejected and spec.choices:
        choices = ", ".join(repr(choice) for choice in spec.choices)
        return Unknown(repr(value)), f"{value!r} is not a valid value (choose from {choices})"
    return value, ""
