"""Patterns some runs never use are compiled by their first use, once."""

from __future__ import annotations

import re

import pytest

from kefix.lazy_pattern import LazyPattern


def test_a_pattern_is_compiled_by_its_first_use_and_only_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[object] = []
    real = re.compile

    def counting(source: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(source)
        return real(source, flags)

    monkeypatch.setattr(re, "compile", counting)
    words = LazyPattern(r"\bkefix\b", re.IGNORECASE)
    assert compiled == []
    assert words().search("run KEFIX here") is not None
    assert words() is words()
    assert compiled == [r"\bkefix\b"]


def test_a_bytes_pattern_matches_bytes() -> None:
    assert LazyPattern(rb"--(\w+)")().findall(b"--bf16 --fp16") == [b"bf16", b"fp16"]
