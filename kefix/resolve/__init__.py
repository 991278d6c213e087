"""The effective TrainingArguments of a launch, value by value, each with the layer it came from.

Layers, lowest first: transformers defaults -> defaults the entry script's own dataclasses
override (found statically, across files) -> command-line flags. A value kefix cannot know is
``Unknown``; rules stay silent on it rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kefix.knowledge.training_args import (
    FieldSpec,
    InvalidFlagValue,
    convert_value,
    field_for_option,
    training_fields,
    transformers_version,
)
from kefix.model import (
    Arg,
    ArgStyle,
    EffectiveConfig,
    FieldValue,
    FlagRecord,
    FlagStatus,
    Launch,
    Layer,
    LineIndex,
    Origin,
    ResolvedValue,
    Unknown,
)
from kefix.paths import display_path
from kefix.resolve.dataclasses import ParserSpec, read_parser_spec
from kefix.resolve.entry_script import locate_entry

# Names transformers used before renaming them, still written in many scripts. The version-aware
# knowledge (renames per release) replaces this table; until then kefix reads both spellings.
LEGACY_NAMES: Mapping[str, str] = {"evaluation_strategy": "eval_strategy"}

# A launch whose entry script kefix cannot read counts as a training launch when it passes at
# least this many TrainingArguments flags (a data-prep script rarely passes two).
_MIN_FLAGS_WITHOUT_ENTRY = 2


@dataclass(frozen=True)
class FlagBinding:
    """Which field a flag of the launch sets, and the value it gives it."""

    arg: Arg
    spec: FieldSpec
    value: FieldValue


@dataclass(frozen=True)
class Resolution:
    """A launch and what resolving it found; ``config`` is None when it runs no Trainer,
    and ``reason`` says why (or what kefix had to do without, e.g. a missing entry script)."""

    launch: Launch
    entry_path: Path | None
    spec: ParserSpec | None
    config: EffectiveConfig | None
    reason: str = ""


@dataclass
class Resolver:
    """Resolves launches of one run; caches what it read from entry scripts."""

    search_roots: Sequence[Path]
    _specs: dict[Path, ParserSpec | None] = field(default_factory=dict)

    def parser_spec(self, entry: Path) -> ParserSpec | None:
        key = entry.resolve()
        if key not in self._specs:
            self._specs[key] = read_parser_spec(entry, self.search_roots)
        return self._specs[key]

    def resolve(self, launch: Launch, script: Path, text: str) -> EffectiveConfig | None:
        """The effective configuration of ``launch``, or None when it does not run a Trainer."""
        return self.resolve_launch(launch, script, text).config

    def resolve_launch(self, launch: Launch, script: Path, text: str) -> Resolution:
        """What kefix learnt about ``launch``: its entry point, parser, and configuration."""
        spec: ParserSpec | None = None
        entry_path: Path | None = None
        if launch.entry_kind != "cli":
            entry_path = locate_entry(launch, script, self.search_roots)
            if entry_path is not None:
                spec = self.parser_spec(entry_path)
                if spec is None:
                    return Resolution(
                        launch, entry_path, None, None, f"{launch.entry} builds no HfArgumentParser"
                    )
                if not spec.has_training_arguments:
                    return Resolution(
                        launch,
                        entry_path,
                        spec,
                        None,
                        f"the HfArgumentParser of {launch.entry} has no TrainingArguments",
                    )
        flags = read_flags(launch, spec)
        bindings = _bindings(flags)
        reason = ""
        if entry_path is None and launch.entry_kind != "cli":
            reason = f"entry script {launch.entry or '(dynamic)'} not found"
            if not _looks_like_training(launch, bindings):
                return Resolution(
                    launch, None, None, None, reason + " and fewer than two TrainingArguments flags"
                )
        values = _default_layer(spec)
        lines = LineIndex(text)
        for binding in bindings:
            line = lines.location(binding.arg.span.start).line
            previous = values.get(binding.spec.name)
            values[binding.spec.name] = ResolvedValue(
                binding.spec.name,
                binding.value,
                Origin(Layer.COMMAND_LINE, launch.path, line, detail=f"--{binding.arg.name}"),
                binding.arg,
                overrides=() if previous is None else (previous, *previous.overrides),
            )
        if launch.opaque:
            _hide_defaults_behind_opaque_args(values, launch, text)
        notes = [reason] if reason else []
        if spec is not None:
            notes.extend(spec.notes)
        config = EffectiveConfig(
            launch=launch,
            values=values,
            entry_path=None if entry_path is None else display_path(entry_path),
            notes=tuple(notes),
            flags=flags,
            parser_known=spec is not None and _every_dataclass_read(spec),
            other_options=frozenset() if spec is None else spec.field_names(),
        )
        return Resolution(launch, entry_path, spec, config, reason)


def _looks_like_training(launch: Launch, bindings: list[FlagBinding]) -> bool:
    """Without its entry script, a launch counts as training when it passes TrainingArguments
    flags (including flags a broken continuation cut off: the script meant to pass them)."""
    names = {binding.spec.name for binding in bindings}
    for detached in launch.detached:
        names.update(field for name in detached.names if (field := training_field_name(name)))
    return len(names) >= _MIN_FLAGS_WITHOUT_ENTRY


def training_field_name(flag_name: str) -> str | None:
    """The TrainingArguments field a flag name (without dashes in front) spells, if any."""
    found = field_for_option("--" + LEGACY_NAMES.get(flag_name, flag_name))
    return None if found is None else found[0].name


def _default_layer(spec: ParserSpec | None) -> dict[str, ResolvedValue]:
    version = transformers_version()
    values = {
        name: ResolvedValue(
            name,
            field_spec.default,
            Origin(Layer.TRANSFORMERS_DEFAULT, detail=f"({version})"),
        )
        for name, field_spec in training_fields().items()
    }
    if spec is not None:
        for name, default in spec.training_defaults().items():
            if not default.has_default:
                continue
            previous = values.get(name)
            values[name] = ResolvedValue(
                name,
                default.value,
                Origin(Layer.DATACLASS_DEFAULT, display_path(default.path), default.line),
                overrides=() if previous is None else (previous,),
            )
    return values


def _hide_defaults_behind_opaque_args(
    values: dict[str, ResolvedValue], launch: Launch, text: str
) -> None:
    """Arguments kefix cannot see (``"$@"``) may set any field the launch does not write."""
    expressions = ", ".join(text[span.start : span.end] for span in launch.opaque)
    for name, resolved in values.items():
        if resolved.origin.layer is not Layer.COMMAND_LINE:
            values[name] = ResolvedValue(
                name,
                Unknown(f"may be set by {expressions}"),
                resolved.origin,
                resolved.arg,
                resolved.overrides,
            )


def bind_flags(launch: Launch, spec: ParserSpec | None) -> list[FlagBinding]:
    """The TrainingArguments flags of a launch in order (a later flag wins, as in argparse)."""
    return _bindings(read_flags(launch, spec))


def _bindings(flags: Iterable[FlagRecord]) -> list[FlagBinding]:
    fields = training_fields()
    return [
        FlagBinding(record.arg, fields[record.field], record.value)
        for record in flags
        if record.field is not None
    ]


def _every_dataclass_read(spec: ParserSpec) -> bool:
    """Whether kefix knows every option of the parser (needed to call a flag unknown)."""
    return bool(spec.dataclasses) and all(
        dataclass.fields or dataclass.training_base for dataclass in spec.dataclasses
    )


def read_flags(launch: Launch, spec: ParserSpec | None) -> tuple[FlagRecord, ...]:
    """What the launched parser makes of each flag of the launch, in order."""
    options = _all_option_names(spec)
    other_fields = frozenset() if spec is None else spec.field_names()
    records = []
    for arg in launch.args:
        name = LEGACY_NAMES.get(arg.name, arg.name)
        found = field_for_option("--" + name)
        candidates: tuple[str, ...] = ()
        if found is None and arg.name not in other_fields and options is not None:
            # HfArgumentParser leaves argparse's abbreviations on: a unique prefix of any option
            # of the script's parser selects it. Only with every option known is that decidable.
            candidates = tuple(sorted(o for o in options if o.startswith(arg.name)))
            if len(candidates) == 1:
                found = field_for_option("--" + candidates[0])
        if found is None:
            status = FlagStatus.OTHER if arg.name in other_fields else FlagStatus.UNKNOWN
            if len(candidates) > 1:
                status = FlagStatus.AMBIGUOUS
            elif len(candidates) == 1:
                status = FlagStatus.OTHER  # abbreviates a field of another dataclass
            records.append(FlagRecord(arg, None, None, status, candidates))
            continue
        field_spec, negated = found
        value, error = _arg_value(arg, field_spec, negated)
        records.append(FlagRecord(arg, field_spec.name, value, FlagStatus.FIELD, candidates, error))
    return tuple(records)


def _all_option_names(spec: ParserSpec | None) -> frozenset[str] | None:
    if spec is None:
        return None
    names: set[str] = set(spec.field_names())
    for field_spec in training_fields().values():
        names.update(option.lstrip("-") for option in field_spec.options + field_spec.negations)
    return frozenset(names)


def _arg_value(arg: Arg, spec: FieldSpec, negated: bool) -> tuple[FieldValue, str]:
    """The value HfArgumentParser gives the field, and its error message if it rejects it."""
    words: list[str] = []
    for word in arg.values:
        if isinstance(word, Unknown):
            return word, ""
        words.append(word)
    try:
        value = convert_value(spec, words, negated=negated, attached=arg.style is ArgStyle.EQUALS)
    except InvalidFlagValue as error:
        return Unknown(" ".join(words)), str(error)
    return value, ""


def field_arg(config: EffectiveConfig, name: str) -> Arg | None:
    """The flag that sets ``name`` in the launch, if the command line sets it.

    ``name`` may also be a flag that is no field of the target release (a removed or misspelt
    one): then the last flag written that way.
    """
    resolved = config.values.get(name)
    if resolved is None:
        written = [record.arg for record in config.flags if record.arg.name == name]
        return written[-1] if written else None
    if resolved.origin.layer is not Layer.COMMAND_LINE:
        return None
    return resolved.arg


def args_for_fields(config: EffectiveConfig, names: Iterable[str]) -> list[Arg]:
    """Flags of the launch that set any of ``names``, in launch order."""
    wanted = set(names)
    return [
        binding.arg for binding in bind_flags(config.launch, None) if binding.spec.name in wanted
    ]
