"""KF102 removed-flag: a TrainingArguments flag the target release does not have at all."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.migrations import applicable_migration
from kefix.knowledge.training_args import field_history, training_fields
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    RemoveArg,
    Severity,
)
from kefix.rules.base import Rule, not_used, release, spelled, unknown_flags


class RemovedFlag(Rule):
    """## What it does
    Finds TrainingArguments flags that the target transformers release does not have and that
    have no replacement there: fields removed without a successor (`--overwrite_output_dir`,
    `--save_safetensors`, `--use_mps_device`, ... in 5.0) and fields added after the target
    release (`--use_liger_kernel` on 4.44).

    ## Why it matters
    `HfArgumentParser` rejects the flag after building the arguments:

        ValueError: Some specified arguments are not used by the HfArgumentParser:
        ['--overwrite_output_dir']

    ## Example
    ```bash
    python train.py --output_dir out --overwrite_output_dir   # transformers 5.0+
    ```
    Use instead:
    ```bash
    python train.py --output_dir out
    ```

    ## Fix safety
    Unsafe: removing the flag drops a setting (`--save_safetensors False` cannot be kept on
    5.x; example scripts read `overwrite_output_dir` themselves). Always reported.
    """

    code = "KF102"
    name = "removed-flag"
    severity = Severity.ERROR
    summary = (
        "a TrainingArguments flag the target release does not have and no replacement exists "
        "(`--overwrite_output_dir` on 5.x; a flag newer than the pin)"
    )
    fix_summary = "remove it (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        fields = training_fields(version=config.version)
        for record in unknown_flags(config):
            name = record.arg.name.replace("-", "_")
            history = field_history(name)
            if history is None or name in fields or applicable_migration(name, fields):
                continue
            if release(config.version) < release(history.first):
                why = f"does not exist in transformers {config.version} (added in {history.first})"
            else:
                why = f"was removed in transformers {history.removed_in} with no replacement"
            shown = spelled(config, record.arg.name)
            yield self.finding(
                config,
                f"{shown} {why}; {not_used(config)}",
                span=record.arg.flag_span,
                fix=Fix(
                    f"remove {shown}",
                    (RemoveArg(record.arg.name),),
                    Applicability.UNSAFE,
                ),
                subject=record.arg.name,
            )
