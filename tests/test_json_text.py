"""JSON reports: ``dumps_indented`` writes exactly what ``json.dumps(indent=2,
ensure_ascii=False)`` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kefix.json_text import dumps_indented

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, children, max_size=4)
    ),
    max_leaves=30,
)


@given(_VALUES)
def test_the_text_is_json_dumps_with_an_indent_of_two(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_values_json_cannot_write_fail_as_json_fails() -> None:
    for value in ({"a": object()}, [1, {2, 3}], {("tuple", "key"): 1}):
        try:
            json.dumps(value, indent=2, ensure_ascii=False)
        except TypeError as error:
            expected = str(error)
        try:
            dumps_indented(value)
        except TypeError as error:
            assert str(error) == expected
        else:
            raise AssertionError(f"{value!r} was written")
