"""Project-level contracts: rule codes and docs, and the README's commands being what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from kefix.report.rule_docs import replace_rules_table
from kefix.rules import DIAGNOSTICS, RULES

ROOT = Path(__file__).resolve().parent.parent


def test_rule_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in RULES] + list(DIAGNOSTICS)
    names = [rule.name for rule in RULES] + list(DIAGNOSTICS.values())
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"KF\d{3}", code) for code in codes)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names)


def test_every_rule_documents_the_four_sections() -> None:
    for rule in RULES:
        doc = rule.documentation()
        headings = re.findall(r"^## (.+)$", doc, flags=re.MULTILINE)
        assert headings == ["What it does", "Why it matters", "Example", "Fix safety"], rule.code


def test_readme_rule_table_is_the_generated_one() -> None:
    """Regenerate with ``python scripts/rules_table.py --write``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_rules_table(readme) == readme
    for rule in RULES:
        assert f"| {rule.code} | {rule.name} |" in readme


def test_ci_runs_the_test_command_written_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    test_command = next(command for command in commands if "pytest" in command)
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines
