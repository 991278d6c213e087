"""[tool.kefix] / kefix.toml: the nearest file wins, unknown keys are errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefix.config import ConfigError, Settings, StrategyFix, find_config_file, load_settings
from kefix.model import Applicability


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nearest_pyproject_with_a_kefix_table_wins(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", '[tool.kefix]\ntarget-transformers = "4.40"\n')
    # A pyproject without [tool.kefix] in between does not stop the search.
    _write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    script = _write(tmp_path / "sub" / "scripts" / "run.sh", "python train.py\n")
    assert find_config_file(script) == tmp_path / "pyproject.toml"
    _write(tmp_path / "sub" / "kefix.toml", 'strategy-fix = "align"\n')
    assert find_config_file(script) == tmp_path / "sub" / "kefix.toml"


def test_values_are_read_into_settings(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "pyproject.toml",
        "[tool.kefix]\n"
        'target-transformers = ">=4.41,<4.46"\n'
        'strategy-fix = "disable-best"\n'
        "unsafe-fixes = true\n"
        'select = ["KF0"]\n'
        'extend-select = ["kf202"]\n'
        'ignore = ["KF003"]\n',
    )
    settings = load_settings(config, Settings())
    assert settings.target_transformers == ">=4.41,<4.46"
    assert settings.strategy_fix is StrategyFix.DISABLE_BEST
    assert settings.unsafe_fixes is True
    assert settings.select == ("KF0", "KF202")
    assert [settings.is_selected(c) for c in ("KF001", "KF003", "KF202", "KF201")] == [
        True,
        False,
        True,
        False,
    ]


def test_a_longer_prefix_decides_between_select_and_ignore() -> None:
    settings = Settings(select=("KF001",), ignore=("KF0",))
    assert settings.is_selected("KF001")
    assert not settings.is_selected("KF002")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.kefix]\ntarget = "4.40"\n', "unknown key 'target'"),
        ('[tool.kefix]\nstrategy-fix = "maybe"\n', "strategy-fix must be one of"),
        ('[tool.kefix]\nselect = "KF001"\n', "select must be a list of rule codes"),
        ("[tool.kefix\n", "cannot read"),
    ],
)
def test_bad_configuration_names_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    config = _write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as raised:
        load_settings(config, Settings())
    assert str(raised.value).startswith(f"{config}: ")
    assert message in str(raised.value)


def test_the_cli_reads_tool_kefix_and_its_flags_win(tmp_path: Path) -> None:
    import subprocess
    import sys

    _write(
        tmp_path / "pyproject.toml",
        '[tool.kefix]\nignore = ["KF201"]\n',
    )
    _write(tmp_path / "run.sh", "python train.py --output_dir out --fp16 --bf16 --do_train\n")

    def kefix(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kefix", *args, "run.sh"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    assert kefix().returncode == 0
    flagged = kefix("--select", "KF201")
    assert flagged.returncode == 1
    assert "KF201" in flagged.stdout
    _write(tmp_path / "pyproject.toml", '[tool.kefix]\nselekt = ["KF201"]\n')
    broken = kefix()
    assert broken.returncode == 2
    assert "unknown key 'selekt'" in broken.stderr


# --------------------------------------------------------- per-file-ignores, excludes, fix safety


def test_per_file_ignores_patterns_are_relative_to_the_config_files_directory(
    tmp_path: Path,
) -> None:
    config = _write(
        tmp_path / "pyproject.toml",
        '[tool.kefix.per-file-ignores]\n"scripts/legacy/*.sh" = ["KF101"]\n"*.bash" = ["kf2"]\n',
    )
    settings = load_settings(config, Settings())
    assert settings.ignored_in(tmp_path / "scripts" / "legacy" / "old.sh") == ("KF101",)
    assert settings.ignored_in(tmp_path / "scripts" / "new.sh") == ()
    assert settings.ignored_in(tmp_path / "a" / "b" / "x.bash") == ("KF2",)
    # Outside the config file's directory a pattern matches nothing.
    assert settings.ignored_in(tmp_path.parent / "scripts" / "legacy" / "old.sh") == ()


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "kefix.toml",
        'exclude = ["build/"]\nextend-exclude = ["scratch/*.sh"]\n'
        "respect-gitignore = false\nforce-exclude = true\n",
    )
    settings = load_settings(config, Settings())
    assert [p.patterns for p in settings.exclude] == [("build/",)]
    assert [p.patterns for p in settings.extend_exclude] == [("scratch/*.sh",)]
    assert settings.exclude[0].base == tmp_path.resolve()
    assert settings.respect_gitignore is False and settings.force_exclude is True


def test_extend_safe_and_unsafe_fixes_promote_and_demote_by_longest_prefix(
    tmp_path: Path,
) -> None:
    config = _write(
        tmp_path / "kefix.toml",
        'extend-safe-fixes = ["KF0"]\nextend-unsafe-fixes = ["KF003", "KF1"]\n',
    )
    settings = load_settings(config, Settings())
    assert settings.applicability("KF001", Applicability.UNSAFE) is Applicability.SAFE
    assert settings.applicability("KF003", Applicability.SAFE) is Applicability.UNSAFE
    assert settings.applicability("KF101", Applicability.SAFE) is Applicability.UNSAFE
    assert settings.applicability("KF202", Applicability.UNSAFE) is Applicability.UNSAFE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exclude = "build/"\n', "exclude must be a list of gitignore patterns"),
        ('per-file-ignores = ["x"]\n', "per-file-ignores must be a table"),
        ('per-file-ignores = {"*.sh" = "KF1"}\n', "per-file-ignores '*.sh' must be a list"),
        ('respect-gitignore = "no"\n', "respect-gitignore must be true or false"),
        ("extend-safe-fixes = [1]\n", "extend-safe-fixes must be a list of rule codes"),
        ('extend-excludes = ["x"]\n', "unknown key 'extend-excludes'"),
    ],
)
def test_bad_file_selection_values_name_the_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    config = _write(tmp_path / "kefix.toml", text)
    with pytest.raises(ConfigError) as error:
        load_settings(config, Settings())
    assert str(error.value).startswith(f"{config}: ")
    assert message in str(error.value)
