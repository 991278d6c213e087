"""The notebook adapter as the fix engine sees it (``kefix.sources.SourceAdapter``).

Every edit primitive hands the launch's piece (a ``!`` command, a ``%%bash`` body, the cell's
Python) to the adapter of its language, on the piece's view of the cell, and turns the edits it
returns into edits of the notebook's JSON that touch only the string literals they change: a
list-of-lines source stays a list of lines (an added line is a new literal, written with the
file's indentation and escaping), and outputs, metadata, execution counts and key order stay
byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from msgspec.structs import replace

from kefix.model import Arg, DetachedArgs, Edit, Intent, Launch, RepairContinuation, Span
from kefix.sources import CannotRender, ParsedSource
from kefix.sources.notebook.cell_text import CellText
from kefix.sources.notebook.reading import EmbeddedLaunch, NotebookReading, read_notebook


class NotebookAdapter(msgspec.Struct, frozen=True):
    kind: str = "notebook"

    def parse(self, path: str, text: str) -> ParsedSource:
        return read_notebook(path, text).parsed

    def set_value(
        self, text: str, launch: Launch, arg: Arg, name: str, value: str | bool
    ) -> list[Edit]:
        found = _embedded(text, launch)
        inner_arg = found.inner.args[launch.args.index(arg)]
        edits = found.adapter.set_value(found.piece.view, found.inner, inner_arg, name, value)
        return _file_edits(found, edits)

    def insert_arg(
        self, text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
    ) -> list[Edit]:
        found = _embedded(text, launch)
        inner_anchor = None if anchor is None else found.inner.args[launch.args.index(anchor)]
        edits = found.adapter.insert_arg(found.piece.view, found.inner, inner_anchor, name, value)
        return _file_edits(found, edits)

    def remove_arg(self, text: str, launch: Launch, arg: Arg) -> list[Edit]:
        found = _embedded(text, launch)
        inner_arg = found.inner.args[launch.args.index(arg)]
        return _file_edits(
            found, found.adapter.remove_arg(found.piece.view, found.inner, inner_arg)
        )

    def rename_arg(self, text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
        found = _embedded(text, launch)
        inner_arg = found.inner.args[launch.args.index(arg)]
        edits = found.adapter.rename_arg(found.piece.view, found.inner, inner_arg, new_name)
        return _file_edits(found, edits)

    def repair(self, text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
        found = _embedded(text, launch)
        inner_detached = found.inner.detached[launch.detached.index(detached)]
        return _file_edits(
            found, found.adapter.repair(found.piece.view, found.inner, inner_detached)
        )

    def verify(
        self,
        before_text: str,
        after_text: str,
        old_launch: Launch,
        new_launch: Launch,
        intents: Sequence[Intent],
    ) -> str:
        """The notebook's JSON is byte-identical outside the fixed cell's ``source``; in that
        cell, everything but the launch's piece reads as before; the piece's own adapter
        accepts the change of the piece."""
        before = read_notebook(old_launch.path, before_text)
        after = read_notebook(new_launch.path, after_text)
        if new_launch.ordinal >= len(after.embedded):
            return "the fixed notebook has fewer launches"
        old, new = before.embedded[old_launch.ordinal], after.embedded[new_launch.ordinal]
        if (old.cell.cell.index, old.piece_index, old.piece.kind) != (
            new.cell.cell.index,
            new.piece_index,
            new.piece.kind,
        ):
            return "the fixed launch is in another cell or piece of its cell"
        reason = _json_difference(before_text, after_text, old.cell, new.cell)
        if reason:
            return reason
        reason = _cell_difference(before, after, old, new)
        if reason:
            return reason
        inner_intents = [_inner_intent(intent, old) for intent in intents]
        return old.adapter.verify(
            old.piece.view, new.piece.view, old.inner, new.inner, inner_intents
        )


def _embedded(text: str, launch: Launch) -> EmbeddedLaunch:
    reading = read_notebook(launch.path, text)
    if launch.ordinal >= len(reading.embedded) or reading.embedded[launch.ordinal].launch != launch:
        raise CannotRender("the launch is not in this notebook text")
    return reading.embedded[launch.ordinal]


def _file_edits(found: EmbeddedLaunch, edits: Sequence[Edit]) -> list[Edit]:
    """The piece's edits as edits of the notebook file; an edit reaching outside the piece's own
    text (into the ``!`` before a command, a Python line) is refused."""
    owned = found.piece.owned
    for edit in edits:
        start, end = edit.span.start, edit.span.end
        inside = any(span.start <= start and end <= span.end for span in owned)
        if not inside:
            raise CannotRender(f"the edit would change cell {found.cell.number} outside its launch")
    return [found.cell.file_edit(edit) for edit in edits]


def _json_difference(before: str, after: str, old: CellText, new: CellText) -> str:
    old_value, new_value = old.cell.value, new.cell.value
    if before[: old_value.start] != after[: new_value.start]:
        return "the fix would change the notebook before the fixed cell's source"
    if before[old_value.end :] != after[new_value.end :]:
        return "the fix would change the notebook after the fixed cell's source"
    if old.cell.as_list != new.cell.as_list:
        return "the fix would change how the cell's source is written"
    return ""


def _cell_difference(
    before: NotebookReading, after: NotebookReading, old: EmbeddedLaunch, new: EmbeddedLaunch
) -> str:
    old_pieces = before.code[old.cell.cell.index].pieces
    new_pieces = after.code[new.cell.cell.index].pieces
    if [piece.kind for piece in old_pieces] != [piece.kind for piece in new_pieces]:
        return f"the fix would change what runs in cell {old.cell.number}"
    if _outside(old.cell.text, old.piece.owned) != _outside(new.cell.text, new.piece.owned):
        return f"the fix would change cell {old.cell.number} outside the launch's own text"
    return ""


def _outside(text: str, owned: Sequence[Span]) -> str:
    """``text`` without the ``owned`` ranges, each marked by a NUL where it was."""
    parts = []
    position = 0
    for span in owned:
        parts.append(text[position : span.start] + "\0")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def _inner_intent(intent: Intent, found: EmbeddedLaunch) -> Intent:
    """Intents carry spans only in a continuation repair: back to the piece's offsets."""
    if isinstance(intent, RepairContinuation) and intent.detached in found.launch.detached:
        index = found.launch.detached.index(intent.detached)
        return replace(intent, detached=found.inner.detached[index])
    return intent


NOTEBOOK = NotebookAdapter()
