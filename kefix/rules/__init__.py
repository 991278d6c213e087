"""The rule registry: every code kefix can report, and the rules that report them.

Every module of this package that defines a ``Rule`` subclass contributes it: adding a rule is
adding its module (and its fixtures), never editing a list here.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Mapping
from types import ModuleType

from kefix.rules.base import Rule


def _module_files() -> dict[str, str | None]:
    """What ``pkgutil.iter_modules`` finds here (a module per file of any importable suffix, a
    package per directory with an ``__init__``), without importing pkgutil (~0.5 ms), by name:
    the module's ``.py`` file when that is all there is of it, else None."""
    files: dict[str, str | None] = {}
    for path in __path__:
        here: dict[str, str | None] = {}
        for entry in os.listdir(path):
            name = inspect.getmodulename(entry)
            if name is None and os.path.isfile(os.path.join(path, entry, "__init__.py")):
                name = entry
            if name and "." not in name and name != "__init__":
                only_source = entry == f"{name}.py" and name not in here
                here[name] = os.path.join(path, entry) if only_source else None
        for name, source in here.items():
            files.setdefault(name, source)  # the first directory's, as an import finds it
    return dict(sorted(files.items()))


def _import(name: str, source: str | None) -> ModuleType:
    """``import kefix.rules.<name>``, from the source file already found: the import system
    would search ``__path__`` again for each rule module (two stats and its finders' work: ~1 ms
    for the ~35 of them). A module another rule imported first is that one."""
    qualified = f"{__name__}.{name}"
    module = sys.modules.get(qualified)
    if module is not None:
        return module
    spec = None if source is None else importlib.util.spec_from_file_location(qualified, source)
    if spec is None or spec.loader is None:
        return importlib.import_module(qualified)
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[qualified]
        raise
    globals()[name] = module  # as an import binds a submodule in its package
    return module


def _discover() -> tuple[Rule, ...]:
    found: dict[str, type[Rule]] = {}
    for name, source in _module_files().items():
        if name == "base":
            continue
        module = _import(name, source)
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
