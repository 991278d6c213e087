"""``TrainingArguments(...)``-like calls as launches: transformers' and trl's argument classes and
the project's own subclasses of them, however they are imported.

A call is a launch of ``entry_kind`` ``"call"``: ``launcher`` is the callee as written (``TA``),
``entry`` the class (``transformers.TrainingArguments``; a local subclass by its name, which the
resolver follows through the imports). Its keywords are its arguments.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES
from kefix.model import Launch
from kefix.sources.python.containers import call_container
from kefix.sources.python.keywords import KeywordReading, read_call_keywords
from kefix.sources.python.sites import Site, SiteKind
from kefix.sources.python.syntax import PythonSyntax, last_name

_PACKAGES = ("transformers", "trl")
# A positional argument of TrainingArguments (and of every subclass, whose own fields come
# after the inherited ones) sets its first field.
_POSITIONAL_FIELDS = ("output_dir",)


def training_class(syntax: PythonSyntax, func: cst.BaseExpression, local: frozenset[str]) -> str:
    """The class a callee constructs when it is a training-arguments class: ``trl.SFTConfig``,
    or the bare name of a project class in ``local``; '' when it is not one."""
    spelt = last_name(func)
    wanted = TRAINING_CLASS_NAMES | local
    if spelt not in wanted and syntax.aliases.get(spelt, "") not in wanted:
        return ""  # named like no training class: no need to ask the scopes
    names = syntax.qualified_names(func)
    for name in sorted(names):
        parts = name.split(".")
        if parts[0] in _PACKAGES and parts[-1] in TRAINING_CLASS_NAMES:
            return f"{parts[0]}.{parts[-1]}"
    if not names and isinstance(func, cst.Name) and func.value in TRAINING_CLASS_NAMES:
        # Bound by a star import (or not at all): the name says which library it is from.
        package = "trl" if func.value.endswith("Config") else "transformers"
        return f"{package}.{func.value}"
    for name in sorted(names):
        last = name.rsplit(".", 1)[-1]
        if last in local and name.split(".")[0] not in _PACKAGES:
            return last
    return ""


def local_training_classes(syntax: PythonSyntax, known: frozenset[str]) -> frozenset[str]:
    """``known`` (the project's subclasses) and the classes this module defines that derive,
    directly or through each other, from a training-arguments class or one of ``known``."""
    classes = syntax.classes
    found: set[str] = set(known)
    changed = True
    while changed:
        changed = False
        for node in classes:
            name = node.name.value
            if name in found:
                continue
            if any(training_class(syntax, base.value, frozenset(found)) for base in node.bases):
                found.add(name)
                changed = True
    return frozenset(found)


def find_training_calls(
    syntax: PythonSyntax, path: str, local: frozenset[str]
) -> Iterator[tuple[Launch, Site]]:
    """Every call constructing a training-arguments class, in file order."""
    for node in syntax.calls:
        entry = training_class(syntax, node.func, local)
        if not entry:
            continue
        reading = KeywordReading()
        read_call_keywords(syntax, node, reading, positional=_POSITIONAL_FIELDS)
        launch = Launch(
            path=path,
            span=syntax.span(node),
            launcher=syntax.code(node.func),
            entry=entry,
            entry_kind="call",
            args=tuple(reading.args),
            ordinal=0,
            opaque=tuple(reading.opaque),
        )
        yield launch, Site(SiteKind.KEYWORDS, reading.holders, call_container(syntax, node))
