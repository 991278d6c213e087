"""Character spans of libcst nodes without libcst's ``PositionProvider``.

That provider regenerates the whole module, tracking lines and columns token by token, which
costs more than parsing; kefix needs the spans of a few nodes in one or two statements. Here a
statement is regenerated alone, counting characters, and placed where ``ast`` says it starts;
the regenerated text must equal the file's text there, or the caller falls back to the whole
module (still cheaper: offsets, not lines and columns). The spans are the provider's own
(the same nodes record them at the same moments: syntactic, whitespace excluded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from kefix.sources.python.comments import scan_comments

Offsets = dict[cst.CSTNode, tuple[int, int]]


@dataclass
class _OffsetState(CodegenState):
    """libcst's position-providing codegen state, counting characters from ``offset``."""

    offset: int = 0
    computed: Offsets = field(default_factory=dict)
    _stack: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.computed:  # a syntactic position is recorded already
            self.computed[node] = (start, self.offset)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.computed[start_node][0]
            if end_node is not None:
                end = self.computed[end_node][1]
            self.computed[node] = (start, end)


def module_offsets(module: cst.Module) -> Offsets:
    """Every node's span in the module's text."""
    state = _OffsetState(module.default_indent, module.default_newline)
    module._codegen(state)
    return state.computed


def statement_offsets(
    module: cst.Module, statement: cst.CSTNode, indents: list[str], start: int, text: str
) -> Offsets | None:
    """The spans of ``statement``'s nodes, when its syntactic start is at offset ``start`` of
    ``text`` and ``indents`` are the indentations of the blocks around it (outermost first);
    None when the regenerated statement is not the text there."""
    state = _OffsetState(module.default_indent, module.default_newline, indent_tokens=indents)
    statement._codegen(state)
    shift = start - state.computed[statement][0]
    written = "".join(state.tokens)
    if shift < 0 or text[shift : shift + len(written)] != written:
        return None
    return {node: (begin + shift, end + shift) for node, (begin, end) in state.computed.items()}


def comment_offsets(text: str, comments: tuple[cst.Comment, ...]) -> list[tuple[int, int]] | None:
    """The spans of ``comments`` (libcst's, in file order) found by scanning the text; None when
    the scan does not find exactly those comments (an f-string nesting its own quotes, as
    Python 3.12 allows)."""
    found = scan_comments(text)
    if len(found) != len(comments):
        return None
    for (start, end), comment in zip(found, comments, strict=True):
        if text[start:end] != comment.value:
            return None
    return found
