"""Regenerate kefix/knowledge/training_args.json from the installed transformers.

kefix never imports transformers at check time, so how ``HfArgumentParser`` reads each
TrainingArguments field is frozen here as data, read off the real parser's argparse actions.

    python scripts/generate_training_args.py [OUTPUT]

OUTPUT defaults to kefix/knowledge/training_args.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import pathlib
import sys
import typing
from typing import Any

DEFAULT_OUTPUT = (
    pathlib.Path(__file__).resolve().parent.parent / "kefix/knowledge/training_args.json"
)


def _jsonable(value: Any) -> Any:
    """A default as plain JSON: enum members by value, sequences as lists."""
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"default {value!r} has no JSON form")


def _dataclass_default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def _mentions_dict(annotation: Any) -> bool:
    """True for annotations such as ``dict | str | None`` whose dict form argparse cannot parse."""
    if annotation is dict or typing.get_origin(annotation) is dict:
        return True
    return any(_mentions_dict(arg) for arg in typing.get_args(annotation))


def _type_name(action: argparse.Action) -> str:
    # argparse names the type this way in "invalid <type> value" messages.
    return str(getattr(action.type, "__name__", repr(action.type)))


def _describe(action: argparse.Action, annotation: Any) -> dict[str, Any]:
    """The kind of one field's main action, with the extras its kind needs."""
    from transformers.hf_argparser import string_to_bool

    entry: dict[str, Any] = {}
    if action.nargs == "?":
        if action.const is not True:
            raise ValueError(f"{action.dest}: nargs='?' with const {action.const!r}")
        entry["bare_value"] = True
    if action.type is string_to_bool:
        entry["kind"] = "bool" if action.nargs == "?" else "bool_value_required"
    elif action.nargs == "+":
        entry["kind"] = "list"
        element = action.type
        if isinstance(element, type) and issubclass(element, enum.Enum):
            entry["element"] = "enum"
            entry["choices"] = [str(member.value) for member in element]
            entry["type"] = element.__name__
        elif element is str:
            entry["element"] = "str"
        else:
            raise ValueError(f"{action.dest}: list of {element!r}")
    elif action.choices is not None:
        choices = list(action.choices)
        if not all(isinstance(choice, str) for choice in choices):
            raise ValueError(f"{action.dest}: non-str choices {choices!r}")
        entry["kind"] = "choice"
        entry["choices"] = choices
    elif action.type is int:
        entry["kind"] = "int"
    elif action.type is float:
        entry["kind"] = "float"
    elif action.type is str or action.type is pathlib.Path:
        entry["kind"] = "dict_or_str" if _mentions_dict(annotation) else "str"
        if action.type is pathlib.Path:
            entry["type"] = "Path"
    elif action.type is dict or typing.get_origin(action.type) is dict:
        entry["kind"] = "dict"
        entry["type"] = _type_name(action)
    elif action.type is typing.Any:
        entry["kind"] = "unparseable"
        entry["type"] = _type_name(action)
    else:
        raise ValueError(f"{action.dest}: unclassified argparse type {action.type!r}")
    return entry


def describe_fields(dataclass_type: type) -> dict[str, dict[str, Any]]:
    """Every init field of ``dataclass_type`` as HfArgumentParser builds its flags."""
    from transformers import HfArgumentParser

    # Read annotations first: HfArgumentParser overwrites ``field.type`` while it builds flags.
    hints = typing.get_type_hints(dataclass_type)
    parser = HfArgumentParser(dataclass_type)
    # No flag given: argparse's own defaults (it runs string defaults through ``type``).
    absent = vars(parser.parse_known_args([])[0])
    main_actions: dict[str, argparse.Action] = {}
    negations: dict[str, list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._StoreFalseAction):
            negations[action.dest] = list(action.option_strings)
        elif action.dest in main_actions:
            raise ValueError(f"two flags store {action.dest}")
        else:
            main_actions[action.dest] = action

    fields: dict[str, dict[str, Any]] = {}
    for field in dataclasses.fields(dataclass_type):
        if not field.init:
            continue
        action = main_actions.pop(field.name)
        entry = _describe(action, hints[field.name])
        entry["options"] = list(action.option_strings)
        if field.name in negations:
            entry["negations"] = negations.pop(field.name)
        default = _jsonable(_dataclass_default(field))
        entry["default"] = default
        parser_default = _jsonable(absent[field.name])
        if parser_default != default or type(parser_default) is not type(default):
            entry["parser_default"] = parser_default
        fields[field.name] = entry
    if main_actions or negations:
        raise ValueError(f"flags without a field: {sorted(main_actions) + sorted(negations)}")
    return fields


def build() -> dict[str, Any]:
    """The whole knowledge document for the installed transformers."""
    import transformers
    from transformers import Seq2SeqTrainingArguments, TrainingArguments

    base = describe_fields(TrainingArguments)
    seq2seq = describe_fields(Seq2SeqTrainingArguments)
    for name, entry in base.items():
        if seq2seq.get(name) != entry:
            raise ValueError(f"{name} is read differently by the Seq2Seq parser")
    for name, entry in seq2seq.items():
        if name not in base:
            entry["seq2seq_only"] = True
    return {"transformers": transformers.__version__, "fields": seq2seq}


def render(document: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, one field per line, so diffs between releases stay small."""
    lines = ["{", f'  "transformers": {json.dumps(document["transformers"])},', '  "fields": {']
    names = sorted(document["fields"])
    for index, name in enumerate(names):
        entry = json.dumps(document["fields"][name], sort_keys=True)
        comma = "," if index < len(names) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {entry}{comma}")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    output = pathlib.Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.write_text(render(build()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
