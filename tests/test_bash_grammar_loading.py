"""The bash grammar is loaded from tree-sitter-bash's compiled binding without importing the
package (whose ``__init__`` imports importlib.resources), and through the package when a
release keeps the binding elsewhere."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
import tree_sitter

from kefix.sources.bash import syntax


def _reads_bash(language: object) -> bool:
    parser = tree_sitter.Parser(tree_sitter.Language(language))
    tree = parser.parse(b"torchrun train.py --fp16\n")
    return tree.root_node.type == "program" and not tree.root_node.has_error


def test_the_binding_loaded_directly_is_the_bash_grammar() -> None:
    assert _reads_bash(syntax._bash_language())


def test_where_the_binding_is_not_found_the_package_gives_the_grammar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    find_spec = importlib.util.find_spec

    def not_found(name: str, package: str | None = None) -> Any:
        return None if name == "tree_sitter_bash" else find_spec(name, package)

    # Only kefix's look-up is redirected: the package's own import still finds its binding.
    monkeypatch.setattr(importlib.util, "find_spec", not_found)
    assert _reads_bash(syntax._bash_language())
