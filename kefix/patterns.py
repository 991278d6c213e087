"""gitignore-syntax patterns, matched as git matches them, fast enough to ask about every path.

pathspec implements git's rules exactly, but it tries each pattern's regex in turn: on a
10,000-file tree that is most of discovery's time. When no pattern is a ``!`` negation (the
default excludes, most ``.gitignore`` files), git's verdict is simply whether any pattern
matches, so one regex made of all of them gives it in one search. With a negation, the order
and kind of the matching patterns decide, and pathspec answers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

# pathspec marks a match that ended on a directory with this group; one regex can name a group
# once, and the verdict without negations does not need it.
_DIRECTORY_MARK = re.compile(r"\(\?P<\w+>")


# The patterns most ignore files are made of (``__pycache__/``, ``*.pyc``, ``/build``,
# ``.venv``): a name of ordinary characters and single ``*``s, perhaps anchored by a leading
# ``/``, perhaps a directory by a trailing one. Their regexes are written here as pathspec writes
# them, so a run whose patterns are all such names never imports pathspec (~10 ms of every
# pre-commit run). Anything else goes to pathspec.
_SIMPLE = re.compile(r"(/?)([A-Za-z0-9_.*-]+)(/?)")


def _simple_regex(line: str) -> str | None:
    """The regex of a simple pattern (see ``_SIMPLE``); None for any other line."""
    match = _SIMPLE.fullmatch(line)
    if match is None:
        return None
    anchored, name, directory = match.groups()
    if "**" in name or not name.strip("*."):  # ``**``, ``*``, ``.``: pathspec's own rules
        return None
    body = "".join("[^/]*" if character == "*" else re.escape(character) for character in name)
    return ("^" if anchored else "^(?:.+/)?") + body + ("/" if directory else "(?:/|$)")


class _SimpleName:
    """A simple pattern (see ``_SIMPLE``) matched against a path's names without a regex: what
    its regex finds, for a path without a line break (``.`` and ``$`` treat one specially)."""

    def __init__(self, anchored: bool, name: str, directory: bool) -> None:
        self.anchored = anchored
        self.pieces = name.split("*")  # ``*`` is ``[^/]*``: any run within one name
        self.directory = directory

    def matches(self, names: list[str]) -> bool:
        # The regex: ``^`` (anchored) or ``^(?:.+/)?`` (the start of any name but a second one
        # after a leading ``/``), the name, then ``/`` (a directory) or ``(?:/|$)``.
        last = len(names) - 1
        for index in range(1 if self.anchored else len(names)):
            if index == 1 and not names[0]:
                continue
            if self.directory and index == last:
                break
            if self._fits(names[index]):
                return True
        return False

    def _fits(self, name: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:
            return name == pieces[0]
        first, *middle, final = pieces
        if len(name) < len(first) + len(final):
            return False
        if not (name.startswith(first) and name.endswith(final)):
            return False
        position, end = len(first), len(name) - len(final)
        for piece in middle:
            found = name.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True


def _simple_name(line: str) -> _SimpleName | None:
    match = _SIMPLE.fullmatch(line)
    if match is None or _simple_regex(line) is None:
        return None
    anchored, name, directory = match.groups()
    return _SimpleName(bool(anchored), name, bool(directory))


# Verdicts a set of simple patterns gives name by name before it compiles its regex: a
# one-script run asks two or three (compiling both pattern sets was ~1 ms of it), a tree walk
# asks one per path (where one regex search is faster).
_QUERIES_BEFORE_COMPILING = 32


class GitIgnorePatterns:
    """Compiled patterns: ``match_file`` (is the path excluded?) and ``verdict`` (excluded,
    re-included by a ``!`` pattern, or not mentioned)."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self._spec: pathspec.GitIgnoreSpec | None = None
        self._any: re.Pattern[str] | None = None
        self._any_source = ""
        self._names: list[_SimpleName] | None = None
        self._queries = 0
        patterns = [line for line in lines if line and not line.startswith("#")]
        simple = [_simple_regex(line) for line in patterns]
        if all(regex is not None for regex in simple):
            active = [(True, regex) for regex in simple if regex is not None]
            self._names = [name for line in patterns if (name := _simple_name(line)) is not None]
        else:
            import pathspec  # ~10 ms: only for patterns beyond simple names

            self._spec = pathspec.GitIgnoreSpec.from_lines(lines)
            active = [
                (p.include, p.regex.pattern)
                for p in self._spec.patterns
                if p.include is not None and p.regex is not None
            ]
        negated = any(not include for include, _ in active)
        if active and not negated:
            # Compiled on first use past the quick answers (``_compiled_any``).
            self._any_source = "|".join(
                f"(?:{_DIRECTORY_MARK.sub('(?:', regex)})" for _, regex in active
            )
        self._empty = not active

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (POSIX, relative; a directory ends with ``/``) is excluded."""
        return self.verdict(path) is True

    def verdict(self, path: str) -> bool | None:
        """True: excluded; False: re-included by a negation; None: no pattern matches."""
        if self._empty:
            return None
        if self._any_source:
            names = self._names
            if names is not None and self._queries < _QUERIES_BEFORE_COMPILING and "\n" not in path:
                self._queries += 1
                parts = path.split("/")
                return True if any(name.matches(parts) for name in names) else None
            return True if self._compiled_any().search(path) else None
        assert self._spec is not None  # a negation is never simple: pathspec read the lines
        include: bool | None = self._spec.check_file(path).include
        return include

    def _compiled_any(self) -> re.Pattern[str]:
        if self._any is None:
            self._any = re.compile(self._any_source)
        return self._any
