"""A run's real paths: resolved through the directories it already resolved, yet always what
``os.path.realpath`` says, symlinks (relative, absolute, to files, looping) and ``..`` included."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from kefix.resolve import filesystem

PARTS = ("a", "b", "c", "..", ".", "to_x", "relative", "inner", "y", "absent", "f.txt")
PARTS += ("to_file", "loop", "x", "up")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.txt").write_text("")
    (tmp_path / "a" / "to_x").symlink_to(tmp_path / "x")
    (tmp_path / "a" / "relative").symlink_to("../x/y")
    (tmp_path / "a" / "inner").symlink_to("b/c")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a" / "loop")
    (tmp_path / "a" / "to_file").symlink_to(tmp_path / "a" / "b" / "f.txt")
    (tmp_path / "a" / "b" / "up").symlink_to("..")
    return tmp_path


def test_every_path_of_three_parts_resolves_as_os_path_realpath_says(tree: Path) -> None:
    paths = [
        os.path.join(tree, *parts)
        for length in (1, 2, 3)
        for parts in itertools.product(PARTS, repeat=length)
    ]
    with filesystem.snapshot():  # one run: its directories resolved once, for every path
        answers = [filesystem.answer("real", path) for path in paths]
    assert answers == [os.path.realpath(path) for path in paths]


@pytest.mark.parametrize("path", ["/", "/tmp/", "relative/x", "//tmp/x", "/tmp//x", "/tmp/./x"])
def test_odd_spellings_resolve_as_os_path_realpath_says(path: str) -> None:
    with filesystem.snapshot():
        assert filesystem.answer("real", path) == os.path.realpath(path)
