"""File names as GitHub expects them in SARIF and annotations: relative to the repository root."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote


def repository_root(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: the working directory) holding
    ``.git`` (a directory, or a file for worktrees and submodules); None outside a repository."""
    here = Path(os.path.abspath(start or Path.cwd()))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None


def repo_path(display: str, root: Path | None) -> str:
    """``display`` (a path relative to the working directory, or absolute) relative to ``root``,
    POSIX style; unchanged when there is no root or the file lies outside it."""
    if root is None or not display:
        return display
    absolute = Path(os.path.abspath(display))  # lexical: a symlink keeps the name it was found by
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return display


def artifact_uri(display: str, root: Path | None) -> str:
    """A SARIF ``artifactLocation.uri``: repo-relative and percent-encoded, or a ``file:`` URI
    for a file outside the repository."""
    path = repo_path(display, root)
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(path, safe="/")
