"""KF011 eval-steps-needed: evaluation on a step schedule with no interval to take."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, number, show_number


class EvalStepsNeeded(Rule):
    """## What it does
    Checks that a launch evaluating on a step schedule (`eval_strategy="steps"`) has an interval:
    either a non-zero `eval_steps`, or a positive `logging_steps` for an unset (or 0)
    `eval_steps` to fall back to, as transformers does.

    ## Why it matters
    `TrainingArguments` refuses to start (every release from 4.28):

        ValueError: evaluation strategy IntervalStrategy.STEPS requires either non-zero
        --eval_steps or --logging_steps

    (Python 3.10 and older print the strategy as `steps`.) It only happens when `logging_steps`
    is 0 or negative, typically `--logging_steps 0` written to silence logging.

    ## Example
    ```bash
    python train.py --output_dir out --eval_strategy steps --logging_steps 0
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --eval_strategy steps --eval_steps 500 \\
        --logging_strategy no
    ```

    ## Fix safety
    No fix: how often to evaluate is the user's choice, and kefix cannot guess it.
    """

    code = "KF011"
    name = "eval-steps-needed"
    severity = Severity.ERROR
    summary = (
        "`eval_strategy steps` with no `eval_steps` and `logging_steps` ≤ 0 to fall back on "
        "(transformers raises)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("eval_strategy") != "steps":
            return
        eval_steps = config.value("eval_steps")
        if eval_steps is not None and number(eval_steps) != 0:
            return
        logging_steps = number(config.value("logging_steps"))
        if logging_steps is None or logging_steps > 0:
            return
        unset = "unset" if eval_steps is None else "0"
        yield self.finding(
            config,
            f"eval_strategy 'steps' needs an interval, but eval_steps is {unset} and "
            f"logging_steps={show_number(logging_steps)} cannot stand in for it; "
            "transformers raises ValueError at start-up",
            at=("eval_steps", "logging_steps", "eval_strategy"),
        )
