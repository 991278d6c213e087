"""KF002 save-steps-multiple: with the best model kept, every save must fall on an evaluation."""

from __future__ import annotations

import math
from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, SetArg, Severity
from kefix.rules.base import Rule, number, show_number

_RATIO_SCALE = 1_000_000


class SaveStepsMultiple(Rule):
    """## What it does
    Checks that `save_steps` is a round multiple of `eval_steps` when a launch loads the best
    model at the end and both strategies are `"steps"`. An unset `eval_steps` takes the value of
    `logging_steps`, as transformers does.

    ## Why it matters
    The best checkpoint can only be chosen among evaluated ones, so `TrainingArguments` refuses:

        ValueError: --load_best_model_at_end requires the saving steps to be a round multiple
        of the evaluation steps, but found 100, which is not a round multiple of 30.

    ## Example
    ```bash
    python train.py --load_best_model_at_end --eval_strategy steps --save_strategy steps \\
        --eval_steps 30 --save_steps 100
    ```
    Use instead:
    ```bash
    python train.py --load_best_model_at_end --eval_strategy steps --save_strategy steps \\
        --eval_steps 30 --save_steps 120
    ```

    ## Fix safety
    Unsafe: rounding `save_steps` up to the next multiple of `eval_steps` changes when
    checkpoints are written. Mixed ratio and absolute steps get no fix.
    """

    code = "KF002"
    name = "save-steps-multiple"
    severity = Severity.ERROR
    summary = (
        "`save_steps` not a round multiple of `eval_steps` with the best model kept "
        "(transformers raises)"
    )
    fix_summary = "round `save_steps` up (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("load_best_model_at_end") is not True:
            return
        if config.value("save_strategy") != "steps" or config.value("eval_strategy") != "steps":
            return
        save = number(config.value("save_steps"))
        evaluation = number(config.value("eval_steps"))
        inherited = evaluation == 0 or config.value("eval_steps") is None
        if inherited:
            evaluation = number(config.value("logging_steps"))
        if save is None or evaluation is None or evaluation <= 0 or save <= 0:
            return
        source = f"eval_steps={show_number(evaluation)}" + (
            " (unset: taken from logging_steps)" if inherited else ""
        )
        at = ("save_steps", "eval_steps", "logging_steps")
        if (save < 1) != (evaluation < 1):
            yield self.finding(
                config,
                f"save_steps={show_number(save)} and {source} mix a ratio and a step "
                "count, so saves cannot be guaranteed to fall on evaluations; transformers raises "
                "ValueError at start-up",
                at=at,
            )
            return
        if save < 1:
            if round(save * _RATIO_SCALE) % round(evaluation * _RATIO_SCALE) == 0:
                return
            yield self.finding(
                config,
                f"save_steps={show_number(save)} is not a multiple of {source}; "
                "transformers raises ValueError at start-up",
                at=at,
            )
            return
        if save % evaluation == 0:
            return
        rounded = math.ceil(save / evaluation) * evaluation
        yield self.finding(
            config,
            f"save_steps={show_number(save)} is not a round multiple of {source}; "
            "transformers raises ValueError at start-up",
            at=at,
            fix=Fix(
                f"round --save_steps up to {show_number(rounded)}",
                (SetArg("save_steps", show_number(rounded), near=("eval_steps", "save_strategy")),),
                Applicability.UNSAFE,
            ),
        )
