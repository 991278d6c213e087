"""KF113 duplicate-flag: one field set twice in a launch; the last flag wins silently."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import (
    Applicability,
    Arg,
    EffectiveConfig,
    Finding,
    Fix,
    RemoveArg,
    Severity,
    Unknown,
)
from kefix.rules.base import Rule


class DuplicateFlag(Rule):
    """## What it does
    Finds TrainingArguments fields that a launch sets more than once (also through another
    spelling, such as `--eval-strategy` and `--eval_strategy`).

    ## Why it matters
    argparse keeps the last value without a word. Scripts grow by appending flags, so the
    value someone edits near the top is often not the one that trains (62 of 880 real launch
    scripts repeat a flag).

    ## Example
    ```bash
    torchrun train.py --learning_rate 1e-4 --output_dir out --learning_rate 2e-5
    ```
    Use instead:
    ```bash
    torchrun train.py --output_dir out --learning_rate 2e-5
    ```

    ## Fix safety
    Safe: only the flags that are overridden go, so the run keeps the value it had.
    """

    code = "KF113"
    name = "duplicate-flag"
    severity = Severity.WARNING
    summary = "a field set twice in one launch; the last one wins silently"
    fix_summary = "remove the overridden flags (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        by_field: dict[str, list[Arg]] = defaultdict(list)
        for record in config.flags:
            if record.field is not None:
                by_field[record.field].append(record.arg)
        for name, args in by_field.items():
            if len(args) < 2:
                continue
            last = args[-1]
            written = [v.expression if isinstance(v, Unknown) else v for v in last.values]
            winner = " ".join(written) or "a bare flag"
            yield self.finding(
                config,
                f"{name} is set {len(args)} times in this launch; only the last one "
                f"({winner}) takes effect",
                span=args[0].span,
                fix=Fix(
                    "remove the overridden flags",
                    (RemoveArg(name, keep_last=True),),
                    Applicability.SAFE,
                ),
                subject=name,
            )
