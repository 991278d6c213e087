"""SHA-256 for the cache's keys, without loading OpenSSL for a run that hashes little.

``import hashlib`` loads OpenSSL's libcrypto (~3 ms of a ~90 ms pre-commit run on one script),
whose SHA-256 is ~5x faster per byte than CPython's own module. Both give the same digests, so
the first bytes a process hashes go through CPython's module and the rest through OpenSSL: one
script never loads libcrypto, a tree run pays ~1 ms more for its first quarter megabyte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast


class Sha256(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...

    def copy(self) -> Sha256: ...


# Bytes given to sha256() before it switches to OpenSSL (bytes given to update() do not count:
# kefix updates its digests with short keys, and hashes file contents whole).
_BUILTIN_BUDGET = 256 * 1024
_hashed = 0


def _builtin_sha256() -> Callable[[bytes], Sha256] | None:
    # CPython's own implementation, in a private module: where it is missing or named otherwise,
    # every digest comes from hashlib.
    for name in ("_sha2", "_sha256"):  # Python 3.12+, then 3.10-3.11
        try:
            module = __import__(name)
        except ImportError:
            continue
        return cast("Callable[[bytes], Sha256] | None", getattr(module, "sha256", None))
    return None


_builtin = _builtin_sha256()


def sha256(data: bytes = b"") -> Sha256:
    """A SHA-256 hash object, as ``hashlib.sha256(data)`` returns."""
    global _hashed
    _hashed += len(data)
    if _builtin is not None and _hashed <= _BUILTIN_BUDGET:
        return _builtin(data)
    import hashlib

    return hashlib.sha256(data)
