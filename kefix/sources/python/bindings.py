"""Where a module binds each name, read from Python's own ``ast`` (C-fast, and already parsed by
the pre-check): it answers "what does this name refer to" for a name bound exactly once, at
module level, or not at all, which is nearly every name a launch uses. Any other name is left
to libcst's scope analysis, which costs several times the parse and is computed only then.
"""

from __future__ import annotations

import ast
import builtins
import enum
from collections.abc import Callable, Iterable

import msgspec


class BindingKind(enum.Enum):
    IMPORT = "import"  # import a / import a.b as c / from m import a [as c]
    DOTTED_IMPORT = "dotted import"  # import a.b: libcst binds "a.b" and "a" (left to it)
    ASSIGN = "assign"  # name = value, the statement's only target
    ANNOTATED = "annotated"  # name: T = value
    OTHER = "other"  # a def, a class, a loop target, a tuple target, x += ...


class Binding(msgspec.Struct, frozen=True, eq=False):
    kind: BindingKind
    module_level: bool
    statement: ast.AST  # the statement that binds (the end of which libcst counts from)


# Nodes whose insides are another scope: bindings there are not at module level (their
# decorators, defaults and bases are too, conservatively: such a name is left to libcst).
_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


# Type parameters (Python 3.12: ``def f[T]()``) bind in scopes of their own.
_TYPE_PARAMETERS = frozenset({"TypeVar", "ParamSpec", "TypeVarTuple"})


class ModuleBindings:
    """Every binding of every name in a module, however deeply nested."""

    def __init__(self, tree: ast.Module) -> None:
        self._bindings: dict[str, list[Binding]] = {}
        self._unclear: set[str] = set()  # global/nonlocal/del: left to libcst
        self._visit(tree.body, module_level=True)

    def only(self, name: str) -> Binding | None:
        """The name's binding when it has exactly one in the module and it is at module level
        (every use of the name refers to it); None otherwise."""
        found = self._bindings.get(name)
        if name in self._unclear or found is None or len(found) != 1:
            return None
        return found[0] if found[0].module_level else None

    def only_in_scopes(self, name: str) -> bool:
        """Every binding of ``name`` is inside a function, class or comprehension, and none is
        declared global: no use of it refers to a module-level value."""
        found = self._bindings.get(name)
        return (
            name not in self._unclear
            and found is not None
            and not any(binding.module_level for binding in found)
        )

    def free(self, name: str) -> bool:
        """The module never binds ``name``: it is a builtin or refers to nothing."""
        return name not in self._bindings and name not in self._unclear

    def _add(self, name: str, binding: Binding) -> None:
        self._bindings.setdefault(name, []).append(binding)

    def _visit(self, nodes: Iterable[ast.stmt], *, module_level: bool) -> None:
        stack: list[tuple[ast.AST, bool, ast.AST]] = [(node, module_level, node) for node in nodes]
        while stack:
            node, level, statement = stack.pop()
            if isinstance(node, ast.stmt):
                statement = node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._add(node.name, Binding(BindingKind.OTHER, level, node))
            if isinstance(node, _SCOPES):
                level = False
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._imports(node, level)
                continue
            skipped: ast.AST | None = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self._add(target.id, Binding(BindingKind.ASSIGN, level, node))
                    skipped = target
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                kind = BindingKind.ANNOTATED if node.value is not None else BindingKind.OTHER
                self._add(node.target.id, Binding(kind, level, node))
                skipped = node.target
            elif isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    self._add(node.id, Binding(BindingKind.OTHER, level, statement))
                elif isinstance(node.ctx, ast.Del):
                    self._unclear.add(node.id)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self._unclear.update(node.names)
            elif type(node).__name__ in _TYPE_PARAMETERS:
                self._unclear.add(getattr(node, "name", ""))
            elif isinstance(node, ast.arg):
                self._add(node.arg, Binding(BindingKind.OTHER, level, node))
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                # Left to libcst (conservatively): it orders a name's uses after its bindings
                # by the binding statements, and launch code rarely calls a loop variable.
                self._unclear.update(_stored_names(node.target))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._add(node.name, Binding(BindingKind.OTHER, level, node))
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                self._unclear.add(node.name)  # as a loop variable, and as rare
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self._unclear.add(node.rest)
            stack.extend(
                (child, level, statement)
                for child in ast.iter_child_nodes(node)
                if child is not skipped
            )

    def _imports(self, node: ast.Import | ast.ImportFrom, level: bool) -> None:
        for alias in node.names:
            if alias.name == "*":
                continue  # binds nothing libcst records
            if alias.asname is not None:
                self._add(alias.asname, Binding(BindingKind.IMPORT, level, node))
            elif "." in alias.name:
                first = alias.name.split(".", 1)[0]
                self._add(first, Binding(BindingKind.DOTTED_IMPORT, level, node))
            else:
                self._add(alias.name, Binding(BindingKind.IMPORT, level, node))


def _stored_names(target: ast.AST) -> set[str]:
    return {
        node.id
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def imported_names(statement: ast.Import | ast.ImportFrom, full_name: str) -> set[str]:
    """The dotted names ``full_name`` (``tf.TrainingArguments``) may refer to through the import
    ``statement`` that binds its first part: libcst's ``ImportAssignment`` rule, so that both
    readings agree name for name (every alias of the statement is tried, as libcst does)."""
    module = ""
    if isinstance(statement, ast.ImportFrom):
        module = "." * statement.level + (statement.module or "")
    results: set[str] = set()
    for alias in statement.names:
        parts = alias.name.split(".")
        for count in range(len(parts), 0, -1):
            real_name = ".".join(parts[:count])
            as_name = real_name
            if module and module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname:
                as_name = alias.asname
            if full_name.startswith(as_name):
                remaining = full_name.split(as_name, 1)[1]
                if remaining and not remaining.startswith("."):
                    continue
                remaining = remaining.lstrip(".")
                results.add(f"{real_name}.{remaining}" if remaining else real_name)
                break
    return results


def names_through_bindings(
    bindings: ModuleBindings, full_name: str, used_while_bound: Callable[[int], bool]
) -> set[str] | None:
    """The qualified names of the dotted ``full_name`` as libcst's scopes give them, when the
    module's bindings alone tell: its first part is bound once at module level, or not at all
    (a builtin, or nothing). None when only the scopes can tell: bound several times, by a
    dotted import, or used while its binding statement is still being written
    (``used_while_bound`` gets the line that statement ends on)."""
    first = full_name.split(".", 1)[0]
    if bindings.free(first):
        return {f"builtins.{first}"} if hasattr(builtins, first) else set()
    binding = bindings.only(first)
    if binding is None or binding.kind is BindingKind.DOTTED_IMPORT:
        return None
    if used_while_bound(getattr(binding.statement, "end_lineno", 0)):
        return None
    if binding.kind is BindingKind.IMPORT:
        assert isinstance(binding.statement, (ast.Import, ast.ImportFrom))
        return imported_names(binding.statement, full_name)
    return {full_name}  # a module-level assignment or definition: its own name
