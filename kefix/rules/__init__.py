"""The rule registry: every code kefix can report, and the rules that report them."""

from __future__ import annotations

from collections.abc import Mapping

from kefix.rules.ambiguous_abbreviation import AmbiguousAbbreviation
from kefix.rules.base import Rule
from kefix.rules.bf16_native_model import Bf16NativeModel
from kefix.rules.broken_continuation import BrokenContinuation
from kefix.rules.duplicate_flag import DuplicateFlag
from kefix.rules.invalid_value import InvalidValue
from kefix.rules.precision_conflict import PrecisionConflict
from kefix.rules.removed_flag import RemovedFlag
from kefix.rules.renamed_flag import RenamedFlag
from kefix.rules.save_steps_multiple import SaveStepsMultiple
from kefix.rules.strategy_mismatch import StrategyMismatch
from kefix.rules.unknown_flag import UnknownFlag

RULES: tuple[Rule, ...] = (
    StrategyMismatch(),
    SaveStepsMultiple(),
    BrokenContinuation(),
    PrecisionConflict(),
    Bf16NativeModel(),
    RenamedFlag(),
    RemovedFlag(),
    UnknownFlag(),
    AmbiguousAbbreviation(),
    InvalidValue(),
    DuplicateFlag(),
)

# kefix's own diagnostics (KF9xx): not rules over a configuration, but codes users can see.
DIAGNOSTICS: Mapping[str, str] = {
    "KF901": "could-not-parse",
    "KF902": "unreadable-file",
    "KF903": "fix-not-verified",
}


def rule_by_code(code: str) -> Rule | None:
    return next((rule for rule in RULES if rule.code == code), None)
