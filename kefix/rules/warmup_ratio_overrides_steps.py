"""KF034 warmup-ratio-overrides-steps: on 5.0-5.14 a given warmup_ratio replaces warmup_steps."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, RemoveArg, Severity
from kefix.rules.base import Rule, number, release, show_number

_OVERWRITES_FROM = Version("5.0.0")
_REMOVED_IN = Version("5.15.0")  # then --warmup_ratio is gone (KF101)


class WarmupRatioOverridesSteps(Rule):
    """## What it does
    Checks launches for transformers 5.0 to 5.14 that give both `warmup_ratio` and a
    non-zero `warmup_steps`.

    ## Why it matters
    On 5.0-5.14 `TrainingArguments.__post_init__` deprecates `warmup_ratio` and copies it over
    `warmup_steps` whenever it is not None (`self.warmup_steps = self.warmup_ratio`), logging
    only the deprecation. On 4.x it was the reverse: a positive `warmup_steps` won over the
    ratio. A 4.x script with `--warmup_ratio 0.03 --warmup_steps 100` therefore warms up for 3%
    of the run instead of 100 steps once it runs on 5.0-5.14; a ratio of 1 or more becomes that
    many steps (`--warmup_ratio 1.0` is one step, not the whole run). From 5.15 the flag no
    longer exists (KF101).

    ## Example
    ```bash
    python train.py --warmup_ratio 0.03 --warmup_steps 100   # transformers 5.0-5.14
    ```
    Use instead:
    ```bash
    python train.py --warmup_steps 100
    ```

    ## Fix safety
    Unsafe: removing `--warmup_ratio` gives the warmup the script's `--warmup_steps` asks for,
    as on 4.x, which changes the learning-rate schedule of the run on 5.0-5.14. Offered only
    when the ratio is written in the launch.
    """

    code = "KF034"
    name = "warmup-ratio-overrides-steps"
    severity = Severity.WARNING
    summary = (
        "`warmup_ratio` with `warmup_steps` on 5.0-5.14: the ratio overwrites the steps (4.x "
        "did the reverse)"
    )
    fix_summary = "drop `--warmup_ratio` (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if not _OVERWRITES_FROM <= release(config.version) < _REMOVED_IN:
            return
        ratio = number(config.value("warmup_ratio"))
        steps = number(config.value("warmup_steps"))
        if ratio is None or steps is None or ratio < 0 or steps <= 0 or ratio == steps:
            return
        fix = None
        if config.is_explicit("warmup_ratio"):
            fix = Fix(
                f"drop --warmup_ratio so --warmup_steps {show_number(steps)} applies, as on 4.x",
                (RemoveArg("warmup_ratio"),),
                Applicability.UNSAFE,
            )
        yield self.finding(
            config,
            f"warmup_ratio={show_number(ratio)} overwrites warmup_steps={show_number(steps)} on "
            f"transformers 5.0-5.14: warmup lasts {_warmup(ratio)}, not {_warmup(steps)} "
            "(on 4.x warmup_steps won)",
            at=("warmup_ratio", "warmup_steps"),
            fix=fix,
        )


def _warmup(value: float) -> str:
    """What 5.x's ``get_warmup_steps`` makes of a warmup_steps value."""
    if value < 1:
        return f"{value * 100:g}% of the training steps"
    steps = int(value)
    return f"{steps} step" + ("" if steps == 1 else "s")
