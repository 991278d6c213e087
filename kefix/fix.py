"""Fix intents -> edits -> verified new text.

Fixes are applied one at a time, each rendered against the text the previous one produced, and
each verified by analysing the new text again: the finding it targets must be gone and no new
finding may appear. A fix that fails is dropped and reported; the file never gets it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.model import (
    Applicability,
    Edit,
    EffectiveConfig,
    Finding,
    Intent,
    RemoveArg,
    RenameArg,
    RepairContinuation,
    SetArg,
)
from kefix.resolve import Resolver, args_for_fields, field_arg
from kefix.sources.bash import crosscheck, render

_MAX_FIXES_PER_FILE = 50


class CannotRender(Exception):
    """The intent has nothing to act on in this launch (e.g. a rename of a flag it lacks)."""


class OverlappingEdits(Exception):
    """Two edits of one fix touch the same characters; applying both would garble the text."""


@dataclass(frozen=True)
class DroppedFix:
    finding: Finding
    reason: str


@dataclass(frozen=True)
class FixOutcome:
    """The text after every fix that passed verification, and what happened to each fix."""

    original: FileAnalysis
    final: FileAnalysis
    applied: tuple[Finding, ...]
    dropped: tuple[DroppedFix, ...]

    @property
    def changed(self) -> bool:
        return self.final.text != self.original.text


def wants_fix(finding: Finding, include_unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and (include_unsafe or fix.applicability is Applicability.SAFE)


def fix_file(
    analysis: FileAnalysis, resolver: Resolver, settings: Settings, *, include_unsafe: bool
) -> FixOutcome:
    """Apply, one by one and verified, every fix of ``analysis`` that the applicability allows."""
    current = analysis
    applied: list[Finding] = []
    dropped: list[DroppedFix] = []
    given_up: set[tuple[str, int, str]] = set()
    for _ in range(_MAX_FIXES_PER_FILE):
        finding = next(
            (f for f in current.findings if wants_fix(f, include_unsafe) and f.key not in given_up),
            None,
        )
        if finding is None:
            break
        given_up.add(finding.key)
        try:
            new_text = apply_edits(current.text, plan_edits(current, finding))
        except (CannotRender, OverlappingEdits) as error:
            dropped.append(DroppedFix(finding, str(error)))
            continue
        candidate = analyze_text(current.path, current.display, new_text, resolver, settings)
        reason = _verification_failure(current, candidate, finding)
        if reason:
            dropped.append(DroppedFix(finding, reason))
            continue
        current = candidate
        applied.append(finding)
    return FixOutcome(analysis, current, tuple(applied), tuple(dropped))


def _verification_failure(before: FileAnalysis, after: FileAnalysis, target: Finding) -> str:
    after_keys = {finding.key for finding in after.findings}
    if target.key in after_keys:
        return "the finding is still there after the fix"
    if len(after.launches) != len(before.launches):
        return "the fix changed which commands are launches"
    if target.launch is not None:
        fixed_launch = after.launches[target.launch.ordinal]
        misread = crosscheck.disagreement(after.text, fixed_launch)
        if misread:
            return f"the fixed launch is ambiguous: {misread}"
    before_keys = {finding.key for finding in before.findings}
    new = [finding for finding in after.findings if finding.key not in before_keys]
    if new:
        return f"the fix would cause {new[0].code}: {new[0].message}"
    return ""


def plan_edits(analysis: FileAnalysis, finding: Finding) -> list[Edit]:
    """The edits that carry out ``finding``'s fix in the current text."""
    if finding.fix is None or finding.launch is None:
        raise CannotRender("no fix")
    config = analysis.config_of(finding.launch)
    if config is None:
        raise CannotRender("the launch is no longer resolvable")
    edits: list[Edit] = []
    for intent in finding.fix.intents:
        edits.extend(_render_intent(analysis.text, config, intent))
    return edits


def _render_intent(text: str, config: EffectiveConfig, intent: Intent) -> list[Edit]:
    launch = config.launch
    if isinstance(intent, SetArg):
        arg = field_arg(config, intent.name)
        if arg is not None:
            return render.set_value(text, launch, arg, intent.name, intent.value)
        anchor = next((a for name in intent.near if (a := field_arg(config, name))), None)
        return render.insert_flag(text, launch, anchor, intent.name, intent.value)
    if isinstance(intent, RemoveArg):
        args = args_for_fields(config, [intent.name])
        if not args:
            raise CannotRender(f"the launch has no --{intent.name} to remove")
        return [edit for arg in args for edit in render.remove_flag(text, launch, arg)]
    if isinstance(intent, RenameArg):
        arg = field_arg(config, intent.old)
        if arg is None:
            raise CannotRender(f"the launch has no --{intent.old} to rename")
        return render.rename_flag(text, launch, arg, intent.new)
    if isinstance(intent, RepairContinuation):
        return render.repair_continuation(text, launch, intent.detached)
    raise CannotRender(f"unknown intent {intent!r}")


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Splice edits into ``text`` from the end backwards so earlier offsets stay valid.

    Insertions at the same offset keep the order they were given in.
    """
    ordered = sorted(edits, key=lambda edit: (edit.span.start, edit.span.end))
    for previous, following in itertools.pairwise(ordered):
        if following.span.start < previous.span.end:
            raise OverlappingEdits(f"overlapping edits at offset {following.span.start}")
    result = text
    for edit in reversed(ordered):
        result = result[: edit.span.start] + edit.text + result[edit.span.end :]
    return result
