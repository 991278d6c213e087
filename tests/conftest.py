"""Test-wide settings.

Under CI (``CI=true``), hypothesis runs a fixed, derandomized sequence of examples so that a
result can be reproduced. Local runs keep exploring new examples: that is how they found the
tree-sitter-bash segmentation fault described in the closing note of the first session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _own_result_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Each test starts with an empty result cache of its own (``KEFIX_CACHE_DIR``, inherited by
    the kefix processes tests start): no test reads another's results, and no run writes a
    cache into the repository's fixtures. tests/test_cache.py unsets it to test the default."""
    monkeypatch.setenv("KEFIX_CACHE_DIR", str(tmp_path_factory.mktemp("kefix-cache")))
    yield
