"""The transformers and trl classes that are (or derive from) ``transformers.TrainingArguments``.

One table for everything that recognises them: the entry-script reader (a parser built from
them) and the Python source adapter (a call constructing one).
"""

from __future__ import annotations

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
