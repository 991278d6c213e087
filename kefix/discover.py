"""Which files under the given paths kefix reads, and as what kind of source.

kefix never follows a path outside the roots it was given: a symlink whose target lies outside
every root is skipped (and said so), directories reached through symlinks are not walked (which
also makes symlink loops harmless), and a directory that cannot be listed is reported, not fatal.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_BASH_SUFFIXES = frozenset({".sh", ".bash"})
_SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}
)
_SHEBANG_SHELLS = frozenset({b"bash", b"sh", b"zsh"})
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "bash"


@dataclass(frozen=True)
class Skipped:
    """A path kefix did not read, and why (shown as KF902)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Roots:
    """The places a run may read and write: the given directories, and the given files."""

    directories: tuple[str, ...]
    files: frozenset[str]

    @classmethod
    def of(cls, paths: Sequence[Path]) -> Roots:
        directories = tuple(os.path.realpath(path) for path in paths if path.is_dir())
        files = frozenset(os.path.realpath(path) for path in paths if not path.is_dir())
        return cls(directories, files)

    def contain(self, path: Path) -> bool:
        """Whether ``path``, with every symlink resolved, lies inside the roots."""
        real = os.path.realpath(path)
        return real in self.files or any(
            real == root or real.startswith(root.rstrip(os.sep) + os.sep)
            for root in self.directories
        )


def discover(paths: Sequence[Path]) -> Iterator[SourceFile | Skipped]:
    """Source files in ``paths`` (files given explicitly are always read), in a stable order.

    Paths kefix will not read come back as ``Skipped`` when they look like sources (a ``.sh``
    symlink leading outside the roots or into a loop, a directory it cannot list).
    """
    roots = Roots.of(paths)
    seen: set[str] = set()
    for root in paths:
        candidates: Iterator[Path | Skipped] = iter([root]) if not root.is_dir() else _walk(root)
        for candidate in candidates:
            if isinstance(candidate, Skipped):
                yield candidate
                continue
            path = candidate
            explicit = path == root
            if path.is_symlink():
                problem = _symlink_problem(path, roots)
                if problem:
                    if explicit or path.suffix in _BASH_SUFFIXES:
                        yield Skipped(path, problem)
                    continue
            # realpath never raises (a loop was caught above); resolve() would.
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            kind = source_kind(path, explicit=explicit)
            if kind is not None:
                yield SourceFile(path, kind)


def _symlink_problem(path: Path, roots: Roots) -> str:
    """Why a symlink must not be followed ('' when its target is a file inside the roots)."""
    try:
        path.stat()
    except FileNotFoundError:
        return ""  # dangling: reading it reports "could not read", as for any vanished file
    except OSError as error:
        return f"skipped: symlink cannot be followed ({error.strerror or error})"
    if not roots.contain(path):
        return "skipped: symlink to a file outside the given paths"
    return ""


def _walk(root: Path) -> Iterator[Path | Skipped]:
    failures: list[OSError] = []
    # os.walk does not descend into symlinked directories (followlinks=False): no loops, and
    # nothing outside the root is listed through them.
    for directory, subdirectories, files in os.walk(root, onerror=failures.append):
        while failures:
            failure = failures.pop(0)
            where = Path(failure.filename) if failure.filename else Path(directory)
            yield Skipped(where, f"could not read directory: {failure.strerror or failure}")
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIPPED_DIRECTORIES)
        for name in sorted(files):
            yield Path(directory) / name
    for failure in failures:
        where = Path(failure.filename) if failure.filename else root
        yield Skipped(where, f"could not read directory: {failure.strerror or failure}")


def source_kind(path: Path, *, explicit: bool = False) -> str | None:
    """``"bash"`` for shell scripts (by suffix or shebang); None for anything kefix does not read.

    A file named on the command line without a suffix is read as bash even without a shebang.
    """
    if path.suffix in _BASH_SUFFIXES:
        return "bash"
    if path.suffix:
        return None
    try:
        with path.open("rb") as handle:
            first_line = handle.readline(200).rstrip()
    except OSError:
        return "bash" if explicit else None
    # "#!/usr/bin/env bash" names the shell last; "#!/" names none (and must not crash).
    interpreter = first_line.rsplit(b"/", 1)[-1].split()
    if first_line.startswith(b"#!") and interpreter and interpreter[-1] in _SHEBANG_SHELLS:
        return "bash"
    return "bash" if explicit else None
