"""Find the file a launch runs: ``src/finetune.py`` relative to wherever the script runs from.

Scripts are started from the repository root, from their own directory, or after a ``cd``; kefix
tries those places in that order and takes the first file that exists, never guessing past it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from kefix.model import Launch
from kefix.resolve import filesystem

_MAX_ANCESTORS = 8


def locate_entry(launch: Launch, script: Path, roots: Sequence[Path]) -> Path | None:
    """The entry script or module file of ``launch`` started from ``script``, if it exists
    inside ``roots``: kefix reads nothing outside the paths it was given (and the working
    directory)."""
    if launch.entry is None or launch.entry_kind == "cli":
        return None
    allowed = [filesystem.realpath(root) for root in roots]
    relatives = _relative_candidates(launch)
    for base in _base_directories(launch, script.parent):
        for relative in relatives:
            candidate = base / relative
            if filesystem.is_file(candidate) and _inside(filesystem.realpath(candidate), allowed):
                return candidate
    return None


def locate_relative(
    relative: str, launch: Launch, script: Path, roots: Sequence[Path]
) -> Path | None:
    """A file the launch names by a path relative to where it runs (a config file), looked
    for where its entry script would be; only inside ``roots``."""
    allowed = [filesystem.realpath(root) for root in roots]
    if Path(relative).is_absolute():
        candidate = Path(relative)
        found = filesystem.is_file(candidate) and _inside(filesystem.realpath(candidate), allowed)
        return candidate if found else None
    for base in _base_directories(launch, script.parent):
        candidate = base / relative
        if filesystem.is_file(candidate) and _inside(filesystem.realpath(candidate), allowed):
            return candidate
    return None


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _relative_candidates(launch: Launch) -> list[Path]:
    entry = launch.entry or ""
    if launch.entry_kind == "module":
        if not all(part.isidentifier() for part in entry.split(".")):
            return []  # `python -m $MODULE`: no file to read (and Path("") has no suffix)
        module = Path(*entry.split("."))
        return [module.with_suffix(".py"), module / "__main__.py"]
    return [Path(entry)]


def _base_directories(launch: Launch, script_dir: Path) -> Iterator[Path]:
    for hint in launch.workdir_hints:
        if hint.startswith("$SCRIPT_DIR"):
            yield script_dir / ("." + hint[len("$SCRIPT_DIR") :])
        elif not Path(hint).is_absolute():
            yield script_dir / hint
            for ancestor in _ancestors(script_dir):
                yield ancestor / hint
    yield script_dir
    yield from _ancestors(script_dir)


def _ancestors(directory: Path) -> Iterator[Path]:
    """Parents of ``directory`` up to the repository root (the first one holding ``.git``)."""
    current = filesystem.realpath(directory)
    for _ in range(_MAX_ANCESTORS):
        if filesystem.exists(current / ".git") or current.parent == current:
            return
        current = current.parent
        yield current
