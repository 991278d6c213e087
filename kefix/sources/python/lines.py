"""Lines of Python source as Python counts them, for turning libcst/ast positions into offsets."""

from __future__ import annotations

import bisect
import re

# Python's tokenizer ends a line at \r\n, \n and a lone \r alike.
_PYTHON_NEWLINE = re.compile(r"\r\n?|\n")


class PythonLines:
    """Line starts as Python counts lines: a lone ``\\r`` ends a line too (libcst and ``ast``
    positions use these lines; ``LineIndex`` counts ``\\n`` only)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0, *(match.end() for match in _PYTHON_NEWLINE.finditer(text))]
        self._ends = [match.start() for match in _PYTHON_NEWLINE.finditer(text)] + [len(text)]

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self._starts[line - 1]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of ``line``, before its newline (if any)."""
        return self._ends[line - 1]

    def line_of(self, offset: int) -> int:
        """The 1-based line holding the character at ``offset``."""
        return bisect.bisect_right(self._starts, offset)

    def offset(self, line: int, byte_column: int) -> int:
        """An ``ast`` position (1-based line, UTF-8 byte column) as a character offset."""
        start = self._starts[line - 1]
        text = self._text[start : self._ends[line - 1]]
        if text.isascii():
            return start + byte_column
        encoded = text.encode("utf-8", "surrogatepass")[:byte_column]
        return start + len(encoded.decode("utf-8", "replace"))
