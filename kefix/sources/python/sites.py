"""Where a Python launch's arguments sit: the call, dict or list holding them, element by element.

The renderer places, respells and removes arguments from this layout alone (spans of each
element and of the comma after it, and of the brackets), so every other character stays.
Plain data: reading it needs no parser.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import msgspec

from kefix.model import Span


class ContainerKind(enum.Enum):
    CALL = "call"  # keyword arguments: name=value
    DICT = "dict"  # a dict literal: "name": value
    LIST = "list"  # an argv list: "--name", "value"


class Element(msgspec.Struct, frozen=True):
    """One element of a container: its text without the comma, and the comma after it."""

    span: Span
    comma: Span | None


class Container(msgspec.Struct, frozen=True):
    """The brackets of a call's arguments, a dict or a list, and its elements in order."""

    kind: ContainerKind
    open: int  # offset of "(", "{" or "["
    close: int  # offset of ")", "}" or "]"
    elements: tuple[Element, ...]

    def index_at(self, offset: int) -> int | None:
        """The position of the element starting at ``offset`` (None: no element does)."""
        found = (i for i, element in enumerate(self.elements) if element.span.start == offset)
        return next(found, None)

    def index_ending_at(self, offset: int) -> int | None:
        found = (i for i, element in enumerate(self.elements) if element.span.end == offset)
        return next(found, None)


class SiteKind(enum.Enum):
    KEYWORDS = "keywords"  # a TrainingArguments(...) call, a parse_dict dict: name=value
    ARGV = "argv"  # an argv list: "--name", "value"
    SHELL = "shell"  # a command line in a string literal (os.system, shell=True)


class StringLiteral(msgspec.Struct, frozen=True):
    """A plain string literal whose characters are its value (no escapes): a bash command in
    it maps back onto the Python text one character for one."""

    span: Span
    content: Span
    quote: str  # the delimiter: ", ', triple quotes
    raw: bool


class Site(msgspec.Struct, frozen=True, eq=False):
    """Where one launch's arguments are written: the container of each argument (by its span),
    the container new ones go to when no neighbour is given, or the string of a command line."""

    kind: SiteKind
    holders: Mapping[Span, Container] = msgspec.field(default_factory=dict)
    home: Container | None = None
    literal: StringLiteral | None = None
