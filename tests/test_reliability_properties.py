"""Property tests: generated sources never crash kefix, and its fixes hold their promises.

Each adapter gets its own generator: launch scripts built from the real launcher table and
TrainingArguments fields, with every quoting style, ``\\`` continuations (broken ones too),
comments, CRLF, and garbage spliced in anywhere; Python, YAML, JSON and notebooks from
``generated_sources``. The same properties hold for every kind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from generated_sources import json_configs, notebooks, python_calls, yaml_configs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefix.analyze import analyze_text
from kefix.config import Settings, StrategyFix
from kefix.fix import fix_file
from kefix.knowledge.training_args import training_fields
from kefix.resolve import Resolver
from kefix.runner import run
from kefix.sources import SUFFIX_KINDS, ParserCrashed
from kefix.sources.bash.launchers import LAUNCHERS, EntryRule

# KEFIX_PROPERTY_EXAMPLES=5000 pytest tests/test_reliability_properties.py for a longer hunt.
EXAMPLES = int(os.environ.get("KEFIX_PROPERTY_EXAMPLES", "100"))
RULES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
FIELDS = sorted(training_fields())
# Flags the rules read, drawn more often so that findings and fixes actually happen.
RULE_FIELDS = [
    "fp16",
    "bf16",
    "load_best_model_at_end",
    "eval_strategy",
    "evaluation_strategy",
    "save_strategy",
    "save_steps",
    "eval_steps",
    "model_name_or_path",
    "output_dir",
]
ENTRIES = ["src/train.py", "src/train_fp16.py", "src/train_best.py", "train.py", '"$SCRIPT"']
VALUES = [
    "True", "False", "true", "no", "epoch", "steps", "500", "200", "1e-4", "0.03", "-1",
    "baichuan-inc/Baichuan2-7B-Base", "Qwen/Qwen2-7B", "out/run", "$LR", "${OUT}",
    "$(date +%s)", "$((1+2))", '"$@"', "${ARR[@]}", "a b", "中文", "",
]  # fmt: skip


def _quoted(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from([value, f'"{value}"', f"'{value}'"])


@st.composite
def flags(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(RULE_FIELDS) | st.sampled_from(FIELDS))
    if draw(st.booleans()):
        name = name.replace("_", "-")
    value = draw(st.sampled_from(VALUES) | st.text(max_size=8))
    style = draw(st.sampled_from(["space", "equals", "bare"]))
    if style == "bare":
        return f"--{name}"
    quoted = draw(_quoted(value))
    return f"--{name}={quoted}" if style == "equals" else f"--{name} {quoted}"


SEPARATORS = [
    " ",
    " \\\n    ",
    " \\\n\t",
    " \\ \n    ",  # space after the backslash
    "\n    ",  # missing backslash
    " \\\n    # --commented_out 1 \\\n    ",
    "\\\n",  # glued
    " \\\n\n",
    " # trailing comment\n",
]


@st.composite
def launch_commands(draw: st.DrawFn) -> str:
    row = draw(st.sampled_from(LAUNCHERS))
    words = list(row.command)
    if row.entry is EntryRule.WRAPPER:
        words += ["python"]
    if row.entry is not EntryRule.CLI:
        options = sorted(row.value_options)
        if options and draw(st.booleans()):
            words += [draw(st.sampled_from(options)), draw(st.sampled_from(["2", "29500"]))]
        words.append(draw(st.sampled_from(ENTRIES)))
    env = draw(st.sampled_from(["", "CUDA_VISIBLE_DEVICES=0,1 ", "HF_TOKEN=hf_x ", "A=1 B=$X "]))
    text = env + " ".join(words)
    for flag in draw(st.lists(flags(), max_size=10)):
        text += draw(st.sampled_from(SEPARATORS)) + flag
    return text + draw(st.sampled_from(["", " | tee log.txt", " > log 2>&1 &", " &&", " \\"]))


OTHER_LINES = [
    "#!/bin/bash",
    "set -euo pipefail",
    "LR=2e-5",
    "OUT=output/$(date +%F)",
    "# 中文注释：训练脚本",
    "for seed in 1 2 3; do",
    "done",
    "if [[ -n $X ]]; then",
    "fi",
    'echo "$LR"',
    "cd $(dirname $0)/..",
    "ARR=(--fp16 --bf16)",
    "case $1 in a) echo;; esac",
    "cat <<EOF",
    "EOF",
    "export SCRIPT=src/train.py",
]


@st.composite
def scripts(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(launch_commands() | st.sampled_from(OTHER_LINES), min_size=1, max_size=6)
    )
    text = "\n".join(pieces) + draw(st.sampled_from(["\n", "", "\n\n"]))
    if draw(st.booleans()):
        garbage = draw(
            st.text(max_size=6)
            | st.sampled_from(['"', "'", "$(", "`", "\\", "{", "\x00", "\udcff", "\ufeff"])
        )
        at = draw(st.integers(0, len(text)))
        text = text[:at] + garbage + text[at:]
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


SOURCES: dict[str, st.SearchStrategy[str]] = {
    "bash": scripts(),
    "python": python_calls(),
    "yaml": yaml_configs(),
    "json": json_configs(),
    "notebook": notebooks(),
}
KINDS = [kind for kind in SOURCES if kind in SUFFIX_KINDS.values()]


def _suffix(kind: str) -> str:
    return next(suffix for suffix, known in SUFFIX_KINDS.items() if known == kind)


def test_every_adapter_has_a_generator() -> None:
    assert set(SUFFIX_KINDS.values()) <= set(SOURCES)


def _settings(unsafe: bool, strategy: str) -> Settings:
    return Settings(strategy_fix=StrategyFix(strategy), unsafe_fixes=unsafe)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    unsafe=st.booleans(),
    strategy=st.sampled_from([s.value for s in StrategyFix]),
)
def test_analysis_and_fixes_never_raise_and_reach_a_verified_fixed_point(
    kind: str, data: st.DataObject, unsafe: bool, strategy: str
) -> None:
    text = data.draw(SOURCES[kind], label="text")
    path = RULES / "KF001" / f"generated{_suffix(kind)}"
    resolver = Resolver([RULES])
    config = _settings(unsafe, strategy)
    try:
        analysis = analyze_text(path, path.name, text, resolver, config, kind=kind)
        outcome = fix_file(analysis, resolver, config, include_unsafe=unsafe)
        final = outcome.final
        # The fixed text is what kefix would get reading the file afresh...
        again = analyze_text(path, path.name, final.text, resolver, config, kind=kind)
    except ParserCrashed:
        return  # tree-sitter-bash crashed on every try in the guard's child: reported as KF902
    assert [f.key for f in again.findings] == [f.key for f in final.findings]
    # ...parses no worse than the original...
    unparsed = [f for f in analysis.findings if f.code == "KF901"]
    assert len([f for f in again.findings if f.code == "KF901"]) <= len(unparsed)
    # ...and has no fixable finding left except those whose fix was dropped, with a reason.
    dropped = {drop.finding.key for drop in outcome.dropped}
    assert all(drop.reason for drop in outcome.dropped)
    assert fix_file(again, resolver, config, include_unsafe=unsafe).final.text == final.text
    for finding in again.findings:
        if finding.fix is not None and (unsafe or finding.fix.applicability.value == "safe"):
            assert finding.key in dropped


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


@settings(
    max_examples=max(EXAMPLES // 4, 25), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), unsafe=st.booleans())
def test_dry_run_writes_nothing_and_its_diff_applied_by_git_equals_apply(
    kind: str, data: st.DataObject, unsafe: bool
) -> None:
    text = data.draw(SOURCES[kind], label="text")
    raw = text.encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as temp:
        dry, applied = Path(temp) / "dry", Path(temp) / "applied"
        shutil.copytree(RULES / "src", dry / "src")
        (dry / f"run{_suffix(kind)}").write_bytes(raw)
        shutil.copytree(dry, applied)
        before = _files(dry)
        config = Settings(unsafe_fixes=unsafe)
        with _inside(dry):
            result = run([Path(".")], config, apply=False)
        assert _files(dry) == before
        patch = "".join(file.diff for file in result.files).encode("utf-8", "surrogateescape")
        if patch:
            subprocess.run(["git", "init", "-q"], cwd=dry, check=True)
            subprocess.run(
                ["git", "apply", "-"], input=patch, cwd=dry, check=True, capture_output=True
            )
        with _inside(applied):
            run([Path(".")], config, apply=True)
        assert _files(dry) == _files(applied)
