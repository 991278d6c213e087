"""KF015 warmup-ratio-range: a warmup ratio outside [0, 1] on 4.x."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, default_origin_note, release, show_number

# 5.0 dropped the range check (a deprecated warmup_ratio then overwrites warmup_steps as is) and
# 5.15 removed the field (KF101 migrates it to warmup_steps).
_CHECKED_BEFORE = Version("5.0.0")


class WarmupRatioRange(Rule):
    """## What it does
    Checks that `warmup_ratio`, the share of the training steps spent warming up, lies between
    0 and 1, on the releases that check it (4.28 to 4.57).

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: warmup_ratio must lie in range [0,1]

    The usual cause is a percentage (`--warmup_ratio 10`) or a step count written to the
    ratio flag. transformers 5.0 to 5.14 accept any value silently; 5.15 removed the field.

    ## Example
    ```bash
    python train.py --output_dir out --warmup_ratio 10
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --warmup_ratio 0.1
    ```

    ## Fix safety
    No fix: 10 may mean 10 % or 10 warmup steps (`--warmup_steps 10`), and kefix cannot tell.
    """

    code = "KF015"
    name = "warmup-ratio-range"
    severity = Severity.ERROR
    summary = "`warmup_ratio` outside [0, 1] on 4.28-4.57 (transformers raises)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if release(config.version) >= _CHECKED_BEFORE:
            return
        ratio = config.value("warmup_ratio")
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)):
            return
        if 0 <= ratio <= 1:
            return
        yield self.finding(
            config,
            f"warmup_ratio={show_number(ratio)} is not a ratio between 0 and 1; "
            "transformers raises ValueError at start-up",
            at=("warmup_ratio",),
            origin_note=default_origin_note(config, "warmup_ratio"),
        )
