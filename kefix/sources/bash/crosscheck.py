"""A second reading of a launch statement by an independent bash parser (bashlex).

tree-sitter-bash is what kefix reads scripts with, because it never loses a whole file. But its
word boundaries differ from bash's in corners (it reads ``0.03\\<newline>--fp16`` as two words),
and a fix written on a misread launch would be wrong. bashlex rejects a quarter of whole real
scripts, yet parses 884 of 887 real launch statements on their own; so every launch a fix
rewrites is read again by bashlex, and a disagreement on its flags drops the fix.

bashlex is slow (~1 ms per launch statement), and each fix of a file re-reads a statement that
differs from the last one in a line or two. So a statement is read line by line where that
cannot change its words, and each line's reading is kept (``_line_flags``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kefix.model import Launch

# A line continuation after an unescaped blank: outside quotes, substitutions and comments bash
# deletes the ``\<newline>`` and the blank before it ends a word, so the words on either side are
# read alone exactly as in the whole statement. Where the continuation is inside a quote or a
# substitution, the line before it is left unterminated and bashlex rejects it.
_WORD_BREAK_CONTINUATION = re.compile(r"(?<!\\)[ \t]\\\n")


def flags_read_by_bashlex(statement: str) -> list[str] | None:
    """The ``--flag`` words bashlex reads in ``statement``; None when bashlex cannot parse it."""
    lines = _WORD_BREAK_CONTINUATION.split(statement)
    # A here-document's body lies on the lines after its operator: only the whole reads it.
    if len(lines) > 1 and "<<" not in statement:
        read = [_line_flags(line) for line in lines if line.strip()]
        if all(flags is not None for flags in read):
            return [flag for flags in read if flags is not None for flag in flags]
    whole = _read_flags(statement)
    return None if whole is None else list(whole)


@functools.lru_cache(maxsize=8192)
def _line_flags(line: str) -> tuple[str, ...] | None:
    """One continuation line's ``--flag`` words; None when bashlex cannot read it on its own
    (a quote or substitution spanning lines, a reserved word it reads as the line's command):
    then the statement is read whole."""
    return _read_flags(line)


def _read_flags(statement: str) -> tuple[str, ...] | None:
    # Imported here: bashlex costs ~0.1 s to import and is needed only when a fix is verified.
    import bashlex

    try:
        trees = bashlex.parse(statement)
    except Exception:  # bashlex raises assorted errors (and asserts) on valid bash
        return None
    flags: list[str] = []

    def visit(node: Any) -> None:
        if node.kind == "word" and node.word.startswith("--"):
            flags.append(node.word.split("=", 1)[0])
        elif node.kind == "commandsubstitution":
            return
        for part in getattr(node, "parts", ()):
            visit(part)

    for tree in trees:
        visit(tree)
    return tuple(flags)


def disagreement(text: str, launch: Launch) -> str:
    """Why bashlex reads the launch's flags otherwise than kefix; '' if it agrees or abstains."""
    theirs = flags_read_by_bashlex(text[launch.span.start : launch.span.end])
    if theirs is None:
        return ""
    written = (text[arg.flag_span.start : arg.flag_span.end] for arg in launch.args)
    ours = [flag for flag in written if flag.startswith("--")]
    # Flags before the entry point belong to the launcher; compare the training flags only.
    tail = theirs[len(theirs) - len(ours) :] if len(theirs) >= len(ours) else theirs
    if tail != ours:
        return f"bash reads the flags as {' '.join(theirs) or 'nothing'}"
    return ""
