"""word_pattern finds exactly what the plain alternation of its words finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kefix.word_set import word_pattern

_WORD = st.text(alphabet="AaBb1_.", min_size=1, max_size=6)


def _plain(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(_WORD, min_size=1, max_size=8), text=st.text(alphabet="AaBb1_. (", max_size=30)
)
def test_finds_the_same_words_as_an_alternation(words: list[str], text: str) -> None:
    found = word_pattern(words).search(text)
    expected = _plain(words).search(text)
    assert (found is None) == (expected is None)


def test_a_word_and_its_longer_sibling() -> None:
    pattern = word_pattern(["Align", "AlignArguments", "TrainingArguments"])
    assert pattern.search("args = AlignArguments()")
    assert pattern.search("from x import Align")
    assert pattern.search("class Aligned: pass") is None
    assert pattern.search("MyTrainingArguments") is None


def test_no_words_match_nothing() -> None:
    assert word_pattern([]).search("TrainingArguments") is None
