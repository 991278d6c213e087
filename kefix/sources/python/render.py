"""Fix intents rendered in Python: keywords and dict entries, argv list elements, shell strings.

A keyword gets a Python literal of the field's type (``eval_steps=200``, ``fp16=False``,
``eval_strategy="epoch"`` in the quotes the launch uses); an argv list gets ``"--flag", "value"``
elements; a command line inside a string literal is edited by the bash renderer, as long as
the new characters need no escaping inside that literal.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from kefix.knowledge.training_args import known_versions, training_fields
from kefix.model import Arg, ArgStyle, DetachedArgs, Edit, Launch, Span
from kefix.sources import CannotRender
from kefix.sources.bash import render as bash_render
from kefix.sources.python.layout import insert_after, remove_elements
from kefix.sources.python.reader import read_python
from kefix.sources.python.sites import Container, ContainerKind, Site, SiteKind

_NUMBER = re.compile(r"[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?")
_TRUE_WORDS = frozenset({"yes", "true", "t", "y", "1"})
_FALSE_WORDS = frozenset({"no", "false", "f", "n", "0"})
_QUOTE_PREFIX = re.compile(r"[A-Za-z]*(\"\"\"|'''|\"|')")
# A shell word quoted with one quote character and nothing inside that either quote would
# treat specially: it can be quoted with the other one instead.
_SHELL_QUOTED = {
    '"': re.compile(r'"([^"\'\\$`]*)"'),
    "'": re.compile(r"'([^\"'\\$`]*)'"),
}


def site_of(text: str, launch: Launch) -> Site:
    site = read_python(launch.path, text).sites.get(launch.span)
    if site is None:
        raise CannotRender("the launch is not where it was read")
    return site


# ----------------------------------------------------------------------------- values


@functools.cache
def _field_kind(name: str) -> str:
    """The field's kind in the newest release that has it ('' for no field kefix knows)."""
    for version in reversed(known_versions()):
        spec = training_fields(version=version).get(name)
        if spec is not None:
            return spec.kind
    return ""


def _quoted(value: str, quote: str) -> str:
    if quote not in value and "\\" not in value and "\n" not in value and "\r" not in value:
        return quote + value + quote
    return repr(value)


def python_literal(name: str, value: str | bool, quote: str) -> str:
    """``value`` (a SetArg value, as a command line would write it) as the Python literal a
    keyword of field ``name`` takes: a number for numeric fields, a bool for boolean ones."""
    if isinstance(value, bool):
        return "True" if value else "False"
    kind = _field_kind(name)
    if kind in ("bool", "bool_value_required") and value.lower() in _TRUE_WORDS | _FALSE_WORDS:
        return "True" if value.lower() in _TRUE_WORDS else "False"
    if kind == "int" and re.fullmatch(r"[+-]?\d+", value):
        return str(int(value))
    if kind == "float" and _NUMBER.fullmatch(value):
        return value
    return _quoted(value, quote)


def _quote_of(text: str, spans: list[Span]) -> str:
    """The quote character most of these string literals use (double quotes when none)."""
    counts: Counter[str] = Counter()
    for span in spans:
        match = _QUOTE_PREFIX.match(text, span.start, span.end)
        if match is not None:
            counts[match.group(1)[0]] += 1
    return "'" if counts["'"] > counts['"'] else '"'


def _launch_quote(text: str, launch: Launch) -> str:
    spans = [span for arg in launch.args for span in (arg.flag_span, *arg.value_spans)]
    return _quote_of(text, spans)


# ----------------------------------------------------------------------------- primitives


def set_value(text: str, launch: Launch, arg: Arg, name: str, value: str | bool) -> list[Edit]:
    """Give the field ``arg`` sets the value ``value``, where ``arg`` writes it."""
    site = site_of(text, launch)
    if site.kind is SiteKind.SHELL:
        return _in_string(site, bash_render.set_value(text, launch, arg, name, value))
    if site.kind is SiteKind.KEYWORDS:
        literal = python_literal(name, value, _launch_quote(text, launch))
        return [Edit(arg.value_spans[0], literal)]
    return _set_argv_value(text, launch, arg, name, value)


def insert_arg(
    text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
) -> list[Edit]:
    """Add ``name`` = ``value`` after ``anchor`` (else after the launch's last argument)."""
    site = site_of(text, launch)
    if site.kind is SiteKind.SHELL:
        return _in_string(site, bash_render.insert_flag(text, launch, anchor, name, value))
    if anchor is None and launch.args:
        anchor = launch.args[-1]
    container = site.home if anchor is None else site.holders.get(anchor.span)
    if container is None:
        raise CannotRender("no place to write a new argument")
    quote = _launch_quote(text, launch)
    if site.kind is SiteKind.KEYWORDS:
        literal = python_literal(name, value, quote)
        if container.kind is ContainerKind.DICT:
            element = f"{_quoted(name, quote)}{_colon(text, container)}{literal}"
        else:
            element = f"{name}{_equals(text, container)}{literal}"
    else:
        element = _argv_elements(launch, name, value, quote)
    return insert_after(text, container, None if anchor is None else anchor.span, element)


def remove_arg(text: str, launch: Launch, arg: Arg) -> list[Edit]:
    site = site_of(text, launch)
    if site.kind is SiteKind.SHELL:
        return _in_string(site, bash_render.remove_flag(text, launch, arg))
    container = site.holders.get(arg.span)
    if container is None:
        raise CannotRender(f"{arg.name} is not where it was read")
    return remove_elements(text, container, arg.span)


def rename_arg(text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
    site = site_of(text, launch)
    if site.kind is SiteKind.SHELL:
        return _in_string(site, bash_render.rename_flag(text, launch, arg, new_name))
    written = text[arg.flag_span.start : arg.flag_span.end]
    if site.kind is SiteKind.KEYWORDS:
        if not written:
            raise CannotRender(f"{arg.name} is passed by position")
        if written == arg.name:
            return [Edit(arg.flag_span, new_name)]
        return [_respelled_string(text, arg.flag_span, new_name)]
    if arg.style is ArgStyle.EQUALS:
        if not written.startswith("-"):
            raise CannotRender(f"--{arg.name} is written with escapes kefix does not rewrite")
        return [Edit(arg.flag_span, "--" + new_name)]
    return [_respelled_string(text, arg.flag_span, "--" + new_name)]


def repair(text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
    site = site_of(text, launch)
    if site.kind is not SiteKind.SHELL:
        raise CannotRender("only a command line in a string has continuations to repair")
    return _in_string(site, bash_render.repair_continuation(text, launch, detached))


# ----------------------------------------------------------------------------- details


def _respelled_string(text: str, span: Span, content: str) -> Edit:
    """The string literal at ``span`` with ``content`` between its own quotes."""
    match = _QUOTE_PREFIX.match(text, span.start, span.end)
    if match is None or "\\" in content or match.group(1)[0] in content:
        raise CannotRender("the name is not a plain string literal")
    return Edit(Span(match.end(), span.end - len(match.group(1))), content)


def _equals(text: str, container: Container) -> str:
    """``=`` as the call's other keywords write it (PEP 8: no blanks)."""
    spaced = sum(1 for e in container.elements if re.search(r"^\w+ += +", _at(text, e.span)))
    return " = " if spaced * 2 > len(container.elements) else "="


def _colon(text: str, container: Container) -> str:
    for element in container.elements:
        match = re.match(
            r"(?:[A-Za-z]*(?:\"[^\"]*\"|'[^']*'))([ \t]*:[ \t]*)", _at(text, element.span)
        )
        if match is not None:
            return match.group(1)
    return ": "


def _at(text: str, span: Span) -> str:
    return text[span.start : span.end]


def _argv_word(launch: Launch, value: str | bool) -> str:
    if isinstance(value, bool):
        true_word, false_word = bash_render.bool_words(launch)
        return true_word if value else false_word
    return value


def _argv_elements(launch: Launch, name: str, value: str | bool, quote: str) -> str:
    flag = _quoted("--" + name, quote)
    if value is True and bash_render.bare_bools_preferred(launch):
        return flag
    return f"{flag}, {_quoted(_argv_word(launch, value), quote)}"


def _set_argv_value(
    text: str, launch: Launch, arg: Arg, name: str, value: str | bool
) -> list[Edit]:
    quote = _launch_quote(text, launch)
    if arg.name.startswith(("no_", "no-")) or arg.style is ArgStyle.BARE:
        if value is True and arg.style is ArgStyle.BARE and arg.name.replace("-", "_") == name:
            return []
        flag = name if arg.name.replace("-", "_") != name else arg.name
        flag_text = _quoted("--" + flag, quote)
        return [Edit(arg.span, f"{flag_text}, {_quoted(_argv_word(launch, value), quote)}")]
    word = _argv_word(launch, value)
    if arg.style is ArgStyle.EQUALS:
        written = text[arg.flag_span.start : arg.flag_span.end]
        if not written.startswith("-") or any(c in word for c in "\\'\"{}\n"):
            raise CannotRender(f"--{arg.name}=... is written in a way kefix does not rewrite")
        return [Edit(arg.value_spans[0], word)]
    first, last = arg.value_spans[0], arg.value_spans[-1]
    return [Edit(Span(first.start, last.end), _quoted(word, quote))]


def _in_string(site: Site, edits: list[Edit]) -> list[Edit]:
    """The bash renderer's edits, when they stay inside the string literal and need no
    escaping there (no quote of its kind, no backslash, no line break in a one-line string)."""
    literal = site.literal
    assert literal is not None
    delimiter = literal.quote[0]
    other = "'" if delimiter == '"' else '"'
    # The bash renderer quotes in the script's style; inside this literal only the other
    # quote character can be written as it is.
    edits = [
        Edit(
            edit.span, _SHELL_QUOTED[delimiter].sub(lambda m: other + m.group(1) + other, edit.text)
        )
        for edit in edits
    ]
    for edit in edits:
        inside = literal.content.start <= edit.span.start <= edit.span.end <= literal.content.end
        triple = len(literal.quote) == 3
        if (
            not inside
            or literal.quote[0] in edit.text
            or ("\\" in edit.text and not (literal.raw and triple))
            or (("\n" in edit.text or "\r" in edit.text) and not triple)
        ):
            raise CannotRender("the change would need escaping inside the Python string")
    return edits
