"""KF010 logging-steps-zero: logging every 0 steps."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, default_origin_note


class LoggingStepsZero(Rule):
    """## What it does
    Checks that a launch which logs on a step schedule (`logging_strategy="steps"`, the default)
    does not set `logging_steps` to 0.

    ## Why it matters
    `TrainingArguments` refuses to start (every release from 4.28):

        ValueError: logging strategy IntervalStrategy.STEPS requires non-zero --logging_steps

    (Python 3.10 and older print the strategy as `steps`.) A `--logging_steps 0` meant as "do not
    log" is the usual cause; the way to say that is `--logging_strategy no`.

    ## Example
    ```bash
    python train.py --output_dir out --logging_steps 0
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --logging_strategy no
    ```

    ## Fix safety
    No fix: 0 may mean "never log" (`--logging_strategy no`) or a forgotten variable, and kefix
    cannot tell which interval the run should log at.
    """

    code = "KF010"
    name = "logging-steps-zero"
    severity = Severity.ERROR
    summary = (
        "`--logging_steps 0` with the (default) `steps` logging strategy (transformers raises)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("logging_strategy") != "steps":
            return
        steps = config.value("logging_steps")
        if isinstance(steps, bool) or not isinstance(steps, (int, float)) or steps != 0:
            return
        yield self.finding(
            config,
            "logging_steps=0 with logging_strategy 'steps' gives no logging interval (use "
            "--logging_strategy no to turn logging off); transformers raises ValueError at "
            "start-up",
            at=("logging_steps", "logging_strategy"),
            origin_note=default_origin_note(config, "logging_steps"),
        )
