"""KF013 full-eval-precision-conflict: fp16_full_eval and bf16_full_eval both on."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import (
    EffectiveConfig,
    Finding,
    Severity,
)
from kefix.rules.base import Rule
from kefix.rules.precision_conflict import both_on


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
        yield from both_on(self, config, "fp16_full_eval", "bf16_full_eval")
