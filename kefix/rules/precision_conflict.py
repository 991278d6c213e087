"""KF201 precision-conflict: fp16 and bf16 both on."""

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


class PrecisionConflict(Rule):
    """## What it does
    Checks that a launch does not turn on both `fp16` and `bf16` mixed precision.

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: At most one of fp16 and bf16 can be True, but not both

    It happens when a script adds `--bf16` while `--fp16` is still there, or when one of them
    comes from a default of the launched project's own dataclasses.

    ## Example
    ```bash
    torchrun train.py --fp16 --bf16
    ```
    Use instead:
    ```bash
    torchrun train.py --bf16
    ```

    ## Fix safety
    When the launch writes only one of the two, kefix turns the other off: safe, the run gets
    the precision the script asks for. When the launch writes both, kefix keeps bf16 (the
    precision of current model releases) and the fix is unsafe: it needs an Ampere or newer GPU.
    """

    code = "KF201"
    name = "precision-conflict"
    severity = Severity.ERROR
    summary = "`fp16` and `bf16` both on (transformers raises)"
    fix_summary = "keep the one the launch writes (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        yield from both_on(self, config, "fp16", "bf16")


def both_on(rule: Rule, config: EffectiveConfig, fp16: str, bf16: str) -> Iterator[Finding]:
    """A finding when two mutually exclusive precision flags are both True. The fix keeps the
    one the launch writes (safe), or bf16 when it writes both (unsafe: bf16 needs Ampere+)."""
    if config.value(fp16) is not True or config.value(bf16) is not True:
        return
    fp16_explicit = config.is_explicit(fp16)
    if fp16_explicit != config.is_explicit(bf16):
        keep, drop = (fp16, bf16) if fp16_explicit else (bf16, fp16)
        fix = Fix(
            f"keep {keep}: set --{drop} False",
            (SetArg(drop, False, near=(keep,)),),
            Applicability.SAFE,
        )
    else:
        fix = Fix(f"keep {bf16}: remove --{fp16}", (RemoveArg(fp16),), Applicability.UNSAFE)
    notes = [
        f"{name}=True comes from {resolved.origin.describe()}"
        for name in (fp16, bf16)
        if (resolved := config.get(name)) is not None and not config.is_explicit(name)
    ]
    yield rule.finding(
        config,
        f"{fp16} and {bf16} are both on; transformers raises ValueError at start-up",
        at=(bf16, fp16),
        origin_note="; ".join(notes),
        fix=fix,
    )
