"""The bash source adapter: launch scripts to ``Launch`` records, fixes back to bash text."""

from __future__ import annotations

import re

from kefix.model import Finding, Severity
from kefix.sources import ParsedSource
from kefix.sources.bash.launches import find_launches
from kefix.sources.bash.syntax import BashSyntax, parse_bash

_LAUNCHER_HINT = re.compile(
    r"(?<![\w-])(python[\d.]*|torchrun|deepspeed|accelerate|llamafactory-cli|swift|trl)\s"
)


def parse_launch_script(path: str, text: str) -> ParsedSource:
    """Read every launch in a bash script; a statement that cannot be parsed becomes KF901."""
    syntax = parse_bash(text)
    return ParsedSource(path, find_launches(path, syntax), _unparsed_launches(path, syntax))


def _unparsed_launches(path: str, syntax: BashSyntax) -> tuple[Finding, ...]:
    problems = []
    for error in syntax.errors:
        match = _LAUNCHER_HINT.search(error.text)
        if match is None:
            continue
        problems.append(
            Finding(
                code="KF901",
                name="could-not-parse",
                message=f"could not parse this statement (near `{match.group(1)}`); "
                "its launch was not checked",
                path=path,
                span=error.span,
                severity=Severity.ERROR,
            )
        )
    return tuple(problems)
