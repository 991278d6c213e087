"""The oracle across releases: kefix's per-release flag knowledge against the real parser of
several transformers releases, each installed in its own throw-away venv (no torch).

This is `scripts/oracle_matrix.py` with a smaller sample; the first run builds the venvs from
the package index (about 20 s per release), later runs reuse them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASES = "4.28.1,4.40.2,4.46.3"


def test_three_releases_agree_with_kefix_on_generated_launches() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "oracle_matrix.py"),
            "--versions",
            RELEASES,
            "--launches",
            "200",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "total: 600/600 launch x release verdicts agree" in result.stdout
