"""Which files under the given paths kefix reads, and as what kind of source.

Excluded paths (``exclude``/``extend-exclude`` and, by default, ``.gitignore``) are not walked or
read; a path named on the command line is read anyway unless ``force-exclude`` is set, as in
ruff (pre-commit names files explicitly, and the configured excludes must still hold).

kefix never follows a path outside the roots it was given: a symlink whose target lies outside
every root is skipped (and said so), directories reached through symlinks are not walked (which
also makes symlink loops harmless), and a directory that cannot be listed is reported, not fatal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import msgspec

from kefix.config import Settings, path_spec
from kefix.patterns import GitIgnorePatterns
from kefix.sources import QUIET_KINDS, SUFFIX_KINDS, kind_of_suffix
from kefix.witness import Witness

_SHEBANG_SHELLS = frozenset({b"bash", b"sh", b"zsh"})
MAX_FILE_BYTES = 2 * 1024 * 1024


class SourceFile:
    """A file to read and the kind of source it is (an adapter's kind: "bash", ...).

    ``location`` is its absolute path as a string, what a run asks about every file; the
    ``Path`` is built when first asked for (a warm run never reads most files)."""

    __slots__ = ("_folder", "_name", "_path", "kind", "location")

    def __init__(self, path: Path, kind: str) -> None:
        self._path: Path | None = path
        self._folder, self._name = path, ""
        self.location = os.path.abspath(path)
        self.kind = kind

    @classmethod
    def walked(cls, folder: Path, name: str, location: str, kind: str) -> SourceFile:
        """The entry ``name`` of the walked ``folder``, at the absolute ``location``."""
        found = cls.__new__(cls)
        found._path, found._folder, found._name = None, folder, name
        found.location, found.kind = location, kind
        return found

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = self._folder / self._name
        return self._path

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceFile):
            return NotImplemented
        return (self.path, self.kind) == (other.path, other.kind)

    def __hash__(self) -> int:
        return hash((self.path, self.kind))

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, kind={self.kind!r})"


class Skipped(msgspec.Struct, frozen=True):
    """A path kefix did not read, and why (shown as KF902)."""

    path: Path
    reason: str


class Roots(msgspec.Struct, frozen=True):
    """The places a run may read and write: the given directories, and the given files."""

    directories: tuple[str, ...]
    files: frozenset[str]

    @classmethod
    def of(cls, paths: Sequence[Path]) -> Roots:
        directories = tuple(os.path.realpath(path) for path in paths if path.is_dir())
        files = frozenset(os.path.realpath(path) for path in paths if not path.is_dir())
        return cls(directories, files)

    def contain(self, path: Path) -> bool:
        """Whether ``path``, with every symlink resolved, lies inside the roots."""
        real = os.path.realpath(path)
        return real in self.files or any(
            real == root or real.startswith(root.rstrip(os.sep) + os.sep)
            for root in self.directories
        )


class Exclusion:
    """Whether a path is excluded: by the ``exclude``/``extend-exclude`` patterns, or by the
    ``.gitignore`` files (and ``.git/info/exclude``) of the git repository it is in."""

    def __init__(self, settings: Settings, witness: Witness | None = None) -> None:
        self.settings = settings
        self.witness = witness  # records the ignore files read and where .git was looked for
        self._ignore_files: dict[str, GitIgnorePatterns | None] = {}
        self._repositories: dict[str, str | None] = {}
        self._chains: dict[str, list[tuple[str, GitIgnorePatterns]]] = {}

    # Paths are handled as strings: every walked directory and candidate file is asked about.

    def excludes(self, path: Path | str, *, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        for patterns in (*self.settings.exclude, *self.settings.extend_exclude):
            relative = patterns.relative(path)
            if relative and path_spec(patterns.patterns).match_file(relative + suffix):
                return True
        return self.settings.respect_gitignore and self._git_ignores(path, is_dir=is_dir)

    def _git_ignores(self, path: Path | str, *, is_dir: bool) -> bool:
        """git's answer: the deepest ``.gitignore`` with a matching pattern decides (a ``!``
        pattern re-includes), ``.git/info/exclude`` below them all; outside a repository, none."""
        absolute = os.path.abspath(path)
        parent = os.path.dirname(absolute)
        repository = self._repository(parent)
        if repository is None or absolute == repository:
            return False
        suffix = "/" if is_dir else ""
        verdict = False
        for directory, spec in self._ignore_chain(parent, repository):
            relative = absolute[len(directory) :].lstrip(os.sep)
            if os.sep != "/":
                relative = relative.replace(os.sep, "/")
            found = spec.verdict(relative + suffix)
            if found is not None:
                verdict = found
        return verdict

    def in_directory(self, folder: str) -> Callable[[str, bool], bool]:
        """``excludes`` for the entries of ``folder`` (a name, whether it is a directory): what
        depends only on the directory (its absolute path, the patterns' view of it, its
        ``.gitignore`` chain) is worked out once, not once per entry."""
        absolute = os.path.abspath(folder)
        lead = os.path.join(absolute, "")  # an entry's absolute path is lead + name
        # (prefix, spec): the entry's path as the patterns see it is prefix + name; a prefix
        # None means only the name in ``only`` is seen (as "."), the others are outside.
        patterns: list[tuple[str | None, str, GitIgnorePatterns]] = []
        for pattern in (*self.settings.exclude, *self.settings.extend_exclude):
            spec = path_spec(pattern.patterns)
            if pattern.base is None:
                patterns.append((_posix(lead.lstrip(os.sep)), "", spec))
                continue
            base = str(pattern.base)
            if lead.startswith(base if base.endswith(os.sep) else base + os.sep):
                patterns.append((_posix(lead[len(base) :].lstrip(os.sep)), "", spec))
            elif base.startswith(lead) and os.sep not in base[len(lead) :]:
                patterns.append((None, base[len(lead) :], spec))
        chain: list[tuple[str, GitIgnorePatterns]] = []
        if self.settings.respect_gitignore:
            repository = self._repository(absolute)
            if repository is not None:
                chain = [
                    (_posix(lead[len(directory) :].lstrip(os.sep)), spec)
                    for directory, spec in self._ignore_chain(absolute, repository)
                ]

        def excludes(name: str, is_dir: bool) -> bool:
            suffix = "/" if is_dir else ""
            for prefix, only, spec in patterns:
                if prefix is not None:
                    if spec.match_file(prefix + name + suffix):
                        return True
                elif name == only and spec.match_file("." + suffix):
                    return True
            verdict = False
            for prefix, spec in chain:
                found = spec.verdict(prefix + name + suffix)
                if found is not None:
                    verdict = found
            return verdict

        return excludes

    def _ignore_chain(self, parent: str, repository: str) -> list[tuple[str, GitIgnorePatterns]]:
        """The ignore files that apply in ``parent``, outermost first, found once per
        directory (every file in it asks)."""
        chain = self._chains.get(parent)
        if chain is None:
            if parent == repository:
                ignore_files = [os.path.join(parent, ".git", "info", "exclude")]
                chain = []
            else:  # the chain of the directory above, and this directory's own
                ignore_files = []
                chain = list(self._ignore_chain(os.path.dirname(parent), repository))
            ignore_files.append(os.path.join(parent, ".gitignore"))
            for ignore_file in ignore_files:
                spec = self._spec(ignore_file)
                if spec is not None:
                    chain.append((parent, spec))
            self._chains[parent] = chain
        return chain

    def _repository(self, directory: str) -> str | None:
        """The nearest directory at or above ``directory`` holding ``.git``."""
        if directory not in self._repositories:
            git = os.path.join(directory, ".git")
            here = os.path.exists(git)
            if self.witness is not None:
                self.witness.exists[git] = here
            if here:
                found: str | None = directory
            else:
                parent = os.path.dirname(directory)
                found = None if parent == directory else self._repository(parent)
            self._repositories[directory] = found
        return self._repositories[directory]

    def _spec(self, ignore_file: str) -> GitIgnorePatterns | None:
        if ignore_file not in self._ignore_files:
            if self.witness is not None:
                self.witness.file(ignore_file)
            try:
                with open(ignore_file, encoding="utf-8", errors="replace") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                lines = []
            self._ignore_files[ignore_file] = path_spec(tuple(lines)) if lines else None
        return self._ignore_files[ignore_file]


def discover(
    paths: Sequence[Path], settings: Settings | None = None, witness: Witness | None = None
) -> Iterator[SourceFile | Skipped]:
    """Source files in ``paths``, in a stable order, without the excluded ones (see the module
    docstring; a path named explicitly is excluded only with ``force-exclude``).

    Paths kefix will not read come back as ``Skipped`` when they look like sources (a ``.sh``
    symlink leading outside the roots or into a loop, a directory it cannot list). ``witness``
    records what the list depends on (``kefix.witness``).
    """
    exclusion = Exclusion(settings or Settings(), witness)
    # A directory named explicitly although excluded is checked whole (but for .git and co.).
    unexcluded = Exclusion(Settings(respect_gitignore=False), witness)
    roots = Roots.of(paths)
    seen: set[str] = set()
    real_directories = RealDirectories()
    for root in paths:
        is_dir = root.is_dir()
        if witness is not None:  # a root that turns from file to directory, or goes
            witness.file(str(root))
        # A file named on the command line is excluded only with force-exclude: otherwise it
        # is not even matched against the patterns.
        excluded = (is_dir or exclusion.settings.force_exclude) and exclusion.excludes(
            root, is_dir=is_dir
        )
        if excluded and exclusion.settings.force_exclude:
            continue
        candidates: Iterator[tuple[Path, str, bool, str, str] | Skipped] = (
            iter([(root, "", root.is_symlink(), "", "")])
            if not is_dir
            else _walk(root, unexcluded if excluded else exclusion, real_directories, witness)
        )
        for candidate in candidates:
            if isinstance(candidate, Skipped):
                if witness is not None:
                    witness.unsure = True
                yield candidate
                continue
            folder, name, symlink, directory, location = candidate
            if symlink and witness is not None:
                witness.unsure = True
            explicit = not is_dir  # a walk never yields its own root
            # realpath never raises (a loop was caught above); resolve() would. A file that
            # is no symlink is its directory's real path plus its name: one realpath per
            # directory, not one lstat per path component per file (and no Path built).
            if symlink or explicit:
                path = folder / name if name else folder
                problem = _symlink_problem(path, roots) if symlink else ""
                if problem:
                    kind = kind_of_suffix(path)
                    if explicit or (kind is not None and kind not in QUIET_KINDS):
                        yield Skipped(path, problem)
                    continue
                key = os.path.realpath(path)
            else:
                key = real_directories.of(directory, name)
            if key in seen:
                continue
            seen.add(key)
            if explicit:
                kind = source_kind(folder, explicit=True)
                if kind is not None:
                    yield SourceFile(folder, kind)
                continue
            # A walked file (a symlink too: the path it was found at), by the name the walk
            # gave (Path.suffix, without asking the Path).
            suffix = _suffix(name)
            kind = SUFFIX_KINDS.get(suffix.lower())
            if kind is None and not suffix:
                if witness is not None:  # its kind is in its first line
                    witness.file(location)
                kind = source_kind(folder / name)
            if kind is not None:
                yield SourceFile.walked(folder, name, location, kind)


def _posix(path: str) -> str:
    return path if os.sep == "/" else path.replace(os.sep, "/")


class RealDirectories:
    """Real paths of files that are no symlinks, resolving each directory once (one
    ``realpath`` a directory, not one ``lstat`` a path component a file)."""

    def __init__(self) -> None:
        self._directories: dict[str, str] = {}

    def of(self, directory: str, name: str) -> str:
        """The real path of the entry ``name`` of the walked ``directory``."""
        real = self._directories.get(directory)
        if real is None:
            real = self._directories[directory] = os.path.realpath(directory)
        return os.path.join(real, name)

    def below(self, directory: str, subdirectories: list[Path]) -> None:
        """Learn the real paths of ``directory``'s subdirectories that are no symlinks (the
        walk enters no other): its own real path and their names, without an ``lstat`` of
        every component of each."""
        real = self._directories.get(directory)
        if real is None:
            real = self._directories[directory] = os.path.realpath(directory)
        for subdirectory in subdirectories:
            self._directories[os.fspath(subdirectory)] = os.path.join(real, subdirectory.name)


def _symlink_problem(path: Path, roots: Roots) -> str:
    """Why a symlink must not be followed ('' when its target is a file inside the roots)."""
    try:
        path.stat()
    except FileNotFoundError:
        return ""  # dangling: reading it reports "could not read", as for any vanished file
    except OSError as error:
        return f"skipped: symlink cannot be followed ({error.strerror or error})"
    if not roots.contain(path):
        return "skipped: symlink to a file outside the given paths"
    return ""


def _walk(
    root: Path,
    exclusion: Exclusion,
    real_directories: RealDirectories | None = None,
    witness: Witness | None = None,
) -> Iterator[tuple[Path, str, bool, str, str] | Skipped]:
    """Candidate files under ``root`` as (directory, name, whether it is a symlink, directory
    as a string, absolute path), as ``os.walk`` would
    give them top-down in sorted order; the directory listing says which entries are
    directories and symlinks, so no file is stat'ed here. Symlinked directories are not
    walked: no loops, and nothing outside the root is listed through them."""
    pending = [root]
    while pending:
        folder = pending.pop()
        if witness is not None:
            witness.directory(os.fspath(folder))
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as failure:
            where = Path(failure.filename) if failure.filename else folder
            yield Skipped(where, f"could not read directory: {failure.strerror or failure}")
            continue
        subdirectories: list[str] = []
        files: list[tuple[str, bool]] = []
        for entry in entries:
            try:
                symlink = entry.is_symlink()
            except OSError:
                symlink = False
            if symlink and witness is not None:  # its target may change under a same stamp
                witness.unsure = True
            try:
                is_directory = entry.is_dir()  # a symlink to a directory is one, never walked
            except OSError:  # a symlink loop: discover says so
                is_directory = False
            if is_directory and not symlink:
                subdirectories.append(entry.name)
            elif not is_directory:
                files.append((entry.name, symlink))
        directory = os.fspath(folder)
        excludes = exclusion.in_directory(directory)
        lead = os.path.join(os.path.abspath(directory), "")
        for name, symlink in sorted(files):
            # A name no adapter reads (README.md, data.csv) is not even asked about excludes.
            if _could_be_source(name) and not excludes(name, False):
                yield folder, name, symlink, directory, lead + name
        kept = [folder / name for name in sorted(subdirectories) if not excludes(name, True)]
        if real_directories is not None:
            real_directories.below(directory, kept)
        pending.extend(reversed(kept))


def _could_be_source(name: str) -> bool:
    """False for names ``source_kind`` rejects without reading the file (by suffix alone)."""
    suffix = _suffix(name)
    return not suffix or suffix.lower() in SUFFIX_KINDS


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without building a Path for each of 10,000 names."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def source_kind(path: Path, *, explicit: bool = False) -> str | None:
    """The kind of source ``path`` is (``"bash"`` by suffix or shebang, or another adapter's
    suffix); None for anything kefix does not read.

    A file named on the command line without a suffix is read as bash even without a shebang.
    """
    kind = kind_of_suffix(path)
    if kind is not None or path.suffix:
        return kind
    try:
        with path.open("rb") as handle:
            first_line = handle.readline(200).rstrip()
    except OSError:
        return "bash" if explicit else None
    # "#!/usr/bin/env bash" names the shell last; "#!/" names none (and must not crash).
    interpreter = first_line.rsplit(b"/", 1)[-1].split()
    if first_line.startswith(b"#!") and interpreter and interpreter[-1] in _SHEBANG_SHELLS:
        return "bash"
    return "bash" if explicit else None
