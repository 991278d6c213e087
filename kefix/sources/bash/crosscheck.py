"""A second reading of a launch statement by an independent bash parser (bashlex).

tree-sitter-bash is what kefix reads scripts with, because it never loses a whole file. But its
word boundaries differ from bash's in corners (it reads ``0.03\\<newline>--fp16`` as two words),
and a fix written on a misread launch would be wrong. bashlex rejects a quarter of whole real
scripts, yet parses 884 of 887 real launch statements on their own; so every launch a fix
rewrites is read again by bashlex, and a disagreement on its flags drops the fix.

bashlex is slow (~1 ms per launch statement), and each fix of a file re-reads a statement that
differs from the last one in a line or two. So a statement that is one simple command written
over several lines is read line by line, each line's reading kept (``_line_words``): bash reads
its words as the lines' words one after the other. Any other statement is read whole.

Most launch lines are plain words (``  --learning_rate 2e-5``): letters, digits, ``-_./=,:+@%``
and ``$NAME``/``${NAME}``, bare or in double quotes (``"cosine"``), separated by blanks. Such a
line has no blank inside quotes, operator, comment, glob or substitution that could move a word
boundary, so bash (and bashlex) read it as its blank-separated words, quotes removed; it is read
so without bashlex (``_plain_words``), and a launch of plain lines never imports it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from kefix.model import Launch

# A line continuation after an unescaped blank: outside quotes, substitutions and comments bash
# deletes the ``\<newline>`` and the blank before it ends a word. Inside a quote or a substitution
# the line before it is left unterminated, and bashlex rejects it alone.
_WORD_BREAK_CONTINUATION = re.compile(r"(?<!\\)[ \t]\\\n")
# A continuation line must start with a word that is an argument wherever it stands: not a
# reserved word, subshell, group or test that only the start of a command would make it.
_ARGUMENT_START = re.compile(r"[ \t]*[-\w./$\"'~@%+,:=]")
_RESERVED = frozenset(
    {"!", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if"}
    | {"in", "select", "then", "time", "until", "while", "{", "}", "[[", "]]"}
)


def flags_read_by_bashlex(statement: str) -> list[str] | None:
    """The ``--flag`` words bashlex reads in ``statement``; None when bashlex cannot parse it."""
    plain = _plain_words(statement)
    if plain is not None:
        return list(plain)
    lines = _WORD_BREAK_CONTINUATION.split(statement)
    if len(lines) > 1 and "<<" not in statement and all(map(_continues, lines[1:])):
        read = [_line_words(line) for line in lines]
        if all(flags is not None for flags in read):
            return [flag for flags in read if flags is not None for flag in flags]
    trees = _parse(statement)
    return None if trees is None else _flags(trees)


def _continues(line: str) -> bool:
    """Whether a continuation line's first word reads as a plain argument."""
    words = line.split(None, 1)
    return bool(words) and words[0] not in _RESERVED and _ARGUMENT_START.match(line) is not None


@functools.lru_cache(maxsize=8192)
def _line_words(line: str) -> tuple[str, ...] | None:
    """One line's ``--flag`` words when bashlex reads it alone as one simple command (words,
    assignments, redirections); None otherwise (a quote or substitution spanning lines, a
    compound command, a list): then the statement is read whole."""
    plain = _plain_words(line)
    if plain is not None:
        return plain
    trees = _parse(line)
    if trees is None or len(trees) != 1 or trees[0].kind != "command":
        return None
    return tuple(_flags(trees))


# A word of a plain line: ordinary characters and parameter expansions by a bare name, bare or
# in double quotes (``"cosine"``: bash and bashlex drop the quotes). ``$`` is taken only before a
# name character or a braced name, so every character has one reading.
_PLAIN_PART = r"(?:[-\w./=,:+@%]|\$(?=\w)|\$\{\w+\})"
_PLAIN_WORD = rf'(?:{_PLAIN_PART}|"{_PLAIN_PART}*")+'
_PLAIN_LINE = re.compile(rf"[ \t]*({_PLAIN_WORD}(?:[ \t]+{_PLAIN_WORD})*)[ \t]*", re.ASCII)


def _plain_words(line: str) -> tuple[str, ...] | None:
    """The ``--flag`` words of a line of plain words, as bash splits it; None for any other
    line (or one starting with a reserved word, which is no simple command)."""
    match = _PLAIN_LINE.fullmatch(line)
    if match is None:
        return None
    words = match.group(1).split()
    if words[0] in _RESERVED:
        return None
    unquoted = (word.replace('"', "") for word in words)
    return tuple(word.split("=", 1)[0] for word in unquoted if word.startswith("--"))


def _parse(statement: str) -> list[Any] | None:
    # Imported here: bashlex costs ~0.1 s to import and is needed only when a fix is verified.
    import bashlex

    try:
        return list(bashlex.parse(statement))
    except Exception:  # bashlex raises assorted errors (and asserts) on valid bash
        return None


def _flags(trees: list[Any]) -> list[str]:
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
    return flags


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
