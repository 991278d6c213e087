"""KF036 eval-without-eval-set: a framework launch asks for evaluation but names no data for it."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    FrameworkUse,
    Intent,
    RemoveArg,
    SetArg,
    Severity,
    Span,
    Unknown,
)
from kefix.resolve import field_arg
from kefix.rules.base import Rule

# LLaMA-Factory compares val_size with this (llamafactory/hparams/parser.py).
_NO_VAL_SIZE = 1e-6


class EvalWithoutEvalSet(Rule):
    """## What it does
    Checks `llamafactory-cli train` and `swift sft/pt/rlhf` launches that ask for evaluation
    (an `eval_strategy` other than `no`, `do_eval`, `load_best_model_at_end`) without naming
    any evaluation data: LLaMA-Factory's `val_size`/`eval_dataset`, ms-swift's `val_dataset`,
    `eval_dataset` or `split_dataset_ratio` above 0. LLaMA-Factory recipes are checked on their
    own too (a `val_size` in the recipe counts for the launch naming it), and axolotl configs:
    `eval_steps`/`eval_strategy` with `val_set_size: 0`, or `evals_per_epoch` without a
    `val_set_size`, and no `test_datasets`.

    ## Why it matters
    LLaMA-Factory refuses to start (`get_train_args`, llamafactory/hparams/parser.py:206 in
    0.8.3; transformers sets `do_eval` for any `eval_strategy` but `no`):

        ValueError: Please make sure eval_dataset be provided or val_size >1e-6
        ValueError: Please specify dataset for evaluation.          # before 0.9.4

    axolotl rejects `eval_steps`/`eval_strategy` with `val_set_size: 0` (axolotl/utils/schemas/
    validation.py:345 in 0.19.0) and otherwise sets `eval_strategy` to `no` without an
    evaluation set (axolotl/core/builders/base.py:524), so `evals_per_epoch` does nothing.

    ms-swift 3.9.3+ silently switches evaluation off instead (swift/llm/argument/
    train_args.py:173 in 3.9.3: `if self.split_dataset_ratio == 0 and not self.val_dataset and
    not self.eval_dataset: self.eval_strategy = 'no'`), and `split_dataset_ratio` defaults to 0
    from 3.9 on (0.01 before): the run never evaluates, and `load_best_model_at_end` then fails
    KF001's strategy check.

    ## Example
    ```bash
    llamafactory-cli train --stage sft --do_train --dataset alpaca_en_demo \\
        --eval_strategy steps --eval_steps 100 --output_dir saves/lora
    ```
    Use instead (keep evaluation, hold out 10% of the data):
    ```bash
    llamafactory-cli train --stage sft --do_train --dataset alpaca_en_demo --val_size 0.1 \\
        --eval_strategy steps --eval_steps 100 --output_dir saves/lora
    ```

    ## Fix safety
    No safe fix: only the author knows which data to evaluate on. The unsafe fix turns
    evaluation off (`--eval_strategy no`, and drops `--do_eval` and `--load_best_model_at_end`,
    which would fail without it), which changes what the run reports.
    """

    code = "KF036"
    name = "eval-without-eval-set"
    severity = Severity.ERROR
    summary = (
        "LLaMA-Factory / ms-swift / axolotl launch or config that evaluates without an evaluation"
        " set (val_size, eval_dataset, split_dataset_ratio, val_set_size)"
    )
    fix_summary = "turn evaluation off (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        use = config.framework
        if use is None or not use.known:
            return
        if use.framework == "llamafactory":
            yield from self._llamafactory(config, use)
        elif use.framework == "ms-swift":
            yield from self._swift(config, use)
        elif use.framework == "axolotl":
            yield from self._axolotl(config, use)

    def _axolotl(self, config: EffectiveConfig, use: FrameworkUse) -> Iterator[Finding]:
        """axolotl evaluates on ``val_set_size`` held out or ``test_datasets``; with neither, its
        validation rejects ``eval_steps``/``eval_strategy`` (when val_set_size is written as 0)
        and its trainer builder turns ``evals_per_epoch`` into no evaluation at all."""
        from kefix.knowledge.framework_conventions import (
            AXOLOTL_EVAL_NEEDS_VAL_SET,
            AXOLOTL_NO_EVAL_WITHOUT_VAL_SET,
        )
        from kefix.resolve.axolotl import yaml_value

        written = {arg.name: arg for arg in config.launch.args}
        if "test_datasets" in written or not use.version:
            return
        size = use.values.get("val_set_size")
        if size is None or isinstance(size.value, Unknown) or size.value not in (0, 0.0):
            return
        asks = [
            name
            for name in ("eval_steps", "eval_strategy")
            if name in written and yaml_value(written[name]) not in (None, "no", 0, False)
        ]
        if asks and "val_set_size" in written and AXOLOTL_EVAL_NEEDS_VAL_SET.holds(use.version):
            yield self.finding(
                config,
                f"{' and '.join(asks)} {'asks' if len(asks) == 1 else 'ask'} for evaluation, but"
                " val_set_size is 0 and there are no"
                " test_datasets; axolotl raises ValueError: eval_steps and eval_strategy are not "
                "supported with val_set_size == 0",
                span=written[asks[0]].flag_span,
                origin_note=f"{AXOLOTL_EVAL_NEEDS_VAL_SET.source} in axolotl "
                f"{AXOLOTL_EVAL_NEEDS_VAL_SET.first}",
                fix=_axolotl_evaluation_off(config, (*asks, "evals_per_epoch")),
                subject="evaluation set",
            )
            return
        per_epoch = written.get("evals_per_epoch")
        if per_epoch is None or AXOLOTL_NO_EVAL_WITHOUT_VAL_SET.holds(use.version) is not True:
            return
        where = "val_set_size is 0" if "val_set_size" in written else "val_set_size defaults to 0"
        yield self.finding(
            config,
            f"evals_per_epoch asks for evaluation, but {where} and there are no test_datasets; "
            "axolotl sets eval_strategy to 'no' and never evaluates",
            span=per_epoch.flag_span,
            origin_note=f"{AXOLOTL_NO_EVAL_WITHOUT_VAL_SET.source} in axolotl "
            f"{AXOLOTL_NO_EVAL_WITHOUT_VAL_SET.first}",
            fix=_axolotl_evaluation_off(config, ("evals_per_epoch",)),
            subject="evaluation set",
        )

    def _llamafactory(self, config: EffectiveConfig, use: FrameworkUse) -> Iterator[Finding]:
        from kefix.knowledge.framework_conventions import (
            LLAMAFACTORY_EVAL_MESSAGE,
            LLAMAFACTORY_EVAL_NEEDS_DATA,
        )

        asked = _evaluation_asked(config)
        if asked is None:
            return
        eval_dataset = use.values.get("eval_dataset")
        val_size = use.values.get("val_size")
        if eval_dataset is None or val_size is None:
            return
        if isinstance(eval_dataset.value, Unknown) or eval_dataset.value is not None:
            return
        size = val_size.value
        if isinstance(size, Unknown) or not isinstance(size, (int, float)) or size >= _NO_VAL_SIZE:
            return
        newer = use.version and LLAMAFACTORY_EVAL_MESSAGE.holds(use.version)
        error = (
            "Please make sure eval_dataset be provided or val_size >1e-6"
            if newer
            else "Please specify dataset for evaluation."
        )
        yield self.finding(
            config,
            f"{asked} asks for evaluation, but {_no_eval_set(config)} (--val_size or "
            f"--eval_dataset); LLaMA-Factory raises ValueError: {error}",
            at=("eval_strategy", "do_eval", "load_best_model_at_end"),
            origin_note=f"{LLAMAFACTORY_EVAL_NEEDS_DATA.source} in LLaMA-Factory "
            f"{LLAMAFACTORY_EVAL_NEEDS_DATA.first}",
            fix=_evaluation_off(config),
            subject="evaluation set",
        )

    def _swift(self, config: EffectiveConfig, use: FrameworkUse) -> Iterator[Finding]:
        from kefix.knowledge.framework_conventions import SWIFT_NO_EVAL_WITHOUT_DATA
        from kefix.resolve.framework import swift_has_eval_data

        if not use.version or SWIFT_NO_EVAL_WITHOUT_DATA.holds(use.version) is not True:
            return
        if swift_has_eval_data(use.values) is not False:
            return
        asked = _evaluation_asked(config, written_only=True)
        if asked is None:
            return
        yield self.finding(
            config,
            f"{asked} asks for evaluation, but the launch has no validation data (--val_dataset,"
            f" --split_dataset_ratio > 0); ms-swift {use.version} sets eval_strategy to 'no' and"
            " never evaluates",
            span=_asking_span(config),
            origin_note=f"{SWIFT_NO_EVAL_WITHOUT_DATA.source} in ms-swift "
            f"{SWIFT_NO_EVAL_WITHOUT_DATA.first}",
            fix=_evaluation_off(config),
            subject="evaluation set",
        )


def _axolotl_evaluation_off(config: EffectiveConfig, names: tuple[str, ...]) -> Fix:
    """Drop the keys that ask axolotl for evaluation (and those read only with it)."""
    written = {arg.name for arg in config.launch.args}
    wanted = (*names, "load_best_model_at_end", "metric_for_best_model", "greater_is_better")
    intents = tuple(RemoveArg(name) for name in dict.fromkeys(wanted) if name in written)
    return Fix("turn evaluation off", intents, Applicability.UNSAFE)


def _no_eval_set(config: EffectiveConfig) -> str:
    """Who lacks the evaluation set: a launch, the config files it names, or a config file."""
    if config.launch.entry_kind == "config":
        return "the config has no evaluation set"
    if config.launch.config_files:
        return "neither the launch nor the config it names has an evaluation set"
    return "the launch has no evaluation set"


def _evaluation_asked(config: EffectiveConfig, *, written_only: bool = False) -> str | None:
    """The flag that asks for evaluation (``--eval_strategy steps``), None if none does or a
    value is unknown."""
    strategy = config.get("eval_strategy")
    if strategy is not None and isinstance(strategy.value, Unknown):
        return None
    if (
        strategy is not None
        and strategy.value not in ("no", None)
        and (not written_only or config.is_explicit("eval_strategy"))
    ):
        return f"--eval_strategy {strategy.value}"
    # ms-swift: a strategy its convention turned off was still asked for on the command line.
    written = [r for r in config.flags if r.field == "eval_strategy"]
    if written and isinstance(written[-1].value, str) and written[-1].value != "no":
        return f"--{written[-1].arg.name} {written[-1].value}"
    for name in ("do_eval", "load_best_model_at_end"):
        if config.value(name) is True and config.is_explicit(name):
            return f"--{name}"
    return None


def _asking_span(config: EffectiveConfig) -> Span | None:
    """The flag that asks for evaluation, even where the framework overrode its value."""
    for name in ("eval_strategy", "load_best_model_at_end", "do_eval"):
        arg = field_arg(config, name)
        if arg is not None:
            return arg.flag_span
    return None


def _evaluation_off(config: EffectiveConfig) -> Fix:
    intents: list[Intent] = [SetArg("eval_strategy", "no", near=("save_strategy",))]
    # Flags read only with evaluation would be reported as ignored (KF030) once it is off.
    for name in ("do_eval", "load_best_model_at_end", "eval_steps", "metric_for_best_model"):
        if config.is_explicit(name):
            intents.append(RemoveArg(name))
    return Fix("turn evaluation off", tuple(intents), Applicability.UNSAFE)
