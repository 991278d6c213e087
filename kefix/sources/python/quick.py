"""Launches read from Python's own ``ast``, for files libcst need not read.

Most Python launches are written with literals: ``TrainingArguments(...)`` with keyword
arguments whose values are literals or module constants, a command list or string passed to
``subprocess``/``os.system``, a list or dict handed to the parser. The pre-check has parsed the
file with ``ast`` already (C-fast); reading the launches from that tree spares the libcst parse,
its tree walk and its import. The reading here is the libcst reading's (``calls``, ``keywords``,
``argv``, ``syntax``) rule for rule (commands and parser inputs in
``kefix.sources.python.quick_argv``), and every position it reports is checked against the
text; a file holding anything it does not read the same way (a name holding a command or a
mapping, a name only scopes can resolve, a literal in parentheses of its own) raises
``NeedsLibcst`` and libcst reads the whole file.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Sequence

from kefix.knowledge.training_classes import (
    may_name_training_class,
    training_class_among,
)
from kefix.model import Arg, ArgStyle, FieldValue, Finding, Launch, Span, TypedValue, Unknown
from kefix.sources.python.bindings import (
    BindingKind,
    ModuleBindings,
    names_through_bindings,
)
from kefix.sources.python.lines import PythonLines
from kefix.sources.python.nodes import ModuleNodes, dotted_name, last_name, module_nodes
from kefix.sources.python.sites import Container, ContainerKind, Element, Site, SiteKind

_POSITIONAL_FIELDS = ("output_dir",)  # as ``kefix.sources.python.calls``
_MAX_CONSTANT_DEPTH = 8  # as ``kefix.sources.python.syntax``
# Deeper trees are left to libcst, whose walk of them may fail (a KF901 the reading must keep).
_MAX_DEPTH = 60
# What separates the tokens of a call's arguments: blanks, line continuations, comments.
_TRIVIA = re.compile(r"(?:[ \t\f\r\n]|\\(?:\r\n|\r|\n)|#[^\r\n]*)*")
# An f-string prefix: from Python 3.12 an f-string may nest its own quotes, which the comment
# scan does not follow.
_F_STRING = re.compile(r"(?i)(?<![\w])(?:f|rf|fr)['\"]")

Found = tuple[Launch, Site]


class NeedsLibcst(Exception):
    """The file holds something only the libcst reading reads."""


def keyword_arg_of(name: str, element: Span, flag: Span, value: Span, typed: FieldValue) -> Arg:
    """A keyword argument or dict entry (``name=value``) as a launch's argument: ``element``
    spans all of it, ``flag`` the name (empty for a positional), ``value`` the value."""
    return Arg(
        name=name,
        values=flag_words(typed),
        style=ArgStyle.KEYWORD,
        span=element,
        flag_span=flag,
        value_spans=(value,),
        typed=TypedValue(typed),
    )


def flag_words(value: FieldValue) -> tuple[str | Unknown, ...]:
    """A typed value as the words a command line would give it (``True`` -> ``"True"``)."""
    if isinstance(value, Unknown):
        return (value,)
    if isinstance(value, tuple):
        return value
    return (str(value),)


class QuickReading:
    """One module's training-arguments calls, read from its ``ast`` (raises ``NeedsLibcst``)."""

    def __init__(self, text: str, tree: ast.Module, nodes: ModuleNodes) -> None:
        if nodes.depth > _MAX_DEPTH:
            raise NeedsLibcst
        self.text = text
        self.lines = PythonLines(text)
        self.bindings = ModuleBindings(tree)
        self.calls = sorted(nodes.calls, key=_position)
        self.classes = sorted(nodes.classes, key=_position)
        self.assignments = nodes.assignments
        self.assigns = sorted(
            (node for node in nodes.assignments if not isinstance(node, ast.AugAssign)),
            key=_position,
        )
        # from m import Name as Alias: Alias -> Name (a later import wins, as in libcst's pass)
        self.aliases = {
            alias.asname: alias.name
            for statement in sorted(nodes.imports, key=_position)
            for alias in statement.names
            if alias.asname is not None and "." not in alias.name
        }

    # ------------------------------------------------------------------------- positions

    def span(self, node: ast.expr | ast.keyword) -> Span:
        end_line, end_column = node.end_lineno, node.end_col_offset
        assert end_line is not None and end_column is not None
        return Span(
            self.lines.offset(node.lineno, node.col_offset),
            self.lines.offset(end_line, end_column),
        )

    def code(self, node: ast.expr) -> str:
        span = self.span(node)
        return self.text[span.start : span.end]

    # ------------------------------------------------------------------------- names

    def qualified_names(self, node: ast.expr) -> set[str]:
        """``syntax.PythonSyntax.qualified_names`` where the module's bindings answer it."""
        full = dotted_name(node)
        names = None
        if full is not None:
            names = names_through_bindings(
                self.bindings, full, lambda ends: isinstance(node, ast.Name) and node.lineno <= ends
            )
        if names is None:
            raise NeedsLibcst  # libcst's scopes decide
        return names

    def training_class(self, func: ast.expr, local: frozenset[str]) -> str:
        """``calls.training_class``."""
        if not may_name_training_class(last_name(func), self.aliases, local):
            return ""
        bare = func.id if isinstance(func, ast.Name) else None
        return training_class_among(self.qualified_names(func), bare, local)

    def local_training_classes(self, known: frozenset[str]) -> frozenset[str]:
        """``calls.local_training_classes``."""
        found: set[str] = set(known)
        changed = True
        while changed:
            changed = False
            for node in self.classes:
                if node.name in found:
                    continue
                if any(isinstance(base, ast.Starred) for base in node.bases):
                    raise NeedsLibcst
                if any(self.training_class(base, frozenset(found)) for base in node.bases):
                    found.add(node.name)
                    changed = True
        return frozenset(found)

    # ------------------------------------------------------------------------- values

    def literal_value(self, node: ast.expr, depth: int = 0) -> FieldValue:
        """``syntax.literal_value``."""
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None or isinstance(value, (bool, str)):
                return value
            if isinstance(value, (int, float)):
                return value
            return Unknown(self.code(node))
        if isinstance(node, ast.Name):
            if depth >= _MAX_CONSTANT_DEPTH:
                return Unknown(self.code(node))
            return self._constant(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.literal_value(node.operand, depth)
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
            return Unknown(self.code(node))
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [
                None if isinstance(item, ast.Starred) else self.literal_value(item, depth)
                for item in node.elts
            ]
            strings = tuple(item for item in items if isinstance(item, str))
            return strings if len(strings) == len(items) else Unknown(self.code(node))
        return Unknown(self.code(node))

    def _constant(self, name: ast.Name, depth: int) -> FieldValue:
        """``syntax._constant``: a module-level name bound once to a literal."""
        if self.bindings.free(name.id):
            return Unknown(name.id)
        binding = self.bindings.only(name.id)
        if binding is None:
            if self.bindings.only_in_scopes(name.id):
                # Every binding is local to a function, class or comprehension: whichever the
                # scopes pick, it is no module constant.
                return Unknown(name.id)
            raise NeedsLibcst
        value = self._module_assignment(name.id, binding.kind)
        if value is None:
            return Unknown(name.id)
        found = self.literal_value(value, depth + 1)
        return Unknown(name.id) if isinstance(found, Unknown) else found

    def _module_assignment(self, name: str, kind: BindingKind) -> ast.expr | None:
        """``syntax._module_assignment``: the first statement in the module assigning to
        ``name`` alone."""
        for statement in self.assigns:
            if kind is BindingKind.ASSIGN and isinstance(statement, ast.Assign):
                targets = statement.targets
                if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name:
                    return statement.value
            elif kind is BindingKind.ANNOTATED and isinstance(statement, ast.AnnAssign):
                target = statement.target
                if isinstance(target, ast.Name) and target.id == name and statement.value:
                    return statement.value
        return None

    # ------------------------------------------------------------------------- calls

    def call_container(self, call: ast.Call, arguments: list[ast.expr | ast.keyword]) -> Container:
        """``containers.call_container``."""
        opening = self.text.index("(", self.span(call.func).end)
        close = self.span(call).end - 1
        return Container(
            ContainerKind.CALL, opening, close, self.elements(opening, close, arguments)
        )

    def elements(
        self, opening: int, close: int, items: Sequence[ast.expr | ast.keyword]
    ) -> tuple[Element, ...]:
        """The elements between the brackets at ``opening`` and ``close``, each with its comma,
        placed by scanning the text between them: an element whose ``ast`` span is not where
        libcst's would be (in parentheses of its own) shows as a misplaced token."""
        text = self.text
        elements: list[Element] = []
        position = opening + 1
        for index, item in enumerate(items):
            element = self.span(item)
            position = _after_trivia(text, position)
            if position != element.start:
                raise NeedsLibcst
            position = _after_trivia(text, element.end)
            comma = None
            if text.startswith(",", position):
                comma = Span(position, position + 1)
                position += 1
            elif index != len(items) - 1:
                raise NeedsLibcst
            elements.append(Element(element, comma))
        if _after_trivia(text, position) != close:
            raise NeedsLibcst
        return tuple(elements)

    def start(self, node: ast.AST) -> int:
        return self.lines.offset(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def parenthesised(self, node: ast.expr, own_opening: int | None = None) -> bool:
        """Whether parentheses of its own wrap ``node`` (libcst's ``lpar``), told by the token
        before it: the opening parenthesis ``own_opening`` of the call it is passed to, an
        ``=``, a comma, a bracket; unsure (a comment between) is libcst's to read."""
        index = self.span(node).start - 1
        while index >= 0 and self.text[index] in " \t\n\r\f":
            index -= 1
        before = self.text[index] if index >= 0 else ""
        if before == "(":
            return index != own_opening
        if before in ("=", ",", "["):
            return False
        raise NeedsLibcst

    def module_value(self, name: ast.Name) -> ast.expr | None:
        """``syntax.only_assignment(...).value``, where the module's bindings tell it."""
        if self.bindings.free(name.id):
            return None
        binding = self.bindings.only(name.id)
        if binding is None:
            raise NeedsLibcst
        return self._module_assignment(name.id, binding.kind)

    def dict_arguments(self, node: ast.Dict) -> tuple[list[Arg], list[Span], Container]:
        """``keywords.read_mapping`` of a dict literal: its entries as arguments, the spans
        of the others, and the dict's layout."""
        if any(key is None for key in node.keys):
            raise NeedsLibcst  # **mapping: ast gives no span for its element
        items = [
            self._entry(key, value)
            for key, value in zip(node.keys, node.values, strict=True)
            if key
        ]
        span = self.span(node)
        container = Container(
            ContainerKind.DICT,
            span.start,
            span.end - 1,
            self.elements(span.start, span.end - 1, items),
        )
        args: list[Arg] = []
        opaque: list[Span] = []
        for item, key, value in zip(items, node.keys, node.values, strict=True):
            assert key is not None
            element = self.span(item)
            name = self.literal_value(key)
            if not isinstance(name, str):
                opaque.append(element)
                continue
            args.append(self._keyword_arg(name, element, self.span(key), value, spelt=False))
        return args, opaque, container

    def _entry(self, key: ast.expr, value: ast.expr) -> ast.expr:
        """A stand-in node spanning ``key: value`` (a dict element, which ast has no node for)."""
        entry = ast.Tuple(elts=[], ctx=ast.Load())
        entry.lineno, entry.col_offset = key.lineno, key.col_offset
        entry.end_lineno, entry.end_col_offset = value.end_lineno, value.end_col_offset
        return entry

    def training_calls(self, path: str, local: frozenset[str]) -> list[Found]:
        """``calls.find_training_calls``."""
        found: list[Found] = []
        for call in self.calls:
            entry = self.training_class(call.func, local)
            if not entry:
                continue
            arguments: list[ast.expr | ast.keyword] = sorted(
                [*call.args, *call.keywords], key=_position
            )
            container = self.call_container(call, arguments)
            args: list[Arg] = []
            opaque: list[Span] = []
            position = 0
            for argument in arguments:
                span = self.span(argument)
                if isinstance(argument, ast.keyword):
                    if argument.arg is None:
                        if not self._passes_something_else(argument.value):
                            raise NeedsLibcst  # a dict, or a name: read through scopes
                        opaque.append(span)
                        continue
                    flag = Span(span.start, span.start + len(argument.arg))
                    args.append(self._keyword_arg(argument.arg, span, flag, argument.value))
                elif not isinstance(argument, ast.Starred) and position < len(_POSITIONAL_FIELDS):
                    empty = Span(span.start, span.start)
                    field = _POSITIONAL_FIELDS[position]
                    args.append(self._keyword_arg(field, span, empty, argument))
                    position += 1
                else:
                    opaque.append(span)
            launch = Launch(
                path=path,
                span=self.span(call),
                launcher=self.code(call.func),
                entry=entry,
                entry_kind="call",
                args=tuple(args),
                ordinal=0,
                opaque=tuple(opaque),
            )
            holders = {arg.span: container for arg in args}
            found.append((launch, Site(SiteKind.KEYWORDS, holders, container)))
        return found

    def _passes_something_else(self, value: ast.expr) -> bool:
        """Whether ``**value`` is neither a dict nor a name (``**vars(args)``,
        ``**self.options``): ``keywords.read_mapping`` calls it opaque."""
        if isinstance(value, (ast.Name, ast.Dict)):
            return False
        return not isinstance(value, ast.Call) or self.qualified_names(value.func) != {
            "builtins.dict"
        }

    def _keyword_arg(
        self, name: str, element: Span, flag: Span, value: ast.expr, *, spelt: bool = True
    ) -> Arg:
        if spelt and flag.end > flag.start and self.text[flag.start : flag.end] != name:
            raise NeedsLibcst
        if isinstance(value, ast.Tuple):
            raise NeedsLibcst  # ast's span of "(a, b)" holds its parentheses, libcst's does not
        return keyword_arg_of(name, element, flag, self.span(value), self.literal_value(value))

    def comment_spans(self) -> tuple[Span, ...]:
        from kefix.sources.python.comments import scan_comments

        if sys.version_info >= (3, 12) and _F_STRING.search(self.text):
            raise NeedsLibcst
        return tuple(Span(start, end) for start, end in scan_comments(self.text))


def read_launches(
    path: str, text: str, known: frozenset[str], tree: ast.Module, nodes: ModuleNodes | None = None
) -> tuple[list[Found], list[Finding], tuple[Span, ...]]:
    """The file's launches with their sites, in the order the libcst reading finds them
    (training calls, commands, parser inputs), the problems of its command strings, and its
    comments; raises ``NeedsLibcst`` when the libcst reading must decide."""
    from kefix.sources.python.quick_argv import ArgvReading

    try:
        reading = QuickReading(text, tree, nodes or module_nodes(tree))
        found = reading.training_calls(path, reading.local_training_classes(known))
        commands = ArgvReading(reading, path)
        found.extend(commands.command_launches())
        found.extend(commands.parser_inputs())
        problems = commands.problems
        comments = reading.comment_spans() if found or problems else ()
    except RecursionError:
        raise NeedsLibcst from None
    return found, problems, comments


def _after_trivia(text: str, position: int) -> int:
    match = _TRIVIA.match(text, position)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _position(node: ast.AST) -> tuple[int, int, int, int]:
    """File order, an enclosing node before the nodes starting where it starts."""
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        -(getattr(node, "end_lineno", 0) or 0),
        -(getattr(node, "end_col_offset", 0) or 0),
    )
