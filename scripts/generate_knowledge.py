"""Regenerate kefix/knowledge/training_args.json from transformers wheels, read statically.

For every release read, the wheel is downloaded (``pip download --no-deps``, never installed) and
``training_args.py``, ``training_args_seq2seq.py`` and ``hf_argparser.py`` -- plus every module
they import enums, constants and helpers from -- are parsed with ``ast``. Nothing from the wheel is
imported or executed. For each TrainingArguments field the script then replays what that
release's ``HfArgumentParser._parse_dataclass_field`` does with it: how typing's Union filtering
picks the argparse type, whether a bool takes an optional value or needs one, the enum or metadata
choices, ``nargs``/``const`` from metadata, what an absent flag yields, and whether a ``--no_x``
negation exists. Dashed aliases (``--eval-strategy``) are a property of the parser, not of the
field: they are recorded per release range from hf_argparser itself (4.46.1 on).

    python scripts/generate_knowledge.py [--versions 4.40.2,5.25.0] [--cache DIR]
                                         [--output PATH] [--compare-fields FIELDS_JSON]

Without ``--versions`` the releases read are the first and the last patch of every minor from
4.28 to 4.57 and of every 5.x minor that PyPI lists (``pip index versions transformers``).
``--cache`` (default ``$KEFIX_WHEEL_CACHE`` or ``~/.cache/kefix/wheels``) keeps the wheels, so a
second run needs no network. ``--compare-fields`` prints where the field sets and defaults differ
from a ``{version: {field: {"default": repr, ...}}}`` file, such as the shared research notes.

Assumptions, all made explicit in the output:

* the environment has **no optional packages**: ``is_torch_available()`` and every other
  ``is_*_available()`` are False, as in the oracle venvs (so ``optim`` defaults to
  ``adamw_torch`` even on releases that pick ``adamw_torch_fused`` under torch >= 2.8, and
  ``parallelism_config`` is ``Any``). A name only an optional import binds is read as that
  package's class: on 4.56.x ``Optional["ParallelismConfig"]`` has no fallback, and without
  accelerate >= 1.10.1 the real ``HfArgumentParser(TrainingArguments)`` raises "Type resolution
  failed"; the data describes 4.56 with accelerate present. Fields whose default or type
  depended on such a check carry ``"environment": true``;
* typing behaves as on Python 3.11 (``typing.Any`` is callable and fails on any value; no implicit
  Optional for ``None`` defaults). Python's Union cache can reorder ``Union[str, dict, None]`` at
  run time depending on import order (transformers#39673); the source order is used here;
* deprecation is best effort: a field counts as deprecated from the first release whose help text
  says "deprecated", or whose methods emit a warning containing "deprecat" under a test of
  ``self.<field>`` (or, with no such test, one naming the field first).

The output is deterministic: one line per field, segments in version order, sorted keys.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import pathlib
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from packaging.version import Version

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPOSITORY / "kefix" / "knowledge" / "training_args.json"
DEFAULT_CACHE = pathlib.Path(
    os.environ.get("KEFIX_WHEEL_CACHE", "~/.cache/kefix/wheels")
).expanduser()

# The minors read: 4.28 (the oldest release projects still pin in numbers) to 4.57, and all of 5.x.
OLDEST_MINOR = (4, 28)
LAST_4X_MINOR = (4, 57)


class KnowledgeError(Exception):
    """The source of a release holds something this reader does not model; fix the reader."""


# --------------------------------------------------------------------------- versions and wheels


def available_versions() -> list[Version]:
    """Every final transformers release PyPI lists, through pip's own client."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "transformers"],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Available versions: (.*)", result.stdout)
    if match is None:
        raise KnowledgeError(f"unexpected pip index output: {result.stdout[:200]!r}")
    return [Version(text.strip()) for text in match.group(1).split(",")]


def select_versions(available: Iterable[Version]) -> list[Version]:
    """The first and the last patch of every minor kefix knows about."""
    by_minor: dict[tuple[int, int], list[Version]] = {}
    for version in available:
        minor = (version.major, version.minor)
        if version.is_prerelease or version.is_devrelease:
            continue
        if OLDEST_MINOR <= minor <= LAST_4X_MINOR or version.major == 5:
            by_minor.setdefault(minor, []).append(version)
    chosen = {edge for patches in by_minor.values() for edge in (min(patches), max(patches))}
    return sorted(chosen)


def wheel_path(version: str, cache: pathlib.Path) -> pathlib.Path:
    """The cached wheel of ``version``, downloaded first when the cache lacks it."""
    found = sorted(cache.glob(f"transformers-{version}-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"transformers=={version}",
            "-d",
            str(cache),
        ],
        check=True,
    )
    found = sorted(cache.glob(f"transformers-{version}-*.whl"))
    if not found:
        raise KnowledgeError(f"pip download left no wheel for transformers {version}")
    return found[0]


class Wheel:
    """The Python sources of one transformers wheel, read as text from the zip file."""

    def __init__(self, path: pathlib.Path) -> None:
        self._zip = zipfile.ZipFile(path)
        self._names = set(self._zip.namelist())
        self._modules: dict[str, Module] = {}
        # Counts evaluations that assumed an optional package absent (see Scope).
        self.environment_checks = 0

    def member(self, dotted: str) -> str | None:
        base = dotted.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self._names:
                return candidate
        return None

    def module(self, dotted: str) -> Module | None:
        if dotted not in self._modules:
            member = self.member(dotted)
            if member is None:
                return None
            source = self._zip.read(member).decode("utf-8")
            self._modules[dotted] = Module(self, dotted, member.endswith("__init__.py"), source)
        return self._modules[dotted]


# --------------------------------------------------------------------------- static evaluation


@dataclasses.dataclass(frozen=True)
class External:
    """An object from outside transformers, known by its qualified name (``typing.Optional``)."""

    name: str


@dataclasses.dataclass(frozen=True)
class Opaque:
    """A value this reader cannot know (a call result, an unbound name)."""

    why: str


@dataclasses.dataclass(frozen=True, eq=False)
class ClassRef:
    module: Module
    node: ast.ClassDef


@dataclasses.dataclass(frozen=True, eq=False)
class FunctionRef:
    module: Module
    node: ast.FunctionDef


@dataclasses.dataclass(frozen=True, eq=False)
class ModuleRef:
    module: Module


@dataclasses.dataclass(frozen=True)
class EnumMember:
    enum: str
    value: str


@dataclasses.dataclass(frozen=True)
class Lazy:
    """An unevaluated binding: an expression in a scope, or a name imported from a module."""

    node: ast.expr | None = None
    scope: Scope | None = None
    from_module: str = ""
    from_name: str = ""


_BUILTINS = {"str", "int", "float", "bool", "dict", "list", "tuple", "set", "object", "bytes"}


class Scope:
    """Names bound by executing a module or class body statically, resolved on demand.

    ``if`` tests are evaluated under the no-optional-packages assumption; a test that cannot be
    decided runs its body. ``try`` bodies are assumed to succeed.
    """

    def __init__(self, module: Module, parent: Scope | None = None) -> None:
        self.module = module
        self.parent = parent
        self.bindings: dict[str, Any] = {}
        # Names whose binding depended on an is_*_available() check.
        self.environment_names: set[str] = set()

    # -- execution

    def execute(self, statements: Sequence[ast.stmt], visit: Any = None) -> None:
        for statement in statements:
            if visit is not None and visit(statement):
                continue
            self._execute_one(statement, visit)

    def _execute_one(self, statement: ast.stmt, visit: Any) -> None:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    self.bindings[alias.asname] = self._import_module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.bindings[top] = self._import_module(top)
        elif isinstance(statement, ast.ImportFrom):
            source = self.module.absolute(statement.module, statement.level)
            for alias in statement.names:
                if alias.name == "*":
                    continue
                self.bindings[alias.asname or alias.name] = Lazy(
                    from_module=source, from_name=alias.name
                )
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.bindings[target.id] = Lazy(statement.value, self)
        elif isinstance(statement, ast.AnnAssign):
            if isinstance(statement.target, ast.Name) and statement.value is not None:
                self.bindings[statement.target.id] = Lazy(statement.value, self)
        elif isinstance(statement, ast.ClassDef):
            self.bindings[statement.name] = ClassRef(self.module, statement)
        elif isinstance(statement, ast.FunctionDef):
            self.bindings[statement.name] = FunctionRef(self.module, statement)
        elif isinstance(statement, ast.If):
            wheel = self.module.wheel
            before = wheel.environment_checks
            decided = self.truth(statement.test)
            if wheel.environment_checks != before:
                self.environment_names |= _bound_names(statement)
            # Running a body is not reading a field: only names bound here carry the dependency.
            wheel.environment_checks = before
            self.execute(statement.orelse if decided is False else statement.body, visit)
        elif isinstance(statement, ast.Try):
            self.execute(statement.body, visit)
            self.execute(statement.orelse, visit)
            self.execute(statement.finalbody, visit)
        elif isinstance(statement, ast.With):
            self.execute(statement.body, visit)

    def _import_module(self, dotted: str) -> Any:
        if dotted == "transformers" or dotted.startswith("transformers."):
            module = self.module.wheel.module(dotted)
            if module is not None:
                return ModuleRef(module)
        return External(dotted)

    # -- lookup

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                value = scope.bindings[name]
                if isinstance(value, Lazy):
                    before = self.module.wheel.environment_checks
                    value = scope.bindings[name] = scope.resolve(value)
                    if self.module.wheel.environment_checks != before:
                        scope.environment_names.add(name)
                if name in scope.environment_names:
                    self.mark_environment()
                return value
            scope = scope.parent
        scope = self
        while scope is not None:
            if name in scope.environment_names:
                # Bound only when an optional package is present (4.56 imports ParallelismConfig
                # from accelerate and has no fallback): read it as that package's class.
                self.mark_environment()
                return External(f"optional.{name}")
            scope = scope.parent
        if name in _BUILTINS or name == "None":
            return External(f"builtins.{name}")
        return Opaque(f"unbound name {name}")

    def resolve(self, lazy: Lazy) -> Any:
        if lazy.node is not None:
            assert lazy.scope is not None
            return lazy.scope.evaluate(lazy.node)
        return self.module.wheel_import(lazy.from_module, lazy.from_name)

    # -- expressions

    def evaluate(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self._attribute(self.evaluate(node.value), node.attr)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.evaluate(item) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            result: dict[Any, Any] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    merged = self.evaluate(value)
                    if not isinstance(merged, dict):
                        return Opaque("** of a non-dict")
                    result.update(merged)
                else:
                    result[self.evaluate(key)] = self.evaluate(value)
            return result
        if isinstance(node, ast.UnaryOp):
            operand = self.evaluate(node.operand)
            if isinstance(node.op, ast.USub) and isinstance(operand, (int, float)):
                return -operand
            if isinstance(node.op, ast.Not):
                truth = _truth_of(operand)
                return Opaque("not of an unknown") if truth is None else not truth
            return Opaque("unary operator")
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.IfExp):
            decided = self.truth(node.test)
            if decided is None:
                return Opaque("undecidable conditional expression")
            return self.evaluate(node.body if decided else node.orelse)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Lambda):
            return self.evaluate(node.body)
        return Opaque(type(node).__name__)

    def _bool_op(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        for operand in node.values:
            truth = _truth_of(self.evaluate(operand))
            if truth is None:
                return Opaque("undecidable boolean operator")
            if truth is not is_and:
                return truth
        return is_and

    def truth(self, node: ast.expr) -> bool | None:
        return _truth_of(self.evaluate(node))

    def _attribute(self, owner: Any, attribute: str) -> Any:
        if isinstance(owner, ModuleRef):
            return owner.module.wheel_import(owner.module.name, attribute)
        if isinstance(owner, External):
            return External(f"{owner.name}.{attribute}")
        if isinstance(owner, ClassRef):
            members = enum_members(owner)
            if members is not None and attribute in members:
                return EnumMember(owner.node.name, members[attribute])
            return Opaque(f"{owner.node.name}.{attribute}")
        if isinstance(owner, dict) and attribute in ("keys", "copy"):
            return ("method", attribute, owner)
        return Opaque(f"attribute {attribute}")

    def _call(self, node: ast.Call) -> Any:
        name = ast.unparse(node.func).rsplit(".", 1)[-1]
        if re.fullmatch(r"is_\w+_available", name):
            # The oracle environment: no torch, accelerate or any other optional package.
            self.mark_environment()
            return False
        function = self.evaluate(node.func)
        if isinstance(function, tuple) and function[:1] == ("method",):
            _, method, owner = function
            return list(owner) if method == "keys" else dict(owner)
        if function == External("builtins.dict"):
            result: dict[Any, Any] = {}
            for keyword in node.keywords:
                value = self.evaluate(keyword.value)
                if keyword.arg is None:
                    if not isinstance(value, dict):
                        return Opaque("dict(**non-dict)")
                    result.update(value)
                else:
                    result[keyword.arg] = value
            return result if not node.args else Opaque("dict(positional)")
        if function == External("builtins.list") and not node.args:
            return []
        if isinstance(function, FunctionRef):
            body = [
                statement
                for statement in function.node.body
                if not (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                )
            ]
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
                return function.module.scope.evaluate(body[0].value)
        return Opaque(f"call of {ast.unparse(node.func)}")

    def mark_environment(self) -> None:
        self.module.wheel.environment_checks += 1


def _bound_names(statement: ast.stmt) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return names


def _truth_of(value: Any) -> bool | None:
    if isinstance(value, (Opaque, ClassRef, FunctionRef, ModuleRef, External, EnumMember)):
        if value == External("typing.TYPE_CHECKING"):
            return False
        return None
    if isinstance(value, tuple) and value[:1] == ("method",):
        return None
    return bool(value)


class Module:
    """One module of the wheel: its AST and, on demand, its top-level bindings."""

    def __init__(self, wheel: Wheel, name: str, is_package: bool, source: str) -> None:
        self.wheel = wheel
        self.name = name
        self.is_package = is_package
        self.source = source
        self.tree = ast.parse(source)
        self._scope: Scope | None = None
        self._resolving: set[str] = set()

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            before = self.wheel.environment_checks
            self._scope = Scope(self)
            self._scope.execute(self.tree.body)
            self.wheel.environment_checks = before
        return self._scope

    def absolute(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        package = self.name.split(".") if self.is_package else self.name.split(".")[:-1]
        base = package[: len(package) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def wheel_import(self, source: str, name: str) -> Any:
        """``from source import name`` where ``source`` may be a module of the wheel."""
        if not (source == "transformers" or source.startswith("transformers.")):
            return External(f"{source}.{name}")
        module = self.wheel.module(source)
        if module is None:
            return Opaque(f"no module {source}")
        if name in module._resolving:
            return Opaque(f"import cycle on {source}.{name}")
        module._resolving.add(name)
        try:
            scope = module.scope
            if name in scope.bindings:
                return scope.lookup(name)
        finally:
            module._resolving.discard(name)
        submodule = self.wheel.module(f"{source}.{name}")
        if submodule is not None:
            return ModuleRef(submodule)
        return Opaque(f"{source} binds no {name}")


def enum_members(cls: ClassRef) -> dict[str, str] | None:
    """Member name -> value of an Enum subclass defined in the wheel, or None for other classes."""
    bases = [cls.module.scope.evaluate(base) for base in cls.node.bases]
    is_enum = any(
        base in (External("enum.Enum"), External("enum.IntEnum"))
        or (isinstance(base, ClassRef) and enum_members(base) is not None)
        for base in bases
    )
    if not is_enum:
        return None
    members: dict[str, str] = {}
    for statement in cls.node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                value = cls.module.scope.evaluate(statement.value)
                if not isinstance(value, str):
                    raise KnowledgeError(f"{cls.node.name}.{target.id} is not a str: {value!r}")
                members[target.id] = value
    return members


def enum_values(cls: ClassRef) -> tuple[str, ...]:
    """The values iteration yields: definition order, aliases (repeated values) left out."""
    members = enum_members(cls)
    assert members is not None
    return tuple(dict.fromkeys(members.values()))


# --------------------------------------------------------------------------- annotations as types


@dataclasses.dataclass(frozen=True)
class Cls:
    """A plain class: ``str``, ``int``, ``NoneType``, ``Path``, ``Any``, or an opaque one."""

    name: str


@dataclasses.dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Generic:
    """``List[X]`` (alias ``List``) or ``list[X]`` (alias ``list``); likewise for dicts."""

    origin: str
    alias: str
    args: tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class LiteralType:
    values: tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class UnionType:
    args: tuple[Any, ...]


NONE = Cls("NoneType")
STR = Cls("str")
BOOL = Cls("bool")


def union_of(parts: Iterable[Any]) -> Any:
    """typing's Union: nested unions flattened, duplicates dropped (first kept), one arg alone."""
    flat: list[Any] = []
    for part in parts:
        for item in part.args if isinstance(part, UnionType) else (part,):
            if item not in flat:
                flat.append(item)
    return flat[0] if len(flat) == 1 else UnionType(tuple(flat))


_TYPING_GENERICS = {"List": "list", "Dict": "dict", "list": "list", "dict": "dict"}


def evaluate_type(node: ast.expr, scope: Scope) -> Any:
    """The type an annotation means once ``typing.get_type_hints`` has evaluated it."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return NONE
        if isinstance(node.value, str):
            return evaluate_type(ast.parse(node.value, mode="eval").body, scope)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return union_of([evaluate_type(node.left, scope), evaluate_type(node.right, scope)])
    if isinstance(node, ast.Subscript):
        base = scope.evaluate(node.value)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == External("typing.Literal"):
            return LiteralType(tuple(scope.evaluate(item) for item in items))
        args = [evaluate_type(item, scope) for item in items]
        if base == External("typing.Optional"):
            return union_of([args[0], NONE])
        if base == External("typing.Union"):
            return union_of(args)
        alias = _generic_alias(base)
        if alias is not None:
            return Generic(_TYPING_GENERICS[alias], alias, tuple(args))
        raise KnowledgeError(f"unsupported generic {ast.unparse(node)}")
    value = scope.evaluate(node)
    return type_of_value(value, ast.unparse(node))


def _generic_alias(base: Any) -> str | None:
    if isinstance(base, External):
        module, _, name = base.name.rpartition(".")
        if module in ("typing", "builtins") and name in _TYPING_GENERICS:
            return name
    return None


def type_of_value(value: Any, text: str) -> Any:
    if value is None:
        return NONE
    if isinstance(value, ClassRef):
        if enum_members(value) is not None:
            return EnumType(value.node.name, enum_values(value))
        return Cls(value.node.name)
    if isinstance(value, External):
        module, _, name = value.name.rpartition(".")
        if module == "builtins":
            return Cls(name)
        if value.name == "typing.Any":
            return Cls("Any")
        if value.name == "pathlib.Path":
            return Cls("Path")
        alias = _generic_alias(value)
        if alias is not None:
            return Generic(_TYPING_GENERICS[alias], alias, ())
        return Cls(name)  # a class from another package, e.g. accelerate's ParallelismConfig
    raise KnowledgeError(f"cannot read annotation {text}: {value!r}")


def mentions_dict(kind: Any) -> bool:
    if isinstance(kind, UnionType):
        return any(mentions_dict(arg) for arg in kind.args)
    return kind == Cls("dict") or (isinstance(kind, Generic) and kind.origin == "dict")


# --------------------------------------------------------------------------- dataclass fields

MISSING = object()


@dataclasses.dataclass
class FieldDeclaration:
    name: str
    annotation: Any
    default: Any = MISSING
    factory: Any = MISSING
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    help: str = ""
    init: bool = True
    environment: bool = False
    pep604: bool = False  # the annotation is written ``X | Y`` (older parsers cannot read it)


def _literal_text(node: ast.expr) -> str:
    """All constant text of a help expression (string parts of f-strings and concatenations)."""
    return " ".join(
        part.value
        for part in ast.walk(node)
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    )


def read_dataclass(
    cls: ClassRef, inherited: Sequence[FieldDeclaration] = ()
) -> list[FieldDeclaration]:
    """The fields of a dataclass body, in order, after those it inherits (overrides in place)."""
    fields = {declaration.name: declaration for declaration in inherited}
    scope = Scope(cls.module, cls.module.scope)

    def visit(statement: ast.stmt) -> bool:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if "ClassVar" not in ast.unparse(statement.annotation):
                before = cls.module.wheel.environment_checks
                declaration = _declaration(statement, scope)
                declaration.environment = cls.module.wheel.environment_checks != before
                fields[declaration.name] = declaration
            return True
        return isinstance(statement, ast.FunctionDef)

    scope.execute(cls.node.body, visit)
    return list(fields.values())


def _declaration(statement: ast.AnnAssign, scope: Scope) -> FieldDeclaration:
    assert isinstance(statement.target, ast.Name)
    name = statement.target.id
    declaration = FieldDeclaration(name, evaluate_type(statement.annotation, scope))
    declaration.pep604 = any(
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)
        for node in ast.walk(statement.annotation)
    )
    value = statement.value
    if value is None:
        return declaration
    is_field_call = isinstance(value, ast.Call) and scope.evaluate(value.func) == External(
        "dataclasses.field"
    )
    if not is_field_call:
        declaration.default = _default(scope.evaluate(value), name)
        return declaration
    assert isinstance(value, ast.Call)
    for keyword in value.keywords:
        if keyword.arg == "default":
            declaration.default = _default(scope.evaluate(keyword.value), name)
        elif keyword.arg == "default_factory":
            declaration.factory = _factory(keyword.value, scope, name)
        elif keyword.arg == "init":
            declaration.init = bool(scope.evaluate(keyword.value))
        elif keyword.arg == "metadata":
            if not isinstance(keyword.value, ast.Dict):
                raise KnowledgeError(f"{name}: metadata is not a dict display")
            for key_node, value_node in zip(keyword.value.keys, keyword.value.values, strict=True):
                key = scope.evaluate(key_node) if key_node is not None else None
                if key == "help":
                    declaration.help = _literal_text(value_node)
                elif isinstance(key, str):
                    declaration.metadata[key] = scope.evaluate(value_node)
                else:
                    raise KnowledgeError(f"{name}: metadata key {key!r}")
    return declaration


def _default(value: Any, name: str) -> Any:
    if isinstance(value, EnumMember):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise KnowledgeError(f"{name}: default {value!r} is not a constant")


def _factory(node: ast.expr, scope: Scope, name: str) -> Any:
    value = scope.evaluate(node)
    if value == External("builtins.list"):
        return []
    if value == External("builtins.dict"):
        return {}
    if isinstance(node, ast.Lambda):
        return _default(value, name) if not isinstance(value, dict) else value
    raise KnowledgeError(f"{name}: default_factory {ast.unparse(node)}")


# --------------------------------------------------------------------------- the parser, replayed


@dataclasses.dataclass(frozen=True)
class ParserFacts:
    """What one release's hf_argparser does beyond the per-field logic."""

    dashed_aliases: bool
    dashed_negations: bool
    pep604_unions: bool


def parser_facts(wheel: Wheel) -> ParserFacts:
    module = wheel.module("transformers.hf_argparser")
    if module is None:
        raise KnowledgeError("no transformers/hf_argparser.py")
    function = next(
        (
            node
            for node in ast.walk(module.tree)
            if isinstance(node, ast.FunctionDef) and node.name == "_parse_dataclass_field"
        ),
        None,
    )
    if function is None:
        raise KnowledgeError("hf_argparser has no _parse_dataclass_field")
    dashed = negations = False
    for node in ast.walk(function):
        if not isinstance(node, ast.JoinedStr) or not node.values:
            continue
        head = node.values[0]
        prefix = head.value if isinstance(head, ast.Constant) else ""
        replaces = any(
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Attribute)
            and part.func.attr == "replace"
            and [ast.unparse(arg) for arg in part.args] == ["'_'", "'-'"]
            for part in ast.walk(node)
        )
        if prefix == "--no-":
            negations = True
        elif prefix == "--" and replaces:
            dashed = True
    return ParserFacts(dashed, negations, "UnionType" in ast.unparse(function))


def _type_name(kind: Any) -> str:
    """How argparse names a type in ``invalid <type> value`` (``__name__``)."""
    if isinstance(kind, Generic):
        return kind.alias if kind.alias in ("List", "Dict") else kind.origin
    if isinstance(kind, EnumType):
        return kind.name
    if isinstance(kind, Cls):
        return kind.name
    raise KnowledgeError(f"no argparse name for {kind!r}")


def _convert_default(kind: Any, bool_type: bool, value: Any) -> Any:
    """What argparse makes of a string default when the flag is absent (it runs ``type``)."""
    if not isinstance(value, str):
        return value
    if bool_type:
        lowered = value.lower()
        if lowered in ("yes", "true", "t", "y", "1"):
            return True
        if lowered in ("no", "false", "f", "n", "0"):
            return False
        raise KnowledgeError(f"string default {value!r} fails string_to_bool")
    if kind == Cls("int"):
        return int(value)
    if kind == Cls("float"):
        return float(value)
    if kind == Cls("Path"):
        return str(pathlib.PurePath(value))
    return value


def describe(declaration: FieldDeclaration, facts: ParserFacts) -> dict[str, Any]:
    """The spec of one field as this release's ``_parse_dataclass_field`` builds its flags."""
    name = declaration.name
    kwargs = dict(declaration.metadata)
    aliases = kwargs.pop("aliases", [])
    aliases = [aliases] if isinstance(aliases, str) else list(aliases)
    kind = declaration.annotation
    if isinstance(kind, UnionType):
        args = kind.args
        if not facts.pep604_unions and declaration.pep604:
            raise KnowledgeError(f"{name}: a PEP 604 union this hf_argparser cannot read")
        if STR not in args and (len(args) != 2 or NONE not in args):
            raise KnowledgeError(f"{name}: HfArgumentParser rejects {kind!r}")
        if NONE not in args:
            kind = args[0] if args[1] == STR else args[1]
        elif BOOL not in args:
            second = args[1]
            if isinstance(second, (Generic, LiteralType)):
                raise KnowledgeError(f"{name}: isinstance(None, {second!r}) raises")
            kind = args[0] if second == NONE else second

    spec: dict[str, Any] = {}
    has_default = False
    argparse_default: Any = None
    bool_type = False
    choices: list[Any] | None = None
    nargs = kwargs.get("nargs")
    const = kwargs.get("const")
    negation = False
    is_optional_bool = kind == BOOL or (
        isinstance(kind, UnionType) and set(kind.args) == {BOOL, NONE}
    )
    if isinstance(kind, (LiteralType, EnumType)):
        choices = list(kind.values)
        if declaration.default is not MISSING:
            has_default, argparse_default = True, declaration.default
        else:
            spec["required"] = True
    elif is_optional_bool:
        bool_type = True
        default = declaration.default
        if kind == BOOL or (default is not None and default is not MISSING):
            has_default = True
            argparse_default = False if default is MISSING else default
            nargs, const = "?", True
        negation = default is True
    elif isinstance(kind, Generic) and kind.origin == "list":
        element = kind.args[0]
        nargs = "+"
        if declaration.factory is not MISSING:
            has_default, argparse_default = True, declaration.factory
        elif declaration.default is MISSING:
            spec["required"] = True
        if element == STR:
            spec["element"] = "str"
        elif isinstance(element, EnumType):
            spec["element"] = "enum"
            spec["choices"] = list(element.values)
            spec["type"] = element.name
        else:
            raise KnowledgeError(f"{name}: list of {element!r}")
    else:
        if declaration.default is not MISSING:
            has_default, argparse_default = True, declaration.default
        elif declaration.factory is not MISSING:
            has_default, argparse_default = True, declaration.factory
        else:
            spec["required"] = True
    if "choices" in kwargs and choices is None and nargs != "+":
        choices = list(kwargs["choices"])

    if nargs == "?":
        if const is not True:
            raise KnowledgeError(f"{name}: nargs='?' with const {const!r}")
        spec["bare_value"] = True
    elif nargs not in (None, "+"):
        raise KnowledgeError(f"{name}: nargs {nargs!r}")

    if bool_type:
        spec["kind"] = "bool" if nargs == "?" else "bool_value_required"
    elif nargs == "+":
        spec["kind"] = "list"
    elif choices is not None:
        if not all(isinstance(choice, str) for choice in choices):
            raise KnowledgeError(f"{name}: non-str choices {choices!r}")
        spec["kind"] = "choice"
        spec["choices"] = choices
    elif kind in (Cls("int"), Cls("float")):
        spec["kind"] = kind.name
    elif kind in (STR, Cls("Path")):
        spec["kind"] = "dict_or_str" if mentions_dict(declaration.annotation) else "str"
        if kind == Cls("Path"):
            spec["type"] = "Path"
    elif kind == Cls("dict") or (
        isinstance(kind, Generic) and kind.origin == "dict" and kind.alias == "dict"
    ):
        spec["kind"] = "dict"  # argparse calls dict(word): only the empty word parses
        spec["type"] = "dict"
    elif isinstance(kind, (Generic, Cls)):
        # typing.Dict cannot be instantiated and typing.Any fails on any value; another
        # package's class (accelerate's ParallelismConfig) is not a converter either.
        spec["kind"] = "unparseable"
        spec["type"] = _type_name(kind)
    else:
        raise KnowledgeError(f"{name}: unclassified argparse type {kind!r}")

    if aliases:
        spec["aliases"] = aliases
    if negation:
        spec["negation"] = True
    default = _jsonable(_dataclass_default(declaration), name)
    spec["default"] = default
    parser_default = (
        _jsonable(_convert_default(kind, bool_type, argparse_default), name)
        if has_default
        else None
    )
    if parser_default != default or type(parser_default) is not type(default):
        spec["parser_default"] = parser_default
    if declaration.environment:
        spec["environment"] = True
    return spec


def _dataclass_default(declaration: FieldDeclaration) -> Any:
    if declaration.default is not MISSING:
        return declaration.default
    if declaration.factory is not MISSING:
        return declaration.factory
    return None


def _jsonable(value: Any, name: str) -> Any:
    if isinstance(value, EnumMember):
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, name) for item in value]
    if isinstance(value, dict) and not value:
        return {}
    raise KnowledgeError(f"{name}: default {value!r} has no JSON form")


# --------------------------------------------------------------------------- deprecations

# "Deprecated, use ...", "This argument is deprecated. ..." -- not "When using
# torch.distributed.launch (Deprecated), ..." (local_rank), which is about something else.
_HELP_DEPRECATED = re.compile(
    r"\s*(deprecated\b|this (argument|parameter|field|option) is deprecated)", re.IGNORECASE
)
_WARNING_CALLS = {"warn", "warning", "warning_once", "warning_advice"}


def deprecated_fields(
    cls: ClassRef, names: set[str], declarations: Sequence[FieldDeclaration]
) -> set[str]:
    """Fields this release marks deprecated (help text, or a warning in one of the methods)."""
    found = {d.name for d in declarations if _HELP_DEPRECATED.match(d.help)}
    for method in cls.node.body:
        if isinstance(method, ast.FunctionDef):
            found |= _warned_fields(method, names, ())
    return found


def _warned_fields(node: ast.AST, names: set[str], tests: tuple[ast.expr, ...]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, ast.If):
        for child in node.body:
            found |= _warned_fields(child, names, (*tests, node.test))
        for child in node.orelse:
            found |= _warned_fields(child, names, (*tests, node.test))
        return found
    if isinstance(node, ast.Call):
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if callee in _WARNING_CALLS:
            text = " ".join(_literal_text(arg) for arg in node.args)
            if "deprecat" in text.lower():
                found |= _subject(text, names, tests)
    for child in ast.iter_child_nodes(node):
        found |= _warned_fields(child, names, tests)
    return found


def _subject(text: str, names: set[str], tests: tuple[ast.expr, ...]) -> set[str]:
    """The fields a deprecation warning is about.

    Fields named in the message and tested by an enclosing ``if``; else the fields the innermost
    ``if`` tests; else the first field named. A name followed by ``[`` (a key of a dict field) or
    preceded by ``for`` (a value form, "using `EvaluationStrategy` for `eval_strategy`") is not
    the subject.
    """
    mentioned = []
    value_forms = 0
    for name in names:
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?![\w\[]|`\[)", text):
            if re.search(r"\bfor\s+`?-*$", text[: match.start()]):
                value_forms += 1
            else:
                mentioned.append((match.start(), name))
    if value_forms and not mentioned:
        return set()
    tested = [
        {
            node.attr
            for node in ast.walk(test)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr in names
        }
        for test in tests
    ]
    every_tested = set().union(*tested) if tested else set()
    named_and_tested = {name for _, name in mentioned if name in every_tested}
    if named_and_tested:
        return named_and_tested
    if tested and tested[-1]:
        return tested[-1]
    return {min(mentioned)[1]} if mentioned else set()


# --------------------------------------------------------------------------- one release


@dataclasses.dataclass
class Release:
    version: str
    facts: ParserFacts
    fields: dict[str, dict[str, Any]]
    deprecated: set[str]
    init_false: set[str]


def _class(wheel: Wheel, module_name: str, class_name: str) -> ClassRef:
    module = wheel.module(module_name)
    if module is None:
        raise KnowledgeError(f"no module {module_name}")
    value = module.scope.lookup(class_name)
    if not isinstance(value, ClassRef):
        raise KnowledgeError(f"{module_name}.{class_name} is {value!r}")
    return value


def read_release(version: str, path: pathlib.Path) -> Release:
    """Every field of TrainingArguments and Seq2SeqTrainingArguments in one wheel."""
    wheel = Wheel(path)
    facts = parser_facts(wheel)
    base_class = _class(wheel, "transformers.training_args", "TrainingArguments")
    seq2seq_class = _class(wheel, "transformers.training_args_seq2seq", "Seq2SeqTrainingArguments")
    base = read_dataclass(base_class)
    seq2seq = read_dataclass(seq2seq_class, base)
    base_specs = {d.name: describe(d, facts) for d in base if d.init}
    fields: dict[str, dict[str, Any]] = {}
    for declaration in seq2seq:
        if not declaration.init:
            continue
        spec = describe(declaration, facts)
        if declaration.name in base_specs:
            if base_specs[declaration.name] != spec:
                raise KnowledgeError(f"{declaration.name} is read differently by Seq2Seq")
        else:
            spec["seq2seq_only"] = True
        fields[declaration.name] = spec
    names = set(fields)
    deprecated = deprecated_fields(base_class, names, base) | deprecated_fields(
        seq2seq_class, names, seq2seq
    )
    init_false = {d.name for d in seq2seq if not d.init}
    return Release(version, facts, fields, deprecated & names, init_false)


# --------------------------------------------------------------------------- the document


def _ranges(versions: Sequence[str], values: Sequence[Any]) -> Iterator[tuple[str, str, Any]]:
    """Runs of equal values over consecutive versions, as (first, last, value); None is a gap."""
    start = 0
    for index in range(1, len(versions) + 1):
        if index == len(versions) or values[index] != values[start]:
            if values[start] is not None:
                yield versions[start], versions[index - 1], values[start]
            start = index


def build(releases: Sequence[Release]) -> dict[str, Any]:
    """The knowledge document: parser facts and field segments over the releases read."""
    versions = [release.version for release in releases]
    parser = [
        {"from": first, "to": last, **dataclasses.asdict(facts)}
        for first, last, facts in _ranges(versions, [release.facts for release in releases])
    ]
    names = sorted({name for release in releases for name in release.fields})
    fields: dict[str, Any] = {}
    for name in names:
        specs = [release.fields.get(name) for release in releases]
        segments = [
            {"from": first, "to": last, **spec} for first, last, spec in _ranges(versions, specs)
        ]
        entry: dict[str, Any] = {"segments": segments}
        deprecated = next((r.version for r in releases if name in r.deprecated), None)
        if deprecated is not None:
            entry["deprecated"] = deprecated
        fields[name] = entry
    return {"versions": versions, "parser": parser, "fields": fields}


def render(document: Mapping[str, Any]) -> str:
    """Deterministic text: sorted keys, one field per line, so diffs between runs stay small."""
    lines = [
        "{",
        '  "generator": "scripts/generate_knowledge.py",',
        f'  "versions": {json.dumps(document["versions"])},',
        f'  "parser": {json.dumps(document["parser"], sort_keys=True)},',
        '  "fields": {',
    ]
    names = sorted(document["fields"])
    for index, name in enumerate(names):
        entry = json.dumps(document["fields"][name], sort_keys=True)
        comma = "," if index < len(names) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {entry}{comma}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- cross-check


def compare_fields(releases: Sequence[Release], reference: Mapping[str, Any]) -> list[str]:
    """Differences from a ``{version: {field: {"default": repr}}}`` file (TrainingArguments)."""
    notes: list[str] = []
    for release in releases:
        theirs = reference.get(release.version)
        if theirs is None:
            notes.append(f"{release.version}: not in the reference file")
            continue
        ours = {n: s for n, s in release.fields.items() if not s.get("seq2seq_only")}
        their_names = set(theirs) - release.init_false
        for name in sorted(set(ours) - their_names):
            notes.append(f"{release.version}: {name} read here, missing from the reference")
        for name in sorted(their_names - set(ours)):
            notes.append(f"{release.version}: {name} in the reference, not read here")
        for name in sorted(set(ours) & their_names):
            expected = theirs[name].get("default")
            if expected is None or expected.startswith("<") or " if " in expected:
                continue
            try:
                their_default = ast.literal_eval(expected)
            except (ValueError, SyntaxError):
                continue
            ours_default = ours[name]["default"]
            if their_default != ours_default or type(their_default) is not type(ours_default):
                notes.append(
                    f"{release.version}: {name} default {ours_default!r} here, {expected} there"
                )
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--versions", help="comma-separated releases (default: all minors)")
    arguments.add_argument("--cache", type=pathlib.Path, default=DEFAULT_CACHE)
    arguments.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    arguments.add_argument("--compare-fields", type=pathlib.Path)
    options = arguments.parse_args(argv)
    if options.versions:
        versions = sorted({Version(text.strip()) for text in options.versions.split(",")})
    else:
        versions = select_versions(available_versions())
    releases = [
        read_release(str(version), wheel_path(str(version), options.cache)) for version in versions
    ]
    options.output.write_text(render(build(releases)), encoding="utf-8")
    if options.compare_fields is not None:
        reference = json.loads(options.compare_fields.read_text(encoding="utf-8"))
        for note in compare_fields(releases, reference):
            print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
