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
import time
from pathlib import Path
from typing import Any

from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES
from kefix.resolve import filesystem
from kefix.write import read_bytes

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
_SETTLED_NS = 2_000_000_000


def project_root(path: Path) -> Path:
    """The directory whose files count as the project of ``path``: the nearest ancestor that
    holds ``.git``, ``pyproject.toml``, ``setup.py`` or ``setup.cfg``, but never above the
    working directory when ``path`` lies under it (kefix reads nothing outside the given paths
    and the working directory); without a marker, the working directory, or the file's own
    directory when it lies elsewhere."""
    return Path(filesystem.derived("project", os.path.dirname(os.path.abspath(path))))


def subclasses_around(directory: str) -> frozenset[str]:
    """``training_subclasses(project_root(...))`` for a file in the absolute, normalised
    ``directory``: the same two questions, asked without building paths (every Python file
    that a check reads asks them)."""
    return _names(filesystem.derived("subclasses", filesystem.derived("project", directory)))


def project_answer(directory: str) -> str:
    """``project_root`` of the files in ``directory`` (a file-system question: asked once per
    directory and run, and one fact for the cache instead of the markers it looked for)."""
    return _marked(directory, _MAX_LEVELS, os.getcwd()) or directory


def project_inputs(directory: str) -> list[str] | None:
    """The directories whose entries decided ``project_answer(directory)`` in this run (which
    markers they hold), when their stamps alone say whether it still holds: None when this
    process did not decide it, or a marker is a symlink (its target may come and go)."""
    marked = filesystem.run_memo("markers")
    linked = filesystem.run_memo("linked markers")  # the directories of a monorepo are shared
    here, parent, chain = os.getcwd(), directory, []
    for _ in range(_MAX_LEVELS):
        held = marked.get(parent)
        if held is None:
            return None
        chain.append(parent)
        if parent not in linked:
            linked[parent] = any(
                os.path.islink(os.path.join(parent, name)) for name in _PROJECT_MARKERS
            )
        if linked[parent]:
            return None
        above = os.path.dirname(parent)
        if held or parent == here or above == parent:
            break
        parent = above
    return chain


def _marked(parent: str, levels: int, here: str) -> str | None:
    """The nearest of ``parent`` and at most ``levels - 1`` directories above it that holds a
    project marker, or is ``here`` (None: none). Kept for the run's snapshot: the directories
    of a monorepo share their ancestors, and each was looked at once per directory below it."""
    if levels <= 0:
        return None
    memo = filesystem.run_memo("marked")
    key = (parent, levels, here)
    if key in memo:
        found: str | None = memo[key]
        return found
    marked = filesystem.run_memo("markers")  # by directory: reached at different levels
    held = marked.get(parent)
    if held is None:
        held = marked[parent] = any(
            filesystem.exists(os.path.join(parent, name)) for name in _PROJECT_MARKERS
        )
    if held:
        found = parent
    elif parent == here:
        found = here
    else:
        above = os.path.dirname(parent)
        found = None if above == parent else _marked(above, levels - 1, here)
    memo[key] = found
    return found


def training_subclasses(root: Path) -> frozenset[str]:
    """Names of classes under ``root`` deriving, directly or through each other, from a
    transformers or trl training class (read once per run: a file-system question, see
    ``kefix.resolve.filesystem``). Recorded as a fact of the check under way: a subclass added
    anywhere in the project re-checks what used it."""
    return _names(filesystem.derived("subclasses", str(root)))


@functools.lru_cache(maxsize=64)
def _names(index: str) -> frozenset[str]:
    """The names of an index answer: one set per answer, not one per file that asks (a
    monorepo's index holds hundreds of names, and the set is a memo key of every read)."""
    return frozenset(index.split("\n")) if index else frozenset()


def index_answer(root: str) -> str:
    """The index of ``root`` as one string, the answer a cache compares."""
    return "\n".join(sorted(_scan(Path(root))))


def _scan(root: Path) -> frozenset[str]:
    bases_of: dict[str, set[str]] = {}
    # path -> [size, mtime_ns, ctime_ns, classes]: what the last scan read, by the file's stamp
    read_before = filesystem.kept("classes")
    if not isinstance(read_before, dict):
        read_before = {}
    read_now: dict[str, Any] = {}
    settled = time.time_ns() - _SETTLED_NS
    files, directories, vouched = _python_files(root)
    # What the index rests on, for a run's record: the directories listed and the files read.
    filesystem.inputs()[("subclasses", os.fspath(root))] = (
        [*directories, *files] if vouched else None
    )
    for path in files:
        try:
            stat = filesystem.stat(path)
        except OSError:
            continue
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]
        defined = _still_read(read_before.get(path), stamp)
        if defined is None:
            defined = _classes_in(path, stat.st_size)
        # A file changed within the last seconds could change again with the same stamp (the
        # clock's resolution): read it again next time, as git treats "racily clean" files.
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < settled:
            read_now[path] = [*stamp, defined]
        for name, bases in defined:
            bases_of.setdefault(name, set()).update(bases)
    if read_now != read_before:
        filesystem.keep("classes", read_now)
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


def _still_read(before: object, stamp: list[int]) -> list[list[Any]] | None:
    """The classes of a well-formed record of the last scan for a file still at ``stamp``."""
    if not isinstance(before, list) or len(before) != 4 or before[:3] != stamp:
        return None
    classes = before[3]
    well_formed = isinstance(classes, list) and all(
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], list)
        and all(isinstance(base, str) for base in item[1])
        for item in classes
    )
    return classes if well_formed else None


def _classes_in(path: str, size: int) -> list[list[Any]]:
    """The classes ``path`` defines, each with the last parts of its bases' names (as JSON
    data: [[name, [base, ...]], ...])."""
    if size > _MAX_FILE_BYTES:
        return []
    try:
        data = read_bytes(path)
    except OSError:
        return []
    if b"class" not in data:
        return []
    return [
        [
            match.group(1).decode("ascii", "replace"),
            sorted(
                {
                    base.decode("ascii", "replace").rsplit(".", 1)[-1]
                    for base in _DOTTED_NAME.findall(match.group(2))
                }
            ),
        ]
        for match in _CLASS.finditer(data)
    ]


def _python_files(root: Path) -> tuple[list[str], list[str], bool]:
    """The ``.py`` files under ``root`` in ``os.walk``'s order (sorted, skipped directories
    pruned, symlinked directories not entered), at most ``_MAX_FILES``; the directories
    listed; whether their stamps vouch for the listings (no symlink, none unlistable).

    A directory still at the stamp the last scan saw, settled and holding no symlink, holds the
    same entries (its times change when one is added, removed or renamed in it, which the run
    record relies on too): its listing comes from then, without listing it again (a warm run
    re-asks the index, and listing the whole project was most of its cost)."""
    listed_before = filesystem.kept("listings")
    if not isinstance(listed_before, dict):
        listed_before = {}
    listed_now: dict[str, Any] = {}
    settled = time.time_ns() - _SETTLED_NS
    files: list[str] = []
    directories: list[str] = []
    vouched = True
    pending = [os.fspath(root)]
    while pending:
        directory = pending.pop()
        directories.append(directory)
        listing = _listing(directory, listed_before, listed_now, settled)
        if listing is None:
            vouched = False
            continue
        subdirectories, names, linked = listing
        vouched = vouched and not linked
        for name in names:
            files.append(os.path.join(directory, name))
            if len(files) >= _MAX_FILES:
                pending.clear()
                break
        pending.extend(os.path.join(directory, name) for name in reversed(subdirectories))
    if listed_now != listed_before:
        filesystem.keep("listings", listed_now)
    return files, directories, vouched


def _listing(
    directory: str, listed_before: dict[str, Any], listed_now: dict[str, Any], settled: int
) -> tuple[list[str], list[str], bool] | None:
    """The subdirectories to walk and the ``.py`` names of ``directory``, both sorted, and
    whether it holds a symlink (None when it cannot be listed, as ``os.walk`` skips it)."""
    try:
        stat = filesystem.stat(directory)
    except OSError:
        stat = None
    stamp = None
    if stat is not None:
        stamp = filesystem.stamp(stat)
        before = listed_before.get(directory)
        if (
            isinstance(before, list)
            and len(before) == 3
            and before[0] == stamp
            and isinstance(before[1], list)
            and isinstance(before[2], list)
            and all(isinstance(name, str) for name in before[1])
            and all(isinstance(name, str) for name in before[2])
        ):
            listed_now[directory] = before
            return before[1], before[2], False  # kept only when it held no symlink
    subdirectories: list[str] = []
    names: list[str] = []
    linked = False
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    is_directory = entry.is_dir()
                except OSError:
                    is_directory = False
                try:
                    symlink = entry.is_symlink()
                except OSError:
                    symlink, linked = False, True  # os.walk enters it: not a link it can tell
                if symlink:
                    linked = True  # its target can change while the directory keeps its stamp
                    if is_directory:
                        continue  # os.walk lists it but does not enter it
                if is_directory:
                    if _entered(entry.name):
                        subdirectories.append(entry.name)
                elif entry.name.endswith(".py"):
                    names.append(entry.name)
    except OSError:
        return None
    subdirectories.sort()
    names.sort()
    # A directory changed within the last seconds could change again with the same stamp.
    if stamp is not None and not linked and max(stamp[1], stamp[2]) < settled:
        listed_now[directory] = [stamp, subdirectories, names]
    return subdirectories, names, linked


def _entered(name: str) -> bool:
    """Whether the scan enters a subdirectory called ``name``."""
    return name not in _SKIPPED_DIRECTORIES and not name.endswith(".egg-info")
