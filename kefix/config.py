"""Settings of one kefix run: ``[tool.kefix]`` in the nearest pyproject.toml (or kefix.toml),
overridden by the command line, whose flags map onto them one to one."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class StrategyFix(enum.Enum):
    """Which fix strategy-mismatch (KF001) proposes."""

    AUTO = "auto"  # keep what the user wrote explicitly
    ALIGN = "align"  # evaluate on the save schedule (unsafe: adds evaluation)
    DISABLE_BEST = "disable-best"  # stop loading the best model at the end (safe)


@dataclass(frozen=True)
class Settings:
    strategy_fix: StrategyFix = StrategyFix.AUTO
    unsafe_fixes: bool = False
    target_transformers: str | None = None  # a release or specifier; None: read the project's pins
    select: tuple[str, ...] = ("KF",)  # rule codes or code prefixes to report
    ignore: tuple[str, ...] = ()

    def is_selected(self, code: str) -> bool:
        """Whether rule ``code`` runs: the longest matching prefix decides, as in ruff."""
        chosen = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        dropped = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return chosen > dropped


class ConfigError(Exception):
    """A configuration file kefix cannot use; the message names the file and the key."""


# Keys of [tool.kefix]: each sets the Settings field of the same name (dashes for underscores).
_KEYS = frozenset(
    {"target-transformers", "strategy-fix", "unsafe-fixes", "select", "extend-select", "ignore"}
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
    select = _codes(path, "select", table["select"]) if "select" in table else settings.select
    if "extend-select" in table:
        select = (*select, *_codes(path, "extend-select", table["extend-select"]))
    settings = replace(settings, select=select)
    if "ignore" in table:
        settings = replace(settings, ignore=_codes(path, "ignore", table["ignore"]))
    return settings


def _codes(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ConfigError(f'{path}: {key} must be a list of rule codes such as ["KF001"]')
    return tuple(code.upper() for code in value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    return data
