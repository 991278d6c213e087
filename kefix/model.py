"""The shared vocabulary of the pipeline: what adapters read, rules check and fixes change.

Every stage speaks in these types so that a new source language, rule or output format plugs in
without touching the others. Values are frozen: they flow one way through the pipeline.

Records are ``msgspec.Struct`` classes (across kefix), not dataclasses: a Struct class is built
in C (~0.015 ms), a frozen dataclass by an ``exec`` per generated method (~0.7 ms), and a
one-script run creates ~80 record classes at start-up. The few records with a field left out
of equality (``field(compare=False)``) name it in ``PartlyCompared.uncompared``.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
from collections.abc import Mapping
from typing import ClassVar, Protocol

import msgspec

from kefix.partial_equality import PartlyCompared


class Span(msgspec.Struct, frozen=True):
    """A half-open range ``[start, end)`` of character offsets in a file's decoded text."""

    start: int
    end: int


class Location(msgspec.Struct, frozen=True):
    """A 1-based line and column, as shown to users (``path:line:col``)."""

    line: int
    column: int


class LineIndex:
    """Maps character offsets of one text to lines and columns, and back."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(match.end() for match in re.finditer("\n", text))]
        self._length = len(text)

    @staticmethod
    @functools.lru_cache(maxsize=32)
    def of(text: str) -> LineIndex:
        """The index of ``text``, built once: resolving each launch for each target release and
        reporting each finding all ask for the lines of the same few files."""
        return LineIndex(text)

    def location(self, offset: int) -> Location:
        line = bisect.bisect_right(self._starts, offset) - 1
        return Location(line + 1, offset - self._starts[line] + 1)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self._starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of ``line``, before its newline (if any)."""
        if line < len(self._starts):
            return self._starts[line] - 1
        return self._length


class Lines(Protocol):
    """Line lookups over a file's text: ``LineIndex`` for its own lines, or the lines a user
    sees when they are not the file's (a notebook's cells, whose text is inside JSON strings).
    Suppression comments follow these lines."""

    def location(self, offset: int) -> Location: ...

    def line_start(self, line: int) -> int: ...

    def line_end(self, line: int) -> int: ...


class CellLocation(msgspec.Struct, frozen=True):
    """Where an offset of a notebook is as Jupyter shows it: the cell (1-based, counting every
    cell, markdown too) and the line and column inside the cell's source."""

    cell: int
    line: int
    column: int


class CellLines(Lines, Protocol):
    """``Lines`` of a notebook: its cells' lines, numbered one after the other (a blank line
    between two cells, so that a suppression comment never reaches into the next cell)."""

    def cell_location(self, offset: int) -> CellLocation | None:
        """None for an offset outside every cell's source (the notebook's own JSON)."""
        ...


class Unknown(msgspec.Struct, frozen=True):
    """A value kefix cannot know statically; ``expression`` is the text that made it unknown."""

    expression: str

    def __str__(self) -> str:
        return f"<unknown: {self.expression}>"


# A field value after parsing it the way HfArgumentParser would.
Scalar = str | int | float | bool | None
FieldValue = Scalar | tuple[str, ...] | Unknown


class ArgStyle(enum.Enum):
    """How a flag carries its value on the command line."""

    SPACE = "space"  # --k v
    EQUALS = "equals"  # --k=v
    BARE = "bare"  # --k
    KEY = "key"  # k: v, a key of a config file
    OVERRIDE = "override"  # k=v, an OmegaConf override after a config file (llamafactory-cli)
    KEYWORD = "keyword"  # k=v in a Python call, "k": v in a dict: a typed value, see Arg.typed


class TypedValue(msgspec.Struct, frozen=True):
    """A value as a typed source wrote it (a Python literal, a dict entry): TrainingArguments
    takes it as it is, without HfArgumentParser's string conversion (``"false"`` stays a
    truthy string, ``None`` is ``None``)."""

    value: FieldValue


class Arg(msgspec.Struct, frozen=True):
    """One flag of a launch as written: ``--evaluation_strategy "no"``.

    ``name`` is the flag without leading dashes, exactly as spelled (dashes inside kept).
    ``values`` holds the raw words after the flag (usually one; none for a bare flag, several
    for list fields); each word is its shell-expanded text or ``Unknown``. A keyword argument
    (``eval_strategy="no"``) has its field as ``name``, its value as the flag would write it in
    ``values`` (``True`` -> ``"True"``), and the value itself in ``typed``.
    """

    name: str
    values: tuple[str | Unknown, ...]
    style: ArgStyle
    span: Span
    flag_span: Span
    value_spans: tuple[Span, ...] = ()
    typed: TypedValue | None = None  # set by typed sources; None for command-line words


class ConfigRef(msgspec.Struct, frozen=True):
    """A config file a launch names: ``llamafactory-cli train cfg.yaml``, ``python train.py
    cfg.json``, ``--config cfg.yaml``. ``path`` as written, ``span`` the word that names it."""

    path: str
    span: Span
    flag: str = ""  # the flag that names it (``config``), '' for a positional file


class Launch(msgspec.Struct, frozen=True):
    """A start of a training entry point found in a source file.

    ``entry`` is the script path or module as written (``src/finetune.py``, ``pkg.train``) or the
    CLI name (``llamafactory-cli train``) for launchers that take TrainingArguments flags
    themselves. ``opaque`` lists arguments whose words kefix cannot see (``"$@"``, ``$ARGS``):
    any field not set explicitly may be set by them. A config file checked on its own is a
    launch too (``entry_kind`` ``"config"``, ``launcher`` its format), its keys the arguments.
    """

    path: str
    span: Span
    launcher: str
    entry: str | None
    entry_kind: str  # "script" | "module" | "cli" | "config" | "call" (TrainingArguments(...))
    args: tuple[Arg, ...]
    ordinal: int
    workdir_hints: tuple[str, ...] = ()
    opaque: tuple[Span, ...] = ()
    detached: tuple[DetachedArgs, ...] = ()
    config_files: tuple[ConfigRef, ...] = ()  # read before the flags, which override them


class BreakKind(enum.Enum):
    """Why a ``\\``-continued launch lost some of its lines."""

    COMMENT_LINE = "a comment line inside the continuation"
    SPACE_AFTER_BACKSLASH = "a space after the trailing backslash"
    MISSING_BACKSLASH = "a missing trailing backslash"
    GLUED_BACKSLASH = "a backslash glued to a value joins the next line into it"
    TRAILING_COMMENT = "a comment at the end of a continued line"


class DetachedArgs(msgspec.Struct, frozen=True):
    """Training flags a broken continuation separates from their launch.

    ``at`` is the span of the break itself (the comment line, the stray space, the line end that
    lacks its backslash); ``names`` are the flags that never reach the launch.
    """

    kind: BreakKind
    at: Span
    names: tuple[str, ...]


class Layer(enum.Enum):
    """Where a value of the effective configuration comes from, lowest precedence first."""

    TRANSFORMERS_DEFAULT = "transformers default"
    DATACLASS_DEFAULT = "dataclass default"
    CONFIG_FILE = "config file"
    COMMAND_LINE = "command-line flag"


class Origin(msgspec.Struct, frozen=True):
    """The layer, file and line a value was set in."""

    layer: Layer
    path: str | None = None
    line: int | None = None
    detail: str = ""
    label: str = ""  # how the layer is named where ``layer.value`` would mislead ("keyword")
    cell: CellLocation | None = None  # in a notebook: where ``line`` is as Jupyter shows it

    def describe(self) -> str:
        """Provenance text of findings and reports: ``dataclass default, src/utils/args.py:14``
        (``train.ipynb:cell 5:line 10`` in a notebook)."""
        text = self.label or self.layer.value
        if self.detail:
            text += f" {self.detail}"
        if self.path is not None and self.cell is not None:
            text += f", {self.path}:cell {self.cell.cell}:line {self.cell.line}"
        elif self.path is not None:
            text += f", {self.path}" + (f":{self.line}" if self.line is not None else "")
        return text


class FlagStatus(enum.Enum):
    """What the launched parser makes of a flag."""

    FIELD = "field"  # sets a TrainingArguments field
    OTHER = "other"  # a field of another dataclass of the parser (model, data, ...)
    UNKNOWN = "unknown"  # no dataclass kefix knows of has it
    AMBIGUOUS = "ambiguous"  # a prefix of several options: argparse rejects it


class FlagRecord(msgspec.Struct, frozen=True):
    """One flag of a launch as the launched parser reads it."""

    arg: Arg
    field: str | None  # the TrainingArguments field it sets
    value: FieldValue
    status: FlagStatus
    candidates: tuple[str, ...] = ()  # options an abbreviation could stand for
    error: str = ""  # what HfArgumentParser says about the value when it rejects it


class ResolvedValue(msgspec.Struct, frozen=True):
    """One field of the effective configuration, with where it came from."""

    name: str
    value: FieldValue
    origin: Origin
    arg: Arg | None = None  # what writes it in the launch itself (None: a default, a named file)
    overrides: tuple[ResolvedValue, ...] = ()  # the lower layers this value replaced, latest first


class FrameworkUse(PartlyCompared, frozen=True):
    """The framework CLI a launch runs (``swift sft``), the release kefix checks it against and
    why, and what kefix knows of that release: ``known`` False when it has neither knowledge nor
    source for it (then no flag may be called unknown). ``options`` are the framework's own
    options; ``uncertain`` names that may or may not be options of the release; ``values`` the
    framework options that are no TrainingArguments field (``val_size``), with origins."""

    framework: str
    command: str
    version: str
    reason: str
    source: str = ""
    options: frozenset[str] = frozenset()
    uncertain: frozenset[str] = frozenset()
    training_base: str | None = None
    known: bool = False
    values: Mapping[str, ResolvedValue] = msgspec.field(default_factory=dict)
    # Keys of the config files the launch names, each with the ``path:line`` that writes it.
    config_keys: Mapping[str, str] = msgspec.field(default_factory=dict)

    uncompared: ClassVar[frozenset[str]] = frozenset({"values", "config_keys"})


class DeepSpeedConfig(msgspec.Struct, frozen=True):
    """The DeepSpeed config a launch passes (``--deepspeed ds.json``): its leaf values by dotted
    key (``fp16.enabled``) as ``json.load`` reads them, with the line of each. ``path`` is None
    for an inline JSON string."""

    path: str | None
    values: Mapping[str, object]
    lines: Mapping[str, int]
    written: str = ""  # the path as the launch writes it, for messages


class EffectiveConfig(PartlyCompared, frozen=True):
    """The TrainingArguments a launch would construct, as far as kefix can know them statically."""

    launch: Launch
    values: Mapping[str, ResolvedValue]
    entry_path: str | None = None
    notes: tuple[str, ...] = ()
    flags: tuple[FlagRecord, ...] = ()
    parser_known: bool = False  # every dataclass of the launched parser was read
    keeps_unknown_flags: bool = False  # parsed with return_remaining_strings=True
    other_options: frozenset[str] = frozenset()  # fields of the parser's other dataclasses
    version: str = ""  # the transformers release this configuration is resolved for
    framework: FrameworkUse | None = None  # the framework CLI the launch runs, if any
    deepspeed: DeepSpeedConfig | None = None  # the DeepSpeed config the launch passes, read
    # For a DeepSpeed config checked on its own: the launches of this run that pass it.
    deepspeed_users: tuple[EffectiveConfig, ...] = ()
    # Fields the rules looked at, so a report can show every value a verdict rests on.
    read: set[str] = msgspec.field(default_factory=set)

    uncompared: ClassVar[frozenset[str]] = frozenset({"read"})
    unshown: ClassVar[frozenset[str]] = frozenset({"read"})

    def get(self, name: str) -> ResolvedValue | None:
        self.read.add(name)
        return self.values.get(name)

    def value(self, name: str) -> FieldValue:
        resolved = self.get(name)
        return None if resolved is None else resolved.value

    def is_explicit(self, name: str) -> bool:
        """True when the value was written in the launch itself (its flags, or the keys of a
        config file checked on its own), not inherited from a default or a file it names."""
        resolved = self.get(name)
        return resolved is not None and resolved.arg is not None


# ----------------------------------------------------------------------------- fix intents


class SetArg(msgspec.Struct, frozen=True):
    """Give field ``name`` the value ``value``: rewrite its flag or insert one.

    ``near`` names fields whose flags the new one should sit next to, in order of preference.
    """

    name: str
    value: str | bool
    near: tuple[str, ...] = ()


class RemoveArg(msgspec.Struct, frozen=True):
    """Remove every flag that sets field ``name`` (but the last one, with ``keep_last``)."""

    name: str
    keep_last: bool = False


class RenameArg(msgspec.Struct, frozen=True):
    """Spell the flag of ``old`` as ``new``, keeping its value."""

    old: str
    new: str


class RepairContinuation(msgspec.Struct, frozen=True):
    """Reattach flags a broken ``\\``-continuation cut off from their launch."""

    detached: DetachedArgs


class ReplaceText(msgspec.Struct, frozen=True):
    """Replace ``span`` of the text by ``text``: for kefix's own comments (an unused
    suppression), which belong to no launch and need no rendering in the launch's style."""

    span: Span
    text: str


Intent = SetArg | RemoveArg | RenameArg | RepairContinuation | ReplaceText


class Applicability(enum.Enum):
    """ruff's fix classes: safe fixes keep what training does, unsafe ones change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Fix(msgspec.Struct, frozen=True):
    """What a rule proposes, as intents; the owning adapter renders it in the file's style."""

    description: str
    intents: tuple[Intent, ...]
    applicability: Applicability


class Severity(enum.Enum):
    ERROR = "error"  # transformers rejects the configuration
    WARNING = "warning"  # the run starts but does something the user did not mean


class Finding(msgspec.Struct, frozen=True):
    """A problem in one launch (or one file, for kefix's own KF9xx diagnostics)."""

    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: Severity
    launch: Launch | None = None
    origin_note: str = ""
    fix: Fix | None = None
    subject: str = ""

    @property
    def key(self) -> tuple[str, int, str]:
        """Identity that survives re-parsing the fixed text, used to verify fixes."""
        ordinal = -1 if self.launch is None else self.launch.ordinal
        return (self.code, ordinal, self.subject or self.message)


class Edit(msgspec.Struct, frozen=True):
    """Replace ``span`` of a file's text by ``text``."""

    span: Span
    text: str
