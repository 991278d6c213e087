"""Python texts parsed with ``ast`` once per process, while they are among the last few read.

An entry script is read twice in a run: as the parser a launch script's flags go to
(``kefix.resolve.dataclasses``) and as a file of the tree that may hold a launch of its own
(``kefix.sources.python.precheck``). Both parse the same text; the second gets the first's tree
(at 10,000 files, 200 of 614 parses in one process). The trees are shared: a caller must not
change one (``kefix.sources.python.verify`` masks nodes in a tree it parses itself).
"""

from __future__ import annotations

import ast
from collections import OrderedDict

# The trees of the last few texts parsed: an entry script's second reading comes soon after
# its first (one process over a 10,000-file tree found every one of them within the last 8).
# A tree takes ~30 times its text's size: the texts kept stay under _KEPT_CHARACTERS too (~4 MB
# of trees; bounded by size alone, 2 KB scripts filled ~15 MB in each worker).
_KEPT_TREES = 8
_KEPT_CHARACTERS = 1 << 17

_trees: OrderedDict[str, ast.Module] = OrderedDict()
_kept_characters = 0


def parse_module(text: str) -> ast.Module:
    """``ast.parse(text)``, or the tree an earlier call made of the same text. Raises as
    ``ast.parse`` does (nothing is kept then)."""
    global _kept_characters
    tree = _trees.get(text)
    if tree is not None:
        _trees.move_to_end(text)
        return tree
    tree = ast.parse(text)
    if len(text) <= _KEPT_CHARACTERS:
        _trees[text] = tree
        _kept_characters += len(text)
        while _kept_characters > _KEPT_CHARACTERS or len(_trees) > _KEPT_TREES:
            oldest, _ = _trees.popitem(last=False)
            _kept_characters -= len(oldest)
    return tree


def forget_trees() -> None:
    """Keep no tree: the next parse of any text parses it (for tests that count parses)."""
    global _kept_characters
    _trees.clear()
    _kept_characters = 0
