"""The bash reader's shortcuts read every script exactly as its general evaluation does.

Bare words and numbers (most launch arguments and assigned values) skip ``_evaluate``, and an
assignment's ``+=`` is found without slicing; the reference here evaluates every word of every
command, and every assigned value, the general way, and the two readings must agree on every
fixture script and on awkward hand-written ones.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from kefix.model import Unknown
from kefix.sources.bash import syntax

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
SCRIPTS = sorted(path for path in ROOT.rglob("*") if path.suffix in (".sh", ".bash"))

HAND_WRITTEN = {
    "escapes_and_continuations": 'A=x\\ y\npython t.py --a 1\\\n2 --b\\ c "d\\"e" --c=\'q\'\n',
    "non_ascii_before_words": "# 训练 ünï\nLR=2e-5\nLR+=1\npython t.py --lr $LR --n 300 é\n",
    "numbers_and_negatives": "python t.py --a -1 --b 0x1f --c 1e-5 --d 08 -- 5\n",
    "command_name_forms": 'P=python\n$P t.py --a\n"python" t.py --b\n/usr/bin/python3 t.py\n',
    "env_prefixes_and_functions": "f() { X=1 python t.py --x $X; }\nY=2 torchrun t.py --y $Y\n",
    "loops_and_conditionals": "for i in 1 2; do N=$i; python t.py --n $N; done\nif x; then M=1; fi",
}


def _general_assignment(reader: syntax._Reader, node: Any, conditional: bool) -> None:
    """``_Reader._assignment`` with every value read through ``_evaluate``."""
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    if name_node is None:
        return
    name = reader._node_text(name_node)
    if name_node.type != "variable_name":
        reader.loop_variables.add(name.split("[", 1)[0])
        return
    offset = reader.offsets.char(node.start_byte)
    if value_node is None:
        value: str | Unknown = ""
    elif value_node.type == "array":
        value = Unknown(reader._node_text(value_node))
    else:
        value = reader._evaluate(value_node, offset, in_function=False).value
    if reader._node_text(node)[len(name) :].startswith("+="):
        value = Unknown(reader._node_text(node))
    assignment = syntax.Assignment(name, value, offset, conditional)
    reader.assignments.setdefault(name, []).append(assignment)


def _general_reading(text: str) -> tuple[list[object], dict[str, list[object]]]:
    """Every command's words and env, and every assignment, read through ``_evaluate``."""
    data = text.encode("utf-8", "surrogateescape")
    reader = syntax._Reader(text, data)
    reader._assignment = functools.partial(_general_assignment, reader)  # type: ignore[method-assign]
    reader.walk(syntax._parser().parse(data).root_node, conditional=False, in_function=False)
    commands: list[object] = []
    for node, _, in_function in reader._pending:
        offset = reader.offsets.char(node.start_byte)
        words = []
        env: dict[str, str | Unknown] = {}
        for child in node.children:
            if child.type == "variable_assignment":
                name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                if name is not None:
                    env[reader._node_text(name)] = (
                        "" if value is None else reader._evaluate(value, offset, in_function).value
                    )
            elif child.type == "command_name":
                words += [reader._evaluate(part, offset, in_function) for part in child.children]
            elif child.is_named and child.type not in (
                "comment",
                "file_redirect",
                "herestring_redirect",
            ):
                words.append(reader._evaluate(child, offset, in_function))
        commands.append((tuple(words), env))
    return commands, dict(reader.assignments)


def _shortcut_reading(text: str) -> tuple[list[object], dict[str, list[object]]]:
    data = text.encode("utf-8", "surrogateescape")
    reader = syntax._Reader(text, data)
    reader.walk(syntax._parser().parse(data).root_node, conditional=False, in_function=False)
    commands: list[object] = []
    for node, conditional, in_function in reader._pending:
        command = reader._command(node, conditional, in_function)
        commands.append((command.words, dict(command.env)))
    return commands, dict(reader.assignments)


def test_the_fixtures_hold_scripts() -> None:
    assert len(SCRIPTS) > 100


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(ROOT)) for p in SCRIPTS])
def test_a_fixture_script_reads_as_the_general_evaluation_reads_it(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    assert _shortcut_reading(text) == _general_reading(text)


@pytest.mark.parametrize("text", HAND_WRITTEN.values(), ids=HAND_WRITTEN.keys())
def test_an_awkward_script_reads_as_the_general_evaluation_reads_it(text: str) -> None:
    shortcut = _shortcut_reading(text)
    assert shortcut == _general_reading(text)
    assert shortcut[0]  # the script has commands: the comparison compared something
