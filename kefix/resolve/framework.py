"""Which framework a CLI launch runs, which release of it, and what that release makes of it.

``swift sft``, ``llamafactory-cli train`` and ``trl sft`` parse TrainingArguments inside their own
argument classes, with their own defaults and conventions. For each such launch this module picks
the framework's options, from the first source that has them:

1. the framework's source vendored in the checked project (``src/llamafactory/...``): a fork
   runs what it says, whatever the pins;
2. the release in use -- ``--target-framework NAME==VERSION``, else the project's pin, else the
   installed distribution, else the newest release kefix knows -- read from the installed copy
   when that is the same release (located through ``importlib.metadata``, never imported), else
   from kefix's bundled knowledge.

With none of these, kefix says so once per run and makes no claim about unknown flags. Then
``framework_layer`` gives the launch's effective TrainingArguments the framework's defaults and
conventions (ms-swift evaluates on its save schedule) instead of hiding them all.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import msgspec
from msgspec.structs import replace
from packaging.version import InvalidVersion, Version

from kefix.knowledge import framework_conventions as conventions
from kefix.knowledge.frameworks import (
    CommandOptions,
    FrameworkOption,
    command_options,
    distribution,
    known_versions,
    package,
)
from kefix.knowledge.training_args import training_fields
from kefix.model import (
    Arg,
    FieldValue,
    FrameworkUse,
    Launch,
    Layer,
    LineIndex,
    Origin,
    ResolvedValue,
    Unknown,
)
from kefix.paths import display_path
from kefix.resolve import filesystem, hide_values
from kefix.resolve.config_files import NamedConfig
from kefix.resolve.filesystem import Facts
from kefix.target import TargetVersionError, searched_paths, target_versions

# Launcher (as ``kefix.sources.bash.launchers`` names it) -> framework and command.
LAUNCH_COMMANDS: Mapping[str, tuple[str, str]] = {
    "llamafactory-cli train": ("llamafactory", "train"),
    "lmf train": ("llamafactory", "train"),
    "swift sft": ("ms-swift", "sft"),
    "swift pt": ("ms-swift", "pt"),
    "swift rlhf": ("ms-swift", "rlhf"),
    "trl sft": ("trl", "sft"),
    "trl dpo": ("trl", "dpo"),
    "trl grpo": ("trl", "grpo"),
    "trl kto": ("trl", "kto"),
    "trl reward": ("trl", "reward"),
}

# A training config's format (``Launch.launcher`` of a config launch) -> the framework that reads
# it and the command whose options it holds. A trl recipe's trainer is told by its keys.
CONFIG_COMMANDS: Mapping[str, tuple[str, str]] = {
    "llamafactory": ("llamafactory", "train"),
    "trl": ("trl", "sft"),
    "axolotl": ("axolotl", "train"),
}
_TRL_COMMAND_KEYS: tuple[tuple[str, frozenset[str]], ...] = (
    ("grpo", frozenset({"num_generations", "reward_funcs", "reward_weights"})),
    ("dpo", frozenset({"beta", "max_prompt_length", "rpo_alpha", "ref_model_init_kwargs"})),
)


# A trl config an entry script's parser is built from -> the trl command with the same config
# (``trl sft`` parses SFTConfig): its options and defaults per release are that command's.
TRL_CONFIG_COMMANDS: Mapping[str, str] = {
    "SFTConfig": "sft",
    "DPOConfig": "dpo",
    "GRPOConfig": "grpo",
    "KTOConfig": "kto",
    "RewardConfig": "reward",
}


def script_framework_command(trl_config: str | None) -> tuple[str, str] | None:
    """The framework and command whose options an entry script's parser takes when it is built
    from a trl config (``TrlParser((ScriptArguments, SFTConfig, ModelConfig))``); None for a
    config kefix has no knowledge of (``ORPOConfig``) or none at all."""
    command = TRL_CONFIG_COMMANDS.get(trl_config or "")
    return None if command is None else ("trl", command)


def framework_command(launch: Launch) -> tuple[str, str] | None:
    """The framework and command that read ``launch``: a framework CLI, or a training config in
    a framework's format; None for anything else."""
    if launch.entry_kind == "cli":
        return LAUNCH_COMMANDS.get(launch.launcher)
    if launch.entry_kind != "config" or launch.launcher not in CONFIG_COMMANDS:
        return None
    framework, command = CONFIG_COMMANDS[launch.launcher]
    if framework == "trl":
        keys = {arg.name for arg in launch.args}
        command = next((name for name, marks in _TRL_COMMAND_KEYS if keys & marks), command)
    return framework, command


def command_display(use: FrameworkUse) -> str:
    """How users run the command ``use`` names (``llamafactory-cli train``, ``trl sft``)."""
    wanted = (use.framework, use.command)
    return next((k for k, v in LAUNCH_COMMANDS.items() if v == wanted), " ".join(wanted))


# The file that tells a directory holds the framework's package, per import name.
_MARKERS = {
    "llamafactory": "llamafactory/hparams/parser.py",
    "swift": "swift/__init__.py",
    "trl": "trl/__init__.py",
    "axolotl": "axolotl/__init__.py",
}


class FrameworkTargetError(ValueError):
    """``--target-framework`` names no framework kefix knows, or no version."""


def parse_framework_targets(items: Sequence[str]) -> dict[str, str]:
    """``["ms-swift==3.12.6", "trl==0.19"]`` as ``{"ms-swift": "3.12.6", "trl": "0.19"}``."""
    from kefix.knowledge.frameworks import frameworks

    targets = {}
    for item in items:
        name, separator, version = item.partition("==")
        name = name.strip().lower()
        if name in ("swift", "ms_swift"):
            name = "ms-swift"
        if name in ("llama-factory", "llama_factory", "lmf"):
            name = "llamafactory"
        if not separator or name not in frameworks():
            raise FrameworkTargetError(
                f"{item!r} is not FRAMEWORK==VERSION with FRAMEWORK one of "
                + ", ".join(frameworks())
            )
        try:
            Version(version.strip())
        except InvalidVersion:
            raise FrameworkTargetError(f"{item!r}: {version!r} is not a version") from None
        targets[name] = version.strip()
    return targets


class FrameworkCatalogue(msgspec.Struct):
    """The framework releases of one run: chosen once per framework and directory."""

    search_roots: Sequence[Path]
    explicit: Mapping[str, str] = msgspec.field(default_factory=dict)
    notes: list[str] = msgspec.field(default_factory=list)  # said once per run
    # (framework, command, directory) -> the choice, and what making it asked (``remembered``)
    _chosen: dict[
        tuple[str, str, Path], tuple[tuple[FrameworkUse, CommandOptions | None], str, Facts]
    ] = msgspec.field(default_factory=dict)
    # A script's directory -> where it really is (a project's launches share a few directories)
    _real: dict[Path, Path] = msgspec.field(default_factory=dict)

    def use_for(self, launch: Launch, script: Path) -> tuple[FrameworkUse, CommandOptions | None]:
        """The framework ``launch`` runs (``framework_command`` must name it), the release and
        why, and its command's options (None when kefix cannot know them)."""
        found = framework_command(launch)
        assert found is not None, launch.launcher
        return self.use_of(*found, script)

    def use_of(
        self, framework: str, command: str, script: Path
    ) -> tuple[FrameworkUse, CommandOptions | None]:
        """The release of ``framework`` a launch in ``script`` runs, and ``command``'s options."""
        directory = self._real.get(script.parent)
        if directory is None:
            directory = self._real[script.parent] = script.parent.resolve()
        choose = functools.partial(self._choose, framework, command, directory)
        return filesystem.remembered(self._chosen, (framework, command, directory), choose)

    def _choose(
        self, framework: str, command: str, directory: Path
    ) -> tuple[FrameworkUse, CommandOptions | None]:
        vendored = self._vendored(framework)
        if vendored is not None:
            return self._from_source(framework, command, vendored, "", "vendored source")
        version, reason = self._version_in_use(framework, directory)
        installed = _installed(framework)
        if installed is not None and installed[0] == version:
            use, options = self._from_source(
                framework, command, installed[1], version, f"{framework} {version} installed"
            )
            if options is not None:
                return replace(use, reason=reason), options
        options = command_options(framework, command, version)
        if options is None:
            self._note(
                f"kefix has no knowledge of {framework} {version} ({reason}); checks of "
                f"{framework} flags skipped"
            )
            return FrameworkUse(framework, command, version, reason), None
        return _use(options, reason), options

    def _from_source(
        self, framework: str, command: str, root: Path, version: str, label: str
    ) -> tuple[FrameworkUse, CommandOptions | None]:
        # Reading a framework's source (~4 ms to import) only for a copy kept in the project or
        # installed: most launches are checked against the knowledge kefix ships.
        from kefix.knowledge.framework_source import SourceTree, SourceUnreadable, read_command

        # The options are read from this copy's source: its files are part of what depends on it.
        filesystem.derived("tree", str(root / package(framework)))
        where = display_path(root / package(framework))
        try:
            model = read_command(
                SourceTree.from_directory(root, package(framework)), framework, command
            )
        except (SourceUnreadable, OSError, RecursionError) as error:
            self._note(f"could not read {framework} {command} from {where}: {error}")
            return FrameworkUse(framework, command, version, f"{label} at {where}"), None
        options = CommandOptions(
            framework,
            command,
            version,
            f"{label} at {where}",
            model.classes,
            model.training_base,
            {name: _source_option(name, fact.default) for name, fact in model.fields.items()},
        )
        return _use(options, f"{label} at {where}"), options

    def _vendored(self, framework: str) -> Path | None:
        """A directory under the search roots holding the framework's package source."""
        marker = _MARKERS[package(framework)]
        for root in self.search_roots:
            for candidate in (root, root / "src"):
                if filesystem.is_file(candidate / marker):
                    return candidate
        return None

    def _version_in_use(self, framework: str, directory: Path) -> tuple[str, str]:
        name = distribution(framework)
        known = known_versions(framework)
        if framework in self.explicit:
            wanted = self.explicit[framework]
            return _explicit(wanted, known), f"--target-framework {framework}=={wanted}"
        subject = f"{framework}\0{directory}"
        pinned = json.loads(filesystem.derived("pins", subject))
        if pinned is not None:
            reason, newest = pinned
            exact = _exact_pin(reason)
            if exact is not None:
                return exact, re.sub(r"; assuming newest known \S+", "", reason)
            if "assuming" not in reason:
                return newest, reason
        installed = _installed(framework)
        if installed is not None:
            return installed[0], f"{name} {installed[0]} is installed"
        return known[-1], f"no {name} pin found; assuming the newest release kefix knows"

    def _note(self, text: str) -> None:
        filesystem.derived("note", text)  # said again by every result that made the choice
        if text not in self.notes:
            self.notes.append(text)


def pins_answer(subject: str) -> str:
    """What the pins of a framework (``subject``: "framework\\0directory") say, as JSON: the
    reason and the newest version they admit, or null when the directory pins nothing."""
    framework, _, directory = subject.partition("\0")
    start, package = Path(directory), distribution(framework)
    read = filesystem.run_memo("pins")  # a project's subjects share its directories
    try:
        pinned = target_versions(start, known_versions(framework), package=package, read=read)
    except (TargetVersionError, ValueError):
        return "null"
    filesystem.inputs()[("pins", subject)] = searched_paths(start, read, package)
    if pinned.source is None:
        return "null"
    return json.dumps([pinned.reason, pinned.versions[-1]])


def installed_answer(framework: str) -> str:
    """The installed release of ``framework`` and the directory holding its package
    ("version\\0directory"), or "" when it is not installed (see ``_installed``)."""
    if importlib.util.find_spec(package(framework)) is None:
        return ""  # no package to locate on sys.path, whatever the metadata says
    # importlib.metadata imports email and more (~10 ms): only when the package is there.
    from importlib import metadata

    try:
        found = metadata.distribution(distribution(framework))
    except metadata.PackageNotFoundError:
        return ""
    located = Path(str(found.locate_file(package(framework))))
    if not (located / "__init__.py").is_file():
        return ""
    return f"{found.version}\0{located.parent}"


def framework_note(use: FrameworkUse) -> str:
    """What ``--show-launches`` says of the framework release a launch is checked against."""
    if not use.known:
        return (
            f"{use.framework} {use.version}: kefix has no knowledge of this release "
            f"({use.reason}); its own flags and defaults are not checked"
        )
    if use.source == use.reason:
        return f"{use.framework} options read from {use.source}"
    return f"{use.framework} options from {use.source} ({use.reason})"


def _explicit(wanted: str, known: Sequence[str]) -> str:
    """``"3.12"`` names a minor: the newest known patch of it; an exact version is itself."""
    parts = Version(wanted).release
    if len(parts) == 2:
        same = [v for v in known if Version(v).release[:2] == parts]
        if same:
            return same[-1]
    return wanted


def _exact_pin(reason: str) -> str | None:
    """The version an exact pin names (``ms-swift==3.7.0``), which may lie between releases kefix
    read: ``target_versions`` maps it to a known one, but the bracketing model can do better."""
    match = re.search(rf"(?i)\bpins? ({_VERSION})\b", reason)
    return match.group(1) if match else None


_VERSION = r"\d+(?:\.\d+)+(?:\.post\d+)?"


def _installed(framework: str) -> tuple[str, Path] | None:
    """The installed distribution's version and the directory holding its package, read from
    its metadata (nothing of the package is imported)."""
    found = filesystem.derived("installed", framework)
    if not found:
        return None
    version, _, directory = found.partition("\0")
    return version, Path(directory)


def _source_option(name: str, default: object) -> FrameworkOption:
    from kefix.knowledge.framework_source import REQUIRED, NonLiteral

    if default == REQUIRED:
        return FrameworkOption(name, None, required=True)
    if isinstance(default, NonLiteral):
        return FrameworkOption(name, Unknown(f"computed at run time: {default.expression}"))
    if isinstance(default, list):
        return FrameworkOption(name, tuple(str(item) for item in default))
    if default is None or isinstance(default, (str, int, float, bool)):
        return FrameworkOption(name, default)
    return FrameworkOption(name, Unknown(repr(default)))


def _use(options: CommandOptions, reason: str) -> FrameworkUse:
    return FrameworkUse(
        options.framework,
        options.command,
        options.version,
        reason,
        source=options.source,
        options=frozenset(options.options),
        uncertain=options.uncertain,
        training_base=options.training_base,
        known=True,
    )


# --------------------------------------------------------------------------- the effective layer


def framework_layer(
    values: dict[str, ResolvedValue],
    use: FrameworkUse,
    options: CommandOptions | None,
    transformers_version: str,
    launch: Launch,
    lines: LineIndex,
    text: str,
    config_files: Sequence[NamedConfig] = (),
) -> FrameworkUse:
    """Give ``values`` (transformers defaults, then the config files the launch names, then its
    flags) the framework's defaults and conventions; what kefix cannot know becomes
    ``Unknown``, a value the launch or its config file writes stays. Returns ``use`` with the
    values of the framework's other options (``val_size``)."""
    read = [named for named in config_files if named.launch is not None]
    config_file = (
        None
        if (read and len(read) == len(config_files)) or launch.entry_kind == "config"
        else named_config_file(text, launch)
    )
    if launch.entry_kind not in ("cli", "config"):
        # An entry script's launch names its config files in ``config_files``; the rest of its
        # words are the launcher's (accelerate's own ``--config_file``).
        unread = [named.ref.path for named in config_files if named.launch is None]
        config_file = unread[0] if unread else None
    if options is None or options.training_base is None:
        # An unknown release, or one that builds TrainingArguments itself (ms-swift 2.x).
        _hide(values, f"{use.framework} {use.version} sets its own defaults".replace("  ", " "))
        if options is None:
            return use
    defaults = _framework_defaults(use.framework, options, transformers_version)
    own = dict(defaults.own)
    for default in defaults.training if options.training_base is not None else ():
        name = default.name
        if _written(values.get(name)):
            # Written over the framework's default: it is among what the value overrides.
            values[name] = _under(values[name], default)
        else:
            previous = values.get(name)
            if previous is not None and _project_default(previous):
                # The script's own subclass of the trl config overrides trl's default.
                below = replace(default, overrides=previous.overrides)
                values[name] = replace(previous, overrides=(below, *previous.overrides))
            else:
                values[name] = replace(default, overrides=() if previous is None else (previous,))
    config_keys: dict[str, str] = {}
    for named in read:
        assert named.launch is not None
        file_lines = LineIndex.of(named.text)
        for arg in named.launch.args:
            line = file_lines.location(arg.span.start).line
            config_keys[arg.name] = f"{named.display}:{line}"
            if arg.name in own:
                line = file_lines.location(arg.span.start).line
                own[arg.name] = ResolvedValue(
                    arg.name,
                    _option_value(arg, own[arg.name].value),
                    Origin(Layer.CONFIG_FILE, named.display, line, detail=arg.name),
                    None,
                    overrides=(own[arg.name],),
                )
    # A config launch's keys are the file's values (``val_size: 0.1``), not flags.
    in_file = launch.entry_kind == "config"
    for arg in launch.args:
        name = arg.name.replace("-", "_")
        if name in own:
            line = lines.location(arg.span.start).line
            origin = (
                Origin(Layer.CONFIG_FILE, launch.path, line, detail=arg.name)
                if in_file
                else Origin(Layer.COMMAND_LINE, launch.path, line, detail=f"--{arg.name}")
            )
            own[name] = ResolvedValue(
                name,
                _option_value(arg, own[name].value),
                origin,
                arg,
                overrides=(own[name],),
            )
    if config_file is not None:
        # Until kefix reads the file, any value the launch does not write may come from it.
        _hide(values, f"may be set by {config_file}")
        _hide(own, f"may be set by {config_file}")
    elif launch.opaque:
        _hide(own, "may be set by arguments kefix cannot see")
    if use.framework == "ms-swift" and options.training_base is not None:
        _swift_conventions(values, own, use, options)
    if use.framework == "trl":
        _trl_conventions(values, options)
    if use.framework == "axolotl":
        if launch.entry_kind == "config":
            from kefix.resolve.axolotl import axolotl_training_arguments

            axolotl_training_arguments(values, launch, lines, options, transformers_version)
        else:
            from kefix.resolve.axolotl import precision_unknown

            precision_unknown(values)
    return replace(use, values=MappingProxyType(own), config_keys=MappingProxyType(config_keys))


class _Defaults(msgspec.Struct, frozen=True):
    """A command's option defaults as resolved values, split by whether they are
    TrainingArguments fields (those layer over transformers' defaults)."""

    options: CommandOptions  # held, so that its id is not reused while cached
    own: Mapping[str, ResolvedValue]
    training: tuple[ResolvedValue, ...]


# The same few commands' defaults serve every launch of a run: built once each, not per launch
# (hundreds of options each). Keyed by the options' identity: they are not hashable.
_DEFAULTS: dict[tuple[str, int, str], _Defaults] = {}
_MAX_DEFAULTS = 64


def _framework_defaults(
    framework: str, options: CommandOptions, transformers_version: str
) -> _Defaults:
    key = (framework, id(options), transformers_version)
    cached = _DEFAULTS.get(key)
    if cached is not None and cached.options is options:
        return cached
    fields = training_fields(version=transformers_version)
    detail = f"({framework} {options.version or 'source'})"
    own: dict[str, ResolvedValue] = {}
    training: list[ResolvedValue] = []
    for name, option in options.options.items():
        value: FieldValue = option.default
        if option.required:
            value = Unknown(f"{framework} requires --{name}")
        default = ResolvedValue(name, value, Origin(Layer.DATACLASS_DEFAULT, detail=detail))
        if name not in fields:
            own[name] = default
        else:
            training.append(default)
    if len(_DEFAULTS) >= _MAX_DEFAULTS:
        _DEFAULTS.clear()
    _DEFAULTS[key] = defaults = _Defaults(options, MappingProxyType(own), tuple(training))
    return defaults


_CONFIG_WORD = re.compile(r"""(?<![=\w/.-])["']?([^\s"'=]+\.(?:ya?ml|json))["']?(?=\s|$)""")


def named_config_file(text: str, launch: Launch) -> str | None:
    """A config file the launch passes outside its flags (``llamafactory-cli train cfg.yaml``,
    ``swift sft args.json``) or with ``--config`` (trl), whose values kefix does not read yet."""
    for arg in launch.args:
        if arg.name == "config" and arg.values and isinstance(arg.values[0], str):
            return arg.values[0]
    if launch.entry_kind == "call":
        return None  # a TrainingArguments(...) call names no file outside its keywords
    outside = list(text[launch.span.start : launch.span.end])
    for arg in launch.args:
        # An argument may lie outside the launch's words (a ``**kwargs`` dict's entries).
        for offset in range(
            max(arg.span.start, launch.span.start), min(arg.span.end, launch.span.end)
        ):
            outside[offset - launch.span.start] = " "
    match = _CONFIG_WORD.search("".join(outside))
    return match.group(1) if match else None


def _option_value(arg: Arg, default: FieldValue) -> FieldValue:
    """A framework option's value as its parser would read the words (roughly: kefix needs only
    whether a dataset is named and whether a ratio is above zero)."""
    words: list[str] = []
    for word in arg.values:
        if isinstance(word, Unknown):
            return word
        words.append(word)
    if isinstance(default, tuple):
        return tuple(words)
    if not words:
        return True
    if isinstance(default, bool):
        return words[0].lower() in ("yes", "true", "t", "y", "1")
    if isinstance(default, (int, float)) or default is None:
        try:
            return (
                float(words[0]) if default is None or isinstance(default, float) else int(words[0])
            )
        except ValueError:
            return words[0] if len(words) == 1 else tuple(words)
    return words[0] if len(words) == 1 else tuple(words)


def _written(resolved: ResolvedValue | None) -> bool:
    """Set by the launch's flags or a config file it names (not a default)."""
    return resolved is not None and resolved.origin.layer in (Layer.COMMAND_LINE, Layer.CONFIG_FILE)


def _under(resolved: ResolvedValue, default: ResolvedValue) -> ResolvedValue:
    """``resolved`` with the framework's ``default`` placed in what it overrides, just above
    transformers' own default (the layers in order, as a user reads them)."""
    chain = list(resolved.overrides)
    at = next(
        (i for i, v in enumerate(chain) if v.origin.layer is Layer.TRANSFORMERS_DEFAULT), None
    )
    if at is None:
        return resolved
    chain.insert(at, replace(default, overrides=tuple(chain[at:])))
    return replace(resolved, overrides=tuple(chain))


def _project_default(resolved: ResolvedValue) -> bool:
    """A default the entry script's own dataclass declares (it has a file; a framework's has
    none): it stands over the framework's, whatever the release."""
    return resolved.origin.layer is Layer.DATACLASS_DEFAULT and resolved.origin.path is not None


def _hide(values: dict[str, ResolvedValue], why: str) -> None:
    """Values neither the launch nor the entry script's own dataclass sets become Unknown."""
    hide_values(
        values, why, lambda resolved: not (_written(resolved) or _project_default(resolved))
    )


def _swift_conventions(
    values: dict[str, ResolvedValue],
    own: Mapping[str, ResolvedValue],
    use: FrameworkUse,
    options: CommandOptions,
) -> None:
    """ms-swift's ``_init_eval_strategy``: evaluate on the save schedule, and not at all without
    validation data (cited in ``framework_conventions``)."""
    version = options.version
    eval_strategy = values.get("eval_strategy")
    if eval_strategy is None or _written(eval_strategy) or eval_strategy.value is not None:
        pass
    else:
        follows = conventions.SWIFT_EVAL_FOLLOWS_SAVE.holds(version) if version else True
        save = values.get("save_strategy")
        if follows and save is not None:
            values["eval_strategy"] = _convention(
                "eval_strategy", save.value, conventions.SWIFT_EVAL_FOLLOWS_SAVE, eval_strategy
            )
        else:
            values["eval_strategy"] = replace(
                eval_strategy, value=Unknown(f"{use.framework} {version} derives it")
            )
    off = conventions.SWIFT_NO_EVAL_WITHOUT_DATA.holds(version) if version else None
    current = values.get("eval_strategy")
    if current is not None and current.value != "no":
        has_data = swift_has_eval_data(own)
        if has_data is False and off:
            values["eval_strategy"] = _convention(
                "eval_strategy", "no", conventions.SWIFT_NO_EVAL_WITHOUT_DATA, current
            )
        elif has_data is not True and off is None:
            values["eval_strategy"] = replace(
                current, value=Unknown(f"{use.framework} {version} may turn evaluation off")
            )
    eval_steps = values.get("eval_steps")
    strategy = values.get("eval_strategy")
    if (
        eval_steps is not None
        and not _written(eval_steps)
        and eval_steps.value is None
        and strategy is not None
        and strategy.value == "steps"
        and conventions.SWIFT_EVAL_STEPS_FOLLOW_SAVE.holds(version or options.version) is not False
    ):
        save_steps = values.get("save_steps")
        if save_steps is not None:
            values["eval_steps"] = _convention(
                "eval_steps", save_steps.value, conventions.SWIFT_EVAL_STEPS_FOLLOW_SAVE, eval_steps
            )


def _trl_conventions(values: dict[str, ResolvedValue], options: CommandOptions) -> None:
    """trl's configs turn ``bf16=None`` into ``not fp16`` (cited in ``framework_conventions``);
    only where the config's own default is None, the sign of that ``__post_init__``."""
    rule = conventions.TRL_BF16_UNLESS_FP16
    bf16, fp16 = values.get("bf16"), values.get("fp16")
    option = options.options.get("bf16")
    if bf16 is None or fp16 is None or option is None or option.default is not None:
        return
    if _written(bf16) or bf16.value is not None or not isinstance(fp16.value, bool):
        return
    if options.version and rule.holds(options.version) is not True:
        return
    values["bf16"] = _convention("bf16", not fp16.value, rule, bf16)


def swift_has_eval_data(values: Mapping[str, ResolvedValue]) -> bool | None:
    """Whether an ms-swift launch has validation data: ``--val_dataset``, ``--eval_dataset`` or
    ``--split_dataset_ratio`` above 0; None when a value is unknown."""
    unknown = False
    for name in ("val_dataset", "eval_dataset", "cached_val_dataset"):
        resolved = values.get(name)
        if resolved is None:
            continue
        if isinstance(resolved.value, Unknown):
            unknown = True
        elif resolved.value:
            return True
    ratio = values.get("split_dataset_ratio")
    if ratio is not None:
        if isinstance(ratio.value, Unknown):
            unknown = True
        elif isinstance(ratio.value, (int, float)) and not isinstance(ratio.value, bool):
            if ratio.value > 0:
                return True
        elif isinstance(ratio.value, str):
            try:
                if float(ratio.value) > 0:
                    return True
            except ValueError:
                unknown = True
    return None if unknown else False


def _convention(
    name: str, value: FieldValue, convention: conventions.Convention, previous: ResolvedValue
) -> ResolvedValue:
    return ResolvedValue(
        name,
        value,
        Origin(
            Layer.DATACLASS_DEFAULT,
            detail=f"({convention.framework} convention: {convention.name}, {convention.source}"
            f" in {convention.framework} {convention.first})",
        ),
        overrides=(previous, *previous.overrides),
    )
