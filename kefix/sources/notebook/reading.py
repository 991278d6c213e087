"""A notebook read through the adapters of the languages its cells hold.

Each piece of each code cell (a ``!`` command, a ``%%bash`` body, the Python code) goes to the
adapter of its kind, which reads it as plain text; every span of what comes back (launches,
arguments, problems, comments) is moved from the cell's text to the notebook file, so that the
rest of kefix (resolution, rules, suppressions, reports, the fix engine) works on the file as on
any other. Launches are numbered in file order across the notebook.

Pieces of a kind with no registered adapter (Python, until one is) are not read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import msgspec
from msgspec.structs import replace

from kefix.model import Finding, Launch, Span, Unknown
from kefix.sources import ParsedSource, SourceAdapter, adapter_for, could_not_parse, has_adapter
from kefix.sources.notebook.cell_code import (
    CellCode,
    Piece,
    has_interpolation,
    python_comments,
    split_cell,
)
from kefix.sources.notebook.cell_text import CellText, read_cell_text
from kefix.sources.notebook.json_cells import NotANotebook, read_notebook_json
from kefix.sources.notebook.lines import NotebookLines

T = TypeVar("T")


class EmbeddedLaunch(msgspec.Struct, frozen=True):
    """A launch of the notebook and where it came from: the cell, the piece and the launch as
    the piece's adapter read it (offsets in the cell's text)."""

    cell: CellText
    piece_index: int
    piece: Piece
    inner: Launch
    launch: Launch  # as the rest of kefix sees it: offsets in the file, numbered in the notebook

    @property
    def adapter(self) -> SourceAdapter:
        return adapter_for(self.piece.kind)


class NotebookReading(msgspec.Struct, frozen=True):
    """What reading one notebook text gave: the parse and the way back to each piece."""

    parsed: ParsedSource
    embedded: tuple[EmbeddedLaunch, ...]  # by launch ordinal
    cells: tuple[CellText, ...] = ()
    code: dict[int, CellCode] = msgspec.field(default_factory=dict)  # by cell index


# The languages a notebook's cells may hold, by the kind of their adapter.
_EMBEDDED_KINDS = ("bash", "python")


def read_notebook(path: str, text: str) -> NotebookReading:
    """Launches, problems and comments of the notebook ``text``, read with the adapters that
    are registered."""
    readable = _readable_kinds()
    if not _may_hold_launch(path, text, readable):
        return NotebookReading(ParsedSource(path, (), ()), ())
    return _read_notebook(path, text, readable)


def may_hold_launch(path: str, text: str) -> bool:
    """False when ``read_notebook`` would find nothing in ``text`` without reading a cell."""
    return _may_hold_launch(path, text, _readable_kinds())


def _readable_kinds() -> frozenset[str]:
    return frozenset(kind for kind in _EMBEDDED_KINDS if has_adapter(kind))


# What a shell command of a cell starts with (``kefix.sources.notebook.cell_code``): ``!``,
# ``!!``, ``%sx``, ``%system``, or a cell magic (``%%bash``, ``%%sh``, ``%%script bash``).
_SHELL_MARKS = ("!", "%%", "%sx", "%system")


def _may_hold_launch(path: str, text: str, readable: frozenset[str]) -> bool:
    """False when no cell can hold a launch or a suppression: the text has no shell command or
    cell magic, no kefix directive, and none of the words the Python reader looks for. Most
    notebooks (plots, exploration) are then not read at all; like a script without a launcher,
    such a notebook gets no finding, not even KF901 when it is not JSON."""
    if "\\u" in text or "kefix" in text:
        return True  # a \u escape in a JSON string can spell any letter of any word
    if "bash" in readable and any(mark in text for mark in _SHELL_MARKS):
        return True
    if "python" not in readable:
        return False
    from kefix.sources.python.reader import may_hold_launch, project_classes

    return may_hold_launch(text, project_classes(path))


@functools.lru_cache(maxsize=8)
def _read_notebook(path: str, text: str, readable: frozenset[str]) -> NotebookReading:
    """Cached: the fix engine asks again for each edit of the same text."""
    try:
        notebook = read_notebook_json(text)
    except NotANotebook as error:
        problem = could_not_parse(path, Span(error.offset, error.offset), str(error))
        return NotebookReading(ParsedSource(path, (), (problem,)), ())
    cells = tuple(read_cell_text(text, cell, notebook.ensure_ascii) for cell in notebook.cells)
    embedded: list[EmbeddedLaunch] = []
    problems: list[Finding] = []
    comments: set[Span] = set()
    code_of: dict[int, CellCode] = {}
    directories: list[str] = []  # %cd targets so far, latest last
    for cell in cells:
        if cell.cell.cell_type != "code":
            continue
        code = code_of[cell.cell.index] = split_cell(cell.text)
        found: list[tuple[Launch, int, Piece]] = []
        for index, piece in enumerate(code.pieces):
            if piece.kind == "python":
                comments.update(cell.file_span(span) for span in python_comments(piece.view))
            if piece.kind not in readable:
                continue  # no adapter for its language (yet): the piece is not read
            parsed = adapter_for(piece.kind).parse(path, piece.view)
            comments.update(cell.file_span(span) for span in parsed.comments)
            problems.extend(_to_file(problem, cell) for problem in parsed.problems)
            found.extend((launch, index, piece) for launch in parsed.launches)
        for inner, index, piece in sorted(found, key=lambda item: item[0].span.start):
            if piece.interpolated:
                inner = _unknown_substitutions(inner, cell.text)
            before = [d for offset, d in code.directories if offset < inner.span.start]
            hints = inner.workdir_hints + tuple(reversed(directories + before))
            launch = replace(_to_file(inner, cell), ordinal=len(embedded), workdir_hints=hints)
            embedded.append(EmbeddedLaunch(cell, index, piece, inner, launch))
        directories.extend(directory for _, directory in code.directories)
    parsed_source = ParsedSource(
        path,
        tuple(item.launch for item in embedded),
        tuple(problems),
        tuple(sorted(comments, key=lambda span: (span.start, span.end))),
        NotebookLines(len(text), cells),
    )
    return NotebookReading(parsed_source, tuple(embedded), cells, code_of)


def _to_file(value: T, cell: CellText) -> T:
    """``value`` (a launch, a finding) with every span in it moved from the cell to the file."""
    return cast(T, _map_spans(value, cell.file_span))


def _map_spans(value: Any, move: Callable[[Span], Span]) -> Any:
    """Every ``Span`` inside ``value`` (records and tuples, at any depth) moved:
    an adapter's records may carry spans in fields kefix does not know of."""
    if isinstance(value, Span):
        return move(value)
    if isinstance(value, tuple):
        return tuple(_map_spans(item, move) for item in value)
    if isinstance(value, msgspec.Struct):
        changes = {name: _map_spans(getattr(value, name), move) for name in value.__struct_fields__}
        return replace(value, **changes)
    return value


def _unknown_substitutions(launch: Launch, cell_text: str) -> Launch:
    """Values IPython substitutes (``{lr}``, ``$LR``) are unknown, named as the cell writes
    them: bash read the placeholder variables of the view, or a quoted ``'{lr}'`` as text."""
    args = []
    for arg in launch.args:
        written = [cell_text[span.start : span.end] for span in arg.value_spans]
        values = tuple(
            Unknown(text) if isinstance(value, Unknown) or has_interpolation(text) else value
            for value, text in zip(arg.values, written, strict=False)
        )
        args.append(replace(arg, values=values + arg.values[len(written) :]))
    return replace(launch, args=tuple(args))
