"""How kefix names files to users: relative to the working directory when possible, POSIX style."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """``ft_scripts/run.sh`` for files under the working directory, the absolute path otherwise."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()
