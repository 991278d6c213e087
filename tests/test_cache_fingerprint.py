"""The cache starts fresh whenever kefix's own code or data changes: the fingerprint its entries
are kept under covers every code and data file of the package, at any depth."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kefix import cache as cache_module


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A stand-in for kefix's installed package, the one the fingerprint is taken of."""
    root = tmp_path / "kefix"
    (root / "rules").mkdir(parents=True)
    (root / "knowledge").mkdir()
    (root / "__pycache__").mkdir()
    (root / "cache.py").write_text("# the store\n")
    (root / "rules" / "precision_conflict.py").write_text("CODE = 'KF001'\n")
    (root / "knowledge" / "training_args.json").write_text("{}\n")
    (root / "__pycache__" / "cache.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setattr(cache_module, "__file__", str(root / "cache.py"))
    cache_module.code_fingerprint.cache_clear()
    yield root
    cache_module.code_fingerprint.cache_clear()


def _fingerprint() -> str:
    cache_module.code_fingerprint.cache_clear()
    return cache_module.code_fingerprint()


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_fingerprint_is_stable_while_nothing_changes(package: Path) -> None:
    assert _fingerprint() == _fingerprint()


@pytest.mark.parametrize(
    "relative", ["cache.py", "rules/precision_conflict.py", "knowledge/training_args.json"]
)
def test_an_edited_code_or_data_file_changes_the_fingerprint(package: Path, relative: str) -> None:
    before = _fingerprint()
    _touch_later(package / relative)
    assert _fingerprint() != before
    touched = _fingerprint()
    path = package / relative
    stat = path.stat()
    path.write_text(path.read_text() + " ")  # a new size, even at the same time
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _fingerprint() != touched


def test_a_new_or_renamed_module_changes_the_fingerprint(package: Path) -> None:
    before = _fingerprint()
    (package / "rules" / "new_rule.py").write_text("")
    added = _fingerprint()
    assert added != before
    (package / "rules" / "new_rule.py").rename(package / "rules" / "other_rule.py")
    assert _fingerprint() not in (before, added)


def test_bytecode_and_other_files_do_not_change_the_fingerprint(package: Path) -> None:
    before = _fingerprint()
    _touch_later(package / "__pycache__" / "cache.cpython-311.pyc")
    (package / "__pycache__" / "rules.cpython-311.pyc").write_bytes(b"\0")
    (package / "notes.txt").write_text("")
    assert _fingerprint() == before
