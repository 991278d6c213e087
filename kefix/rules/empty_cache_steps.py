"""KF017 empty-cache-steps: a torch_empty_cache_steps interval that is not a positive integer."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, RemoveArg, Severity
from kefix.rules.base import Rule, default_origin_note, release

_FIELD_FROM = Version("4.43.0")
# 4.43-4.49 test `not (isinstance(v, int) or v > 0)`, so any int passes, 0 and negatives too;
# 4.50 made it `and`.
_STRICT_FROM = Version("4.50.0")


class EmptyCacheSteps(Rule):
    """## What it does
    Checks that `torch_empty_cache_steps` (4.43+), the interval at which training empties the
    accelerator's memory cache, is a positive integer when it is set.

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: `torch_empty_cache_steps` must be an integer bigger than 0, got 0.

    From 4.50 that covers 0 and negative counts. 4.43 to 4.49 test the condition with `or`
    instead of `and`, so every integer passes there (0 then fails later, when training divides by
    it); only a non-integer that is not above 0 (a `0.0` default) is rejected. The command line
    always gives an integer.

    ## Example
    ```bash
    python train.py --output_dir out --torch_empty_cache_steps 0
    ```
    Use instead (unset: the cache is never emptied):
    ```bash
    python train.py --output_dir out
    ```

    ## Fix safety
    For a `0` written in the launch, kefix removes the flag: unsafe, because reading 0 as "never"
    is a guess (it may be a variable that lost its value). Negative values get no fix.
    """

    code = "KF017"
    name = "empty-cache-steps"
    severity = Severity.ERROR
    summary = (
        "`torch_empty_cache_steps` not a positive integer (4.50+; only non-integers on "
        "4.43-4.49) (transformers raises)"
    )
    fix_summary = "remove a `0` (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        version = release(config.version)
        if version < _FIELD_FROM:
            return
        steps = config.value("torch_empty_cache_steps")
        if steps is None or isinstance(steps, bool) or not isinstance(steps, (int, float)):
            return
        is_int, positive = isinstance(steps, int), steps > 0
        rejected = (
            not (is_int and positive) if version >= _STRICT_FROM else not (is_int or positive)
        )
        if not rejected:
            return
        fix = None
        if steps == 0 and config.is_explicit("torch_empty_cache_steps"):
            fix = Fix(
                "remove --torch_empty_cache_steps (unset: never empty the cache)",
                (RemoveArg("torch_empty_cache_steps"),),
                Applicability.UNSAFE,
            )
        yield self.finding(
            config,
            f"torch_empty_cache_steps={steps} is not a positive number of steps; transformers "
            "raises ValueError at start-up",
            at=("torch_empty_cache_steps",),
            origin_note=default_origin_note(config, "torch_empty_cache_steps"),
            fix=fix,
        )
