"""kefix compares package names in pins as PyPI does (PEP 503), like packaging does."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from kefix.package_names import canonical_name


@pytest.mark.parametrize(
    "name",
    ["transformers", "Transformers", "ms_swift", "ms-swift", "MS.Swift", "llama__factory", "trl"],
)
def test_names_compare_as_packaging_compares_them(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


def test_runs_of_separators_become_one_dash() -> None:
    assert canonical_name("Transformers_Stream.-Generator") == "transformers-stream-generator"
