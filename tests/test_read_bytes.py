"""kefix.write.read_bytes gives a file's bytes exactly, whatever its size said when it was
opened: it reads as the size says, then to the end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kefix import write
from kefix.write import read_bytes


@pytest.mark.parametrize("size", [0, 1, 4095, 65536, 65537, 2 * 1024 * 1024])
def test_a_file_is_read_whole(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "file.bin"
    path.write_bytes(data)

    assert read_bytes(path) == data
    assert read_bytes(str(path)) == data


@pytest.mark.parametrize("said", [0, 10, 5000, 10**6])
def test_a_file_whose_size_changed_since_it_was_opened_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, said: int
) -> None:
    """The size fstat gives may be old (a file still being written, or one /proc says is
    empty): the bytes there are what counts."""
    data = bytes(range(256)) * 40  # 10,240 bytes
    path = tmp_path / "growing.txt"
    path.write_bytes(data)
    real_fstat = os.fstat

    class _Said:
        def __init__(self, fd: int) -> None:
            self.st_size = said
            self.st_mode = real_fstat(fd).st_mode

    monkeypatch.setattr(write.os, "fstat", _Said)

    assert read_bytes(path) == data


def test_a_missing_file_raises_and_leaves_no_descriptor_open(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "absent.txt")
    with pytest.raises(IsADirectoryError):
        read_bytes(tmp_path)
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
