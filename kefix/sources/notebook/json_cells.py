"""Where each cell's ``source`` is in a notebook's raw JSON text, to the character.

``json.loads`` validates the file and says what it holds, but not where: a fix must rewrite a
cell's source in place and leave every other byte (outputs, metadata, key order, indentation)
as it was. A small scanner walks the text once more and records the span of every string
literal of every ``cells[i].source``; values kefix does not need (outputs with base64 images)
are skipped string by string with one regular expression, not character by character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from kefix.model import Span

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# The "unrolled loop" form: runs of plain characters matched at C speed (a 2 MB base64 output
# is one run), not one alternation per character.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Inside a container only strings (which may hold brackets) and brackets matter for its end.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_SCALAR = re.compile(r"[^\s,\]}]+")
_BOM = "\ufeff"


class NotANotebook(Exception):
    """The file is not JSON, or not a notebook kefix reads; ``offset`` is where it went wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class CellSource(msgspec.Struct, frozen=True):
    """One cell as the JSON text writes it.

    ``literals`` are the spans of the string literals of its ``source`` (quotes included), in
    order: one per line when ``source`` is a list (as Jupyter writes it), a single one when it
    is a string. ``value`` is the span of the whole ``source`` value.
    """

    index: int  # 0-based position in ``cells``
    cell_type: str
    value: Span
    literals: tuple[Span, ...]
    as_list: bool


class NotebookJson(msgspec.Struct, frozen=True):
    """The cells of a notebook and how its JSON escapes text."""

    cells: tuple[CellSource, ...]
    ensure_ascii: bool  # non-ASCII characters are written as \\uXXXX escapes


def read_notebook_json(text: str) -> NotebookJson:
    """The cells of the nbformat 4 notebook ``text``; ``NotANotebook`` when it is not one."""
    start = 1 if text.startswith(_BOM) else 0
    try:
        document = json.loads(text[start:])
    except json.JSONDecodeError as error:
        raise NotANotebook(f"not valid JSON: {error.msg}", start + error.pos) from None
    except RecursionError:
        raise NotANotebook("not valid JSON: nested too deeply", start) from None
    if not isinstance(document, dict):
        raise NotANotebook("not a notebook: the JSON is not an object", start)
    if "cells" not in document:
        if "worksheets" in document:
            raise NotANotebook("nbformat 3 notebook: kefix reads nbformat 4 (save it again)", 0)
        raise NotANotebook("not a notebook: it has no cells", start)
    expected = document["cells"]
    if not isinstance(expected, list):
        raise NotANotebook("not a notebook: cells is not a list", start)
    scanner = _Scanner(text, start)
    cells = scanner.notebook_cells()
    _check_against(text, cells, expected)
    return NotebookJson(cells, _escapes_non_ascii(text))


def _check_against(text: str, cells: tuple[CellSource, ...], expected: list[Any]) -> None:
    """The scanner and ``json.loads`` must read the same sources, or kefix edits nothing."""
    readable = [cell for cell in expected if isinstance(cell, dict)]
    if len(readable) != len(cells):
        raise NotANotebook("not a notebook: a cell is not an object", 0)
    for cell, loaded in zip(cells, readable, strict=True):
        source = loaded.get("source", [])
        decoded = [json.loads(text[span.start : span.end]) for span in cell.literals]
        wanted = source if isinstance(source, list) else [source]
        if decoded != wanted or cell.cell_type != loaded.get("cell_type", ""):
            raise NotANotebook(f"cell {cell.index + 1}: source is not text", cell.value.start)


def _escapes_non_ascii(text: str) -> bool:
    """Whether the file writes non-ASCII text as ``\\uXXXX`` (``json.dump``'s default) rather
    than as itself (nbformat's choice): new text is written the same way."""
    if re.search(r"[^\x00-\x7f]", text.removeprefix(_BOM)):
        return False
    return re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", text) is not None


class _Scanner:
    """Walks JSON text ``json.loads`` already accepted: no error handling beyond that."""

    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def notebook_cells(self) -> tuple[CellSource, ...]:
        cells: tuple[CellSource, ...] = ()
        for key in self._members():
            if key == "cells" and self._peek() == "[":
                cells = tuple(self._cells())  # a repeated key: the last one wins, as in json
            else:
                self._skip_value()
        return cells

    def _cells(self) -> Iterator[CellSource]:
        for index, _ in enumerate(self._elements()):
            if self._peek() != "{":
                self._skip_value()
                continue
            yield self._cell(index)

    def _cell(self, index: int) -> CellSource:
        cell_type = ""
        value = Span(self.position, self.position)
        literals: tuple[Span, ...] = ()
        as_list = True
        for key in self._members():
            if key == "cell_type" and self._peek() == '"':
                span = self._string()
                cell_type = str(json.loads(self.text[span.start : span.end]))
            elif key == "source" and self._peek() in ('"', "["):
                start = self.position
                as_list = self._peek() == "["
                if as_list:
                    literals = tuple(self._line_literal(index) for _ in self._elements())
                else:
                    literals = (self._string(),)
                value = Span(start, self.position)
            else:
                self._skip_value()
        return CellSource(index, cell_type, value, literals, as_list)

    def _line_literal(self, index: int) -> Span:
        if self._peek() != '"':
            raise NotANotebook(f"cell {index + 1}: source is not text", self.position)
        return self._string()

    def _peek(self) -> str:
        return self.text[self.position : self.position + 1]

    def _skip_whitespace(self) -> None:
        match = _WHITESPACE.match(self.text, self.position)
        assert match is not None  # an empty match always succeeds
        self.position = match.end()

    def _expect(self, character: str) -> None:
        self._skip_whitespace()
        if self._peek() != character:
            raise NotANotebook(f"unexpected {self._peek()!r}", self.position)
        self.position += 1

    def _string(self) -> Span:
        match = _STRING.match(self.text, self.position)
        if match is None:
            raise NotANotebook("unterminated string", self.position)
        self.position = match.end()
        return Span(match.start(), match.end())

    def _members(self) -> Iterator[str]:
        """The keys of the object at the position; the caller consumes each value."""
        self._expect("{")
        self._skip_whitespace()
        if self._peek() == "}":
            self.position += 1
            return
        while True:
            self._skip_whitespace()
            key = self._string()
            self._expect(":")
            self._skip_whitespace()
            yield str(json.loads(self.text[key.start : key.end]))
            self._skip_whitespace()
            if self._peek() == "}":
                self.position += 1
                return
            self._expect(",")

    def _elements(self) -> Iterator[None]:
        """One step per element of the array at the position; the caller consumes each."""
        self._expect("[")
        self._skip_whitespace()
        if self._peek() == "]":
            self.position += 1
            return
        while True:
            self._skip_whitespace()
            yield None
            self._skip_whitespace()
            if self._peek() == "]":
                self.position += 1
                return
            self._expect(",")

    def _skip_value(self) -> Span:
        self._skip_whitespace()
        start = self.position
        first = self._peek()
        if first == '"':
            return self._string()
        if first not in ("{", "["):
            match = _SCALAR.match(self.text, self.position)
            self.position = match.end() if match else self.position + 1
            return Span(start, self.position)
        depth = 0
        for match in _STRING_OR_BRACKET.finditer(self.text, self.position):
            token = match.group()
            if token in ("{", "["):
                depth += 1
            elif token in ("}", "]"):
                depth -= 1
                if depth == 0:
                    self.position = match.end()
                    return Span(start, self.position)
        raise NotANotebook("unterminated value", start)
