"""Adding and removing elements of a call, dict or list the way its author laid it out.

One element per line stays one per line (with the anchor's indentation, and a trailing comma
exactly when the anchor had one); elements written side by side get a neighbour after a
``", "``. Removal takes the element's separator with it, or its whole line when it was alone
on it. Every edit is a span of the original text: nothing else moves.
"""

from __future__ import annotations

import re

from kefix.model import Edit, Span
from kefix.sources import CannotRender
from kefix.sources.python.sites import Container

_REST_OF_LINE = re.compile(r"[ \t]*,?[ \t]*(#[^\r\n]*)?(\r?\n|$)")


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _newline(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


def alone_on_lines(text: str, start: int, end: int) -> re.Match[str] | None:
    """The rest of the line after ``end`` when ``[start, end)`` is all its lines hold (but
    for indentation, its comma and a trailing comment); None otherwise."""
    if text[_line_start(text, start) : start].strip(" \t"):
        return None
    return _REST_OF_LINE.match(text, end)


def insert_after(
    text: str, container: Container, anchor: Span | None, new_element: str
) -> list[Edit]:
    """Edits adding ``new_element`` after the argument ``anchor`` (its elements' span; the
    container's last element when None; inside the brackets of an empty container)."""
    elements = container.elements
    if not elements:
        return [Edit(Span(container.close, container.close), new_element)]
    if anchor is None:
        anchor = elements[-1].span
    index = container.index_ending_at(anchor.end)
    if index is None:
        raise CannotRender("the neighbouring argument is not where it was read")
    last = elements[index]
    rest = alone_on_lines(text, anchor.start, anchor.end)
    if rest is not None and rest.group(2):
        # One per line: a line of its own, indented like the anchor.
        line_start = _line_start(text, anchor.start)
        indentation = text[line_start : anchor.start]
        newline = rest.group(2)
        after_line = rest.end()
        if last.comma is not None:
            return [Edit(Span(after_line, after_line), f"{indentation}{new_element},{newline}")]
        return [
            Edit(Span(last.span.end, last.span.end), ","),
            Edit(Span(after_line, after_line), f"{indentation}{new_element}{newline}"),
        ]
    return [Edit(Span(last.span.end, last.span.end), ", " + new_element)]


def remove_elements(text: str, container: Container, argument: Span) -> list[Edit]:
    """Edits removing the elements of ``argument`` with their separator (or their lines, when
    they had them to themselves)."""
    elements = container.elements
    first_index = container.index_at(argument.start)
    last_index = container.index_ending_at(argument.end)
    if first_index is None or last_index is None:
        raise CannotRender("the argument is not where it was read")
    first, last = elements[first_index], elements[last_index]
    has_previous = first_index > 0
    has_next = last_index + 1 < len(elements)
    if "#" in _between_elements(text, Span(first.span.start, last.span.end), container):
        raise CannotRender("removing it would take a comment along")
    rest = alone_on_lines(text, first.span.start, last.span.end)
    if rest is not None and rest.group(2):
        # Its own line(s), with its trailing comment: they go whole.
        edits = [Edit(Span(_line_start(text, first.span.start), rest.end()), "")]
        previous_comma = elements[first_index - 1].comma if has_previous else None
        if last.comma is None and not has_next and previous_comma is not None:
            # It had no trailing comma: neither has the element that is last now.
            edits.append(Edit(previous_comma, ""))
        return edits
    first_on_line = not text[_line_start(text, first.span.start) : first.span.start].strip(" \t")
    if has_next and (not has_previous or first_on_line):
        span = Span(first.span.start, elements[last_index + 1].span.start)
    elif has_previous:
        previous_comma = elements[first_index - 1].comma
        assert previous_comma is not None  # elements before the last are separated by commas
        span = (
            Span(previous_comma.end, last.comma.end)
            if last.comma is not None
            else Span(previous_comma.start, last.span.end)
        )
    else:
        span = Span(first.span.start, last.comma.end if last.comma else last.span.end)
    if "#" in _between_elements(text, span, container):
        raise CannotRender("removing it would take a comment along")
    return [Edit(span, "")]


def _between_elements(text: str, span: Span, container: Container) -> str:
    """The text of ``span`` outside the elements themselves (where a comment could hide)."""
    pieces = []
    cursor = span.start
    for element in container.elements:
        if element.span.end <= cursor or element.span.start >= span.end:
            continue
        pieces.append(text[cursor : max(cursor, element.span.start)])
        cursor = max(cursor, element.span.end)
    pieces.append(text[cursor : span.end])
    return "".join(pieces)
