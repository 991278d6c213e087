"""What framework CLIs do to TrainingArguments after parsing, each with the line it is read from.

The option lists and defaults are generated data (``frameworks.json``); what a framework's
``__post_init__`` or argument checks then do with them is not in any dataclass, so it is this
hand-kept table. Every row cites the file and line of a release read (``first``); ``last`` is the
newest release read that still has it (None: every release read from ``first`` on), and
``absent_in`` the newest release read before ``first`` that lacks it, so a release between the
two is neither claimed nor denied. ``tests/test_framework_knowledge.py`` checks each citation
against the released package when it is in the wheel cache.
"""

from __future__ import annotations

import msgspec
from packaging.version import Version


class Convention(msgspec.Struct, frozen=True):
    """A behaviour of ``framework`` from release ``first`` (read) on, cited by ``source``:
    ``path:line`` in that release and ``quote``, the code there."""

    framework: str
    name: str
    first: str
    source: str
    quote: str
    last: str | None = None
    absent_in: str | None = None

    def holds(self, version: str) -> bool | None:
        """True in releases known to have it, False in those known not to, None between."""
        wanted = Version(version)
        if self.last is not None and wanted > Version(self.last):
            return None
        if wanted >= Version(self.first):
            return True
        if self.absent_in is not None and wanted <= Version(self.absent_in):
            return False
        return None


# ms-swift: ``eval_strategy`` defaults to ``save_strategy``, ``eval_steps`` to ``save_steps``.
SWIFT_EVAL_FOLLOWS_SAVE = Convention(
    "ms-swift",
    "eval_strategy defaults to save_strategy",
    "3.0.3",
    "swift/llm/argument/train_args.py:46",
    "if self.eval_strategy is None:\n            self.eval_strategy = self.save_strategy",
    absent_in="2.6.1",
)
SWIFT_EVAL_STEPS_FOLLOW_SAVE = Convention(
    "ms-swift",
    "eval_steps defaults to save_steps",
    "3.0.3",
    "swift/llm/argument/train_args.py:52",
    "elif self.eval_strategy == 'steps' and self.eval_steps is None:\n"
    "            self.eval_steps = self.save_steps",
    absent_in="2.6.1",
)
# ... and evaluation is switched off when there is no validation data.
SWIFT_NO_EVAL_WITHOUT_DATA = Convention(
    "ms-swift",
    "evaluation is turned off without validation data",
    "3.9.3",
    "swift/llm/argument/train_args.py:173",
    "if self.split_dataset_ratio == 0 and not self.val_dataset and not self.eval_dataset:\n"
    "            self.eval_strategy = 'no'",
    absent_in="3.5.3",
)
# ms-swift rejects flags its argument class does not have, unless --ignore_args_error.
SWIFT_REMAINING_ARGV = Convention(
    "ms-swift",
    "unknown flags raise 'remaining_argv'",
    "3.0.3",
    "swift/llm/base.py:30",
    "if len(remaining_argv) > 0:\n            if getattr(args, 'ignore_args_error', False):",
)
# ms-swift 4 renamed --train_type to --tuner_type and kept the old name as an alias for a while.
SWIFT_TUNER_TYPE_RENAME = Convention(
    "ms-swift",
    "train_type is read as tuner_type",
    "4.0.4",
    "swift/arguments/base_args/base_args.py:151",
    "if self.train_type is not None:\n"
    "            logger.warning('`train_type` is deprecated, please use `tuner_type` instead.')\n"
    "            self.tuner_type = self.train_type",
)

# LLaMA-Factory: evaluation (do_eval, which transformers sets for any eval_strategy but "no")
# needs eval_dataset or val_size.
LLAMAFACTORY_EVAL_NEEDS_DATA = Convention(
    "llamafactory",
    "evaluation requires eval_dataset or val_size",
    "0.8.3",
    "llamafactory/hparams/parser.py:206",
    "if (training_args.do_eval or training_args.do_predict) and (\n"
    "        data_args.eval_dataset is None and data_args.val_size < 1e-6",
)
# The message changed: "Please specify dataset for evaluation." up to 0.9.3.
LLAMAFACTORY_EVAL_MESSAGE = Convention(
    "llamafactory",
    "the evaluation-set error names eval_dataset and val_size",
    "0.9.4",
    "llamafactory/hparams/parser.py:312",
    'raise ValueError("Please make sure eval_dataset be provided or val_size >1e-6")',
    absent_in="0.9.3",
)
LLAMAFACTORY_UNKNOWN_ARGS = Convention(
    "llamafactory",
    "unknown flags raise 'Some specified arguments are not used'",
    "0.8.3",
    "llamafactory/hparams/parser.py:71",
    'raise ValueError("Some specified arguments are not used by the HfArgumentParser: {}"'
    ".format(unknown_args))",
)

# trl configs default bf16 to None and then to "not fp16" (SFTConfig, DPOConfig, ...; moved to
# trl/trainer/base_config.py in 0.29).
TRL_BF16_UNLESS_FP16 = Convention(
    "trl",
    "bf16 defaults to not fp16",
    "0.24.0",
    "trl/trainer/sft_config.py:261",
    "self.bf16 = not (self.fp16) if self.bf16 is None else self.bf16",
)

# axolotl maps its own keys onto TrainingArguments (for config files; read at 0.19.0).
AXOLOTL_BF16_AUTO = Convention(
    "axolotl",
    "bf16: auto becomes True on a bf16-capable GPU unless fp16",
    "0.19.0",
    "axolotl/utils/config/__init__.py:165",
    'not cfg.fp16 and cfg.bf16 == "auto" and not cfg.use_ray',
)
AXOLOTL_SAVES_PER_EPOCH = Convention(
    "axolotl",
    "saves_per_epoch sets save_steps to a fraction of the run",
    "0.19.0",
    "axolotl/utils/config/__init__.py:249",
    "if cfg.saves_per_epoch:\n        save_steps = 1.0 / (cfg.saves_per_epoch * cfg.num_epochs)",
)
AXOLOTL_EVALS_PER_EPOCH = Convention(
    "axolotl",
    "evals_per_epoch sets eval_steps when there is an evaluation set",
    "0.19.0",
    "axolotl/utils/config/__init__.py:257",
    "if (cfg.val_set_size or cfg.test_datasets) and cfg.evals_per_epoch:\n"
    "        eval_steps = 1.0 / (cfg.evals_per_epoch * cfg.num_epochs)",
)
AXOLOTL_NO_EVAL_WITHOUT_VAL_SET = Convention(
    "axolotl",
    "no evaluation without an eval dataset or val_set_size",
    "0.19.0",
    "axolotl/core/builders/base.py:524",
    "if not self.eval_dataset and self.cfg.val_set_size == 0:\n"
    "            # do not eval if no eval_dataset and val_set_size=0\n"
    '            training_args_kwargs["eval_strategy"] = "no"',
)
AXOLOTL_EVAL_NEEDS_VAL_SET = Convention(
    "axolotl",
    "eval_steps/eval_strategy with val_set_size 0 is rejected",
    "0.19.0",
    "axolotl/utils/schemas/validation.py:345",
    'data.get("val_set_size") == 0\n'
    '            and (data.get("eval_steps") or data.get("eval_strategy"))',
)

# axolotl's config model ignores keys it has no field for (pydantic's default, no
# ``extra="forbid"``): a misspelt key is dropped without a word.
AXOLOTL_IGNORES_UNKNOWN_KEYS = Convention(
    "axolotl",
    "keys the config model lacks are dropped silently",
    "0.18.0",
    "axolotl/utils/schemas/config.py:212",
    'model_config = {"populate_by_name": True}',
)
# ... but it reads these aliases of its fields (RemappedParameters).
AXOLOTL_KEY_ALIASES = Convention(
    "axolotl",
    "model_type is read as type_of_model (and model_config, model_kwargs, model_revision)",
    "0.18.0",
    "axolotl/utils/schemas/deprecated.py:161",
    'type_of_model: str | None = Field(\n        default=None,\n        alias="model_type",',
)
AXOLOTL_ALIASES = frozenset({"model_config", "model_kwargs", "model_type", "model_revision"})

# How axolotl's trainer builder turns its config into TrainingArguments keyword arguments. Read at
# 0.18.0; 0.19.0 has the same code (base.py lines 9 later from the save/eval block on).
_BASE = "axolotl/core/builders/base.py"
_CAUSAL = "axolotl/core/builders/causal.py"
AXOLOTL_SAVE_STRATEGY = Convention(
    "axolotl",
    "save_steps (or saves_per_epoch) means save_strategy steps, else save_strategy, else epoch",
    "0.18.0",
    f"{_BASE}:501",
    'if self.cfg.save_steps:\n            training_args_kwargs["save_strategy"] = "steps"\n'
    '            training_args_kwargs["save_steps"] = self.cfg.save_steps\n'
    "        elif self.cfg.save_strategy:\n"
    '            training_args_kwargs["save_strategy"] = self.cfg.save_strategy',
)
AXOLOTL_SAVE_TOTAL_LIMIT = Convention(
    "axolotl",
    "save_total_limit defaults to 4",
    "0.18.0",
    f"{_BASE}:510",
    'training_args_kwargs["save_total_limit"] = (\n'
    "            self.cfg.save_total_limit if self.cfg.save_total_limit else 4",
)
AXOLOTL_EVAL_STRATEGY = Convention(
    "axolotl",
    "no evaluation without an evaluation set, else eval_steps means eval_strategy steps",
    "0.18.0",
    f"{_BASE}:515",
    "if not self.eval_dataset and self.cfg.val_set_size == 0:\n"
    "            # do not eval if no eval_dataset and val_set_size=0\n"
    '            training_args_kwargs["eval_strategy"] = "no"\n'
    "        elif self.cfg.eval_steps:\n"
    '            training_args_kwargs["eval_strategy"] = "steps"',
)
AXOLOTL_PASSED_AS_IS = Convention(
    "axolotl",
    "learning_rate, gradient_accumulation_steps, output_dir, ... are passed as written",
    "0.18.0",
    f"{_BASE}:639",
    '"gradient_accumulation_steps",\n            "learning_rate",',
)
AXOLOTL_MICRO_BATCH_SIZE = Convention(
    "axolotl",
    "micro_batch_size is per_device_train_batch_size",
    "0.18.0",
    f"{_BASE}:668",
    'training_args_kwargs["per_device_train_batch_size"] = self.cfg.micro_batch_size',
)
AXOLOTL_NUM_EPOCHS = Convention(
    "axolotl",
    "num_epochs is num_train_epochs; max_steps is max_steps or the steps it counts",
    "0.18.0",
    f"{_BASE}:677",
    'training_args_kwargs["max_steps"] = self.cfg.max_steps or total_num_steps or -1\n'
    '        training_args_kwargs["num_train_epochs"] = self.cfg.num_epochs',
)
AXOLOTL_EVAL_BATCH_SIZE = Convention(
    "axolotl",
    "eval_batch_size is per_device_eval_batch_size",
    "0.18.0",
    f"{_BASE}:671",
    "if self.cfg.eval_batch_size:\n"
    '            training_args_kwargs["per_device_eval_batch_size"] = (',
)
AXOLOTL_WARMUP = Convention(
    "axolotl",
    "warmup_steps as written (1 becomes 2), warmup_ratio turned into steps",
    "0.18.0",
    f"{_BASE}:240",
    "if self.cfg.warmup_steps is not None:\n            warmup_steps = self.cfg.warmup_steps\n"
    "        elif self.cfg.warmup_ratio is not None:",
)
AXOLOTL_LOGGING_STEPS = Convention(
    "axolotl",
    "logging_steps as written, else computed from the length of the run",
    "0.18.0",
    f"{_BASE}:259",
    "if self.cfg.logging_steps is not None:\n"
    '            training_args_kwargs["logging_steps"] = self.cfg.logging_steps',
)
AXOLOTL_PRECISION = Convention(
    "axolotl",
    "fp16 only without bf16; bf16 is bf16 or bfloat16 (bf16: full is bf16_full_eval)",
    "0.18.0",
    f"{_BASE}:271",
    'training_args_kwargs["fp16"] = (self.cfg.fp16 and not self.cfg.bf16) or False',
)
AXOLOTL_LR_SCHEDULER = Convention(
    "axolotl",
    "lr_scheduler is lr_scheduler_type (cosine by default and for one_cycle, rex)",
    "0.18.0",
    f"{_BASE}:281",
    'if self.cfg.lr_scheduler in ["one_cycle", "rex"]:\n'
    '            training_args_kwargs["lr_scheduler_type"] = "cosine"',
)
AXOLOTL_METRIC = Convention(
    "axolotl",
    "metric_for_best_model passed when set",
    "0.18.0",
    f"{_CAUSAL}:218",
    "if self.cfg.metric_for_best_model:\n"
    '            training_arguments_kwargs["metric_for_best_model"] = (',
)
AXOLOTL_LOAD_BEST = Convention(
    "axolotl",
    "load_best_model_at_end only with an evaluation set and save_steps a multiple of eval_steps",
    "0.18.0",
    f"{_CAUSAL}:248",
    'training_arguments_kwargs["load_best_model_at_end"] = (\n            (\n'
    "                self.cfg.load_best_model_at_end is not False",
)
# Keys axolotl passes to TrainingArguments under the same name and as written (when set): a fix
# may write them in an axolotl config. The others it renames or derives.
AXOLOTL_VERBATIM_KEYS = frozenset(
    {
        "learning_rate",
        "gradient_accumulation_steps",
        "output_dir",
        "weight_decay",
        "max_grad_norm",
        "seed",
        "adam_beta1",
        "adam_beta2",
        "adam_epsilon",
        "dataloader_num_workers",
        "dataloader_pin_memory",
        "dataloader_prefetch_factor",
        "save_only_model",
        "torch_empty_cache_steps",
        "logging_steps",
        "metric_for_best_model",
        "save_total_limit",
        "save_steps",
        "eval_steps",
        "save_strategy",
        "eval_strategy",
    }
)

CONVENTIONS: tuple[Convention, ...] = (
    SWIFT_EVAL_FOLLOWS_SAVE,
    SWIFT_EVAL_STEPS_FOLLOW_SAVE,
    SWIFT_NO_EVAL_WITHOUT_DATA,
    SWIFT_REMAINING_ARGV,
    SWIFT_TUNER_TYPE_RENAME,
    LLAMAFACTORY_EVAL_NEEDS_DATA,
    LLAMAFACTORY_EVAL_MESSAGE,
    LLAMAFACTORY_UNKNOWN_ARGS,
    TRL_BF16_UNLESS_FP16,
    AXOLOTL_BF16_AUTO,
    AXOLOTL_SAVES_PER_EPOCH,
    AXOLOTL_EVALS_PER_EPOCH,
    AXOLOTL_NO_EVAL_WITHOUT_VAL_SET,
    AXOLOTL_EVAL_NEEDS_VAL_SET,
    AXOLOTL_IGNORES_UNKNOWN_KEYS,
    AXOLOTL_KEY_ALIASES,
    AXOLOTL_SAVE_STRATEGY,
    AXOLOTL_SAVE_TOTAL_LIMIT,
    AXOLOTL_EVAL_STRATEGY,
    AXOLOTL_PASSED_AS_IS,
    AXOLOTL_MICRO_BATCH_SIZE,
    AXOLOTL_NUM_EPOCHS,
    AXOLOTL_EVAL_BATCH_SIZE,
    AXOLOTL_WARMUP,
    AXOLOTL_LOGGING_STEPS,
    AXOLOTL_PRECISION,
    AXOLOTL_LR_SCHEDULER,
    AXOLOTL_METRIC,
    AXOLOTL_LOAD_BEST,
)


class OptionRename(msgspec.Struct, frozen=True):
    """``old`` and ``new`` name the same option of ``framework``; ``proof`` is the convention
    whose code maps one onto the other."""

    framework: str
    old: str
    new: str
    proof: Convention


RENAMES: tuple[OptionRename, ...] = (
    OptionRename("ms-swift", "train_type", "tuner_type", SWIFT_TUNER_TYPE_RENAME),
)


def unknown_flag_error(framework: str) -> str:
    """What the framework prints when a flag is none of its options."""
    if framework == "ms-swift":
        return "ms-swift raises 'ValueError: remaining_argv: [...]'"
    if framework == "llamafactory":
        return (
            "LLaMA-Factory raises 'Some specified arguments are not used by the HfArgumentParser'"
        )
    if framework == "trl":
        return (
            "trl rejects it (its training script's HfArgumentParser, or accelerate launch, "
            "which newer trl hands unknown flags to)"
        )
    if framework == "axolotl":
        return "axolotl drops it without a word (its config model ignores keys it has no field for)"
    return f"{framework} stops with an error"
