"""Broken ``\\`` continuations: the lines of a launch that bash silently cuts off.

Bash ends a command at the first newline that is not escaped. A commented-out flag inside a
``\\`` block, a comment at the end of one of its lines (it swallows the backslash after it, and
a backslash before it escapes only a blank), a blank after the backslash, or a forgotten
backslash therefore leave the flags
below as a separate command (``--save_strategy: command not found``, often unnoticed in a log),
and a backslash glued to a value at the start of the next line joins that line into the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from kefix.lazy_pattern import LazyPattern
from kefix.model import BreakKind, DetachedArgs, Span, Unknown
from kefix.sources.bash.syntax import BashSyntax, Command, Word

_glue = LazyPattern(r"\\\r?\n")


_space_after_backslash = LazyPattern(r"[ \t]*\\(?P<blanks>[ \t]+)\r?\n")


_comment_lines = LazyPattern(r"(?P<lines>(?:[ \t]*#[^\n]*\n)+)[ \t]*")


_continued_into_gap = LazyPattern(r"[ \t]*\\\r?\n")


# `--lr 1 # note \` or `--lr 1 \  # note`: the comment runs to the line end, backslash and all.
_trailing_comment = LazyPattern(r"[ \t]*(?:\\[ \t]+)?(?P<comment>#[^\n]*)\n[ \t]*")


def merge_glued_words(
    text: str, words: Sequence[Word]
) -> tuple[list[Word], tuple[DetachedArgs, ...]]:
    """Join words that bash reads as one: ``0.03\\`` at a line end and ``--fp16`` at the next start.

    tree-sitter treats the escaped newline as a blank, bash does not; kefix must see what bash
    runs, so the value becomes ``0.03--fp16`` and ``--fp16`` is reported as lost.
    """
    merged: list[Word] = []
    breaks: list[DetachedArgs] = []
    for word in words:
        # A glue is two or three characters long: most gaps are told apart by length alone.
        if merged and 2 <= word.span.start - merged[-1].span.end <= 3:
            previous = merged[-1]
            gap = text[previous.span.end : word.span.start]
            if _glue().fullmatch(gap):
                raw = previous.raw + gap + word.raw
                # One unknown half makes the whole word unknown (not the other half's text).
                value: str | Unknown = (
                    previous.value + word.value
                    if isinstance(previous.value, str) and isinstance(word.value, str)
                    else Unknown(raw)
                )
                if isinstance(word.value, str) and word.value.startswith("-"):
                    name = word.value.split("=", 1)[0].lstrip("-")
                    breaks.append(
                        DetachedArgs(
                            BreakKind.GLUED_BACKSLASH,
                            Span(previous.span.end, previous.span.end),
                            (name,),
                        )
                    )
                merged[-1] = Word(
                    value=value,
                    span=Span(previous.span.start, word.span.end),
                    raw=raw,
                    splat=previous.splat or word.splat,
                )
                continue
        merged.append(word)
    return merged, tuple(breaks)


def find_detached(syntax: BashSyntax, index: int) -> tuple[DetachedArgs, ...]:
    """The flag-only commands right after command ``index`` that belong to it, one per break."""
    found: list[DetachedArgs] = []
    previous = syntax.commands[index]
    for command in syntax.commands[index + 1 :]:
        names = _flag_names(command)
        if not names:
            break
        gap_start = previous.span.end
        gap = syntax.text[gap_start : command.span.start]
        detached = _classify_gap(gap, gap_start, names)
        if detached is None:
            break
        found.append(detached)
        previous = command
    return tuple(found)


def _flag_names(command: Command) -> tuple[str, ...]:
    """Names of the flags in a command that starts with a flag (an orphaned piece of a launch)."""
    if not command.words or not isinstance(command.words[0].value, str):
        return ()
    if not command.words[0].value.startswith("--"):
        return ()
    return tuple(
        word.value.split("=", 1)[0].lstrip("-")
        for word in command.words
        if isinstance(word.value, str) and word.value.startswith("--")
    )


def _classify_gap(gap: str, offset: int, names: tuple[str, ...]) -> DetachedArgs | None:
    """What separates a launch from the flags after it; None if not a broken continuation."""
    blanks = _space_after_backslash().match(gap)
    if blanks is not None and gap[blanks.end() :].strip(" \t") == "":
        span = Span(offset + blanks.start("blanks"), offset + blanks.end("blanks"))
        return DetachedArgs(BreakKind.SPACE_AFTER_BACKSLASH, span, names)
    continued = _continued_into_gap().match(gap)
    if continued is not None:
        comments = _comment_lines().fullmatch(gap, continued.end())
        if comments is None:
            return None
        # Every comment line up to the orphaned flags moves out of the block together.
        span = Span(offset + comments.start("lines"), offset + comments.end("lines"))
        return DetachedArgs(BreakKind.COMMENT_LINE, span, names)
    trailing = _trailing_comment().fullmatch(gap)
    if trailing is not None:
        comment = trailing.group("comment").rstrip("\r")
        start = offset + trailing.start("comment")
        return DetachedArgs(BreakKind.TRAILING_COMMENT, Span(start, start + len(comment)), names)
    if gap.count("\n") == 1 and gap.strip() == "":
        return DetachedArgs(BreakKind.MISSING_BACKSLASH, Span(offset, offset), names)
    return None
