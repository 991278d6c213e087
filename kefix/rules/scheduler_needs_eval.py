"""KF014 scheduler-needs-eval: a learning-rate scheduler driven by evaluations, with none."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, release

# The first release whose SchedulerType has the value (and the check that goes with it).
_EVAL_DRIVEN = {
    "reduce_lr_on_plateau": Version("4.29.0"),
    "greedy": Version("5.4.0"),
}


class SchedulerNeedsEval(Rule):
    """## What it does
    Checks that a launch using a scheduler that adapts the learning rate to evaluation metrics
    (`lr_scheduler_type` `reduce_lr_on_plateau`, 4.29+, or `greedy`, 5.4+) also evaluates:
    `eval_strategy` must not be `"no"` (the default).

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: lr_scheduler_type reduce_lr_on_plateau requires an eval strategy
        ValueError: lr_scheduler_type greedy requires an eval strategy

    Both schedulers step on the metric of each evaluation (`metric_for_best_model`, `"loss"` by
    default); without evaluations they would never change the learning rate.
    (Without torch installed, transformers then also refuses `reduce_lr_on_plateau` itself:
    `requires torch>=0.2.0`.)

    ## Example
    ```bash
    python train.py --output_dir out --lr_scheduler_type reduce_lr_on_plateau
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --lr_scheduler_type reduce_lr_on_plateau \\
        --eval_strategy epoch
    ```

    ## Fix safety
    No fix: turning evaluation on needs an evaluation set and a schedule only the user can
    choose, and changing the scheduler changes training.
    """

    code = "KF014"
    name = "scheduler-needs-eval"
    severity = Severity.ERROR
    summary = (
        "`reduce_lr_on_plateau` (4.29+) or `greedy` (5.4+) scheduler with `eval_strategy no` "
        "(transformers raises)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        scheduler = config.value("lr_scheduler_type")
        if not isinstance(scheduler, str) or scheduler not in _EVAL_DRIVEN:
            return
        if release(config.version) < _EVAL_DRIVEN[scheduler]:
            return
        if config.value("eval_strategy") != "no":
            return
        yield self.finding(
            config,
            f"lr_scheduler_type {scheduler!r} adapts the learning rate to evaluation metrics, but "
            "eval_strategy is 'no'; transformers raises ValueError at start-up",
            at=("lr_scheduler_type", "eval_strategy"),
        )
