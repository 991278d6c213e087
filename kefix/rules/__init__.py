"""The rule registry: every code kefix can report, and the rules that report them.

Every module of this package that defines a ``Rule`` subclass contributes it: adding a rule is
adding its module (and its fixtures), never editing a list here.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Mapping

from kefix.rules.base import Rule


def _module_names() -> list[str]:
    """What ``pkgutil.iter_modules`` finds here (a module per file of any importable suffix, a
    package per directory with an ``__init__``), without importing pkgutil (~0.5 ms)."""
    names = set()
    for path in __path__:
        for entry in os.listdir(path):
            name = inspect.getmodulename(entry)
            if name is None and os.path.isfile(os.path.join(path, entry, "__init__.py")):
                name = entry
            if name and "." not in name and name != "__init__":
                names.add(name)
    return sorted(names)


def _discover() -> tuple[Rule, ...]:
    found: dict[str, type[Rule]] = {}
    for name in _module_names():
        if name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule:
                if value.__module__ != module.__name__:
                    continue
                if value.code in found:
                    raise RuntimeError(f"rule code {value.code} is used twice")
                found[value.code] = value
    return tuple(found[code]() for code in sorted(found))


RULES: tuple[Rule, ...] = _discover()

UNUSED_SUPPRESSION = "KF904"  # reported by kefix.suppressions

# kefix's own diagnostics (KF9xx): not rules over a configuration, but codes users can see.
DIAGNOSTICS: Mapping[str, str] = {
    "KF901": "could-not-parse",
    "KF902": "unreadable-file",
    "KF903": "fix-not-verified",
    UNUSED_SUPPRESSION: "unused-suppression",  # opt-in: --extend-select KF904
}


def rule_by_code(code: str) -> Rule | None:
    return next((rule for rule in RULES if rule.code == code), None)
