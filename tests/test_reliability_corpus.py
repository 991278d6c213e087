"""Real-world robustness: launch scripts in the shapes of public fine-tuning projects.

Each ``fixtures/robustness/*.sh`` / ``*.bash`` declares ``# expected-launches: N``, counted by
reading the script (every launcher command with an entry point, in functions, loops and ifs too;
not ``$(...)``, ``python -c``, ``llamafactory-cli export``, ``swift infer``). kefix must read them
all without a crash and without KF901 (they are valid bash: ``bash -n`` accepts each), find
exactly that many launches, and keep that count and parseability through its fixes. The fuzz
corpus kept in ``fixtures/robustness/fuzz_corpus`` is replayed through the fuzz target's check.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.resolve import Resolver
from kefix.sources import kind_of_suffix

ROOT = Path(__file__).resolve().parent.parent
ROBUSTNESS = ROOT / "fixtures" / "robustness"
SCRIPTS = sorted([*ROBUSTNESS.glob("*.sh"), *ROBUSTNESS.glob("*.bash")])
CORPUS = sorted(p for p in (ROBUSTNESS / "fuzz_corpus").glob("*") if p.is_file())
_EXPECTED = re.compile(rb"^# expected-launches: (\d+)\r?$", re.MULTILINE)


def _expected_launches(path: Path) -> int:
    match = _EXPECTED.search(path.read_bytes())
    assert match is not None, f"{path.name} must declare '# expected-launches: N'"
    return int(match.group(1))


def test_the_suite_has_realistic_scripts_from_many_projects() -> None:
    assert len(SCRIPTS) >= 20
    prefixes = {path.name.split("_")[0] for path in SCRIPTS}
    for project in ("deepke", "llama", "fastchat", "alpaca", "chinese", "transformers", "trl"):
        assert project in prefixes


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_realistic_script_is_read_whole(script: Path) -> None:
    text = script.read_bytes().decode("utf-8", "surrogateescape")
    resolver = Resolver([ROBUSTNESS])
    analysis = analyze_text(script, script.name, text, resolver, Settings())
    assert [f for f in analysis.findings if f.code == "KF901"] == []
    assert len(analysis.launches) == _expected_launches(script)
    for unsafe in (False, True):
        outcome = fix_file(analysis, resolver, Settings(unsafe_fixes=unsafe), include_unsafe=unsafe)
        assert len(outcome.final.launches) == len(analysis.launches)
        assert [f for f in outcome.final.findings if f.code == "KF901"] == []


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to confirm valid syntax")
def test_realistic_scripts_are_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_command_line_over_the_whole_suite_does_not_crash(tmp_path: Path) -> None:
    tree = tmp_path / "robustness"
    shutil.copytree(ROBUSTNESS, tree)
    for flags in ([], ["--apply", "--unsafe-fixes"]):
        result = subprocess.run(
            [sys.executable, "-m", "kefix", *flags, "."],
            cwd=tree,
            capture_output=True,
            text=True,
            errors="replace",
        )
        assert "Traceback" not in result.stderr
        assert "KF902" not in result.stderr
        assert result.returncode in (0, 1)


def _fuzz_target() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_sources", ROOT / "fuzz" / "fuzz_sources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", CORPUS, ids=lambda p: p.name)
def test_fuzz_corpus_replays_without_failure(case: Path) -> None:
    kind = kind_of_suffix(case)
    assert kind is not None, f"{case.name}: the suffix must name the adapter the input is for"
    _fuzz_target().check(case.read_bytes(), kind)
