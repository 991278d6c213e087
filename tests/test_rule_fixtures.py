"""Fixture-driven rule tests: every ``fixtures/rules/<code>/<case>.sh`` is a case (and every
``<case>.py``, and ``<case>.yaml``/``.yml``/``.json``, read as a config file).

``<case>.expected`` lists the findings (``line:col CODE message``; absent = none),
``<case>.fixed.sh`` is the text after the safe fixes (absent = unchanged) and
``<case>.unsafe.sh`` the text after safe and unsafe fixes (absent = same as the safe result);
other kinds keep their own suffix (``<case>.fixed.py``, ``<case>.fixed.yaml``).
A directory ``<code>@<release>`` checks its cases against that transformers release instead of
the newest one. Adding a case is adding files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.knowledge.training_args import release_for
from kefix.model import LineIndex
from kefix.resolve import Resolver
from kefix.sources import kind_of_suffix

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
SUFFIXES = (".sh", ".py", ".yaml", ".yml", ".json")
CASES = sorted(
    path
    for path in FIXTURES.glob("KF*/*")
    if path.suffix in SUFFIXES and not path.stem.endswith((".fixed", ".unsafe"))
)


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem if path.suffix == '.sh' else path.name}"


def _analyze(case: Path, text: str | None = None) -> tuple[FileAnalysis, Resolver]:
    resolver = Resolver([FIXTURES])
    source = case.read_text() if text is None else text
    _, _, release = case.parent.name.partition("@")
    versions = (release_for(release),) if release else ()
    kind = kind_of_suffix(case)
    assert kind is not None
    # A Python file is named as the CLI names it (relative to the working directory): the
    # adapter looks for the project's TrainingArguments subclasses from there.
    display = os.path.relpath(case) if kind == "python" else case.name
    analysis = analyze_text(case, display, source, resolver, Settings(), versions, kind=kind)
    return analysis, resolver


def _sibling(case: Path, suffix: str) -> Path:
    return case.with_name(case.stem + suffix)


def _expected_text(case: Path, *, unsafe: bool) -> str:
    candidates = [_sibling(case, ".unsafe" + case.suffix)] if unsafe else []
    candidates += [_sibling(case, ".fixed" + case.suffix), case]
    return next(path for path in candidates if path.exists()).read_text()


def test_every_rule_has_fixture_cases() -> None:
    from kefix.rules import RULES

    codes = {case.parent.name.partition("@")[0] for case in CASES}
    assert {rule.code for rule in RULES} <= codes


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_findings_match_expected(case: Path) -> None:
    analysis, _ = _analyze(case)
    lines = LineIndex(analysis.text)
    found = [
        f"{lines.location(f.span.start).line}:{lines.location(f.span.start).column} "
        f"{f.code} {f.message}"
        for f in analysis.findings
    ]
    expected_file = _sibling(case, ".expected")
    expected = expected_file.read_text().splitlines() if expected_file.exists() else []
    assert found == expected


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_safe_fixes_give_the_fixed_text(case: Path) -> None:
    analysis, resolver = _analyze(case)
    outcome = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    assert outcome.dropped == ()
    assert outcome.final.text == _expected_text(case, unsafe=False)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_unsafe_fixes_give_the_unsafe_text(case: Path) -> None:
    analysis, resolver = _analyze(case)
    outcome = fix_file(analysis, resolver, Settings(unsafe_fixes=True), include_unsafe=True)
    assert outcome.dropped == ()
    assert outcome.final.text == _expected_text(case, unsafe=True)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fixed_text_is_a_fixed_point(case: Path) -> None:
    fixed = _expected_text(case, unsafe=True)
    analysis, resolver = _analyze(case, fixed)
    again = fix_file(analysis, resolver, Settings(), include_unsafe=True)
    assert again.final.text == fixed
    assert not [f for f in analysis.findings if f.fix is not None]
