"""KF111 ambiguous-abbreviation: a flag that is a prefix of several options."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.training_args import field_for_option
from kefix.model import EffectiveConfig, Finding, FlagStatus, Severity
from kefix.rules.base import Rule

_SHOWN = 4


class AmbiguousAbbreviation(Rule):
    """## What it does
    Finds flags that are not an option of the launched parser but the beginning of several.
    `HfArgumentParser` keeps argparse's prefix matching on, so `--learning_r` means
    `--learning_rate`; a prefix that fits two options means nothing. Only checked when kefix
    read every dataclass of the parser.

    ## Why it matters
    argparse stops the run before training starts:

        error: ambiguous option: --eval could match --eval_strategy, --eval-strategy,
        --eval_steps, ...

    The same prefix can be unique in one transformers release and ambiguous in the next (`--lr`
    selected `--lr_scheduler_type` up to 4.35 and is ambiguous from 4.36).

    ## Example
    ```bash
    python train.py --output_dir out --eval steps
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --eval_strategy steps
    ```

    ## Fix safety
    No fix: kefix cannot know which option was meant.
    """

    code = "KF111"
    name = "ambiguous-abbreviation"
    severity = Severity.ERROR
    summary = "a prefix of several options (argparse's abbreviations are on in HfArgumentParser)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if not config.parser_known or config.keeps_unknown_flags:
            return
        for record in config.flags:
            if record.status is not FlagStatus.AMBIGUOUS:
                continue
            # Dashed aliases and their underscored fields are one option to a reader.
            names = list(dict.fromkeys(_field_name(option) for option in record.candidates))
            shown = ", ".join("--" + name for name in names[:_SHOWN])
            more = ", ..." if len(names) > _SHOWN else ""
            yield self.finding(
                config,
                f"--{record.arg.name} is ambiguous: it could be {shown}{more}; argparse exits "
                "before training",
                span=record.arg.flag_span,
                subject=record.arg.name,
            )


def _field_name(option: str) -> str:
    found = field_for_option("--" + option)
    return option if found is None else found[0].name
