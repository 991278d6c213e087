"""KF019 bf16-apex: bf16 training with the apex half-precision backend (4.x)."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, SetArg, Severity
from kefix.rules.base import Rule, release

_FIELD_REMOVED_IN = Version("5.0.0")


class Bf16Apex(Rule):
    """## What it does
    Checks that a launch training in bf16 does not select NVIDIA apex as its half-precision
    backend (`half_precision_backend apex`, or the deprecated `fp16_backend apex`, which
    overrides it when it is not `auto`). The field exists up to 4.57; 5.0 removed it.

    ## Why it matters
    apex AMP only does fp16, so `TrainingArguments` refuses to start:

        ValueError:  `--half_precision_backend apex`: GPU bf16 is not supported by apex.

    4.28 to 4.34 add `` Use `--half_precision_backend cuda_amp` instead``. The usual cause is a
    script moved from `--fp16` to `--bf16` that kept its apex backend.

    ## Example
    ```bash
    python train.py --output_dir out --bf16 --half_precision_backend apex
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --bf16 --half_precision_backend auto
    ```

    ## Fix safety
    Unsafe: kefix sets the backend flag the launch writes to `auto` (torch's native AMP), which
    keeps bf16 but drops apex; the script may instead have wanted apex with `--fp16`.
    """

    code = "KF019"
    name = "bf16-apex"
    severity = Severity.ERROR
    summary = "`bf16` with the apex half-precision backend, ≤4.57 (transformers raises)"
    fix_summary = "`--half_precision_backend auto` (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if release(config.version) >= _FIELD_REMOVED_IN:
            return
        if config.value("bf16") is not True:
            return
        # __post_init__ copies a non-auto fp16_backend into half_precision_backend before checking.
        legacy = config.value("fp16_backend")
        source = "fp16_backend" if legacy not in (None, "", "auto") else "half_precision_backend"
        if config.value(source) != "apex":
            return
        fix = None
        if config.is_explicit(source) and (
            source == "half_precision_backend" or config.value("half_precision_backend") != "apex"
        ):
            fix = Fix(
                f"set --{source} auto (torch AMP, which supports bf16)",
                (SetArg(source, "auto"),),
                Applicability.UNSAFE,
            )
        yield self.finding(
            config,
            f"bf16 with {source} 'apex': apex only does fp16; transformers raises ValueError "
            "at start-up",
            at=(source, "bf16"),
            fix=fix,
        )
