"""The transformers and trl classes that are (or derive from) ``transformers.TrainingArguments``.

One table for everything that recognises them: the entry-script reader (a parser built from
them) and the Python source adapter (a call constructing one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TRAINING_CLASS_NAMES = frozenset(
    {
        "TrainingArguments",
        "Seq2SeqTrainingArguments",
        "SFTConfig",
        "DPOConfig",
        "GRPOConfig",
        "RewardConfig",
        "PPOConfig",
        "KTOConfig",
        "ORPOConfig",
        "CPOConfig",
        "BCOConfig",
        "GKDConfig",
        "OnlineDPOConfig",
        "RLOOConfig",
        "PRMConfig",
        "NashMDConfig",
        "XPOConfig",
    }
)

# Classes whose every field kefix knows (transformers' own); trl's configs add fields and change
# defaults kefix has no data for.
TRANSFORMERS_CLASS_NAMES = frozenset({"TrainingArguments", "Seq2SeqTrainingArguments"})


_PACKAGES = ("transformers", "trl")


def may_name_training_class(spelt: str, aliases: Mapping[str, str], local: frozenset[str]) -> bool:
    """Whether a callee spelt ``spelt`` (its last name), or the name it is an alias of, is named
    like a training class or one of the project's classes ``local``: only then is it worth
    asking which class it is."""
    alias = aliases.get(spelt, "")
    return any(name in TRAINING_CLASS_NAMES or name in local for name in (spelt, alias) if name)


def training_class_among(names: Iterable[str], bare: str | None, local: frozenset[str]) -> str:
    """The class a callee constructs, from the qualified ``names`` it may refer to:
    ``trl.SFTConfig``; a training class written ``bare`` and bound by no import kefix can see (a
    star import); or the bare name of a project class in ``local``; '' when it is none."""
    names = sorted(names)
    for name in names:
        parts = name.split(".")
        if parts[0] in _PACKAGES and parts[-1] in TRAINING_CLASS_NAMES:
            return f"{parts[0]}.{parts[-1]}"
    if not names and bare in TRAINING_CLASS_NAMES:
        package = "trl" if bare.endswith("Config") else "transformers"
        return f"{package}.{bare}"
    for name in names:
        last = name.rsplit(".", 1)[-1]
        if last in local and name.split(".")[0] not in _PACKAGES:
            return last
    return ""
