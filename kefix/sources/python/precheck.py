"""Which Python files may hold a launch, decided cheaply before libcst reads any of them.

Two steps, each far cheaper than the one after it: a text search (does the file name a
training class, a project subclass of one, a parser input, or start a command with a launcher
word in a string?), then Python's own parser (C, ~50x faster than libcst with its metadata):
is there a call a launch could be made of? Only those files are read with libcst, so
``kefix .`` stays fast on large trees of unrelated Python. A false "maybe" costs time, never a
finding: the libcst reading decides.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import ClassVar

from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES
from kefix.partial_equality import PartlyCompared
from kefix.sources.python.module_trees import parse_module
from kefix.sources.python.nodes import ModuleNodes, last_name, module_nodes
from kefix.word_set import word_pattern

PARSER_METHODS = frozenset({"parse_args_into_dataclasses", "parse_dict"})
# The last names of subprocess.run/call/Popen/check_call/check_output and os.system.
COMMAND_FUNCTIONS = frozenset({"run", "call", "Popen", "check_call", "check_output", "system"})
# A word the launcher table (kefix.sources.bash.launchers) starts a command with.
LAUNCHER_WORD = re.compile(
    r"(?<![\w.-])(?:[\w./-]*/)?(?:python[\d.]*|torchrun|deepspeed|accelerate|llamafactory-cli"
    r"|lmf|swift|trl|srun|uv|nohup|env|time|exec)(?![\w.-])"
)
_COMMAND_WORDS = re.compile(r"\b(?:subprocess|system)\b")
_LAUNCHER_IN_STRING = re.compile(
    r"""(?:^|["'\s])(?:python[\d.]*|torchrun|deepspeed|accelerate|llamafactory-cli|lmf|swift|trl"""
    r"""|srun|uv)(?=$|["'\s])|\bsys\.executable\b""",
    re.MULTILINE,
)


@functools.lru_cache(maxsize=64)
def _training_words(known: frozenset[str]) -> re.Pattern[str]:
    names = [*sorted(TRAINING_CLASS_NAMES), *sorted(PARSER_METHODS), *sorted(known)]
    return word_pattern(names)  # a monorepo's index holds hundreds of names


def names_training(text: str, known: frozenset[str]) -> bool:
    """The text names a training class, a project subclass of one (``known``) or a parser
    input: worth a KF901 when it does not parse."""
    return _training_words(known).search(text) is not None


def may_start_commands(text: str) -> bool:
    return _COMMAND_WORDS.search(text) is not None and _LAUNCHER_IN_STRING.search(text) is not None


class Screening(PartlyCompared, frozen=True):
    """Whether libcst should read a file, and, when Python cannot parse it, why (and where);
    the module as Python parsed it, for the reading to use."""

    read: bool
    problem: str = ""
    line: int = 1
    tree: ast.Module | None = None
    nodes: ModuleNodes | None = None

    uncompared: ClassVar[frozenset[str]] = frozenset({"tree", "nodes"})
    unshown: ClassVar[frozenset[str]] = frozenset({"tree", "nodes"})


def screen(text: str, known: frozenset[str]) -> Screening:
    """Whether the file may hold a launch: it names one of its ingredients, Python's parser
    reads it, and it has a call a launch could be made of. Text Python cannot parse never
    reaches libcst, whose native parser can crash on it (a 20,000-term expression)."""
    training = names_training(text, known)
    if not training and not may_start_commands(text):
        return Screening(False)
    try:
        tree = parse_module(text)
    except SyntaxError as error:
        # Only a file about training is worth a finding: one that merely mentions subprocess
        # may be anything (Python 2, a template).
        return Screening(False, error.msg if training else "", error.lineno or 1)
    except UnicodeError:
        return Screening(False, "the text is not UTF-8" if training else "")
    except (ValueError, RecursionError, MemoryError) as error:
        reason = "nested too deeply" if not isinstance(error, ValueError) else str(error)
        return Screening(False, reason if training else "")
    nodes = module_nodes(tree)
    return Screening(_has_candidate_call(nodes, known), tree=tree, nodes=nodes)


def may_hold_a_launch(text: str, known: frozenset[str]) -> bool:
    """Whether libcst should read the file (see ``screen``)."""
    return screen(text, known).read


def _has_candidate_call(nodes: ModuleNodes, known: frozenset[str]) -> bool:
    """A call of a training class (or a subclass, by name), of a parser input method, or of a
    command function whose command may name a launcher."""
    # An alias may be bound to several names: all are tried (a "maybe" costs time, not truth).
    aliases: dict[str, set[str]] = {}
    for statement in nodes.imports:
        for alias in statement.names:
            if alias.asname:
                aliases.setdefault(alias.asname, set()).add(alias.name.rsplit(".", 1)[-1])
    sets_argv = any(_extends_argv(call) for call in nodes.calls) or any(
        _is_argv(target)
        for node in nodes.assignments
        if not isinstance(node, ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )
    bases: dict[str, set[str]] = {}
    for node in nodes.classes:
        bases.setdefault(node.name, set()).update(last_name(base) for base in node.bases)
    named = {
        name: {spelt for base in parents for spelt in aliases.get(base, {base})}
        for name, parents in bases.items()
    }
    classes = _subclasses(named, set(TRAINING_CLASS_NAMES | known))
    for call in nodes.calls:
        spelt = last_name(call.func)
        for name in aliases.get(spelt, {spelt}):
            if name in classes or name == "parse_dict":
                return True
            if name == "parse_args_into_dataclasses" and (call.args or call.keywords or sets_argv):
                return True  # arguments given, or sys.argv set: without them it reads the real argv
            if name in COMMAND_FUNCTIONS and _may_name_a_launcher(call):
                return True
    return False


def _subclasses(bases: dict[str, set[str]], roots: set[str]) -> set[str]:
    """``roots`` and the classes deriving from them, by name."""
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                changed = True
    return found


def _is_argv(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "argv"


def _extends_argv(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == "extend" and _is_argv(func.value)


def _may_name_a_launcher(call: ast.Call) -> bool:
    """The command of a subprocess/os.system call: a list whose first word names a launcher
    (or is ``sys.executable``), a string naming one, or a name (its value is read later)."""
    command = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg in ("args", "command"):
            command = keyword.value
    if isinstance(command, (ast.List, ast.Tuple)):
        command = command.elts[0] if command.elts else None
        if isinstance(command, ast.Attribute):
            return command.attr == "executable"
    if isinstance(command, ast.Constant) and isinstance(command.value, str):
        return LAUNCHER_WORD.search(command.value) is not None
    return isinstance(command, ast.Name)
