"""Bash syntax through tree-sitter: commands as static words with spans, and same-file variables.

tree-sitter-bash recovers from errors locally and never rejects a whole file, which is what a
linter of 880 real scripts needs (bashlex rejects a quarter of them). Everything here is static:
a word whose value depends on run time (``$(cmd)``, ``$((1+2))``, an unknown variable) is
``Unknown``, never a guess.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec
from msgspec.structs import replace

from kefix.lazy_pattern import LazyPattern
from kefix.model import Span, Unknown
from kefix.sources.bash.crash_guard import can_crash_tree_sitter_bash, parse_in_child

if TYPE_CHECKING:
    import tree_sitter

_SPLAT_PARAMETERS = frozenset({"@", "*"})
# Nodes whose bodies run conditionally, repeatedly or later: an assignment inside one of them
# makes the variable's value at a launch unknowable without running the script.
_CONDITIONAL_NODES = frozenset(
    {
        "if_statement",
        "elif_clause",
        "else_clause",
        "for_statement",
        "c_style_for_statement",
        "while_statement",
        "case_statement",
        "case_item",
        "function_definition",
        "subshell",
        "list",
        "pipeline",
        "compound_statement",
    }
)


_LOOP_NODES = frozenset(
    {"for_statement", "c_style_for_statement", "while_statement", "select_statement"}
)


@functools.cache
def _parser() -> tree_sitter.Parser:
    # Imported on the first bash file: a run over Python, YAML or notebooks alone never needs it.
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_bash_language()))


def _bash_language() -> object:
    """The bash grammar, from tree-sitter-bash's compiled binding alone: the package's
    ``__init__`` imports importlib.resources (with tempfile, shutil and random: ~7 ms of a
    one-script run) for a highlighting query kefix never reads. Importing
    ``tree_sitter_bash._binding`` would run that ``__init__`` first, so the binding is loaded
    from where the package is installed, without importing the package."""
    import importlib.machinery
    import importlib.util
    import sys

    package = importlib.util.find_spec("tree_sitter_bash")
    locations = None if package is None else package.submodule_search_locations
    binding = (
        None
        if locations is None
        else importlib.machinery.PathFinder.find_spec("tree_sitter_bash._binding", locations)
    )
    if binding is None or binding.loader is None:  # a release that moved it: the public way
        import tree_sitter_bash

        return tree_sitter_bash.language()
    module = sys.modules.get(binding.name)
    if module is None:
        module = importlib.util.module_from_spec(binding)
        binding.loader.exec_module(module)
        # An import of the package later (a plugin, a test) then reuses this module.
        sys.modules[binding.name] = module
    language: object = module.language()
    return language


class Word(msgspec.Struct, frozen=True):
    """One shell word of a command: its static value (or Unknown) and where it is.

    ``splat`` marks words that expand to any number of arguments (``"$@"``, ``${ARR[@]}``,
    ``$ARGS`` holding several words), so the arguments they carry are invisible to kefix.
    """

    value: str | Unknown
    span: Span
    raw: str
    splat: bool = False


class Command(msgspec.Struct, frozen=True):
    """A simple command: env-var prefixes, the command words, and where it sits."""

    words: tuple[Word, ...]
    span: Span
    env: Mapping[str, str | Unknown]
    conditional: bool  # inside an if/loop/function/pipeline... (for variable tracking)
    in_function: bool
    has_error: bool = False  # tree-sitter had to recover inside it: its words are not reliable


class Assignment(msgspec.Struct, frozen=True):
    name: str
    value: str | Unknown
    offset: int
    conditional: bool


class ParseError(msgspec.Struct, frozen=True):
    span: Span
    text: str


class BashSyntax(msgspec.Struct, frozen=True):
    """The parts of a script kefix reads: its commands, assignments, comments and parse errors."""

    text: str
    commands: tuple[Command, ...]
    comments: tuple[Span, ...]
    errors: tuple[ParseError, ...]


_non_ascii = LazyPattern(r"[^\x00-\x7f]+")


class _Offsets:
    """Converts tree-sitter byte offsets to character offsets of the decoded text."""

    def __init__(self, text: str, data: bytes) -> None:
        # The character offset of each byte offset; None where they are equal (ASCII text).
        self.table: list[int] | None = None
        if len(text) != len(data):
            # Runs of ASCII map one to one; only the other characters are measured one by one.
            table: list[int] = []
            done = 0
            for match in _non_ascii().finditer(text):
                table.extend(range(done, match.start()))
                for index in range(match.start(), match.end()):
                    width = len(text[index].encode("utf-8", "surrogateescape"))
                    table.extend([index] * width)
                done = match.end()
            table.extend(range(done, len(text) + 1))
            self.table = table

    def char(self, byte_offset: int) -> int:
        return byte_offset if self.table is None else self.table[byte_offset]

    def span(self, node: tree_sitter.Node) -> Span:
        if self.table is None:
            return Span(node.start_byte, node.end_byte)
        return Span(self.table[node.start_byte], self.table[node.end_byte])


@functools.lru_cache(maxsize=16)
def parse_bash(text: str) -> BashSyntax:
    """Parse a whole script; syntax errors come back as ``ParseError``, not as exceptions.

    Text that can crash tree-sitter-bash is parsed in a child process (see ``crash_guard``);
    raises ``ParserCrashed`` if it crashed there every time. Cached (the result is frozen):
    verifying a fix reads the text before and after it, both parsed moments earlier by the
    analysis.
    """
    if can_crash_tree_sitter_bash(text):
        return parse_in_child(text)
    return parse_bash_in_process(text)


def parse_bash_in_process(text: str) -> BashSyntax:
    """``parse_bash`` without the guard: for text tree-sitter-bash cannot crash on, or a child."""
    data = text.encode("utf-8", "surrogateescape")
    tree = _parser().parse(data)
    reader = _Reader(text, data)
    reader.walk(tree.root_node, conditional=False, in_function=False)
    reader.read_commands()
    return BashSyntax(
        text=text,
        commands=tuple(reader.commands),
        comments=tuple(reader.comments),
        errors=tuple(reader.errors),
    )


class _Reader:
    def __init__(self, text: str, data: bytes) -> None:
        self.text = text
        self.offsets = _Offsets(text, data)
        self.commands: list[Command] = []
        self.comments: list[Span] = []
        self.errors: list[ParseError] = []
        self.assignments: dict[str, list[Assignment]] = {}
        self.loop_variables: set[str] = set()
        self.loops: list[Span] = []
        self._in_function = False
        self._pending: list[tuple[tree_sitter.Node, bool, bool]] = []

    # -- traversal -------------------------------------------------------------------------

    def walk(self, node: tree_sitter.Node, *, conditional: bool, in_function: bool) -> None:
        kind = node.type
        if kind == "ERROR":
            span = self.offsets.span(node)
            self.errors.append(ParseError(span, self.text[span.start : span.end]))
        elif kind == "comment":
            self.comments.append(self.offsets.span(node))
            return
        elif kind == "command":
            # Words are evaluated once every assignment is known (see read_commands).
            self._pending.append((node, conditional, in_function))
            # Command substitutions inside arguments hold commands too, but they only run
            # to produce a value; launches there are not training runs kefix can fix.
            return
        elif kind == "variable_assignment":
            self._assignment(node, conditional)
            return
        if kind in _LOOP_NODES:
            self.loops.append(self.offsets.span(node))
            variable = node.child_by_field_name("variable")
            if variable is not None:
                self.loop_variables.add(self._node_text(variable))
        nested_conditional = conditional or kind in _CONDITIONAL_NODES
        nested_in_function = in_function or kind == "function_definition"
        # Anonymous nodes (keywords, operators, punctuation) are leaves kefix never reads.
        for child in node.named_children:
            self.walk(child, conditional=nested_conditional, in_function=nested_in_function)

    def read_commands(self) -> None:
        for node, conditional, in_function in self._pending:
            command = self._command(node, conditional, in_function)
            if not command.has_error and self._error_on_lines_of(command.span):
                # tree-sitter stopped the command where it lost track (an unclosed quote or
                # "$(" ): the words it kept are only part of what bash would run.
                command = replace(command, has_error=True)
            self.commands.append(command)

    def _error_on_lines_of(self, span: Span) -> bool:
        line_end = self.text.find("\n", span.end)
        last = len(self.text) if line_end == -1 else line_end
        return any(
            error.span.start <= last
            and error.span.end > span.start
            and error.text.strip(" \t\r\n\\")  # a stray trailing "\" loses no word
            for error in self.errors
        )

    def _node_text(self, node: tree_sitter.Node) -> str:
        table = self.offsets.table
        if table is None:
            return self.text[node.start_byte : node.end_byte]
        return self.text[table[node.start_byte] : table[node.end_byte]]

    def _assignment(self, node: tree_sitter.Node, conditional: bool) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = self._node_text(name_node)
        if name_node.type != "variable_name":
            # arr[0]=x: an element, not the variable; the variable is no longer a plain string
            self.loop_variables.add(name.split("[", 1)[0])
            return
        offset = self.offsets.char(node.start_byte)
        kind = value_node.type if value_node is not None else None
        if value_node is None:
            value: str | Unknown = ""
        elif kind == "word" or kind == "number":
            value = _unescape_word(self._node_text(value_node))  # as _value reads it
        elif kind == "array":
            value = Unknown(self._node_text(value_node))
        else:
            value = self._evaluate(value_node, offset, in_function=False).value
        end = self.offsets.char(node.end_byte)
        if self.text.startswith("+=", offset + len(name), end):
            value = Unknown(self.text[offset:end])
        self.assignments.setdefault(name, []).append(Assignment(name, value, offset, conditional))

    def _command(self, node: tree_sitter.Node, conditional: bool, in_function: bool) -> Command:
        offset = self.offsets.char(node.start_byte)
        env: dict[str, str | Unknown] = {}
        words: list[Word] = []
        text, table = self.text, self.offsets.table
        for child in node.children:
            kind = child.type
            if kind == "variable_assignment":
                name_node = child.child_by_field_name("name")
                value_node = child.child_by_field_name("value")
                if name_node is not None:
                    env[self._node_text(name_node)] = (
                        self._evaluate(value_node, offset, in_function).value
                        if value_node is not None
                        else ""
                    )
            elif kind == "command_name" or (
                child.is_named and kind not in ("comment", "file_redirect", "herestring_redirect")
            ):
                for part in child.children if kind == "command_name" else (child,):
                    part_kind = part.type
                    if part_kind == "word" or part_kind == "number":
                        # Most words: the value is the word unescaped (as _value reads it).
                        start, end = part.start_byte, part.end_byte
                        if table is not None:
                            start, end = table[start], table[end]
                        raw = text[start:end]
                        words.append(Word(_unescape_word(raw), Span(start, end), raw))
                    else:
                        words.append(self._evaluate(part, offset, in_function))
        return Command(
            words=tuple(words),
            span=self.offsets.span(node),
            env=env,
            conditional=conditional,
            in_function=in_function,
            has_error=node.has_error,
        )

    # -- static evaluation -----------------------------------------------------------------

    def _evaluate(self, node: tree_sitter.Node, at: int, in_function: bool) -> Word:
        span = self.offsets.span(node)
        raw = self.text[span.start : span.end]
        # Inside a function the launch runs when the function is called, not where it is
        # written: only a variable assigned once in the whole file has a certain value there.
        position = len(self.text) + 1 if in_function else at
        self._in_function = in_function
        value, splat = self._value(node, position, quoted=False, raw=raw)
        return Word(value=value, span=span, raw=raw, splat=splat)

    def _value(
        self, node: tree_sitter.Node, at: int, *, quoted: bool, raw: str | None = None
    ) -> tuple[str | Unknown, bool]:
        kind = node.type
        if raw is None:
            raw = self._node_text(node)
        if kind in ("word", "number"):
            return _unescape_word(raw), False
        if kind == "raw_string":
            return raw[1:-1], False
        if kind == "string":
            return self._join(node.named_children, at, quoted=True, raw=raw)
        if kind == "string_content":
            return (_unescape_double_quoted(raw) if "\\" in raw else raw), False
        if kind == "concatenation":
            return self._join(node.children, at, quoted=quoted, raw=raw)
        if kind == "simple_expansion":
            name = raw[1:]
            if name in _SPLAT_PARAMETERS:
                return Unknown(raw), True
            return self._variable(name, at, raw, quoted=quoted)
        if kind == "expansion":
            match = _PLAIN_EXPANSION.fullmatch(raw)
            if match:
                return self._variable(match.group(1), at, raw, quoted=quoted)
            return Unknown(raw), "[@]" in raw or "[*]" in raw
        # command/arithmetic/process substitution, ansi-c strings, brace expansion, globs...
        return Unknown(raw), False

    def _join(
        self, children: list[tree_sitter.Node], at: int, *, quoted: bool, raw: str
    ) -> tuple[str | Unknown, bool]:
        parts: list[str] = []
        splat = False
        unknown = False
        for child in children:
            value, child_splat = self._value(child, at, quoted=quoted)
            splat = splat or child_splat
            if isinstance(value, Unknown):
                unknown = True
            else:
                parts.append(value)
        if unknown:
            return Unknown(raw), splat
        return "".join(parts), splat

    def _variable(
        self, name: str, at: int, raw: str, *, quoted: bool
    ) -> tuple[str | Unknown, bool]:
        value = self.variable_at(name, at)
        if isinstance(value, Unknown):
            return Unknown(raw), False
        if not quoted and _BLANK.search(value):
            # An unquoted expansion of a value with blanks splits into several words.
            return Unknown(raw), True
        return value, False

    def variable_at(self, name: str, at: int) -> str | Unknown:
        """The value of ``name`` at offset ``at`` if one unconditional assignment decides it."""
        if name in self.loop_variables:
            return Unknown(f"${name}")
        assignments = self.assignments.get(name, ())
        enclosing_loops = [loop for loop in self.loops if loop.start <= at < loop.end]
        # In a loop, an assignment later in the body runs before the launch's next pass.
        earlier = [
            a
            for a in assignments
            if a.offset < at or any(loop.start <= a.offset < loop.end for loop in enclosing_loops)
        ]
        if not earlier or any(a.conditional for a in earlier):
            return Unknown(f"${name}")
        if self._in_function and len(earlier) > 1:
            return Unknown(f"${name}")
        return earlier[-1].value


_PLAIN_EXPANSION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BLANK = re.compile(r"\s")


_continuation = LazyPattern(r"\\\r?\n")


_escape = LazyPattern(r"\\(.)")


_double_quoted_escape = LazyPattern(r"\\([$`\"\\])")


def _unescape_word(raw: str) -> str:
    """Remove the quoting a bare word carries: line continuations and backslash escapes."""
    if "\\" not in raw:
        return raw  # most words: nothing to remove
    return _escape().sub(r"\1", _continuation().sub("", raw))


def _unescape_double_quoted(raw: str) -> str:
    return _double_quoted_escape().sub(r"\1", _continuation().sub("", raw))
