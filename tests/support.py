"""What several test modules share: a git that ignores the machine's configuration, and the
argument dataclasses of fixtures/rules/src as the real parser needs them."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

# A fixed identity and no user or system git configuration: the tests must not depend on the
# machine's git setup, nor change it.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "kefix tests",
    "GIT_AUTHOR_EMAIL": "tests@kefix.invalid",
    "GIT_COMMITTER_NAME": "kefix tests",
    "GIT_COMMITTER_EMAIL": "tests@kefix.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@dataclasses.dataclass
class FixtureModelArguments:
    """Mirrors fixtures/rules/src/arguments.py, which kefix reads statically and tests may not
    import (kefix never imports scanned code; its tests keep the same distance)."""

    model_name_or_path: str | None = None
    template: str = "default"


@dataclasses.dataclass
class FixtureDataArguments:
    data_path: str | None = None
    max_length: int = 1024


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``kefix`` run as users run it, in a fresh process from ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "kefix", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its bytes: what a run must (not) have changed."""
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return {str(path.relative_to(root)): path.read_bytes() for path in files}
