"""Source adapters: one per language, each turning a file into launches and rendering fixes."""

from __future__ import annotations

from dataclasses import dataclass

from kefix.model import Finding, Launch, Span


@dataclass(frozen=True)
class ParsedSource:
    """What an adapter read from one file: its launches and the problems reading it (KF9xx)."""

    path: str
    launches: tuple[Launch, ...]
    problems: tuple[Finding, ...] = ()
    comments: tuple[Span, ...] = ()  # every comment, for suppression directives
