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


class GitIgnorePatterns:
    """Compiled patterns: ``match_file`` (is the path excluded?) and ``verdict`` (excluded,
    re-included by a ``!`` pattern, or not mentioned)."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self._spec: pathspec.GitIgnoreSpec | None = None
        self._any: re.Pattern[str] | None = None
        patterns = [line for line in lines if line and not line.startswith("#")]
        simple = [_simple_regex(line) for line in patterns]
        if all(regex is not None for regex in simple):
            active = [(True, regex) for regex in simple if regex is not None]
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
            self._any = re.compile(
                "|".join(f"(?:{_DIRECTORY_MARK.sub('(?:', regex)})" for _, regex in active)
            )
        self._empty = not active

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (POSIX, relative; a directory ends with ``/``) is excluded."""
        return self.verdict(path) is True

    def verdict(self, path: str) -> bool | None:
        """True: excluded; False: re-included by a negation; None: no pattern matches."""
        if self._empty:
            return None
        if self._any is not None:
            return True if self._any.search(path) else None
        assert self._spec is not None  # a negation is never simple: pathspec read the lines
        include: bool | None = self._spec.check_file(path).include
        return include
