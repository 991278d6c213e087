"""KF016 warmup-steps-invalid: a warmup step count the target release rejects."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule, default_origin_note, release

_CHECKED_FROM = Version("4.42.0")
_ONE_ALLOWED_FROM = Version("4.44.0")  # 4.42-4.43 also reject 0 < warmup_steps <= 1
_RATIO_FROM = Version("5.0.0")  # a float warmup_steps below 1 is a ratio; only < 0 is rejected


class WarmupStepsInvalid(Rule):
    """## What it does
    Checks that `warmup_steps` is a value the target transformers release accepts (4.42+).
    What transformers accepts changed over time:

    - up to 4.41: not checked (a negative count is accepted);
    - 4.42 to 4.43: an integer, 0 or above 1 (so `--warmup_steps 1` is rejected);
    - 4.44 to 4.57: an integer, 0 or more;
    - 5.0 and later: any number, 0 or more (below 1 it is a ratio of the total steps).

    On the command line of 4.x the field is an integer, so a fraction is rejected earlier by
    argparse (KF112); a float reaches this check from a dataclass default.

    ## Why it matters
    `TrainingArguments` refuses to start, with a message that changed over time:

        ValueError: warmup_steps must be either 0 or > 1
        ValueError: warmup_steps must be of type int and must be 0 or a positive integer.
        ValueError: warmup_steps must be an integer or a float
        ValueError: Got warmup_steps = -100, Expected value warmup_steps >= 0

    (4.42-4.43, 4.44-4.57, 5.0-5.22 and 5.23+ respectively; the 5.0-5.22 text is raised for a
    negative number, not for a wrong type.)

    ## Example
    ```bash
    python train.py --output_dir out --warmup_steps -100
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --warmup_steps 100
    ```

    ## Fix safety
    No fix: kefix cannot tell which warmup the run should have (a sign typo, a ratio, none).
    """

    code = "KF016"
    name = "warmup-steps-invalid"
    severity = Severity.ERROR
    summary = (
        "`warmup_steps` the target release rejects: negative (4.42+), not an integer "
        "(4.42-4.57), 1 (4.42-4.43)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        version = release(config.version)
        if version < _CHECKED_FROM:
            return
        steps = config.value("warmup_steps")
        if isinstance(steps, bool) or not isinstance(steps, (int, float)):
            return
        shown = str(int(steps)) if float(steps).is_integer() else str(steps)
        if steps < 0:
            problem = "is negative"
        elif version >= _RATIO_FROM:
            return
        elif not isinstance(steps, int):
            shown, problem = (
                repr(steps),
                "is not an integer (this release has no warmup_steps ratios)",
            )
        elif version < _ONE_ALLOWED_FROM and 0 < steps <= 1:
            problem = "must be 0 or above 1 on this release"
        else:
            return
        yield self.finding(
            config,
            f"warmup_steps={shown} {problem}; transformers raises ValueError at start-up",
            at=("warmup_steps",),
            origin_note=default_origin_note(config, "warmup_steps"),
        )
