"""A run's findings as plain records with 1-based positions: what every output format renders.

Positions are 1-based lines and columns counted in characters (Unicode code points) of the file
as read; an end position is exclusive (the column just after the last character). Files kefix
could not read (KF902 lines of ``RunResult.errors``) become records too, at 1:1.

Text is valid Unicode: a byte the file's encoding could not decode (kept as a lone surrogate so
that --diff and --apply reproduce it) is shown as U+FFFD, since JSON and SARIF must be UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from kefix.model import Applicability, CellLocation, Edit, LineIndex, Location, Severity
from kefix.report.text import ReportedFinding
from kefix.rules import DIAGNOSTICS, rule_by_code
from kefix.runner import FileResult, RunResult


class FixStatus:
    """What happened to a finding's fix in this run (the ``fix.status`` of the JSON schema)."""

    APPLIED = "applied"  # written to the file by this --apply run
    PROPOSED = "proposed"  # in the diff of this dry run; --apply writes it
    NEEDS_UNSAFE = "needs-unsafe-fixes"  # not applied: an unsafe fix, only with --unsafe-fixes
    NOT_VERIFIED = "not-verified"  # kefix tried it and dropped it (KF903): see ``reason``
    NOT_WRITTEN = "not-written"  # verified, but the file could not be written (KF902)


class EditRecord(msgspec.Struct, frozen=True):
    start: Location
    end: Location
    content: str


class FixRecord(msgspec.Struct, frozen=True):
    applicability: Applicability
    description: str
    status: str
    reason: str  # why the fix was dropped (status not-verified), else ''
    edits: tuple[EditRecord, ...]  # the fix alone, against the file as read


class FindingRecord(msgspec.Struct, frozen=True):
    code: str
    name: str
    severity: Severity
    message: str
    file: str  # as shown to users: relative to the working directory, POSIX style
    start: Location
    end: Location
    origin: str  # where the value the verdict rests on comes from ('' when not told)
    transformers: tuple[str, ...]  # releases the file was checked against
    fix: FixRecord | None = None
    cell: CellLocation | None = None  # in a notebook: the cell, and line and column in it

    @property
    def fixed(self) -> bool:
        """Fixed by this run (``--apply``) or fixed by ``--apply`` (dry run)."""
        return self.fix is not None and self.fix.status in (FixStatus.APPLIED, FixStatus.PROPOSED)

    @property
    def multiline(self) -> bool:
        return self.start.line != self.end.line


_UNDECODED = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with undecodable bytes (lone surrogates) replaced by U+FFFD."""
    return _UNDECODED.sub("\ufffd", text)


_ERROR_LINE = re.compile(
    r"^(?P<file>.*):(?P<line>\d+):(?P<column>\d+): (?P<code>KF\d{3}) (?P<message>.*)$"
)


def run_records(result: RunResult, *, apply: bool, with_errors: bool = True) -> list[FindingRecord]:
    """Every finding of ``result`` and (``with_errors``) every file it could not read or write,
    by file and position."""
    records = [
        _finding_record(file, reported, file.planned_edits(index), apply=apply)
        for file in result.files
        for index, reported in enumerate(file.reported())
    ]
    if with_errors:
        records.extend(error_record(line) for line in result.errors)
    return sorted(records, key=lambda r: (r.file, r.start.line, r.start.column, r.code))


def error_record(line: str) -> FindingRecord:
    """A ``path:line:col: KF902 message`` line of ``RunResult.errors`` as a record."""
    match = _ERROR_LINE.match(line)
    if match is None:
        return FindingRecord(
            "KF902", DIAGNOSTICS["KF902"], Severity.WARNING, line, "", Location(1, 1),
            Location(1, 1), "", (),
        )  # fmt: skip
    at = Location(int(match["line"]), int(match["column"]))
    code = match["code"]
    return FindingRecord(
        code=code,
        name=DIAGNOSTICS.get(code, code.lower()),
        severity=Severity.WARNING,
        message=printable(match["message"]),
        file=printable(match["file"]),
        start=at,
        end=at,
        origin="",
        transformers=(),
    )


def _finding_record(
    file: FileResult, reported: ReportedFinding, edits: Sequence[Edit], *, apply: bool
) -> FindingRecord:
    finding = reported.finding
    lines = LineIndex.of(reported.text)
    rule = rule_by_code(finding.code)
    return FindingRecord(
        code=finding.code,
        name=finding.name or (rule.name if rule else DIAGNOSTICS.get(finding.code, "")),
        severity=finding.severity,
        message=printable(finding.message),
        file=printable(finding.path),
        start=lines.location(finding.span.start),
        end=lines.location(finding.span.end),
        origin=printable(finding.origin_note),
        transformers=file.target.versions,
        fix=_fix_record(file, reported, lines, edits, apply=apply),
        cell=None if reported.cells is None else reported.cells.cell_location(finding.span.start),
    )


def _fix_record(
    file: FileResult,
    reported: ReportedFinding,
    lines: LineIndex,
    edits: Sequence[Edit],
    *,
    apply: bool,
) -> FixRecord | None:
    finding = reported.finding
    if finding.fix is None:
        return None
    if reported.fix_dropped:
        status, reason = FixStatus.NOT_VERIFIED, reported.fix_dropped
    elif reported.fixed and apply:
        status, reason = (FixStatus.APPLIED if file.written else FixStatus.NOT_WRITTEN), ""
    elif reported.fixed:
        status, reason = FixStatus.PROPOSED, ""
    else:
        status, reason = FixStatus.NEEDS_UNSAFE, ""
    return FixRecord(
        applicability=finding.fix.applicability,
        description=printable(finding.fix.description),
        status=status,
        reason=printable(reason),
        edits=tuple(
            EditRecord(lines.location(e.span.start), lines.location(e.span.end), printable(e.text))
            for e in edits
        ),
    )


def count_by_code(records: Sequence[FindingRecord]) -> dict[str, list[FindingRecord]]:
    """Records grouped by code, codes in ascending order."""
    groups: dict[str, list[FindingRecord]] = {}
    for record in sorted(records, key=lambda r: r.code):
        groups.setdefault(record.code, []).append(record)
    return groups
