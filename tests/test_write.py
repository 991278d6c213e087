"""Reading and writing a source file must be byte-exact, atomic and refuse to clobber edits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kefix.write import FileChangedOnDisk, SourceText, read_source, write_atomically

ROUND_TRIP = {
    "utf8": "lr=1e-4  # 学习率\n".encode(),
    "utf8_bom": b"\xef\xbb\xbfpython train.py\n",
    "gbk_bytes": "# 训练脚本\nlr=1\n".encode("gbk"),
    "invalid_utf8_mix": b"ok \xc3\xa9 bad \xff\xfe \xed\xa0\x80 end\n",
    "crlf": b"python train.py \\\r\n  --bf16\r\n",
    "mixed_endings": b"a\r\nb\nc\rd\r\n",
    "no_final_newline": b"a\nb",
    "tabs": b"\tpython train.py\t--lr 1\n",
    "empty": b"",
}


def _leftovers(directory: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


@pytest.mark.parametrize("raw", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_rewriting_unchanged_text_keeps_bytes_identical(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "train.sh"
    path.write_bytes(raw)
    source = read_source(path)
    assert source.raw == raw
    write_atomically(source, source.text)
    assert path.read_bytes() == raw
    assert _leftovers(tmp_path, "train.sh") == []


def test_bom_stays_in_text_as_first_character(tmp_path: Path) -> None:
    path = tmp_path / "t.sh"
    path.write_bytes(b"\xef\xbb\xbfx\n")
    assert read_source(path).text == "\ufeffx\n"


def test_crlf_is_not_translated_on_read(tmp_path: Path) -> None:
    path = tmp_path / "t.sh"
    path.write_bytes(b"a\r\nb\rc\n")
    assert read_source(path).text == "a\r\nb\rc\n"


def test_undecodable_bytes_survive_an_edit_elsewhere_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.sh"
    path.write_bytes(b"# \xd1\xb5 gbk\r\nlr=1\r\n")
    source = read_source(path)
    write_atomically(source, source.text.replace("lr=1", "lr=2"))
    assert path.read_bytes() == b"# \xd1\xb5 gbk\r\nlr=2\r\n"


def test_executable_bit_and_other_permission_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "run.sh"
    path.write_bytes(b"echo 1\n")
    path.chmod(0o751)
    write_atomically(read_source(path), "echo 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_bytes() == b"echo 2\n"


def test_symlink_stays_a_symlink_and_its_target_is_updated(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "train.sh"
    target.write_bytes(b"lr=1\n")
    link = tmp_path / "link.sh"
    link.symlink_to(Path("real") / "train.sh")
    write_atomically(read_source(link), "lr=2\n")
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "train.sh")
    assert target.read_bytes() == b"lr=2\n"
    assert _leftovers(real_dir, "train.sh") == []
    assert _leftovers(tmp_path, "real", "link.sh") == []


def test_file_changed_between_read_and_write_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "train.sh"
    path.write_bytes(b"lr=1\n")
    source = read_source(path)
    path.write_bytes(b"lr=1\n# edited by the user meanwhile\n")
    with pytest.raises(FileChangedOnDisk) as caught:
        write_atomically(source, "lr=2\n")
    assert caught.value.path == path
    assert path.read_bytes() == b"lr=1\n# edited by the user meanwhile\n"
    assert _leftovers(tmp_path, "train.sh") == []


def test_file_deleted_between_read_and_write_counts_as_changed(tmp_path: Path) -> None:
    path = tmp_path / "train.sh"
    path.write_bytes(b"lr=1\n")
    source = read_source(path)
    path.unlink()
    with pytest.raises(FileChangedOnDisk):
        write_atomically(source, "lr=2\n")
    assert _leftovers(tmp_path) == []


def test_failed_replace_leaves_original_untouched_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "train.sh"
    path.write_bytes(b"lr=1\n")
    source = read_source(path)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomically(source, "lr=2\n")
    assert path.read_bytes() == b"lr=1\n"
    assert _leftovers(tmp_path, "train.sh") == []


def test_unencodable_text_fails_before_touching_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "train.sh"
    path.write_bytes(b"lr=1\n")
    # A lone surrogate outside U+DC80..U+DCFF did not come from surrogateescape decoding.
    with pytest.raises(UnicodeEncodeError):
        write_atomically(read_source(path), "lr=\ud800\n")
    assert path.read_bytes() == b"lr=1\n"
    assert _leftovers(tmp_path, "train.sh") == []


def test_source_text_is_a_frozen_value(tmp_path: Path) -> None:
    source = SourceText(path=tmp_path / "x", text="", raw=b"")
    with pytest.raises(AttributeError):
        source.text = "changed"  # type: ignore[misc]
