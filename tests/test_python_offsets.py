"""Node spans from one regenerated statement placed by ``ast``, and comment spans from a scan of
the text: the same spans libcst's ``PositionProvider`` gives, without regenerating the module."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from kefix.model import Span
from kefix.sources.python import syntax as syntax_module
from kefix.sources.python.lines import PythonLines
from kefix.sources.python.offsets import comment_offsets, statement_offsets
from kefix.sources.python.syntax import PythonSyntax

NESTED = '''\
import subprocess  # a comment
from transformers import TrainingArguments as TA  # "not # a string"

s = "# not a comment"; t = 'it''s # neither'


@decorator(x="é")
class Config(TA):
\t"""Tabs; a docstring with # and 'quotes' and \\""" escaped."""
\tdef build(self, *a, **k):
\t\tif a:  # é comment
\t\t\treturn TA(output_dir="é/ü", lr=f(g(1), [2, (3)]))
\t\telif k: x = TA(  # inline
\t\t\t\t"out",  # 😀 wide
\t\t\t\t**{"a": ("b" # between parts
\t\t\t\t        'c')},
\t\t\t)
\t\telse:
\t\t\tpass
\t\treturn None


async def main():
    with open("f") as handle, ctx() as other:
        for item in handle:
            subprocess.run(["python", "train.py", "--lr", """1
2"""], cwd=\\
                "é")
    try:
        y = [ 1,
              2 ]
    except (OSError, ValueError) as error:
        raise RuntimeError("x") from error
    finally:
        del y
    match y:
        case [1, *rest]:
            z = lambda q: q + 1
        case _:
            global G
    while False: continue
'''

MODULES = [
    NESTED,
    NESTED.replace("\n", "\r\n"),
    NESTED.replace("\n", "\r"),
    NESTED.replace("\t", "  "),
    "x = 1\n",
    "# only a comment\n",
    "f(a)(b)\n(g)(h)\nr'\\'' # c\nb'#'\n",
]


def _expected(text: str) -> tuple[cst.Module, dict[cst.CSTNode, Span]]:
    """The spans libcst's PositionProvider gives, as character offsets."""
    tree = cst.parse_module(text)
    lines = PythonLines(text)
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    return tree, {
        node: Span(
            lines.line_start(where.start.line) + where.start.column,
            lines.line_start(where.end.line) + where.end.column,
        )
        for node, where in positions.items()
    }


def _within_statements(syntax: PythonSyntax, node: cst.CSTNode) -> bool:
    current: cst.CSTNode | None = node
    while current is not None:
        if isinstance(current, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return True
        current = syntax.parents.get(current)
    return False


def _never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def whole(module: cst.Module) -> None:
        raise AssertionError("the module was regenerated whole")

    monkeypatch.setattr(syntax_module, "module_offsets", whole)


@pytest.mark.parametrize("text", MODULES)
def test_node_spans_are_position_providers(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, expected = _expected(text)
    syntax = PythonSyntax(text, tree, ast.parse(text))
    _never_whole(monkeypatch)
    checked = 0
    for node, span in expected.items():
        if _within_statements(syntax, node):
            assert syntax.span(node) == span, (type(node).__name__, text[span.start : span.end])
            checked += 1
    assert checked or not tree.body


@pytest.mark.parametrize("text", MODULES)
def test_comment_spans_are_position_providers(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, expected = _expected(text)
    syntax = PythonSyntax(text, tree, ast.parse(text))
    _never_whole(monkeypatch)
    assert syntax.comment_spans() == tuple(expected[node] for node in syntax.comments)


def test_without_the_ast_every_span_comes_from_the_whole_module() -> None:
    text = NESTED.replace("\n", "\r")
    tree, expected = _expected(text)
    syntax = PythonSyntax(text, tree)
    assert all(syntax.span(node) == span for node, span in expected.items())


def test_a_statement_placed_where_its_text_is_not_is_refused() -> None:
    text = "x = 1\ny = 2\n"
    tree = cst.parse_module(text)
    second = tree.body[1]
    assert isinstance(second, cst.SimpleStatementLine)
    statement = second.body[0]
    assert statement_offsets(tree, statement, [], 6, text) is not None
    assert statement_offsets(tree, statement, [], 0, text) is None


def test_a_scan_that_finds_other_comments_is_refused() -> None:
    text = "x = 1  # one\n"
    comments = (cst.Comment("# two"),)
    assert comment_offsets(text, comments) is None
    assert comment_offsets(text, (cst.Comment("# one"),)) == [(7, 12)]


@pytest.mark.parametrize("text", MODULES[:3])
def test_starting_after_a_line_is_told_as_the_span_tells(text: str) -> None:
    tree, expected = _expected(text)
    syntax = PythonSyntax(text, tree, ast.parse(text))
    lines = PythonLines(text)
    names = [node for node in expected if isinstance(node, cst.Name)]
    for node in names:
        line = lines.line_of(expected[node].start)
        for limit in (line - 2, line - 1, line, line + 1):
            assert syntax.starts_after_line(node, limit) == (line > limit)


def test_reading_a_launch_regenerates_only_its_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    from kefix.sources.python.reader import read_python

    _never_whole(monkeypatch)
    text = (
        "import os  # é\r\n"
        "from transformers import TrainingArguments\r\n"
        "class Mine(TrainingArguments):\r\n"
        "\tpass\r\n"
        "def main():\r\n"
        "\targs = Mine(\r\n"
        "\t\toutput_dir='ü',  # kefix: ignore\r\n"
        "\t\t**{'fp16': True},\r\n"
        "\t)\r\n"
    )
    parsed = read_python("offsets_train.py", text).parsed
    (launch,) = parsed.launches
    assert text[launch.span.start : launch.span.end].startswith("Mine(")
    assert [text[arg.span.start : arg.span.end] for arg in launch.args] == [
        "output_dir='ü'",
        "'fp16': True",
    ]
    assert [text[span.start : span.end] for span in parsed.comments] == [
        "# é",
        "# kefix: ignore",
    ]
