"""Fix operations as splices of a config's text, written in the file's own style.

A new key copies its neighbours: the same indentation and line ending in a block mapping, the
same separators (``,\\n    ``, ``": "``) in a flow mapping or JSON object, the key quoting of the
key it follows. A value keeps the quote style of the value it replaces; a string that YAML would
read as something else (``no`` is False in YAML 1.1) is quoted. Nothing else is touched.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from kefix.knowledge.training_args import training_fields
from kefix.model import Edit, Span
from kefix.sources import CannotRender
from kefix.sources.config.document import Document, Entry, Node, NodeKind

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
_NUMBER_KINDS = frozenset({"int", "float"})
_BOOL_KINDS = frozenset({"bool", "bool_value_required"})


def value_text(document: Document, name: str, value: str | bool, replacing: Node | None) -> str:
    """``value`` for field ``name`` as this document writes values of that kind."""
    spec = training_fields().get(name)
    kind = "" if spec is None else spec.kind
    if isinstance(value, bool) or (kind in _BOOL_KINDS and value.lower() in ("true", "false")):
        truth = value if isinstance(value, bool) else value.lower() == "true"
        return _bool_word(document, truth)
    if kind in _NUMBER_KINDS and _JSON_NUMBER.fullmatch(value):
        return _yaml_float(value) if document.syntax == "yaml" and kind == "float" else value
    if document.syntax == "json":
        return json.dumps(value, ensure_ascii=False)
    quote = replacing.style if replacing is not None and replacing.style in ("'", '"') else ""
    if not quote and (not _plain_is_string(value) or _quotes_strings(document)):
        quote = _preferred_quote(document)
    if quote == "'":
        return "'" + value.replace("'", "''") + "'"
    if quote == '"':
        return json.dumps(value, ensure_ascii=False)
    return value


def _yaml_float(value: str) -> str:
    """``2e-5`` is a string to PyYAML (it wants a dot): write ``2.0e-5``."""
    mantissa, e, exponent = value.lower().partition("e")
    if e and "." not in mantissa:
        return f"{mantissa}.0e{exponent}"
    return value


def _plain_is_string(value: str) -> bool:
    import yaml

    if not _PLAIN_SAFE.fullmatch(value):
        return False
    resolver: Any = yaml.resolver.Resolver()
    return bool(resolver.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str")


def _scalars(node: Node) -> list[Node]:
    if node.kind is NodeKind.SCALAR:
        return [node]
    if not node.editable:
        return []  # an alias (or anchored collection): walking repeats could grow exponentially
    found: list[Node] = []
    for child in (*node.items, *(entry.value for entry in node.entries)):
        found.extend(_scalars(child))
    return found


def _string_styles(document: Document) -> Counter[str]:
    return Counter(
        node.style
        for node in _scalars(document.root)
        if isinstance(node.data, str) and node.style in ("", "'", '"')
    )


def _quotes_strings(document: Document) -> bool:
    styles = _string_styles(document)
    return styles["'"] + styles['"'] > styles[""]


def _preferred_quote(document: Document) -> str:
    styles = _string_styles(document)
    return "'" if styles["'"] > styles['"'] else '"'


def _bool_word(document: Document, truth: bool) -> str:
    if document.syntax == "json":
        return "true" if truth else "false"
    for node in _scalars(document.root):
        if isinstance(node.data, bool) and node.style == "":
            written = document.text[node.span.start : node.span.end]
            if written.istitle():
                return "True" if truth else "False"
            break
    return "true" if truth else "false"


def key_text(document: Document, name: str, like: Entry | None) -> str:
    style = '"' if document.syntax == "json" else (like.key_style if like is not None else "")
    if style == '"':
        return json.dumps(name)
    if style == "'":
        return f"'{name}'"
    return name


def entry_at(document: Document, span: Span) -> tuple[Entry, Node]:
    """The entry of the document whose key starts at ``span`` and the mapping holding it."""

    def search(node: Node) -> tuple[Entry, Node] | None:
        for entry in node.entries:
            if entry.key_span.start == span.start:
                return entry, node
            if entry.value.span.start <= span.start < entry.value.span.end:
                return search(entry.value)
        for item in node.items:
            if item.span.start <= span.start < item.span.end:
                return search(item)
        return None

    found = search(document.root)
    if found is None:
        raise CannotRender("the key is not in the file any more")
    return found


def set_value(document: Document, entry: Entry, name: str, value: str | bool) -> list[Edit]:
    """Give ``entry`` the value ``value`` (as field ``name`` reads it)."""
    node = entry.value
    if not node.editable:
        raise CannotRender(f"{entry.key} has an anchor, alias or tag; kefix leaves it alone")
    text = value_text(document, name, value, node if node.kind is NodeKind.SCALAR else None)
    if node.kind is NodeKind.SCALAR and node.span.start < node.span.end:
        return [Edit(node.span, text)]
    # An empty value (``key:``) or a block collection: the new value follows the colon.
    colon = document.text.find(":", entry.key_span.end)
    if colon == -1 or colon >= max(node.span.end, node.span.start + 1):
        raise CannotRender(f"cannot find the colon after {entry.key}")
    return [Edit(Span(colon + 1, max(node.span.end, colon + 1)), " " + text)]


def rename_key(document: Document, entry: Entry, new_name: str) -> list[Edit]:
    return [Edit(entry.key_span, key_text(document, new_name, entry))]


def insert_entry(
    document: Document,
    mapping: Node,
    anchor: Entry | None,
    name: str,
    value: str | bool,
) -> list[Edit]:
    """Add ``name: value`` to ``mapping`` after ``anchor`` (else after its last entry)."""
    if anchor is None:
        if not mapping.entries:
            raise CannotRender("the mapping has no key to place the new one by")
        anchor = mapping.entries[-1]
    rendered_value = value_text(document, name, value, None)
    key = key_text(document, name, anchor)
    text = document.text
    if mapping.style == "block":
        line_start = text.rfind("\n", 0, anchor.key_span.start) + 1
        indent = text[line_start : anchor.key_span.start]
        if indent.strip(" "):
            raise CannotRender("the key does not start its line")
        line_end = text.find("\n", anchor.value.span.end)
        newline = "\r\n" if line_end > 0 and text[line_end - 1] == "\r" else "\n"
        if line_end == -1:
            return [Edit(Span(len(text), len(text)), f"{newline}{indent}{key}: {rendered_value}")]
        at = line_end - 1 if newline == "\r\n" else line_end
        return [Edit(Span(at, at), f"{newline}{indent}{key}: {rendered_value}")]
    separator = _flow_separator(text, mapping, anchor)
    colon = text[anchor.key_span.end : anchor.value.span.start]
    at = anchor.value.span.end
    return [Edit(Span(at, at), f"{separator}{key}{colon}{rendered_value}")]


def _flow_separator(text: str, mapping: Node, anchor: Entry) -> str:
    """What the mapping writes between one entry's value and the next key (``,\\n  ``)."""
    entries = mapping.entries
    index = entries.index(anchor)
    pairs = [(entries[i], entries[i + 1]) for i in range(len(entries) - 1)]
    ordered = pairs[index:] + pairs[:index]
    for before, after in ordered:
        return text[before.value.span.end : after.key_span.start]
    line_start = text.rfind("\n", 0, anchor.key_span.start) + 1
    if line_start > mapping.span.start:
        indent = text[line_start : anchor.key_span.start]
        newline = "\r\n" if text[line_start - 2 : line_start] == "\r\n" else "\n"
        return "," + newline + indent
    return ", "


def remove_entry(document: Document, mapping: Node, entry: Entry) -> list[Edit]:
    """Delete ``entry``: its whole lines in a block mapping, the entry and one separator in a
    flow mapping."""
    text = document.text
    if mapping.style == "block":
        start = text.rfind("\n", 0, entry.key_span.start) + 1
        if text[start : entry.key_span.start].strip(" "):
            raise CannotRender("the key does not start its line")
        end = text.find("\n", entry.value.span.end)
        end = len(text) if end == -1 else end + 1
        if end == len(text) and start > 0 and not text.endswith("\n"):
            start -= 2 if text[start - 2 : start] == "\r\n" else 1
        return [Edit(Span(start, end), "")]
    entries = mapping.entries
    index = entries.index(entry)
    if index + 1 < len(entries):
        return [Edit(Span(entry.key_span.start, entries[index + 1].key_span.start), "")]
    if index > 0:
        return [Edit(Span(entries[index - 1].value.span.end, entry.value.span.end), "")]
    return [Edit(Span(entry.key_span.start, entry.value.span.end), "")]
