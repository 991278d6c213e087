"""A notebook's lines as users see them: line 3 of cell 4, not line 57 of the JSON file.

Reports show ``notebook.ipynb:cell 4:line 3``; suppression comments cover the next line of the
*cell*. Lines of all cells are numbered one after another with a blank line between two cells,
so a directive on a cell's last line reaches nothing (as before a blank line in a script).
``line_start``/``line_end`` are offsets in the file, where the line's first character and its
newline are encoded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import msgspec

from kefix.model import CellLocation, Location
from kefix.sources.notebook.cell_text import CellText


class _Line(msgspec.Struct, frozen=True):
    start: int  # file offset of the line's first character
    end: int  # file offset where its newline (or the end of its source) is encoded
    cell: CellText | None  # None: the blank line between two cells
    number: int = 0  # 1-based line in the cell
    cell_start: int = 0  # offset in the cell's text of the line's first character


class NotebookLines:
    """``CellLines`` of one notebook's text."""

    def __init__(self, text_length: int, cells: Sequence[CellText]) -> None:
        lines = [_Line(0, 0, None)]
        for cell in cells:
            if not cell.cell.literals:
                continue
            offset = 0
            for number, line in enumerate(cell.text.split("\n"), 1):
                end = offset + len(line)
                lines.append(
                    _Line(cell.file_offset(offset), cell.file_offset(end), cell, number, offset)
                )
                offset = end + 1
            # The blank line after the cell sits where its source ends: removing the cell's last
            # line "with its newline" stops there, inside the string.
            end_of_source = cell.file_offset(len(cell.text))
            lines.append(_Line(end_of_source, end_of_source, None))
        lines.append(_Line(text_length, text_length, None))
        self._lines = lines
        self._starts = [line.start for line in lines]

    def _index(self, offset: int) -> int:
        return max(bisect_right(self._starts, offset) - 1, 0)

    def location(self, offset: int) -> Location:
        index = self._index(offset)
        return Location(index + 1, max(offset - self._lines[index].start, 0) + 1)

    def line_start(self, line: int) -> int:
        return self._lines[line - 1].start

    def line_end(self, line: int) -> int:
        return self._lines[line - 1].end

    def cell_location(self, offset: int) -> CellLocation | None:
        line = self._lines[self._index(offset)]
        if line.cell is None or not line.cell.contains(offset):
            return None
        column = line.cell.cell_offset(offset) - line.cell_start + 1
        return CellLocation(line.cell.number, line.number, max(column, 1))
