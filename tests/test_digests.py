"""kefix's SHA-256 gives hashlib's digests whichever implementation computes them."""

from __future__ import annotations

import hashlib

import pytest

from kefix import digests


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 300])
def test_digests_are_hashlibs_before_and_after_the_budget(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = hashlib.sha256(data)
    expected.update(b"more")
    for hashed in (0, digests._BUILTIN_BUDGET):  # CPython's module, then OpenSSL's
        monkeypatch.setattr(digests, "_hashed", hashed)
        digest = digests.sha256(data)
        copied = digest.copy()
        digest.update(b"more")
        copied.update(b"more")
        assert digest.hexdigest() == copied.hexdigest() == expected.hexdigest()


def test_the_first_bytes_are_hashed_without_openssl(monkeypatch: pytest.MonkeyPatch) -> None:
    if digests._builtin is None:
        pytest.skip("this Python has no builtin SHA-256 module")
    monkeypatch.setattr(digests, "_hashed", 0)
    assert type(digests.sha256(b"x")) is not type(hashlib.sha256(b"x"))
    monkeypatch.setattr(digests, "_hashed", digests._BUILTIN_BUDGET)
    assert type(digests.sha256(b"x")) is type(hashlib.sha256(b"x"))
