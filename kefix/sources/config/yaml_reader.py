"""An exact YAML reader: PyYAML's composer gives every node its start and end offsets.

``yaml.compose`` stops before constructing Python objects, so each key and value keeps the
marks of where it is written; scalars are then constructed the way ``yaml.safe_load`` (used by
HfArgumentParser's ``parse_yaml_file`` and TRL) constructs them. PyYAML is imported here only,
when a YAML file is read.
"""

from __future__ import annotations

from typing import Any

import yaml
from msgspec.structs import replace
from yaml.constructor import ConstructorError, SafeConstructor

from kefix.model import Span
from kefix.sources.config.document import (
    UNCONSTRUCTABLE,
    ConfigSyntaxError,
    Document,
    Entry,
    Node,
    NodeKind,
)

_YAML_TAG = "tag:yaml.org,2002:"
# libyaml's composer, when PyYAML was built with it, is ~20x faster and gives the same
# character offsets (marks count characters, not bytes, in both). It reads UTF-8 only: text
# with undecodable bytes (kept as lone surrogates) goes through PyYAML's own composer.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_all(text: str) -> list[yaml.Node | None]:
    try:
        return list(yaml.compose_all(text, Loader=_FAST_LOADER))
    except UnicodeEncodeError:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def read_yaml(text: str) -> list[Document]:
    """The documents in ``text`` (usually one); raises ``ConfigSyntaxError`` for invalid YAML."""
    try:
        roots = _compose_all(text)
        converter = _Converter(text)
        return [Document(text, "yaml", converter.node(root)) for root in roots if root is not None]
    except RecursionError:
        raise ConfigSyntaxError("invalid YAML: nested too deeply", 0) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigSyntaxError(_one_line(error), 0 if mark is None else mark.index) from None
    except yaml.YAMLError as error:  # ReaderError (a control character) and the like
        position = getattr(error, "position", 0)
        raise ConfigSyntaxError(_one_line(error), position) from None


def _one_line(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"invalid YAML: {problem}"


class _Converter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.constructor = SafeConstructor()
        self.converted: dict[int, Node] = {}

    def node(self, source: yaml.Node) -> Node:
        # An alias is the anchored node itself: converted once (aliases of aliases would grow
        # exponentially otherwise: "billion laughs"), and never edited through the alias.
        if id(source) in self.converted:
            return replace(self.converted[id(source)], editable=False)
        converted = self._node(source)
        self.converted[id(source)] = converted
        return converted

    def _node(self, source: yaml.Node) -> Node:
        tag = source.tag[len(_YAML_TAG) :] if source.tag.startswith(_YAML_TAG) else "custom"
        start, end = source.start_mark.index, source.end_mark.index
        # An anchor (``&a``) or tag (``!!str``) is inside the span: a splice would drop it.
        decorated = tag == "custom" or self.text[start : start + 1] in ("&", "!")
        editable = not decorated
        if isinstance(source, yaml.ScalarNode):
            style = source.style or ""
            return Node(
                NodeKind.SCALAR,
                Span(start, end),
                self.scalar_data(source),
                style,
                tag,
                editable=editable and style in ("", "'", '"'),
            )
        flow = "flow" if getattr(source, "flow_style", False) else "block"
        if isinstance(source, yaml.SequenceNode):
            items = tuple(self.node(item) for item in source.value)
            span = Span(start, end if flow == "flow" or not items else items[-1].span.end)
            data: Any = [item.data for item in items]
            return Node(NodeKind.SEQUENCE, span, data, flow, tag, items=items, editable=editable)
        entries = tuple(self.entry(key, value) for key, value in source.value)
        span = Span(start, end if flow == "flow" or not entries else entries[-1].value.span.end)
        # As safe_load builds it: ``on:`` is the key True (entries name it "True").
        data = {
            _hashable(self.scalar_data(key) if isinstance(key, yaml.ScalarNode) else entry.key): (
                entry.value.data
            )
            for (key, _), entry in zip(source.value, entries, strict=True)
        }
        return Node(NodeKind.MAPPING, span, data, flow, tag, entries=entries, editable=editable)

    def entry(self, key: yaml.Node, value: yaml.Node) -> Entry:
        key_node = self.node(key)
        name = key_node.data if isinstance(key_node.data, str) else str(key_node.data)
        if key_node.tag == "merge":
            name = "<<"
        return Entry(name, key_node.span, key_node.style, self.node(value))

    def scalar_data(self, source: yaml.ScalarNode) -> object:
        try:
            return self.constructor.construct_object(source, deep=True)
        except ConstructorError:
            return UNCONSTRUCTABLE


def _hashable(key: object) -> object:
    try:
        hash(key)
    except TypeError:
        return str(key)
    return key
