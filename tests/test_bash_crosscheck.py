"""bashlex's second reading of a fixed launch: read line by line, it must read as read whole."""

from __future__ import annotations

from typing import Any

import bashlex
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefix.sources.bash import crosscheck

STATEMENTS = {
    "one_flag_per_line": (
        "torchrun --nproc_per_node=${NPROC} src/train.py \\\n"
        '  --output_dir ${OUT} \\\n  --lr_scheduler_type "cosine" \\\n  --bf16 True'
    ),
    "quote_across_a_continuation": 'python t.py \\\n  --a "x \\\n  --b" \\\n  --c 1',
    "single_quote_across_a_continuation": "python t.py '--a \\\n --b' --c",
    "substitution_across_a_continuation": "python t.py $(echo \\\n --a) \\\n --b",
    "glued_backslash": "python t.py --a 0.03\\\n--fp16 \\\n  --seed 1",
    "escaped_blank_before_the_backslash": "python t.py --m foo\\ \\\n--bar",
    "commented_line": "python t.py \\\n  # --lr 1 \\\n  --x",
    "here_document": "cat <<EOF \\\n --a\n--b\nEOF",
    "blank_continuation_line": "python t.py \\\n \\\n --b",
    "reserved_word_starting_a_line": "python t.py \\\n  done --a \\\n  --b",
    "pipe_at_a_line_end": "python t.py --a | \\\n  tee --b",
    # Found by a property test comparing both readings (each line reads fine alone, the whole
    # does not parse):
    "continuation_ending_the_statement": "python t.py --a \\\n",
    "subshell_then_words": "(--a) \\\n--a",
    "compound_command_on_a_line": "python t.py \\\n  if x; then --a; fi",
}


def _read_whole(statement: str) -> list[str] | None:
    """The flags bashlex reads in the whole statement at once: what reading by lines must give."""
    try:
        trees = bashlex.parse(statement)
    except Exception:
        return None
    return crosscheck._flags(trees)


@pytest.mark.parametrize("statement", STATEMENTS.values(), ids=STATEMENTS.keys())
def test_a_statement_read_line_by_line_reads_as_the_whole(statement: str) -> None:
    assert crosscheck.flags_read_by_bashlex(statement) == _read_whole(statement)


def test_a_line_already_read_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each fix of a launch re-reads it with a line or two changed: the rest is remembered.
    crosscheck._line_words.cache_clear()
    # (Quoted words: lines of plain words are read without bashlex at all.)
    before = "torchrun src/t.py \\\n  --lr '1' \\\n  --save_steps '500' \\\n  --seed '42'"
    after = "torchrun src/t.py \\\n  --lr '1' \\\n  --save_steps '400' \\\n  --seed '42'"
    parsed: list[str] = []
    parse = bashlex.parse

    def counting(text: str) -> Any:
        parsed.append(text)
        return parse(text)

    monkeypatch.setattr(bashlex, "parse", counting)
    assert crosscheck.flags_read_by_bashlex(before) == ["--lr", "--save_steps", "--seed"]
    parsed.clear()
    assert crosscheck.flags_read_by_bashlex(after) == ["--lr", "--save_steps", "--seed"]
    assert parsed == ["  --save_steps '400'"]


# Pieces of launch lines and of everything that makes a line read otherwise alone than within
# its statement: quotes, substitutions, comments, operators, reserved words, compound commands.
_PIECES = [
    *("--a", "--b=1", "x", "train.py", "$X", "${Y}", '"q"', "0.03", "A=1", "--c\\ d", "2>&1"),
    *('"', "'", "$(", ")", "${", "}", "`", "#", "\\", "\\ ", "$'", "(", "((", "[[", "]]", "{"),
    *("|", "&&", ";", "&", ">", "!", "<<EOF", "EOF", "done", "then", "if", "fi", "time", "in"),
    *(" ", "\t", "\n", "\\\n", " \\\n", "\t\\\n", "(x)", "x;", "--d $(date)"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join))
def test_any_statement_read_line_by_line_reads_as_the_whole(statement: str) -> None:
    crosscheck._line_words.cache_clear()
    assert crosscheck.flags_read_by_bashlex(statement) == _read_whole(statement)


# Plain words and the characters next to them that would end a line's plainness.
_PLAIN_PIECES = [
    *("--a", "--b=1", "-c", "x", "train.py", "../src/t.py", "$X", "${Y}", "$1", "0.03", "A=1"),
    *("--d=${Z}", "--e=$W", "a,b", "k:v", "+x", "@x", "50%", "time", "done", "then", "--"),
    *(" ", "\t", " ", "$", "${", "$@", "{", "}", "*", "?", "[", "~", "#", "!", "=", "\\"),
    *('"', '""', '"x"', '"--f"', '"$X"', '"${Y}"', '"a b"', "'", '$"', '"$(x)"', '"\\"'),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PLAIN_PIECES), min_size=1, max_size=10).map("".join))
def test_a_line_read_as_plain_words_reads_so_in_bashlex(line: str) -> None:
    plain = crosscheck._plain_words(line)
    if plain is not None:
        assert list(plain) == _read_whole(line)


def test_a_launch_of_plain_lines_is_read_without_bashlex(monkeypatch: pytest.MonkeyPatch) -> None:
    # bashlex costs ~0.5 ms a line and ~0.1 s to import; most launch lines need neither.
    crosscheck._line_words.cache_clear()

    def refuse(text: str) -> Any:
        raise AssertionError(f"bashlex asked to read {text!r}")

    monkeypatch.setattr(bashlex, "parse", refuse)
    statement = (
        "torchrun --nproc_per_node=${NPROC} src/train.py \\\n"
        "  --output_dir $OUT/run-1 \\\n  --learning_rate 2e-5 \\\n  --bf16"
    )
    assert crosscheck.flags_read_by_bashlex(statement) == [
        "--nproc_per_node",
        "--output_dir",
        "--learning_rate",
        "--bf16",
    ]
    assert crosscheck.flags_read_by_bashlex("python t.py --seed $SEED") == ["--seed"]
    # Double-quoted plain words too: bash reads them with the quotes removed.
    assert crosscheck.flags_read_by_bashlex('  --lr_scheduler_type "cosine" \\\n  --a="b"') == [
        "--lr_scheduler_type",
        "--a",
    ]


@pytest.mark.parametrize(
    "line",
    [
        *("python t.py --a 'x y'", 'python t.py --a "x y"', 'python t.py --a "$(date)"'),
        *("python t.py --a $(date)", "time python t.py", "python t.py # --a", 'python $"x"'),
    ],
)
def test_a_line_with_quoting_or_syntax_is_not_plain(line: str) -> None:
    assert crosscheck._plain_words(line) is None
