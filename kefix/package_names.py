"""Package names as PyPI compares them (PEP 503), without importing ``packaging.utils``.

``packaging.utils`` imports ``packaging.tags`` and with it ``logging`` and ``platform``: ~7 ms of
every start, paid for one regular expression.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """``name`` normalized as ``packaging.utils.canonicalize_name`` does: runs of ``-``, ``_``
    and ``.`` become one ``-``, letters lower case (``Transformers_Stream.Generator`` ->
    ``transformers-stream-generator``)."""
    return _SEPARATORS.sub("-", name).lower()
