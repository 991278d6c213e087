"""Discovery asks about each directory's entries through ``Exclusion.in_directory`` (worked out
once a directory): its verdicts are exactly those of ``Exclusion.excludes`` on each path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kefix.config import PathPatterns, Settings
from kefix.discover import Exclusion, SourceFile, discover

NAMES = ("run.sh", "train.py", "build", "legacy", "keep.sh", "a.yaml", "sub", "x")


def _tree(root: Path) -> None:
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "exclude").write_text("*.yaml\n")
    (root / ".gitignore").write_text("build/\n*.sh\n!keep.sh\n/x\n")
    for folder in ("sub", "sub/legacy", "sub/legacy/deep", "other", "other/sub"):
        (root / folder).mkdir(parents=True)
    (root / "sub" / ".gitignore").write_text("legacy/deep\n!run.sh\ntrain.py\n")
    (root / "other" / ".gitignore").write_text("sub\n")


@pytest.mark.parametrize(
    "patterns",
    [
        (),
        (PathPatterns(("build", "legacy/", "sub/x"), None),),
        (
            PathPatterns(
                ("sub/legacy", "*.py", "/run.sh"),
                Path("."),
            ),
        ),
        (PathPatterns(("deep/", "keep.sh"), Path("sub/legacy")),),
        (PathPatterns(("legacy",), Path("sub/legacy")),),  # the base itself, seen as "."
        (PathPatterns((".",), Path("sub")),),
        (PathPatterns(("run.sh",), Path("elsewhere")),),
    ],
)
@pytest.mark.parametrize("respect_gitignore", [True, False])
def test_verdicts_per_directory_are_those_per_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    patterns: tuple[PathPatterns, ...],
    respect_gitignore: bool,
) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    absolute = tuple(
        PathPatterns(p.patterns, None if p.base is None else (tmp_path / p.base).resolve())
        for p in patterns
    )
    settings = Settings(extend_exclude=absolute, respect_gitignore=respect_gitignore)
    folders = ["/", str(tmp_path), ".", "sub", "sub/legacy", "sub/legacy/deep", "other"]
    folders += ["other/sub", str(tmp_path / "sub" / "legacy"), "sub/../other"]
    compared = 0
    for folder in folders:
        per_path = Exclusion(settings)
        per_directory = Exclusion(settings).in_directory(folder)
        for name in NAMES:
            for is_dir in (False, True):
                path = os.path.join(folder, name)
                assert per_directory(name, is_dir) == per_path.excludes(path, is_dir=is_dir), (
                    folder,
                    name,
                    is_dir,
                )
                compared += 1
    assert compared == len(folders) * len(NAMES) * 2


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_walk_of_nested_ignore_files_finds_what_git_does_not_ignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ignore chain of each directory is its parent's plus its own ``.gitignore``."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("*.yaml\n")
    (tmp_path / ".gitignore").write_text("build/\n*.sh\n!keep.sh\n/x.py\n")
    ignores = {
        "sub": "legacy/deep\n!run.sh\ntrain.py\n",
        "sub/legacy": "!*.yaml\nkeep.sh\n",
        "other": "sub\n",
        "other/deeper/still": "*.py\n!x.py\n",
    }
    for folder, text in ignores.items():
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / ".gitignore").write_text(text)
    folders = ["", "sub", "sub/legacy", "sub/legacy/deep", "other", "other/sub", "build"]
    folders += ["other/deeper", "other/deeper/still", "sub/build"]
    files = []
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        for name in ("run.sh", "keep.sh", "train.py", "x.py", "a.yaml"):
            (tmp_path / folder / name).write_text("#\n")
            files.append(f"{folder}/{name}".lstrip("/"))
    monkeypatch.chdir(tmp_path)
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(files),
        capture_output=True,
        text=True,
    ).stdout.split()
    found = {
        item.path.relative_to(tmp_path).as_posix()
        for item in discover([tmp_path], Settings(exclude=()))
        if isinstance(item, SourceFile)
    }

    assert found == set(files) - set(ignored)
    assert found and ignored  # both sides are exercised
