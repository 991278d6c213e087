"""The command line as users run it: dry run, --diff | git apply, --apply, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import kefix, snapshot

DEEPKE = Path(__file__).resolve().parent.parent / "fixtures" / "deepke"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "deepke"
    shutil.copytree(DEEPKE, target)
    return target


def test_dry_run_reports_findings_with_origin_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = kefix("ft_scripts", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        "ft_scripts/fine_baichuan.bash:23:5: KF001 [*] load_best_model_at_end=True needs "
        "matching strategies, but eval_strategy is 'no' and save_strategy is 'epoch'; "
        "transformers raises ValueError at start-up"
    ) in lines
    assert (
        "  = note: load_best_model_at_end=True comes from dataclass default, src/utils/args.py:14"
    ) in lines
    assert "+    --load_best_model_at_end False \\" in lines
    assert lines[-1] == "Found 3 findings; 1 fixable with --apply, 2 more with --unsafe-fixes."
    assert snapshot(project) == before


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_diff_applied_with_git_equals_apply(project: Path, tmp_path: Path, unsafe: bool) -> None:
    other = tmp_path / "other"
    shutil.copytree(project, other)
    flags = ["--unsafe-fixes"] if unsafe else []
    diff = kefix("--diff", *flags, ".", cwd=project)
    assert diff.returncode == 1
    assert diff.stdout.startswith("diff --git a/ft_scripts/")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", "-"], input=diff.stdout, text=True, cwd=project, check=True)
    applied = kefix("--apply", *flags, ".", cwd=other)
    assert applied.returncode == (0 if unsafe else 1)
    shutil.rmtree(project / ".git")
    assert snapshot(project) == snapshot(other)


def test_second_apply_changes_nothing(project: Path) -> None:
    first = kefix("--apply", "--unsafe-fixes", ".", cwd=project)
    assert first.returncode == 0, first.stdout
    assert first.stdout.splitlines()[-1] == "Found 3 findings (3 fixed, 0 remaining)."
    after_first = snapshot(project)
    second = kefix("--apply", "--unsafe-fixes", ".", cwd=project)
    assert second.returncode == 0
    assert second.stdout.strip() == "All checks passed."
    assert snapshot(project) == after_first


def test_apply_keeps_the_executable_bit(project: Path) -> None:
    script = project / "ft_scripts" / "fine_baichuan.bash"
    script.chmod(0o755)
    kefix("--apply", ".", cwd=project)
    assert script.stat().st_mode & 0o777 == 0o755
    assert "--load_best_model_at_end False" in script.read_text()


def test_clean_script_exits_zero(project: Path) -> None:
    result = kefix("ft_scripts/fine_llama.bash", cwd=project)
    assert result.returncode == 0
    assert result.stdout.strip() == "All checks passed."


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = kefix("no/such/dir", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_unreadable_file_is_reported_and_the_run_goes_on(project: Path) -> None:
    (project / "ft_scripts" / "broken.sh").symlink_to(project / "missing.sh")
    result = kefix("ft_scripts", cwd=project)
    assert result.returncode == 1  # the findings decide; the unread file is said on stderr
    assert "ft_scripts/broken.sh:1:1: KF902 could not read" in result.stderr
    assert "fine_baichuan.bash:23:5: KF001" in result.stdout


def test_unreadable_file_alone_exits_zero_but_two_under_strict(project: Path) -> None:
    (project / "clean").mkdir()
    shutil.copy(project / "ft_scripts" / "fine_llama.bash", project / "clean")
    (project / "clean" / "broken.sh").symlink_to(project / "missing.sh")
    lenient = kefix("clean", cwd=project)
    assert (lenient.returncode, lenient.stdout) == (0, "All checks passed.\n")
    assert lenient.stderr.startswith("clean/broken.sh:1:1: KF902 could not read")
    strict = kefix("--strict", "clean", cwd=project)
    assert strict.returncode == 2
    assert "Traceback" not in strict.stderr


def test_unparsable_launch_is_a_finding_and_exit_two_under_strict(tmp_path: Path) -> None:
    (tmp_path / "nul.sh").write_bytes(b"python train.py --fp16\x00--bf16 \\\n\x00\x00\n")
    lenient = kefix("nul.sh", cwd=tmp_path)
    assert lenient.returncode == 1
    assert "nul.sh:1:1: KF901 could not parse this launch" in lenient.stdout
    assert kefix("--strict", "nul.sh", cwd=tmp_path).returncode == 2


def test_exit_zero_even_with_findings_but_not_for_usage_errors(project: Path) -> None:
    assert kefix("--exit-zero", "ft_scripts", cwd=project).returncode == 0
    assert kefix("--exit-zero", "--format", "nope", "ft_scripts", cwd=project).returncode == 2


def test_exit_non_zero_on_fix_when_apply_changed_a_file(project: Path) -> None:
    fixed_all = kefix("--apply", "--unsafe-fixes", "--exit-non-zero-on-fix", ".", cwd=project)
    assert fixed_all.stdout.splitlines()[-1] == "Found 3 findings (3 fixed, 0 remaining)."
    assert fixed_all.returncode == 1
    nothing_left = kefix("--apply", "--exit-non-zero-on-fix", ".", cwd=project)
    assert nothing_left.returncode == 0


def test_closing_the_pipe_early_is_not_a_traceback(project: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "kefix", "--format", "json", "ft_scripts"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait()
    assert b"Traceback" not in stderr


def test_strategy_fix_align_proposes_evaluation_instead(project: Path) -> None:
    result = kefix("--diff", "--unsafe-fixes", "--strategy-fix", "align", ".", cwd=project)
    assert '+    --evaluation_strategy "epoch" \\' in result.stdout.splitlines()
    assert "--load_best_model_at_end False" not in result.stdout


def test_explain_prints_the_rule_documentation(tmp_path: Path) -> None:
    result = kefix("--explain", "KF001", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# strategy-mismatch (KF001)")
    for section in ("## What it does", "## Why it matters", "## Example", "## Fix safety"):
        assert section in result.stdout


def test_explain_unknown_code_is_an_error(tmp_path: Path) -> None:
    result = kefix("--explain", "KF999", cwd=tmp_path)
    assert result.returncode == 2


def test_diff_of_a_gbk_script_applies_byte_for_byte(tmp_path: Path) -> None:
    project = tmp_path / "gbk"
    (project / "scripts").mkdir(parents=True)
    original = (
        "# 百川2 微调\n".encode("gbk")
        + b"python train.py --output_dir \xb0\xd9 --model_name_or_path gpt2 --fp16 --bf16\n"
    )
    (project / "scripts" / "run.sh").write_bytes(original)
    other = tmp_path / "other"
    shutil.copytree(project, other)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    raw = subprocess.run(
        [sys.executable, "-m", "kefix", "--diff", "--unsafe-fixes", "."],
        cwd=project,
        capture_output=True,
        check=False,
    ).stdout
    subprocess.run(["git", "apply", "-"], input=raw, cwd=project, check=True)
    kefix("--apply", "--unsafe-fixes", ".", cwd=other)
    fixed = (project / "scripts" / "run.sh").read_bytes()
    assert fixed == (other / "scripts" / "run.sh").read_bytes()
    assert fixed == original.replace(b" --fp16 --bf16", b" --bf16")
