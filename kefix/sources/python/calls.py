"""``TrainingArguments(...)``-like calls as launches: transformers' and trl's argument classes and
the project's own subclasses of them, however they are imported.

A call is a launch of ``entry_kind`` ``"call"``: ``launcher`` is the callee as written (``TA``),
``entry`` the class (``transformers.TrainingArguments``; a local subclass by its name, which the
resolver follows through the imports). Its keywords are its arguments.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from kefix.knowledge.training_classes import (
    may_name_training_class,
    training_class_among,
)
from kefix.model import Launch
from kefix.sources.python.containers import call_container
from kefix.sources.python.keywords import KeywordReading, read_call_keywords
from kefix.sources.python.sites import Site, SiteKind
from kefix.sources.python.syntax import PythonSyntax, last_name

# A positional argument of TrainingArguments (and of every subclass, whose own fields come
# after the inherited ones) sets its first field.
_POSITIONAL_FIELDS = ("output_dir",)


def training_class(syntax: PythonSyntax, func: cst.BaseExpression, local: frozenset[str]) -> str:
    """The class a callee constructs when it is a training-arguments class: ``trl.SFTConfig``,
    or the bare name of a project class in ``local``; '' when it is not one."""
    if not may_name_training_class(last_name(func), syntax.aliases, local):
        return ""  # named like no training class: no need to ask the scopes
    bare = func.value if isinstance(func, cst.Name) else None
    return training_class_among(syntax.qualified_names(func), bare, local)


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
