"""The command line's choice of files and findings: suppression comments, per-file-ignores,
excludes and .gitignore, force-exclude, fix-safety overrides, as a user sees them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from support import kefix as run_kefix

TRAIN = (
    "from transformers import HfArgumentParser, TrainingArguments\n"
    "(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()\n"
)
MISMATCH = "--load_best_model_at_end --eval_strategy steps --save_strategy epoch"
LAUNCH = f"python train.py --output_dir out {MISMATCH}\n"


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_kefix("--format", "concise", *args, cwd=cwd)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"train.py": TRAIN, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_suppressed_finding_is_not_reported_counted_or_fixed(tmp_path: Path) -> None:
    write(tmp_path, {"run.sh": LAUNCH.rstrip("\n") + "  # kefix: ignore[KF001]\n"})
    result = kefix("--unsafe-fixes", "--apply", "run.sh", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "All checks passed."
    assert "# kefix: ignore[KF001]" in (tmp_path / "run.sh").read_text()


def test_unused_suppression_is_opt_in_and_fixed_safely(tmp_path: Path) -> None:
    write(tmp_path, {"run.sh": "# kefix: ignore[KF202]\n" + LAUNCH})
    assert "KF904" not in kefix("run.sh", cwd=tmp_path).stdout
    result = kefix("--extend-select", "KF904", "run.sh", cwd=tmp_path)
    assert "run.sh:1:3: KF904 [*] unused code KF202 in `kefix: ignore[KF202]`" in result.stdout
    kefix("--extend-select", "KF904", "--apply", "run.sh", cwd=tmp_path)
    assert (tmp_path / "run.sh").read_text() == LAUNCH


def test_per_file_ignores_from_the_config_and_the_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.kefix.per-file-ignores]\n"legacy/*.sh" = ["KF001"]\n',
            "legacy/old.sh": LAUNCH,
            "new.sh": LAUNCH,
        },
    )
    result = kefix(".", cwd=tmp_path)
    assert "new.sh:1:" in result.stdout and "legacy/old.sh" not in result.stdout
    result = kefix("--per-file-ignores", "new.sh:KF0", ".", cwd=tmp_path)
    assert "new.sh" not in result.stdout and "legacy/old.sh:1:" in result.stdout


def test_extend_safe_fixes_lets_apply_make_an_unsafe_fix(tmp_path: Path) -> None:
    write(tmp_path, {"kefix.toml": 'extend-safe-fixes = ["KF001"]\n', "run.sh": LAUNCH})
    result = kefix("--apply", "run.sh", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "--eval_strategy epoch" in (tmp_path / "run.sh").read_text()


def test_an_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"kefix.toml": 'excludes = ["x"]\n', "run.sh": LAUNCH})
    result = kefix("run.sh", cwd=tmp_path)
    assert result.returncode == 2
    assert "kefix.toml: unknown key 'excludes'" in result.stderr


def test_a_bad_per_file_ignores_flag_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"run.sh": LAUNCH})
    result = kefix("--per-file-ignores", "run.sh", "run.sh", cwd=tmp_path)
    assert result.returncode == 2 and "PATTERN:CODES" in result.stderr


def test_exclude_from_the_config_and_extend_exclude_from_the_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"kefix.toml": 'extend-exclude = ["build/"]\n', "build/gen.sh": LAUNCH, "a.sh": LAUNCH},
    )
    result = kefix(".", cwd=tmp_path)
    assert "a.sh:1:" in result.stdout and "build/gen.sh" not in result.stdout
    result = kefix("--extend-exclude", "a.sh", ".", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "All checks passed."


def test_force_exclude_holds_for_files_named_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, {"kefix.toml": 'extend-exclude = ["build/"]\n', "build/gen.sh": LAUNCH})
    assert "build/gen.sh:1:" in kefix("build/gen.sh", cwd=tmp_path).stdout
    result = kefix("--force-exclude", "build/gen.sh", cwd=tmp_path)
    assert result.returncode == 0 and "build/gen.sh" not in result.stdout


def test_gitignored_files_are_skipped_unless_no_respect_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "out/\n", "out/copy.sh": LAUNCH, "config.sh": "\n"})
    assert "out/copy.sh" not in kefix(".", cwd=tmp_path).stdout
    assert "out/copy.sh:1:" in kefix("--no-respect-gitignore", ".", cwd=tmp_path).stdout
