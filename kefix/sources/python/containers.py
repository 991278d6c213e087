"""The layout (``kefix.sources.python.sites``) of a call's arguments, a dict or a list, read
from libcst nodes."""

from __future__ import annotations

import libcst as cst

from kefix.model import Span
from kefix.sources.python.sites import Container, ContainerKind, Element
from kefix.sources.python.syntax import PythonSyntax


def _comma(syntax: PythonSyntax, comma: cst.Comma | cst.MaybeSentinel) -> Span | None:
    return syntax.span(comma) if isinstance(comma, cst.Comma) else None


def _inner(syntax: PythonSyntax, node: cst.BaseExpression) -> Span:
    """The node's span without the parentheses wrapped around it."""
    span = syntax.span(node)
    start = syntax.span(node.lpar[-1]).end if node.lpar else span.start
    end = syntax.span(node.rpar[0]).start if node.rpar else span.end
    return Span(start, end)


def call_container(syntax: PythonSyntax, call: cst.Call) -> Container:
    inner = _inner(syntax, call)
    opening = syntax.text.index("(", syntax.span(call.func).end)
    elements = tuple(Element(syntax.span(arg), _comma(syntax, arg.comma)) for arg in call.args)
    return Container(ContainerKind.CALL, opening, inner.end - 1, elements)


def dict_container(syntax: PythonSyntax, node: cst.Dict) -> Container:
    inner = _inner(syntax, node)
    elements = tuple(
        Element(syntax.span(element), _comma(syntax, element.comma)) for element in node.elements
    )
    return Container(ContainerKind.DICT, inner.start, inner.end - 1, elements)


def list_container(syntax: PythonSyntax, node: cst.List | cst.Tuple) -> Container | None:
    """The list's (or parenthesised tuple's) layout; None for a bare tuple, which has no
    brackets to place arguments in."""
    elements = tuple(
        Element(syntax.span(element), _comma(syntax, element.comma)) for element in node.elements
    )
    if isinstance(node, cst.Tuple):
        if not node.lpar:
            return None
        opening, closing = syntax.span(node.lpar[-1]).start, syntax.span(node.rpar[0]).start
        return Container(ContainerKind.LIST, opening, closing, elements)
    inner = _inner(syntax, node)
    return Container(ContainerKind.LIST, inner.start, inner.end - 1, elements)
