"""Semantic verification: a fix whose text does more than its intents say is dropped (KF903).

The renderer is made to misbehave on purpose (an extra edit next to the right one); the
verification must notice from the parses alone and keep the original text.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import kefix.fix
from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.fix import FixOutcome, fix_file
from kefix.model import Edit, EffectiveConfig, Intent, Span
from kefix.report.text import render_findings
from kefix.resolve import Resolver
from kefix.runner import FileResult, run
from kefix.sources import SourceAdapter

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "fixtures" / "rules"

# A safe fix (KF201: --fp16 defaults to True in train_fp16.py, the launch writes --bf16 True).
SCRIPT = """#!/bin/bash
echo "start"
python src/train_fp16.py \\
    --model_name_or_path google/flan-t5-base \\
    --output_dir out/flan-t5 \\
    --bf16 True
echo "done"
"""
FIXED = SCRIPT.replace("--bf16 True\n", "--bf16 True \\\n    --fp16 False\n")


def _fix(text: str, *, unsafe: bool = False) -> FixOutcome:
    path = RULES / "KF201" / "verify.sh"
    resolver = Resolver([RULES])
    analysis = analyze_text(path, path.name, text, resolver, Settings())
    return fix_file(analysis, resolver, Settings(), include_unsafe=unsafe)


def _with_extra_edit(monkeypatch: pytest.MonkeyPatch, extra: Callable[[str], list[Edit]]) -> None:
    """Make every rendered intent also carry ``extra(text)``'s edits."""
    real = kefix.fix._render_intent

    def render(
        adapter: SourceAdapter, text: str, config: EffectiveConfig, intent: Intent
    ) -> list[Edit]:
        return real(adapter, text, config, intent) + extra(text)

    monkeypatch.setattr(kefix.fix, "_render_intent", render)


def _replace(old: str, new: str) -> Callable[[str], list[Edit]]:
    def edits(text: str) -> list[Edit]:
        start = text.index(old)
        return [Edit(Span(start, start + len(old)), new)]

    return edits


def test_honest_fix_passes_verification() -> None:
    outcome = _fix(SCRIPT)
    assert outcome.dropped == ()
    assert outcome.final.text == FIXED


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("out/flan-t5", "out/other", "flags are not the intended ones"),
        ("    --output_dir out/flan-t5 \\\n", "", "flags are not the intended ones"),
        ("--output_dir", "--output-dir", "flags are not the intended ones"),
        ("src/train_fp16.py", "src/./train_fp16.py", "what the launch runs"),
        ('echo "done"', 'echo "dome"', "another command (line 7)"),
        ('echo "start"', 'echo "start" && true', "another command"),
        ("python src", "HF_HOME=/x python src", "environment variables"),
        ("python src", "python -u src", "words other than its flags"),
        ("google/flan-t5-base", "google/flan-t5-base extra", "flags are not the intended ones"),
    ],
    ids=[
        "other-value",
        "other-flag-removed",
        "other-flag-renamed",
        "entry",
        "later-command",
        "earlier-command",
        "env",
        "interpreter-switch",
        "extra-value",
    ],
)
def test_fix_with_an_unintended_change_is_dropped(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str, reason: str
) -> None:
    _with_extra_edit(monkeypatch, _replace(old, new))
    outcome = _fix(SCRIPT)
    assert outcome.final.text == SCRIPT
    assert outcome.applied == ()
    assert [drop.finding.code for drop in outcome.dropped] == ["KF201"]
    assert reason in outcome.dropped[0].reason


def test_fix_that_writes_the_wrong_value_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    real = kefix.fix._render_intent

    def render(
        adapter: SourceAdapter, text: str, config: EffectiveConfig, intent: Intent
    ) -> list[Edit]:
        edits = real(adapter, text, config, intent)
        return [Edit(e.span, e.text.replace("False", "True")) for e in edits]

    monkeypatch.setattr(kefix.fix, "_render_intent", render)
    outcome = _fix(SCRIPT)
    assert outcome.final.text == SCRIPT
    assert outcome.dropped and outcome.dropped[0].finding.code == "KF201"


def test_fix_that_breaks_the_syntax_after_the_launch_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _with_extra_edit(monkeypatch, _replace('echo "done"', 'echo "done'))
    outcome = _fix(SCRIPT)
    assert outcome.final.text == SCRIPT
    assert outcome.dropped


def test_dropped_fix_is_reported_as_kf903_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    project = tmp_path / "p"
    shutil.copytree(RULES / "src", project / "src")
    script = project / "run.sh"
    script.write_text(SCRIPT)
    _with_extra_edit(monkeypatch, _replace('echo "done"', 'echo "dome"'))
    result = run([project], Settings(), apply=True)
    assert script.read_text() == SCRIPT
    [file] = result.files
    assert isinstance(file, FileResult) and not file.written
    report = render_findings(file.reported(), applied=True, color=False)
    assert "  = KF903 fix not applied: the fix would change another command (line 7)" in report


def test_repair_of_a_comment_line_passes_and_a_tampered_repair_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = RULES / "KF003" / "comment_line.sh"
    text = case.read_text()
    resolver = Resolver([RULES])
    analysis = analyze_text(case, case.name, text, resolver, Settings())
    honest = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    assert honest.dropped == () and honest.changed
    _with_extra_edit(monkeypatch, _replace("--num_train_epochs 3", "--num_train_epochs 4"))
    tampered = fix_file(analysis, resolver, Settings(), include_unsafe=False)
    assert tampered.final.text == text
    assert "reads as other words" in tampered.dropped[0].reason


def _kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefix", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
    )


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_one_apply_reaches_the_fixed_point_over_all_fixtures(tmp_path: Path, unsafe: bool) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", tree)
    flags = ["--unsafe-fixes"] if unsafe else []
    first = _kefix("--apply", *flags, ".", cwd=tree)
    assert "Traceback" not in first.stderr
    after_first = _snapshot(tree)
    assert after_first != _snapshot(ROOT / "fixtures")
    second = _kefix("--apply", *flags, ".", cwd=tree)
    assert "Traceback" not in second.stderr
    assert _snapshot(tree) == after_first


def test_removing_the_first_flag_of_a_line_keeps_the_line_indentation() -> None:
    # Found by the byte-fidelity review: "    --fp16 --bf16 \" became " --bf16 \".
    text = (
        "python src/train.py \\\n"
        "    --output_dir out \\\n"
        "    --fp16 --bf16 \\\n"
        "    --num_train_epochs 1\n"
    )
    outcome = _fix(text, unsafe=True)
    assert outcome.final.text == text.replace("    --fp16 --bf16", "    --bf16")
