"""The bash source adapter: launch scripts to ``Launch`` records, fixes back to bash text."""

from __future__ import annotations

import re

from kefix.knowledge.training_args import field_for_option, field_history
from kefix.lazy_pattern import LazyPattern
from kefix.model import Finding
from kefix.sources import ParsedSource, could_not_parse
from kefix.sources.bash.launchers import LAUNCHERS, EntryRule
from kefix.sources.bash.launches import find_launches, looks_like_launch
from kefix.sources.bash.syntax import BashSyntax, parse_bash

# The pre-filter. A launch starts with a launcher's command word (a variable holding one is
# assigned in the script itself: kefix reads no other), a suppression directive says "kefix".
# A script without either, and without a Trainer flag (which only a launcher spelt in pieces,
# py"thon", could carry), has no launch and no finding: it is not decoded or parsed.
_MENTIONS = re.compile(
    b"|".join(
        re.escape(word.encode())
        for word in sorted(
            {row.command[0] for row in LAUNCHERS if row.entry is not EntryRule.WRAPPER} | {"kefix"}
        )
    )
)


_flag = LazyPattern(rb"--([A-Za-z_][\w-]*)")


def may_hold_launch(raw: bytes) -> bool:
    """False when a script's bytes name no launcher, no kefix directive and no Trainer flag."""
    if _MENTIONS.search(raw) is not None:
        return True
    return any(_is_training_flag(match.group(1).decode("ascii")) for match in _flag().finditer(raw))


def _is_training_flag(name: str) -> bool:
    """A TrainingArguments option of any release kefix knows (``--no_x`` and aliases too)."""
    return (
        field_for_option("--" + name) is not None
        or field_history(name.replace("-", "_")) is not None
    )


_launcher_hint = LazyPattern(
    r"(?<![\w-])(python[\d.]*|torchrun|deepspeed|accelerate|llamafactory-cli|swift|trl)\s"
)


def parse_launch_script(path: str, text: str) -> ParsedSource:
    """Read every launch in a bash script; a statement that cannot be parsed becomes KF901."""
    syntax = parse_bash(text)
    return ParsedSource(
        path, find_launches(path, syntax), _unparsed_launches(path, syntax), syntax.comments
    )


def _unparsed_launches(path: str, syntax: BashSyntax) -> tuple[Finding, ...]:
    """KF901 for launches tree-sitter could not read whole: once per line, the first one wins."""
    suspects = [
        (command.span, "could not parse this launch")
        for command in syntax.commands
        if command.has_error and looks_like_launch(command)
    ]
    for error in syntax.errors:
        match = _launcher_hint().search(error.text)
        if match is not None:
            near = match.group(1)
            suspects.append((error.span, f"could not parse this statement (near `{near}`)"))
    problems: dict[int, Finding] = {}
    for span, message in sorted(suspects, key=lambda suspect: suspect[0].start):
        line = syntax.text.count("\n", 0, span.start)
        problems.setdefault(line, could_not_parse(path, span, message))
    return tuple(problems.values())
