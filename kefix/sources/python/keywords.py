"""Keyword arguments and dict entries as ``Arg`` records with typed values.

Shared by ``TrainingArguments(...)`` calls and ``parse_dict({...})``: both hand their values to
the dataclass as they are. A ``**mapping`` is read when it is a dict literal or ``dict(...)``,
written directly or bound once in the same scope (or as a module constant) and used nowhere
else; anything else may set any field, so it is opaque.
"""

from __future__ import annotations

import libcst as cst
import msgspec

from kefix.model import Arg, Span
from kefix.sources.python.containers import call_container, dict_container
from kefix.sources.python.quick import keyword_arg_of
from kefix.sources.python.sites import Container
from kefix.sources.python.syntax import (
    PythonSyntax,
    literal_value,
    only_assignment,
    references,
)


class KeywordReading(msgspec.Struct):
    """The arguments read so far, the spans nothing can be read from, and each argument's
    container."""

    args: list[Arg] = msgspec.field(default_factory=list)
    opaque: list[Span] = msgspec.field(default_factory=list)
    holders: dict[Span, Container] = msgspec.field(default_factory=dict)


def keyword_arg(
    syntax: PythonSyntax, name: str, element: Span, flag: Span, value: cst.BaseExpression
) -> Arg:
    return keyword_arg_of(name, element, flag, syntax.span(value), literal_value(syntax, value))


def read_call_keywords(
    syntax: PythonSyntax, call: cst.Call, reading: KeywordReading, *, positional: tuple[str, ...]
) -> None:
    """The call's keywords (and its leading positionals, named by ``positional``) into
    ``reading``; ``**mapping`` arguments are read through when they can be."""
    container = call_container(syntax, call)
    position = 0
    for argument in call.args:
        span = syntax.span(argument)
        if argument.keyword is not None:
            name = argument.keyword.value
            arg = keyword_arg(syntax, name, span, syntax.span(argument.keyword), argument.value)
            _add(reading, arg, container)
        elif argument.star == "**":
            read_mapping(syntax, argument.value, reading, used_by=argument)
        elif argument.star == "" and position < len(positional):
            empty = Span(span.start, span.start)
            arg = keyword_arg(syntax, positional[position], span, empty, argument.value)
            _add(reading, arg, container)
            position += 1
        else:
            reading.opaque.append(span)


def read_mapping(
    syntax: PythonSyntax,
    node: cst.BaseExpression,
    reading: KeywordReading,
    *,
    used_by: cst.CSTNode | None = None,
) -> Container | None:
    """A mapping of field names to values: a dict literal, ``dict(...)``, or a name bound once
    to one of those and used only by ``used_by`` (its ``**`` or the call it is passed to).
    Returns the container its entries are written in (None when it cannot be read)."""
    source = node
    if isinstance(node, cst.Name):
        found = only_assignment(syntax, node)
        uses = references(syntax, node)
        same_scope = found is not None and (found.module_level or found.scope is syntax.scope(node))
        if found is None or not same_scope or not _only_used_by(syntax, uses, used_by):
            reading.opaque.append(_span_of_use(syntax, node, used_by))
            return None
        source = found.value
    if isinstance(source, cst.Dict):
        container = dict_container(syntax, source)
        for element in source.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            name = None if key is None else literal_value(syntax, key)
            if not isinstance(element, cst.DictElement) or not isinstance(name, str):
                reading.opaque.append(syntax.span(element))
                continue
            assert key is not None
            arg = keyword_arg(syntax, name, syntax.span(element), syntax.span(key), element.value)
            _add(reading, arg, container)
        return container
    if isinstance(source, cst.Call) and syntax.qualified_names(source.func) == {"builtins.dict"}:
        read_call_keywords(syntax, source, reading, positional=())
        return call_container(syntax, source)
    reading.opaque.append(_span_of_use(syntax, node, used_by))
    return None


def _add(reading: KeywordReading, arg: Arg, container: Container) -> None:
    reading.args.append(arg)
    reading.holders[arg.span] = container


def _span_of_use(syntax: PythonSyntax, node: cst.CSTNode, used_by: cst.CSTNode | None) -> Span:
    return syntax.span(used_by if isinstance(used_by, cst.Arg) else node)


def _only_used_by(
    syntax: PythonSyntax, uses: list[cst.CSTNode], used_by: cst.CSTNode | None
) -> bool:
    """Whether the name's one use is ``used_by`` (a mutation or a second use elsewhere could
    change what the launch receives)."""
    if len(uses) != 1 or used_by is None:
        return False
    node: cst.CSTNode | None = uses[0]
    while node is not None and node is not used_by:
        node = syntax.parents.get(node)
    return node is used_by
