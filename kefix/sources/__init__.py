"""Source adapters: one per language, each turning a file into launches and rendering fixes.

Everything after parsing (resolution, rules, suppressions, fix planning) works on ``Launch`` and
``Arg`` records and never looks at a language. An adapter owns the three things that do:

- ``parse``: the file's text to its launches (a bash command, a ``TrainingArguments(...)`` call,
  a config file's keys), each argument with the exact spans of its name and value;
- the edit primitives (set a value, insert, remove, rename an argument), written in the style
  the launch already uses, as edits of the original text;
- ``verify``: after a fix, that the new text reads exactly as the old one outside the
  launch's arguments (the fix engine checks the arguments themselves, for every language).

Adapters are imported on first use: a run over shell scripts never imports libcst or YAML.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import PurePath
from typing import Protocol

import msgspec

from kefix.model import (
    Arg,
    CellLines,
    DetachedArgs,
    Edit,
    Finding,
    Intent,
    Launch,
    Severity,
    Span,
)


class ParsedSource(msgspec.Struct, frozen=True):
    """What an adapter read from one file: its launches and the problems reading it (KF9xx)."""

    path: str
    launches: tuple[Launch, ...]
    problems: tuple[Finding, ...] = ()
    comments: tuple[Span, ...] = ()  # every comment, for suppression directives
    cells: CellLines | None = None  # a notebook's cell lines; None: the file's own lines


def could_not_parse(path: str, span: Span, message: str) -> Finding:
    """The KF901 finding of a file (or a statement in it) its adapter cannot read."""
    return Finding(
        code="KF901",
        name="could-not-parse",
        message=message,
        path=path,
        span=span,
        severity=Severity.ERROR,
    )


class CannotRender(Exception):
    """The intent has nothing to act on in this launch (e.g. a rename of a flag it lacks)."""


class ParserCrashed(Exception):
    """A parser crashed (in a guarded child process) on every try at reading a text; the file
    is reported as unreadable (KF902) and the run goes on."""


class SourceAdapter(Protocol):
    """One language: how its files are read, edited and checked after an edit."""

    kind: str

    def parse(self, path: str, text: str) -> ParsedSource:
        """Every launch in ``text``; a launch that cannot be read becomes a KF901 problem."""
        ...

    def set_value(
        self, text: str, launch: Launch, arg: Arg, name: str, value: str | bool
    ) -> list[Edit]:
        """Edits giving the field that ``arg`` sets the value ``value``."""
        ...

    def insert_arg(
        self, text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
    ) -> list[Edit]:
        """Edits adding ``name`` = ``value`` to the launch, after ``anchor`` when given."""
        ...

    def remove_arg(self, text: str, launch: Launch, arg: Arg) -> list[Edit]: ...

    def rename_arg(self, text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]: ...

    def repair(self, text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
        """Edits reattaching arguments a broken continuation cut off (bash only)."""
        ...

    def verify(
        self,
        before_text: str,
        after_text: str,
        old_launch: Launch,
        new_launch: Launch,
        intents: Sequence[Intent],
    ) -> str:
        """Why ``after_text`` differs from ``before_text`` other than in ``new_launch``'s
        arguments (or reads ambiguously); '' when it does not."""
        ...


# kind -> "module:attribute" of its adapter; a module is imported only when a file of its kind
# is read.
_ADAPTERS: dict[str, str] = {
    "bash": "kefix.sources.bash.adapter:BASH",
    "notebook": "kefix.sources.notebook.adapter:NOTEBOOK",
    "yaml": "kefix.sources.config.adapter:YAML",
    "json": "kefix.sources.config.adapter:JSON",
    "python": "kefix.sources.python.adapter:PYTHON",
}

# File suffix -> kind. Files without a suffix are read as bash when their shebang says so.
SUFFIX_KINDS: dict[str, str] = {
    ".sh": "bash",
    ".bash": "bash",
    ".ipynb": "notebook",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".py": "python",
}

# Kinds most of whose files are not launches at all (package.json, CI workflows, data): a file
# of these kinds is reported on only for what it contains, never for being unreadable, too big
# or a symlink kefix does not follow.
QUIET_KINDS = frozenset({"yaml", "json"})

_loaded: dict[str, SourceAdapter] = {}


def adapter_for(kind: str) -> SourceAdapter:
    """The adapter reading files of ``kind`` (``"bash"``, ...)."""
    if kind not in _loaded:
        module, attribute = _ADAPTERS[kind].split(":")
        _loaded[kind] = getattr(importlib.import_module(module), attribute)
    return _loaded[kind]


def has_adapter(kind: str) -> bool:
    """Whether an adapter for ``kind`` is registered (a notebook's Python cells wait for one)."""
    return kind in _ADAPTERS


def kind_of_suffix(path: PurePath) -> str | None:
    return SUFFIX_KINDS.get(path.suffix.lower())
