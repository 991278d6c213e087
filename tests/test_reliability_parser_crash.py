"""Text that segfaults tree-sitter-bash does not take kefix down: it is parsed in a child process.

``tests/data/crashes/tree_sitter_bash_segfault.sh`` segfaults a plain
``tree_sitter.Parser(...).parse(data)`` in about a third of fresh processes
(tree-sitter-bash#337: ``isdigit()`` on the code point after ``{1``). Parsing it in-process here
would crash the test run itself, so these tests only reach it through ``parse_bash`` or kefix.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.resolve import Resolver
from kefix.runner import run
from kefix.sources.bash import crash_guard, syntax
from kefix.sources.bash.crash_guard import ParserCrashed, can_crash_tree_sitter_bash
from kefix.sources.bash.syntax import parse_bash

ROOT = Path(__file__).resolve().parent.parent
CRASH_INPUT = ROOT / "tests" / "data" / "crashes" / "tree_sitter_bash_segfault.sh"
RULES = ROOT / "fixtures" / "rules"
RENAMED = RULES / "KF101" / "renamed_in_5.sh"


@pytest.fixture(autouse=True)
def _fresh_child_cache() -> None:
    crash_guard.parse_in_child.cache_clear()
    parse_bash.cache_clear()  # a text parsed by an earlier test would not reach the child


def test_kefix_run_twenty_times_on_the_crash_input_always_ends_with_a_report(
    tmp_path: Path,
) -> None:
    script = tmp_path / "run.sh"
    shutil.copyfile(CRASH_INPUT, script)
    for _ in range(20):
        result = subprocess.run(
            [sys.executable, "-m", "kefix", "run.sh"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            errors="replace",
        )
        assert result.returncode >= 0, f"kefix died by signal {-result.returncode}"
        assert "Traceback" not in result.stderr
        # Parsed in the child (the usual case), or, if it crashed on every try, named and skipped.
        assert (result.returncode, result.stdout) == (0, "All checks passed.\n")
        assert result.stderr == "" or result.stderr.startswith(
            "run.sh:1:1: KF902 skipped: tree-sitter-bash crashed parsing it ("
        )


@pytest.mark.parametrize(
    "text",
    [
        "{\U000b9112",  # the five bytes that crash: "{" and a code point far above U+00FF
        "echo {12\u4e2d",
        "echo {1..2\u0100}",
        "python train.py --name {\u4e2d\u6587}\n",
        "x=1\n# {\U0010ffff\n",  # in a comment: not scanned there, but the screen is textual
    ],
)
def test_text_with_a_wide_character_where_the_scanner_expects_a_digit_is_guarded(
    text: str,
) -> None:
    assert can_crash_tree_sitter_bash(text)


@pytest.mark.parametrize(
    "text",
    [
        "python train.py --fp16 {1..5}\n",
        "echo {\u00e9}",  # U+00E9 is inside isdigit()'s domain
        "echo {a\u4e2d}",  # the scanner stops at "a"
        "echo {1..a\u4e2d}",
        "echo \u4e2d{1..5}",
        "# \u4e2d\u6587\u6ce8\u91ca {1}\n",
    ],
)
def test_text_the_scanner_cannot_misread_is_parsed_in_process(text: str) -> None:
    assert not can_crash_tree_sitter_bash(text)


def test_guarded_parse_reads_the_crash_input_word_by_word() -> None:
    parsed = parse_bash(CRASH_INPUT.read_bytes().decode("utf-8"))
    (command,) = parsed.commands
    # "HF_p¹{1...TOKEN" is no variable name: the whole prefix is the command's first word.
    assert [word.value for word in command.words] == [
        "HF_p\u00b9{1\U000b9112TOKEN=hf_x",
        "accelerate",
        "launch",
        "train.py",
        "--evaluation-strategy=True",
    ]


def test_guarded_parse_gives_character_spans_of_the_original_text() -> None:
    text = "A=\u4e2d\u6587 python train.py --run_name {\u4e2d\u6587} --fp16\n"
    parsed = parse_bash(text)
    (command,) = parsed.commands
    assert dict(command.env) == {"A": "\u4e2d\u6587"}
    assert [text[w.span.start : w.span.end] for w in command.words] == [
        "python",
        "train.py",
        "--run_name",
        "{\u4e2d\u6587}",
        "--fp16",
    ]


def _crashing_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crash_guard, "_CHILD_PROGRAM", "import os; os.abort()")


def test_a_child_that_crashes_on_every_try_raises_parser_crashed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _crashing_child(monkeypatch)
    with pytest.raises(ParserCrashed, match="tree-sitter-bash crashed parsing it"):
        parse_bash("echo {\u4e2d}\n")


def test_a_file_the_parser_crashes_on_is_reported_as_kf902_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crashing_child(monkeypatch)
    project = tmp_path / "project"
    shutil.copytree(RULES / "src", project / "src")
    shutil.copyfile(CRASH_INPUT, project / "a_crash.sh")
    shutil.copyfile(RENAMED, project / "b_renamed.sh")
    monkeypatch.chdir(project)
    result = run([Path(".")], Settings(), apply=False)
    (error,) = result.errors
    assert error.startswith("a_crash.sh:1:1: KF902 skipped: tree-sitter-bash crashed parsing it")
    assert [file.analysis.display for file in result.files] == ["b_renamed.sh"]
    assert result.findings == 5


def test_a_fix_whose_text_the_parser_crashes_on_is_dropped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stand-in for a fix that writes the trigger: the text with the new flag "crashes".
    def crashes_on_the_renamed_flag(text: str) -> syntax.BashSyntax:
        raise ParserCrashed("tree-sitter-bash crashed parsing it (SIGSEGV; tries: 5)")

    monkeypatch.setattr(
        syntax, "can_crash_tree_sitter_bash", lambda text: "--eval_strategy" in text
    )
    monkeypatch.setattr(syntax, "parse_in_child", crashes_on_the_renamed_flag)
    resolver = Resolver([RULES])
    analysis = analyze_text(RENAMED, RENAMED.name, RENAMED.read_text(), resolver, Settings())
    outcome = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    (dropped,) = outcome.dropped
    assert "--evaluation_strategy" in dropped.finding.message
    assert dropped.reason.startswith("the fixed text could not be read: tree-sitter-bash crashed")
    assert "--evaluation_strategy steps" in outcome.final.text
    assert "--use_cpu" in outcome.final.text
