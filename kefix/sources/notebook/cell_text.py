"""A cell's source as Jupyter shows it, mapped character by character to the notebook file.

The source is a list of JSON string literals (one per line) or one literal; escapes (``\\n``,
``\\"``, ``\\\\``, ``\\u00e9``, ``\\/``, surrogate pairs) make a character of the cell one to
twelve characters of the file. ``CellText`` keeps, for every character of the cell's text, where
its encoding starts and ends in the file, so that spans found in the cell become spans of the
file, and edits of the cell become edits of the file that touch only the literals they change.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

import msgspec

from kefix.model import Edit, Span
from kefix.sources.notebook.json_cells import CellSource

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r"}
_SIMPLE_ESCAPES["t"] = "\t"


class CellText(msgspec.Struct, frozen=True):
    """The decoded source of one cell and where each of its characters is in the file.

    ``starts[i]`` / ``ends[i]``: the file offsets of the encoding of character ``i``;
    ``line_starts``: the cell offsets where each literal's text begins.
    """

    cell: CellSource
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    literal_starts: tuple[int, ...]
    separator: str  # between two line literals, as the file writes it: ',\n   '
    ensure_ascii: bool

    @property
    def number(self) -> int:
        """The cell's number as users count cells: 1-based, every cell (markdown too)."""
        return self.cell.index + 1

    def file_offset(self, offset: int) -> int:
        """Where character ``offset`` of the cell starts in the file (the end of the source's
        last literal for the end of the text)."""
        if offset < len(self.text):
            return self.starts[offset]
        if self.cell.literals:
            return self.cell.literals[-1].end - 1
        return self.cell.value.start

    def file_span(self, span: Span) -> Span:
        """``span`` of the cell's text as a span of the file (an empty span stays empty)."""
        start = self.file_offset(span.start)
        if span.end <= span.start:
            return Span(start, start)
        return Span(start, self.ends[span.end - 1])

    def cell_offset(self, file_offset: int) -> int:
        """The character of the cell whose encoding holds ``file_offset`` (or that follows it)."""
        index = bisect_right(self.starts, file_offset) - 1
        if index < 0:
            return 0
        return index if file_offset < self.ends[index] else index + 1

    def contains(self, file_offset: int) -> bool:
        return self.cell.value.start <= file_offset < self.cell.value.end

    def file_edit(self, edit: Edit) -> Edit:
        """``edit`` of the cell's text as an edit of the file.

        The file span runs from where the edit's first character is encoded to where the
        character after it is: an edit across a line boundary takes the boundary (closing quote,
        comma, opening quote) along, so the lines it joins become one literal. In a list of
        lines, every newline the new text brings that is followed by more text ends its literal
        and opens the next one, written with the file's own separator and escaping.
        """
        if self.cell.as_list and not self.cell.literals:
            # `"source": []`: no literal to write into and no layout to copy; a compact list.
            lines = re.findall(r"[^\n]*\n|[^\n]+$", edit.text)
            return Edit(self.cell.value, json.dumps(lines, ensure_ascii=self.ensure_ascii))
        start = self.file_offset(edit.span.start)
        end = self.file_offset(edit.span.end)
        at_end = edit.span.end == len(self.text)
        encoded = self.encode(edit.text, more_follows=not at_end)
        if self.cell.as_list and at_end and edit.span.start > 0:
            if edit.text and self.text.endswith("\n") and edit.span.start == len(self.text):
                # After the last line's newline: the new text is a line of its own.
                encoded = '"' + self.separator + '"' + encoded
            elif not edit.text and edit.span.start in self.literal_starts:
                # Whole last lines removed: their literals go too, not just their text.
                previous = self.literal_starts.index(edit.span.start) - 1
                start = self.cell.literals[previous].end - 1
        return Edit(Span(start, end), encoded)

    def encode(self, text: str, *, more_follows: bool) -> str:
        """``text`` as the inside of the cell's string literals."""
        if not self.cell.as_list:
            return _escape(text, self.ensure_ascii)
        pieces = re.split(r"(?<=\n)", text)
        encoded = []
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            encoded.append(_escape(piece, self.ensure_ascii))
            last = index == len(pieces) - 1 or not any(pieces[index + 1 :])
            if piece.endswith("\n") and (not last or more_follows):
                encoded.append('"' + self.separator + '"')
        return "".join(encoded)


def _escape(text: str, ensure_ascii: bool) -> str:
    return json.dumps(text, ensure_ascii=ensure_ascii)[1:-1]


def read_cell_text(file_text: str, cell: CellSource, ensure_ascii: bool) -> CellText:
    """The decoded source of ``cell`` with its offset map."""
    chunks: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    literal_starts: list[int] = []
    length = 0
    for literal in cell.literals:
        literal_starts.append(length)
        position, stop = literal.start + 1, literal.end - 1
        while position < stop:
            backslash = file_text.find("\\", position, stop)
            if backslash == -1:
                backslash = stop
            if backslash > position:
                chunks.append(file_text[position:backslash])
                starts.extend(range(position, backslash))
                ends.extend(range(position + 1, backslash + 1))
                length += backslash - position
            if backslash == stop:
                break
            character, position = _decode_escape(file_text, backslash, stop)
            chunks.append(character)
            starts.append(backslash)
            ends.append(position)
            length += 1
    return CellText(
        cell,
        "".join(chunks),
        tuple(starts),
        tuple(ends),
        tuple(literal_starts),
        _separator(file_text, cell),
        ensure_ascii,
    )


def _decode_escape(text: str, position: int, stop: int) -> tuple[str, int]:
    """The character the escape at ``position`` stands for, and the offset after it."""
    match = _ESCAPE.match(text, position, stop)
    if match is None:  # json.loads accepted the literal: cannot happen
        raise ValueError(f"bad escape at {position}")
    if match.group(2) is not None:
        return _SIMPLE_ESCAPES[match.group(2)], match.end()
    code = int(match.group(1), 16)
    if 0xD800 <= code < 0xDC00:
        low = _ESCAPE.match(text, match.end(), stop)
        if low is not None and low.group(1) is not None:
            low_code = int(low.group(1), 16)
            if 0xDC00 <= low_code < 0xE000:
                combined = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
                return chr(combined), low.end()
    return chr(code), match.end()


def _separator(text: str, cell: CellSource) -> str:
    """What the file writes between two line literals of this source: the text between its
    first two, or a comma and the whitespace before its only one."""
    literals = cell.literals
    if len(literals) >= 2:
        return text[literals[0].end : literals[1].start]
    if literals and cell.as_list:
        return "," + text[cell.value.start + 1 : literals[0].start]
    return ",\n"
