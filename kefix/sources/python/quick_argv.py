"""Command lines and parser inputs read from ``ast``: ``kefix.sources.python.argv``'s reading,
rule for rule, for commands and inputs written as literals.

A list, string or dict literal is read here; a name holding one (whose other uses only libcst's
scopes can find) raises ``NeedsLibcst``, as does any literal whose place in the text this
reading cannot confirm.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

import msgspec

from kefix.model import Arg, ArgStyle, Finding, Launch, Span, Unknown
from kefix.sources.python.nodes import last_name
from kefix.sources.python.precheck import COMMAND_FUNCTIONS, LAUNCHER_WORD
from kefix.sources.python.quick import Found, NeedsLibcst, QuickReading
from kefix.sources.python.shift import shift_launch, shifted
from kefix.sources.python.sites import Container, ContainerKind, Site, SiteKind, StringLiteral

if TYPE_CHECKING:
    from kefix.sources.bash.syntax import Word

# The calls both Python readings (this one and argv.py's libcst one) take a command or argv from.
SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.Popen",
        "subprocess.check_call",
        "subprocess.check_output",
    }
)
PARSE_ARGV = "parse_args_into_dataclasses"
PARSE_DICT = "parse_dict"
# One string literal (libcst's SimpleString or FormattedString), not an implicit concatenation.
_ONE_LITERAL = re.compile(
    r"""(?P<prefix>[A-Za-z]{0,2})(?P<quote>\"\"\"|'''|"|')"""
    r"""(?:[^\\"']|\\.|(?!(?P=quote))["'])*(?P=quote)""",
    re.DOTALL,
)


class ArgvReading:
    """``argv.find_command_launches`` and ``argv.find_parser_inputs`` over a ``QuickReading``."""

    def __init__(self, reading: QuickReading, path: str) -> None:
        self.reading = reading
        self.path = path
        self.text = reading.text
        self.problems: list[Finding] = []
        self._openings: dict[int, int] = {}  # a command's id -> its call's "("

    # ------------------------------------------------------------------------- commands

    def command_launches(self) -> list[Found]:
        """Launches started through ``subprocess`` or ``os.system``, in file order."""
        found: list[Found] = []
        reading = self.reading
        for call in reading.calls:
            name = last_name(call.func)
            if name not in COMMAND_FUNCTIONS and reading.aliases.get(name) not in COMMAND_FUNCTIONS:
                continue
            if not self._may_start_a_launcher(call):
                continue
            names = reading.qualified_names(call.func)
            if names & SUBPROCESS:
                command = _argument(call, 0, "args")
                shell = _keyword(call, "shell")
                hints = self._workdir(_keyword(call, "cwd"))
                if command is None:
                    continue
                if _is_constant(shell, True):
                    self._openings[id(command)] = self.text.index("(", reading.span(call.func).end)
                    found.extend(self._shell_launches(command, hints))
                elif shell is None or _is_constant(shell, False):
                    found.extend(self._argv_launch(command, hints))
            elif "os.system" in names:
                command = _argument(call, 0, "command")
                if command is not None:
                    self._openings[id(command)] = self.text.index("(", reading.span(call.func).end)
                    found.extend(self._shell_launches(command, ()))
        return found

    def _may_start_a_launcher(self, call: ast.Call) -> bool:
        command = _argument(call, 0, "args") or _argument(call, 0, "command")
        if isinstance(command, (ast.List, ast.Tuple)):
            first = command.elts[0] if command.elts else None
            if isinstance(first, ast.Starred):
                first = first.value
            if isinstance(first, ast.Attribute):
                return first.attr == "executable"
            command = first
        if isinstance(command, ast.Constant) and isinstance(command.value, str | bytes):
            literal = self._one_literal(command)
            if literal is None:
                return False  # a concatenation: no SimpleString
            return LAUNCHER_WORD.search(self.reading.code(command)) is not None
        if isinstance(command, ast.JoinedStr):
            return False
        return isinstance(command, ast.Name)

    def _workdir(self, cwd: ast.expr | None) -> tuple[str, ...]:
        if cwd is None:
            return ()
        value = self.reading.literal_value(cwd)
        return (value,) if isinstance(value, str) else ()

    # ------------------------------------------------------------------------- argv lists

    def _list_of(self, node: ast.expr) -> ast.List:
        """The list literal a command is written as; a name or a tuple is libcst's to read."""
        if isinstance(node, ast.List):
            return node
        if isinstance(node, (ast.Name, ast.Tuple)):
            raise NeedsLibcst
        raise _NotAList

    def _words(self, node: ast.List) -> list[Word]:
        """``argv._words``."""
        from kefix.sources.bash.syntax import Word

        reading = self.reading
        words: list[Word] = []
        for element in node.elts:
            span = reading.span(element)
            if isinstance(element, ast.Starred):
                words.append(Word(Unknown(reading.code(element)), span, "", True))
                continue
            raw = reading.code(element)
            if "sys.executable" in self._qualified_names(element):
                words.append(Word("python", span, raw))  # the interpreter running the launcher
                continue
            content = self._content_span(element)
            if content is not None:
                raw = self.text[content.start : content.end]
            value = reading.literal_value(element)
            words.append(
                Word(value if isinstance(value, str) else Unknown(reading.code(element)), span, raw)
            )
        return words

    def _qualified_names(self, node: ast.expr) -> set[str]:
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            return set()
        return self.reading.qualified_names(node)

    def _one_literal(self, node: ast.expr) -> re.Match[str] | None:
        """The literal's prefix and quote when ``node`` is one string literal (no parentheses
        are checked here)."""
        return _ONE_LITERAL.fullmatch(self.reading.code(node))

    def _content_span(self, node: ast.expr) -> Span | None:
        if not isinstance(node, (ast.Constant, ast.JoinedStr)):
            return None
        if isinstance(node, ast.Constant) and not isinstance(node.value, str | bytes):
            return None
        literal = self._one_literal(node)
        if literal is None:
            return None
        span = self.reading.span(node)
        opening = len(literal.group("prefix")) + len(literal.group("quote"))
        return Span(span.start + opening, span.end - len(literal.group("quote")))

    def _argv_launch(self, command: ast.expr, hints: tuple[str, ...]) -> list[Found]:
        from kefix.sources.bash.launches import launch_of_words

        try:
            node = self._list_of(command)
        except _NotAList:
            return []
        container = self._list_container(node)
        words = self._words(node)
        launch = launch_of_words(self.path, self.reading.span(node), words, 0, hints)
        if launch is None:
            return []
        args = tuple(exact_equals(self.text, arg, words) for arg in launch.args)
        launch = msgspec.structs.replace(launch, args=args)
        return [(launch, argv_site(launch, container))]

    def _list_container(self, node: ast.List) -> Container:
        """``containers.list_container`` of a list literal."""
        span = self.reading.span(node)
        elements = self.reading.elements(span.start, span.end - 1, node.elts)
        return Container(ContainerKind.LIST, span.start, span.end - 1, elements)

    # ------------------------------------------------------------------------- shell strings

    def _shell_launches(self, command: ast.expr, hints: tuple[str, ...]) -> list[Found]:
        from kefix.sources.bash import parse_launch_script

        literal = self._plain_string(command, self._opening_of(command))
        if literal is None:
            if isinstance(command, ast.Name):
                value = self.reading.module_value(command)
                if value is not None:
                    literal = self._plain_string(value, None)
            if literal is None:
                return []
        offset = literal.content.start
        parsed = parse_launch_script(self.path, self.text[offset : literal.content.end])
        site = Site(SiteKind.SHELL, literal=literal)
        problems = [
            msgspec.structs.replace(problem, span=shifted(problem.span, offset))
            for problem in parsed.problems
        ]
        found: list[Found] = []
        for launch in parsed.launches:
            moved = shift_launch(launch, offset)
            found.append(
                (msgspec.structs.replace(moved, workdir_hints=moved.workdir_hints + hints), site)
            )
        self.problems.extend(problems)
        return found

    def _opening_of(self, command: ast.expr) -> int | None:
        """The opening parenthesis of the call ``command`` is passed to (set when
        ``command_launches`` reads its argument)."""
        return self._openings.get(id(command))

    def _plain_string(self, node: ast.expr, own_opening: int | None) -> StringLiteral | None:
        """``argv._plain_string``: a string literal without parentheses of its own whose
        characters are its value."""
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            return None
        if self.reading.parenthesised(node, own_opening):
            return None
        literal = self._one_literal(node)
        if literal is None or "b" in literal.group("prefix").lower():
            return None
        content = self._content_span(node)
        if content is None or node.value != self.text[content.start : content.end]:
            return None
        return StringLiteral(
            self.reading.span(node),
            content,
            literal.group("quote"),
            "r" in literal.group("prefix").lower(),
        )

    # ------------------------------------------------------------------------- parser inputs

    def parser_inputs(self) -> list[Found]:
        """Arguments the file hands its own HfArgumentParser: ``args=[...]``, ``sys.argv``, a
        dict."""
        entry = PurePath(self.path).name
        calls = [
            call
            for call in self.reading.calls
            if isinstance(call.func, ast.Attribute) and call.func.attr in (PARSE_ARGV, PARSE_DICT)
        ]
        found: list[Found] = []
        reads_argv: list[int] = []
        for call in calls:
            assert isinstance(call.func, ast.Attribute)
            if call.func.attr == PARSE_ARGV:
                given = _argument(call, 0, "args")
                if given is not None:
                    found.extend(self._parser_argv(entry, given, PARSE_ARGV, skip=0))
                else:
                    reads_argv.append(self.reading.span(call).start)
            else:
                found.extend(self._parser_dict(entry, call))
        if reads_argv:
            found.extend(self._sys_argv(entry, max(reads_argv)))
        return found

    def _parser_argv(
        self,
        entry: str,
        given: ast.expr,
        launcher: str,
        *,
        skip: int,
        extra_opaque: tuple[Span, ...] = (),
    ) -> list[Found]:
        from kefix.sources.bash.launches import pair_arguments

        try:
            node = self._list_of(given)
        except _NotAList:
            return []
        container = self._list_container(node)
        words = self._words(node)[skip:]
        args, opaque = pair_arguments(words)
        args = tuple(exact_equals(self.text, arg, words) for arg in args)
        launch = parser_input_launch(
            self.path, self.reading.span(node), launcher, entry, args, opaque + extra_opaque
        )
        return [(launch, argv_site(launch, container))]

    def _parser_dict(self, entry: str, call: ast.Call) -> list[Found]:
        extra = _keyword(call, "allow_extra_keys")
        if extra is not None and not _is_constant(extra, False):
            return []
        given = _argument(call, 0, "args")
        if given is None:
            return []
        if isinstance(given, (ast.Name, ast.Call)):
            raise NeedsLibcst
        if not isinstance(given, ast.Dict):
            return []  # opaque, and no launch
        args, opaque, home = self.reading.dict_arguments(given)
        holders = {arg.span: home for arg in args}
        launch = parser_input_launch(
            self.path, self.reading.span(given), PARSE_DICT, entry, tuple(args), tuple(opaque)
        )
        return [(launch, Site(SiteKind.KEYWORDS, holders, home))]

    def _sys_argv(self, entry: str, before: int) -> list[Found]:
        reading = self.reading
        extends = [call for call in reading.calls if last_name(call.func) == "extend"]
        statements: list[ast.AST] = [
            node for node in reading.assignments if not isinstance(node, ast.AnnAssign)
        ]
        ordered = sorted([*statements, *extends], key=lambda node: reading.start(node))
        found: list[Found] = []
        for node in ordered:
            if reading.start(node) >= before:
                continue
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                if self._is_sys_argv(node.targets[0]):
                    found.extend(self._parser_argv(entry, node.value, "sys.argv", skip=1))
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
                if self._is_sys_argv(node.target):
                    target = (reading.span(node.target),)
                    found.extend(
                        self._parser_argv(
                            entry, node.value, "sys.argv", skip=0, extra_opaque=target
                        )
                    )
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "extend"
                and self._is_sys_argv(node.func.value)
                and len(node.args) + len(node.keywords) == 1
            ):
                if node.keywords:
                    raise NeedsLibcst
                argument = node.args[0]
                if isinstance(argument, ast.Starred):
                    raise NeedsLibcst
                target = (reading.span(node.func.value),)
                found.extend(
                    self._parser_argv(entry, argument, "sys.argv", skip=0, extra_opaque=target)
                )
        return found

    def _is_sys_argv(self, node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "argv"
            and "sys.argv" in self.reading.qualified_names(node)
        )


class _NotAList(Exception):
    """The command is neither a list nor a name: no launch (as libcst's reading finds)."""


def argv_site(launch: Launch, container: Container) -> Site:
    """Where an argv launch's arguments are written: each in the one list literal."""
    return Site(SiteKind.ARGV, {arg.span: container for arg in launch.args}, container)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """``argv._argument`` (``position`` 0 only): the keyword's value, else the first
    positional argument when no star comes before it."""
    assert position == 0
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def _keyword(call: ast.Call, keyword: str) -> ast.expr | None:
    return next((item.value for item in call.keywords if item.arg == keyword), None)


def _is_constant(node: ast.expr | None, value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def exact_equals(text: str, arg: Arg, words: Sequence[Word]) -> Arg:
    """``"--flag=value"`` in one string: the flag and value spans inside its quotes (the
    shared reader counts them from the word's start, which is the opening quote here). When
    escapes make the characters differ from the value, both spans are the whole string."""
    if arg.style is not ArgStyle.EQUALS:
        return arg
    word = next(w for w in words if w.span == arg.span)
    flag_length = arg.flag_span.end - arg.flag_span.start
    inside = inside_quotes(text, arg.span)
    if (
        inside is None
        or text[inside.start : inside.start + flag_length + 1] != word.raw[: flag_length + 1]
    ):
        return msgspec.structs.replace(arg, flag_span=arg.span, value_spans=(arg.span,))
    return msgspec.structs.replace(
        arg,
        flag_span=Span(inside.start, inside.start + flag_length),
        value_spans=(Span(inside.start + flag_length + 1, inside.end),),
    )


def inside_quotes(text: str, span: Span) -> Span | None:
    """The characters between a string literal's quotes (after its prefix letters)."""
    index = span.start
    while index < span.end and text[index].isalpha():
        index += 1
    if index >= span.end or text[index] not in "\"'":
        return None
    quote = 3 if text.startswith(text[index] * 3, index) else 1
    return Span(index + quote, span.end - quote)


def parser_input_launch(
    path: str,
    span: Span,
    launcher: str,
    entry: str,
    args: tuple[Arg, ...],
    opaque: tuple[Span, ...],
) -> Launch:
    """The launch a file makes of the arguments it hands its own HfArgumentParser
    (``launcher``: the method it hands them to); ``entry`` is the file itself."""
    return Launch(
        path=path,
        span=span,
        launcher=launcher,
        entry=entry,
        entry_kind="script",
        args=args,
        ordinal=0,
        opaque=opaque,
    )
