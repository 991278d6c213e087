"""The nodes of a Python module the pre-check and the ``ast`` reading look at, in one walk.

``ast.walk`` yields every node through two generators per node; reading the fields that may
hold nodes directly is about three times as fast, and the pre-check walks every file that names
a training class.
"""

from __future__ import annotations

import ast
from typing import cast

import msgspec

_AST = ast.AST


class ModuleNodes(msgspec.Struct, frozen=True, eq=False):
    """A module's calls, class definitions, assignments and imports (in no particular order),
    and how deeply its nodes nest."""

    calls: list[ast.Call]
    classes: list[ast.ClassDef]
    assignments: list[ast.Assign | ast.AugAssign | ast.AnnAssign]
    imports: list[ast.Import | ast.ImportFrom]
    depth: int


def module_nodes(tree: ast.Module) -> ModuleNodes:
    """Every node of ``tree`` the Python reading looks for, from one walk of its fields, level
    by level (the number of levels is the depth)."""
    calls: list[ast.Call] = []
    classes: list[ast.ClassDef] = []
    assignments: list[ast.Assign | ast.AugAssign | ast.AnnAssign] = []
    imports: list[ast.Import | ast.ImportFrom] = []
    depth = 0
    level: list[ast.AST] = [tree]
    while level:
        depth += 1
        below: list[ast.AST] = []
        push = below.append
        for node in level:
            kind = type(node)
            if kind is ast.Call:
                calls.append(cast(ast.Call, node))
            elif kind is ast.ClassDef:
                classes.append(cast(ast.ClassDef, node))
            elif kind is ast.Assign or kind is ast.AugAssign or kind is ast.AnnAssign:
                assignments.append(cast("ast.Assign | ast.AugAssign | ast.AnnAssign", node))
            elif kind is ast.Import or kind is ast.ImportFrom:
                imports.append(cast("ast.Import | ast.ImportFrom", node))
            fields = _FIELDS.get(kind)
            if fields is None:
                fields = _FIELDS[kind] = _node_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, _AST):
                            push(item)
                elif isinstance(value, _AST):
                    push(value)
        level = below
    return ModuleNodes(calls, classes, assignments, imports, depth)


# Fields that never hold a node the reading looks for: names, flags and expression contexts
# (the most frequent nodes of all, and leaves).
_NOT_NODES = frozenset(
    {"ctx", "id", "attr", "arg", "name", "asname", "module", "level", "is_async", "conversion"}
    | {"kind", "type_comment", "simple"}
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(kind: type) -> tuple[str, ...]:
    if kind is ast.Constant:
        return ()  # its value is a Python value, never a node
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    return tuple(name for name in fields if name not in _NOT_NODES)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or a chain of attributes on a name; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def last_name(node: ast.expr) -> str:
    """The name a call or base class is spelt with: ``Trainer`` of ``transformers.Trainer``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
