"""A YAML or JSON document as nodes with exact character spans: what the readers produce.

Both readers give the same shapes so that discovery, the launch builder, rendering and
verification do not care which syntax a file is written in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

import msgspec

from kefix.model import Span


class ConfigSyntaxError(ValueError):
    """The text is not a document of its syntax; ``offset`` is where reading stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Unconstructable:
    """The data of a node with a tag ``safe_load`` cannot construct (``!Ref``, ``!!python/…``)."""

    def __repr__(self) -> str:
        return "<unconstructable>"


UNCONSTRUCTABLE = _Unconstructable()


class NodeKind(enum.Enum):
    SCALAR = "scalar"
    SEQUENCE = "sequence"
    MAPPING = "mapping"


class Node(msgspec.Struct, frozen=True):
    """One value of a document.

    ``span`` covers the value as written (quotes included, a YAML anchor or tag excluded).
    ``data`` is what the file's usual loader makes of a scalar (``yaml.safe_load``,
    ``json.load``); ``style`` is ``''`` (plain), ``'"'``, ``"'"``, ``'|'`` or ``'>'`` for scalars
    and ``'block'`` or ``'flow'`` for collections. ``editable`` is False for nodes an edit must
    not touch: a YAML alias (its span is the anchor's), an anchored or tagged node.
    """

    kind: NodeKind
    span: Span
    data: object = None
    style: str = ""
    tag: str = ""
    entries: tuple[Entry, ...] = ()
    items: tuple[Node, ...] = ()
    editable: bool = True

    def get(self, key: str) -> Node | None:
        """The value of the last entry named ``key`` (the loaders keep the last duplicate)."""
        found = None
        for entry in self.entries:
            if entry.key == key:
                found = entry.value
        return found

    def find(self, dotted: str) -> tuple[Entry | None, Node | None]:
        """The entry at a dotted path (``fp16.enabled``) and the mapping holding it."""
        node: Node | None = self
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = None if node is None else node.get(part)
            if node is None or node.kind is not NodeKind.MAPPING:
                return None, None
        if node is None:
            return None, None
        entry = next((e for e in reversed(node.entries) if e.key == parts[-1]), None)
        return entry, node


class Entry(msgspec.Struct, frozen=True):
    """A key of a mapping with its value; ``key_span`` covers the key as written (quotes too)."""

    key: str
    key_span: Span
    key_style: str
    value: Node

    @property
    def span(self) -> Span:
        return Span(self.key_span.start, self.value.span.end)


class Document(msgspec.Struct, frozen=True):
    """A parsed config file: its text, syntax (``"yaml"`` or ``"json"``) and root node."""

    text: str
    syntax: str
    root: Node

    def top_entries(self) -> Iterator[Entry]:
        if self.root.kind is NodeKind.MAPPING:
            yield from self.root.entries
