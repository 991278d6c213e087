"""A Python module as kefix reads it: libcst nodes with character spans, and static values.

Values are read, never computed: a literal, or a name bound exactly once at module level to one
(a constant). Anything else is ``Unknown`` with the expression's text, never a guess.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping

import libcst as cst
import msgspec
from libcst.metadata import (
    Assignment,
    GlobalScope,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from kefix.model import FieldValue, Span, Unknown
from kefix.sources.python.bindings import (
    BindingKind,
    ModuleBindings,
    names_through_bindings,
)
from kefix.sources.python.lines import PythonLines
from kefix.sources.python.offsets import (
    Offsets,
    comment_offsets,
    module_offsets,
    statement_offsets,
)
from kefix.sources.python.walk import TooDeep, walk

_MAX_CONSTANT_DEPTH = 8  # A = B, B = C, ... followed this far
# Nodes deeper than this are left to libcst's traversal (which fails past ~250 levels).
_MAX_WALK_DEPTH = 120


class PythonSyntaxError(Exception):
    """The text is not Python libcst can read; ``line`` is where it gave up (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_COLLECTED = (
    cst.BaseSmallStatement,
    cst.BaseCompoundStatement,
    cst.Call,
    cst.ClassDef,
    cst.Comment,
    cst.ImportAlias,
)
_UNCOLLECTED: set[type] = set()  # node types none of _COLLECTED's, as met (most nodes are)


class _Nodes(cst.CSTVisitor):
    """One pass over the module: each node's parent, and the nodes launches are made of
    (``add``: fed by ``kefix.sources.python.walk``; as a visitor, by libcst's traversal)."""

    def __init__(self) -> None:
        super().__init__()
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.calls: list[cst.Call] = []
        self.classes: list[cst.ClassDef] = []
        self.statements: list[cst.Assign | cst.AugAssign] = []
        self.annotated: list[cst.AnnAssign] = []
        self.comments: list[cst.Comment] = []
        self.aliases: dict[str, str] = {}  # from m import Name as Alias: Alias -> Name
        self.every_statement: list[cst.CSTNode] = []  # small and compound, in file order
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.add(node, self._stack[-1] if self._stack else None)
        self._stack.append(node)
        return True

    def add(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> None:
        if parent is not None:
            self.parents[node] = parent
        kind = type(node)
        if kind in _UNCOLLECTED:
            return
        if not isinstance(node, _COLLECTED):
            _UNCOLLECTED.add(kind)
            return
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            self.every_statement.append(node)
        if isinstance(node, cst.Call):
            self.calls.append(node)
        elif isinstance(node, cst.ClassDef):
            self.classes.append(node)
        elif isinstance(node, (cst.Assign, cst.AugAssign)):
            self.statements.append(node)
        elif isinstance(node, cst.AnnAssign):
            self.annotated.append(node)
        elif isinstance(node, cst.Comment):
            self.comments.append(node)
        elif isinstance(node, cst.ImportAlias) and node.asname is not None:
            alias = node.asname.name
            if isinstance(alias, cst.Name) and isinstance(node.name, cst.Name):
                self.aliases[alias.value] = node.name.value

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


class PythonSyntax:
    """One parsed module: its calls, classes, assignments and comments in source order, each
    node's parent, and (computed on first use: they cost more than parsing) spans and
    scopes. With the module's ``ast`` too, most names are resolved from its bindings
    (``kefix.sources.python.bindings``) and the scopes are computed only for the others, and
    a node's span is found by regenerating only the statement holding it, placed where ``ast``
    says that statement starts (``kefix.sources.python.offsets``)."""

    def __init__(self, text: str, tree: cst.Module, python: ast.Module | None = None) -> None:
        self.text = text
        self.tree = tree
        self.lines = PythonLines(text)
        nodes = _Nodes()
        try:
            walk(tree, nodes.add, _MAX_WALK_DEPTH)
        except TooDeep:
            # libcst's traversal decides, as it always did, whether the tree is too deep.
            nodes = _Nodes()
            tree.visit(nodes)
        self.parents: Mapping[cst.CSTNode, cst.CSTNode] = nodes.parents
        self.calls: tuple[cst.Call, ...] = tuple(nodes.calls)
        self.classes: tuple[cst.ClassDef, ...] = tuple(nodes.classes)
        self.statements: tuple[cst.Assign | cst.AugAssign, ...] = tuple(nodes.statements)
        self.comments: tuple[cst.Comment, ...] = tuple(nodes.comments)
        self.annotated: tuple[cst.AnnAssign, ...] = tuple(nodes.annotated)
        self.aliases: Mapping[str, str] = nodes.aliases
        self.bindings = ModuleBindings(python) if python is not None else None
        self._python = python
        self._every_statement = nodes.every_statement
        self._wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        self._offsets: Offsets = {}
        self._placed: set[cst.CSTNode] = set()  # statements regenerated (placed or not)
        self._whole = False

    @functools.cached_property
    def scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self._wrapper.resolve(ScopeProvider)

    def span(self, node: cst.CSTNode) -> Span:
        found = self._offsets.get(node)
        if found is None:
            found = self._locate(node)
        return Span(*found)

    def starts_after_line(self, node: cst.CSTNode, line: int) -> bool:
        """Whether the node starts after (1-based) ``line``: told by where its statement starts
        when that is after it (no span needed), unless decorators come before that start."""
        statement = self._statement_of(node)
        start = self._statement_starts.get(statement) if statement is not None else None
        decorated = bool(getattr(statement, "decorators", ()))
        if start is not None and not decorated and self.lines.line_of(start) > line:
            return True
        return self.lines.line_of(self.span(node).start) > line

    def comment_spans(self) -> tuple[Span, ...]:
        """The spans of ``comments``, from a scan of the text when it finds exactly them."""
        scanned = comment_offsets(self.text, self.comments)
        if scanned is None:
            return tuple(self.span(node) for node in self.comments)
        return tuple(Span(start, end) for start, end in scanned)

    def _locate(self, node: cst.CSTNode) -> tuple[int, int]:
        statement = self._statement_of(node)
        if statement is not None and statement not in self._placed:
            self._placed.add(statement)
            start = self._statement_starts.get(statement)
            if start is not None:
                placed = statement_offsets(
                    self.tree, statement, self._indents(statement), start, self.text
                )
                if placed is not None:
                    self._offsets.update(placed)
        found = self._offsets.get(node)
        if found is None and not self._whole:
            self._whole = True
            self._offsets.update(module_offsets(self.tree))
            found = self._offsets.get(node)
        if found is None:
            raise KeyError(node)
        return found

    def _statement_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The innermost statement (small or compound) holding ``node``."""
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(
            current, (cst.BaseSmallStatement, cst.BaseCompoundStatement)
        ):
            current = self.parents.get(current)
        return current

    def _indents(self, node: cst.CSTNode) -> list[str]:
        """The indentation of each block around ``node``, outermost first (as libcst's
        codegen stacks them)."""
        indents: list[str] = []
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, cst.IndentedBlock):
                indent = current.indent
                indents.append(self.tree.default_indent if indent is None else indent)
            current = self.parents.get(current)
        return indents[::-1]

    @functools.cached_property
    def _statement_starts(self) -> Mapping[cst.CSTNode, int]:
        """Where each libcst statement starts, from the ``ast`` statement at the same place in
        file order (both trees have one statement node per statement, each starting at its
        first token); empty when they do not pair up."""
        if self._python is None:
            return {}
        starts = sorted(
            (node.lineno, node.col_offset)
            for node in ast.walk(self._python)
            if isinstance(node, ast.stmt)
        )
        if len(starts) != len(self._every_statement):
            return {}
        return {
            statement: self.lines.offset(line, column)
            for statement, (line, column) in zip(self._every_statement, starts, strict=True)
        }

    def code(self, node: cst.CSTNode) -> str:
        span = self.span(node)
        return self.text[span.start : span.end]

    def may_call(self, call: cst.Call, names: frozenset[str]) -> bool:
        """Whether the call's callee is spelt as one of ``names``, or imported as an alias of
        one (a cheap test before asking the scopes what it really is)."""
        name = callee_name(call)
        return name in names or self.aliases.get(name, "") in names

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return self.scopes.get(node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Dotted names an expression may refer to (``transformers.TrainingArguments`` for
        ``TA`` after ``from transformers import TrainingArguments as TA``)."""
        quick = self._qualified_names_from_bindings(node)
        if quick is not None:
            return quick
        scope = self.scope(node)
        if scope is None:
            return set()
        return {qualified.name for qualified in scope.get_qualified_names_for(node)}

    def _qualified_names_from_bindings(self, node: cst.CSTNode) -> set[str] | None:
        """libcst's answer, from the ast bindings when the name's first part is bound once at
        module level or not at all; None when only the scopes can tell."""
        full = _dotted_name(node) if self.bindings is not None else None
        if full is None or self.bindings is None:
            return None
        # libcst does not count a module-level binding for a use written before it ends (a use
        # in a function is another matter; the scopes tell).
        return names_through_bindings(
            self.bindings,
            full,
            lambda ends: isinstance(node, cst.Name) and not self.starts_after_line(node, ends),
        )


def parse_python(text: str, python: ast.Module | None = None) -> PythonSyntax:
    """Parse ``text`` (``python``: its ``ast``, when at hand); raises ``PythonSyntaxError`` for
    text libcst cannot read."""
    try:
        tree = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise PythonSyntaxError(str(error).splitlines()[0], error.raw_line) from None
    except Exception as error:  # libcst raises assorted errors on odd input; none may escape
        raise PythonSyntaxError(type(error).__name__, 1) from None
    return PythonSyntax(text, tree, python)


def _dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a name or a chain of attributes on a name; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def last_name(expression: cst.BaseExpression) -> str:
    """The last name of a dotted expression (``run`` for ``subprocess.run``), '' for others."""
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return ""


def callee_name(call: cst.Call) -> str:
    """The last name of a call's callee (``run`` for ``subprocess.run(...)``)."""
    return last_name(call.func)


# ----------------------------------------------------------------------------- bindings


class OnlyAssignment(msgspec.Struct, frozen=True, eq=False):
    """The value a name is bound to once, and where: at module level (a constant), or in the
    libcst ``scope`` it was found in (None when read from the module's bindings)."""

    value: cst.BaseExpression
    module_level: bool
    scope: Scope | None


def only_assignment(syntax: PythonSyntax, name: cst.Name) -> OnlyAssignment | None:
    """The value ``name`` holds where it is used, when it is bound exactly once, by a plain
    ``name = value`` (or ``name: T = value``); None otherwise (a parameter, a loop variable,
    an import, two assignments...)."""
    if syntax.bindings is not None:
        if syntax.bindings.free(name.value):
            return None
        binding = syntax.bindings.only(name.value)
        if binding is not None:
            return _module_assignment(syntax, name.value, binding.kind)
    scope = syntax.scope(name)
    if scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
        return None
    target = assignments[0].node
    found = assignments[0].scope
    holder = syntax.parents.get(target)
    if isinstance(holder, cst.AssignTarget):
        statement = syntax.parents.get(holder)
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            return OnlyAssignment(statement.value, isinstance(found, GlobalScope), found)
    elif isinstance(holder, cst.AnnAssign) and holder.target is target and holder.value:
        return OnlyAssignment(holder.value, isinstance(found, GlobalScope), found)
    return None


def _module_assignment(syntax: PythonSyntax, name: str, kind: BindingKind) -> OnlyAssignment | None:
    """The statement of the one (module-level) binding of ``name``, when it is a plain
    assignment: the only statement in the module assigning to ``name`` alone."""
    if kind is BindingKind.ASSIGN:
        for statement in syntax.statements:
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                target = statement.targets[0].target
                if isinstance(target, cst.Name) and target.value == name:
                    return OnlyAssignment(statement.value, True, None)
    elif kind is BindingKind.ANNOTATED:
        for annotated in syntax.annotated:
            target = annotated.target
            if isinstance(target, cst.Name) and target.value == name and annotated.value:
                return OnlyAssignment(annotated.value, True, None)
    return None


def list_with_extensions(syntax: PythonSyntax, name: cst.Name) -> cst.List | cst.Tuple | None:
    """The list literal ``name`` is bound to once, when its only other bindings add to it
    (``cmd += [...]``): its words are known, what is added to them is not read."""
    scope = syntax.scope(name)
    if scope is None:
        return None
    literal: cst.List | cst.Tuple | None = None
    for assignment in scope[name.value]:
        if not isinstance(assignment, Assignment):
            return None
        holder = syntax.parents.get(assignment.node)
        if isinstance(holder, cst.AugAssign) and isinstance(holder.operator, cst.AddAssign):
            continue
        statement = syntax.parents.get(holder) if isinstance(holder, cst.AssignTarget) else None
        if (
            literal is not None
            or not isinstance(statement, cst.Assign)
            or len(statement.targets) != 1
            or not isinstance(statement.value, (cst.List, cst.Tuple))
        ):
            return None
        literal = statement.value
    return literal


def references(syntax: PythonSyntax, name: cst.Name) -> list[cst.CSTNode]:
    """Every use of the variable ``name`` refers to, in its scope and the scopes nested in it."""
    scope = syntax.scope(name)
    if scope is None:
        return []
    assignments = list(scope[name.value])
    if len(assignments) != 1:
        return []
    return [access.node for access in assignments[0].references]


# ----------------------------------------------------------------------------- values


def literal_value(syntax: PythonSyntax, node: cst.BaseExpression) -> FieldValue:
    """The value of a literal (or of a module-level constant naming one); ``Unknown`` with the
    expression's text for anything else."""
    return _literal(syntax, node, 0)


def _literal(syntax: PythonSyntax, node: cst.BaseExpression, depth: int) -> FieldValue:
    unknown = Unknown(syntax.code(node))
    if isinstance(node, cst.Name):
        constants: dict[str, FieldValue] = {"True": True, "False": False, "None": None}
        if node.value in constants:
            return constants[node.value]
        return _constant(syntax, node, depth) if depth < _MAX_CONSTANT_DEPTH else unknown
    if isinstance(node, (cst.Integer, cst.Float)):
        return number_value(node)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = string_literal_value(node)
        except Exception:  # an escape Python itself would reject
            return unknown
        return value if isinstance(value, str) else unknown
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        operand = _literal(syntax, node.expression, depth)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand if isinstance(node.operator, cst.Minus) else operand
        return unknown
    if isinstance(node, (cst.List, cst.Tuple)):
        items = [
            None
            if isinstance(element, cst.StarredElement)
            else _literal(syntax, element.value, depth)
            for element in node.elements
        ]
        strings = tuple(item for item in items if isinstance(item, str))
        return strings if len(strings) == len(items) else unknown
    return unknown


def number_value(node: cst.Integer | cst.Float) -> int | float:
    """The number a literal writes: libcst's ``evaluated_value`` without its ``literal_eval``
    (a compile per literal), for the spellings ``int``/``float`` read the same way."""
    try:
        return int(node.value, 0) if isinstance(node, cst.Integer) else float(node.value)
    except ValueError:
        return node.evaluated_value


def string_literal_value(
    node: cst.SimpleString | cst.ConcatenatedString,
) -> str | bytes | None:
    """A string literal's value, as libcst's ``evaluated_value`` gives it; a text string with
    no escapes and no carriage return (which Python's reading turns into a newline) is its own
    characters, read without a ``literal_eval``."""
    if isinstance(node, cst.SimpleString):
        body = node.raw_value
        if "b" not in node.prefix.lower() and "\\" not in body and "\r" not in body:
            return body
    return node.evaluated_value


def _constant(syntax: PythonSyntax, name: cst.Name, depth: int) -> FieldValue:
    """A module-level name bound once to a literal: a constant."""
    found = only_assignment(syntax, name)
    if found is None or not found.module_level:
        return Unknown(name.value)
    value = _literal(syntax, found.value, depth + 1)
    return Unknown(name.value) if isinstance(value, Unknown) else value


def string_value(syntax: PythonSyntax, node: cst.BaseExpression) -> str | Unknown:
    """A string literal's (or string constant's) value, else ``Unknown``."""
    value = literal_value(syntax, node)
    return value if isinstance(value, str) else Unknown(syntax.code(node))
