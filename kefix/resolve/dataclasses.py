"""Find the dataclasses an entry script hands to HfArgumentParser and read their field defaults.

Static only: files are parsed with ``ast`` (only their structure and literals are needed, not a
lossless tree), never imported, so a project's own
``TrainingArguments`` subclass (DeepKE's ``src/utils/args.py``) can be read even where its
dependencies are not installed. Local imports are followed the way Python would find them when the
entry script runs; anything not found in the project counts as an external library.
"""

from __future__ import annotations

import ast
import bisect
import functools
import io
import re
import tokenize
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import msgspec

from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES
from kefix.model import FieldValue, Unknown
from kefix.resolve import filesystem
from kefix.sources.python.module_trees import parse_module
from kefix.sources.python.nodes import dotted_name

__all__ = [
    "TRL_CONFIGS",
    "FieldDefault",
    "ParsedDataclass",
    "ParserSpec",
    "read_class_spec",
    "read_parser_spec",
]

_TRAINING_BASES = TRAINING_CLASS_NAMES
_TRAINING_PACKAGES = frozenset({"transformers", "trl"})
# trl's configs: TrainingArguments subclasses with defaults of their own (SFTConfig's
# learning_rate 2e-5), known per trl release from the framework knowledge.
TRL_CONFIGS = _TRAINING_BASES - {"TrainingArguments", "Seq2SeqTrainingArguments"}
# HfArgumentParser and the parsers built on it: trl's TrlParser (``--config recipe.yaml``) and
# alignment-handbook's H4ArgumentParser (``recipe.yaml --key=value``), both parse_dict underneath.
_PARSER_NAMES = frozenset({"HfArgumentParser", "TrlParser", "H4ArgumentParser"})
_PARSER_ALIAS = re.compile(rb"\b(?:HfArgumentParser|TrlParser|H4ArgumentParser)\s+as\s+(\w+)")
# Annotations that dataclasses do not turn into fields.
_PSEUDO_FIELD = re.compile(r"^(?:typing\.|dataclasses\.)?(?:ClassVar|InitVar|KW_ONLY)\b")
_MAX_IMPORT_LEVELS = 3  # how far to follow imports looking for the HfArgumentParser call
_MAX_ALIAS_DEPTH = 24  # re-exports and aliases followed for one name before giving up
_NO_DEFAULT = Unknown("<no default>")


# ----------------------------------------------------------------------------- public results


class FieldDefault(msgspec.Struct, frozen=True):
    """One dataclass field as declared; ``value`` is ``Unknown`` unless a literal kefix can read.

    A field without a default (``has_default`` False) has the value ``Unknown("<no default>")``,
    so that nobody mistakes "required" for a default of ``None``.
    """

    name: str
    value: FieldValue
    has_default: bool
    path: Path
    line: int
    annotation: str


class ParsedDataclass(msgspec.Struct, frozen=True):
    """A class passed to HfArgumentParser, with the fields its declaration and local bases give."""

    name: str
    path: Path
    line: int
    training_base: str | None
    fields: tuple[FieldDefault, ...]


class ParserSpec(msgspec.Struct, frozen=True, dict=True):
    """What the HfArgumentParser of an entry script is built from, as far as kefix can read it."""

    entry_path: Path
    dataclasses: tuple[ParsedDataclass, ...]
    notes: tuple[str, ...]
    # The module parses with return_remaining_strings=True: unknown flags are handed back to
    # the script (or silently dropped) instead of stopping the run.
    keeps_unknown_flags: bool = False
    # Several parsers are reachable from the entry script and kefix picked the training one.
    ambiguous: bool = False

    @property
    def has_training_arguments(self) -> bool:
        return any(parsed.training_base is not None for parsed in self.dataclasses)

    @property
    def trl_config(self) -> str | None:
        """The trl config (``SFTConfig``) the parser's TrainingArguments are or derive from:
        its defaults, not transformers', are the script's (alignment-handbook, trl examples)."""
        return next(
            (p.training_base for p in self.dataclasses if p.training_base in TRL_CONFIGS), None
        )

    def field_names(self) -> frozenset[str]:
        """Every field of the local dataclasses: the options this entry script accepts itself."""
        return self._field_names

    @functools.cached_property
    def _field_names(self) -> frozenset[str]:
        # Asked for by every launch of the entry script: worked out once per spec.
        return frozenset(item.name for parsed in self.dataclasses for item in parsed.fields)

    def training_defaults(self) -> Mapping[str, FieldDefault]:
        """Defaults that the project's TrainingArguments subclass(es) declare over transformers'."""
        defaults: dict[str, FieldDefault] = {}
        for parsed in self.dataclasses:
            if parsed.training_base is None:
                continue
            for item in parsed.fields:
                if item.has_default:
                    defaults.setdefault(item.name, item)
        return MappingProxyType(defaults)


def read_class_spec(module_path: Path, callee: str, search_roots: Sequence[Path]) -> ParserSpec:
    """The class a call in ``module_path`` constructs, named by its callee as written there
    (``MyTrainingArguments``, ``args.MyTrainingArguments``), read as a parser of that one class:
    a local subclass with its fields and defaults, or transformers' or trl's own class."""
    resolver = _Resolver(
        filesystem.realpath(module_path), [filesystem.realpath(root) for root in search_roots]
    )
    return resolver.read_class(callee)


def read_parser_spec(entry: Path, search_roots: Sequence[Path]) -> ParserSpec | None:
    """Read the dataclasses the entry script's HfArgumentParser (or TrlParser) is built from.

    Returns None when neither the entry script nor the local modules it imports (up to three
    levels) build such a parser, e.g. argparse or fire scripts. When the entry script, or a local
    module searched for the parser, cannot be read or parsed, the result is a spec without
    dataclasses whose notes say why: kefix cannot tell whether a parser is built there.
    """
    return _Resolver(
        filesystem.realpath(entry), [filesystem.realpath(root) for root in search_roots]
    ).read()


# ----------------------------------------------------------------------------- parsed modules


class _FromImport(msgspec.Struct, frozen=True):
    """``from <level dots><module> import <name>``; ``name`` is ``*`` for a star import."""

    module: str
    level: int
    name: str


class _ModuleImport(msgspec.Struct, frozen=True):
    """``import <dotted>`` (bound to its first part) or ``import <dotted> as m``."""

    dotted: str


class _ClassBinding(msgspec.Struct, frozen=True, eq=False):
    node: ast.ClassDef


class _FunctionBinding(msgspec.Struct, frozen=True):
    name: str


class _Assigned(msgspec.Struct, frozen=True, eq=False):
    """A name bound by ``=``; ``value`` is None when it is bound more than once or by unpacking."""

    value: ast.expr | None


_Binding = _FromImport | _ModuleImport | _ClassBinding | _FunctionBinding | _Assigned


class _ParserCall(msgspec.Struct, frozen=True, eq=False):
    """An ``HfArgumentParser(...)`` call with the names bound in its function before it."""

    node: ast.Call
    argument: ast.expr | None
    scope: Mapping[str, _Binding]


class _Module(msgspec.Struct, frozen=True, eq=False, dict=True):
    path: Path
    text: str
    bindings: Mapping[str, _Binding]
    star_imports: tuple[_FromImport, ...]
    imports: tuple[_FromImport | _ModuleImport, ...]
    parser_calls: tuple[_ParserCall, ...]

    @functools.cached_property
    def _encoded(self) -> tuple[bytes, list[int]]:
        # ast positions are (line, UTF-8 byte column); lines end as the tokenizer ends them.
        encoded = self.text.encode("utf-8", "surrogatepass")
        starts = [0, *(match.end() for match in _LINE_END.finditer(encoded))]
        return encoded, starts

    def line(self, node: ast.stmt | ast.expr) -> int:
        return node.lineno

    def code(self, node: ast.stmt | ast.expr) -> str:
        """The source text of ``node``, exactly as written."""
        encoded, starts = self._encoded
        end_line, end_column = node.end_lineno, node.end_col_offset
        if end_line is None or end_column is None:
            return ""
        start = starts[node.lineno - 1] + node.col_offset
        end = starts[end_line - 1] + end_column
        return encoded[start:end].decode("utf-8", "surrogatepass")


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


class _Collector(ast.NodeVisitor):
    """Collects a module's top-level bindings, its imports and its HfArgumentParser calls."""

    def __init__(self, parser_names: frozenset[str], call_lines: list[int]) -> None:
        super().__init__()
        self.parser_names = parser_names
        self.call_lines = call_lines  # lines naming a parser, ascending
        self.bindings: dict[str, _Binding] = {}
        self.star_imports: list[_FromImport] = []
        self.imports: list[_FromImport | _ModuleImport] = []
        self.parser_calls: list[_ParserCall] = []
        self._scopes: list[dict[str, _Binding] | None] = []  # function scopes; None: class body
        self._handlers = 0

    def _bind(self, name: str, binding: _Binding) -> None:
        scope = self._scopes[-1] if self._scopes else self.bindings
        if scope is None:
            return
        previous = scope.get(name)
        if previous is not None and self._handlers:
            return  # `except ImportError:` fallbacks do not replace the binding tried first
        if isinstance(binding, _Assigned) and isinstance(previous, _Assigned):
            binding = _Assigned(None)  # assigned twice: kefix cannot tell which value holds
        scope[name] = binding

    def _in_scope(self, scope: dict[str, _Binding] | None, node: ast.AST) -> None:
        self._scopes.append(scope)
        self.generic_visit(node)
        self._scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._bind(node.name, _FunctionBinding(node.name))
        self._in_scope({}, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._bind(node.name, _FunctionBinding(node.name))
        self._in_scope({}, node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._bind(node.name, _ClassBinding(node))
        self._in_scope(None, node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._handlers += 1
        self.generic_visit(node)
        self._handlers -= 1

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            dotted = alias.name
            self.imports.append(_ModuleImport(dotted))
            if alias.asname is not None:
                self._bind(alias.asname, _ModuleImport(dotted))
            else:
                first = dotted.split(".")[0]
                self._bind(first, _ModuleImport(first))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        level = node.level or 0
        if any(alias.name == "*" for alias in node.names):
            star = _FromImport(module, level, "*")
            self.imports.append(star)
            if not self._scopes:
                self.star_imports.append(star)
            return
        for alias in node.names:
            spec = _FromImport(module, level, alias.name)
            self.imports.append(spec)
            self._bind(alias.asname or alias.name, spec)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, _Assigned(node.value))
            else:
                for name in _target_names(target):
                    self._bind(name, _Assigned(None))
        self._expression(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bind(node.target.id, _Assigned(node.value))
        self._expression(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, _Assigned(None))
        self._expression(node)

    def _expression(self, node: ast.stmt | ast.expr) -> None:
        """Parser calls inside a simple statement (no bindings are made below it); only lines
        that name a parser are searched."""
        if not self.call_lines:
            return
        first, last = node.lineno, node.end_lineno or node.lineno
        index = bisect.bisect_left(self.call_lines, first)
        if index < len(self.call_lines) and self.call_lines[index] <= last:
            for child in ast.walk(node):
                if isinstance(child, ast.Call):
                    self._call(child)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.expr):
            self._expression(node)  # a compound statement's test, iterable, decorator, ...
            return
        super().generic_visit(node)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        is_parser = (isinstance(func, ast.Name) and func.id in self.parser_names) or (
            isinstance(func, ast.Attribute) and func.attr in _PARSER_NAMES
        )
        if not is_parser:
            return
        argument: ast.expr | None = next(
            (arg for arg in node.args if not isinstance(arg, ast.Starred)), None
        )
        if argument is None:
            argument = next((kw.value for kw in node.keywords if kw.arg == "dataclass_types"), None)
        scope: dict[str, _Binding] = {}
        for function_scope in self._scopes:
            if function_scope is not None:
                scope.update(function_scope)
        self.parser_calls.append(_ParserCall(node, argument, MappingProxyType(scope)))


_REMAINING_STRINGS = re.compile(r"return_remaining_strings\s*=\s*True")

# Parsed modules of this process by path: (mtime, size) when read, content hash, the module;
# the most recently used ones only. A module keeps its syntax tree, and a monorepo has
# thousands: scripts are checked project by project, and an entry's parser, once read, is kept
# by the Resolver, so a bounded cache rarely parses a module twice and keeps memory flat.
_CACHE: OrderedDict[Path, tuple[tuple[int, int], str | None, _Module | str]] = OrderedDict()
_CACHE_SIZE = 256


def _load(path: Path) -> _Module | str:
    """The parsed module at ``path``, or why it cannot be read; each version is parsed once."""
    try:
        stat = path.stat()
    except OSError as error:
        filesystem.note_read(path, None)
        return f"cannot read {path}: {error.strerror or error}"
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == key:
        _CACHE.move_to_end(path)
        filesystem.note_read(path, cached[1])
        return cached[2]
    try:
        source = filesystem.read_bytes(path)
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"
    result = _parse(path, source)
    _CACHE[path] = (key, filesystem.content_hash(source), result)
    _CACHE.move_to_end(path)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _parse(path: Path, source: bytes) -> _Module | str:
    try:
        text = _decoded(source)
        tree = parse_module(text)
    except SyntaxError as error:
        return f"cannot parse {path}: syntax error at line {error.lineno}"
    except Exception as error:  # null bytes, deep nesting, bad encodings: none may escape
        return f"cannot parse {path}: {type(error).__name__}"
    parser_names = _PARSER_NAMES | {
        match.decode("ascii", "replace") for match in _PARSER_ALIAS.findall(source)
    }
    # A parser call names the parser (or an alias of it) on one of its lines: calls are looked
    # for on those lines only.
    collector = _Collector(frozenset(parser_names), _lines_naming(text, parser_names))
    try:
        collector.visit(tree)
    except RecursionError:
        return f"cannot parse {path}: RecursionError"
    return _Module(
        path=path,
        text=text,
        bindings=MappingProxyType(collector.bindings),
        star_imports=tuple(collector.star_imports),
        imports=tuple(collector.imports),
        parser_calls=tuple(collector.parser_calls),
    )


def _lines_naming(text: str, names: frozenset[str]) -> list[int]:
    """The 1-based lines of ``text`` that contain any of ``names`` (ascending), as ast counts
    lines."""
    pattern = "|".join(re.escape(name) for name in sorted(names))
    found = [match.start() for match in re.finditer(pattern, text)]
    if not found:
        return []
    starts = [0, *(match.end() for match in _TEXT_LINE_END.finditer(text))]
    return sorted({bisect.bisect_right(starts, offset) for offset in found})


_TEXT_LINE_END = re.compile(r"\r\n|\r|\n")


def _decoded(source: bytes) -> str:
    """The text of a Python file as the interpreter reads it (PEP 263 coding line, BOM)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


# ----------------------------------------------------------------------------- name resolution


class _ModuleLocation(msgspec.Struct, frozen=True):
    """A module file, a package directory, or both (a package with its ``__init__.py``)."""

    file: Path | None
    package_dir: Path | None


class _LocalClass(msgspec.Struct, frozen=True, eq=False):
    module: _Module
    node: ast.ClassDef


class _LocalDefinition(msgspec.Struct, frozen=True, eq=False):
    """A function or value defined in a local module: only where it lives matters."""

    module: _Module


class _LocalModule(msgspec.Struct, frozen=True):
    location: _ModuleLocation


class _External(msgspec.Struct, frozen=True):
    dotted: str


class _Unresolved(msgspec.Struct, frozen=True):
    reason: str


_Target = _LocalClass | _LocalDefinition | _LocalModule | _External | _Unresolved


def _locate_file(base: Path, parts: Sequence[str]) -> _ModuleLocation | None:
    target = base.joinpath(*parts)
    init = target / "__init__.py"
    if filesystem.is_file(init):
        return _ModuleLocation(init, target)
    if parts:
        module = target.parent / f"{parts[-1]}.py"
        if filesystem.is_file(module):
            return _ModuleLocation(module, None)
    return None


def _locate_namespace(base: Path, parts: Sequence[str]) -> _ModuleLocation | None:
    target = base.joinpath(*parts)
    return _ModuleLocation(None, target) if filesystem.is_dir(target) else None


def _search_dirs(start: Path, roots: Sequence[Path]) -> tuple[Path, ...]:
    """Where absolute imports are looked for: the entry's directory, its parents up to the
    outermost search root containing it (as a ``pip install -e .`` or PYTHONPATH would give),
    then the search roots, then their ``src`` directories (a src-layout package installed with
    ``pip install -e .``, as alignment-handbook's ``src/alignment``)."""
    dirs = [start]
    containing = [root for root in roots if start.is_relative_to(root)]
    if containing:
        top = min(containing, key=lambda root: len(root.parts))
        for parent in start.parents:
            if not parent.is_relative_to(top):
                break
            dirs.append(parent)
    dirs.extend(roots)
    dirs.extend(directory / "src" for directory in dirs[1:] if filesystem.is_dir(directory / "src"))
    return tuple(dict.fromkeys(dirs))


def _training_name(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] in _TRAINING_PACKAGES and parts[-1] in _TRAINING_BASES:
        return parts[-1]
    return None


class _ClassInfo(msgspec.Struct, frozen=True):
    parsed: ParsedDataclass
    notes: tuple[str, ...]
    post_init: tuple[tuple[str, str, str], ...]  # (class, where, field) its __post_init__s assign


class _Resolver:
    """Resolves names across the local modules of one entry script, collecting notes."""

    def __init__(self, entry: Path, roots: Sequence[Path]) -> None:
        self.entry = entry
        self.search_dirs = _search_dirs(entry.parent, roots)
        self.notes: list[str] = []
        self.unreadable = False
        self.ambiguous = False
        self._locations: dict[tuple[Path, str, int], _ModuleLocation | _External | _Unresolved] = {}
        self._classes: dict[tuple[Path, int], _ClassInfo] = {}
        self._active: set[tuple[Path, int]] = set()

    def read(self) -> ParserSpec | None:
        module = self._module(self.entry)
        found = None if module is None else self._find_parser_call(module)
        if found is None:
            if module is None or self.unreadable:
                return ParserSpec(self.entry, (), self._unique_notes())
            return None
        call_module, call = found
        parsed: list[ParsedDataclass] = []
        for element in self._parser_elements(call_module, call):
            parsed.append(self._dataclass(call_module, call, element))
        keeps_unknown = bool(_REMAINING_STRINGS.search(call_module.text))
        return ParserSpec(
            self.entry, tuple(parsed), self._unique_notes(), keeps_unknown, self.ambiguous
        )

    def _unique_notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.notes))

    def _module(self, path: Path) -> _Module | None:
        loaded = _load(path)
        if isinstance(loaded, str):
            self.notes.append(loaded)
            self.unreadable = True
            return None
        return loaded

    # -- finding the parser

    def _find_parser_call(self, entry: _Module) -> tuple[_Module, _ParserCall] | None:
        """The parser the entry builds itself, else one built in modules it imports (BFS)."""
        frontier = [entry]
        seen = {entry.path}
        for level in range(_MAX_IMPORT_LEVELS + 1):
            candidates = [(module, call) for module in frontier for call in module.parser_calls]
            if candidates:
                if len(candidates) > 1:
                    # DeepKE's args/parser.py builds a training and an inference parser; which one
                    # the entry script reaches is a call-graph question kefix does not answer.
                    self.ambiguous = True
                    self.notes.append(
                        f"{len(candidates)} HfArgumentParser calls are reachable; kefix assumes "
                        "the training one and does not judge unknown flags"
                    )
                # Inference or export parsers often sit next to the training one: prefer the latter.
                for module, call in candidates:
                    if self._builds_training_arguments(module, call):
                        return module, call
                return candidates[0]
            if level == _MAX_IMPORT_LEVELS:
                break
            following: list[_Module] = []
            for module in frontier:
                for imported in self._imported_modules(module):
                    if imported.path not in seen:
                        seen.add(imported.path)
                        following.append(imported)
            frontier = following
        return None

    def _imported_modules(self, module: _Module) -> Iterator[_Module]:
        """Local modules defining what ``module`` imports (re-exports followed to the source)."""
        for spec in module.imports:
            file: Path | None = None
            if isinstance(spec, _ModuleImport) or spec.name == "*":
                dotted = spec.dotted if isinstance(spec, _ModuleImport) else spec.module
                level = 0 if isinstance(spec, _ModuleImport) else spec.level
                location = self._find_module(module.path, dotted, level)
                if isinstance(location, _ModuleLocation):
                    file = location.file
            else:
                target = self._resolve_from(module, spec.module, spec.level, spec.name, 0)
                if isinstance(target, (_LocalClass, _LocalDefinition)):
                    file = target.module.path
                elif isinstance(target, _LocalModule):
                    file = target.location.file
            if file is not None:
                imported = self._module(file)
                if imported is not None:
                    yield imported

    def _builds_training_arguments(self, module: _Module, call: _ParserCall) -> bool:
        for element in self._parser_elements(module, call, quiet=True):
            target = self._resolve_expr(module, call.scope, element, 0)
            if isinstance(target, _External) and _training_name(target.dotted):
                return True
            if isinstance(target, _LocalClass) and self._class_info(target).parsed.training_base:
                return True
        return False

    def _parser_elements(
        self, module: _Module, call: _ParserCall, *, quiet: bool = False
    ) -> list[ast.expr]:
        """The class expressions passed to the parser, through a tuple/list variable if need be."""
        where = f"{module.path}:{module.line(call.node)}"
        if call.argument is None:
            if not quiet:
                self.notes.append(f"the parser at {where} is given no dataclass types")
            return []
        sequence = call.argument
        if isinstance(sequence, ast.Name):
            binding = call.scope.get(sequence.id, module.bindings.get(sequence.id))
            if isinstance(binding, _Assigned) and isinstance(binding.value, (ast.Tuple, ast.List)):
                sequence = binding.value
        if not isinstance(sequence, (ast.Tuple, ast.List)):
            return [sequence]
        elements: list[ast.expr] = []
        for element in sequence.elts:
            if isinstance(element, ast.Starred):
                if not quiet:
                    self.notes.append(
                        f"the parser at {where} unpacks {module.code(element.value)}: "
                        "kefix does not follow it"
                    )
                continue
            elements.append(element)
        return elements

    # -- names

    def _find_module(
        self, importer: Path, dotted: str, level: int
    ) -> _ModuleLocation | _External | _Unresolved:
        # Absolute imports resolve alike from every file; relative ones from the importer's package.
        key = (importer.parent if level else self.entry, dotted, level)
        if key not in self._locations:
            self._locations[key] = self._search_module(importer, dotted, level)
        return self._locations[key]

    def _search_module(
        self, importer: Path, dotted: str, level: int
    ) -> _ModuleLocation | _External | _Unresolved:
        parts = dotted.split(".") if dotted else []
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            found = _locate_file(base, parts) or _locate_namespace(base, parts)
            return found or _Unresolved(f"module {'.' * level}{dotted} is not next to {importer}")
        for directory in self.search_dirs:
            found = _locate_file(directory, parts)
            if found is not None:
                return found
        for directory in self.search_dirs:
            found = _locate_namespace(directory, parts)
            if found is not None:
                return found
        if any(
            _locate_file(directory, parts[:1]) or _locate_namespace(directory, parts[:1])
            for directory in self.search_dirs
        ):
            return _Unresolved(f"module {dotted} is not in the project, though {parts[0]} is")
        return _External(dotted)

    def _resolve_expr(
        self, module: _Module, scope: Mapping[str, _Binding], expr: ast.expr, depth: int
    ) -> _Target:
        dotted = dotted_name(expr)
        if dotted is None:
            return _Unresolved(f"{module.code(expr)} is not a plain name")
        head, *rest = dotted.split(".")
        target = self._resolve_name(module, scope, head, depth)
        for part in rest:
            if isinstance(target, _External):
                target = _External(f"{target.dotted}.{part}")
            elif isinstance(target, _LocalModule):
                target = self._lookup(target.location, part, depth + 1)
            elif not isinstance(target, _Unresolved):
                return _Unresolved(f"{dotted} is an attribute kefix does not follow")
        return target

    def _resolve_name(
        self, module: _Module, scope: Mapping[str, _Binding], name: str, depth: int
    ) -> _Target:
        binding = scope.get(name, module.bindings.get(name))
        if binding is not None:
            return self._resolve_binding(module, scope, binding, depth)
        for star in module.star_imports:
            target = self._resolve_from(module, star.module, star.level, name, depth + 1)
            if not isinstance(target, _Unresolved):
                return target
        return _Unresolved(f"{name} is neither defined nor imported in {module.path}")

    def _resolve_binding(
        self, module: _Module, scope: Mapping[str, _Binding], binding: _Binding, depth: int
    ) -> _Target:
        if depth > _MAX_ALIAS_DEPTH:
            return _Unresolved(f"too many re-exports or an import cycle in {module.path}")
        if isinstance(binding, _ClassBinding):
            return _LocalClass(module, binding.node)
        if isinstance(binding, _FunctionBinding):
            return _LocalDefinition(module)
        if isinstance(binding, _Assigned):
            if binding.value is not None and dotted_name(binding.value) is not None:
                return self._resolve_expr(module, scope, binding.value, depth + 1)
            return _LocalDefinition(module)
        if isinstance(binding, _FromImport):
            return self._resolve_from(module, binding.module, binding.level, binding.name, depth)
        location = self._find_module(module.path, binding.dotted, 0)
        return _LocalModule(location) if isinstance(location, _ModuleLocation) else location

    def _resolve_from(
        self, module: _Module, source: str, level: int, name: str, depth: int
    ) -> _Target:
        location = self._find_module(module.path, source, level)
        if isinstance(location, _External):
            return _External(f"{location.dotted}.{name}")
        if isinstance(location, _Unresolved):
            return location
        return self._lookup(location, name, depth + 1)

    def _lookup(self, location: _ModuleLocation, name: str, depth: int) -> _Target:
        """``name`` in a local module: its own binding, a star import, then a submodule."""
        if location.file is not None:
            loaded = self._module(location.file)
            if loaded is None:
                return _Unresolved(f"{location.file} cannot be read")
            binding = loaded.bindings.get(name)
            if binding is not None:
                return self._resolve_binding(loaded, {}, binding, depth)
            for star in loaded.star_imports:
                target = self._resolve_from(loaded, star.module, star.level, name, depth + 1)
                if not isinstance(target, _Unresolved):
                    return target
        if location.package_dir is not None:
            found = _locate_file(location.package_dir, [name]) or _locate_namespace(
                location.package_dir, [name]
            )
            if found is not None:
                return _LocalModule(found)
        return _Unresolved(f"{name} is not defined in {location.file or location.package_dir}")

    # -- classes

    def read_class(self, callee: str) -> ParserSpec:
        """The class that ``callee`` (as written in the entry module) names, as a one-class spec."""
        module = self._module(self.entry)
        if module is None:
            return ParserSpec(self.entry, (), self._unique_notes())
        written = callee.strip()
        try:
            element = ast.parse(written, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            element = None  # odd input (a null byte, unbalanced brackets): nothing to follow
        if element is None or dotted_name(element) is None:
            return ParserSpec(self.entry, (), (f"{callee} is not a name kefix can follow",))
        parsed = self._dataclass_at(module, {}, 1, element, written)
        return ParserSpec(self.entry, (parsed,), self._unique_notes())

    def _dataclass(self, module: _Module, call: _ParserCall, element: ast.expr) -> ParsedDataclass:
        return self._dataclass_at(module, call.scope, module.line(call.node), element)

    def _dataclass_at(
        self,
        module: _Module,
        scope: Mapping[str, _Binding],
        line: int,
        element: ast.expr,
        text: str | None = None,
    ) -> ParsedDataclass:
        """``element`` (``text`` as written; by default its text in ``module``) read as a class."""
        text = module.code(element) if text is None else text
        target = self._resolve_expr(module, scope, element, 0)
        if isinstance(target, _LocalClass):
            info = self._class_info(target)
            self.notes.extend(info.notes)
            if info.parsed.training_base is not None:
                self.notes.extend(
                    f"{owner}.__post_init__ ({where}) may change {name}"
                    for owner, where, name in info.post_init
                )
            return info.parsed
        name = text.rsplit(".", 1)[-1]
        training_base: str | None = None
        if isinstance(target, _External):
            name = target.dotted.rsplit(".", 1)[-1]
            training_base = _training_name(target.dotted)
            if training_base is None:
                source = target.dotted.rsplit(".", 1)[0]
                self.notes.append(
                    f"class {text} comes from {source}, outside the project: "
                    "kefix does not read its fields"
                )
        elif isinstance(target, _Unresolved):
            self.notes.append(f"class {text} could not be resolved: {target.reason}")
        else:
            self.notes.append(f"{text} passed to the parser at {module.path}:{line} is not a class")
        return ParsedDataclass(name, module.path, line, training_base, ())

    def _class_info(self, cls: _LocalClass) -> _ClassInfo:
        module, node = cls.module, cls.node
        key = (module.path, module.line(node))
        if key in self._classes:
            return self._classes[key]
        name = node.name
        if key in self._active:
            return _ClassInfo(
                ParsedDataclass(name, module.path, key[1], None, ()),
                (f"class {name} in {module.path} inherits from itself",),
                (),
            )
        self._active.add(key)
        try:
            info = self._read_class(module, node)
        finally:
            self._active.discard(key)
        self._classes[key] = info
        return info

    def _read_class(self, module: _Module, node: ast.ClassDef) -> _ClassInfo:
        name = node.name
        notes: list[str] = []
        post_init: list[tuple[str, str, str]] = []
        training_base: str | None = None
        inherited: list[tuple[FieldDefault, ...]] = []
        for base in node.bases:  # metaclass=... is a keyword, not a base
            if isinstance(base, ast.Starred) or dotted_name(base) in (None, "object"):
                continue  # *bases, Generic[T], object
            target = self._resolve_expr(module, {}, base, 0)
            if isinstance(target, _LocalClass):
                info = self._class_info(target)
                notes.extend(info.notes)
                post_init.extend(info.post_init)
                inherited.append(info.parsed.fields)
                training_base = training_base or info.parsed.training_base
            elif isinstance(target, _External):
                training_base = training_base or _training_name(target.dotted)
            elif isinstance(target, _Unresolved):
                notes.append(
                    f"base {module.code(base)} of {name} could not be resolved: {target.reason}"
                )
        # dataclasses collect base fields in reverse MRO order; an override keeps its position.
        fields: dict[str, FieldDefault] = {}
        for base_fields in reversed(inherited):
            fields.update((item.name, item) for item in base_fields)
        is_dataclass = any(
            (dotted_name(decorator) or dotted_name(_callee(decorator)) or "").rsplit(".", 1)[-1]
            == "dataclass"
            for decorator in node.decorator_list
        )
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                if not is_dataclass:
                    notes.append(
                        f"{name} in {module.path} is not a @dataclass: "
                        "its own annotations are not fields"
                    )
                    continue
                declared = self._field(module, name, statement, notes)
                if declared is not None:
                    fields[declared.name] = declared
            elif isinstance(statement, ast.Assign) and training_base is not None:
                for target_name in _target_names(statement.targets[0]):
                    if not target_name.startswith("_") and not target_name.isupper():
                        notes.append(
                            f"{name}.{target_name} at {module.path}:{module.line(statement)} has "
                            "no annotation, so the dataclass ignores it"
                        )
            elif isinstance(statement, ast.FunctionDef) and statement.name == "__post_init__":
                assigned = _SelfAssignments()
                assigned.visit(statement)
                where = f"{module.path}:{module.line(statement)}"
                post_init.extend((name, where, field_name) for field_name in assigned.names)
        parsed = ParsedDataclass(
            name, module.path, module.line(node), training_base, tuple(fields.values())
        )
        return _ClassInfo(parsed, tuple(notes), tuple(dict.fromkeys(post_init)))

    def _field(
        self, module: _Module, owner: str, statement: ast.AnnAssign, notes: list[str]
    ) -> FieldDefault | None:
        annotation = module.code(statement.annotation)
        if _PSEUDO_FIELD.match(annotation) or not isinstance(statement.target, ast.Name):
            return None
        name = statement.target.id
        value: FieldValue = _NO_DEFAULT
        has_default = False
        expr = statement.value
        if (
            isinstance(expr, ast.Call)
            and (dotted_name(expr.func) or "").rsplit(".", 1)[-1] == "field"
        ):
            for keyword in expr.keywords:
                if keyword.arg == "default":
                    value, has_default = _literal(module, keyword.value, frozenset()), True
                elif keyword.arg == "default_factory":
                    value = Unknown(f"default_factory={module.code(keyword.value)}")
                    has_default = True
                elif (
                    keyword.arg == "init" and _literal(module, keyword.value, frozenset()) is False
                ):
                    notes.append(f"{owner}.{name} has init=False: no command-line flag sets it")
        elif expr is not None:
            value, has_default = _literal(module, expr, frozenset()), True
        return FieldDefault(
            name, value, has_default, module.path, module.line(statement), annotation
        )


def _callee(expr: ast.expr) -> ast.expr:
    return expr.func if isinstance(expr, ast.Call) else expr


class _SelfAssignments(ast.NodeVisitor):
    """Public attributes a method assigns on ``self`` (``setattr`` counts as "any field")."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def _target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Attribute):
            owner, attribute = target.value, target.attr
            if isinstance(owner, ast.Name) and owner.id == "self" and attribute[:1] != "_":
                self.names.append(attribute)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func, args = node.func, node.args
        if isinstance(func, ast.Name) and func.id == "setattr" and args:
            first = args[0]
            if isinstance(first, ast.Name) and first.id == "self":
                self.names.append("fields through setattr")
        self.generic_visit(node)


def _literal(module: _Module, expr: ast.expr, seen: frozenset[str]) -> FieldValue:
    """The value of a literal expression, or of a module-level constant naming one."""
    if isinstance(expr, ast.Constant):
        constant = expr.value
        if constant is None or isinstance(constant, (bool, int, float, str)):
            return constant  # not bytes, complex or ...
    elif isinstance(expr, ast.Name):
        binding = module.bindings.get(expr.id)
        if isinstance(binding, _Assigned) and binding.value is not None and expr.id not in seen:
            value = _literal(module, binding.value, seen | {expr.id})
            if not isinstance(value, Unknown):
                return value
    elif isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        operand = _literal(module, expr.operand, seen)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand if isinstance(expr.op, ast.USub) else operand
    elif isinstance(expr, (ast.List, ast.Tuple)):
        items = [
            None if isinstance(element, ast.Starred) else _literal(module, element, seen)
            for element in expr.elts
        ]
        strings = tuple(item for item in items if isinstance(item, str))
        if len(strings) == len(items):
            return strings
    return Unknown(module.code(expr))
