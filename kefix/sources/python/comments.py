"""Where a Python text's comments are, from one scan of its comments and string literals."""

from __future__ import annotations

import re

# Comments and string literals as Python's tokenizer reads them: a "#" outside a string starts
# a comment; a triple-quoted string ends at the first unescaped triple quote.
_COMMENTS_AND_STRINGS = re.compile(
    r"""#[^\r\n]*"""
    r'''|"""(?:[^"\\]|\\.|"(?!""))*"""'''
    r"""|'''(?:[^'\\]|\\.|'(?!''))*'''"""
    r'''|"(?:[^"\\\r\n]|\\(?:\r\n|.))*"'''
    r"""|'(?:[^'\\\r\n]|\\(?:\r\n|.))*'""",
    re.DOTALL,
)


def scan_comments(text: str) -> list[tuple[int, int]]:
    """The spans of the text's comments, in file order. Exact unless an f-string nests its own
    quotes (Python 3.12): callers check the scan where that can happen."""
    return [
        (match.start(), match.end())
        for match in _COMMENTS_AND_STRINGS.finditer(text)
        if match.group().startswith("#")
    ]
