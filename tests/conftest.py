"""Test-wide settings.

Under CI (``CI=true``), hypothesis runs a fixed, derandomized sequence of examples so that a
result can be reproduced. Local runs keep exploring new examples: that is how they found the
tree-sitter-bash segmentation fault described in the closing note of the first session.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
