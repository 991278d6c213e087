"""``--format concise``: one ``path:line:col: CODE [*] message`` line per finding."""

from __future__ import annotations

from collections.abc import Sequence

from kefix.model import Applicability
from kefix.report.records import FindingRecord, FixStatus


def concise_line(record: FindingRecord) -> str:
    """``[*]``: ``--apply`` fixes it; ``[unsafe fix]``: only with ``--unsafe-fixes`` (as text)."""
    marker = ""
    if record.fix is not None and record.fix.status != FixStatus.NOT_VERIFIED:
        safe = record.fix.applicability is Applicability.SAFE
        marker = "[*] " if safe else "[unsafe fix] "
    position = f"{record.file}:{record.start.line}:{record.start.column}"
    if record.cell is not None:
        position = f"{record.file}:cell {record.cell.cell}:line {record.cell.line}"
    return f"{position}: {record.code} {marker}{record.message}"


def concise_report(records: Sequence[FindingRecord]) -> str:
    return "\n".join(concise_line(record) for record in records)
