"""The argument dataclasses a framework's CLI parses, read from its Python source with ``ast``.

One reader serves three sources, so bundled knowledge and a project's own copy can never be read
differently: a released wheel or sdist (``scripts/generate_framework_knowledge.py``), the copy
installed in the environment kefix runs in, and a fork vendored in the checked project. Nothing is
imported or executed; a class whose definition cannot be found ends the reading with
``SourceUnreadable`` rather than a field list with holes in it.

How each framework's CLI names its parser classes is part of its source, and read from there
(``FRAMEWORK_RECIPES``): LLaMA-Factory's ``_TRAIN_ARGS`` list, ms-swift's ``args_class`` of its
pipeline classes (``get_sft_main(SftArguments, ...)`` in 2.x), TRL's ``dataclass_types`` tuple or
``TrlParser((...))`` call, axolotl's ``AxolotlInputConfig`` pydantic model.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    import tarfile

# transformers classes a framework's arguments may derive from: their fields are kefix's
# transformers knowledge, not the framework's.
TRAINING_BASES = ("Seq2SeqTrainingArguments", "TrainingArguments")

REQUIRED = {"required": True}  # a field without default: the parser demands it


class SourceUnreadable(Exception):
    """The source does not hold what the framework's CLI parses in a shape this reader models."""


class NonLiteral(msgspec.Struct, frozen=True):
    """A default computed at run time (a call, an enum member, a name): kefix cannot know it."""

    expression: str


class FieldFact(msgspec.Struct, frozen=True):
    """One option of a framework's parser: the class that declares it last, and its default.

    ``default`` is a JSON-able literal, ``NonLiteral`` or ``REQUIRED``; ``path`` and ``line`` say
    where it is declared (for a finding's origin)."""

    name: str
    owner: str
    default: Any
    path: str
    line: int


class CommandModel(msgspec.Struct, frozen=True):
    """What one CLI command parses: its classes, the transformers class they extend, and the
    fields they declare."""

    classes: tuple[str, ...]
    training_base: str | None
    fields: Mapping[str, FieldFact]


# --------------------------------------------------------------------------- source trees


class SourceTree:
    """The Python files of a package, keyed by path relative to the directory holding the
    package (``llamafactory/hparams/parser.py``), read lazily."""

    def __init__(self, paths: Iterable[str], read: Callable[[str], str]) -> None:
        self.paths = frozenset(paths)
        self._read = read
        self._cache: dict[str, str | None] = {}

    def text(self, path: str) -> str | None:
        if path not in self.paths:
            return None
        if path not in self._cache:
            try:
                self._cache[path] = self._read(path)
            except (OSError, UnicodeDecodeError, KeyError):
                self._cache[path] = None
        return self._cache[path]

    @classmethod
    def from_wheel(cls, path: Path) -> SourceTree:
        import zipfile  # archives are rare (a vendored copy is a directory): ~1 ms to import

        archive = zipfile.ZipFile(path)
        names = [name for name in archive.namelist() if name.endswith(".py")]
        return cls(names, lambda name: archive.read(name).decode("utf-8"))

    @classmethod
    def from_sdist(cls, path: Path) -> SourceTree:
        """An sdist (``axolotl-0.8.1/src/axolotl/...``): paths lose the top folder and ``src/``."""
        import tarfile  # archives are rare (a vendored copy is a directory): ~3 ms to import

        archive = tarfile.open(path)  # noqa: SIM115 - read lazily for the tree's lifetime
        members: dict[str, tarfile.TarInfo] = {}
        for member in archive.getmembers():
            if not (member.isfile() and member.name.endswith(".py")):
                continue
            parts = PurePosixPath(member.name).parts[1:]
            if parts[:1] == ("src",):
                parts = parts[1:]
            members["/".join(parts)] = member

        def read(name: str) -> str:
            handle = archive.extractfile(members[name])
            if handle is None:
                raise KeyError(name)
            return handle.read().decode("utf-8")

        return cls(members, read)

    @classmethod
    def from_directory(cls, root: Path, package: str) -> SourceTree:
        """The package directory ``root/package`` (a site-packages entry or a vendored ``src/``)."""
        base = root / package
        names = [
            path.relative_to(root).as_posix()
            for path in base.rglob("*.py")
            if "__pycache__" not in path.parts
        ]
        return cls(names, lambda name: (root / name).read_text(encoding="utf-8"))

    @classmethod
    def from_archive(cls, path: Path) -> SourceTree:
        if path.name.endswith(".whl"):
            return cls.from_wheel(path)
        return cls.from_sdist(path)


# --------------------------------------------------------------------------- modules and names


class _Module(msgspec.Struct):
    name: str  # dotted
    path: str
    tree: ast.Module
    classes: dict[str, ast.ClassDef] = msgspec.field(default_factory=dict)
    # alias -> (module, name); name None: the alias is a module
    imports: dict[str, tuple[str, str | None]] = msgspec.field(default_factory=dict)
    assigned: dict[str, list[ast.expr]] = msgspec.field(default_factory=dict)


class _ClassRef(msgspec.Struct, frozen=True):
    module: _Module
    node: ast.ClassDef


class _External(msgspec.Struct, frozen=True):
    module: str
    name: str


class _Package:
    """Name resolution across the modules of one source tree."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self._modules: dict[str, _Module | None] = {}
        self._class_index: dict[str, list[str]] | None = None

    def module(self, dotted: str) -> _Module | None:
        if dotted not in self._modules:
            self._modules[dotted] = self._load(dotted)
        return self._modules[dotted]

    def module_at(self, path: str) -> _Module | None:
        dotted = path[: -len(".py")].replace("/", ".")
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        return self.module(dotted)

    def _load(self, dotted: str) -> _Module | None:
        base = dotted.replace(".", "/")
        for path in (f"{base}.py", f"{base}/__init__.py"):
            text = self.tree.text(path)
            if text is None:
                continue
            try:
                parsed = ast.parse(text, filename=path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None  # ValueError: a null byte in the source
            module = _Module(dotted, path, parsed)
            _index_module(module, is_package=path.endswith("__init__.py"))
            return module
        return None

    def classes_named(self, name: str) -> list[_ClassRef]:
        """Every top-level class of the package called ``name`` (a last resort for names that
        lazy ``__init__`` modules re-export through strings)."""
        if self._class_index is None:
            index: dict[str, list[str]] = {}
            for path in sorted(self.tree.paths):
                text = self.tree.text(path)
                if text is None:
                    continue
                for line in text.splitlines():
                    if line.startswith("class "):
                        class_name = line[6:].split("(")[0].split(":")[0].strip()
                        index.setdefault(class_name, []).append(path)
            self._class_index = index
        found = []
        for path in self._class_index.get(name, []):
            module = self.module_at(path)
            if module is not None and name in module.classes:
                found.append(_ClassRef(module, module.classes[name]))
        return found

    def resolve(self, module: _Module, name: str, depth: int = 0) -> _ClassRef | _External | None:
        """The class ``name`` means in ``module``: defined there, imported, or assigned."""
        if depth > 20:
            return None
        if name in module.classes:
            return _ClassRef(module, module.classes[name])
        if name in module.assigned:
            # ``BaseTrainingArguments = Seq2SeqTrainingArguments`` (LLaMA-Factory picks another
            # class only under an environment variable): prefer what names a transformers class.
            resolved = [
                self.resolve_expr(module, value, depth + 1) for value in module.assigned[name]
            ]
            external = [
                r for r in resolved if isinstance(r, _External) and r.name in TRAINING_BASES
            ]
            if external:
                return external[-1]
            known = [r for r in resolved if r is not None]
            if known:
                return known[-1]
        if name in module.imports:
            source, original = module.imports[name]
            if original is None:
                return None
            target = self.module(source)
            if target is None:
                return _External(source, original)
            found = self.resolve(target, original, depth + 1)
            if found is not None:
                return found
            # A lazy __init__ (``_import_structure``): the class lives in some submodule.
            return self._unique(original, prefix=source)
        return None

    def resolve_expr(
        self, module: _Module, node: ast.expr, depth: int = 0
    ) -> _ClassRef | _External | None:
        if isinstance(node, ast.Name):
            return self.resolve(module, node.id, depth)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            imported = module.imports.get(node.value.id)
            if imported is not None and imported[1] is None:
                target = self.module(imported[0])
                if target is None:
                    return _External(imported[0], node.attr)
                return self.resolve(target, node.attr, depth + 1)
        return None

    def _unique(self, name: str, prefix: str) -> _ClassRef | None:
        found = self.classes_named(name)
        inside = [ref for ref in found if ref.module.name.startswith(prefix)]
        candidates = inside or found
        if len(candidates) == 1:
            return candidates[0]
        return None


def _index_module(module: _Module, *, is_package: bool) -> None:
    package_parts = module.name.split(".") if is_package else module.name.split(".")[:-1]
    for statement in _top_level(module.tree.body):
        if isinstance(statement, ast.ClassDef):
            module.classes.setdefault(statement.name, statement)
        elif isinstance(statement, ast.ImportFrom):
            base = statement.module or ""
            if statement.level:
                parent = package_parts[: len(package_parts) - (statement.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in statement.names:
                if alias.name == "*":
                    continue
                module.imports.setdefault(alias.asname or alias.name, (base, alias.name))
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                module.imports.setdefault(
                    alias.asname or alias.name.split(".")[0],
                    (alias.name if alias.asname else alias.name.split(".")[0], None),
                )
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    module.assigned.setdefault(target.id, []).append(statement.value)
        elif (
            isinstance(statement, ast.AnnAssign)
            and statement.value is not None
            and isinstance(statement.target, ast.Name)
        ):
            module.assigned.setdefault(statement.target.id, []).append(statement.value)


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module statements, including those inside ``if``/``try`` blocks (optional imports)."""
    for statement in body:
        if isinstance(statement, ast.If):
            yield from _top_level(statement.body)
            yield from _top_level(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _top_level(statement.body)
            for handler in statement.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(statement.orelse)
        else:
            yield statement


# --------------------------------------------------------------------------- classes and fields


def _decorator_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


class _ClassInfo(msgspec.Struct):
    ref: _ClassRef
    bases: list[_ClassInfo | _External]
    kind: str  # "dataclass" | "pydantic" | "plain"


class _ClassReader:
    def __init__(self, package: _Package) -> None:
        self.package = package
        self._infos: dict[tuple[str, str], _ClassInfo] = {}

    def info(self, ref: _ClassRef, depth: int = 0) -> _ClassInfo:
        key = (ref.module.name, ref.node.name)
        if key in self._infos:
            return self._infos[key]
        if depth > 40:
            raise SourceUnreadable(f"class hierarchy of {ref.node.name} is too deep")
        bases: list[_ClassInfo | _External] = []
        for base in ref.node.bases:
            if isinstance(base, ast.Subscript):  # Generic[T]
                base = base.value
            resolved = self.package.resolve_expr(ref.module, base)
            if isinstance(resolved, _ClassRef):
                bases.append(self.info(resolved, depth + 1))
            elif isinstance(resolved, _External):
                bases.append(resolved)
            else:
                name = ast.unparse(base)
                if name in ("object", "Generic", "ABC", "Enum", "str"):
                    continue
                raise SourceUnreadable(
                    f"{ref.module.path}: base class {name} of {ref.node.name} not found"
                )
        decorators = _decorator_names(ref.node)
        if "dataclass" in decorators:
            kind = "dataclass"
        elif any(_is_pydantic(base) for base in bases):
            kind = "pydantic"
        else:
            kind = "plain"
        info = _ClassInfo(ref, bases, kind)
        self._infos[key] = info
        return info

    def fields(self, info: _ClassInfo) -> tuple[dict[str, FieldFact], str | None]:
        """The fields of ``info`` in the order argparse adds them, and its transformers base."""
        order = _mro(info)
        fields: dict[str, FieldFact] = {}
        training_base = None
        for klass in reversed(order):
            if isinstance(klass, _External):
                if klass.name in TRAINING_BASES and (
                    training_base is None or klass.name == "Seq2SeqTrainingArguments"
                ):
                    training_base = klass.name
                continue
            if klass.kind == "plain" and not (info.kind == "pydantic" and _is_pydantic(klass)):
                continue
            for fact in _own_fields(klass, pydantic=klass.kind == "pydantic"):
                fields[fact.name] = fact  # an override keeps the first position, as dataclasses
        return fields, training_base


def _is_pydantic(base: _ClassInfo | _External) -> bool:
    if isinstance(base, _External):
        return base.name == "BaseModel"
    return base.kind == "pydantic"


def _mro(info: _ClassInfo) -> list[_ClassInfo | _External]:
    """C3 linearisation, as Python computes ``__mro__``."""

    def key(item: _ClassInfo | _External) -> tuple[str, str]:
        if isinstance(item, _External):
            return (item.module, item.name)
        return (item.ref.module.name, item.ref.node.name)

    def linear(item: _ClassInfo | _External) -> list[_ClassInfo | _External]:
        if isinstance(item, _External):
            return [item]
        sequences = [linear(base) for base in item.bases] + [list(item.bases)]
        result: list[_ClassInfo | _External] = [item]
        while True:
            sequences = [seq for seq in sequences if seq]
            if not sequences:
                return result
            for sequence in sequences:
                head = sequence[0]
                if not any(key(head) in {key(x) for x in other[1:]} for other in sequences):
                    break
            else:
                raise SourceUnreadable(f"inconsistent MRO for {key(item)[1]}")
            result.append(head)
            sequences = [seq[1:] if key(seq[0]) == key(head) else seq for seq in sequences]

    return linear(info)


def _own_fields(info: _ClassInfo, *, pydantic: bool) -> Iterator[FieldFact]:
    module = info.ref.module
    for statement in info.ref.node.body:
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        name = statement.target.id
        annotation = ast.unparse(statement.annotation)
        if "ClassVar" in annotation or "InitVar" in annotation:
            continue
        if pydantic and name.startswith("_"):
            continue
        default = _default(module, statement.value, pydantic=pydantic)
        if default is _NOT_INIT:
            continue
        yield FieldFact(name, info.ref.node.name, default, module.path, statement.lineno)


_NOT_INIT = object()


def _default(module: _Module, value: ast.expr | None, *, pydantic: bool) -> Any:
    if value is None:
        return REQUIRED
    if isinstance(value, ast.Call):
        callee = value.func
        callee_name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
        if callee_name in ("field", "Field"):
            keywords = {keyword.arg: keyword.value for keyword in value.keywords if keyword.arg}
            init = keywords.get("init")
            if isinstance(init, ast.Constant) and init.value is False:
                return _NOT_INIT
            if "default" in keywords:
                return _literal(module, keywords["default"])
            if "default_factory" in keywords:
                return _factory(module, keywords["default_factory"])
            if callee_name == "Field" and value.args:
                first = value.args[0]
                if isinstance(first, ast.Constant) and first.value is Ellipsis:
                    return REQUIRED
                return _literal(module, first)
            return REQUIRED
    return _literal(module, value)


def _factory(module: _Module, node: ast.expr) -> Any:
    if isinstance(node, ast.Name) and node.id in ("list", "dict", "tuple", "set"):
        return [] if node.id != "dict" else {}
    if isinstance(node, ast.Lambda):
        return _literal(module, node.body)
    return NonLiteral(ast.unparse(node))


def _literal(module: _Module, node: ast.expr, depth: int = 0) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if isinstance(node, ast.Name) and depth < 5 and node.id in module.assigned:
            return _literal(module, module.assigned[node.id][-1], depth + 1)
        return NonLiteral(ast.unparse(node))
    return _jsonable(value, node)


def _jsonable(value: Any, node: ast.expr) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return (
            value
            if value == value and value not in (float("inf"), float("-inf"))
            else (NonLiteral(ast.unparse(node)))
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(item, node) for item in value]
        if any(isinstance(item, NonLiteral) for item in items):
            return NonLiteral(ast.unparse(node))
        return items
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        members = {key: _jsonable(item, node) for key, item in value.items()}
        if not any(isinstance(item, NonLiteral) for item in members.values()):
            return members
    return NonLiteral(ast.unparse(node))


# --------------------------------------------------------------------------- recipes per framework


def _names_in(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    return [node]


def _llamafactory_classes(package: _Package, command: str) -> list[_ClassRef | _External]:
    """``_TRAIN_ARGS = [ModelArguments, DataArguments, ...]`` in ``hparams/parser.py``."""
    module = package.module("llamafactory.hparams.parser")
    if module is None:
        raise SourceUnreadable("llamafactory/hparams/parser.py not found")
    values = module.assigned.get("_TRAIN_ARGS")
    if not values:
        raise SourceUnreadable("llamafactory/hparams/parser.py has no _TRAIN_ARGS")
    return _resolve_all(package, module, _names_in(values[0]))


_SWIFT_PIPELINES = {
    "sft": ("swift.llm.train.sft", "swift.pipelines.train.sft"),
    "pt": ("swift.llm.train.pt", "swift.pipelines.train.pretrain"),
    "rlhf": ("swift.llm.train.rlhf", "swift.pipelines.train.rlhf"),
}
_SWIFT_2X_MAINS = {
    "sft": ("swift.llm.sft", "sft_main"),
    "pt": ("swift.llm.sft", "pt_main"),
    "rlhf": ("swift.llm.rlhf", "rlhf_main"),
}


def _swift_classes(package: _Package, command: str) -> list[_ClassRef | _External]:
    """ms-swift 3.x/4.x: ``args_class = TrainArguments`` in the pipeline class of the command;
    2.x: ``sft_main = get_sft_main(SftArguments, llm_sft)``."""
    for dotted in _SWIFT_PIPELINES[command]:
        module = package.module(dotted)
        if module is None:
            continue
        for node in module.classes.values():
            for statement in node.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "args_class" for t in statement.targets
                ):
                    return _resolve_all(package, module, [statement.value])
    dotted, main = _SWIFT_2X_MAINS[command]
    module = package.module(dotted)
    if module is not None:
        for value in module.assigned.get(main, []):
            if isinstance(value, ast.Call) and value.args:
                return _resolve_all(package, module, [value.args[0]])
    raise SourceUnreadable(f"no argument class found for swift {command}")


def _trl_classes(package: _Package, command: str) -> list[_ClassRef | _External]:
    """``dataclass_types = (ScriptArguments, SFTConfig, ModelConfig)`` or
    ``TrlParser((ScriptArguments, SFTConfig, ModelConfig))`` in the command's script."""
    for dotted in (f"trl.scripts.{command}", f"trl.commands.scripts.{command}"):
        module = package.module(dotted)
        if module is None:
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "dataclass_types" for t in node.targets
            ):
                return _resolve_all(package, module, _names_in(node.value), local=node)
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "TrlParser"
                and node.args
            ):
                return _resolve_all(package, module, _names_in(node.args[0]), local=node)
    raise SourceUnreadable(f"no trl script for {command}")


def _axolotl_classes(package: _Package, command: str) -> list[_ClassRef | _External]:
    for dotted in (
        "axolotl.utils.schemas.config",
        "axolotl.utils.config.models.input.v0_4_1",
    ):
        module = package.module(dotted)
        if module is not None and "AxolotlInputConfig" in module.classes:
            return [_ClassRef(module, module.classes["AxolotlInputConfig"])]
    raise SourceUnreadable("AxolotlInputConfig not found")


def _resolve_all(
    package: _Package, module: _Module, nodes: list[ast.expr], local: ast.AST | None = None
) -> list[_ClassRef | _External]:
    resolved: list[_ClassRef | _External] = []
    for node in nodes:
        found = package.resolve_expr(module, node)
        if found is None and isinstance(node, ast.Name):
            found = _resolve_local_import(package, module, node.id)
        if found is None:
            raise SourceUnreadable(f"{module.path}: parser class {ast.unparse(node)} not found")
        resolved.append(found)
    return resolved


def _resolve_local_import(package: _Package, module: _Module, name: str) -> _ClassRef | None:
    """A name imported inside a function (``from trl import SFTConfig`` in ``make_parser``)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and any(
            (alias.asname or alias.name) == name for alias in node.names
        ):
            original = next(a.name for a in node.names if (a.asname or a.name) == name)
            base = node.module or ""
            target = package.module(base)
            if target is not None:
                found = package.resolve(target, original)
                if isinstance(found, _ClassRef):
                    return found
            return package._unique(original, prefix=base)
    return None


class Recipe(msgspec.Struct, frozen=True):
    """How to find the parser classes of a framework's commands in its source."""

    package: str  # the import name: the directory the tree holds
    commands: tuple[str, ...]
    find: Callable[[_Package, str], list[_ClassRef | _External]]


FRAMEWORK_RECIPES: Mapping[str, Recipe] = {
    "llamafactory": Recipe("llamafactory", ("train",), _llamafactory_classes),
    "ms-swift": Recipe("swift", ("sft", "pt", "rlhf"), _swift_classes),
    "trl": Recipe("trl", ("sft", "dpo", "grpo", "kto", "reward"), _trl_classes),
    "axolotl": Recipe("axolotl", ("train",), _axolotl_classes),
}


def read_command(tree: SourceTree, framework: str, command: str) -> CommandModel:
    """The options ``command`` of ``framework`` parses, read from ``tree``.

    Raises ``SourceUnreadable`` when the tree lacks the command or holds a shape not modelled."""
    recipe = FRAMEWORK_RECIPES[framework]
    package = _Package(tree)
    reader = _ClassReader(package)
    classes: list[str] = []
    fields: dict[str, FieldFact] = {}
    training_base: str | None = None
    for found in recipe.find(package, command):
        if isinstance(found, _External):
            classes.append(found.name)
            if found.name in TRAINING_BASES:
                training_base = found.name
            continue
        info = reader.info(found)
        classes.append(found.node.name)
        own, base = reader.fields(info)
        for name, fact in own.items():
            fields.setdefault(name, fact)  # HfArgumentParser: the first dataclass wins the option
        training_base = training_base or base
    return CommandModel(tuple(classes), training_base, fields)


def commands_in(tree: SourceTree, framework: str) -> dict[str, CommandModel]:
    """Every command of ``framework`` that ``tree`` has (a version may lack one: ``trl reward``)."""
    found = {}
    for command in FRAMEWORK_RECIPES[framework].commands:
        try:
            found[command] = read_command(tree, framework, command)
        except SourceUnreadable:
            continue
    return found
