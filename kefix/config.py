"""Settings of one kefix run; the CLI flags map onto them one to one."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class StrategyFix(enum.Enum):
    """Which fix strategy-mismatch (KF001) proposes."""

    AUTO = "auto"  # keep what the user wrote explicitly
    ALIGN = "align"  # evaluate on the save schedule (unsafe: adds evaluation)
    DISABLE_BEST = "disable-best"  # stop loading the best model at the end (safe)


@dataclass(frozen=True)
class Settings:
    strategy_fix: StrategyFix = StrategyFix.AUTO
    unsafe_fixes: bool = False
    target_transformers: str | None = None  # a release or specifier; None: read the project's pins
