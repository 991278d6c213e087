"""After a fix: the bash script reads as before everywhere but in the fixed launch's flags.

Compares parses, not text: the fixed launch keeps its environment and its words other than
flags, every other command reads as the same words, no new syntax error appears, and bashlex
(an independent parser) reads the fixed launch's flags as tree-sitter does.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from kefix.model import BreakKind, Intent, Launch, LineIndex, RepairContinuation, Span, Unknown
from kefix.sources.bash import crosscheck
from kefix.sources.bash.continuations import merge_glued_words
from kefix.sources.bash.syntax import BashSyntax, Command, Word, parse_bash


def structural_difference(
    before_text: str,
    after_text: str,
    old_launch: Launch,
    new_launch: Launch,
    intents: Sequence[Intent],
) -> str:
    """Why ``after_text`` is more than ``before_text`` with the launch's flags changed."""
    misread = crosscheck.disagreement(after_text, new_launch)
    if misread:
        return f"the fixed launch is ambiguous: {misread}"
    old_syntax, new_syntax = parse_bash(before_text), parse_bash(after_text)
    old_command = _command_at(old_syntax, old_launch.span)
    new_command = _command_at(new_syntax, new_launch.span)
    if old_command is None or new_command is None:
        return "the fixed launch is not one command any more"
    if dict(old_command.env) != dict(new_command.env):
        return "the fix would change the launch's environment variables"
    repairs = [i for i in intents if isinstance(i, RepairContinuation)]
    if repairs:
        reason, absorbed = _check_repair(
            before_text, after_text, old_syntax, old_command, new_command, repairs
        )
        if reason:
            return reason
    else:
        absorbed = []
        old_words = _other_words(before_text, old_command, old_launch)
        if old_words != _other_words(after_text, new_command, new_launch):
            return "the fix would change the launch's words other than its flags"
    old_others = [c for c in old_syntax.commands if c is not old_command and c not in absorbed]
    new_others = [c for c in new_syntax.commands if c is not new_command]
    reason = _compare_commands(before_text, old_others, after_text, new_others)
    if reason:
        return reason
    if len(new_syntax.errors) > len(old_syntax.errors):
        return "the fixed text has a syntax error the original did not have"
    return ""


def _command_at(syntax: BashSyntax, span: Span) -> Command | None:
    return next((command for command in syntax.commands if command.span == span), None)


def _merged(text: str, command: Command) -> list[Word]:
    return merge_glued_words(text, command.words)[0]


def _other_words(text: str, command: Command, launch: Launch) -> list[str | Unknown]:
    """Values of the launch's words that belong to no flag: command, entry point, positionals."""
    # A word is a flag's when some flag's span holds it: among the spans starting at or before
    # the word, the furthest end reaches past it (a bisection, not a scan of every flag per word).
    spans = sorted((arg.span.start, arg.span.end) for arg in launch.args)
    starts = [start for start, _ in spans]
    furthest = list(itertools.accumulate((end for _, end in spans), max))
    values: list[str | Unknown] = []
    for word in _merged(text, command):
        index = bisect.bisect_right(starts, word.span.start) - 1
        if index < 0 or furthest[index] < word.span.end:
            values.append(word.value)
    return values


def _check_repair(
    old_text: str,
    new_text: str,
    old_syntax: BashSyntax,
    old_command: Command,
    new_command: Command,
    repairs: Sequence[RepairContinuation],
) -> tuple[str, list[Command]]:
    """A repaired continuation joins the cut-off words to the launch and changes nothing else.

    Returns the reason it does not (or '') and the commands the launch absorbed.
    """
    old_values = [word.value for word in _merged(old_text, old_command)]
    new_values = [word.value for word in _merged(new_text, new_command)]
    absorbed: list[Command] = []
    glued = 0
    following = [c for c in old_syntax.commands if c.span.start >= old_command.span.end]
    for repair in repairs:
        if repair.detached.kind is BreakKind.GLUED_BACKSLASH:
            glued += 1
            continue
        orphan = next(
            (c for c in following if c.span.start >= repair.detached.at.end and c not in absorbed),
            None,
        )
        if orphan is None:
            return "the cut-off flags are not where the break is", []
        absorbed.append(orphan)
        old_values += [word.value for word in _merged(old_text, orphan)]
    if glued:
        # tree-sitter already splits a glued word; bash did not. Only that boundary may move.
        unmerged_old = [word.value for word in old_command.words]
        unmerged_new = [word.value for word in new_command.words]
        if unmerged_old != unmerged_new or len(new_values) != len(old_values) + glued:
            return "the repaired launch reads as other words than the ones it had", []
        return "", absorbed
    if new_values != old_values:
        return "the repaired launch reads as other words than the ones it had", []
    return "", absorbed


def _compare_commands(
    old_text: str, old: Sequence[Command], new_text: str, new: Sequence[Command]
) -> str:
    """'' when both lists read as the same commands; else where the first difference is."""

    def reading(text: str, command: Command) -> tuple[object, ...]:
        words = tuple(word.value for word in _merged(text, command))
        return (
            words,
            tuple(sorted(command.env.items(), key=lambda item: item[0])),
            command.has_error,
        )

    for old_command, new_command in itertools.zip_longest(old, new):
        if old_command is None or new_command is None:
            return "the fix would change the number of commands in the script"
        if reading(old_text, old_command) != reading(new_text, new_command):
            line = LineIndex.of(old_text).location(old_command.span.start).line
            return f"the fix would change another command (line {line})"
    return ""
