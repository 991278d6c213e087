"""KF035 save-eval-misaligned: step checkpoints and step evaluations that rarely coincide."""

from __future__ import annotations

import math
from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, SetArg, Severity
from kefix.rules.base import Rule


class SaveEvalMisaligned(Rule):
    """## What it does
    Checks launches that evaluate and save on step schedules (both strategies `"steps"`)
    without `load_best_model_at_end`, and whose `save_steps` and `eval_steps` are absolute step
    counts of which neither is a multiple of the other. An unset `eval_steps` takes the value of
    `logging_steps`, as transformers does. Only intervals the launch writes count (`save_steps`,
    and `eval_steps` or the `logging_steps` standing in for it): a script that leaves saving at
    its default of 500 steps has not chosen a checkpoint schedule. Ratios (values below 1) are
    left alone: the steps they stand for depend on the length of the run.

    ## Why it matters
    transformers accepts the configuration (it checks the multiple only with
    `load_best_model_at_end`, see KF002), and then evaluates every `eval_steps` and saves every
    `save_steps`. With `--eval_steps 30 --save_steps 100` the two meet only every 300 steps:
    checkpoints 100 and 200 have no evaluation, and the best-scoring evaluations (30, 60, ...)
    have no checkpoint to go back to. Choosing a checkpoint by its metric, or adding
    `--load_best_model_at_end` later, needs them aligned. When one is a multiple of the other,
    every checkpoint is evaluated or every evaluation has a checkpoint, and kefix says nothing.

    ## Example
    ```bash
    python train.py --eval_strategy steps --save_strategy steps \\
        --eval_steps 30 --save_steps 100
    ```
    Use instead:
    ```bash
    python train.py --eval_strategy steps --save_strategy steps \\
        --eval_steps 30 --save_steps 120
    ```

    ## Fix safety
    Unsafe: rounding `save_steps` up to the next multiple of `eval_steps` changes when
    checkpoints are written (and how many are kept under `save_total_limit`).
    """

    code = "KF035"
    name = "save-eval-misaligned"
    severity = Severity.WARNING
    summary = (
        "written `save_steps` and `eval_steps` on step schedules, neither a multiple of the "
        "other, without the best model kept"
    )
    fix_summary = "round `save_steps` up (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("load_best_model_at_end") is not False:
            return  # True is KF002's case; Unknown keeps kefix silent
        if config.value("save_strategy") != "steps" or config.value("eval_strategy") != "steps":
            return
        found = misaligned_intervals(config)
        if found is None:
            return
        save, evaluation, inherited = found
        source = f"every {evaluation} steps" + (
            " (eval_steps unset: taken from logging_steps)" if inherited else ""
        )
        rounded = math.ceil(save / evaluation) * evaluation
        yield self.finding(
            config,
            f"evaluations {source} and checkpoints every {save} steps coincide only every "
            f"{math.lcm(save, evaluation)} steps: most checkpoints have no evaluation and most "
            "evaluated steps have no checkpoint",
            at=("save_steps", "eval_steps", "logging_steps", "save_strategy", "eval_strategy"),
            fix=Fix(
                f"round --save_steps up to {rounded}, a multiple of the evaluation steps",
                (SetArg("save_steps", str(rounded), near=("eval_steps", "save_strategy")),),
                Applicability.UNSAFE,
            ),
        )


def misaligned_intervals(config: EffectiveConfig) -> tuple[int, int, bool] | None:
    """``(save_steps, eval interval, inherited from logging_steps)`` when the launch writes both
    intervals as step counts and neither is a multiple of the other, whatever the strategies."""
    save = step_count(config.value("save_steps"))
    evaluation, inherited = effective_eval_steps(config)
    if save is None or evaluation is None or aligned(save, evaluation):
        return None
    interval = "logging_steps" if inherited else "eval_steps"
    if not (config.is_explicit("save_steps") and config.is_explicit(interval)):
        return None  # a default interval is not a schedule the script chose
    return save, evaluation, inherited


def effective_eval_steps(config: EffectiveConfig) -> tuple[int | None, bool]:
    """The evaluation interval in steps with ``eval_strategy="steps"`` (None: unknown or a
    ratio), and whether it is inherited from ``logging_steps`` (``eval_steps`` unset or 0)."""
    value = config.value("eval_steps")
    if value is None or (not isinstance(value, bool) and value == 0):
        return step_count(config.value("logging_steps")), True
    return step_count(value), False


def step_count(value: object) -> int | None:
    """``value`` as a whole number of steps (>= 1), else None (unknown, a ratio, not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value < 1 or not float(value).is_integer():
        return None
    return int(value)


def aligned(save: int, evaluation: int) -> bool:
    """Every checkpoint is evaluated, or every evaluation has a checkpoint."""
    return save % evaluation == 0 or evaluation % save == 0
