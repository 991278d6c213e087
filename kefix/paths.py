"""How kefix names files to users: relative to the working directory when possible, POSIX style."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path | str) -> str:
    """``ft_scripts/run.sh`` for files under the working directory, the absolute path otherwise."""
    return display_absolute(os.path.abspath(path), os.getcwd())


def display_absolute(absolute: str, cwd: str) -> str:
    """``display_path`` of the absolute, normalised ``absolute`` with ``cwd`` as the working
    directory (a run names every file it reads: one ``abspath`` and ``getcwd`` a run, not
    one a file)."""
    # String operations, not Path.relative_to.
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if absolute == cwd:
        shown = "."
    elif absolute.startswith(prefix):
        shown = absolute[len(prefix) :]
    else:
        shown = absolute
    return shown if os.sep == "/" else shown.replace(os.sep, "/")
