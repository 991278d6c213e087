"""Suppression comments (``# kefix: ignore[KF001]``, ``# kefix: skip-file``): read and applied.

Independent of any source language: an adapter hands over the file's text and the spans of its
comments (bash today; YAML and notebook cells use the same ``#`` syntax), and findings come back
without the suppressed ones. Which lines a directive covers:

- a directive that ends a line of code covers the findings that point at that line, and every
  finding of a launch that starts on that line;
- a directive on a line of its own covers the next line that is not a comment (only comment
  lines may come between; a blank line ends its reach) the same way: findings pointing at that
  line, and every finding of a launch that starts there (shellcheck's convention);
- ``# kefix: skip-file`` in the first ``SKIP_FILE_LINES`` lines skips the whole file.

A directive never hides a finding that points into the directive's own comment: a trailing
comment inside a ``\\`` continuation ends the command there, and KF003 must still say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import msgspec

from kefix.model import (
    Applicability,
    Finding,
    Fix,
    LineIndex,
    Lines,
    ReplaceText,
    Severity,
    Span,
)
from kefix.rules import UNUSED_SUPPRESSION

SKIP_FILE_LINES = 10

# `kefix:` right after a `#` (the comment's own, or one inside it: `# shellcheck ... # kefix: ...`).
_DIRECTIVE = re.compile(
    r"#[ \t]*(?P<directive>kefix:[ \t]*(?:(?P<skip>skip-file)|ignore(?:\[(?P<codes>[^\]\n]*)\])?))"
    r"(?=$|[ \t#])"
)
_CODE = re.compile(r"[A-Z]+[0-9]*")
# `# kefix: ignore KF001` (no brackets) would silently ignore everything: not a directive.
_LOOKS_LIKE_CODES = re.compile(r"[ \t]*:?[ \t]*[A-Za-z]+[0-9]+\b")


class CodeEntry(msgspec.Struct, frozen=True):
    """One code (or prefix) of an ``ignore[...]`` list and where it is in the file."""

    code: str
    span: Span


class Directive(msgspec.Struct, frozen=True):
    """A ``kefix:`` directive found in a comment's text; offsets are within that text."""

    skip_file: bool
    codes: tuple[CodeEntry, ...]  # empty for a bare ``ignore``: every code
    span: Span  # ``kefix: ignore[...]`` itself
    bracketed: bool = False  # codes written in [...], even if the list is empty


def parse_directive(comment: str) -> Directive | None:
    """The directive in one comment's text (starting at its ``#``), or None if it has none.

    A malformed one (a code that is not a code, codes without brackets) is not a directive: it
    suppresses nothing, so the finding it meant to hide stays visible.
    """
    match = _DIRECTIVE.search(comment)
    if match is None:
        return None
    span = Span(match.start("directive"), match.end("directive"))
    if match.group("skip"):
        return Directive(True, (), span)
    if match.group("codes") is None:
        if _LOOKS_LIKE_CODES.match(comment, match.end()):
            return None
        return Directive(False, (), span)
    entries: list[CodeEntry] = []
    offset = match.start("codes")
    for piece in match.group("codes").split(","):
        code = piece.strip()
        start = offset + len(piece) - len(piece.lstrip())
        offset += len(piece) + 1
        if not code:
            continue
        if not _CODE.fullmatch(code.upper()):
            return None
        entries.append(CodeEntry(code.upper(), Span(start, start + len(code))))
    return Directive(False, tuple(entries), span, bracketed=True)


class Suppression(msgspec.Struct, frozen=True):
    """An ``ignore`` directive placed in a file: its comment and the line it covers."""

    directive: Directive
    comment: Span  # in the file
    line: int  # the directive's own line (1-based)
    own_line: bool  # nothing but blanks before the comment on its line
    target: int | None  # the line it covers; None: nothing (an own-line one before a blank line)

    def text(self, file_text: str) -> str:
        return file_text[self.comment.start : self.comment.end]


class FileSuppressions(msgspec.Struct, frozen=True):
    """The directives of one file."""

    skip_file: bool
    ignores: tuple[Suppression, ...]


def read_suppressions(
    text: str, comments: Iterable[Span], lines: Lines | None = None
) -> FileSuppressions:
    """The directives among ``comments`` (spans of ``#`` comments in ``text``); ``lines`` are
    the lines they cover when those are not the file's own (a notebook's cells)."""
    if "kefix:" not in text:
        return _NONE  # every directive spells it: most files need no line index or comment scan
    lines = lines or LineIndex.of(text)
    comment_lines: dict[int, Span] = {}
    ordered = sorted(comments, key=lambda span: span.start)
    for comment in ordered:
        line = lines.location(comment.start).line
        if text[lines.line_start(line) : comment.start].strip(" \t") == "":
            comment_lines[line] = comment
    last_line = lines.location(len(text)).line
    skip_file = False
    ignores: list[Suppression] = []
    for comment in ordered:
        directive = parse_directive(text[comment.start : comment.end])
        if directive is None:
            continue
        line = lines.location(comment.start).line
        if directive.skip_file:
            skip_file = skip_file or line <= SKIP_FILE_LINES
            continue
        own_line = line in comment_lines and comment_lines[line] == comment
        target: int | None = line
        if own_line:
            target = line + 1
            while target in comment_lines:
                target += 1
            if target > last_line or not _line_text(text, lines, target).strip():
                target = None
        ignores.append(Suppression(directive, comment, line, own_line, target))
    return FileSuppressions(skip_file, tuple(ignores))


_NONE = FileSuppressions(skip_file=False, ignores=())


def _line_text(text: str, lines: Lines, line: int) -> str:
    return text[lines.line_start(line) : lines.line_end(line)]


def code_matches(pattern: str, code: str) -> bool:
    """A directive's code matches a finding's code it is a prefix of (``KF0`` matches KF001)."""
    return code.startswith(pattern)


class Applied(msgspec.Struct, frozen=True):
    """Findings after suppression, and which directive codes suppressed something."""

    kept: tuple[Finding, ...]
    used: frozenset[tuple[int, str]]  # (comment start, code); code "" for a bare ignore


def apply_suppressions(
    text: str,
    findings: Sequence[Finding],
    suppressions: FileSuppressions,
    lines: Lines | None = None,
) -> Applied:
    """``findings`` without those a directive covers (see the module docstring for the scope)."""
    if suppressions.skip_file:
        return Applied((), frozenset())
    if not suppressions.ignores:
        return Applied(tuple(findings), frozenset())
    lines = lines or LineIndex.of(text)
    kept: list[Finding] = []
    used: set[tuple[int, str]] = set()
    for finding in findings:
        finding_line = lines.location(finding.span.start).line
        launch_line = (
            lines.location(finding.launch.span.start).line if finding.launch is not None else None
        )
        hidden = False
        for suppression in suppressions.ignores:
            if suppression.target not in (finding_line, launch_line):
                continue
            if suppression.comment.start <= finding.span.start < suppression.comment.end:
                continue  # the directive's own comment is the problem (e.g. a cut continuation)
            codes = suppression.directive.codes
            matching = [e.code for e in codes if code_matches(e.code, finding.code)]
            if not codes and not suppression.directive.bracketed:
                matching = [""]
            if matching:
                hidden = True
                used.update((suppression.comment.start, code) for code in matching)
        if not hidden:
            kept.append(finding)
    return Applied(tuple(kept), frozenset(used))


def unused_suppressions(
    path: str,
    text: str,
    suppressions: FileSuppressions,
    used: frozenset[tuple[int, str]],
    checked: Sequence[str],
    known: Sequence[str],
    lines: Lines | None = None,
) -> tuple[Finding, ...]:
    """KF904 for every directive (or code in one) that suppressed nothing.

    ``checked`` are the codes this run reported on this file, ``known`` every code kefix has. A
    code whose rules did not all run (not selected, ignored for this file) may be needed by
    another run, so it is not called unused; a code no rule has is unused by definition.
    """
    if suppressions.skip_file:
        return ()
    lines = lines or LineIndex.of(text)
    findings: list[Finding] = []
    for suppression in suppressions.ignores:
        start = suppression.comment.start
        directive = suppression.directive
        shown = _directive_text(text, suppression)
        if not directive.bracketed:
            if (start, "") in used or not _may_be_unused("", checked, known):
                continue
            unused: list[CodeEntry] = []
            message = f"`{shown}` suppresses nothing"
        else:
            unused = [
                entry
                for entry in directive.codes
                if (start, entry.code) not in used and _may_be_unused(entry.code, checked, known)
            ]
            if not unused and directive.codes:
                continue
            names = ", ".join(entry.code for entry in unused)
            plural = "s" if len(unused) > 1 else ""
            message = f"unused code{plural} {names} in `{shown}`" if unused else f"`{shown}`"
            message += "" if unused else " suppresses nothing"
            unknown = [e.code for e in unused if not any(k.startswith(e.code) for k in known)]
            if unknown:
                message += f" ({', '.join(unknown)}: matches no rule)"
        if suppression.target is None:
            message += " (nothing follows it: a blank line or the end of the file)"
        description, edits = _removal(text, suppression, unused, lines)
        line_text = _line_text(text, lines, suppression.target or suppression.line)
        findings.append(
            Finding(
                code=UNUSED_SUPPRESSION,
                name="unused-suppression",
                message=message,
                path=path,
                span=Span(start + directive.span.start, start + directive.span.end),
                severity=Severity.WARNING,
                fix=Fix(description, tuple(edits), Applicability.SAFE),
                # Stable when other fixes move lines: the directive and the line it covers.
                subject=f"{shown}|{line_text.strip()}",
            )
        )
    return tuple(findings)


def _directive_text(text: str, suppression: Suppression) -> str:
    comment = suppression.text(text)
    return comment[suppression.directive.span.start : suppression.directive.span.end]


def _may_be_unused(code: str, checked: Sequence[str], known: Sequence[str]) -> bool:
    """Every known code the entry covers was checked (or it covers no known code at all)."""
    covered = [k for k in known if code_matches(code, k)]
    return all(k in checked for k in covered)


def _removal(
    text: str, suppression: Suppression, unused: Sequence[CodeEntry], lines: Lines
) -> tuple[str, list[ReplaceText]]:
    """The fix: take out the unused codes, or the whole directive when none stays."""
    directive = suppression.directive
    base = suppression.comment.start
    kept = [entry.code for entry in directive.codes if entry not in unused]
    if kept:
        first, last = directive.codes[0].span, directive.codes[-1].span
        separator = ", " if ", " in suppression.text(text) else ","
        edit = ReplaceText(Span(base + first.start, base + last.end), separator.join(kept))
        return "remove the unused codes", [edit]
    before = suppression.text(text)[: directive.span.start].rstrip(" \t")
    if before != "#":
        # Other text shares the comment (`# shellcheck disable=SC2086 # kefix: ignore`): keep it.
        cut = base + len(before[:-1].rstrip(" \t"))
        return "remove the unused suppression", [
            ReplaceText(Span(cut, base + directive.span.end), "")
        ]
    if suppression.own_line:
        start = lines.line_start(suppression.line)
        end = lines.line_end(suppression.line)
        # The line and its newline: up to where the next line starts (a newline is one
        # character in a script, two in a notebook's JSON string).
        end = lines.line_start(suppression.line + 1) if end < len(text) else end
        return "remove the unused suppression", [ReplaceText(Span(start, end), "")]
    start = suppression.comment.start
    line_start = lines.line_start(suppression.line)
    while start > line_start and text[start - 1] in " \t":
        start -= 1
    return "remove the unused suppression", [ReplaceText(Span(start, suppression.comment.end), "")]
