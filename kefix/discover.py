"""Which files under the given paths kefix reads, and as what kind of source."""

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


def discover(paths: Sequence[Path]) -> Iterator[SourceFile]:
    """Source files in ``paths`` (files given explicitly are always read), in a stable order."""
    seen: set[Path] = set()
    for root in paths:
        candidates = [root] if root.is_file() else _walk(root)
        for path in candidates:
            key = path.resolve()
            if key in seen:
                continue
            seen.add(key)
            kind = source_kind(path, explicit=path == root)
            if kind is not None:
                yield SourceFile(path, kind)


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIPPED_DIRECTORIES)
        for name in sorted(files):
            yield Path(directory) / name


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
    if (
        first_line.startswith(b"#!")
        and first_line.rsplit(b"/", 1)[-1].split()[-1] in _SHEBANG_SHELLS
    ):
        return "bash"
    return "bash" if explicit else None
