"""A code cell split into the languages IPython runs it as: shell commands and Python.

IPython reads a cell before Python does: a cell starting with ``%%bash`` (``%%sh``,
``%%script bash``) is a bash script; in any other cell, a logical line starting with ``!``
(``!!``, ``%sx``, ``%system``, or ``name = !cmd``) is a shell command, ``\\``-continued lines
included, and a line starting with ``%`` is a line magic. Each language gets a *piece*: a view
of the cell with the same length, in which everything that is not its own text is blanked
(newlines kept), so offsets in a view are offsets in the cell and each adapter parses plain
bash or plain Python. A shell command or magic becomes ``0`` in the Python view, which keeps an
indented block valid.

In ``!`` commands IPython substitutes ``{expression}`` and ``$name`` from the Python namespace
before the shell sees them: the bash view turns ``{expression}`` into a shell variable of the
same length, so that bash reads an unknown value (or, unquoted, words it cannot see).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator

import msgspec

from kefix.model import Span

_BASH_CELL_MAGICS = frozenset({"bash", "sh"})
_SCRIPT_SHELLS = frozenset({"bash", "sh", "/bin/bash", "/bin/sh", "/usr/bin/bash"})
# Cell magics whose body is still Python run in the kernel; any other (%%writefile, %%html,
# %%javascript, %%script python3 ...) holds text kefix does not read.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})
_CELL_MAGIC = re.compile(r"[ \t]*%%(?P<name>\w+)(?P<args>[^\n]*)")
_SHELL_ESCAPE = re.compile(
    r"(?:[A-Za-z_][\w.]*[ \t]*=[ \t]*)?(?P<escape>!!?|%sx\b|%system\b)(?P<gap>[ \t]*)"
)
_LINE_MAGIC = re.compile(r"%(?P<name>\w+)(?P<args>[^\n]*)")
# ``{expression}`` IPython substitutes in a ``!`` command; ``{{``/``}}`` are literal braces and
# ``${NAME}`` is left to the shell.
_INTERPOLATION = re.compile(r"\{\{|\}\}|(?<!\$)\{[^{}\n]+\}")


class Piece(msgspec.Struct, frozen=True):
    """One language's part of a cell.

    ``view`` has the cell's length; ``owned`` are the ranges of the cell's text that are this
    piece's own, the only ones its edits may change.
    """

    kind: str  # the adapter that reads it: "bash" or "python"
    view: str
    owned: tuple[Span, ...]
    interpolated: bool = False  # a ``!`` command: IPython expands {expression} and $name


class CellCode(msgspec.Struct, frozen=True):
    """The pieces of a cell in order of their start, and the ``%cd`` magics it runs."""

    pieces: tuple[Piece, ...]
    directories: tuple[tuple[int, str], ...] = ()  # (offset, directory) of each static %cd


def split_cell(text: str) -> CellCode:
    """The pieces of a code cell's text (none for a cell magic kefix does not read)."""
    lines = _lines(text)
    first = next((i for i, (start, end) in enumerate(lines) if text[start:end].strip()), None)
    start_line = 0
    if first is not None:
        start, end = lines[first]
        magic = _CELL_MAGIC.fullmatch(text, start, end)
        if magic is not None:
            name = magic.group("name")
            interpreter = (magic.group("args").split() or [""])[0]
            body = min(end + 1, len(text))
            if name in _BASH_CELL_MAGICS or (name == "script" and interpreter in _SCRIPT_SHELLS):
                view = _blank(text[:body]) + text[body:]
                return CellCode((Piece("bash", view, (Span(body, len(text)),)),))
            if name not in _PYTHON_CELL_MAGICS:
                return CellCode(())
            start_line = first + 1
    return _split_python_cell(text, lines, start_line)


def _split_python_cell(text: str, lines: list[tuple[int, int]], first: int) -> CellCode:
    """Lines before ``first`` hold a cell magic (``%%time``) the Python view leaves out."""
    python = list(text)
    foreign: list[Span] = []
    if first:
        body = lines[first][0] if first < len(lines) else len(text)
        foreign.append(Span(0, body))
        _replace_with_zero(python, 0, body)
    shells: list[Piece] = []
    directories: list[tuple[int, str]] = []
    statement = _StatementTracker()
    index = first
    while index < len(lines):
        start, end = lines[index]
        indent = len(text[start:end]) - len(text[start:end].lstrip(" \t"))
        column = start + indent
        shell = _SHELL_ESCAPE.match(text, column, end) if statement.at_start else None
        magic = _LINE_MAGIC.match(text, column, end) if statement.at_start else None
        if shell is None and magic is None:
            statement.feed(text[start:end])
            index += 1
            continue
        last = index
        while text[lines[last][0] : lines[last][1]].endswith("\\") and last + 1 < len(lines):
            last += 1  # IPython joins a `\`-continued escaped line with the next one
        stop = lines[last][1]
        if shell is not None:
            escape = shell.start("escape")
            command = Span(shell.end(), stop)
            shells.append(Piece("bash", _bash_view(text, command), (command,), interpolated=True))
            foreign.append(Span(escape, stop))
            _replace_with_zero(python, escape, stop)
        else:
            foreign.append(Span(column, stop))
            _replace_with_zero(python, column, stop)
            if magic is not None and magic.group("name") == "cd":
                directory = magic.group("args").strip().strip("'\"")
                if directory and not re.search(r"[$'\"{]", directory):
                    directories.append((column, directory))
        index = last + 1
    owned = _complement(foreign, len(text))
    python_piece = Piece("python", "".join(python), owned)
    pieces = sorted(
        [python_piece, *shells], key=lambda piece: piece.owned[0].start if piece.owned else 0
    )
    return CellCode(tuple(pieces), tuple(directories))


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, the newline excluded."""
    starts = [0, *(match.end() for match in re.finditer("\n", text))]
    ends = [start - 1 for start in starts[1:]] + [len(text)]
    return list(zip(starts, ends, strict=True))


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _bash_view(text: str, command: Span) -> str:
    """The cell blanked but for ``command``, whose IPython substitutions become variables."""
    inner = _INTERPOLATION.sub(_placeholder, text[command.start : command.end])
    return _blank(text[: command.start]) + inner + _blank(text[command.end :])


def _placeholder(match: re.Match[str]) -> str:
    """``{lr}`` -> ``$___``: a shell variable as long as the substitution, unknown to bash."""
    written = match.group()
    return written if written in ("{{", "}}") else "$" + "_" * (len(written) - 1)


def has_interpolation(text: str) -> bool:
    """Whether IPython would substitute something in ``text`` of a ``!`` command."""
    return "$" in text or any(m.group() not in ("{{", "}}") for m in _INTERPOLATION.finditer(text))


def _replace_with_zero(characters: list[str], start: int, end: int) -> None:
    """Blank ``[start, end)``, a ``0`` first: an expression statement where a command was."""
    for position in range(start, end):
        if characters[position] != "\n":
            characters[position] = " "
    if start < end and characters[start] == " ":
        characters[start] = "0"


def _complement(spans: list[Span], length: int) -> tuple[Span, ...]:
    result: list[Span] = []
    position = 0
    for span in sorted(spans, key=lambda span: span.start):
        if span.start > position:
            result.append(Span(position, span.start))
        position = max(position, span.end)
    if position < length:
        result.append(Span(position, length))
    return tuple(result)


class _StatementTracker:
    """Whether the next line starts a Python statement: not inside brackets, a string or a
    ``\\`` continuation (only there does IPython read ``!`` and ``%``)."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""
        self.continued = False

    @property
    def at_start(self) -> bool:
        return self.depth == 0 and not self.quote and not self.continued

    def feed(self, line: str) -> None:
        self.continued = False
        position = 0
        while position < len(line):
            character = line[position]
            if self.quote:
                if character == "\\":
                    position += 2
                    continue
                if line.startswith(self.quote, position):
                    position += len(self.quote)
                    self.quote = ""
                    continue
            elif character == "#":
                break
            elif character in "([{":
                self.depth += 1
            elif character in ")]}":
                self.depth = max(0, self.depth - 1)
            elif character in "\"'":
                triple = line[position : position + 3]
                self.quote = triple if triple in ('"""', "'''") else character
                position += len(self.quote)
                continue
            position += 1
        self.continued = line.endswith("\\") and not (self.quote and len(self.quote) == 3)
        if len(self.quote) == 1 and not self.continued:
            self.quote = ""  # an unterminated one-line string: Python's error, not ours


def python_comments(view: str) -> Iterator[Span]:
    """The ``#`` comments of a Python view, as far as it tokenizes (suppression comments must
    work even where no Python adapter reads the cell)."""
    line_starts = [0, *(match.end() for match in re.finditer("\n", view))]
    try:
        for token in tokenize.generate_tokens(io.StringIO(view).readline):
            if token.type == tokenize.COMMENT:
                start = line_starts[token.start[0] - 1] + token.start[1]
                yield Span(start, start + len(token.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return
