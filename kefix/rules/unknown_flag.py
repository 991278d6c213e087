"""KF110 unknown-flag: a flag no dataclass of the launched parser has."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.training_args import training_fields
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    RenameArg,
    Severity,
)
from kefix.resolve import is_training_flag
from kefix.rules.base import Rule, not_used, spelled, typed_launch, unknown_flags

_CLOSE_ENOUGH = 0.8


class UnknownFlag(Rule):
    """## What it does
    Checks that every flag of a launch is an option of the parser the launched script builds:
    its TrainingArguments and its own dataclasses (model, data, ...), with argparse's prefix
    abbreviations. It only speaks when kefix read every dataclass of that parser; flags that a
    newer or older transformers renamed are KF101's.

    ## Why it matters
    `HfArgumentParser` stops the run after building the arguments:

        ValueError: Some specified arguments are not used by the HfArgumentParser:
        ['--learnig_rate', '2e-5']

    Scripts that parse with `return_remaining_strings=True` drop the flag silently instead, so
    the typo trains with the default.

    ## Example
    ```bash
    python train.py --output_dir out --learnig_rate 2e-5
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --learning_rate 2e-5
    ```

    ## Fix safety
    Unsafe: the fix renames the flag to the one option it closely resembles, which is a guess
    at what was meant. There is no fix when no option is close.
    """

    code = "KF110"
    name = "unknown-flag"
    severity = Severity.ERROR
    summary = (
        "a flag no dataclass of the launched parser has (only when kefix read them all), with"
        " did-you-mean"
    )
    fix_summary = "rename to the close match (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if not config.parser_known or config.keeps_unknown_flags:
            return
        options = sorted(set(training_fields(version=config.version)) | config.other_options)
        for record in unknown_flags(config):
            name = record.arg.name
            if is_training_flag(name):
                continue  # a TrainingArguments flag of another release: KF101/KF102
            import difflib  # ~1 ms to import: only once a flag is unknown

            guess = difflib.get_close_matches(name, options, n=1, cutoff=_CLOSE_ENOUGH)
            hint = f"; did you mean {spelled(config, guess[0])}?" if guess else ""
            fix = (
                Fix(
                    f"rename to {spelled(config, guess[0])}",
                    (RenameArg(name, guess[0]),),
                    Applicability.UNSAFE,
                )
                if guess
                else None
            )
            what = "an option of the launched parser"
            if config.launch.entry_kind == "call":
                what = f"a field of {config.launch.launcher}"
            elif typed_launch(config):
                what = "a field of the launched parser's dataclasses"
            yield self.finding(
                config,
                f"{spelled(config, name)} is not {what}; {not_used(config)}{hint}",
                span=record.arg.flag_span,
                fix=fix,
                subject=name,
            )
