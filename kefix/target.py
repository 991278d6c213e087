"""Which transformers release(s) a project targets: an explicit choice, the nearest pin, or newest.

The same reading serves other packages (``package="ms-swift"``): the frameworks whose own
arguments kefix knows per release (``kefix.resolve.framework``).

The pin is read statically from the nearest directory (walking up from the script to the
repository root) that declares transformers in ``pyproject.toml``, ``requirements*.txt``,
``setup.cfg``, ``setup.py``, ``environment.yml`` or a lock file. Nothing is executed or imported:
``setup.py`` is read with ``ast``, ``environment.yml`` with a reader for the small part of YAML
conda files use. Malformed files are skipped and named in the reason, never raised.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
from packaging.version import InvalidVersion, Version

from kefix.lazy_pattern import LazyPattern
from kefix.package_names import canonical_name
from kefix.partial_equality import PartlyCompared
from kefix.paths import display_path

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

# packaging's requirement, specifier and marker parsers (~15 ms to import) and configparser are
# imported where a pin is read: most runs find no pin, or take the target from the command line.

PACKAGE = "transformers"

# The package whose pins are being read. A context variable rather than a parameter of every
# reader below: the readers are the same for every package, only the name they look for changes.
_PACKAGE: contextvars.ContextVar[str] = contextvars.ContextVar("package", default=PACKAGE)


# The files and directories beyond the searched directories themselves that the pins were read
# from, for a run that records what its targets depend on (``kefix.witness``); None otherwise.
_read_paths: set[str] | None = None


@contextlib.contextmanager
def recording_reads(paths: set[str]) -> Iterator[None]:
    """Add to ``paths`` every pin file read (or looked for) until the block ends (and to the
    paths of an enclosing block)."""
    global _read_paths
    outer, _read_paths = _read_paths, paths
    try:
        yield
    finally:
        _read_paths = outer
        if outer is not None:
            outer.update(paths)


def _read(path: Path) -> None:
    if _read_paths is not None:
        _read_paths.add(os.path.abspath(path))


def _package() -> str:
    return _PACKAGE.get()


@functools.lru_cache(maxsize=16)
def _name_pattern(package: str) -> str:
    """``package`` as a regex accepting ``-``, ``_`` and ``.`` for one another (PEP 503)."""
    return "[-_.]+".join(re.escape(part) for part in re.split(r"[-_.]+", package))


def _mentions(text: str) -> bool:
    return re.search(_name_pattern(_package()), text, re.IGNORECASE) is not None


# Lock files in the order they are consulted; all but Pipfile.lock are TOML.
_LOCK_FILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock")
_ENVIRONMENT_FILES = ("environment.yml", "environment.yaml")


class TargetVersionError(ValueError):
    """An explicit target (``--target-transformers``) is neither a version nor a specifier."""


class TargetVersions(msgspec.Struct, frozen=True):
    """The known releases to check against, ascending, and why they were chosen."""

    versions: tuple[str, ...]
    reason: str
    source: Path | None


# Pins a directory declares, the notes reading them gave, whether the search stops there (a
# repository's root) and the files read (or looked for) besides its listing, per package and
# directory (one run's memo).
DirectoryPins = dict[tuple[str, Path], tuple[list["_Pin"], list[str], bool, frozenset[str]]]


def target_versions(
    start: Path,
    known: Sequence[str],
    explicit: str | None = None,
    *,
    package: str = PACKAGE,
    read: DirectoryPins | None = None,
) -> TargetVersions:
    """Known releases the project at ``start`` (a directory or file) targets, and why.

    ``explicit`` (``--target-transformers`` / ``[tool.kefix] target-transformers``: ``"4.40"``,
    ``"4.40.2"`` or a specifier such as ``">=4.40,<4.46"``) wins; otherwise the nearest project
    pin found walking up from ``start`` to the repository root (a directory containing ``.git``)
    or the filesystem root; otherwise the newest known release. Raises ``TargetVersionError``
    only for an unreadable ``explicit`` and ``ValueError`` for an empty ``known``. ``package``
    names another package to read the pins of (``ms-swift``). ``read`` remembers each
    directory's pins across calls (the scripts of one project share them).
    """

    token = _PACKAGE.set(canonical_name(package))
    try:
        return _target_versions(start, known, explicit, read)
    finally:
        _PACKAGE.reset(token)


def _is_top(directory: Path) -> bool:
    """Whether the search for pins stops at ``directory``: a repository's root, or ``/``."""
    return (directory / ".git").exists() or directory.parent == directory


def _target_versions(
    start: Path, known: Sequence[str], explicit: str | None, read: DirectoryPins | None
) -> TargetVersions:
    catalogue = _Catalogue.of(known)
    if explicit is not None:
        return _from_explicit(explicit, catalogue)
    start_dir = _search_start(start)
    notes: list[str] = []
    here = start_dir
    while True:
        if read is None:
            pins, last = _pins_in_directory(here, notes), _is_top(here)
        else:
            key = (_package(), here)
            if key not in read:
                found: list[str] = []
                looked_at: set[str] = set()
                with recording_reads(looked_at):
                    pins_here = _pins_in_directory(here, found)
                read[key] = (pins_here, found, _is_top(here), frozenset(looked_at))
            pins, found, last, _ = read[key]
            notes.extend(found)
        if pins:
            return _from_pins(pins, catalogue, notes)
        if last:
            break
        here = here.parent
    where = display_path(start_dir)
    top = display_path(here)
    searched = where if top == where else f"{where} or its parents up to {top}"
    main = f"no {_package()} pin found in {searched}; assuming newest known release"
    return catalogue.newest(_with_notes(f"{main} {catalogue.newest_name}", notes))


def _search_start(start: Path) -> Path:
    """The directory a search for the pins of ``start`` (a directory or file) begins in."""
    start_dir = Path(os.path.abspath(start))
    return start_dir if start_dir.is_dir() else start_dir.parent


def searched_paths(start: Path, read: DirectoryPins, package: str = PACKAGE) -> list[str] | None:
    """What the pins ``target_versions(start, ..., package=package, read=read)`` found rest
    on, besides the releases kefix knows: the directories it searched (their listings decided
    which files hold pins, and where the search stops) and the files it read or looked for.
    None when ``read`` lacks a directory of that search (it was not made with ``read``)."""
    paths: list[str] = []
    here = _search_start(start)
    while True:
        entry = read.get((canonical_name(package), here))
        if entry is None:
            return None
        pins, _, last, looked_at = entry
        paths.append(os.fspath(here))
        paths.extend(looked_at)
        if pins or last:
            return paths
        here = here.parent


# --- known releases -------------------------------------------------------------------------------


class _Catalogue(msgspec.Struct, frozen=True):
    """The releases kefix has data for, parsed and sorted."""

    releases: tuple[tuple[Version, str], ...]

    @classmethod
    def of(cls, known: Sequence[str]) -> _Catalogue:
        return _catalogue(tuple(known))

    @classmethod
    def _parse(cls, known: Sequence[str]) -> _Catalogue:
        releases = []
        for name in known:
            try:
                releases.append((Version(name), name))
            except InvalidVersion:
                continue
        if not releases:
            raise ValueError(f"target_versions needs at least one known {_package()} release")
        return cls(tuple(sorted(releases)))

    @property
    def newest_name(self) -> str:
        return self.releases[-1][1]

    def newest(self, reason: str, source: Path | None = None) -> TargetVersions:
        return TargetVersions((self.newest_name,), reason, source)

    def admitted(self, admits: Callable[[Version], bool]) -> list[str]:
        return [name for version, name in self.releases if admits(version)]

    def nearest(self, wanted: Version) -> tuple[str, str] | None:
        """The known release for an exact version, and how it was chosen ("" if it is known).

        An unknown patch maps to the known release of the same minor nearest below it, or if
        there is none, nearest above; never to another minor, whose flags may differ.
        """
        for version, name in self.releases:
            if version == wanted:
                return name, ""
        minor = _minor(wanted)
        same = [(version, name) for version, name in self.releases if _minor(version) == minor]
        below = [pair for pair in same if pair[0] < wanted]
        if below:
            return max(below)[1], f"the nearest known {_minor_text(minor)}.x below"
        above = [pair for pair in same if pair[0] > wanted]
        if above:
            return min(above)[1], f"the nearest known {_minor_text(minor)}.x above"
        return None


def _minor(version: Version) -> tuple[int, int]:
    release = (*version.release, 0)
    return release[0], release[1]


def _minor_text(minor: tuple[int, int]) -> str:
    return f"{minor[0]}.{minor[1]}"


def _describe_versions(names: Sequence[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} … {names[-1]} ({len(names)} known releases)"


def _with_notes(main: str, notes: Sequence[str]) -> str:
    return "; ".join([main, *notes])


# --- explicit target ------------------------------------------------------------------------------

# This module's patterns are compiled on first use: most runs never read a pin (~1 ms of every
# start-up for the eleven of them).


_major_or_minor = LazyPattern(r"v?(\d+(?:\.\d+)?)")


def _from_explicit(explicit: str, catalogue: _Catalogue) -> TargetVersions:
    from packaging.specifiers import SpecifierSet

    text = explicit.strip()
    label = f'target-{_package()} "{text}"'
    bare = _major_or_minor().fullmatch(text)
    if bare:
        # "4.40" names a minor, not 4.40.0: the newest known patch of it.
        prefix = tuple(int(part) for part in bare.group(1).split("."))
        names = [
            name for version, name in catalogue.releases if version.release[: len(prefix)] == prefix
        ]
        if names:
            return TargetVersions(
                (names[-1],),
                f"{label} selects {names[-1]}, the newest known {bare.group(1)}.x",
                None,
            )
        return catalogue.newest(
            f"{label} matched no known release; assuming newest known {catalogue.newest_name}"
        )
    try:
        alternatives: tuple[SpecifierSet, ...] = (
            SpecifierSet(f"=={Version(text)}"),
        )  # v-prefix ok
    except InvalidVersion:
        alternatives = _explicit_specifier(text)
    pin = _Pin(path=None, line=None, text=label, alternatives=alternatives)
    return _from_pins([pin], catalogue, [])


def _explicit_specifier(text: str) -> tuple[SpecifierSet, ...]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        if text.startswith(("^", "~")) and not text.startswith("~="):
            return _poetry_constraint(text)
        if re.match(rf"{_name_pattern(_package())}\b(?!-)", text, re.IGNORECASE):
            return (Requirement(text).specifier,)
        return (SpecifierSet(text),)
    except (InvalidSpecifier, InvalidRequirement, InvalidVersion) as error:
        raise TargetVersionError(
            f"target-{_package()} {text!r} is neither a version (4.40, 4.40.2) nor a "
            f"specifier (>=4.40,<4.46): {error}"
        ) from error


# --- pins and how they combine --------------------------------------------------------------------


class _Pin(PartlyCompared, frozen=True):
    """One declaration of transformers. ``alternatives`` are OR-ed; None means not a release."""

    path: Path | None
    line: int | None
    text: str
    alternatives: tuple[SpecifierSet, ...] | None
    locked: bool = False
    marker: Marker | None = None

    uncompared: ClassVar[frozenset[str]] = frozenset({"marker"})

    def where(self) -> str:
        if self.path is None:
            return self.text
        place = display_path(self.path) + (f":{self.line}" if self.line is not None else "")
        return f"{self.text} in {place}"

    @property
    def unconstrained(self) -> bool:
        return self.alternatives is not None and all(not alt for alt in self.alternatives)


def _joined(pins: Sequence[_Pin]) -> str:
    parts = [pin.where() for pin in pins]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _from_pins(pins: list[_Pin], catalogue: _Catalogue, notes: list[str]) -> TargetVersions:
    locked = [pin for pin in pins if pin.locked]
    if locked:
        lock_file = locked[0].path
        chosen = [pin for pin in locked if pin.path == lock_file]
        overridden = [pin for pin in pins if pin not in chosen]
        if overridden:
            notes = [f"the lock file wins over {_joined(overridden)}", *notes]
        pins = chosen
    source = pins[0].path
    described = _joined(pins)
    newest = catalogue.newest_name

    not_releases = [pin for pin in pins if pin.alternatives is None]
    if not_releases:
        main = f"{_joined(not_releases)} is not a released version; assuming newest known {newest}"
        return catalogue.newest(_with_notes(main, notes), source)
    if all(pin.unconstrained for pin in pins):
        main = f"{described} has no version constraint; assuming newest known {newest}"
        return catalogue.newest(_with_notes(main, notes), source)

    versions, how = _resolve(pins, catalogue)
    if not versions and any(pin.marker is not None for pin in pins):
        # Markers are ignored unless the pins conflict: then keep those that hold here.
        active = [pin for pin in pins if pin.marker is None or _marker_holds(pin.marker)]
        if active and len(active) < len(pins):
            versions, how = _resolve(active, catalogue)
            pins, described, source = active, _joined(active), active[0].path
            python = f"{sys.version_info[0]}.{sys.version_info[1]}"
            notes = [
                f"kept only the pins whose environment marker holds on Python {python}",
                *notes,
            ]
    if not versions:
        verb = "match" if len(pins) > 1 else "matched"
        main = f"{described} {how or verb + ' no known release'}; assuming newest known {newest}"
        return catalogue.newest(_with_notes(main, notes), source)
    verb = "admit" if len(pins) > 1 else "admits"
    main = f"{described} {how or verb + ' ' + _describe_versions(versions)}"
    return TargetVersions(tuple(versions), _with_notes(main, notes), source)


def _resolve(pins: Sequence[_Pin], catalogue: _Catalogue) -> tuple[list[str], str]:
    """Known releases every pin admits, and a sentence when an exact pin decided them."""
    alternatives = [pin.alternatives for pin in pins if pin.alternatives is not None]
    exact_sets = [_exact_versions(alts) for alts in alternatives]
    exact_pins = [versions for versions in exact_sets if versions is not None]
    if not exact_pins:

        def admits(version: Version) -> bool:
            return all(
                any(alt.contains(version, prereleases=False) for alt in alts)
                for alts in alternatives
            )

        return catalogue.admitted(admits), ""

    # An exact pin names versions that may not be known; other pins may only narrow them.
    candidates = sorted(
        {
            version
            for version in exact_pins[0]
            if all(version in others for others in exact_pins[1:])
            and all(
                any(alt.contains(version, prereleases=True) for alt in alts)
                for alts in alternatives
            )
        }
    )
    chosen: list[str] = []
    explanations: list[str] = []
    for version in candidates:
        mapped = catalogue.nearest(version)
        if mapped is None:
            minor = _minor_text(_minor(version))
            explanations.append(f"{version} is not a known release and no {minor}.x is known")
            continue
        name, how = mapped
        if name not in chosen:
            chosen.append(name)
        if how:
            explanations.append(f"{version} is not a known release; using {name}, {how}")
    if not candidates:
        return [], ""
    ordered = [name for _, name in catalogue.releases if name in chosen]
    verb = "pin" if len(pins) > 1 else "pins"
    sentence = f"{verb} {', '.join(str(version) for version in candidates)}"
    if explanations:
        sentence += "; " + "; ".join(explanations)
    return ordered, sentence


def _exact_versions(alternatives: tuple[SpecifierSet, ...]) -> set[Version] | None:
    """The versions a pin names exactly (``==4.40.2`` in every alternative), else None."""
    versions: set[Version] = set()
    for alt in alternatives:
        exact = [
            spec
            for spec in alt
            if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith("*"))
        ]
        if not exact:
            return None
        try:
            versions.add(Version(exact[0].version))
        except InvalidVersion:
            return None
    return versions


def _marker_holds(marker: Marker) -> bool:
    try:
        return marker.evaluate({"extra": ""})
    except Exception:  # an unknown marker variable is not a reason to drop a pin
        return True


@functools.lru_cache(maxsize=8)
def _catalogue(known: tuple[str, ...]) -> _Catalogue:
    return _Catalogue._parse(known)


# --- reading one directory ------------------------------------------------------------------------


def _pins_in_directory(directory: Path, notes: list[str]) -> list[_Pin]:
    """Every transformers pin declared by files directly in ``directory``, in precedence order."""
    if not _may_declare_pins(directory):
        return []
    toml = _toml_loads()
    pins: list[_Pin] = []
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        pins += _read_guarded(pyproject, notes, functools.partial(_pyproject_pins, toml=toml))
    visited: set[Path] = set()
    for requirements in _requirements_files(directory):
        pins += _requirements_pins(requirements, notes, visited)
    readers: list[tuple[str, Callable[[Path, str], list[_Pin]]]] = [
        ("setup.cfg", _setup_cfg_pins),
        ("setup.py", _setup_py_pins),
        *[(name, functools.partial(_environment_pins, notes=notes)) for name in _ENVIRONMENT_FILES],
        *[(name, functools.partial(_lock_pins, toml=toml)) for name in _LOCK_FILES],
    ]
    for name, read in readers:
        if (directory / name).is_file():
            pins += _read_guarded(directory / name, notes, read)
    return pins


_PIN_FILES = frozenset(
    {"pyproject.toml", "requirements", "setup.cfg", "setup.py", *_ENVIRONMENT_FILES, *_LOCK_FILES}
)


def _may_declare_pins(directory: Path) -> bool:
    """False when one listing of ``directory`` shows none of the files pins are read from (most
    directories a monorepo's scripts live in): no probing each name."""
    try:
        names = os.listdir(directory)
    except OSError:
        return True  # let the readers find out, and say why
    return any(
        name in _PIN_FILES or (name.startswith("requirements") and name.endswith(".txt"))
        for name in names
    )


class _Unreadable(Exception):
    """A file kefix cannot read as what its name says; the message says why."""


_TomlLoads = Callable[[str], dict[str, Any]]


def _read_guarded(
    path: Path, notes: list[str], read: Callable[[Path, str], list[_Pin]]
) -> list[_Pin]:
    import configparser

    _read(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        notes.append(f"skipped {display_path(path)}: {error.strerror or error}")
        return []
    if not _mentions(text):
        return []
    try:
        return read(path, text)
    except _Unreadable as error:
        notes.append(f"skipped {display_path(path)}: {_first_line(error)}")
    except (ValueError, TypeError, SyntaxError, RecursionError, configparser.Error) as error:
        notes.append(f"skipped {display_path(path)}: {type(error).__name__}: {_first_line(error)}")
    return []


def _first_line(error: Exception) -> str:
    """Error messages of packaging span lines (a caret under the text); a reason is one line."""
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def _toml_loads() -> _TomlLoads | None:
    for module_name in ("tomllib", "tomli"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        loads: _TomlLoads = module.loads
        return loads
    return None


def _parse_toml(text: str, toml: _TomlLoads | None) -> dict[str, Any]:
    if toml is None:
        raise _Unreadable(
            f"no TOML parser on Python {sys.version_info[0]}.{sys.version_info[1]} (install tomli)"
        )
    try:
        return toml(text)
    except ValueError as error:  # tomllib.TOMLDecodeError is a ValueError
        raise _Unreadable(f"invalid TOML: {error}") from error


def _line_of(text: str, pattern: str) -> int | None:
    match = re.search(pattern, text, flags=re.MULTILINE | re.IGNORECASE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _line_containing(text: str, needle: str) -> int | None:
    return _line_of(text, re.escape(needle))


# --- PEP 508 requirement strings and locations ----------------------------------------------------


# "transformers" as a whole name: not sentence-transformers, not transformers-stream-generator.
@functools.lru_cache(maxsize=16)
def _name_in_location(package: str) -> re.Pattern[str]:
    name = _name_pattern(package)
    return re.compile(rf"(?:^|[/\\=]){name}(?:\.git)?(?:@(?P<ref>[^/#]+))?$", re.I)


@functools.lru_cache(maxsize=16)
def _archive(package: str) -> re.Pattern[str]:
    name = _name_pattern(package)
    return re.compile(
        rf"(?:^|[/\\]){name}-(?P<version>\d[^-/\\]*?)(?:-[^/\\]+\.whl|\.tar\.gz|\.zip)$", re.I
    )


_tag = LazyPattern(r"v?(\d+\.\d+(?:\.\d+)?)")


def _requirement_pin(text: str, path: Path, line: int | None) -> _Pin | None:
    """The pin in one PEP 508 requirement string, or None if it is about another package."""
    from packaging.requirements import InvalidRequirement, Requirement

    if _looks_like_location(text):
        return _location_pin(text, path, line, named=False)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        if re.match(rf"\s*{_name_pattern(_package())}\b(?!-)", text, re.I):
            raise _Unreadable(f"line {line}: {error}") from error
        return None
    if canonical_name(requirement.name) != _package():
        return None
    if requirement.url:
        return _location_pin(requirement.url, path, line, named=True)
    return _Pin(path, line, text.strip(), (requirement.specifier,), marker=requirement.marker)


_named_url = LazyPattern(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@")


def _looks_like_location(text: str) -> bool:
    if _named_url().match(text):
        return False  # "transformers @ url" is a PEP 508 requirement
    return (
        "://" in text.split(";")[0]
        or text.startswith((".", "/", "~", "file:"))
        or text.lower().endswith((".whl", ".tar.gz", ".zip"))
    )


def _location_pin(location: str, path: Path, line: int | None, named: bool) -> _Pin | None:
    """A transformers install from a URL or path: a release only if a tag or file names one."""
    from packaging.specifiers import SpecifierSet

    base, _, fragment = location.strip().partition("#")
    egg = re.search(r"(?:^|&)egg=([A-Za-z0-9_.\-]+)", fragment)
    base = base.rstrip("/")
    archive = _archive(_package()).search(base)
    by_name = _name_in_location(_package()).search(base)
    is_transformers = (
        named
        or bool(archive)
        or bool(by_name)
        or bool(egg and canonical_name(egg.group(1)) == _package())
    )
    if not is_transformers:
        return None
    version = None
    if archive:
        version = archive.group("version")
    elif by_name and by_name.group("ref"):
        tag = _tag().fullmatch(by_name.group("ref"))
        version = tag.group(1) if tag else None
    elif "@" in base.rsplit("/", 1)[-1]:
        tag = _tag().fullmatch(base.rsplit("@", 1)[-1])
        version = tag.group(1) if tag else None
    text = f"{_package()} from {location.strip()}"
    if version is None:
        return _Pin(path, line, text, None)
    try:
        return _Pin(path, line, text, (SpecifierSet(f"=={Version(version)}"),))
    except InvalidVersion:
        return _Pin(path, line, text, None)


# --- requirements*.txt ----------------------------------------------------------------------------


def _requirements_files(directory: Path) -> list[Path]:
    top = sorted(
        directory.glob("requirements*.txt"), key=lambda p: (p.name != "requirements.txt", p.name)
    )
    nested_dir = directory / "requirements"
    _read(nested_dir)
    nested = sorted(nested_dir.glob("*.txt")) if nested_dir.is_dir() else []
    return [path for path in [*top, *nested] if path.is_file()]


_include = LazyPattern(
    r"(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<path>\S+)"
)


_editable = LazyPattern(r"(?:-e|--editable)(?:\s*=\s*|\s+)(?P<location>\S+)")


# A comment to the line's end, as requirements files and YAML (conda environments) write them.
_comment = LazyPattern(r"(?:^|\s+)#.*$")


_trailing_options = LazyPattern(r"\s+--?[A-Za-z].*$")


def _requirements_pins(path: Path, notes: list[str], visited: set[Path]) -> list[_Pin]:
    """Pins in a pip requirements file, following ``-r``/``-c`` includes once each."""
    resolved = Path(os.path.abspath(path))
    if resolved in visited:
        return []
    visited.add(resolved)
    _read(resolved)
    try:
        text = resolved.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        notes.append(f"skipped {display_path(path)}: {error.strerror or error}")
        return []
    pins: list[_Pin] = []
    for line_number, line in _logical_lines(text):
        try:
            pins += _requirements_line_pins(line, resolved, line_number, notes, visited)
        except _Unreadable as error:
            notes.append(f"skipped a line of {display_path(path)}: {_first_line(error)}")
    return pins


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with comments removed and backslash continuations joined, with their first line."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = _comment().sub("", raw)
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        joined = " ".join(part.strip() for part in pending).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = " ".join(part.strip() for part in pending).strip()
        if joined:
            yield start, joined


def _requirements_line_pins(
    line: str, path: Path, line_number: int, notes: list[str], visited: set[Path]
) -> list[_Pin]:
    include = _include().match(line)
    if include:
        target = include.group("path")
        if "://" in target:
            return []
        included = path.parent / target
        _read(included)
        if not included.is_file():
            notes.append(f"{display_path(path)}:{line_number} includes missing {target}")
            return []
        return _requirements_pins(included, notes, visited)
    if not _mentions(line):
        return []
    editable = _editable().match(line)
    if editable:
        pin = _location_pin(editable.group("location"), path, line_number, named=False)
        return [pin] if pin else []
    if line.startswith("-"):
        return []
    requirement = _trailing_options().sub("", line)
    pin = _requirement_pin(requirement, path, line_number)
    return [pin] if pin else []


# --- pyproject.toml -------------------------------------------------------------------------------


def _pyproject_pins(path: Path, text: str, *, toml: _TomlLoads | None) -> list[_Pin]:

    data = _parse_toml(text, toml)
    strings: list[str] = []
    project = _table(data, "project")
    strings += _strings(project.get("dependencies"))
    for group in _table(project, "optional-dependencies").values():
        strings += _strings(group)
    for group in _table(data, "dependency-groups").values():
        strings += _strings(group)  # {include-group = ...} tables name groups read anyway
    pins = []
    for requirement in strings:
        pin = _requirement_pin(requirement, path, _line_containing(text, requirement))
        if pin:
            pins.append(pin)
    poetry = _table(_table(data, "tool"), "poetry")
    tables = [_table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [
        _table(group, "dependencies")
        for group in _table(poetry, "group").values()
        if isinstance(group, dict)
    ]
    for table in tables:
        for name, value in table.items():
            if canonical_name(name) == _package():
                line = _line_of(text, rf'^\s*"?{re.escape(name)}"?\s*=')
                pins.append(_poetry_pin(name, value, path, line))
    return pins


def _table(data: object, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _poetry_pin(name: str, value: object, path: Path, line: int | None) -> _Pin:
    from packaging.specifiers import InvalidSpecifier

    constraints = value if isinstance(value, list) else [value]
    alternatives: list[SpecifierSet] = []
    shown: list[str] = []
    for constraint in constraints:
        if isinstance(constraint, dict):
            if "version" not in constraint:
                source = next(
                    (
                        f"{key} {constraint[key]}"
                        for key in ("git", "path", "url", "file")
                        if key in constraint
                    ),
                    "a non-index source",
                )
                return _Pin(path, line, f"{name} from {source}", None)
            constraint = constraint["version"]
        if not isinstance(constraint, str):
            raise _Unreadable(f"line {line}: {name} has an unreadable constraint")
        shown.append(constraint)
        try:
            alternatives += _poetry_constraint(constraint)
        except (InvalidSpecifier, InvalidVersion) as error:
            raise _Unreadable(f"line {line}: {name} = {constraint!r}: {error}") from error
    text = f'{name} = "{" | ".join(shown)}"'
    return _Pin(path, line, text, tuple(alternatives))


_poetry_operator_gap = LazyPattern(r"(\^|~=|~|==|!=|>=|<=|>|<|=)\s+")


def _poetry_constraint(text: str) -> tuple[SpecifierSet, ...]:
    """Poetry's ``^4.40`` / ``~4.40`` / ``4.40.2`` / ``>=4.40 <4.46`` / ``a || b`` as specifiers."""
    from packaging.specifiers import SpecifierSet

    alternatives = []
    for alternative in text.split("||"):
        specs: list[str] = []
        for token in re.split(r"[,\s]+", _poetry_operator_gap().sub(r"\1", alternative.strip())):
            if token in ("", "*"):
                continue
            if token.startswith("^"):
                specs += _caret(token[1:])
            elif token.startswith("~") and not token.startswith("~="):
                specs += _tilde(token[1:])
            elif token[0].isdigit():
                specs.append(f"=={token}")
            elif token.startswith("=") and not token.startswith("=="):
                specs.append(f"={token}")
            else:
                specs.append(token)
        alternatives.append(SpecifierSet(",".join(specs)))
    return tuple(alternatives)


def _caret(text: str) -> list[str]:
    parts = list(Version(text).release)
    first_nonzero = next((i for i, part in enumerate(parts) if part), len(parts) - 1)
    upper = [*parts[:first_nonzero], parts[first_nonzero] + 1]
    return [f">={text}", f"<{'.'.join(map(str, upper))}"]


def _tilde(text: str) -> list[str]:
    parts = list(Version(text).release)
    upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
    return [f">={text}", f"<{'.'.join(map(str, upper))}"]


# --- setup.cfg and setup.py -----------------------------------------------------------------------


def _setup_cfg_pins(path: Path, text: str) -> list[_Pin]:
    import configparser

    parser = configparser.RawConfigParser()
    parser.read_string(text, source=str(path))
    values: list[str] = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values += [value for _, value in parser.items("options.extras_require")]
    pins = []
    for value in values:
        for requirement in value.splitlines():
            requirement = _comment().sub("", requirement).strip()
            if not requirement or not _mentions(requirement):
                continue
            pin = _requirement_pin(requirement, path, _line_containing(text, requirement))
            if pin:
                pins.append(pin)
    return pins


def _setup_py_pins(path: Path, text: str) -> list[_Pin]:
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as error:
        raise _Unreadable(f"invalid Python (line {error.lineno})") from error
    assigned: dict[str, ast.expr] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            assigned[statement.target.id] = statement.value
    pins = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_setup_call(node.func)):
            continue
        for keyword in node.keywords:
            if keyword.arg not in ("install_requires", "extras_require"):
                continue
            for value, line in _literal_strings(keyword.value, assigned, depth=0):
                pin = _requirement_pin(value, path, line)
                if pin:
                    pins.append(pin)
    return pins


def _is_setup_call(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
    )


def _literal_strings(
    node: ast.expr, assigned: dict[str, ast.expr], depth: int
) -> Iterator[tuple[str, int]]:
    """String literals of a list/tuple/dict literal, through module-level names and ``+``."""
    if depth > 10:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, node.lineno
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from _literal_strings(element, assigned, depth + 1)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literal_strings(value, assigned, depth + 1)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literal_strings(node.left, assigned, depth + 1)
        yield from _literal_strings(node.right, assigned, depth + 1)
    elif isinstance(node, ast.Name) and node.id in assigned:
        yield from _literal_strings(assigned[node.id], assigned, depth + 1)


# --- environment.yml ------------------------------------------------------------------------------


_list_item = LazyPattern(r"^(?P<indent>\s*)-\s*(?P<item>.*)$")


def _environment_pins(path: Path, text: str, *, notes: list[str]) -> list[_Pin]:
    """Pins in a conda environment file's ``dependencies`` (conda specs and the ``pip:`` list).

    Reads only the block-list layout conda writes; a flow list (``[a, b]``) is reported.
    """
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"dependencies\s*:", line)), None)
    if start is None:
        return []
    if _comment().sub("", lines[start]).split(":", 1)[1].strip():
        raise _Unreadable("dependencies is not a block list")
    pins: list[_Pin] = []
    pip_indent: int | None = None
    for number, raw in enumerate(lines[start + 1 :], start=start + 2):
        line = _comment().sub("", raw).rstrip()
        if not line.strip():
            continue
        item_match = _list_item().match(line)
        if item_match is None:
            if not line[0].isspace():
                break  # the next top-level key
            continue
        indent = len(item_match.group("indent"))
        item = _unquote(item_match.group("item").strip())
        if pip_indent is not None and indent > pip_indent:
            pins += _requirements_line_pins(item, path, number, notes, set())
            continue
        pip_indent = None
        if re.fullmatch(r"pip\s*:", item):
            pip_indent = indent
        elif _mentions(item):
            pin = _conda_pin(item, path, number)
            if pin:
                pins.append(pin)
    return pins


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


_conda_spec = LazyPattern(r"(?:[^:\s]+::)?(?P<name>[A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(?P<rest>.*)")


def _conda_pin(item: str, path: Path, line: int) -> _Pin | None:
    """A conda match spec: ``transformers=4.40`` (4.40.*), ``==4.40.2``, ``>=4.40,<4.46``, ..."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    match = _conda_spec().fullmatch(item)
    if match is None or canonical_name(match.group("name")) != _package():
        return None
    rest = match.group("rest").strip()
    alternatives = []
    try:
        for alternative in rest.split("|") if rest else [""]:
            alternatives.append(SpecifierSet(_conda_version(alternative.strip())))
    except InvalidSpecifier as error:
        raise _Unreadable(f"line {line}: {item!r}: {error}") from error
    return _Pin(path, line, item, tuple(alternatives))


def _conda_version(text: str) -> str:
    if not text:
        return ""
    if text.startswith("=") and not text.startswith("=="):
        return _conda_fuzzy(text[1:].split("=")[0])  # "=4.40.2=py_0": version, then build
    if text[0].isdigit():
        version = text.split()[0]
        return _conda_fuzzy(version) if version.endswith("*") else f"=={version}"
    return text


def _conda_fuzzy(version: str) -> str:
    return f"=={version.rstrip('*').rstrip('.')}.*"


# --- lock files -----------------------------------------------------------------------------------


def _lock_pins(path: Path, text: str, *, toml: _TomlLoads | None) -> list[_Pin]:
    """The exact transformers version(s) a lock file records (more than one if forked)."""
    from packaging.specifiers import SpecifierSet

    found: list[tuple[str | None, int | None]] = []
    if path.name == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError as error:
            raise _Unreadable(f"invalid JSON: {error}") from error
        for section in ("default", "develop"):
            for key, value in _table(data, section).items():
                if canonical_name(key) == _package() and isinstance(value, dict):
                    version = value.get("version")
                    exact = (
                        version[2:]
                        if isinstance(version, str) and version.startswith("==")
                        else None
                    )
                    found.append((exact, _line_containing(text, f'"{key}"')))
    else:
        packages = _parse_toml(text, toml).get("package")
        for package in packages if isinstance(packages, list) else []:
            name = package.get("name") if isinstance(package, dict) else None
            if isinstance(name, str) and canonical_name(name) == _package():
                version = package.get("version")
                line = _line_of(text, rf'^name\s*=\s*"{re.escape(name)}"')
                found.append((version if isinstance(version, str) else None, line))
    if not found:
        return []
    line = found[0][1]
    if any(version is None for version, _ in found):
        unversioned = f"the lock entry for {_package()} (no version)"
        return [_Pin(path, line, unversioned, None, locked=True)]
    try:
        versions = sorted({Version(version) for version, _ in found if version is not None})
    except InvalidVersion as error:
        raise _Unreadable(f"unreadable {_package()} version: {error}") from error
    alternatives = tuple(SpecifierSet(f"=={version}") for version in versions)
    return [_Pin(path, line, f"the lock entry for {_package()}", alternatives, locked=True)]
