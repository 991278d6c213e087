"""The names of a project's own TrainingArguments subclasses, found across its files by text.

A file that only calls ``FinetuneArguments(...)``, imported from ``utils/args.py``, never names
``TrainingArguments``; this index lets the Python adapter see that call (and lets its text
pre-check pass the file) without parsing every module of the project. Names only: the resolver
confirms each call by following the real imports, so a name shared by an unrelated class costs a
lookup, never a finding.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES

_CLASS = re.compile(rb"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)
_DOTTED_NAME = re.compile(rb"[A-Za-z_][\w.]*")
_SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
    }
)
_MAX_FILES = 20_000
_MAX_LEVELS = 8
_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
_MAX_FILE_BYTES = 2 * 1024 * 1024

_INDEX: dict[Path, frozenset[str]] = {}


def project_root(path: Path) -> Path:
    """The directory whose files count as the project of ``path``: the nearest ancestor that
    holds ``.git``, ``pyproject.toml``, ``setup.py`` or ``setup.cfg``, but never above the
    working directory when ``path`` lies under it (kefix reads nothing outside the given paths
    and the working directory); without a marker, the working directory, or the file's own
    directory when it lies elsewhere."""
    return Path(_root_of_directory(os.path.dirname(os.path.abspath(path)), os.getcwd()))


@functools.lru_cache(maxsize=4096)
def _root_of_directory(directory: str, here: str) -> str:
    """``project_root`` of every file in ``directory``: asked once per directory, not once per
    file (a tree's files share their few directories, and each answer costs up to 32 stats)."""
    current = directory
    for _ in range(_MAX_LEVELS):
        if any(os.path.exists(os.path.join(current, marker)) for marker in _PROJECT_MARKERS):
            return current
        if current == here:
            return here
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return directory


def training_subclasses(root: Path) -> frozenset[str]:
    """Names of classes under ``root`` deriving, directly or through each other, from a
    transformers or trl training class (read once per root)."""
    if root not in _INDEX:
        _INDEX[root] = _scan(root)
    return _INDEX[root]


def _scan(root: Path) -> frozenset[str]:
    bases_of: dict[str, set[str]] = {}
    for path in _python_files(root):
        try:
            if path.stat().st_size > _MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"class" not in data:
            continue
        for match in _CLASS.finditer(data):
            name = match.group(1).decode("ascii", "replace")
            bases = {
                base.decode("ascii", "replace").rsplit(".", 1)[-1]
                for base in _DOTTED_NAME.findall(match.group(2))
            }
            bases_of.setdefault(name, set()).update(bases)
    found: set[str] = set()
    known = set(TRAINING_CLASS_NAMES)
    changed = True
    while changed:
        changed = False
        for name, bases in bases_of.items():
            if name not in known and bases & known:
                known.add(name)
                found.add(name)
                changed = True
    return frozenset(found)


def _python_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in _SKIPPED_DIRECTORIES and not name.endswith(".egg-info")
        )
        for name in sorted(names):
            if name.endswith(".py"):
                files.append(Path(directory) / name)
                if len(files) >= _MAX_FILES:
                    return files
    return files
