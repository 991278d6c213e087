"""A flag's value is converted once per field, words and spelling in a run: launches that write
the same words for a field, spelt differently, still get what HfArgumentParser gives each (and
the installed transformers agrees)."""

from __future__ import annotations

from typing import Any

import pytest
from msgspec.structs import replace

from kefix.model import ArgStyle, FlagRecord, Unknown
from kefix.resolve import filesystem, read_flags
from kefix.sources.bash import parse_launch_script

transformers = pytest.importorskip("transformers")

SCRIPT = """\
python train.py --output_dir out --remove_unused_columns
python train.py --output_dir out --no_remove_unused_columns
python train.py --output_dir out --run_name=--x
"""


def _values(records: tuple[FlagRecord, ...], field: str) -> list[tuple[object, str]]:
    return [(record.value, record.error) for record in records if record.field == field]


def _parsed(argv: list[str]) -> Any:
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    (arguments,) = parser.parse_args_into_dataclasses(args=argv)
    return arguments


def test_a_bare_flag_and_its_negation_keep_their_own_values_in_one_run() -> None:
    plain, negated, _ = parse_launch_script("train.sh", SCRIPT).launches
    with filesystem.snapshot():  # one run: conversions are shared within it
        assert _values(read_flags(plain, None), "remove_unused_columns") == [(True, "")]
        assert _values(read_flags(negated, None), "remove_unused_columns") == [(False, "")]
    assert _parsed(["--output_dir", "out", "--remove_unused_columns"]).remove_unused_columns
    assert not _parsed(["--output_dir", "out", "--no_remove_unused_columns"]).remove_unused_columns


def test_words_that_look_like_a_flag_are_a_value_only_when_attached_in_one_run() -> None:
    """``--run_name=--x`` gives run_name "--x"; the same word written apart is a flag of its
    own, so argparse finds run_name's value missing."""
    attached_launch = parse_launch_script("train.sh", SCRIPT).launches[2]
    attached = next(arg for arg in attached_launch.args if arg.name == "run_name")
    apart = replace(attached, style=ArgStyle.SPACE)
    apart_launch = replace(
        attached_launch,
        args=tuple(apart if arg is attached else arg for arg in attached_launch.args),
    )
    with filesystem.snapshot():
        assert _values(read_flags(attached_launch, None), "run_name") == [("--x", "")]
        ((value, error),) = _values(read_flags(apart_launch, None), "run_name")
    assert isinstance(value, Unknown) and error == "expected one argument"
    assert _parsed(["--output_dir", "out", "--run_name=--x"]).run_name == "--x"
    with pytest.raises(SystemExit):
        _parsed(["--output_dir", "out", "--run_name", "--x"])
