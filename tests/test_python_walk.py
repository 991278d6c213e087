"""Nodes read from their fields: the same nodes, parents and order as libcst's traversal (which
rebuilds every node it passes), and libcst's traversal still deciding for very deep trees."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from kefix.sources.python import syntax as syntax_module
from kefix.sources.python.walk import TooDeep, walk
from tests.test_python_offsets import NESTED

KEFIX = Path(syntax_module.__file__).parents[2]
MORE = """\
def f(a, /, b: int = (1), *args, c, d=lambda x=[1]: x, **kw) -> "T":
    global g
    nonlocal_ = (y := [*a, *(b,)])
    print(f"{a!r:>{b}} {{x}}", *args, sep="", **kw)
    return {**kw, "k": [i for i in range(3) if i for j in (i,)]}, {1, 2}, ()
x: list[int] = [1]; x += [2]; x[0:1:2] = (yield_ := 3)
with (open("a") as one, open("b")):
    raise ValueError from None
try:
    pass
except* (TypeError,) as group:
    assert group, "message"
match point:
    case {"x": 0, **rest} | Point(x=0, y=_) if rest:
        del rest
import a.b as c, d
from .. import (e as f,  # comment
    g)
@property
async def h(): return [await i async for j in k]
"""


def _visited(tree: cst.Module) -> list[tuple[cst.CSTNode, cst.CSTNode | None]]:
    seen: list[tuple[cst.CSTNode, cst.CSTNode | None]] = []

    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            seen.append((node, self.stack[-1] if self.stack else None))
            self.stack.append(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            self.stack.pop()

    tree.visit(Visitor())
    return seen


def _walked(tree: cst.Module) -> list[tuple[cst.CSTNode, cst.CSTNode | None]]:
    seen: list[tuple[cst.CSTNode, cst.CSTNode | None]] = []
    walk(tree, lambda node, parent: seen.append((node, parent)), 1000)
    return seen


SOURCES = [NESTED, NESTED.replace("\n", "\r\n"), MORE] + [
    path.read_text(encoding="utf-8") for path in sorted(KEFIX.rglob("*.py"))
]


@pytest.mark.parametrize("text", SOURCES, ids=range(len(SOURCES)))
def test_the_walk_meets_the_nodes_libcst_visits_in_its_order(text: str) -> None:
    tree = cst.parse_module(text)
    walked = _walked(tree)
    visited = _visited(tree)
    assert len(walked) == len(visited)
    assert all(w[0] is v[0] and w[1] is v[1] for w, v in zip(walked, visited, strict=True))


def test_a_tree_deeper_than_the_walk_goes_is_refused() -> None:
    tree = cst.parse_module("x = " + "[" * 40 + "]" * 40 + "\n")
    with pytest.raises(TooDeep):
        walk(tree, lambda node, parent: None, 60)
    walk(tree, lambda node, parent: None, 120)
