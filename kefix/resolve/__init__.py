"""The effective TrainingArguments of a launch, value by value, each with the layer it came from.

Layers, lowest first: transformers defaults -> defaults the entry script's own dataclasses
override (found statically, across files) -> config files the launch names (YAML/JSON) ->
command-line flags (LLaMA-Factory's ``key=value`` overrides among them). A value kefix cannot
know is ``Unknown``; rules stay silent on it rather than guess.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar, cast

import msgspec
from msgspec.structs import replace

from kefix.knowledge.migrations import MIGRATIONS, migration_from, migration_to
from kefix.knowledge.training_args import (
    FieldSpec,
    InvalidFlagValue,
    convert_value,
    field_for_option,
    field_history,
    newest_version,
    option_strings,
    training_fields,
)
from kefix.knowledge.training_classes import TRANSFORMERS_CLASS_NAMES
from kefix.model import (
    Arg,
    ArgStyle,
    CellLines,
    ConfigRef,
    DeepSpeedConfig,
    EffectiveConfig,
    FieldValue,
    FlagRecord,
    FlagStatus,
    FrameworkUse,
    Launch,
    Layer,
    LineIndex,
    Origin,
    ResolvedValue,
    Unknown,
)
from kefix.paths import display_path
from kefix.resolve import filesystem
from kefix.resolve.deepspeed import deepspeed_from_text, read_deepspeed
from kefix.resolve.entry_script import locate_entry
from kefix.resolve.filesystem import Facts
from kefix.resolve.typed import typed_field_value

if TYPE_CHECKING:
    # Only types here; the modules are loaded when an entry script (Resolver.parser_spec) or a
    # config file (Resolver.named_config) must be read.
    from kefix.resolve.config_files import NamedConfig
    from kefix.resolve.dataclasses import ParserSpec
    from kefix.resolve.framework import FrameworkCatalogue

# Config files read by a framework with its own argument classes (``Launch.launcher`` of a
# config launch names its format): transformers' defaults are not theirs.
FRAMEWORK_CONFIG_FORMATS = frozenset({"llamafactory", "trl", "axolotl"})
_OWN_SCHEMA_FORMATS = frozenset({"axolotl"})

# A launch whose entry script kefix cannot read counts as a training launch when it passes at
# least this many TrainingArguments flags (a data-prep script rarely passes two).
_MIN_FLAGS_WITHOUT_ENTRY = 2


class FlagBinding(msgspec.Struct, frozen=True):
    """Which field a flag of the launch sets, and the value it gives it."""

    arg: Arg
    spec: FieldSpec
    value: FieldValue


class Resolution(msgspec.Struct, frozen=True):
    """A launch and what resolving it found; ``config`` is None when it runs no Trainer,
    and ``reason`` says why (or what kefix had to do without, e.g. a missing entry script)."""

    launch: Launch
    entry_path: Path | None
    spec: ParserSpec | None
    config: EffectiveConfig | None
    reason: str = ""
    named_configs: tuple[NamedConfig, ...] = ()  # config files the launch names, as read


class Resolver(msgspec.Struct):
    """Resolves launches of one run; reads each entry script (and its modules) once, for every
    launch that runs it."""

    search_roots: Sequence[Path]
    framework_targets: Mapping[str, str] = msgspec.field(default_factory=dict)  # --target-framework
    # entry -> its parser, and what reading it asked of the file system (kefix.cache keeps that)
    _specs: dict[Path, tuple[ParserSpec | None, str, Facts]] = msgspec.field(default_factory=dict)
    _entries: dict[tuple[object, ...], tuple[Path | None, str, Facts]] = msgspec.field(
        default_factory=dict
    )
    # memos whose values keep what computing them asked of the file system (``remembered``)
    _class_specs: dict[tuple[Path, str], tuple[ParserSpec, str, Facts]] = msgspec.field(
        default_factory=dict
    )
    _frameworks: FrameworkCatalogue | None = None

    _named: dict[tuple[object, ...], tuple[NamedConfig, str, Facts]] = msgspec.field(
        default_factory=dict
    )
    # Results later stages derive from what this resolver read, kept for the run's duration.
    memo: dict[tuple[object, ...], tuple[set[tuple[str, str]], str, Facts]] = msgspec.field(
        default_factory=dict
    )
    # DeepSpeed config (real path) -> the configurations of this run's launches that pass it;
    # filled by the runner once every launch is resolved, read when the file itself is checked.
    deepspeed_users: dict[str, tuple[EffectiveConfig, ...]] = msgspec.field(default_factory=dict)
    _deepspeed: dict[
        tuple[object, ...], tuple[tuple[Path | None, DeepSpeedConfig | None], str, Facts]
    ] = msgspec.field(default_factory=dict)

    @property
    def frameworks(self) -> FrameworkCatalogue:
        """The framework releases of this run (created on first use: most runs have none)."""
        if self._frameworks is None:
            from kefix.resolve.framework import FrameworkCatalogue

            self._frameworks = FrameworkCatalogue(self.search_roots, self.framework_targets)
        return self._frameworks

    def framework_notes(self) -> list[str]:
        """What the run could not know of framework releases, said once each."""
        return [] if self._frameworks is None else list(self._frameworks.notes)

    def deepspeed_config(
        self, value: FieldValue, launch: Launch, script: Path
    ) -> DeepSpeedConfig | None:
        """The DeepSpeed config the ``deepspeed`` value names, read (cached for the run)."""
        key = (value, script.parent.resolve(), launch.workdir_hints)
        read = functools.partial(read_deepspeed, value, launch, script, list(self.search_roots))
        return filesystem.remembered(self._deepspeed, key, read)[1]

    def named_config(self, ref: ConfigRef, launch: Launch, script: Path) -> NamedConfig:
        from kefix.resolve.config_files import read_named_config

        key = (ref.path, script.parent.resolve(), launch.workdir_hints, launch.launcher)
        read = functools.partial(read_named_config, ref, launch, script, list(self.search_roots))
        return filesystem.remembered(self._named, key, read)

    def entry_of(self, launch: Launch, script: Path) -> Path | None:
        """``locate_entry``, once per script directory and way of naming the entry (the scripts
        of a project launch the same few entry points)."""
        key = (script.parent, launch.entry, launch.entry_kind, launch.workdir_hints)
        if key not in self._entries:
            with filesystem.observing() as looking:
                located = locate_entry(launch, script, self.search_roots)
            asked = looking.all_facts()
            self._entries[key] = (located, filesystem.group_id(asked), asked)
        found, facts_id, facts = self._entries[key]
        filesystem.include(facts_id, facts)
        return found

    def parser_spec(self, entry: Path) -> ParserSpec | None:
        key = filesystem.realpath(entry)
        if key not in self._specs:
            from kefix.resolve.dataclasses import read_parser_spec

            with filesystem.observing() as reading:
                spec = read_parser_spec(entry, self.search_roots)
            read = reading.all_facts()
            self._specs[key] = (spec, filesystem.group_id(read), read)
        spec, facts_id, facts = self._specs[key]
        filesystem.include(facts_id, facts)
        return spec

    def class_spec(self, module: Path, launch: Launch, line: int = 1) -> ParserSpec:
        """The class a ``TrainingArguments(...)``-like call (at ``line``) constructs, as a
        one-class parser: transformers' or trl's own (``launch.entry`` is then its dotted name),
        or a local class read from the module the call is in."""
        from kefix.resolve.dataclasses import ParsedDataclass, ParserSpec, read_class_spec

        package, _, name = (launch.entry or "").rpartition(".")
        if package in ("transformers", "trl"):
            own = ParsedDataclass(name, module, line, name, ())
            return ParserSpec(module, (own,), ())
        key = (module.resolve(), launch.launcher)
        read = functools.partial(read_class_spec, module, launch.launcher, self.search_roots)
        return filesystem.remembered(self._class_specs, key, read)

    def resolve(
        self, launch: Launch, script: Path, text: str, version: str | None = None
    ) -> EffectiveConfig | None:
        """The effective configuration of ``launch``, or None when it does not run a Trainer."""
        return self.resolve_launch(launch, script, text, version).config

    def resolve_launch(
        self,
        launch: Launch,
        script: Path,
        text: str,
        version: str | None = None,
        *,
        cells: CellLines | None = None,
    ) -> Resolution:
        """What kefix learnt about ``launch`` for transformers ``version`` (None: the newest):
        its entry point, parser, and configuration. ``cells``: a notebook's, for origins."""
        version = version or newest_version()
        if launch.entry_kind == "deepspeed":
            return self._resolve_deepspeed_file(launch, script, text, version)
        spec: ParserSpec | None = None
        entry_path: Path | None = None
        if launch.entry_kind == "call":
            spec = self.class_spec(
                script, launch, LineIndex.of(text).location(launch.span.start).line
            )
            if not spec.has_training_arguments:
                why = f"{launch.launcher} is not a TrainingArguments class"
                return Resolution(launch, None, spec, None, why)
        elif launch.entry_kind not in ("cli", "config"):
            entry_path = self.entry_of(launch, script)
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
        use, framework_options = None, None
        if launch.entry_kind in ("cli", "config"):
            from kefix.resolve.framework import framework_command

            # A framework CLI, or a config file in a framework's format: its release's options.
            if framework_command(launch) is not None:
                use, framework_options = self.frameworks.use_for(launch, script)
        script_use, script_options = None, None
        if spec is not None and spec.trl_config is not None:
            from kefix.resolve.framework import script_framework_command

            # TrlParser / H4ArgumentParser scripts over a trl config: that release's defaults.
            found = script_framework_command(spec.trl_config)
            if found is not None:
                script_use, script_options = self.frameworks.use_of(*found, script)
        flags = read_flags(launch, spec, version, framework=use)
        if launch.launcher in _OWN_SCHEMA_FORMATS and (use is None or not use.known):
            # axolotl reads its own keys, not HfArgumentParser's: no verdict on unknown ones.
            flags = tuple(record for record in flags if record.status is FlagStatus.FIELD)
        bindings = _bindings(flags, version)
        reason = ""
        named = tuple(self.named_config(ref, launch, script) for ref in launch.config_files)
        if entry_path is None and launch.entry_kind not in ("cli", "config", "call"):
            reason = f"entry script {launch.entry or '(dynamic)'} not found"
            # A training config it names makes it a training launch, as two flags do.
            if not _looks_like_training(launch) and not any(n.launch for n in named):
                return Resolution(
                    launch, None, None, None, reason + " and fewer than two TrainingArguments flags"
                )
        values = _default_layer(spec, version)
        if use is None and (
            launch.entry_kind == "cli" or launch.launcher in FRAMEWORK_CONFIG_FORMATS
        ):
            # Framework CLIs (swift, llamafactory-cli, trl) wrap TrainingArguments with their own
            # defaults (ms-swift evaluates on the save schedule): transformers' are not theirs.
            # With the framework's release known, ``framework_layer`` gives them instead.
            _hide_defaults(values, f"{launch.launcher} sets its own defaults")
        elif spec is not None and spec.trl_config is not None and script_use is None:
            # trl's configs (SFTConfig, ...) change transformers' defaults (logging_steps, bf16):
            # without knowledge of the trl release in use, they are unknown.
            hide_values(
                values,
                f"{spec.trl_config} sets its own defaults",
                lambda resolved: resolved.origin.layer is Layer.TRANSFORMERS_DEFAULT,
            )
        for config_file in named:
            _apply_config_file(
                values,
                config_file,
                spec,
                version,
                framework_known=use is not None or script_use is not None,
            )
        lines = LineIndex.of(text)
        for binding in bindings:
            line = lines.location(binding.arg.span.start).line
            previous = values.get(binding.spec.name)
            values[binding.spec.name] = ResolvedValue(
                binding.spec.name,
                binding.value,
                _written_origin(launch, binding.arg, line, cells),
                binding.arg,
                overrides=() if previous is None else (previous, *previous.overrides),
            )
        _canonical_names(values, version)
        if use is not None:
            from kefix.resolve.framework import framework_layer

            use = framework_layer(
                values, use, framework_options, version, launch, lines, text, named
            )
        if script_use is not None:
            from kefix.resolve.framework import framework_layer

            # The trl config's defaults under the script's own, the recipe and flags over them;
            # the launch stays the script's (its flags are not trl CLI options).
            framework_layer(values, script_use, script_options, version, launch, lines, text, named)
        if launch.opaque:
            expressions = ", ".join(text[span.start : span.end] for span in launch.opaque)
            _hide_defaults(values, f"may be set by {expressions}")
        notes = [reason] if reason else []
        if use is not None:
            from kefix.resolve.framework import framework_note

            notes.append(framework_note(use))
        if script_use is not None:
            from kefix.resolve.framework import framework_note

            config_class = spec.trl_config if spec is not None else script_use.command
            notes.append(f"{config_class} defaults: {framework_note(script_use)}")
        notes.extend(config_file.problem for config_file in named if config_file.problem)
        if spec is not None:
            notes.extend(spec.notes)
        config = EffectiveConfig(
            launch=launch,
            values=values,
            entry_path=None if entry_path is None else display_path(entry_path),
            notes=tuple(notes),
            flags=flags,
            parser_known=spec is not None and _every_dataclass_read(spec),
            keeps_unknown_flags=spec is not None and spec.keeps_unknown_flags,
            other_options=frozenset() if spec is None else spec.field_names(),
            version=version,
            framework=use,
            deepspeed=self._deepspeed_of(values, launch, script),
        )
        return Resolution(launch, entry_path, spec, config, reason, named)

    def _deepspeed_of(
        self, values: dict[str, ResolvedValue], launch: Launch, script: Path
    ) -> DeepSpeedConfig | None:
        resolved = values.get("deepspeed")
        if resolved is None or resolved.value is None or isinstance(resolved.value, Unknown):
            return None
        # A path in a config file the launch names is relative to where the launch runs, too.
        return self.deepspeed_config(resolved.value, launch, script)

    def _resolve_deepspeed_file(
        self, launch: Launch, script: Path, text: str, version: str
    ) -> Resolution:
        """A DeepSpeed config checked on its own: its keys as values, and the launches that
        pass it, against which the DeepSpeed rules compare it."""
        lines = LineIndex.of(text)
        values = {
            arg.name: ResolvedValue(
                arg.name,
                arg.values[0] if len(arg.values) == 1 else tuple(str(v) for v in arg.values),
                Origin(Layer.CONFIG_FILE, launch.path, lines.location(arg.span.start).line),
                arg,
            )
            for arg in launch.args
        }
        users = self.deepspeed_users.get(os.path.realpath(script), ())
        config = EffectiveConfig(
            launch=launch,
            values=values,
            version=version,
            deepspeed=deepspeed_from_text(launch.path, text),
            deepspeed_users=users,
        )
        return Resolution(launch, None, None, config)


def _apply_config_file(
    values: dict[str, ResolvedValue],
    named: NamedConfig,
    spec: ParserSpec | None,
    version: str,
    *,
    framework_known: bool = False,
) -> None:
    """The file's keys over the defaults: origins at the file's lines, no ``arg`` (the launch
    does not write them). A file kefix cannot read may set anything: the defaults are hidden,
    as are those of a framework format read by a launch whose framework kefix does not place
    (``framework_known``: the framework layer gives them)."""
    if named.launch is None:
        _hide_defaults(values, f"may be set by {named.ref.path} ({named.problem})")
        return
    if named.launch.launcher in FRAMEWORK_CONFIG_FORMATS and not framework_known:
        _hide_defaults(values, f"{named.launch.launcher} sets its own defaults")
    flags = read_flags(named.launch, spec, version)
    lines = LineIndex.of(named.text)
    for binding in _bindings(flags, version):
        previous = values.get(binding.spec.name)
        line = lines.location(binding.arg.span.start).line
        values[binding.spec.name] = ResolvedValue(
            binding.spec.name,
            binding.value,
            Origin(Layer.CONFIG_FILE, named.display, line, detail=binding.arg.name),
            None,
            overrides=() if previous is None else (previous, *previous.overrides),
        )
    if named.launch.opaque:
        _hide_defaults(values, f"may be set by a merge key in {named.display}")


def _written_origin(launch: Launch, arg: Arg, line: int, cells: CellLines | None) -> Origin:
    """Where the value ``arg`` writes comes from: a flag, a ``key=value`` override, a config
    file's key, a keyword argument or dict entry (``cells``: a notebook's, for its location)."""
    cell = cells.cell_location(arg.span.start) if cells else None
    if arg.typed is not None:
        # Written in the launch like a flag (rules call it explicit), but not on a command line.
        label = "keyword argument" if launch.entry_kind == "call" else "dict entry"
        return Origin(Layer.COMMAND_LINE, launch.path, line, label=label, cell=cell)
    if launch.entry_kind == "config":
        return Origin(Layer.CONFIG_FILE, launch.path, line, detail=arg.name, cell=cell)
    detail = f"{arg.name}=" if arg.style is ArgStyle.OVERRIDE else f"--{arg.name}"
    return Origin(Layer.COMMAND_LINE, launch.path, line, detail=detail, cell=cell)


def _looks_like_training(launch: Launch) -> bool:
    """Without its entry script, a launch counts as training when it passes flags of
    TrainingArguments of any release (including flags a broken continuation cut off)."""
    names = {arg.name for arg in launch.args if is_training_flag(arg.name)}
    names.update(name for d in launch.detached for name in d.names if is_training_flag(name))
    return len(names) >= _MIN_FLAGS_WITHOUT_ENTRY


def training_field_name(flag_name: str, version: str | None = None) -> str | None:
    """The TrainingArguments field a flag name (without dashes in front) sets in ``version``,
    by its current name (``evaluation_strategy`` on 4.40 is ``eval_strategy``)."""
    found = field_for_option("--" + flag_name, version=version)
    if found is None:
        return None
    migration = migration_from(found[0].name)
    if migration is not None and migration.reversible and migration.new is not None:
        return migration.new
    return found[0].name


def spelled_for(field_name: str, version: str) -> str:
    """How ``version`` spells a field kefix knows by its current name (``evaluation_strategy``
    for ``eval_strategy`` before 4.41)."""
    fields = training_fields(version=version)
    if field_name in fields:
        return field_name
    migration = migration_to(field_name)
    if migration is not None and migration.old in fields:
        return migration.old
    return field_name


def is_training_flag(flag_name: str) -> bool:
    """Whether the flag is a TrainingArguments option in any release kefix knows."""
    return (
        field_for_option("--" + flag_name) is not None
        or field_history(flag_name.replace("-", "_")) is not None
    )


def _canonical_names(values: dict[str, ResolvedValue], version: str) -> None:
    """Key renamed fields by their current name (rules speak of ``eval_strategy`` whatever the
    release); where both names exist (4.41-4.50), a set old name wins, as transformers does."""
    for migration in MIGRATIONS:
        if not migration.reversible or migration.new is None or migration.old not in values:
            continue
        old = values.pop(migration.old)
        current = values.get(migration.new)
        if current is None or old.origin.layer is not Layer.TRANSFORMERS_DEFAULT:
            values[migration.new] = replace(old, name=migration.new)


@functools.cache
def _transformers_defaults(version: str) -> Mapping[str, ResolvedValue]:
    """The bottom layer of every launch resolved for ``version``, built once (values are frozen)."""
    return MappingProxyType(
        {
            name: ResolvedValue(
                name,
                field_spec.default,
                Origin(Layer.TRANSFORMERS_DEFAULT, detail=f"({version})"),
            )
            for name, field_spec in training_fields(version=version).items()
        }
    )


def _default_layer(spec: ParserSpec | None, version: str) -> dict[str, ResolvedValue]:
    """transformers' defaults under the parser's dataclass defaults: built once per parser and
    release in a run (a project's launches share a few parsers), copied for each launch."""
    if spec is None:
        return dict(_transformers_defaults(version))
    return dict(_once_per_object("default layers", _dataclass_defaults, spec, version))


_V = TypeVar("_V")


def _once_per_object(memo: str, compute: Callable[..., _V], owner: object, *rest: object) -> _V:
    """``compute(owner, *rest)``, once per ``owner`` and ``rest`` in a run (in
    ``filesystem.run_memo(memo)``). ``owner`` (a parser's or a field's spec) is matched by
    identity and kept alive with the answer, so no other object can come to have its id while
    the memo holds it."""
    answers = filesystem.run_memo(memo)
    key = (id(owner), rest)
    held = answers.get(key)
    if held is None or held[0] is not owner:
        held = answers[key] = (owner, compute(owner, *rest))
    found: _V = held[1]
    return found


def _dataclass_defaults(spec: ParserSpec, version: str) -> dict[str, ResolvedValue]:
    values = dict(_transformers_defaults(version))
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


def hide_values(
    values: dict[str, ResolvedValue], why: str, hidden: Callable[[ResolvedValue], bool]
) -> None:
    """The values ``hidden`` picks become Unknown: something kefix cannot read may set them
    (arguments behind ``"$@"``, a framework's own defaults, a config file it cannot read)."""
    unknown = Unknown(why)
    for name, resolved in values.items():
        if hidden(resolved):
            values[name] = replace(resolved, value=unknown)


def _hide_defaults(values: dict[str, ResolvedValue], why: str) -> None:
    """Values the launch does not write become Unknown."""
    hide_values(values, why, lambda resolved: resolved.arg is None)


def _bindings(flags: Iterable[FlagRecord], version: str | None) -> list[FlagBinding]:
    fields = training_fields(version=version)
    return [
        FlagBinding(record.arg, fields[record.field], record.value)
        for record in flags
        if record.field is not None
    ]


def _every_dataclass_read(spec: ParserSpec) -> bool:
    """Whether kefix knows every option of the parser (needed to call a flag unknown): local
    dataclasses it read, and transformers' own argument classes. A trl config (``SFTConfig``)
    adds fields kefix has no data for, even under a local subclass."""
    return (
        bool(spec.dataclasses)
        and not spec.ambiguous
        and all(
            dataclass.training_base in TRANSFORMERS_CLASS_NAMES
            if dataclass.training_base is not None
            else bool(dataclass.fields)
            for dataclass in spec.dataclasses
        )
    )


def read_flags(
    launch: Launch,
    spec: ParserSpec | None,
    version: str | None = None,
    *,
    framework: FrameworkUse | None = None,
) -> tuple[FlagRecord, ...]:
    """What the launched parser of transformers ``version`` makes of each flag, in order
    (``framework``: the options of the framework CLI the launch runs, when kefix knows them)."""
    options = _all_option_names(spec, version)
    other_fields = frozenset() if spec is None else spec.field_names()
    if framework is not None and framework.known:
        other_fields = framework.options | framework.uncertain
        options = other_fields
        if framework.training_base is not None:
            options = options | _option_names(version)
    records = []
    # ms-swift 2.x builds TrainingArguments from its own fields: only those are options.
    framework_only = framework is not None and framework.known and framework.training_base is None
    for arg in launch.args:
        if arg.typed is not None:
            records.append(_typed_record(arg, other_fields, version))
            continue
        found = field_for_option("--" + arg.name, version=version)
        if framework_only and arg.name.replace("-", "_") not in other_fields:
            found = None
        candidates: tuple[str, ...] = ()
        if found is None and arg.name not in other_fields and options is not None:
            # HfArgumentParser leaves argparse's abbreviations on: a unique prefix of any option
            # of the script's parser selects it. Only with every option known is that decidable.
            candidates = _prefixed(options, arg.name)
            if len(candidates) == 1:
                found = field_for_option("--" + candidates[0], version=version)
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


def _prefixed(options: frozenset[str], prefix: str) -> tuple[str, ...]:
    """The ``options`` that start with ``prefix``, sorted (a launch's unknown flags each ask
    of the same few hundred options: found by bisection, not by a scan of them all)."""
    ordered = _in_order(options)
    start = bisect.bisect_left(ordered, prefix)
    end = start
    while end < len(ordered) and ordered[end].startswith(prefix):
        end += 1
    return ordered[start:end]


@functools.lru_cache(maxsize=64)
def _in_order(options: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(options))


def _typed_record(arg: Arg, other_fields: frozenset[str], version: str | None) -> FlagRecord:
    """A keyword or dict key names its field exactly: no abbreviations, no ``no_`` negations,
    no dashed spellings (a call raises TypeError on them, ``parse_dict`` ValueError)."""
    assert arg.typed is not None
    spec = training_fields(version=version).get(arg.name)
    if spec is None:
        status = FlagStatus.OTHER if arg.name in other_fields else FlagStatus.UNKNOWN
        return FlagRecord(arg, None, None, status)
    value, error = typed_field_value(spec, arg.typed.value)
    return FlagRecord(arg, spec.name, value, FlagStatus.FIELD, (), error)


def _all_option_names(spec: ParserSpec | None, version: str | None) -> frozenset[str] | None:
    if spec is None:
        return None
    return spec.field_names() | _option_names(version)


@functools.cache
def _option_names(version: str | None) -> frozenset[str]:
    return frozenset(option.lstrip("-") for option in option_strings(version=version))


def _arg_value(arg: Arg, spec: FieldSpec, negated: bool) -> tuple[FieldValue, str]:
    """The value HfArgumentParser gives the field, and its error message if it rejects it:
    converted once per field, words and spelling in a run (a monorepo's launches write the same
    few values, and each fix analyses its launch again)."""
    for word in arg.values:
        if isinstance(word, Unknown):
            return word, ""
    words = cast("tuple[str, ...]", arg.values)
    attached = arg.style is ArgStyle.EQUALS
    return _once_per_object("flag values", _converted, spec, words, negated, attached)


def _converted(
    spec: FieldSpec, words: tuple[str, ...], negated: bool, attached: bool
) -> tuple[FieldValue, str]:
    try:
        return convert_value(spec, words, negated=negated, attached=attached), ""
    except InvalidFlagValue as error:
        return Unknown(" ".join(words)), str(error)


def field_arg(config: EffectiveConfig, name: str) -> Arg | None:
    """The flag that sets ``name`` in the launch, if the command line sets it.

    ``name`` may also be a flag that is no field of the target release (a removed or misspelt
    one): then the last flag written that way. A flag whose value a framework overrides
    (ms-swift turns ``--eval_strategy steps`` off without validation data) still sets it.
    """
    resolved = config.values.get(name)
    if resolved is not None and resolved.arg is not None:
        return resolved.arg
    written = [
        r.arg for r in config.flags if r.field == name or (r.field is None and r.arg.name == name)
    ]
    return written[-1] if written else None


def args_named(config: EffectiveConfig, name: str) -> list[Arg]:
    """Every flag written as ``--name`` (a rename respells them all, so the last still wins),
    else the flag that sets field ``name``."""
    written = [record.arg for record in config.flags if record.arg.name == name]
    if written:
        return written
    arg = field_arg(config, name)
    return [] if arg is None else [arg]


def args_for_fields(config: EffectiveConfig, names: Iterable[str]) -> list[Arg]:
    """Flags of the launch that set any of ``names``, in launch order."""
    wanted = set(names)
    return [
        record.arg
        for record in config.flags
        if (record.field in wanted) or (record.field is None and record.arg.name in wanted)
    ]
