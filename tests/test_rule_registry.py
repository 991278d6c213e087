"""kefix.rules finds and imports its modules itself, as pkgutil and the import system would."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import kefix.rules
from kefix.rules import RULES, _module_files
from kefix.rules.base import Rule


def test_every_module_pkgutil_finds_is_found() -> None:
    assert list(_module_files()) == [
        info.name for info in pkgutil.iter_modules(kefix.rules.__path__)
    ]


def test_rule_modules_are_imported_modules_bound_in_their_package() -> None:
    for name in _module_files():
        module = sys.modules[f"kefix.rules.{name}"]
        assert getattr(kefix.rules, name) is module
        assert importlib.import_module(f"kefix.rules.{name}") is module
        assert module.__spec__ is not None and module.__spec__.name == module.__name__


def test_the_registry_holds_one_rule_of_each_rule_class() -> None:
    classes = {
        value
        for name in _module_files()
        for value in vars(sys.modules[f"kefix.rules.{name}"]).values()
        if isinstance(value, type) and issubclass(value, Rule) and value is not Rule
    }
    assert {type(rule) for rule in RULES} == classes
    assert [rule.code for rule in RULES] == sorted(rule.code for rule in RULES)
