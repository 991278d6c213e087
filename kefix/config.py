"""Settings of one kefix run: ``[tool.kefix]`` in the nearest pyproject.toml (or kefix.toml),
overridden by the command line, whose flags map onto them one to one."""

from __future__ import annotations

import enum
import functools
import os
import sys
from pathlib import Path
from typing import Any

import msgspec
from msgspec.structs import replace

from kefix.model import Applicability
from kefix.patterns import GitIgnorePatterns


class StrategyFix(enum.Enum):
    """Which fix strategy-mismatch (KF001) proposes."""

    AUTO = "auto"  # keep what the user wrote explicitly
    ALIGN = "align"  # evaluate on the save schedule (unsafe: adds evaluation)
    DISABLE_BEST = "disable-best"  # stop loading the best model at the end (safe)


# Rules that only run when selected by their full code (``--extend-select KF904``): a prefix
# such as the default ``KF`` does not select them.
OPT_IN_CODES = frozenset({"KF904"})

# Where results are cached (in the project root: the configuration file's directory, else the
# working directory), unless ``cache-dir`` / ``--cache-dir`` say otherwise.
CACHE_DIRECTORY = ".kefix_cache"

# Directories no one wants checked; ``exclude`` replaces this list, ``extend-exclude`` adds to it.
DEFAULT_EXCLUDE = (
    CACHE_DIRECTORY,
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".ipynb_checkpoints",
)


class PathPatterns(msgspec.Struct, frozen=True):
    """gitignore-syntax patterns, relative to ``base`` (the configuration file's directory, or
    the working directory for flags); ``base`` None: patterns without a ``/``, matched anywhere."""

    patterns: tuple[str, ...]
    base: Path | None = None

    def relative(self, path: Path | str) -> str | None:
        """``path`` as the patterns see it (POSIX, relative to ``base``); None if outside it."""
        # String operations, as Path.relative_to would answer: this is asked for every path.
        absolute = os.path.abspath(path)
        if self.base is None:
            return _posix(absolute).lstrip("/")
        base = str(self.base)
        if absolute == base:
            return "."
        if absolute.startswith(base if base.endswith(os.sep) else base + os.sep):
            return _posix(absolute[len(base) :].lstrip(os.sep))
        return None


def _posix(path: str) -> str:
    return path if os.sep == "/" else path.replace(os.sep, "/")


class PerFileIgnore(msgspec.Struct, frozen=True):
    """``per-file-ignores``: rule codes or prefixes left out for the files ``pattern`` matches."""

    pattern: PathPatterns
    codes: tuple[str, ...]


class Settings(msgspec.Struct, frozen=True):
    strategy_fix: StrategyFix = StrategyFix.AUTO
    unsafe_fixes: bool = False
    target_transformers: str | None = None  # a release or specifier; None: read the project's pins
    target_frameworks: tuple[str, ...] = ()  # "ms-swift==3.12.6": a framework release to check
    select: tuple[str, ...] = ("KF",)  # rule codes or code prefixes to report
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    exclude: tuple[PathPatterns, ...] = (PathPatterns(DEFAULT_EXCLUDE),)
    extend_exclude: tuple[PathPatterns, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False  # excludes apply to paths named on the command line too
    extend_safe_fixes: tuple[str, ...] = ()  # codes whose unsafe fixes count as safe
    extend_unsafe_fixes: tuple[str, ...] = ()  # codes whose safe fixes count as unsafe
    cache_dir: Path | None = None  # ``cache-dir``; None: .kefix_cache in the project root

    def is_selected(self, code: str) -> bool:
        """Whether rule ``code`` runs: the longest matching prefix decides, as in ruff; an
        opt-in rule must be selected by its full code."""
        if code in OPT_IN_CODES and code not in self.select:
            return False
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return chosen > dropped

    def ignored_in(self, path: Path) -> tuple[str, ...]:
        """The codes and prefixes ``per-file-ignores`` leaves out for the file at ``path``."""
        codes: list[str] = []
        for entry in self.per_file_ignores:
            relative = entry.pattern.relative(path)
            if relative is not None and path_spec(entry.pattern.patterns).match_file(relative):
                codes.extend(entry.codes)
        return tuple(codes)

    def applicability(self, code: str, written: Applicability) -> Applicability:
        """A fix's applicability after ``extend-safe-fixes`` / ``extend-unsafe-fixes``: the longer
        matching prefix wins; on a tie, unsafe."""
        safe = max((len(p) for p in self.extend_safe_fixes if code.startswith(p)), default=-1)
        unsafe = max((len(p) for p in self.extend_unsafe_fixes if code.startswith(p)), default=-1)
        if safe < 0 and unsafe < 0:
            return written
        return Applicability.SAFE if safe > unsafe else Applicability.UNSAFE


@functools.lru_cache(maxsize=256)
def path_spec(patterns: tuple[str, ...]) -> GitIgnorePatterns:
    """Compiled gitignore-syntax patterns, matched as git matches them."""
    return GitIgnorePatterns(patterns)


class ConfigError(Exception):
    """A configuration file kefix cannot use; the message names the file and the key."""


# Keys of [tool.kefix]: each sets the Settings field of the same name (dashes for underscores).
_KEYS = frozenset(
    {
        "target-transformers",
        "target-frameworks",
        "strategy-fix",
        "unsafe-fixes",
        "select",
        "extend-select",
        "ignore",
        "per-file-ignores",
        "exclude",
        "extend-exclude",
        "respect-gitignore",
        "force-exclude",
        "extend-safe-fixes",
        "extend-unsafe-fixes",
        "cache-dir",
    }
)


def find_config_file(start: Path) -> Path | None:
    """The nearest ``kefix.toml``, or ``pyproject.toml`` with a ``[tool.kefix]`` table, upward."""
    directory = (start if start.is_dir() else start.parent).resolve()
    for candidate in (directory, *directory.parents):
        own = candidate / "kefix.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "kefix" in _read(pyproject).get("tool", {}):
            return pyproject
    return None


def load_settings(path: Path, base: Settings) -> Settings:
    """``base`` with the values of the config file at ``path``; unknown keys are errors."""
    data = _read(path)
    table: Any = data if path.name == "kefix.toml" else data.get("tool", {}).get("kefix", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kefix] must be a table")
    for key in table:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} in kefix settings (known: {known})")
    settings = base
    if "strategy-fix" in table:
        value = table["strategy-fix"]
        try:
            settings = replace(settings, strategy_fix=StrategyFix(value))
        except ValueError:
            choices = ", ".join(choice.value for choice in StrategyFix)
            raise ConfigError(
                f"{path}: strategy-fix must be one of {choices}, not {value!r}"
            ) from None
    if "unsafe-fixes" in table:
        if not isinstance(table["unsafe-fixes"], bool):
            raise ConfigError(f"{path}: unsafe-fixes must be true or false")
        settings = replace(settings, unsafe_fixes=table["unsafe-fixes"])
    if "target-transformers" in table:
        if not isinstance(table["target-transformers"], str):
            raise ConfigError(f'{path}: target-transformers must be a string such as "4.40"')
        settings = replace(settings, target_transformers=table["target-transformers"])
    if "target-frameworks" in table:
        settings = replace(
            settings, target_frameworks=_framework_targets(path, table["target-frameworks"])
        )
    select = _codes(path, "select", table["select"]) if "select" in table else settings.select
    if "extend-select" in table:
        select = (*select, *_codes(path, "extend-select", table["extend-select"]))
    settings = replace(settings, select=select)
    if "ignore" in table:
        settings = replace(settings, ignore=_codes(path, "ignore", table["ignore"]))
    # Patterns are relative to the directory of the file that writes them.
    directory = path.resolve().parent
    if "per-file-ignores" in table:
        settings = replace(
            settings,
            per_file_ignores=_per_file_ignores(path, directory, table["per-file-ignores"]),
        )
    if "exclude" in table:
        patterns = _patterns(path, "exclude", table["exclude"])
        settings = replace(settings, exclude=(PathPatterns(patterns, directory),))
    if "extend-exclude" in table:
        patterns = _patterns(path, "extend-exclude", table["extend-exclude"])
        settings = replace(
            settings, extend_exclude=(*settings.extend_exclude, PathPatterns(patterns, directory))
        )
    if "respect-gitignore" in table:
        settings = replace(settings, respect_gitignore=_flag(path, table, "respect-gitignore"))
    if "force-exclude" in table:
        settings = replace(settings, force_exclude=_flag(path, table, "force-exclude"))
    if "extend-safe-fixes" in table:
        codes = _codes(path, "extend-safe-fixes", table["extend-safe-fixes"])
        settings = replace(settings, extend_safe_fixes=codes)
    if "extend-unsafe-fixes" in table:
        codes = _codes(path, "extend-unsafe-fixes", table["extend-unsafe-fixes"])
        settings = replace(settings, extend_unsafe_fixes=codes)
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str):
            raise ConfigError(f'{path}: cache-dir must be a directory name such as ".kefix_cache"')
        settings = replace(settings, cache_dir=directory / table["cache-dir"])
    return settings


def _framework_targets(path: Path, value: Any) -> tuple[str, ...]:
    """``{ms-swift = "3.12.6", trl = "0.19"}`` as ``("ms-swift==3.12.6", "trl==0.19")``."""
    if not isinstance(value, dict) or not all(
        isinstance(version, str) for version in value.values()
    ):
        raise ConfigError(
            f'{path}: target-frameworks must be a table such as {{ms-swift = "3.12.6"}}'
        )
    return tuple(f"{name}=={version}" for name, version in value.items())


def _flag(path: Path, table: dict[str, Any], key: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {key} must be true or false")
    return value


def _patterns(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{path}: {key} must be a list of gitignore patterns such as ["build/"]')
    return tuple(value)


def _per_file_ignores(path: Path, base: Path, value: Any) -> tuple[PerFileIgnore, ...]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path}: per-file-ignores must be a table of patterns to rule codes, "
            '{"scripts/legacy/*.sh" = ["KF101"]}'
        )
    return tuple(
        PerFileIgnore(
            PathPatterns((pattern,), base), _codes(path, f"per-file-ignores {pattern!r}", codes)
        )
        for pattern, codes in value.items()
    )


def _codes(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ConfigError(f'{path}: {key} must be a list of rule codes such as ["KF001"]')
    return tuple(code.upper() for code in value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = _toml().load(handle)
    except (OSError, _toml().TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    return data


def _toml() -> Any:
    """tomllib (tomli before Python 3.11), imported when a configuration file is read."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - exercised on Python 3.10 only

    return tomli  # pragma: no cover
