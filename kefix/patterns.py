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


class GitIgnorePatterns:
    """Compiled patterns: ``match_file`` (is the path excluded?) and ``verdict`` (excluded,
    re-included by a ``!`` pattern, or not mentioned)."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        import pathspec  # ~10 ms: only when a path is matched against patterns

        self.spec: pathspec.GitIgnoreSpec = pathspec.GitIgnoreSpec.from_lines(lines)
        active = [
            (p.include, p.regex.pattern)
            for p in self.spec.patterns
            if p.include is not None and p.regex is not None
        ]
        self._any: re.Pattern[str] | None = None
        self._negated = any(not include for include, _ in active)
        if active and not self._negated:
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
        include: bool | None = self.spec.check_file(path).include
        return include
