"""The bash source adapter: launch scripts to ``Launch`` records, fixes back to bash text."""

from __future__ import annotations

import re

from kefix.model import Finding, Severity
from kefix.sources import ParsedSource
from kefix.sources.bash.launches import find_launches, looks_like_launch
from kefix.sources.bash.syntax import BashSyntax, parse_bash

_LAUNCHER_HINT = re.compile(
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
        match = _LAUNCHER_HINT.search(error.text)
        if match is not None:
            near = match.group(1)
            suspects.append((error.span, f"could not parse this statement (near `{near}`)"))
    problems: dict[int, Finding] = {}
    for span, message in sorted(suspects, key=lambda suspect: suspect[0].start):
        line = syntax.text.count("\n", 0, span.start)
        problems.setdefault(
            line,
            Finding(
                code="KF901",
                name="could-not-parse",
                message=message,
                path=path,
                span=span,
                severity=Severity.ERROR,
            ),
        )
    return tuple(problems.values())
