"""After a fix: the config reads as the same data everywhere but in the keys the fix names.

Edits are splices, so the bytes around them are the old ones; this checks the meaning: the new
text parses, as one document, and every key the fix does not name has the same value, in the
same order, nested values included.
"""

from __future__ import annotations

from collections.abc import Sequence

from kefix.model import Intent, RemoveArg, RenameArg, SetArg
from kefix.resolve import training_field_name
from kefix.sources.config.document import ConfigSyntaxError, Document, NodeKind


def data_difference(
    before: Document, read_after: object, intents: Sequence[Intent], extra: frozenset[str]
) -> str:
    """Why the document after the fix differs from ``before`` beyond the intents' keys."""
    if isinstance(read_after, ConfigSyntaxError):
        return f"the fixed file does not parse: {read_after}"
    if not isinstance(read_after, Document):
        return "the fixed file is not one document any more"
    touched = set(extra)
    for intent in intents:
        if isinstance(intent, SetArg | RemoveArg):
            touched.add(intent.name)
        elif isinstance(intent, RenameArg):
            touched.update((intent.old, intent.new))
    old = _untouched(before, touched)
    new = _untouched(read_after, touched)
    if old != new:
        changed = next((k for k, v in old if (k, v) not in new), next((k for k, _ in new), "a key"))
        return f"the fix would change {changed}, which it does not target"
    return ""


def _untouched(document: Document, touched: set[str]) -> list[tuple[str, object]]:
    """Leaf values by dotted key (``fp16.enabled``), but those the fix names (by dotted key,
    by a top-level key, or by a TrainingArguments field the key spells)."""
    from kefix.sources.config.launches import leaf_entries

    def named(dotted: str) -> bool:
        top = dotted.split(".")[0]
        return dotted in touched or top in touched or training_field_name(top) in touched

    if document.root.kind is not NodeKind.MAPPING:
        return [("", document.root.data)]
    return [(k, e.value.data) for k, e in leaf_entries(document.root) if not named(k)]
