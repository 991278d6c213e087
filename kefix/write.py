"""Read a source file losslessly and write its fixed text back atomically.

A fix must change only the characters it means to change, so text is decoded with
surrogateescape (undecodable bytes survive), a BOM stays as "\\ufeff" and line endings are never
translated. Writing goes through a temp file and os.replace so a crash never leaves half a file,
and refuses to overwrite edits made after the file was read.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import msgspec

ENCODING = "utf-8"
ERRORS = "surrogateescape"


class FileChangedOnDisk(Exception):
    """The file changed between read and write; nothing was written."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: changed on disk since it was read; not overwritten")
        self.path = path


class SourceText(msgspec.Struct, frozen=True):
    """A file's exact bytes and their lossless decoding."""

    path: Path
    text: str
    raw: bytes


def read_source(path: Path) -> SourceText:
    """Read `path` so that encoding `text` with utf-8/surrogateescape gives back `raw` exactly."""
    return source_text(path, read_bytes(path))


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of the file at ``path``, read as the file's size says, to the end.

    Neither a pathlib object nor a buffered file: ``open(path, "rb").read()`` also asks whether
    the file is a terminal and where it stands (four of its nine system calls), and a
    monorepo's run reads tens of thousands of files, most of which it then only hashes.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        size = os.fstat(fd).st_size
        chunks = [os.read(fd, size + 1)]  # the whole file, as its size says; then its end
        while chunks[-1]:
            chunks.append(os.read(fd, max(size, 1 << 16)))
    finally:
        os.close(fd)
    return b"".join(chunks) if len(chunks) > 2 else chunks[0]


def source_text(path: Path, raw: bytes) -> SourceText:
    """The file at ``path`` as read (``raw``), with its lossless decoding."""
    return SourceText(path=path, text=raw.decode(ENCODING, ERRORS), raw=raw)


def write_atomically(source: SourceText, new_text: str) -> None:
    """Replace the file's content with `new_text`, atomically and only if it is unchanged.

    Encode with utf-8/surrogateescape, write to a temp file in the same directory (os.replace
    is only atomic within one file system), fsync, keep the original's permission bits, and
    os.replace it over the real file. A symlink is kept: its target is rewritten. Just before
    replacing, the file is re-read; if its bytes differ from `source.raw` (someone edited it
    meanwhile) the temp file is removed and FileChangedOnDisk is raised.
    """
    # Encode first: a text that cannot be encoded must fail before anything touches the disk.
    payload = new_text.encode(ENCODING, ERRORS)
    target = Path(os.path.realpath(source.path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        raise FileChangedOnDisk(source.path) from None
    import tempfile  # only --apply writes (and tempfile imports shutil, random, bz2, lzma)

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".kefix")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; chmod is not subject to the umask, so the bits come out exact.
        os.chmod(tmp, mode)
        if _current_bytes(target) != source.raw:
            raise FileChangedOnDisk(source.path)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_directory(target.parent)


def _current_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself; not every platform lets a directory be opened, so best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
