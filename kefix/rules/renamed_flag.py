"""KF101 renamed-flag: a flag the target transformers release spells differently."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.migrations import Mapping, Migration, applicable_migration
from kefix.knowledge.training_args import field_history, training_fields
from kefix.model import (
    Applicability,
    Arg,
    EffectiveConfig,
    Finding,
    Fix,
    Intent,
    RemoveArg,
    RenameArg,
    SetArg,
    Severity,
    Unknown,
)
from kefix.rules.base import Rule, not_used, spelled, typed_launch, unknown_flags

_FALSE_WORDS = frozenset({"no", "false", "f", "n", "0"})


class RenamedFlag(Rule):
    """## What it does
    Finds flags that the target transformers release does not have under that name, but has
    under another: `--evaluation_strategy` (removed in 4.51, `--eval_strategy` from 4.41),
    `--no_cuda` (`--use_cpu`), `--per_gpu_train_batch_size` (`--per_device_train_batch_size`),
    `--adafactor` (`--optim adafactor`), `--warmup_ratio` (`--warmup_steps` from 5.15),
    `--logging_dir` (the `TENSORBOARD_LOGGING_DIR` environment variable), dashed spellings
    before 4.46; and the reverse, a new name on a release that only knows the old one
    (`--eval_strategy` on 4.40).

    ## Why it matters
    `HfArgumentParser` rejects the flag after building the arguments:

        ValueError: Some specified arguments are not used by the HfArgumentParser:
        ['--evaluation_strategy', 'epoch']

    With `return_remaining_strings=True` the flag is dropped silently: evaluation falls back
    to `no`, which can turn into a strategy mismatch (KF001).

    ## Example
    ```bash
    torchrun train.py --output_dir out --evaluation_strategy epoch   # transformers 4.51+
    ```
    Use instead:
    ```bash
    torchrun train.py --output_dir out --eval_strategy epoch
    ```

    ## Fix safety
    Safe: the fix writes the same setting the way the target release reads it. Where the
    meaning cannot be carried over (a warmup ratio of 1 or more, an environment variable) there
    is no fix, only the finding.
    """

    code = "KF101"
    name = "renamed-flag"
    severity = Severity.ERROR
    summary = (
        "a flag the target transformers release spells differently (`--evaluation_strategy` "
        "on 4.51+, `--no_cuda`, `--per_gpu_*`, `--adafactor`, `--warmup_ratio` on 5.15+, "
        "`--logging_dir`, dashed names before 4.46; `--eval_strategy` on 4.40)"
    )
    fix_summary = "respell it for the target release (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        fields = training_fields(version=config.version)
        for record in unknown_flags(config):
            name = record.arg.name
            underscored = name.replace("-", "_")
            if underscored != name and underscored in fields:
                why = (
                    "names a field only with underscores"
                    if typed_launch(config)
                    else f"transformers {config.version} accepts dashed spellings only from 4.46"
                )
                yield self._finding(
                    config,
                    record.arg,
                    f"{spelled(config, name)}: {why}; {not_used(config)}",
                    Fix(
                        f"spell it {spelled(config, underscored)}",
                        (RenameArg(name, underscored),),
                        Applicability.SAFE,
                    ),
                )
                continue
            found = applicable_migration(underscored, fields)
            if found is None:
                continue
            migration, forward = found
            if forward:
                yield self._forward(config, record.arg, migration)
            else:
                added = field_history(underscored)
                since = f" (added in {added.first})" if added is not None else ""
                yield self._finding(
                    config,
                    record.arg,
                    f"{spelled(config, name)} does not exist in transformers {config.version}"
                    f"{since}; that release calls it {spelled(config, migration.old)}; "
                    f"{not_used(config)}",
                    Fix(
                        f"spell it {spelled(config, migration.old)}",
                        (RenameArg(name, migration.old),),
                        Applicability.SAFE,
                    ),
                )

    def _forward(self, config: EffectiveConfig, arg: Arg, migration: Migration) -> Finding:
        history = field_history(migration.old)
        gone = (
            f"was removed in transformers {history.removed_in}"
            if history is not None and history.removed_in
            else f"does not exist in transformers {config.version}"
        )
        if migration.mapping is Mapping.ENVIRONMENT:
            value = arg.values[0] if arg.values and isinstance(arg.values[0], str) else "..."
            return self._finding(
                config,
                arg,
                f"{spelled(config, arg.name)} {gone}; set {migration.new}={value} in the "
                f"environment instead; {not_used(config)}",
                None,
            )
        assert migration.new is not None  # only an environment variable replaces a field by none
        target = spelled(config, migration.new)
        if migration.value:
            target += f"={migration.value!r}" if typed_launch(config) else f" {migration.value}"
        return self._finding(
            config,
            arg,
            f"{spelled(config, arg.name)} {gone}; use {target}; {not_used(config)}",
            _forward_fix(config, arg, migration),
        )

    def _finding(self, config: EffectiveConfig, arg: Arg, message: str, fix: Fix | None) -> Finding:
        return self.finding(config, message, span=arg.flag_span, fix=fix, subject=arg.name)


def _forward_fix(config: EffectiveConfig, arg: Arg, migration: Migration) -> Fix | None:
    assert migration.new is not None
    intents: tuple[Intent, ...]
    if migration.mapping is Mapping.RENAME:
        intents = (RenameArg(arg.name, migration.new),)
    elif migration.mapping is Mapping.BOOL_TO_VALUE:
        words = arg.values
        if any(isinstance(word, Unknown) for word in words) or migration.value is None:
            return None
        if words and str(words[0]).lower() in _FALSE_WORDS:
            intents = (RemoveArg(arg.name),)
        else:
            intents = (RemoveArg(arg.name), SetArg(migration.new, migration.value))
    else:  # RATIO_TO_STEPS
        ratio = _number(arg.values)
        if ratio is None or not 0 <= ratio < 1:
            return None
        steps = config.value("warmup_steps")
        if config.is_explicit("warmup_steps") and isinstance(steps, (int, float)) and steps > 0:
            intents = (RemoveArg(arg.name),)  # 4.x let warmup_steps win over the ratio
        else:
            intents = (RenameArg(arg.name, migration.new),)
    return Fix(f"migrate {spelled(config, arg.name)}", intents, Applicability.SAFE)


def _number(words: tuple[str | Unknown, ...]) -> float | None:
    if len(words) != 1 or isinstance(words[0], Unknown):
        return None
    try:
        return float(words[0])
    except ValueError:
        return None
