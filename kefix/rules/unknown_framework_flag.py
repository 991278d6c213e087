"""KF115 unknown-framework-flag: a flag the framework CLI's release in use does not have."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from kefix.config import Settings
from kefix.knowledge.training_args import option_strings
from kefix.model import (
    Applicability,
    Arg,
    EffectiveConfig,
    Finding,
    Fix,
    FrameworkUse,
    RenameArg,
    Severity,
)
from kefix.resolve import is_training_flag
from kefix.rules.base import Rule, unknown_flags

if TYPE_CHECKING:
    from kefix.knowledge.frameworks import OptionHistory

# trl hands the flags its parser does not take to ``accelerate launch`` (trl/cli/commands/
# training.py, trl 1.16.0): accelerate's own options are not unknown there.
_ACCELERATE_OPTIONS = frozenset(
    {
        "config_file",
        "num_processes",
        "num_machines",
        "machine_rank",
        "main_process_ip",
        "main_process_port",
        "mixed_precision",
        "multi_gpu",
        "gpu_ids",
        "use_deepspeed",
        "use_fsdp",
        "deepspeed_config_file",
        "zero_stage",
        "dynamo_backend",
        "num_cpu_threads_per_process",
    }
)
# TrlParser takes ``--config cfg.yaml`` itself (trl/scripts/utils.py, parse_args_and_config);
# trl's CLI turns ``--accelerate_config NAME`` into accelerate's --config_file (trl/cli.py, 0.24).
_TRL_OWN = frozenset({"config", "accelerate_config"})
# A recipe's ``env`` mapping sets environment variables (TrlParser.parse_args_and_config).
_TRL_RECIPE_OWN = frozenset({"env"})


class UnknownFrameworkFlag(Rule):
    """## What it does
    Checks each flag of a `llamafactory-cli train`, `swift sft/pt/rlhf` or `trl sft/dpo/...`
    launch against the options of that framework's release in use: its own argument classes
    (read from a vendored copy in the project, the installed package, or kefix's knowledge of
    released versions) and the TrainingArguments they extend. It says when the option was added
    or removed among the releases kefix read, and which option a misspelling resembles.

    The same holds for the keys of a LLaMA-Factory recipe or an axolotl config checked on its
    own (axolotl's `AxolotlInputConfig` fields and aliases such as `model_type`; nothing when
    `plugins:` add fields), and for the keys of a recipe a `trl ... --config recipe.yaml` launch
    names (reported on the launch: a TRL recipe alone may be read by a script with dataclasses
    of its own, so it is never judged alone).

    The release comes from `--target-framework NAME==VERSION`, else the project's pin
    (`ms-swift==3.12.6` in requirements.txt, pyproject.toml, ...), else the installed package.
    kefix never calls a flag unknown for a release it has no knowledge of: it says so once
    per run instead.

    ## Why it matters
    Framework CLIs stop before training on a flag they do not know, and the flag that worked
    before an upgrade (or after a downgrade) is the usual culprit:

        ValueError: remaining_argv: ['--train_type', 'lora']          # ms-swift 4.6
        ValueError: Some specified arguments are not used by the HfArgumentParser: [...]
                                                                      # LLaMA-Factory
    ms-swift 3.0.3+ raises in `SwiftPipeline._parse_args` (swift/llm/base.py:30), unless
    `--ignore_args_error true`; LLaMA-Factory in `_parse_args` (llamafactory/hparams/parser.py:71
    in 0.8.3); trl passes the rest to `accelerate launch`, which rejects it. axolotl is quieter
    and worse: its pydantic config model drops a key it has no field for
    (axolotl/utils/schemas/config.py:212 in 0.18.0), so a misspelt `lora_dropuot` just does
    nothing.

    ## Example
    ```bash
    # requirements.txt: ms-swift==4.6.0
    swift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora --dataset data.jsonl
    ```
    Use instead:
    ```bash
    swift sft --model Qwen/Qwen2.5-7B-Instruct --tuner_type lora --dataset data.jsonl
    ```

    ## Fix safety
    Safe for a rename the framework's own code maps one name onto the other (ms-swift 4.0.4
    reads `--train_type` as `--tuner_type`, swift/arguments/base_args/base_args.py:151).
    Unsafe for a did-you-mean, which guesses what was meant. No fix otherwise.
    """

    code = "KF115"
    name = "unknown-framework-flag"
    severity = Severity.ERROR
    summary = (
        "a flag or config key the framework (LLaMA-Factory, ms-swift, trl, axolotl) does not"
        " have in the release in use, with added-in / removed-in and did-you-mean"
    )
    fix_summary = "rename a proven rename (safe) or the close match (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        use = config.framework
        if use is None or not use.known:
            return
        if _ignores_unknown_flags(config):
            return
        if config.launch.entry_kind == "config" and use.framework == "trl":
            # A trl recipe on its own may be read by a script with dataclasses of its own
            # (alignment-handbook's ScriptArguments): no key of it is decidably unknown.
            return
        if use.framework == "axolotl" and any(a.name == "plugins" for a in config.launch.args):
            return  # plugins add fields to axolotl's config model (merge_input_args)
        options = _known_options(
            use.framework, use.options | use.uncertain, use.training_base, config.version
        )
        for record in unknown_flags(config):
            name = record.arg.name
            underscored = name.replace("-", "_")
            if underscored in options or underscored in use.uncertain:
                continue  # HfArgumentParser's dashed alias of a known option
            if is_training_flag(name):
                continue  # a TrainingArguments flag of another release: KF101/KF102
            if use.framework == "trl" and underscored in _ACCELERATE_OPTIONS | _TRL_OWN:
                continue
            yield self._finding(config, use, record.arg, options)
        if use.framework == "trl" and config.launch.entry_kind == "cli":
            yield from self._recipe_keys(config, use, options)

    def _recipe_keys(
        self, config: EffectiveConfig, use: FrameworkUse, options: frozenset[str]
    ) -> Iterator[Finding]:
        """Keys of the ``--config`` recipe TrlParser reads: it makes each a default of its
        parser and hands the ones no option takes on as flags (trl/scripts/utils.py,
        ``set_defaults_with_config``), which fail as flags do. Reported on the launch, at the
        file's name: the recipe alone cannot tell which parser reads it."""
        # Framework knowledge loads only for framework launches.
        from kefix.knowledge import framework_conventions as conventions
        from kefix.knowledge.frameworks import close_option, option_history
        from kefix.resolve.framework import command_display

        config_arg = next((a for a in config.launch.args if a.name == "config"), None)
        for name, where in use.config_keys.items():
            if name in options or name in _ACCELERATE_OPTIONS | _TRL_OWN | _TRL_RECIPE_OWN:
                continue
            if is_training_flag(name):
                continue  # a TrainingArguments key of another release: KF101/KF102 on the file
            message = f"{name} ({where}) is not an option of {command_display(use)} in "
            message += f"{use.framework} {use.version}" if use.version else use.source
            history = option_history(use.framework, use.command, name)
            if history is not None and use.version:
                message += _history_text(use, history)
            message += f"; {conventions.unknown_flag_error(use.framework)}"
            guess = close_option(name, options)
            if guess is not None:
                message += f"; did you mean {guess}?"
            span = None
            if config_arg is not None:
                span = config_arg.value_spans[0] if config_arg.value_spans else config_arg.span
            yield self.finding(config, message, span=span, subject=f"{where} {name}")

    def _finding(
        self, config: EffectiveConfig, use: FrameworkUse, arg: Arg, options: frozenset[str]
    ) -> Finding:
        # Framework knowledge loads only for framework launches.
        from kefix.knowledge import framework_conventions as conventions
        from kefix.knowledge.frameworks import close_option, option_history
        from kefix.resolve.framework import command_display

        name = arg.name
        where = f"{use.framework} {use.version}" if use.version else use.source
        message = f"--{name} is not an option of {command_display(use)} in {where}"
        history = option_history(use.framework, use.command, name)
        if history is not None and use.version:
            message += _history_text(use, history)
        message += f"; {conventions.unknown_flag_error(use.framework)}"
        fix = None
        renamed = _renamed(use, name)
        if renamed is not None:
            new, proof = renamed
            message += f"; {proof}: use --{new}"
            fix = Fix(f"rename to --{new}", (RenameArg(name, new),), Applicability.SAFE)
        else:
            guess = close_option(name, options)
            if guess is not None:
                message += f"; did you mean --{guess}?"
                fix = Fix(f"rename to --{guess}", (RenameArg(name, guess),), Applicability.UNSAFE)
        return self.finding(config, message, span=arg.flag_span, fix=fix, subject=name)


@functools.lru_cache(maxsize=64)
def _known_options(
    framework: str, own: frozenset[str], training_base: str | None, version: str
) -> frozenset[str]:
    """The names a command takes: its own options and, when it parses TrainingArguments, their
    flags too. The same few per run, and each a few hundred names: built once."""
    # Like the frameworks' knowledge, their conventions are imported for framework launches only.
    from kefix.knowledge import framework_conventions as conventions

    options = set(own)
    if framework == "axolotl":
        options |= conventions.AXOLOTL_ALIASES
    if training_base is not None:
        options |= {o.lstrip("-") for o in option_strings(version=version)}
    return frozenset(options)


def _ignores_unknown_flags(config: EffectiveConfig) -> bool:
    """ms-swift's ``--ignore_args_error true`` only warns about unknown flags."""
    use = config.framework
    if use is None or use.framework != "ms-swift":
        return False
    resolved = use.values.get("ignore_args_error")
    return resolved is not None and resolved.value is not False


def _history_text(use: FrameworkUse, history: OptionHistory) -> str:
    try:
        version = Version(use.version)
    except InvalidVersion:
        return ""
    if history.added_in is not None and version < Version(history.first):
        return f" (added in {use.framework} {history.added_in})"
    if history.removed_in is not None and version > Version(history.last):
        return f" ({use.framework} {history.last} has it, {history.removed_in} no longer does)"
    return ""


def _renamed(use: FrameworkUse, name: str) -> tuple[str, str] | None:
    """The option ``name`` is another spelling of in this release, when the framework's code
    maps the two onto each other (``framework_conventions.RENAMES``)."""
    from kefix.knowledge import framework_conventions as conventions

    for rename in conventions.RENAMES:
        if rename.framework != use.framework:
            continue
        cited = (
            f"{rename.proof.framework} {rename.proof.first} reads --{rename.old} as --{rename.new}"
        )
        if name == rename.old and rename.new in use.options:
            return rename.new, cited
        if name == rename.new and rename.old in use.options:
            return rename.old, cited
    return None
