"""An exact JSON reader: nodes with the character spans of every key and value.

``json.loads`` gives no positions; PyYAML's composer gives them but rejects tabs and other valid
JSON, so this is a small recursive-descent reader of its own. It accepts what ``json.load``
accepts (NaN and Infinity included) and nothing else; every scalar's ``data`` is ``json.loads``
of its token, so values read exactly as HfArgumentParser's ``parse_json_file`` reads them.
"""

from __future__ import annotations

import json
import re

from kefix.model import Span
from kefix.sources.config.document import ConfigSyntaxError, Document, Entry, Node, NodeKind

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = (("true", True), ("false", False), ("null", None), ("NaN", float("nan")))
_INFINITY = re.compile(r"-?Infinity")
# Deeper than any config; keeps hostile input from exhausting the interpreter's stack.
_MAX_DEPTH = 200


def read_json(text: str) -> Document:
    """The document in ``text``; raises ``ConfigSyntaxError`` where it is not JSON."""
    reader = _Reader(text)
    position = reader.skip(0)
    root, position = reader.value(position, 0)
    position = reader.skip(position)
    if position != len(text):
        raise ConfigSyntaxError("extra data after the JSON value", position)
    return Document(text, "json", root)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, position: int) -> int:
        match = _WHITESPACE.match(self.text, position)
        return position if match is None else match.end()

    def expect(self, position: int, character: str) -> int:
        if self.text[position : position + 1] != character:
            found = self.text[position : position + 1] or "the end of the file"
            raise ConfigSyntaxError(f"expected {character!r}, found {found!r}", position)
        return position + 1

    def value(self, position: int, depth: int) -> tuple[Node, int]:
        if depth > _MAX_DEPTH:
            raise ConfigSyntaxError("nested too deeply", position)
        character = self.text[position : position + 1]
        if character == "{":
            return self.mapping(position, depth)
        if character == "[":
            return self.sequence(position, depth)
        if character == '"':
            return self.string(position)
        return self.scalar(position)

    def string(self, position: int) -> tuple[Node, int]:
        match = _STRING.match(self.text, position)
        if match is None:
            raise ConfigSyntaxError("unterminated or invalid string", position)
        data = json.loads(match.group())
        return Node(NodeKind.SCALAR, Span(position, match.end()), data, '"', "str"), match.end()

    def scalar(self, position: int) -> tuple[Node, int]:
        for word, data in _LITERALS:
            if self.text.startswith(word, position):
                end = position + len(word)
                tag = "bool" if isinstance(data, bool) else "null" if data is None else "float"
                return Node(NodeKind.SCALAR, Span(position, end), data, "", tag), end
        infinity = _INFINITY.match(self.text, position)
        if infinity is not None:
            data = json.loads(infinity.group())
            return Node(NodeKind.SCALAR, Span(position, infinity.end()), data, "", "float"), (
                infinity.end()
            )
        number = _NUMBER.match(self.text, position)
        if number is None or number.end() == position:
            found = self.text[position : position + 1] or "the end of the file"
            raise ConfigSyntaxError(f"expected a value, found {found!r}", position)
        data = json.loads(number.group())
        tag = "int" if isinstance(data, int) else "float"
        return Node(NodeKind.SCALAR, Span(position, number.end()), data, "", tag), number.end()

    def sequence(self, start: int, depth: int) -> tuple[Node, int]:
        items: list[Node] = []
        position = self.skip(start + 1)
        if self.text[position : position + 1] == "]":
            end = position + 1
            return Node(NodeKind.SEQUENCE, Span(start, end), [], "flow", "seq"), end
        while True:
            item, position = self.value(self.skip(position), depth + 1)
            items.append(item)
            position = self.skip(position)
            if self.text[position : position + 1] == ",":
                position += 1
                continue
            end = self.expect(position, "]")
            data = [node.data for node in items]
            return Node(
                NodeKind.SEQUENCE, Span(start, end), data, "flow", "seq", items=tuple(items)
            ), end

    def mapping(self, start: int, depth: int) -> tuple[Node, int]:
        entries: list[Entry] = []
        position = self.skip(start + 1)
        if self.text[position : position + 1] == "}":
            end = position + 1
            return Node(NodeKind.MAPPING, Span(start, end), {}, "flow", "map"), end
        while True:
            position = self.skip(position)
            if self.text[position : position + 1] != '"':
                raise ConfigSyntaxError("expected a string key", position)
            key, position = self.string(position)
            position = self.expect(self.skip(position), ":")
            value, position = self.value(self.skip(position), depth + 1)
            entries.append(Entry(str(key.data), key.span, '"', value))
            position = self.skip(position)
            if self.text[position : position + 1] == ",":
                position += 1
                continue
            end = self.expect(position, "}")
            data = {entry.key: entry.value.data for entry in entries}
            return Node(
                NodeKind.MAPPING, Span(start, end), data, "flow", "map", entries=tuple(entries)
            ), end
