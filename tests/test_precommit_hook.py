"""The pre-commit hooks of .pre-commit-hooks.yaml, run for real by ``pre-commit try-repo``.

pre-commit installs kefix from a git repository into a virtualenv of its own. ``try-repo`` on
this checkout would only see committed and tracked files, so the tests commit a snapshot of the
working tree (the package, its metadata and the hook manifest) to a temporary repository and
point ``try-repo`` at that. Installing the hook environment takes a few seconds; it is built once
for the module and shared by both hooks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support import GIT_ENV, git

from kefix.cli import main

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
DEEPKE = ROOT / "fixtures" / "deepke"


def _commit_all(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}


def test_manifest_declares_a_check_hook_and_a_fix_hook_with_required_keys() -> None:
    hooks = _hooks()
    assert set(hooks) == {"kefix", "kefix-fix"}
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
        assert hook["types_or"] == ["shell", "python", "yaml", "json", "jupyter"]
    assert "--apply" not in str(hooks["kefix"]["entry"]).split()
    assert "--apply" in str(hooks["kefix-fix"]["entry"]).split()


def test_manifest_passes_pre_commits_own_validation() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("hook_id", ["kefix", "kefix-fix"])
def test_every_option_in_a_hook_entry_is_one_kefix_accepts(hook_id: str) -> None:
    entry = str(_hooks()[hook_id]["entry"]).split()
    assert entry[0] == "kefix"
    help_text = CliRunner().invoke(main, ["--help"]).output
    for option in entry[1:]:
        assert option in help_text.split(), f"{option} is not a kefix option"


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed snapshot of this working tree: what ``pip install`` of the hook repo needs."""
    snapshot = tmp_path_factory.mktemp("kefix-hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, snapshot / name)
    shutil.copytree(
        ROOT / "kefix", snapshot / "kefix", ignore=shutil.ignore_patterns("__pycache__")
    )
    _commit_all(snapshot)
    return snapshot


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Iterator[Path]:
    """A project with a DeepKE-shaped launch script: its TrainingArguments subclass defaults
    load_best_model_at_end to True while the script evaluates never and saves every epoch."""
    repo = tmp_path / "project"
    shutil.copytree(DEEPKE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "ft_scripts" / "fine_chatglm.bash").unlink()  # its only fix is unsafe
    _commit_all(repo)
    yield repo


def _try_repo(hook_source: Path, home: Path, repo: Path, hook_id: str) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_source), hook_id, "--all-files"],
        cwd=repo,
        env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return completed.returncode, completed.stdout + completed.stderr


def test_check_hook_fails_on_a_script_transformers_would_reject(
    hook_source: Path, pre_commit_home: Path, user_repo: Path
) -> None:
    before = (user_repo / "ft_scripts" / "fine_baichuan.bash").read_bytes()
    status, output = _try_repo(hook_source, pre_commit_home, user_repo, "kefix")
    assert status == 1, output
    assert "kefix" in output and "Failed" in output
    assert "fine_baichuan.bash:23:5: KF001" in output
    assert (user_repo / "ft_scripts" / "fine_baichuan.bash").read_bytes() == before


def test_fix_hook_rewrites_the_script_as_kefix_apply_does(
    hook_source: Path, pre_commit_home: Path, user_repo: Path, tmp_path: Path
) -> None:
    expected = tmp_path / "expected"
    shutil.copytree(user_repo, expected, ignore=shutil.ignore_patterns(".git"))
    CliRunner().invoke(main, ["--apply", str(expected)])

    status, output = _try_repo(hook_source, pre_commit_home, user_repo, "kefix-fix")

    assert status == 1, output  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in output
    script = user_repo / "ft_scripts" / "fine_baichuan.bash"
    assert "--load_best_model_at_end False" in script.read_text()
    assert script.read_bytes() == (expected / "ft_scripts" / "fine_baichuan.bash").read_bytes()
    changed = git(user_repo, "status", "--porcelain").split()
    assert changed == ["M", "ft_scripts/fine_baichuan.bash"]
    # The check hook now reports only what needs a person: the unsafe bf16 fix, a line lower.
    status, output = _try_repo(hook_source, pre_commit_home, user_repo, "kefix")
    assert "KF001" not in output
    assert "fine_baichuan.bash:30:5: KF202" in output
