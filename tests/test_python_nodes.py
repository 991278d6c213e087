"""One walk of a module's fields (``kefix.sources.python.nodes``) finds the nodes ``ast.walk``
finds, and how deeply they nest."""

from __future__ import annotations

import ast
from pathlib import Path

from kefix.sources.python.nodes import module_nodes

FIXTURES = Path(__file__).parent.parent / "fixtures"
STDLIB_MODULE = Path(ast.__file__)  # a large module of most kinds of statement
EVERY_KIND = """
import a.b as c
from . import d
@deco(f())
class K(Base, metaclass=M(g())):
    x: int = h()
    async def m(self, y=i(), *, z: j() = k()) -> l():
        async with n() as o, p():
            async for q in r():
                await s(t=u(**v()))
    def w(self):
        global G
        del G[x()]
        try:
            y += z(lambda: aa())
        except (E(), F) as err:
            raise bb() from cc()
        else:
            assert dd(), ee()
        finally:
            return [ff(i) for i in gg() if hh(i)] or {ii(): jj() for _ in kk()}
match ll():
    case [mm, *rest] if nn(mm):
        f"{oo()!r:{pp()}}"
    case {"k": qq, **others}:
        rr[ss():tt()] = (uu := vv())
"""


def _walked(tree: ast.Module, kinds: tuple[type, ...]) -> set[int]:
    return {id(node) for node in ast.walk(tree) if isinstance(node, kinds)}


def test_the_walk_finds_every_call_class_assignment_and_import_ast_walk_finds() -> None:
    texts = {"every kind": EVERY_KIND, STDLIB_MODULE: STDLIB_MODULE.read_text(encoding="utf-8")}
    texts.update((path, path.read_text(encoding="utf-8")) for path in FIXTURES.rglob("*.py"))
    for path, text in texts.items():
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        nodes = module_nodes(tree)
        assert {id(node) for node in nodes.calls} == _walked(tree, (ast.Call,)), path
        assert {id(node) for node in nodes.classes} == _walked(tree, (ast.ClassDef,)), path
        assignments = (ast.Assign, ast.AugAssign, ast.AnnAssign)
        assert {id(node) for node in nodes.assignments} == _walked(tree, assignments), path
        assert {id(node) for node in nodes.imports} == _walked(tree, (ast.Import, ast.ImportFrom))


def test_depth_counts_the_levels_of_nesting() -> None:
    assert module_nodes(ast.parse("")).depth == 1
    shallow = module_nodes(ast.parse("x = 1\n")).depth
    deep = module_nodes(ast.parse("x = " + "[" * 50 + "]" * 50 + "\n")).depth
    assert deep == shallow + 49
