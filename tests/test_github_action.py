"""action.yml, the example workflows in docs/workflows/, and the pull-request bot they describe.

actionlint checks the workflows and, through a workflow that uses the action from ``./``, the
action's own metadata and the inputs passed to it. The action's shell step is run here as the
runner would run it, and the bot's ``kefix --apply --format markdown`` is run end to end on a
temporary git repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support import git

from kefix.cli import main

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "docs" / "workflows").glob("*.yml"))
DEEPKE = ROOT / "fixtures" / "deepke"
KEFIX_ACTION = "OWNER/kefix@"  # how the example workflows name this action


def _actionlint() -> str:
    """The actionlint the test extra installs (next to this Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: pip install '.[test]'")
    return found


def _run_actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    # -shellcheck= and -pyflakes= : the result must not depend on what else is installed.
    return subprocess.run(
        [_actionlint(), "-oneline", "-shellcheck=", "-pyflakes=", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def _action() -> dict[str, object]:
    document = yaml.safe_load(ACTION.read_text())
    assert isinstance(document, dict)
    return document


def _action_inputs() -> dict[str, dict[str, object]]:
    inputs = _action()["inputs"]
    assert isinstance(inputs, dict)
    return inputs


def _kefix_steps(workflow: Path) -> list[dict[str, object]]:
    document = yaml.safe_load(workflow.read_text())
    return [
        step
        for job in document["jobs"].values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith(KEFIX_ACTION)
    ]


def test_example_workflows_exist() -> None:
    assert [path.name for path in WORKFLOWS] == ["kefix-bot.yml", "kefix-check.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_example_workflow_passes_actionlint(workflow: Path) -> None:
    completed = _run_actionlint(ROOT, workflow)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_action_metadata_and_its_inputs_pass_actionlint(tmp_path: Path) -> None:
    """actionlint reads a local action's action.yml when a workflow uses it from ``./``."""
    shutil.copy2(ACTION, tmp_path / "action.yml")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    with_inputs = "\n".join(f"          {name}: x" for name in _action_inputs())
    (workflows / "uses-kefix.yml").write_text(
        "on: push\n"
        "jobs:\n"
        "  kefix:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "      - uses: ./\n"
        "        with:\n"
        f"{with_inputs}\n"
    )
    git(tmp_path, "init", "-q")
    completed = _run_actionlint(tmp_path, workflows / "uses-kefix.yml")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_actionlint_rejects_an_input_the_action_does_not_declare(tmp_path: Path) -> None:
    """The check above can fail: a misspelt input is an error."""
    shutil.copy2(ACTION, tmp_path / "action.yml")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "uses-kefix.yml").write_text(
        "on: push\njobs:\n  kefix:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v5\n      - uses: ./\n        with:\n          modes: fix\n"
    )
    git(tmp_path, "init", "-q")
    completed = _run_actionlint(tmp_path, workflows / "uses-kefix.yml")
    assert completed.returncode == 1
    assert 'input "modes" is not defined' in completed.stdout


def test_action_is_composite_and_every_input_is_documented_and_used() -> None:
    action = _action()
    assert {"name", "description", "inputs", "runs"} <= set(action)
    runs = action["runs"]
    assert isinstance(runs, dict) and runs["using"] == "composite"
    inputs = _action_inputs()
    assert {"paths", "args", "mode"} <= set(inputs)
    assert inputs["mode"]["default"] == "check"
    text = ACTION.read_text()
    used = set(re.findall(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}", text))
    assert used == set(inputs)
    for name, spec in inputs.items():
        assert spec.get("description"), f"input {name} has no description"
    # Inputs reach the shell through env, never pasted into the script (script injection).
    for step in runs["steps"]:
        assert "${{" not in str(step.get("run", "")), step.get("name")


def test_action_installs_kefix_from_its_own_checkout() -> None:
    assert '"$KEFIX_SOURCE"' in ACTION.read_text()
    install = next(step for step in _action()["runs"]["steps"] if step["name"] == "Install kefix")
    assert install["env"]["KEFIX_SOURCE"] == "${{ github.action_path }}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_example_workflows_pass_only_inputs_the_action_declares(workflow: Path) -> None:
    steps = _kefix_steps(workflow)
    assert steps
    for step in steps:
        assert set(step.get("with", {})) <= set(_action_inputs())


def test_check_workflow_uploads_sarif_and_annotates() -> None:
    document = yaml.safe_load((ROOT / "docs" / "workflows" / "kefix-check.yml").read_text())
    assert "pull_request" in document[True]  # YAML 1.1 reads the key `on` as true
    (job,) = document["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = _kefix_steps(ROOT / "docs" / "workflows" / "kefix-check.yml")
    args = [str(step["with"].get("args", "")) for step in steps]
    assert any("--format sarif" in a for a in args)
    assert any("--format github" in a for a in args)
    upload = next(s for s in job["steps"] if "upload-sarif" in str(s.get("uses", "")))
    sarif_step = next(s for s in job["steps"] if "--format sarif" in str(s.get("with", {})))
    assert upload["with"]["sarif_file"] == sarif_step["with"]["output-file"]


def test_bot_workflow_updates_one_pull_request_with_the_markdown_report() -> None:
    path = ROOT / "docs" / "workflows" / "kefix-bot.yml"
    document = yaml.safe_load(path.read_text())
    assert {"schedule", "workflow_dispatch"} <= set(document[True])
    (job,) = document["jobs"].values()
    (fix,) = _kefix_steps(path)
    assert fix["with"]["mode"] == "fix"
    assert "--format markdown" in fix["with"]["args"]
    report = fix["with"]["output-file"]
    # create-pull-request commits every change in the checkout: the report must be outside it.
    assert report.startswith("${{ runner.temp }}/")
    create = next(
        step
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("peter-evans/create-pull-request@")
    )
    assert create["with"]["body-path"] == report
    assert "${{" not in create["with"]["branch"]  # a fixed branch: reruns update the same PR
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}


def _run_step_script() -> str:
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "kefix")
    assert step["shell"] == "bash"
    return str(step["run"])


def _run_action_step(
    tmp_path: Path, workspace: Path, *, paths: str, args: str, mode: str, output_file: str = ""
) -> tuple[int, dict[str, str]]:
    """The action's ``Run kefix`` step under bash, as the runner runs it (RUNNER_TEMP holds the
    environment the install step made; here it points at this Python's kefix)."""
    runner_temp = tmp_path / "runner-temp"
    (runner_temp / "kefix-venv" / "bin").mkdir(parents=True, exist_ok=True)
    kefix = runner_temp / "kefix-venv" / "bin" / "kefix"
    kefix.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kefix "$@"\n')
    kefix.chmod(0o755)
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    completed = subprocess.run(
        ["bash", "-e", "-c", _run_step_script()],
        cwd=workspace,
        env={
            **os.environ,
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_OUTPUT": str(outputs),
            "KEFIX_PATHS": paths,
            "KEFIX_ARGS": args,
            "KEFIX_MODE": mode,
            "KEFIX_OUTPUT": output_file,
        },
        capture_output=True,
        text=True,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return completed.returncode, values


def test_action_step_in_check_mode_fails_with_kefixs_exit_code(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(DEEPKE, workspace)
    status, outputs = _run_action_step(
        tmp_path,
        workspace,
        paths="ft_scripts",
        args="--format sarif",
        mode="check",
        output_file="kefix.sarif",
    )
    assert status == 1
    assert outputs == {"exit-code": "1"}
    assert '"ruleId": "KF001"' in (workspace / "kefix.sarif").read_text()


def test_action_step_in_fix_mode_applies_the_safe_fixes(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(DEEPKE, workspace)
    status, outputs = _run_action_step(
        tmp_path,
        workspace,
        paths="ft_scripts/fine_baichuan.bash  ft_scripts/fine_llama.bash",
        args="--exit-zero",
        mode="fix",
    )
    assert (status, outputs) == (0, {"exit-code": "0"})
    fixed = (workspace / "ft_scripts" / "fine_baichuan.bash").read_text()
    assert "--load_best_model_at_end False" in fixed


def test_action_step_rejects_an_unknown_mode(tmp_path: Path) -> None:
    status, _ = _run_action_step(tmp_path, tmp_path, paths=".", args="", mode="fixx")
    assert status == 2


def test_pr_bot_commit_holds_exactly_the_fixed_script_and_the_body_says_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What kefix-bot.yml does: kefix --apply --format markdown, then commit what changed."""
    repo = tmp_path / "project"
    shutil.copytree(DEEPKE / "src", repo / "src")
    shutil.copy2(DEEPKE / "requirements.txt", repo / "requirements.txt")
    (repo / "scripts").mkdir()
    for name in ("fine_baichuan.bash", "fine_llama.bash"):  # fixable; clean
        shutil.copy2(DEEPKE / "ft_scripts" / name, repo / "scripts" / name)
    (repo / "NOTES.md").write_text("Launch with scripts/fine_llama.bash.\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(repo)

    result = CliRunner().invoke(main, ["--apply", "--format", "markdown", "--exit-zero", "."])

    assert result.exit_code == 0, result.output
    body = result.output
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Fix Trainer launch scripts (kefix --apply)")
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == ["scripts/fine_baichuan.bash"]
    assert "--load_best_model_at_end False" in (repo / "scripts/fine_baichuan.bash").read_text()
    # What changed and why.
    assert body.startswith("## kefix: Trainer launch fixes\n")
    assert "kefix fixed 1; 1 needs a person's decision." in body
    assert "| KF001 | strategy-mismatch | 1 | 1 | 0 |" in body
    assert "Changed:\n\n- **KF001** strategy-mismatch, line 23:" in body
    assert "+    --load_best_model_at_end False \\" in body
    # The unsafe fix not applied: named, explained, and shown as a diff.
    assert "Not changed — needs a decision:\n\n- **KF202** bf16-native-model, line 29:" in body
    assert "unsafe fix, not applied: train in bf16 instead of fp16." in body
    unsafe = body.split("Unsafe fixes, not applied: diff of <code>scripts/fine_baichuan.bash")[1]
    assert "-    --fp16 \\\n+    --bf16 \\" in unsafe
    assert "fine_llama" not in body  # the clean script is not mentioned


def test_pr_bot_changes_nothing_and_says_so_when_all_is_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "project"
    shutil.copytree(DEEPKE / "src", repo / "src")
    shutil.copy2(DEEPKE / "requirements.txt", repo / "requirements.txt")
    (repo / "run.sh").write_bytes((DEEPKE / "ft_scripts" / "fine_llama.bash").read_bytes())
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    monkeypatch.chdir(repo)

    result = CliRunner().invoke(main, ["--apply", "--format", "markdown", "."])

    assert result.exit_code == 0
    assert result.output == "## kefix report\n\nkefix found nothing to fix.\n"
    assert git(repo, "status", "--porcelain") == ""
