"""After a fix: the Python module reads as before everywhere but in the fixed launch's arguments.

Checked with Python's own parser (``ast``), independent of the libcst reading that placed the
edits: both modules, with the launch's argument nodes taken out, must dump to the same tree;
no comment may appear, and one may only disappear with the argument line it ended. A command
line in a string is checked by the bash adapter's verifier on the string's content.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Sequence

import msgspec

from kefix.model import Intent, Launch, LineIndex, RepairContinuation, Span
from kefix.sources.bash.verify import structural_difference as bash_difference
from kefix.sources.python.lines import PythonLines
from kefix.sources.python.reader import PythonSource, read_python
from kefix.sources.python.shift import shift_launch, shifted
from kefix.sources.python.sites import Site, SiteKind

_MASK = "<kefix: the launch>"


def structural_difference(
    before_text: str,
    after_text: str,
    old_launch: Launch,
    new_launch: Launch,
    intents: Sequence[Intent],
) -> str:
    """Why ``after_text`` is more than ``before_text`` with the launch's arguments changed."""
    before = read_python(old_launch.path, before_text)
    after = read_python(new_launch.path, after_text)
    old_site = before.sites.get(old_launch.span)
    new_site = after.sites.get(new_launch.span)
    if old_site is None or new_site is None or old_site.kind is not new_site.kind:
        return "the fixed launch is not read the same way"
    old_tree = _masked_dump(before_text, old_launch, old_site)
    new_tree = _masked_dump(after_text, new_launch, new_site)
    if new_tree is None:
        return "the fixed text is not valid Python"
    if old_tree is None:
        return "Python's own parser cannot read the file, so the fix cannot be checked"
    if old_tree != new_tree:
        return "the fix would change the Python code outside the launch's arguments"
    reason = _lost_comments(before_text, before, after_text, after, old_launch)
    if reason:
        return reason
    if old_site.kind is SiteKind.SHELL:
        assert old_site.literal is not None and new_site.literal is not None
        old_content, new_content = old_site.literal.content, new_site.literal.content
        return bash_difference(
            before_text[old_content.start : old_content.end],
            after_text[new_content.start : new_content.end],
            shift_launch(old_launch, -old_content.start),
            shift_launch(new_launch, -new_content.start),
            [_in_string(intent, -old_content.start) for intent in intents],
        )
    return ""


def _in_string(intent: Intent, offset: int) -> Intent:
    """A repair's break position counted in the string's content, as the bash verifier reads."""
    if isinstance(intent, RepairContinuation):
        detached = msgspec.structs.replace(intent.detached, at=shifted(intent.detached.at, offset))
        return RepairContinuation(detached)
    return intent


def _masked_dump(text: str, launch: Launch, site: Site) -> str | None:
    """The module's ``ast`` dump without the launch's arguments (its whole string, for a
    command line), or None when Python cannot parse it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    offsets = _Offsets(text)
    if site.kind is SiteKind.SHELL:
        assert site.literal is not None
        masked = [site.literal.span]
    else:
        masked = [arg.span for arg in launch.args]

    def inside(node: ast.AST) -> bool:
        span = offsets.span(node)
        return span is not None and any(m.start <= span.start and span.end <= m.end for m in masked)

    try:
        _Mask(inside).visit(tree)
        return ast.dump(tree)
    except RecursionError:
        return None


class _Offsets:
    """``ast`` positions (UTF-8 byte columns) as character offsets of the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = PythonLines(text)

    def _offset(self, line: int, byte_column: int) -> int:
        start = self.lines.line_start(line)
        line_text = self.text[start : self.lines.line_end(line)]
        return start + len(
            line_text.encode("utf-8", "surrogatepass")[:byte_column].decode("utf-8", "replace")
        )

    def span(self, node: ast.AST) -> Span | None:
        line = getattr(node, "lineno", None)
        end_line = getattr(node, "end_lineno", None)
        if line is None or end_line is None:
            return None
        return Span(
            self._offset(line, getattr(node, "col_offset", 0)),
            self._offset(end_line, getattr(node, "end_col_offset", 0)),
        )


class _Mask(ast.NodeTransformer):
    """Takes the launch's argument nodes out of calls, dicts and lists."""

    def __init__(self, inside: Callable[[ast.AST], bool]) -> None:
        self.inside = inside

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node.args = [arg for arg in node.args if not self.inside(arg)]
        node.keywords = [keyword for keyword in node.keywords if not self.inside(keyword)]
        self.generic_visit(node)
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        kept = [
            (key, value)
            for key, value in zip(node.keys, node.values, strict=True)
            if key is None or not self.inside(key)
        ]
        node.keys = [key for key, _ in kept]
        node.values = [value for _, value in kept]
        self.generic_visit(node)
        return node

    def visit_List(self, node: ast.List) -> ast.AST:
        node.elts = [element for element in node.elts if not self.inside(element)]
        self.generic_visit(node)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        node.elts = [element for element in node.elts if not self.inside(element)]
        self.generic_visit(node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str) and self.inside(node):
            node.value = _MASK
        return node


def _lost_comments(
    before_text: str, before: PythonSource, after_text: str, after: PythonSource, launch: Launch
) -> str:
    old = [before_text[span.start : span.end] for span in before.parsed.comments]
    new = [after_text[span.start : span.end] for span in after.parsed.comments]
    if Counter(new) - Counter(old):
        return "the fix would add a comment"
    lines = LineIndex.of(before_text)
    argument_lines = {
        line
        for arg in launch.args
        for line in range(
            lines.location(arg.span.start).line, lines.location(arg.span.end).line + 1
        )
    }
    for text, count in (Counter(old) - Counter(new)).items():
        owned = [
            span
            for span in before.parsed.comments
            if before_text[span.start : span.end] == text
            and lines.location(span.start).line in argument_lines
        ]
        if len(owned) < count:
            return "the fix would remove a comment"
    return ""
