"""Launches Python code writes as command lines: ``subprocess.run([...])``, ``os.system("...")``,
``sys.argv = [...]`` and ``parse_args_into_dataclasses(args=[...])``, and ``parse_dict({...})``.

An argv list is read word by word with the bash adapter's launcher table; a command string
(``os.system``, ``shell=True``) is read by the bash adapter itself, but only from a plain string
literal whose characters are its value, so every span maps back exactly. The parser inputs
(``args=[...]``, ``sys.argv``, ``parse_dict``) launch the file itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

import libcst as cst
import msgspec

from kefix.model import Finding, Launch, Span, Unknown
from kefix.sources.bash import parse_launch_script
from kefix.sources.bash.launches import launch_of_words, pair_arguments
from kefix.sources.bash.syntax import Word
from kefix.sources.python.containers import list_container
from kefix.sources.python.keywords import KeywordReading, read_mapping
from kefix.sources.python.precheck import COMMAND_FUNCTIONS, LAUNCHER_WORD
from kefix.sources.python.quick_argv import (
    PARSE_ARGV,
    PARSE_DICT,
    SUBPROCESS,
    argv_site,
    exact_equals,
    parser_input_launch,
)
from kefix.sources.python.shift import shift_launch, shifted
from kefix.sources.python.sites import Site, SiteKind, StringLiteral
from kefix.sources.python.syntax import (
    PythonSyntax,
    callee_name,
    list_with_extensions,
    only_assignment,
    references,
    string_literal_value,
    string_value,
)


class Found(msgspec.Struct, frozen=True):
    """A launch, where its arguments are written, and problems reading it."""

    launch: Launch | None  # None: only problems (a command string bash cannot read)
    site: Site
    problems: tuple[Finding, ...] = ()


def find_command_launches(syntax: PythonSyntax, path: str) -> Iterator[Found]:
    """Launches started through ``subprocess`` or ``os.system``."""
    for node in syntax.calls:
        if not syntax.may_call(node, COMMAND_FUNCTIONS) or not _may_start_a_launcher(node):
            continue
        names = syntax.qualified_names(node.func)
        if names & SUBPROCESS:
            command = _argument(node, 0, "args")
            shell = _keyword(node, "shell")
            cwd = _keyword(node, "cwd")
            hints = _workdir(syntax, cwd)
            if command is None:
                continue
            if shell is not None and isinstance(shell, cst.Name) and shell.value == "True":
                yield from _shell_launches(syntax, path, command, hints)
            elif shell is None or (isinstance(shell, cst.Name) and shell.value == "False"):
                yield from _argv_launch(syntax, path, command, node, hints)
        elif "os.system" in names:
            command = _argument(node, 0, "command")
            if command is not None:
                yield from _shell_launches(syntax, path, command, ())


def find_parser_inputs(syntax: PythonSyntax, path: str) -> Iterator[Found]:
    """Arguments the file hands its own HfArgumentParser: ``args=[...]``, ``sys.argv``, a dict."""
    entry = PurePath(path).name
    parse_calls = [
        node
        for node in syntax.calls
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in (PARSE_ARGV, PARSE_DICT)
    ]
    for call in parse_calls:
        assert isinstance(call.func, cst.Attribute)
        if call.func.attr.value == PARSE_ARGV:
            given = _argument(call, 0, "args")
            if given is not None:
                yield from _parser_argv(syntax, path, entry, given, call, PARSE_ARGV, skip=0)
        else:
            yield from _parser_dict(syntax, path, entry, call)
    reads_argv = [
        syntax.span(call).start
        for call in parse_calls
        if isinstance(call.func, cst.Attribute)
        and call.func.attr.value == PARSE_ARGV
        and _argument(call, 0, "args") is None
    ]
    if reads_argv:
        yield from _sys_argv(syntax, path, entry, max(reads_argv))


# ----------------------------------------------------------------------------- arguments


def _may_start_a_launcher(call: cst.Call) -> bool:
    """A syntactic look at a command before any scope analysis: a list whose first word names
    a launcher (or is ``sys.executable``), a string naming one, or a name (read later)."""
    command = _argument(call, 0, "args") or _argument(call, 0, "command")
    if isinstance(command, (cst.List, cst.Tuple)):
        first = command.elements[0].value if command.elements else None
        if isinstance(first, cst.Attribute):
            return first.attr.value == "executable"
        command = first
    if isinstance(command, cst.SimpleString):
        return LAUNCHER_WORD.search(command.value) is not None
    return isinstance(command, cst.Name)


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == keyword:
            return argument.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) > position and all(
        not a.star for a in call.args[: call.args.index(positional[position])]
    ):
        return positional[position].value
    return None


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    return next(
        (a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword),
        None,
    )


def _workdir(syntax: PythonSyntax, cwd: cst.BaseExpression | None) -> tuple[str, ...]:
    if cwd is None:
        return ()
    value = string_value(syntax, cwd)
    return (value,) if isinstance(value, str) else ()


def _holder(node: cst.CSTNode, syntax: PythonSyntax) -> cst.CSTNode:
    """The argument node of the call ``node`` is passed to (what a single use must be)."""
    parent = syntax.parents.get(node)
    return parent if isinstance(parent, cst.Arg) else node


# ----------------------------------------------------------------------------- argv lists


def _list_of(
    syntax: PythonSyntax, node: cst.BaseExpression, used_by: cst.CSTNode
) -> tuple[cst.List | cst.Tuple | None, bool]:
    """The list literal a command is written as, and whether something else may change it
    (a name bound to it that is used again: ``cmd.append(...)``)."""
    if isinstance(node, (cst.List, cst.Tuple)):
        return node, False
    if isinstance(node, cst.Name):
        found = only_assignment(syntax, node)
        if found is not None and isinstance(found.value, (cst.List, cst.Tuple)):
            uses = references(syntax, node)
            return found.value, len(uses) != 1
        extended = list_with_extensions(syntax, node)
        if extended is not None:
            return extended, True
    return None, False


def _words(syntax: PythonSyntax, node: cst.List | cst.Tuple) -> list[Word]:
    words: list[Word] = []
    for element in node.elements:
        if isinstance(element, cst.StarredElement):
            words.append(Word(Unknown(syntax.code(element)), syntax.span(element), "", True))
            continue
        value = element.value
        span = syntax.span(value)
        raw = syntax.code(value)
        if "sys.executable" in syntax.qualified_names(value):
            words.append(Word("python", span, raw))  # the interpreter running the launcher
            continue
        content = _content_span(syntax, value)
        if content is not None:
            raw = syntax.text[content.start : content.end]
        words.append(Word(string_value(syntax, value), span, raw))
    return words


def _content_span(syntax: PythonSyntax, node: cst.BaseExpression) -> Span | None:
    """The characters between the quotes of a string or f-string literal."""
    if not isinstance(node, (cst.SimpleString, cst.FormattedString)) or node.lpar:
        return None
    span = syntax.span(node)
    return Span(span.start + len(node.prefix) + len(node.quote), span.end - len(node.quote))


def _argv_launch(
    syntax: PythonSyntax,
    path: str,
    command: cst.BaseExpression,
    call: cst.Call,
    hints: tuple[str, ...],
) -> Iterator[Found]:
    node, shared = _list_of(syntax, command, _holder(command, syntax))
    if node is None:
        return
    container = list_container(syntax, node)
    if container is None:
        return
    words = _words(syntax, node)
    launch = launch_of_words(path, syntax.span(node), words, 0, hints)
    if launch is None:
        return
    args = tuple(exact_equals(syntax.text, arg, words) for arg in launch.args)
    opaque = launch.opaque + ((syntax.span(command),) if shared else ())
    launch = msgspec.structs.replace(launch, args=args, opaque=opaque)
    yield Found(launch, argv_site(launch, container))


def _parser_argv(
    syntax: PythonSyntax,
    path: str,
    entry: str,
    given: cst.BaseExpression,
    user: cst.CSTNode,
    launcher: str,
    *,
    skip: int,
    extra_opaque: tuple[Span, ...] = (),
) -> Iterator[Found]:
    node, shared = _list_of(syntax, given, _holder(given, syntax))
    if node is None:
        return
    container = list_container(syntax, node)
    if container is None:
        return
    words = _words(syntax, node)[skip:]
    args, opaque = pair_arguments(words)
    args = tuple(exact_equals(syntax.text, arg, words) for arg in args)
    if shared:
        opaque += (syntax.span(given),)
    launch = parser_input_launch(
        path, syntax.span(node), launcher, entry, args, opaque + extra_opaque
    )
    yield Found(launch, argv_site(launch, container))


def _parser_dict(syntax: PythonSyntax, path: str, entry: str, call: cst.Call) -> Iterator[Found]:
    extra = _keyword(call, "allow_extra_keys")
    if extra is not None and not (isinstance(extra, cst.Name) and extra.value == "False"):
        return  # unknown keys are dropped silently: kefix cannot tell them from mistakes
    given = _argument(call, 0, "args")
    if given is None:
        return
    reading = KeywordReading()
    home = read_mapping(syntax, given, reading, used_by=_holder(given, syntax))
    if home is None:
        return
    launch = parser_input_launch(
        path, syntax.span(given), PARSE_DICT, entry, tuple(reading.args), tuple(reading.opaque)
    )
    yield Found(launch, Site(SiteKind.KEYWORDS, reading.holders, home))


def _sys_argv(syntax: PythonSyntax, path: str, entry: str, before: int) -> Iterator[Found]:
    """``sys.argv = [prog, ...]`` (its words after the program name) and ``sys.argv += [...]``
    / ``sys.argv.extend([...])`` (added to a command line kefix cannot see: opaque) set before
    the parser reads them."""
    extends = [call for call in syntax.calls if callee_name(call) == "extend"]
    statements = sorted([*syntax.statements, *extends], key=lambda node: syntax.span(node).start)
    for node in statements:
        if syntax.span(node).start >= before:
            continue
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            if _is_sys_argv(syntax, node.targets[0].target):
                yield from _parser_argv(syntax, path, entry, node.value, node, "sys.argv", skip=1)
        elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            if _is_sys_argv(syntax, node.target):
                target = (syntax.span(node.target),)
                yield from _parser_argv(
                    syntax, path, entry, node.value, node, "sys.argv", skip=0, extra_opaque=target
                )
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "extend"
            and _is_sys_argv(syntax, node.func.value)
            and len(node.args) == 1
        ):
            target = (syntax.span(node.func.value),)
            yield from _parser_argv(
                syntax,
                path,
                entry,
                node.args[0].value,
                node,
                "sys.argv",
                skip=0,
                extra_opaque=target,
            )


def _is_sys_argv(syntax: PythonSyntax, node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "argv"
        and "sys.argv" in syntax.qualified_names(node)
    )


# ----------------------------------------------------------------------------- shell strings


def _shell_launches(
    syntax: PythonSyntax, path: str, command: cst.BaseExpression, hints: tuple[str, ...]
) -> Iterator[Found]:
    literal = _plain_string(syntax, command)
    if literal is None:
        if isinstance(command, cst.Name):
            found = only_assignment(syntax, command)
            if found is not None:
                literal = _plain_string(syntax, found.value)
        if literal is None:
            return
    offset = literal.content.start
    parsed = parse_launch_script(path, syntax.text[offset : literal.content.end])
    site = Site(SiteKind.SHELL, literal=literal)
    problems = tuple(
        msgspec.structs.replace(problem, span=shifted(problem.span, offset))
        for problem in parsed.problems
    )
    for launch in parsed.launches:
        moved = shift_launch(launch, offset)
        yield Found(
            msgspec.structs.replace(moved, workdir_hints=moved.workdir_hints + hints),
            site,
            problems,
        )
        problems = ()
    if problems:
        yield Found(None, site, problems)


def _plain_string(syntax: PythonSyntax, node: cst.BaseExpression) -> StringLiteral | None:
    """The literal when each character between its quotes is a character of its value."""
    if not isinstance(node, cst.SimpleString) or node.lpar or "b" in node.prefix.lower():
        return None
    content = _content_span(syntax, node)
    if content is None:
        return None
    try:
        value = string_literal_value(node)
    except Exception:  # an escape Python itself would reject
        return None
    if value != syntax.text[content.start : content.end]:
        return None
    return StringLiteral(syntax.span(node), content, node.quote, "r" in node.prefix.lower())
