"""Fix intents -> edits -> verified new text.

Fixes are applied one at a time, each rendered against the text the previous one produced, and
each verified by analysing the new text again: the finding it targets must be gone, no new
finding may appear, and the new text must parse to exactly the intended change: the launch's
flags differ from before only as the fix's intents say, its other words and every other command
of the script read the same as before. A fix that fails is dropped and reported (KF903); the file
never gets it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import msgspec

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.knowledge.training_args import InvalidFlagValue, convert_value, training_fields
from kefix.model import (
    Applicability,
    Arg,
    Edit,
    EffectiveConfig,
    FieldValue,
    Finding,
    Intent,
    Launch,
    RemoveArg,
    RenameArg,
    RepairContinuation,
    ReplaceText,
    SetArg,
    Span,
    Unknown,
)
from kefix.resolve import (
    Resolver,
    args_for_fields,
    args_named,
    field_arg,
    spelled_for,
    training_field_name,
)
from kefix.rules import UNUSED_SUPPRESSION
from kefix.sources import CannotRender, ParserCrashed, SourceAdapter, adapter_for

# Applied and dropped fixes together; a dropped fix is retried after each applied one.
_MAX_FIX_ATTEMPTS_PER_FILE = 200


class OverlappingEdits(Exception):
    """Two edits of one fix touch the same characters; applying both would garble the text."""


class DroppedFix(msgspec.Struct, frozen=True):
    finding: Finding
    reason: str


class FixOutcome(msgspec.Struct, frozen=True):
    """The text after every fix that passed verification, and what happened to each fix."""

    original: FileAnalysis
    final: FileAnalysis
    applied: tuple[Finding, ...]
    dropped: tuple[DroppedFix, ...]

    @property
    def changed(self) -> bool:
        return self.final.text != self.original.text


def _fix_order(finding: Finding) -> tuple[int, int]:
    """Repairs that change which flags a launch has go first: reattached continuations, then
    flags spelt for the target release; the consistency fixes then see the launch as it runs."""
    family = 0 if finding.code == "KF003" else 1 if finding.code.startswith("KF1") else 2
    return (family, finding.span.start)


def _restores_written_flags(finding: Finding) -> bool:
    """Fixes that make flags the script already writes take effect (a reattached continuation,
    a flag respelt for the target release) expose the configuration the script meant: findings
    about it are news for the user, not damage done by the fix. They still must verify."""
    return finding.code == "KF003" or finding.code in ("KF101",)


def wants_fix(finding: Finding, include_unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and (include_unsafe or fix.applicability is Applicability.SAFE)


def fix_file(
    analysis: FileAnalysis, resolver: Resolver, settings: Settings, *, include_unsafe: bool
) -> FixOutcome:
    """Apply, one by one and verified, every fix of ``analysis`` that the applicability allows.

    A fix dropped on one text is tried again once another fix has changed the text (a repaired
    continuation can make a flag fix verifiable), so one run reaches the fixed point.
    """
    current = analysis
    applied: list[Finding] = []
    dropped: dict[tuple[str, int, str], DroppedFix] = {}
    given_up: set[tuple[str, int, str]] = set()
    for _ in range(_MAX_FIX_ATTEMPTS_PER_FILE):
        candidates = [
            f for f in current.findings if wants_fix(f, include_unsafe) and f.key not in given_up
        ]
        finding = min(candidates, key=_fix_order, default=None)
        if finding is None:
            break
        given_up.add(finding.key)
        try:
            new_text = apply_edits(current.text, plan_edits(current, finding))
        except (CannotRender, OverlappingEdits) as error:
            dropped[finding.key] = DroppedFix(finding, str(error))
            continue
        try:
            candidate = analyze_text(
                current.path,
                current.display,
                new_text,
                resolver,
                settings,
                current.versions,
                kind=current.kind,
            )
            reason = _verification_failure(current, candidate, finding)
        except ParserCrashed as error:
            dropped[finding.key] = DroppedFix(finding, f"the fixed text could not be read: {error}")
            continue
        if reason:
            dropped[finding.key] = DroppedFix(finding, reason)
            continue
        current = candidate
        applied.append(finding)
        dropped.pop(finding.key, None)
        given_up.clear()
    return FixOutcome(analysis, current, tuple(applied), tuple(dropped.values()))


def _verification_failure(before: FileAnalysis, after: FileAnalysis, target: Finding) -> str:
    after_keys = {finding.key for finding in after.findings}
    if target.key in after_keys:
        return "the finding is still there after the fix"
    if len(after.launches) != len(before.launches):
        return "the fix changed which commands are launches"
    before_keys = {finding.key for finding in before.findings}
    # A fix that makes a suppression unnecessary is no worse for it (KF904 only says so).
    new = [
        finding
        for finding in after.findings
        if finding.key not in before_keys and finding.code != UNUSED_SUPPRESSION
    ]
    if new and not _restores_written_flags(target):
        return f"the fix would cause {new[0].code}: {new[0].message}"
    return semantic_difference(before, after, target)


# ----------------------------------------------------------------------- semantic verification


class _Kept(msgspec.Struct, frozen=True):
    """A flag the fix must leave exactly as it was."""

    name: str
    values: tuple[str | Unknown, ...]


class _Set(msgspec.Struct, frozen=True):
    """The flag a SetArg writes: any spelling of ``field`` that gives it ``value``."""

    field: str
    value: str | bool


class _Renamed(msgspec.Struct, frozen=True):
    """The flag a RenameArg respells: ``field``'s name, the old values."""

    field: str
    values: tuple[str | Unknown, ...]


_Expected = _Kept | _Set | _Renamed


def semantic_difference(before: FileAnalysis, after: FileAnalysis, target: Finding) -> str:
    """Why the new text does more (or less) than ``target``'s fix intends; '' if it does not.

    Compares parses, not text: the fixed launch must run the same entry point with the same
    environment and non-flag words, its flags must be the old ones transformed exactly as the
    intents say, and every other command of the script must read as the same words.
    """
    if target.fix is None or target.launch is None:
        return ""
    ordinal = target.launch.ordinal
    old_launch, new_launch = before.launches[ordinal], after.launches[ordinal]
    config = before.config_of(old_launch)
    new_config = after.config_of(new_launch)
    if config is None or new_config is None:
        return "the fixed launch no longer reads as a training launch"
    if (old_launch.launcher, old_launch.entry, old_launch.entry_kind) != (
        new_launch.launcher,
        new_launch.entry,
        new_launch.entry_kind,
    ):
        return "the fix would change what the launch runs"
    if len(old_launch.opaque) != len(new_launch.opaque):
        return "the fix would change the launch's opaque arguments"
    reason = adapter_for(before.kind).verify(
        before.text, after.text, old_launch, new_launch, target.fix.intents
    )
    if reason:
        return reason
    if any(isinstance(intent, RepairContinuation) for intent in target.fix.intents):
        return ""  # the adapter checked the repaired launch reads as the words it had
    expected = _expected_args(config, old_launch, target.fix.intents)
    return _match_args(expected, list(new_launch.args), new_config)


def _expected_args(
    config: EffectiveConfig, launch: Launch, intents: Sequence[Intent]
) -> list[_Expected]:
    """The launch's flags as the intents say they should read after the fix, in order.

    Flags a SetArg inserts are appended: where they land is the renderer's choice, and
    ``_match_args`` accepts them anywhere.
    """
    slots: list[tuple[Span | None, _Expected]] = [
        (arg.span, _Kept(arg.name, arg.values)) for arg in launch.args
    ]

    def replace_arg(arg: Arg, expected: _Expected) -> None:
        for index, (span, _) in enumerate(slots):
            if span == arg.span:
                slots[index] = (span, expected)
                return
        slots.append((None, expected))

    for intent in intents:
        if isinstance(intent, SetArg):
            arg = field_arg(config, intent.name)
            if arg is None:
                slots.append((None, _Set(intent.name, intent.value)))
            else:
                replace_arg(arg, _Set(intent.name, intent.value))
        elif isinstance(intent, RemoveArg):
            removed = {arg.span for arg in _removed_args(config, intent)}
            slots = [slot for slot in slots if slot[0] not in removed]
        elif isinstance(intent, RenameArg):
            for arg in args_named(config, intent.old):
                replace_arg(arg, _Renamed(intent.new, arg.values))
    return [expected for _, expected in slots]


def _field(name: str, version: str) -> str:
    return training_field_name(name, version) or name.replace("-", "_")


def _intended_value(field: str, value: str | bool, version: str) -> FieldValue:
    spec = training_fields(version=version).get(field)
    if isinstance(value, bool) or spec is None:
        return value
    try:
        return convert_value(spec, [value])
    except InvalidFlagValue:
        return value


def _fits(expected: _Expected, arg: Arg, config: EffectiveConfig) -> bool:
    if isinstance(expected, _Kept):
        return arg.name == expected.name and arg.values == expected.values
    if isinstance(expected, _Renamed):
        renamed_to = _field(expected.field, config.version)
        return _field(arg.name, config.version) == renamed_to and arg.values == expected.values
    if _field(arg.name, config.version) != expected.field:
        return False
    resolved = config.get(expected.field)
    return (
        resolved is not None
        and resolved.arg == arg
        and resolved.value == _intended_value(expected.field, expected.value, config.version)
    )


def _match_args(expected: list[_Expected], actual: list[Arg], config: EffectiveConfig) -> str:
    """'' when ``actual`` is ``expected`` in order, inserted flags allowed anywhere."""
    inserted = [item for item in expected if isinstance(item, _Set)]
    fixed = [item for item in expected if not isinstance(item, _Set)]
    # _Set items that replace a flag in place are matched in place first; only if that fails
    # are they treated as insertions (the renderer may rewrite a bare flag as a new word pair).
    if len(actual) == len(expected) and all(
        _fits(item, arg, config) for item, arg in zip(expected, actual, strict=True)
    ):
        return ""
    if _match_with_insertions(fixed, inserted, actual, config):
        return ""
    wanted = ", ".join(_describe(item) for item in expected)
    got = ", ".join("--" + arg.name for arg in actual)
    return f"the fixed launch's flags are not the intended ones (wanted {wanted}; got {got})"


def _match_with_insertions(
    fixed: Sequence[_Expected],
    inserted: Sequence[_Expected],
    actual: list[Arg],
    config: EffectiveConfig,
) -> bool:
    if not inserted:
        return len(fixed) == len(actual) and all(
            _fits(item, arg, config) for item, arg in zip(fixed, actual, strict=True)
        )
    first, rest = inserted[0], inserted[1:]
    return any(
        _fits(first, arg, config)
        and _match_with_insertions(fixed, rest, actual[:index] + actual[index + 1 :], config)
        for index, arg in enumerate(actual)
    )


def _describe(item: _Expected) -> str:
    if isinstance(item, _Set):
        return f"--{item.field} {item.value}"
    if isinstance(item, _Renamed):
        return f"--{item.field}"
    return f"--{item.name}"


def plan_edits(analysis: FileAnalysis, finding: Finding) -> list[Edit]:
    """The edits that carry out ``finding``'s fix in the current text."""
    if finding.fix is not None and all(isinstance(i, ReplaceText) for i in finding.fix.intents):
        return [Edit(i.span, i.text) for i in finding.fix.intents if isinstance(i, ReplaceText)]
    if finding.fix is None or finding.launch is None:
        raise CannotRender("no fix")
    config = analysis.config_of(finding.launch)
    if config is None:
        raise CannotRender("the launch is no longer resolvable")
    adapter = adapter_for(analysis.kind)
    edits: list[Edit] = []
    for intent in finding.fix.intents:
        edits.extend(_render_intent(adapter, analysis.text, config, intent))
    return edits


def _render_intent(
    adapter: SourceAdapter, text: str, config: EffectiveConfig, intent: Intent
) -> list[Edit]:
    launch = config.launch
    if isinstance(intent, SetArg):
        arg = field_arg(config, intent.name)
        if arg is not None:
            return adapter.set_value(text, launch, arg, intent.name, intent.value)
        anchor = next((a for name in intent.near if (a := field_arg(config, name))), None)
        name = spelled_for(intent.name, config.version)
        return adapter.insert_arg(text, launch, anchor, name, intent.value)
    if isinstance(intent, RemoveArg):
        args = _removed_args(config, intent)
        if not args:
            raise CannotRender(f"the launch has no --{intent.name} to remove")
        return [edit for arg in args for edit in adapter.remove_arg(text, launch, arg)]
    if isinstance(intent, RenameArg):
        args = args_named(config, intent.old)
        if not args:
            raise CannotRender(f"the launch has no --{intent.old} to rename")
        return [edit for arg in args for edit in adapter.rename_arg(text, launch, arg, intent.new)]
    if isinstance(intent, RepairContinuation):
        return adapter.repair(text, launch, intent.detached)
    if isinstance(intent, ReplaceText):
        return [Edit(intent.span, intent.text)]
    raise CannotRender(f"unknown intent {intent!r}")


def _removed_args(config: EffectiveConfig, intent: RemoveArg) -> list[Arg]:
    """The flags a RemoveArg deletes: all that set the field, or all but the one that wins."""
    args = args_for_fields(config, [intent.name])
    return args[:-1] if intent.keep_last else args


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
