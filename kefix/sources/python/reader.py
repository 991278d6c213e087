"""One Python file to its launches, in file order, and where each one's arguments are written.

Only files ``kefix.sources.python.precheck`` lets through are read, from their ``ast``
(``kefix.sources.python.quick``) when that reads them exactly, else with libcst.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable, Mapping

import msgspec

from kefix.model import Finding, Launch, LineIndex, Span
from kefix.sources import ParsedSource, could_not_parse
from kefix.sources.python.precheck import Screening, screen
from kefix.sources.python.quick import NeedsLibcst, read_launches
from kefix.sources.python.sites import Site
from kefix.sources.python.subclasses import subclasses_around


class PythonSource(msgspec.Struct, frozen=True, eq=False):
    """What the adapter read: the launches (as every adapter reports them), and the site of
    each launch's arguments by the launch's span, for rendering fixes."""

    parsed: ParsedSource
    sites: Mapping[Span, Site]


def project_classes(path: str) -> frozenset[str]:
    """The project's own training-arguments subclasses, when ``path`` is a file on disk."""
    if not os.path.isfile(path):
        return frozenset()
    # Not memoised here: each call records the project root and its index as facts of the check
    # under way (``kefix.resolve.filesystem``), which the cache keys the result by; both are
    # answered once per run there.
    return subclasses_around(os.path.dirname(os.path.abspath(path)))


def read_python(path: str, text: str) -> PythonSource:
    """Every launch in ``text``; a file that names a training class but does not parse is one
    KF901 finding."""
    # The project's classes are an input like the text (and a fact the cache records on every
    # read), so the memo below is keyed by them too.
    return _read_python(path, text, project_classes(path))


@functools.lru_cache(maxsize=16)
def _read_python(path: str, text: str, known: frozenset[str]) -> PythonSource:
    if not may_hold_launch(text, known):
        return PythonSource(ParsedSource(path, (), ()), {})
    screening = screen(text, known)
    if not screening.read:
        problems = (_unparsable(path, text, screening),) if screening.problem else ()
        return PythonSource(ParsedSource(path, (), problems), {})
    try:
        return _read(path, text, known, screening)
    except (RecursionError, MemoryError):
        unreadable = Screening(False, "nested too deeply for kefix to read")
        return PythonSource(ParsedSource(path, (), (_unparsable(path, text, unreadable),)), {})


# Substrings of every word ``screen`` looks for but the project's own class names: each one is
# a fast ``in`` test, where screen's word patterns scan the text with an alternation.
_INGREDIENTS = ("TrainingArguments", "Config", "parse_", "subprocess", "system")


@functools.lru_cache(maxsize=64)
def _others(known: frozenset[str]) -> tuple[str, ...]:
    """The project's class names the ingredients do not cover (most are ``...Arguments`` or
    ``...Config``): the only ones worth a search of their own."""
    return tuple(name for name in sorted(known) if not _may_mention_ingredients(name))


def may_hold_launch(text: str, known: frozenset[str]) -> bool:
    """False when ``text`` names none of a launch's ingredients, nor any of the project's classes
    ``known``: the file is not parsed. Also true of any text holding Python code (a notebook)
    that escapes none of its letters."""
    return _may_mention_ingredients(text) or any(name in text for name in _others(known))


def _may_mention_ingredients(text: str) -> bool:
    """A cheap superset of ``screen``'s text search without the project's classes: False means
    screen would turn the file away before parsing it."""
    return any(word in text for word in _INGREDIENTS)


def _read(path: str, text: str, known: frozenset[str], screening: Screening) -> PythonSource:
    tree = screening.tree
    if tree is not None:
        try:
            found, problems, comments = read_launches(path, text, known, tree, screening.nodes)
        except NeedsLibcst:
            pass
        else:
            return _source(path, found, problems, lambda: comments)
    return _read_with_libcst(path, text, known, tree)


def _read_with_libcst(
    path: str, text: str, known: frozenset[str], tree: ast.Module | None
) -> PythonSource:
    # libcst is imported only here, once a file holds a launch ``ast`` alone cannot read.
    from kefix.sources.python.argv import find_command_launches, find_parser_inputs
    from kefix.sources.python.calls import find_training_calls, local_training_classes
    from kefix.sources.python.syntax import PythonSyntaxError, parse_python

    try:
        syntax = parse_python(text, tree)
    except PythonSyntaxError as error:
        screening = Screening(False, str(error), error.line)
        return PythonSource(ParsedSource(path, (), (_unparsable(path, text, screening),)), {})

    found: list[tuple[Launch, Site]] = []
    problems: list[Finding] = []
    local = local_training_classes(syntax, known)
    found.extend(find_training_calls(syntax, path, local))
    for item in (*find_command_launches(syntax, path), *find_parser_inputs(syntax, path)):
        problems.extend(item.problems)
        if item.launch is not None:
            found.append((item.launch, item.site))
    return _source(path, found, problems, syntax.comment_spans)


def _source(
    path: str,
    found: list[tuple[Launch, Site]],
    problems: list[Finding],
    comment_spans: Callable[[], tuple[Span, ...]],
) -> PythonSource:
    """The launches in file order, numbered, with their sites."""
    found.sort(key=lambda pair: (pair[0].span.start, pair[0].span.end))
    launches = tuple(
        msgspec.structs.replace(launch, ordinal=index) for index, (launch, _) in enumerate(found)
    )
    sites = {launch.span: site for launch, (_, site) in zip(launches, found, strict=True)}
    # Comments matter for suppressions of findings, and only launches have findings.
    comments = comment_spans() if found or problems else ()
    return PythonSource(ParsedSource(path, launches, tuple(problems), comments), sites)


def _unparsable(path: str, text: str, screening: Screening) -> Finding:
    lines = LineIndex.of(text)
    line = max(1, min(screening.line, lines.location(len(text)).line))
    start = lines.line_start(line)
    return could_not_parse(
        path, Span(start, start), f"could not parse this Python file: {screening.problem}"
    )
