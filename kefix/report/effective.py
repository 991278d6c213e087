"""``--show-launches`` and ``--show-config``: what kefix resolved, and where every value came from.

Both views are built as plain data first (the ``--format json`` output, schema below) and the
text is rendered from that data, so the two formats can never disagree; findings use the same
``Origin.describe()`` text.

Schema of ``--show-launches --format json``::

    {"transformers": ["5.25.0"], "launches": [{
        "file": str, "line": int, "launcher": str, "entry": str | null,
        "entry_kind": "script" | "module" | "cli" | "config" | "deepspeed",
        "entry_path": str | null,
        "checked": bool, "reason": str,
        "dataclasses": [{"name": str, "file": str, "line": int, "training_base": str | null}],
        "config_files": [str], "notes": [str]}]}

Schema of ``--show-config --format json``: the same launch objects (checked ones only), each with
``"values": [{"name": str, "value": <JSON value> | null, "unknown": str | null,
"layer": str, "file": str | null, "line": int | null, "origin": str,
"overrides": [{"value", "unknown", "layer", "file", "line", "origin"}]}]``; ``unknown`` holds the
expression that made a value unknown (then ``value`` is null).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kefix.analyze import FileAnalysis
from kefix.knowledge.training_args import transformers_version
from kefix.model import FieldValue, Layer, LineIndex, ResolvedValue, Unknown
from kefix.paths import display_path
from kefix.resolve import Resolution

Record = dict[str, Any]


def launch_records(analyses: Iterable[FileAnalysis], line: int | None = None) -> list[Record]:
    """One record per launch (at ``line`` only, when given), in file order."""
    records = []
    for analysis in analyses:
        lines = LineIndex.of(analysis.text)
        for resolution in analysis.resolutions:
            first = lines.location(resolution.launch.span.start).line
            last = lines.location(max(resolution.launch.span.end - 1, 0)).line
            if line is not None and not first <= line <= last:
                continue
            records.append(_launch_record(analysis.display, first, resolution))
    return records


def _launch_record(display: str, line: int, resolution: Resolution) -> Record:
    launch = resolution.launch
    spec = resolution.spec
    return {
        "file": display,
        "line": line,
        "launcher": launch.launcher,
        "entry": launch.entry,
        "entry_kind": launch.entry_kind,
        "entry_path": None
        if resolution.entry_path is None
        else display_path(resolution.entry_path),
        "checked": resolution.config is not None,
        "reason": resolution.reason,
        "dataclasses": [
            {
                "name": dataclass.name,
                "file": display_path(dataclass.path),
                "line": dataclass.line,
                "training_base": dataclass.training_base,
            }
            for dataclass in (spec.dataclasses if spec is not None else ())
        ],
        "config_files": [
            named.display if named.path is not None else f"{named.ref.path} (not found)"
            for named in resolution.named_configs
        ],
        "notes": list(resolution.config.notes if resolution.config else spec.notes if spec else ()),
        "values": _value_records(resolution),
    }


def _value_records(resolution: Resolution) -> list[Record]:
    config = resolution.config
    if config is None:
        return []
    shown = {
        name
        for name, resolved in config.values.items()
        if resolved.origin.layer is not Layer.TRANSFORMERS_DEFAULT
    } | (config.read & set(config.values))
    return [_value_record(config.values[name]) for name in sorted(shown)]


def _value_record(resolved: ResolvedValue) -> Record:
    record = _layer_record(resolved)
    record["name"] = resolved.name
    record["overrides"] = [_layer_record(previous) for previous in resolved.overrides]
    return record


def _layer_record(resolved: ResolvedValue) -> Record:
    value = resolved.value
    return {
        "value": None if isinstance(value, Unknown) else _json_value(value),
        "unknown": value.expression if isinstance(value, Unknown) else None,
        "layer": resolved.origin.layer.value,
        "file": resolved.origin.path,
        "line": resolved.origin.line,
        "origin": resolved.origin.describe(),
    }


def _json_value(value: FieldValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def json_document(records: Sequence[Record], *, with_values: bool) -> Record:
    launches = [
        record if with_values else {k: v for k, v in record.items() if k != "values"}
        for record in records
        if record["checked"] or not with_values
    ]
    return {"transformers": [transformers_version()], "launches": launches}


# ----------------------------------------------------------------------------- text


def launches_text(records: Sequence[Record]) -> str:
    if not records:
        return "No launches found."
    blocks = []
    for record in records:
        lines = [f"{record['file']}:{record['line']}: {_launch_title(record)}"]
        if record["entry_path"]:
            lines.append(f"  entry: {record['entry_path']}")
        if record["dataclasses"]:
            names = ", ".join(_dataclass_text(d) for d in record["dataclasses"])
            lines.append(f"  parser: {names}")
        lines.append("  config files: " + (", ".join(record["config_files"]) or "none"))
        lines.append(f"  transformers: {transformers_version()} (newest release kefix knows)")
        if record["checked"]:
            status = "checked" + (
                f" with transformers defaults: {record['reason']}" if record["reason"] else ""
            )
        else:
            status = f"not checked: {record['reason']}"
        lines.append(f"  status: {status}")
        lines.extend(f"  note: {note}" for note in record["notes"] if note != record["reason"])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _launch_title(record: Record) -> str:
    if record["entry_kind"] == "cli":
        return str(record["launcher"])
    if record["entry_kind"] in ("config", "deepspeed"):
        return f"{record['launcher']} config file"
    entry = record["entry"] or "(entry script not static)"
    return f"{record['launcher']} {'-m ' if record['entry_kind'] == 'module' else ''}{entry}"


def _dataclass_text(dataclass: Record) -> str:
    where = f"{dataclass['file']}:{dataclass['line']}"
    base = f", a {dataclass['training_base']}" if dataclass["training_base"] else ""
    return f"{dataclass['name']} ({where}{base})"


def config_text(records: Sequence[Record], where: str) -> str:
    checked = [record for record in records if record["checked"]]
    if not checked:
        unchecked = "; ".join(f"{r['file']}:{r['line']}: {r['reason']}" for r in records)
        return f"No Trainer launch at {where}." + (f" ({unchecked})" if unchecked else "")
    blocks = []
    for record in checked:
        lines = [f"{record['file']}:{record['line']}: {_launch_title(record)}"]
        lines.extend(f"  note: {note}" for note in record["notes"])
        lines.extend(f"  {_value_line(value)}" for value in record["values"])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _value_line(value: Record) -> str:
    text = f"{value['name']} = {_shown(value)} ({value['origin']}"
    for previous in value["overrides"]:
        # Every set value overrides a transformers default; only other layers are news.
        if previous["layer"] != Layer.TRANSFORMERS_DEFAULT.value:
            text += f"; overrides {previous['origin']}: {_shown(previous)}"
    return text + ")"


def _shown(layer: Record) -> str:
    if layer["unknown"] is not None:
        return f"<unknown: {layer['unknown']}>"
    value = layer["value"]
    return repr(value) if isinstance(value, (str, list)) else f"{value}"
