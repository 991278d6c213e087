"""How kefix names files to users: relative to the working directory when possible, POSIX style."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """``ft_scripts/run.sh`` for files under the working directory, the absolute path otherwise."""
    # String operations, not Path.relative_to: a run names every file it reads this way.
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if absolute == cwd:
        shown = "."
    elif absolute.startswith(prefix):
        shown = absolute[len(prefix) :]
    else:
        shown = absolute
    return shown if os.sep == "/" else shown.replace(os.sep, "/")
