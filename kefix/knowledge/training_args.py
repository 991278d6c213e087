"""TrainingArguments fields and how HfArgumentParser reads their flags, from generated data.

The data (``training_args.json``) is produced by ``scripts/generate_training_args.py`` from the real
parser, so kefix knows every flag without importing transformers at check time. This module adds
the conversion semantics of argparse and transformers' ``string_to_bool`` on top of that data.

Kinds: ``bool`` (bare flag = True), ``bool_value_required`` (Optional[bool] without default: a value
is required), ``int``, ``float``, ``str``, ``choice`` (exact, case-sensitive), ``list``
(``nargs='+'``), ``dict_or_str`` (dict fields that the CLI reads as one string), ``dict`` (argparse
calls ``dict(word)``: only an empty word parses) and ``unparseable`` (a ``typing.Any`` field: every
value fails).
"""

from __future__ import annotations

import argparse
import functools
import json
import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from kefix.model import FieldValue, Scalar, Unknown

_DATA_FILE = "training_args.json"

# argparse treats a word after a flag as the start of another option unless it looks like a
# negative number; the rule is argparse's own and differs between Python releases.
_NEGATIVE_NUMBER = argparse.ArgumentParser(add_help=False)._negative_number_matcher

_TRUE_WORDS = ("yes", "true", "t", "y", "1")
_FALSE_WORDS = ("no", "false", "f", "n", "0")


class InvalidFlagValue(ValueError):
    """The words after a flag are rejected by HfArgumentParser; the message is the one it prints."""


@dataclass(frozen=True)
class FieldSpec:
    """One TrainingArguments field as HfArgumentParser exposes it on the command line.

    ``default`` is the dataclass default; ``parser_default`` is what the parser passes when the
    flag is absent (argparse runs string defaults through ``type``, e.g. ``'no'`` -> ``False``).
    ``bare_value`` says a bare flag is accepted and means True. For ``list`` fields, ``element``
    is ``"str"`` or ``"enum"`` (then ``choices`` are the enum values). ``type_name`` is the argparse
    type named in ``invalid <type> value`` messages where that is not the kind itself.
    """

    name: str
    kind: str
    default: Scalar | tuple[str, ...]
    choices: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    seq2seq_only: bool = False
    bare_value: bool = False
    element: str = ""
    type_name: str = ""
    parser_default: Scalar | tuple[str, ...] = None


@dataclass(frozen=True)
class _Knowledge:
    version: str
    fields: Mapping[str, FieldSpec]


def _plain(value: Any) -> Scalar | tuple[str, ...]:
    """A JSON default as a FieldSpec default: lists become tuples so specs stay hashable."""
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"unexpected default {value!r} in {_DATA_FILE}")


def _spec(name: str, entry: Mapping[str, Any]) -> FieldSpec:
    default = _plain(entry["default"])
    return FieldSpec(
        name=name,
        kind=entry["kind"],
        default=default,
        choices=tuple(entry.get("choices", ())),
        options=tuple(entry["options"]),
        negations=tuple(entry.get("negations", ())),
        seq2seq_only=bool(entry.get("seq2seq_only", False)),
        bare_value=bool(entry.get("bare_value", False)),
        element=entry.get("element", ""),
        type_name=entry.get("type", ""),
        parser_default=_plain(entry["parser_default"]) if "parser_default" in entry else default,
    )


@functools.lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    document = json.loads(text)
    fields = {name: _spec(name, entry) for name, entry in document["fields"].items()}
    return _Knowledge(document["transformers"], MappingProxyType(fields))


def transformers_version() -> str:
    """The transformers release the field data was generated from."""
    return _knowledge().version


@functools.lru_cache(maxsize=2)
def training_fields(seq2seq: bool = True) -> Mapping[str, FieldSpec]:
    """Fields by name; ``seq2seq`` adds Seq2SeqTrainingArguments' own fields (a superset)."""
    fields = _knowledge().fields
    if seq2seq:
        return fields
    return MappingProxyType({name: spec for name, spec in fields.items() if not spec.seq2seq_only})


@functools.lru_cache(maxsize=2)
def _option_index(seq2seq: bool) -> Mapping[str, tuple[FieldSpec, bool]]:
    index: dict[str, tuple[FieldSpec, bool]] = {}
    for spec in training_fields(seq2seq).values():
        index.update(dict.fromkeys(spec.options, (spec, False)))
        index.update(dict.fromkeys(spec.negations, (spec, True)))
    return MappingProxyType(index)


def field_for_option(option: str, seq2seq: bool = True) -> tuple[FieldSpec, bool] | None:
    """The field an exact option string sets, and whether it is the ``--no_x`` negation.

    ``'--eval-strategy'`` -> (eval_strategy, False); ``'--no_remove_unused_columns'`` ->
    (remove_unused_columns, True). Abbreviations are not expanded here.
    """
    return _option_index(seq2seq).get(option)


def _is_option_like(word: str) -> bool:
    """Whether argparse would read ``word`` as another option rather than as a value."""
    if len(word) < 2 or not word.startswith("-") or " " in word:
        return False
    return not _NEGATIVE_NUMBER.match(word)


def _unused(words: Sequence[str]) -> InvalidFlagValue:
    return InvalidFlagValue(
        f"Some specified arguments are not used by the HfArgumentParser: {list(words)!r}"
    )


def _string_to_bool(word: str) -> bool:
    if word.lower() in _TRUE_WORDS:
        return True
    if word.lower() in _FALSE_WORDS:
        return False
    raise InvalidFlagValue(
        f"Truthy value expected: got {word} but expected one of yes/no, true/false, t/f, y/n, "
        "1/0 (case insensitive)."
    )


def _invalid(type_name: str, word: str) -> InvalidFlagValue:
    return InvalidFlagValue(f"invalid {type_name} value: {word!r}")


def _convert_word(spec: FieldSpec, word: str) -> FieldValue:
    kind = spec.kind
    if kind in ("bool", "bool_value_required"):
        return _string_to_bool(word)
    if kind == "int":
        try:
            return int(word)
        except ValueError:
            raise _invalid("int", word) from None
    if kind == "float":
        try:
            return float(word)
        except ValueError:
            raise _invalid("float", word) from None
    if kind == "choice":
        if word not in spec.choices:
            choices = ", ".join(repr(choice) for choice in spec.choices)
            raise InvalidFlagValue(f"invalid choice: {word!r} (choose from {choices})")
        return word
    if kind in ("str", "dict_or_str"):
        # A Path-typed field normalises the text ('a//b/' -> 'a/b') without touching the disk.
        return str(pathlib.PurePath(word)) if spec.type_name == "Path" else word
    if kind == "dict" and not word:
        # dict(word) iterates characters, so only the empty word parses, to an empty dict.
        return Unknown("{}")
    raise _invalid(spec.type_name or kind, word)


def _convert_element(spec: FieldSpec, word: str) -> str:
    if spec.element == "enum" and word not in spec.choices:
        raise _invalid(spec.type_name, word)
    return word


def _consumed(spec: FieldSpec, words: Sequence[str], attached: bool) -> int:
    """How many of ``words`` argparse gives the flag itself; the rest are left over."""
    if attached:
        return 1
    limit = len(words)
    for position, word in enumerate(words):
        if _is_option_like(word):
            limit = position
            break
    return limit if spec.kind == "list" else min(limit, 1)


def convert_value(
    spec: FieldSpec, words: Sequence[str], *, negated: bool = False, attached: bool = False
) -> FieldValue:
    """The value HfArgumentParser gives ``spec`` for the words written after its flag.

    ``negated`` is for the ``--no_x`` spelling; ``attached`` says the first word was written as
    ``--flag=word``, which argparse takes even when it looks like an option. Raises
    ``InvalidFlagValue`` with the text argparse or transformers would print. Words the flag does
    not consume fail as unused arguments, but only after the flag's own value passed: argparse
    converts while it parses and transformers checks leftovers at the end.
    """
    if negated:
        if attached and words:
            raise InvalidFlagValue(f"ignored explicit argument {words[0]!r}")
        if words:
            raise _unused(words)
        return False
    count = _consumed(spec, words, attached) if words else 0
    own, rest = words[:count], words[count:]
    value: FieldValue
    if spec.kind == "list":
        if not own:
            raise InvalidFlagValue("expected at least one argument")
        value = tuple(_convert_element(spec, word) for word in own)
    elif own:
        value = _convert_word(spec, own[0])
    elif spec.bare_value:
        value = True
    else:
        raise InvalidFlagValue("expected one argument")
    if rest:
        raise _unused(rest)
    return value


def format_value(spec: FieldSpec, value: str | bool) -> str:
    """Text a fix writes after the flag: bools as ``True``/``False``, as string_to_bool reads."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return value
