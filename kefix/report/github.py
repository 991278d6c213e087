"""``--format github``: GitHub Actions workflow-command annotations, one per finding.

``::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=kefix (KF001)::message``, escaped
as actions/toolkit does (anchors.md §4b). A step shows only 10 annotations of each level, so
errors come first; columns are left out when a span covers several lines (GitHub rejects them
there). A plain summary line closes the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kefix.model import Severity
from kefix.report.records import FindingRecord
from kefix.report.repo_paths import repo_path


def escape_data(text: str) -> str:
    """An annotation's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """An annotation property value: as a message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(record: FindingRecord, root: Path | None) -> str:
    level = "error" if record.severity is Severity.ERROR else "warning"
    properties = [
        ("file", repo_path(record.file, root)),
        ("line", str(record.start.line)),
        ("endLine", str(record.end.line)),
    ]
    if not record.multiline:
        properties += [("col", str(record.start.column)), ("endColumn", str(record.end.column))]
    properties.append(("title", f"kefix ({record.code})"))
    message = record.message
    if record.origin:
        message += f"\nnote: {record.origin}"
    if record.fix is not None and record.fixed:
        message += f"\nfix: {record.fix.description}"
    elif record.fix is not None:
        message += f"\n{record.fix.applicability.value} fix, not applied: {record.fix.description}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{level} {head}::{escape_data(message)}"


def github_report(records: Sequence[FindingRecord], root: Path | None) -> str:
    """Annotations, errors first (then by file and position), and a summary line."""
    ordered = sorted(records, key=lambda r: r.severity is not Severity.ERROR)
    lines = [annotation(record, root) for record in ordered]
    errors = sum(1 for record in records if record.severity is Severity.ERROR)
    warnings = len(records) - errors
    files = len({record.file for record in records})
    if records:
        lines.append(
            f"kefix: {_count(len(records), 'finding')} ({_count(errors, 'error')}, "
            f"{_count(warnings, 'warning')}) in {_count(files, 'file')}"
        )
    else:
        lines.append("kefix: no findings")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
