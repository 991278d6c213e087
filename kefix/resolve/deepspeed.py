"""The DeepSpeed config a launch passes (``--deepspeed ds.json``, ``deepspeed: ds.json`` in a
training YAML, or an inline JSON string), read into dotted leaf keys for the DeepSpeed rules.

The file is found like a config file (relative to where the launch runs) and read as
``json.load`` reads it, which is how transformers' DeepSpeed integration reads it.
"""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from kefix.model import DeepSpeedConfig, FieldValue, Launch, LineIndex
from kefix.paths import display_path
from kefix.resolve import filesystem
from kefix.resolve.entry_script import locate_relative


def read_deepspeed(
    value: FieldValue, launch: Launch, script: Path, roots: list[Path]
) -> tuple[Path | None, DeepSpeedConfig | None]:
    """The file the ``deepspeed`` value names (if any) and the config read from it; None for a
    value kefix cannot read (unknown, missing file, not JSON)."""
    if not isinstance(value, str) or not value.strip():
        return None, None
    if value.lstrip().startswith("{"):
        return None, deepspeed_from_text(None, value)
    path = locate_relative(value, launch, script, roots)
    if path is None:
        return None, None
    try:
        text = filesystem.read_text(path)
    except OSError:
        return path, None
    config = deepspeed_from_text(display_path(path), text)
    return path, None if config is None else replace(config, written=value)


def deepspeed_from_text(display: str | None, text: str) -> DeepSpeedConfig | None:
    """A DeepSpeed config's JSON text as dotted leaf values; None when it is not a JSON object."""
    from kefix.sources.config.document import ConfigSyntaxError, NodeKind
    from kefix.sources.config.json_reader import read_json

    try:
        document = read_json(text)
    except ConfigSyntaxError:
        return None
    if document.root.kind is not NodeKind.MAPPING:
        return None
    from kefix.sources.config.launches import leaf_entries

    lines = LineIndex.of(text)
    values: dict[str, object] = {}
    where: dict[str, int] = {}
    for dotted, entry in leaf_entries(document.root):
        values[dotted] = entry.value.data
        where[dotted] = lines.location(entry.value.span.start).line
    return DeepSpeedConfig(display, values, where)
