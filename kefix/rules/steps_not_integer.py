"""KF012 steps-not-integer: a logging, evaluation or save interval above 1 that is not whole."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, default_origin_note, number, release

# 4.29 made the three intervals floats (below 1: a ratio of the total steps) and added the check;
# 4.28 types them int, so argparse itself rejects '10.5' there (KF112).
_FLOAT_STEPS_FROM = Version("4.29.0")
_INTERVALS = (
    ("logging_steps", "logging_strategy"),
    ("eval_steps", "eval_strategy"),
    ("save_steps", "save_strategy"),
)


class StepsNotInteger(Rule):
    """## What it does
    Checks that `logging_steps`, `eval_steps` and `save_steps` are whole numbers when they are
    above 1 and their strategy is `"steps"`. Below 1 they are ratios of the total training
    steps; above 1 they are step counts. An unset `eval_steps` takes the value of
    `logging_steps`, as transformers does.

    ## Why it matters
    `TrainingArguments` refuses to start (4.29 and later), with one message per field:

        ValueError: --logging_steps must be an integer if bigger than 1: 10.5
        ValueError: --eval_steps must be an integer if bigger than 1: 10.5
        ValueError: --save_steps must be an integer if bigger than 1: 10.5

    transformers checks the three in this order and reports the first; kefix reports each field
    the launch gets wrong (an `eval_steps` inherited from a bad `logging_steps` only when the
    logging interval is not itself checked). On 4.28 the fields are integers and argparse
    rejects the value (KF112).

    ## Example
    ```bash
    python train.py --output_dir out --save_steps 2.5
    ```
    Use instead (a ratio of the total steps, or a step count):
    ```bash
    python train.py --output_dir out --save_steps 0.025
    ```

    ## Fix safety
    No fix: 2.5 may be a typo for 25, 2 or 3, or a ratio missing its leading `0.0`.
    """

    code = "KF012"
    name = "steps-not-integer"
    severity = Severity.ERROR
    summary = (
        "`logging_steps` / `eval_steps` / `save_steps` above 1 and not whole, with their "
        "strategy `steps` (transformers 4.29+ raises)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if release(config.version) < _FLOAT_STEPS_FROM:
            return
        logging_checked = config.value("logging_strategy") == "steps"
        for field, strategy in _INTERVALS:
            if config.value(strategy) != "steps":
                continue
            raw = config.value(field)
            inherited = field == "eval_steps" and (raw is None or number(raw) == 0)
            if inherited:
                if logging_checked:
                    continue  # the logging interval is reported (or passes) on its own
                raw = config.value("logging_steps")
            steps = number(raw)
            if steps is None or steps <= 1 or steps.is_integer():
                continue
            source = " (unset: taken from logging_steps)" if inherited else ""
            yield self.finding(
                config,
                f"{field}={steps}{source} is above 1 but not a whole number of steps (values "
                "below 1 are ratios of the total steps); transformers raises ValueError at "
                "start-up",
                at=("logging_steps", "eval_strategy") if inherited else (field,),
                origin_note=default_origin_note(config, "logging_steps" if inherited else field),
                subject=field,
            )
