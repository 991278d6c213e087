"""Which files a run reads: exclude / extend-exclude (gitignore syntax), .gitignore, and
force-exclude for paths named on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefix.config import PathPatterns, Settings
from kefix.discover import SourceFile, discover


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in (
        "run.sh",
        "build/gen.sh",
        "scripts/train.sh",
        "scripts/legacy/old.sh",
        "node_modules/pkg/x.sh",
        "logs/ignored.sh",
        "logs/keep.sh",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("python train.py\n")
    return tmp_path


def found(paths: list[Path], settings: Settings, root: Path) -> list[str]:
    return [
        item.path.relative_to(root).as_posix()
        for item in discover(paths, settings)
        if isinstance(item, SourceFile)
    ]


def git_repository(root: Path, gitignore: str) -> None:
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".gitignore").write_text(gitignore)


def test_default_excludes_skip_vendored_directories(tree: Path) -> None:
    assert "node_modules/pkg/x.sh" not in found([tree], Settings(), tree)


def test_exclude_and_extend_exclude_use_gitignore_syntax_relative_to_their_base(
    tree: Path,
) -> None:
    settings = Settings(
        extend_exclude=(PathPatterns(("build/", "scripts/legacy/*.sh"), tree.resolve()),)
    )
    assert found([tree], settings, tree) == [
        "run.sh",
        "logs/ignored.sh",
        "logs/keep.sh",
        "scripts/train.sh",
    ]


def test_exclude_replaces_the_default_list(tree: Path) -> None:
    settings = Settings(exclude=(PathPatterns(("build",), tree.resolve()),))
    assert "node_modules/pkg/x.sh" in found([tree], settings, tree)
    assert "build/gen.sh" not in found([tree], settings, tree)


def test_gitignore_is_respected_inside_a_git_repository(tree: Path) -> None:
    git_repository(tree, "logs/*\n!logs/keep.sh\nbuild/\n")
    (tree / ".git" / "info" / "exclude").write_text("run.sh\n")
    (tree / "scripts" / ".gitignore").write_text("legacy/\n")
    assert found([tree], Settings(), tree) == ["logs/keep.sh", "scripts/train.sh"]
    everything = found([tree], Settings(respect_gitignore=False), tree)
    assert "build/gen.sh" in everything and "logs/ignored.sh" in everything


def test_gitignore_outside_a_git_repository_is_not_read(tree: Path) -> None:
    (tree / ".gitignore").write_text("build/\n")
    assert "build/gen.sh" in found([tree], Settings(), tree)


def test_files_named_explicitly_are_read_unless_force_exclude(tree: Path) -> None:
    git_repository(tree, "build/\n")
    named = [tree / "build" / "gen.sh", tree / "scripts" / "train.sh"]
    assert found(named, Settings(), tree) == ["build/gen.sh", "scripts/train.sh"]
    assert found(named, Settings(force_exclude=True), tree) == ["scripts/train.sh"]


def test_an_excluded_directory_named_explicitly_is_checked_unless_force_exclude(
    tree: Path,
) -> None:
    git_repository(tree, "build/\n")
    assert found([tree / "build"], Settings(), tree) == ["build/gen.sh"]
    assert found([tree / "build"], Settings(force_exclude=True), tree) == []
