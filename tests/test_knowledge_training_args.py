"""Oracle tests: kefix's TrainingArguments flag data and conversions agree with the real parser.

Every expectation here comes from the installed transformers (HfArgumentParser and the dataclass
fields), never from kefix's own output. The data covers many releases; these tests read the
segment for the installed release and are skipped when kefix has no data for exactly that one.
Other releases are checked by ``scripts/oracle_matrix.py`` (and spot checks in
test_knowledge_versions.py).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import io
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from kefix.knowledge import training_args as knowledge
from kefix.model import Unknown

transformers = pytest.importorskip("transformers")
from transformers import (  # noqa: E402
    HfArgumentParser,
    Seq2SeqTrainingArguments,
    TrainingArguments,
)
from transformers.hf_argparser import string_to_bool  # noqa: E402

INSTALLED = transformers.__version__

same_release = pytest.mark.skipif(
    INSTALLED not in knowledge.known_versions(),
    reason=f"kefix has no data for the installed transformers {INSTALLED}",
)


def fields(seq2seq: bool = True) -> Mapping[str, knowledge.FieldSpec]:
    """The data for the installed release."""
    return knowledge.training_fields(seq2seq, version=INSTALLED)


def find(option: str, seq2seq: bool = True) -> tuple[knowledge.FieldSpec, bool] | None:
    return knowledge.field_for_option(option, seq2seq=seq2seq, version=INSTALLED)


def _plain(value: Any) -> Any:
    """A real parsed or default value in the form kefix stores: enums by value, lists as tuples."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item) for item in value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if isinstance(value, dict) and not value:
        return Unknown("{}")
    return value


def _dataclass_default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


@pytest.fixture(scope="module")
def parsers() -> dict[bool, HfArgumentParser]:
    return {
        False: HfArgumentParser(TrainingArguments),
        True: HfArgumentParser(Seq2SeqTrainingArguments),
    }


def _actions(parser: argparse.ArgumentParser) -> tuple[dict[str, Any], dict[str, Any]]:
    """The real parser's value-taking actions and its ``--no_x`` actions, by field name."""
    main: dict[str, Any] = {}
    negations: dict[str, Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        target = negations if isinstance(action, argparse._StoreFalseAction) else main
        target[action.dest] = action
    return main, negations


# --------------------------------------------------------------------------- (a) the field data


@same_release
@pytest.mark.parametrize("seq2seq", [False, True])
def test_field_names_are_the_dataclass_init_fields(seq2seq: bool) -> None:
    dataclass_type = Seq2SeqTrainingArguments if seq2seq else TrainingArguments
    expected = {field.name for field in dataclasses.fields(dataclass_type) if field.init}
    assert set(fields(seq2seq)) == expected


@same_release
def test_seq2seq_only_marks_fields_training_arguments_lacks() -> None:
    base = {field.name for field in dataclasses.fields(TrainingArguments) if field.init}
    for name, spec in fields(seq2seq=True).items():
        assert spec.seq2seq_only == (name not in base), name


@same_release
def test_defaults_are_the_dataclass_defaults() -> None:
    for field in dataclasses.fields(Seq2SeqTrainingArguments):
        if field.init:
            spec = fields()[field.name]
            expected = _plain(_dataclass_default(field))
            assert spec.default == expected, field.name
            assert type(spec.default) is type(expected), field.name


@same_release
def test_parser_defaults_are_what_the_parser_gives_an_absent_flag(
    parsers: dict[bool, HfArgumentParser],
) -> None:
    absent = vars(parsers[True].parse_known_args([])[0])
    for name, spec in fields().items():
        assert spec.parser_default == _plain(absent[name]), name
        assert type(spec.parser_default) is type(_plain(absent[name])), name


@same_release
@pytest.mark.parametrize("seq2seq", [False, True])
def test_option_strings_are_the_real_parsers(
    parsers: dict[bool, HfArgumentParser], seq2seq: bool
) -> None:
    main, negations = _actions(parsers[seq2seq])
    specs = fields(seq2seq)
    assert set(main) == set(specs)
    for name, spec in specs.items():
        assert spec.options == tuple(main[name].option_strings), name
        expected = tuple(negations[name].option_strings) if name in negations else ()
        assert spec.negations == expected, name


@same_release
@pytest.mark.parametrize("seq2seq", [False, True])
def test_every_real_option_string_finds_its_field(
    parsers: dict[bool, HfArgumentParser], seq2seq: bool
) -> None:
    for action in parsers[seq2seq]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        negated = isinstance(action, argparse._StoreFalseAction)
        for option in action.option_strings:
            found = find(option, seq2seq=seq2seq)
            assert found is not None, option
            assert (found[0].name, found[1]) == (action.dest, negated), option


@same_release
@pytest.mark.parametrize("seq2seq", [False, True])
def test_option_strings_are_every_real_option_string(
    parsers: dict[bool, HfArgumentParser], seq2seq: bool
) -> None:
    real = {
        option
        for action in parsers[seq2seq]._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
    }
    assert knowledge.option_strings(INSTALLED, seq2seq=seq2seq) == real


@same_release
def test_required_flags_are_the_real_parsers(parsers: dict[bool, HfArgumentParser]) -> None:
    main, _ = _actions(parsers[True])
    for name, spec in fields().items():
        assert spec.required == main[name].required, name


def test_seq2seq_options_are_unknown_to_plain_training_arguments() -> None:
    assert knowledge.field_for_option("--predict_with_generate", seq2seq=False) is None
    assert knowledge.field_for_option("--predict_with_generate", seq2seq=True) is not None


def test_abbreviations_are_not_expanded() -> None:
    assert knowledge.field_for_option("--eval_strat") is None


@same_release
def test_kinds_agree_with_the_real_argparse_actions(
    parsers: dict[bool, HfArgumentParser],
) -> None:
    main, _ = _actions(parsers[True])
    for name, spec in fields().items():
        action = main[name]
        assert spec.bare_value == (action.nargs == "?" and action.const is True), name
        is_bool = action.type is string_to_bool
        assert (spec.kind in ("bool", "bool_value_required")) == is_bool, name
        if is_bool:
            assert (spec.kind == "bool") == (action.nargs == "?"), name
        assert (spec.kind == "list") == (action.nargs == "+"), name
        if spec.kind == "choice":
            assert spec.choices == tuple(action.choices), name
        else:
            assert action.choices is None, name
        if spec.kind in ("int", "float"):
            assert action.type.__name__ == spec.kind, name
        if spec.kind == "list" and spec.element == "enum":
            assert spec.choices == tuple(member.value for member in action.type), name


# --------------------------------------------------------------------------- (b) conversions


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    message: str = ""


def _real_parse(
    parsers: dict[bool, HfArgumentParser], spec: knowledge.FieldSpec, argv: list[str]
) -> Outcome:
    """What HfArgumentParser makes of ``argv``: the raw parsed value, or the error it reports."""
    parser = parsers[spec.seq2seq_only]
    full = ["--output_dir", "out", *argv]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            # The namespace holds the value before __post_init__ rewrites it (enums, 'all', ...).
            namespace, _ = parser.parse_known_args(full)
            parser.parse_args_into_dataclasses(full, look_for_args_file=False)
    except SystemExit:
        return Outcome(False, message=stderr.getvalue().strip().splitlines()[-1])
    except ValueError as error:
        return Outcome(False, message=str(error))
    return Outcome(True, value=getattr(namespace, spec.name))


CASES: list[tuple[str, list[str], bool]] = [
    # bool: bare flag, string_to_bool words, leftovers
    ("--do_train", [], False),
    ("--do_train", ["True"], False),
    ("--do_train", ["false"], False),
    ("--do-train", ["YES"], False),
    ("--do_eval", ["0"], False),
    ("--do_eval", ["maybe"], False),
    ("--do_eval", [""], False),
    ("--do_eval", ["-1"], False),
    ("--do_train", ["1", "extra"], False),
    ("--do_train", ["--unknown"], False),
    ("--include_num_input_tokens_seen", [], False),
    ("--include_num_input_tokens_seen", ["all"], False),
    ("--remove_unused_columns", ["no"], False),
    # default-True negations
    ("--no_remove_unused_columns", [], False),
    ("--no-remove-unused-columns", [], False),
    ("--no_remove_unused_columns", ["x"], False),
    ("--no_remove_unused_columns", ["x"], True),
    # Optional[bool] without default: a value is required, unless metadata allows a bare flag
    ("--greater_is_better", [], False),
    ("--greater_is_better", ["true"], False),
    ("--ddp_find_unused_parameters", ["False"], False),
    ("--ddp_find_unused_parameters", ["Nope"], False),
    ("--gradient_checkpointing", [], False),
    # int
    ("--seed", ["10"], False),
    ("--seed", ["10.5"], False),
    ("--seed", [" 7 "], False),
    ("--seed", ["1_000"], False),
    ("--seed", [], False),
    ("--seed", ["1", "2"], False),
    ("--max_steps", ["-1"], False),
    ("--save_total_limit", ["two"], False),
    # float
    ("--learning_rate", ["1e-4"], False),
    ("--learning_rate", ["2"], False),
    ("--learning_rate", ["-.5"], False),
    ("--learning_rate", ["-1e-4"], False),
    ("--learning_rate", ["-1e-4"], True),
    ("--weight_decay", ["abc"], False),
    # choice: exact and case-sensitive
    ("--eval_strategy", ["epoch"], False),
    ("--eval_strategy", ["EPOCH"], False),
    ("--eval-strategy", ["epochs"], False),
    ("--eval_strategy", [], False),
    ("--lr_scheduler_type", ["cosine"], False),
    ("--log_level", ["info"], False),
    ("--log_level", ["INFO"], False),
    ("--ddp_backend", ["nccl"], False),
    # list
    ("--label_names", ["labels", "start_positions"], False),
    ("--label_names", [], False),
    ("--label_names", ["labels", "-1e-4"], False),
    ("--label_names", ["labels", "-1"], False),
    ("--label_names", ["labels", "more"], True),
    ("--include_for_metrics", ["inputs", "loss"], False),
    ("--debug", ["underflow_overflow"], False),
    ("--debug", ["underflow_overflow", "bogus"], False),
    # str and dict_or_str: one word only
    ("--run_name", ["exp-1"], False),
    ("--report_to", ["none"], False),
    ("--report_to", ["wandb", "tensorboard"], False),
    ("--lr_scheduler_kwargs", ['{"num_cycles": 2}'], False),
    ("--generation_config", ["configs//gen/"], False),
    ("--generation_max_length", ["128"], False),
    # dict and Any: argparse cannot build them from a word
    ("--liger_kernel_config", ['{"rope": true}'], False),
    ("--liger_kernel_config", [""], False),
    ("--parallelism_config", ["x"], False),
]


def _case_id(case: tuple[str, list[str], bool]) -> str:
    flag, words, attached = case
    return flag + ("=" if attached else " ") + " ".join(repr(word) for word in words)


@same_release
@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_convert_value_agrees_with_hf_argument_parser(
    parsers: dict[bool, HfArgumentParser], case: tuple[str, list[str], bool]
) -> None:
    flag, words, attached = case
    found = find(flag)
    assert found is not None
    spec, negated = found
    argv = [f"{flag}={words[0]}", *words[1:]] if attached else [flag, *words]
    real = _real_parse(parsers, spec, argv)
    try:
        ours = knowledge.convert_value(spec, words, negated=negated, attached=attached)
    except knowledge.InvalidFlagValue as error:
        assert not real.ok, f"kefix rejects ({error}) what the parser accepts: {real.value!r}"
        assert str(error) in real.message
        return
    assert real.ok, f"kefix accepts {ours!r}; the parser says: {real.message}"
    if isinstance(ours, Unknown):  # a dict kefix cannot hold as a FieldValue
        assert isinstance(real.value, dict)
    else:
        assert ours == _plain(real.value)
        assert type(ours) is type(_plain(real.value))
