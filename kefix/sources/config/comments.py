"""``#`` comments of a YAML text, for suppression directives (``# kefix: ignore[KF001]``).

PyYAML's scanner drops comments, so they are found line by line: a ``#`` at the start of a line
or after a blank, outside quotes, starts a comment that runs to the end of the line.
"""

from __future__ import annotations

import re

from kefix.model import Span

_LINE = re.compile(r"[^\n]*")


def yaml_comments(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    for match in _LINE.finditer(text):
        start = _comment_start(match.group())
        if start is not None:
            end = match.end()
            if text[end - 1 : end] == "\r":
                end -= 1
            spans.append(Span(match.start() + start, end))
    return tuple(spans)


def _comment_start(line: str) -> int | None:
    quote = ""
    for index, character in enumerate(line):
        if quote:
            if character == quote:
                quote = ""
            continue
        if character in ("'", '"') and (index == 0 or line[index - 1] in " \t:[{,-"):
            quote = character
        elif character == "#" and (index == 0 or line[index - 1] in " \t"):
            return index
    return None
