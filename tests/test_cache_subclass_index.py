"""The project's subclass index between runs: a file whose size and times are unchanged is not
read again, a changed or recently written one is, and a damaged record is just read again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kefix.resolve import filesystem
from kefix.sources.python import subclasses

ARGS = "from transformers import TrainingArguments\n\nclass MyArgs(TrainingArguments):\n    pass\n"
HOUR_NS = 3600 * 1_000_000_000


@pytest.fixture(autouse=True)
def no_state_kept() -> None:
    filesystem.restore_kept({})


def _project(root: Path) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "args.py").write_text(ARGS)
    (root / "pkg" / "other.py").write_text("class Plain(object):\n    pass\n")
    return root


def _written_long_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written now count as settled (a test cannot set a file's change time back)."""
    monkeypatch.setattr(subclasses, "_SETTLED_NS", -HOUR_NS)


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = subclasses._classes_in

    def counting(path: str, size: int) -> list[list[object]]:
        read.append(os.path.basename(path))
        return real(path, size)

    monkeypatch.setattr(subclasses, "_classes_in", counting)
    return read


def test_a_second_scan_reads_only_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _written_long_ago(monkeypatch)
    read = _reads(monkeypatch)
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert sorted(read) == ["args.py", "other.py"]

    read.clear()
    state = filesystem.changed_kept()
    assert state is not None
    filesystem.restore_kept(state)  # as the next run's cache gives it back
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert read == []

    (root / "pkg" / "other.py").write_text("class Derived(MyArgs):\n    pass\n")
    os.utime(root / "pkg" / "other.py", ns=(0, 0))  # even with an old modification time
    assert subclasses.index_answer(str(root)) == "Derived\nMyArgs"
    assert read == ["other.py"]


def test_files_written_moments_ago_are_read_again_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    subclasses.index_answer(str(root))
    read = _reads(monkeypatch)

    assert subclasses.index_answer(str(root)) == "MyArgs"
    # Their times may not show an edit made within the clock's resolution.
    assert sorted(read) == ["args.py", "other.py"]


def test_a_damaged_record_is_read_again_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _written_long_ago(monkeypatch)
    subclasses.index_answer(str(root))
    state = filesystem.changed_kept()
    assert state is not None
    for record in state["classes"].values():
        record[3] = [["Broken", 42]]
    filesystem.restore_kept(state)
    read = _reads(monkeypatch)

    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert sorted(read) == ["args.py", "other.py"]
    filesystem.restore_kept({"classes": 42})
    assert subclasses.index_answer(str(root)) == "MyArgs"


def _listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    listed: list[str] = []
    real = os.scandir

    def counting(path: str) -> object:
        listed.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    return listed


def _next_run() -> None:
    state = filesystem.changed_kept()
    if state is not None:
        filesystem.restore_kept(state)  # as the next run's cache gives it back


def test_unchanged_directories_are_not_listed_again_and_a_new_entry_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _written_long_ago(monkeypatch)
    listed = _listed(monkeypatch)
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert sorted(listed) == sorted([root.name, "pkg"])

    listed.clear()
    _next_run()
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert listed == []

    # A file added to a directory changes the directory's times: it is listed again.
    (root / "pkg" / "more.py").write_text("class MoreArgs(MyArgs):\n    pass\n")
    _next_run()
    assert subclasses.index_answer(str(root)) == "MoreArgs\nMyArgs"
    assert listed == ["pkg"]

    # So does a new subdirectory, and what it holds is found.
    listed.clear()
    (root / "sub").mkdir()
    (root / "sub" / "deep.py").write_text("class DeepArgs(MyArgs):\n    pass\n")
    _next_run()
    assert subclasses.index_answer(str(root)) == "DeepArgs\nMoreArgs\nMyArgs"
    assert sorted(listed) == sorted([root.name, "sub"])

    # Removing one is seen too.
    listed.clear()
    (root / "pkg" / "more.py").unlink()
    _next_run()
    assert subclasses.index_answer(str(root)) == "DeepArgs\nMyArgs"
    assert listed == ["pkg"]


def test_directories_listed_moments_ago_or_holding_a_symlink_are_listed_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    (root / "elsewhere").mkdir()
    (root / "links").mkdir()
    (root / "links" / "to_args.py").symlink_to(root / "elsewhere")
    listed = _listed(monkeypatch)
    assert subclasses.index_answer(str(root)) == "MyArgs"
    _next_run()
    listed.clear()
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert sorted(listed) == sorted([root.name, "elsewhere", "links", "pkg"])  # not settled

    _written_long_ago(monkeypatch)
    subclasses.index_answer(str(root))
    _next_run()
    listed.clear()
    assert subclasses.index_answer(str(root)) == "MyArgs"
    assert listed == ["links"]
    # The link's target changes from a directory to a file: the directory keeps its stamp.
    (root / "elsewhere").rmdir()
    (root / "elsewhere").write_text(ARGS.replace("MyArgs", "LinkedArgs"))
    assert subclasses.index_answer(str(root)) == "LinkedArgs\nMyArgs"


def test_a_damaged_listing_record_is_listed_again_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    _written_long_ago(monkeypatch)
    subclasses.index_answer(str(root))
    state = filesystem.changed_kept()
    assert state is not None
    for record in state["listings"].values():
        record[2] = [42]
    filesystem.restore_kept(state)
    assert subclasses.index_answer(str(root)) == "MyArgs"
    filesystem.restore_kept({"listings": 42})
    assert subclasses.index_answer(str(root)) == "MyArgs"


def _project_of(directory: str, here: str) -> str:
    """``project_answer`` spelt out: each directory looked at from the start."""
    parent = directory
    for _ in range(subclasses._MAX_LEVELS):
        if any(os.path.exists(os.path.join(parent, name)) for name in subclasses._PROJECT_MARKERS):
            return parent
        if parent == here:
            return here
        above = os.path.dirname(parent)
        if above == parent:
            break
        parent = above
    return directory


def test_directories_sharing_ancestors_find_their_own_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Markers at several depths, and directories deeper than the levels looked at.
    deep = tmp_path.joinpath("work", "repo", *"abcdefghijk")
    deep.mkdir(parents=True)
    (tmp_path / "work" / "repo" / "pyproject.toml").write_text("")
    (tmp_path / "work" / "repo" / "a" / "b" / "c" / "setup.py").write_text("")
    (tmp_path / "other" / "x").mkdir(parents=True)
    directories = [str(path) for path in sorted(tmp_path.rglob("*")) if path.is_dir()]
    asked: list[str] = []
    exists = filesystem.exists
    monkeypatch.setattr(filesystem, "exists", lambda path: asked.append(path) or exists(path))
    for here in (tmp_path, tmp_path / "work" / "repo" / "a" / "b", tmp_path / "other"):
        monkeypatch.chdir(here)
        with filesystem.snapshot():  # as during a run: ancestors looked at once
            found = {directory: subclasses.project_answer(directory) for directory in directories}
            found.update(
                {d: subclasses.project_answer(d) for d in reversed(directories)}  # other order
            )
        assert found == {directory: _project_of(directory, str(here)) for directory in directories}
        assert [path for path in asked if asked.count(path) > 1] == []
        asked.clear()
    answers = set(found.values())
    assert str(tmp_path / "work" / "repo") in answers
    assert str(tmp_path / "work" / "repo" / "a" / "b" / "c") in answers
    assert str(deep) in answers  # nothing within reach: its own directory


def test_a_project_marker_added_between_runs_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    monkeypatch.chdir(tmp_path)
    with filesystem.snapshot():
        assert subclasses.project_answer(str(tmp_path / "src")) == str(tmp_path)
    (tmp_path / "src" / "setup.cfg").write_text("")
    with filesystem.snapshot():
        assert subclasses.project_answer(str(tmp_path / "src")) == str(tmp_path / "src")


def test_a_forked_worker_sends_back_only_the_kept_state_it_changed() -> None:
    filesystem.keep("classes", {"/p/args.py": [1, 2, 3, []]})  # the parent's scan, before forking
    filesystem.inherit_kept()  # in the worker: the parent writes what it kept
    assert filesystem.changed_kept() is None
    filesystem.keep("classes", {"/q/args.py": [4, 5, 6, []]})  # the worker scans another root
    assert filesystem.changed_kept() == {"classes": {"/q/args.py": [4, 5, 6, []]}}
