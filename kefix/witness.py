"""What a run's list of files and their targets depend on, besides the files' own facts.

Discovery lists directories, reads ignore files and looks for ``.git``; the target search lists
directories and reads pin files. A run records the paths here, and the cache keeps their stamps
(``kefix.cache``'s run snapshot): while every directory keeps its stamp no entry was added,
removed or renamed in it (a directory's times change then), and while every file keeps its
stamp it holds the same bytes. Where only a path's existence matters (``.git`` above the
roots: ``/tmp`` changes all the time), the record keeps whether it existed. Anything the
record cannot vouch for (a symlink, a directory kefix could not list, a file it could not
read) makes the run ``unsure``: it is not recorded.
"""

from __future__ import annotations

import os


class Witness:
    """Paths whose stamps vouch for a run's discovery and targets."""

    __slots__ = ("directories", "exists", "files", "unsure")

    def __init__(self) -> None:
        self.directories: set[str] = set()
        self.files: set[str] = set()
        # Paths whose existence alone mattered (where a repository starts), as the run saw it.
        self.exists: dict[str, bool] = {}
        self.unsure = False

    def directory(self, path: str) -> None:
        self.directories.add(os.path.abspath(path))

    def file(self, path: str) -> None:
        self.files.add(os.path.abspath(path))
