"""KF112 invalid-value: a flag value HfArgumentParser rejects."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.training_args import training_fields
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, SetArg, Severity, Span
from kefix.rules.base import Rule, spelled, typed_launch, value_rejected


class InvalidValue(Rule):
    """## What it does
    Checks each TrainingArguments flag's value the way `HfArgumentParser` converts it: choices
    match exactly (`epoch`, not `EPOCH` or `epochs`), numbers parse, booleans are one of
    yes/no/true/false/t/f/y/n/1/0, and flags such as `--tf32` that need a value have one.

    ## Why it matters
    argparse stops the run before training starts, for example:

        error: argument --eval_strategy: invalid choice: 'epochs'
        (choose from 'no', 'steps', 'epoch')
        error: argument --tf32: expected one argument

    ## Example
    ```bash
    python train.py --output_dir out --save_strategy Epoch
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --save_strategy epoch
    ```

    ## Fix safety
    Unsafe, and only for choices: the value is replaced by the one choice it closely resembles
    (case or a trailing letter), which is a guess at what was meant.
    """

    code = "KF112"
    name = "invalid-value"
    severity = Severity.ERROR
    summary = (
        "a value HfArgumentParser rejects: a choice not in the list, a non-number, a "
        "non-boolean, a missing value"
    )
    fix_summary = "the close choice (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if not config.parser_known:
            return  # a framework or unread dataclass may type the field differently
        fields = training_fields(version=config.version)
        for record in config.flags:
            if not record.error or record.field is None:
                continue
            arg = record.arg
            if any(arg.span.start <= d.at.start <= arg.span.end for d in config.launch.detached):
                continue  # a glued continuation made this value: KF003 reports the cause
            written = " ".join(value for value in arg.values if isinstance(value, str))
            choices = fields[record.field].choices
            fix = None
            if choices and len(arg.values) == 1:
                import difflib  # ~1 ms to import: only once a value is invalid

                lowered = {choice.lower(): choice for choice in choices}
                guess = difflib.get_close_matches(written.lower(), list(lowered), n=1, cutoff=0.8)
                if guess:
                    choice = lowered[guess[0]]
                    fix = Fix(
                        f"use {choice!r}",
                        (SetArg(record.field, choice),),
                        Applicability.UNSAFE,
                    )
            shown = f"{spelled(config, arg.name)} {written}".rstrip()
            if typed_launch(config):
                shown = f"{arg.name}={written!r}"
            yield self.finding(
                config,
                f"{shown}: {record.error}; {value_rejected(config)}",
                span=Span(arg.span.start, arg.span.end),
                fix=fix,
                subject=arg.name,
            )
