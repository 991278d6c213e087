"""--explain and --list-rules: rule documentation from the rules' own docstrings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import kefix

from kefix.model import Severity
from kefix.report import rule_docs
from kefix.report.rule_docs import find_rule_info, first_sentence, fix_safety, rules_table_markdown
from kefix.rules import RULES, rule_by_code
from kefix.rules.base import Rule


@pytest.mark.parametrize("name", ["KF001", "kf001", "strategy-mismatch"])
def test_explain_by_code_or_name_prints_the_docstring(tmp_path: Path, name: str) -> None:
    result = kefix("--explain", name, cwd=tmp_path)
    assert result.returncode == 0
    rule = rule_by_code("KF001")
    assert rule is not None
    assert result.stdout == f"# strategy-mismatch (KF001)\n\n{rule.documentation()}\n"


def test_explain_a_diagnostic(tmp_path: Path) -> None:
    result = kefix("--explain", "unreadable-file", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# unreadable-file (KF902)\n\n## What it does\n")


def test_explain_an_unknown_rule_names_the_known_ones(tmp_path: Path) -> None:
    result = kefix("--explain", "no-such-rule", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("kefix: unknown rule 'no-such-rule' (known: KF001, ")
    assert "Traceback" not in result.stderr


def test_list_rules_shows_code_name_severity_fixable_and_safety(tmp_path: Path) -> None:
    result = kefix("--list-rules", cwd=tmp_path)
    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["code", "name", "severity", "fixable", "fix", "safety"]
    by_code = {row[0]: row[1:] for row in rows[1:]}
    assert by_code["KF001"] == ["strategy-mismatch", "error", "yes", "safe", "or", "unsafe"]
    assert by_code["KF003"] == ["broken-continuation", "error", "yes", "safe"]
    assert by_code["KF111"] == ["ambiguous-abbreviation", "error", "no", "-"]
    assert by_code["KF202"] == ["bf16-native-model", "warning", "yes", "unsafe"]
    assert by_code["KF902"] == ["unreadable-file", "warning", "no", "-"]
    assert {rule.code for rule in RULES} <= set(by_code)


def test_list_rules_as_json(tmp_path: Path) -> None:
    rules = json.loads(kefix("--list-rules", "--format", "json", cwd=tmp_path).stdout)
    kf113 = next(rule for rule in rules if rule["code"] == "KF113")
    assert kf113 == {
        "code": "KF113",
        "name": "duplicate-flag",
        "severity": "warning",
        "summary": "a field set twice in one launch; the last one wins silently",
        "fixable": True,
        "fix_safety": "safe",
        "diagnostic": False,
    }


def test_summary_is_the_first_sentence_with_its_lines_joined() -> None:
    text = "Finds flags that are\nnot options, e.g. `--x`. `HfArgumentParser` keeps\nthem.\n\nMore."
    assert first_sentence(text) == "Finds flags that are not options, e.g. `--x`."


@pytest.mark.parametrize(
    ("section", "safety"),
    [
        ("Safe: the run keeps its value.", "safe"),
        ("Unsafe, and only for choices.", "unsafe"),
        ("No fix: kefix cannot know.", ""),
        ("Two fixes; one is safe, the other unsafe.", "safe or unsafe"),
    ],
)
def test_fix_safety_comes_from_the_first_word_of_its_section(section: str, safety: str) -> None:
    assert fix_safety(f"## What it does\nX.\n\n## Fix safety\n{section}\n") == safety


def test_every_rule_row_of_the_table_comes_from_its_docs() -> None:
    table = rules_table_markdown()
    for rule in RULES:
        info = find_rule_info(rule.code)
        assert info is not None
        row = f"| {rule.code} | {rule.name} | {info.summary.replace('|', chr(92) + '|')} | "
        assert row in table


class _WordedRule(Rule):
    """## What it does
    Finds a thing. More text.

    ## Fix safety
    Safe: yes."""

    code = "KF999"
    name = "worded-rule"
    severity = Severity.WARNING
    summary = "a `thing` | with a pipe"
    fix_summary = "remove it (safe)"


def test_a_rule_may_word_its_readme_cells_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_docs, "RULES", (_WordedRule(),))
    table = rule_docs.rules_table_markdown()
    assert "| KF999 | worded-rule | a `thing` \\| with a pipe | remove it (safe) |\n" in table
