"""KF013 full-eval-precision-conflict: fp16_full_eval and bf16_full_eval both on."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    RemoveArg,
    SetArg,
    Severity,
)
from kefix.rules.base import Rule


class FullEvalPrecisionConflict(Rule):
    """## What it does
    Checks that a launch does not ask for both fp16 and bf16 full-precision evaluation
    (`fp16_full_eval` and `bf16_full_eval`).

    ## Why it matters
    `TrainingArguments` refuses to start (every release from 4.28):

        ValueError: At most one of fp16 and bf16 can be True for full eval, but not both

    It happens when a script switched its training precision to bf16 and added
    `--bf16_full_eval` while the older `--fp16_full_eval` is still there, or when one of them is a
    default of the launched project's own dataclasses.

    ## Example
    ```bash
    python train.py --output_dir out --bf16 --fp16_full_eval --bf16_full_eval
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --bf16 --bf16_full_eval
    ```

    ## Fix safety
    When the launch writes only one of the two, kefix turns the other off: safe, evaluation gets
    the precision the script asks for. When the launch writes both, kefix keeps
    `bf16_full_eval` and the fix is unsafe: bf16 evaluation needs an Ampere or newer GPU and
    gives slightly different metrics.
    """

    code = "KF013"
    name = "full-eval-precision-conflict"
    severity = Severity.ERROR
    summary = "`fp16_full_eval` and `bf16_full_eval` both on (transformers raises)"
    fix_summary = "keep the one the launch writes (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("fp16_full_eval") is not True or config.value("bf16_full_eval") is not True:
            return
        fp16_explicit = config.is_explicit("fp16_full_eval")
        bf16_explicit = config.is_explicit("bf16_full_eval")
        if fp16_explicit != bf16_explicit:
            keep, drop = (
                ("fp16_full_eval", "bf16_full_eval")
                if fp16_explicit
                else ("bf16_full_eval", "fp16_full_eval")
            )
            fix = Fix(
                f"keep {keep}: set --{drop} False",
                (SetArg(drop, False, near=(keep,)),),
                Applicability.SAFE,
            )
        else:
            fix = Fix(
                "keep bf16_full_eval: remove --fp16_full_eval",
                (RemoveArg("fp16_full_eval"),),
                Applicability.UNSAFE,
            )
        notes = [
            f"{name}=True comes from {resolved.origin.describe()}"
            for name in ("fp16_full_eval", "bf16_full_eval")
            if (resolved := config.get(name)) is not None and not config.is_explicit(name)
        ]
        yield self.finding(
            config,
            "fp16_full_eval and bf16_full_eval are both on; transformers raises ValueError at "
            "start-up",
            at=("bf16_full_eval", "fp16_full_eval"),
            origin_note="; ".join(notes),
            fix=fix,
        )
