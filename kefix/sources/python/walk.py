"""A libcst module's nodes in file order, each with its parent, read from the nodes' fields.

libcst's own traversal (``visit``, ``children``) rebuilds every node it passes, which costs more
than parsing. The fields are read directly here, in the order libcst's traversal visits them
(file order): learnt once for each node type and set of non-empty fields, from one traversal
of one such node. A tree nested deeper than ``max_depth`` is not walked (the caller falls back
to libcst's traversal, so a tree too deep for it fails as before).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import TypeGuard

import libcst as cst

Visit = Callable[[cst.CSTNode, cst.CSTNode | None], None]

_FIELDS: dict[type, tuple[str, ...]] = {}
# (node type, its fields holding nodes) -> those fields in visiting order; None: libcst visits
# them interleaved, so the node's children are asked of libcst.
_ORDERS: dict[tuple[type, tuple[str, ...]], tuple[str, ...] | None] = {}


class TooDeep(Exception):
    """The tree is nested deeper than the walk goes."""


class _Recorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.seen.append(node)
        return False


# Node types and other types of field values, as met: ``isinstance`` against libcst's abstract
# node class is slow, and every field of every node is tested.
_NODE_TYPES: set[type] = set()
_OTHER_TYPES: set[type] = {str, type(None), cst.MaybeSentinel}


def _is_node(value: object) -> TypeGuard[cst.CSTNode]:
    kind = type(value)
    if kind in _NODE_TYPES:
        return True
    if kind in _OTHER_TYPES:
        return False
    node = isinstance(value, cst.CSTNode)
    (_NODE_TYPES if node else _OTHER_TYPES).add(kind)
    return node


def _held(value: object) -> list[cst.CSTNode]:
    if isinstance(value, (tuple, list)):
        return [item for item in value if _is_node(item)]
    return [value] if _is_node(value) else []


def _may_hold_nodes(annotation: object) -> bool:
    """Whether a field typed ``annotation`` can hold a node (``str`` and ``bool`` fields
    cannot; anything unclear is assumed to)."""
    if isinstance(annotation, type):
        return issubclass(annotation, cst.CSTNode)
    arguments = typing.get_args(annotation)
    if not arguments:
        return not isinstance(annotation, type)
    return any(_may_hold_nodes(argument) for argument in arguments)


def _node_fields(kind: type) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(
            field.name for field in dataclasses.fields(kind) if _may_hold_nodes(field.type)
        )
    return fields


def _visiting_order(node: cst.CSTNode, present: tuple[str, ...]) -> tuple[str, ...] | None:
    """The fields in ``present`` in the order libcst visits them; None when it does not visit
    them one field after another, or visits nodes no field holds."""
    recorder = _Recorder()
    node._visit_and_replace_children(recorder)
    owner = {id(child): name for name in present for child in _held(getattr(node, name))}
    order: list[str] = []
    for child in recorder.seen:
        name = owner.get(id(child))
        if name is None:
            return None
        if not order or order[-1] != name:
            if name in order:
                return None
            order.append(name)
    if sorted(order) != sorted(present) or len(recorder.seen) != len(owner):
        return None
    return tuple(order)


def walk(tree: cst.CSTNode, visit: Visit, max_depth: int) -> None:
    """Call ``visit(node, parent)`` for every node of ``tree`` in file order (parents first);
    raises ``TooDeep`` past ``max_depth`` levels."""
    _walk(tree, None, visit, max_depth)


def _walk(node: cst.CSTNode, parent: cst.CSTNode | None, visit: Visit, depth: int) -> None:
    if depth < 0:
        raise TooDeep
    visit(node, parent)
    for child in _children(node):
        _walk(child, node, visit, depth - 1)


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    present: list[str] = []
    held: list[list[cst.CSTNode]] = []
    for name in _node_fields(type(node)):
        nodes = _held(getattr(node, name))
        if nodes:
            present.append(name)
            held.append(nodes)
    if not present:
        return []
    key = (type(node), tuple(present))
    if key not in _ORDERS:
        _ORDERS[key] = _visiting_order(node, key[1])
    order = _ORDERS[key]
    if order is None:
        return list(node.children)
    if order == key[1]:
        return [child for nodes in held for child in nodes]
    by_name = dict(zip(present, held, strict=True))
    return [child for name in order for child in by_name[name]]
