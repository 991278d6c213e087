"""The nodes of a Python module the pre-check and the ``ast`` reading look at, in one walk.

``ast.walk`` yields every node through two generators per node; reading each node's fields
directly is about twice as fast, and the pre-check walks every file that names a training class.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import cast

_AST = ast.AST


@dataclass(frozen=True, eq=False)
class ModuleNodes:
    """A module's calls, class definitions, assignments and imports (in no particular order),
    and how deeply its nodes nest."""

    calls: list[ast.Call]
    classes: list[ast.ClassDef]
    assignments: list[ast.Assign | ast.AugAssign | ast.AnnAssign]
    imports: list[ast.Import | ast.ImportFrom]
    depth: int


def module_nodes(tree: ast.Module) -> ModuleNodes:
    """Every node of ``tree`` the Python reading looks for, from one walk of its fields."""
    calls: list[ast.Call] = []
    classes: list[ast.ClassDef] = []
    assignments: list[ast.Assign | ast.AugAssign | ast.AnnAssign] = []
    imports: list[ast.Import | ast.ImportFrom] = []
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        kind = type(node)
        if kind is ast.Call:
            calls.append(cast(ast.Call, node))
        elif kind is ast.ClassDef:
            classes.append(cast(ast.ClassDef, node))
        elif kind is ast.Assign or kind is ast.AugAssign or kind is ast.AnnAssign:
            assignments.append(cast("ast.Assign | ast.AugAssign | ast.AnnAssign", node))
        elif kind is ast.Import or kind is ast.ImportFrom:
            imports.append(cast("ast.Import | ast.ImportFrom", node))
        elif kind is ast.Load or kind is ast.Store:
            continue  # leaves, and the most frequent nodes
        depth += 1
        if depth > deepest:
            deepest = depth
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, _AST):
                        push((item, depth))
            elif isinstance(value, _AST):
                push((value, depth))
    return ModuleNodes(calls, classes, assignments, imports, deepest)
