"""Names resolved from the module's ``ast`` bindings: the same answers libcst's scopes give
(which cost several times the parse), and the scopes left uncomputed when they are not needed."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from kefix.sources.python.calls import find_training_calls, local_training_classes
from kefix.sources.python.syntax import PythonSyntax, only_assignment, parse_python

# Each module mixes names the bindings answer with names only the scopes can (shadowed, bound
# twice, used before their binding ends, loop variables, deleted, declared global).
MODULES = [
    """
    from transformers import TrainingArguments as TA, Trainer
    import transformers as tf
    import transformers
    from trl import *
    import os.path
    from . import args
    from ..pkg.mod import Mine as M

    OUT = "o"
    LR: float = 1e-4
    A = B = 2
    x, y = 1, 2
    TA(output_dir=OUT, learning_rate=LR)
    tf.TrainingArguments(OUT)
    transformers.Seq2SeqTrainingArguments(A, x)
    SFTConfig(dict(a=1), M(), args.Thing(), os.path.join("a"), print)
    """,
    """
    import subprocess, sys
    cmd = ["torchrun", "train.py"]
    subprocess.run(cmd)
    def run():
        cmd = ["python", "x.py"]
        subprocess.run(cmd, cwd=WORK)
        global G
        G = 1
        for item in range(3):
            item
    for item in []:
        pass
    item
    WORK = "w"
    G
    del WORK
    sys.argv = ["t.py", "--fp16"]
    sys.argv += ["--bf16"]
    """,
    """
    class Mine(TrainingArguments):
        value = Mine
    Mine(Mine)
    early = Later
    class Later: ...
    with open("f") as handle:
        handle
    try:
        pass
    except ValueError as error:
        error
    (walrus := 3)
    walrus
    for looped in []:
        pass
    looped
    [w for w in range(3)]
    lambda q: q
    match walrus:
        case {"k": bound, **rest}:
            bound, rest
        case [*star]:
            star
        case other:
            other
    """,
]


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
@pytest.mark.parametrize("source", MODULES)
def test_names_read_from_the_bindings_are_what_the_scopes_say(source: str, newline: str) -> None:
    # Lines as Python counts them (a lone CR ends one too): the order check compares lines.
    text = textwrap.dedent(source).replace("\n", newline)
    quick = parse_python(text, ast.parse(text))
    scoped = PythonSyntax(text, quick.tree)  # no ast: every answer from the scopes
    names = [node for node in quick.parents if isinstance(node, (cst.Name, cst.Attribute))]
    answered = asked = 0
    for node in names:
        if scoped.scope(node) is None:
            continue  # an import alias, an attribute's name, a keyword: never asked about
        asked += 1
        answered += quick._qualified_names_from_bindings(node) is not None
        assert quick.qualified_names(node) == scoped.qualified_names(node), quick.code(node)
        if isinstance(node, cst.Name):
            fast, slow = only_assignment(quick, node), only_assignment(scoped, node)
            assert (fast and (fast.value, fast.module_level)) == (
                slow and (slow.value, slow.module_level)
            ), quick.code(node)
    assert answered >= 5 and asked > answered  # both ways of answering are exercised


def test_a_training_call_with_module_constants_computes_no_scopes() -> None:
    text = textwrap.dedent(
        """
        from transformers import TrainingArguments as TA
        OUT = "out"
        def main():
            return TA(output_dir=OUT, fp16=True, learning_rate=2e-5)
        """
    )
    syntax = parse_python(text, ast.parse(text))
    ((launch, _),) = find_training_calls(
        syntax, "t.py", local_training_classes(syntax, frozenset())
    )
    assert launch.entry == "transformers.TrainingArguments"
    assert launch.args[0].values == ("out",)
    assert "scopes" not in vars(syntax)  # the cached scopes were never asked for
