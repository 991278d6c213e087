"""A training config document as a ``Launch``: its top-level keys are the launch's arguments.

Values are given as the words a command line would carry (``true`` -> ``True``), so the resolver
reads a key exactly as it reads a flag. Where the file's loader and a command line would disagree
the value is ``Unknown``: a quoted ``"false"`` stays a (truthy) string under ``parse_dict``, a
quoted ``"500"`` a string, ``null`` has no flag spelling, and mappings are dict fields kefix does
not read. A YAML merge key (``<<: *base``) brings in keys kefix does not follow: it is opaque.
"""

from __future__ import annotations

from kefix.knowledge.training_args import training_fields
from kefix.model import Arg, ArgStyle, Launch, Span, Unknown
from kefix.sources.config.document import UNCONSTRUCTABLE, Document, Entry, Node, NodeKind
from kefix.sources.config.schema import ConfigFormat

# Field kinds a quoted scalar does not reach as the type the field needs.
_TYPED_KINDS = frozenset({"bool", "bool_value_required", "int", "float"})


def config_launch(path: str, document: Document, config_format: ConfigFormat) -> Launch:
    """The launch a training config stands for; ``launcher`` names its format."""
    args: list[Arg] = []
    opaque: list[Span] = []
    for entry in document.top_entries():
        if entry.key == "<<":
            opaque.append(entry.span)
            continue
        args.append(entry_arg(document.text, entry, config_format))
    return Launch(
        path=path,
        span=document.root.span,
        launcher=config_format.value,
        entry=None,
        entry_kind="config",
        args=tuple(args),
        ordinal=0,
        opaque=tuple(opaque),
    )


def entry_arg(text: str, entry: Entry, config_format: ConfigFormat | None = None) -> Arg:
    """One key of a config as an argument: name, value words and exact spans."""
    node = entry.value
    strict = config_format is ConfigFormat.HF
    if node.kind is NodeKind.SEQUENCE and all(i.kind is NodeKind.SCALAR for i in node.items):
        values = tuple(scalar_word(text, entry.key, item, strict) for item in node.items)
        spans = tuple(item.span for item in node.items)
    elif node.kind is NodeKind.SCALAR:
        values, spans = (scalar_word(text, entry.key, node, strict),), (node.span,)
    else:
        values, spans = (Unknown(text[node.span.start : node.span.end]),), (node.span,)
    return Arg(
        name=entry.key,
        values=values,
        style=ArgStyle.KEY,
        span=entry.span,
        flag_span=entry.key_span,
        value_spans=spans,
    )


def scalar_word(text: str, key: str, node: Node, strict: bool = False) -> str | Unknown:
    """A scalar as the word a command line would carry, or Unknown where the two differ.

    ``strict``: the file goes to ``parse_dict`` as ``yaml.safe_load`` reads it (no type
    conversion), so a string in a number or boolean field stays a string (``1e-4`` is one to
    PyYAML). LLaMA-Factory's OmegaConf reads ``1e-4`` as a float, and TRL converts strings."""
    written = text[node.span.start : node.span.end]
    data = node.data
    if data is UNCONSTRUCTABLE or data is None or node.tag == "custom":
        return Unknown(written or "null")
    if isinstance(data, bool):
        return "True" if data else "False"
    if isinstance(data, int):
        return str(data)
    if isinstance(data, float):
        try:
            float(written)
        except ValueError:
            return str(data)
        return written
    if not isinstance(data, str):
        return Unknown(written)  # a YAML date or binary: no flag reads it
    if (node.style or strict) and _typed_field(key):
        return Unknown(f"{written} (a string)")
    return data


def _typed_field(key: str) -> bool:
    spec = training_fields().get(key)
    return spec is not None and spec.kind in _TYPED_KINDS


def leaf_entries(mapping: Node, prefix: str = "") -> list[tuple[str, Entry]]:
    """Entries of nested mappings by dotted key (``fp16.enabled``), leaves only: lists and
    scalars; a key written twice counts once, as the loaders keep the last."""
    found: dict[str, Entry] = {}
    for entry in mapping.entries:
        dotted = prefix + entry.key
        nested = entry.value.kind is NodeKind.MAPPING and entry.value.entries
        if nested and entry.value.editable:  # an alias is a leaf: no walk through repeats
            for key, leaf in leaf_entries(entry.value, dotted + "."):
                found[key] = leaf
        else:
            found.pop(dotted, None)
            found[dotted] = entry
    return list(found.items())


def deepspeed_launch(path: str, document: Document) -> Launch:
    """A DeepSpeed config as a launch whose arguments are its leaf keys (``fp16.enabled``): it
    has findings only through the launches that pass it (``EffectiveConfig.deepspeed_users``),
    and its fixes set those keys to ``"auto"``."""
    args = []
    for dotted, entry in leaf_entries(document.root):
        arg = entry_arg(document.text, entry)
        args.append(Arg(dotted, arg.values, arg.style, arg.span, arg.flag_span, arg.value_spans))
    return Launch(
        path=path,
        span=document.root.span,
        launcher="deepspeed-config",
        entry=None,
        entry_kind="deepspeed",
        args=tuple(args),
        ordinal=0,
    )
