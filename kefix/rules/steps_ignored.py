"""KF030 steps-ignored: an interval flag whose strategy is not ``"steps"``, so nothing reads it."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from kefix.config import Settings
from kefix.knowledge.migrations import migration_to
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    Layer,
    ResolvedValue,
    SetArg,
    Severity,
    Unknown,
)
from kefix.resolve import spelled_for
from kefix.rules.base import Rule, show_number
from kefix.rules.save_eval_misaligned import effective_eval_steps, misaligned_intervals


class _Interval(msgspec.Struct, frozen=True):
    steps: str
    strategy: str
    # What the run does instead, per strategy value.
    instead: dict[str, str]
    fix_cost: str


_INTERVALS = (
    _Interval(
        "eval_steps",
        "eval_strategy",
        {
            "no": "the run never evaluates during training",
            "epoch": "the run evaluates at the end of each epoch instead",
        },
        "adds evaluation runs and needs an evaluation set",
    ),
    _Interval(
        "save_steps",
        "save_strategy",
        {
            "no": "the run never writes a checkpoint",
            "epoch": "checkpoints are written at the end of each epoch instead",
            "best": "a checkpoint is written only when an evaluation finds a new best metric",
        },
        "writes checkpoints to disk",
    ),
    _Interval(
        "logging_steps",
        "logging_strategy",
        {
            "no": "the run logs no training metrics",
            "epoch": "training metrics are logged at the end of each epoch instead",
        },
        "logs training metrics",
    ),
)


class StepsIgnored(Rule):
    """## What it does
    Finds `--eval_steps`, `--save_steps` and `--logging_steps` written in a launch whose
    matching strategy (`eval_strategy`, `save_strategy`, `logging_strategy`) is not `"steps"`.
    `logging_steps` still counts when it stands in for an unset `eval_steps` (evaluation every
    `logging_steps` under `eval_strategy="steps"`), and then is not reported.

    ## Why it matters
    transformers reads the interval only when the strategy is `"steps"` (`DefaultFlowCallback`
    compares `global_step % eval_steps` only under `IntervalStrategy.STEPS`), and warns about
    nothing. The costly case: `eval_strategy` defaults to `"no"`, so `--eval_steps 200` alone
    never evaluates, however long the run; `--save_strategy no --save_steps 500` never writes a
    checkpoint. Every release from 4.28 to 5.25 behaves this way (before 4.41 the evaluation
    flag is `--evaluation_strategy`).

    ## Example
    ```bash
    python train.py --do_train --eval_steps 200 --per_device_eval_batch_size 8
    ```
    Use instead:
    ```bash
    python train.py --do_train --eval_steps 200 --eval_strategy steps --per_device_eval_batch_size 8
    ```

    ## Fix safety
    Unsafe, and only offered when the strategy is not written in the launch (it comes from a
    default, so the interval is the only thing the script says) and `load_best_model_at_end` is
    off: the fix sets the strategy to `"steps"`, which adds evaluation runs (and needs an
    evaluation set: `Trainer` refuses `eval_strategy` without `eval_dataset`), checkpoints or
    log lines. When the launch writes both the strategy and the interval, they contradict each
    other and only the author knows which one is meant: no fix. No fix either when the new step
    schedule would not line up with the other one (KF035) or with the best-model checks (KF002).
    """

    code = "KF030"
    name = "steps-ignored"
    severity = Severity.WARNING
    summary = (
        "`--eval_steps`/`--save_steps`/`--logging_steps` written while the matching strategy "
        "is not `steps`, so nothing reads it (`--eval_steps` alone never evaluates)"
    )
    fix_summary = "set the strategy to `steps` (unsafe; only when the strategy is a default)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        for interval in _INTERVALS:
            finding = self._check_interval(config, interval)
            if finding is not None:
                yield finding

    def _check_interval(self, config: EffectiveConfig, interval: _Interval) -> Finding | None:
        steps = config.get(interval.steps)
        strategy = config.get(interval.strategy)
        if steps is None or strategy is None or not config.is_explicit(interval.steps):
            return None
        value = steps.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            return None
        if not isinstance(strategy.value, str) or strategy.value not in interval.instead:
            return None  # "steps" reads it; Unknown keeps kefix silent
        if interval.steps == "logging_steps" and _logging_steps_drive_evaluation(config):
            return None
        if misspelled_for_release(config, interval.strategy):
            return None
        flag = spelled_for(interval.strategy, config.version)
        return self.finding(
            config,
            f"--{steps.arg.name if steps.arg else interval.steps} {show_number(value)} is ignored: "
            f"{flag} is {strategy.value!r}{_default_note(strategy)}, so "
            f"{_instead(config, interval, strategy.value)}; {interval.steps} is read only with "
            f"{flag} 'steps'",
            at=(interval.steps,),
            origin_note=f"{flag}={strategy.value!r} comes from {strategy.origin.describe()}",
            fix=_use_steps(config, interval, flag),
            subject=interval.steps,
        )


def misspelled_for_release(config: EffectiveConfig, field: str) -> bool:
    """Whether the launch writes ``field`` under a name this release does not know
    (``--evaluation_strategy`` on 5.x, ``--eval_strategy`` on 4.40): the value kefix sees is a
    default the script does not mean, and KF101 reports the flag."""
    names = {field}
    older = migration_to(field)
    if older is not None:
        names.add(older.old)
    return any(
        record.field is None and record.arg.name.replace("-", "_") in names
        for record in config.flags
    )


def _logging_steps_drive_evaluation(config: EffectiveConfig) -> bool:
    if config.value("eval_strategy") != "steps":
        return False
    _, inherited = effective_eval_steps(config)
    return inherited


def _instead(config: EffectiveConfig, interval: _Interval, strategy: str) -> str:
    text = interval.instead[strategy]
    if interval.strategy == "logging_strategy" and config.value("logging_first_step") is True:
        text += " (but for the first step, from --logging_first_step)"
    return text


def _default_note(strategy: ResolvedValue) -> str:
    layer = strategy.origin.layer
    if layer is Layer.TRANSFORMERS_DEFAULT:
        return " (the default)"
    if layer is Layer.DATACLASS_DEFAULT:
        return " (a dataclass default)"
    return ""


def _use_steps(config: EffectiveConfig, interval: _Interval, flag: str) -> Fix | None:
    if config.is_explicit(interval.strategy) or config.value("load_best_model_at_end") is not False:
        return None
    if not _lines_up_after(config, interval):
        return None
    return Fix(
        f"set --{flag} steps (unsafe: {interval.fix_cost})",
        (SetArg(interval.strategy, "steps", near=(interval.steps,)),),
        Applicability.UNSAFE,
    )


def _lines_up_after(config: EffectiveConfig, interval: _Interval) -> bool:
    """Whether turning this strategy to "steps" leaves evaluations and checkpoints aligned
    (or not both on step schedules), so the fix does not cause KF035."""
    if interval.strategy == "logging_strategy":
        return True
    other = "save_strategy" if interval.strategy == "eval_strategy" else "eval_strategy"
    other_value = config.value(other)
    if isinstance(other_value, Unknown):
        return False
    return other_value != "steps" or misaligned_intervals(config) is None
