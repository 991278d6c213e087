"""``--statistics``: how many findings each rule has, and how many of them ``--apply`` fixes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kefix.report.records import FindingRecord, count_by_code


def statistics_text(records: Sequence[FindingRecord]) -> str:
    """One line per code, most frequent first: ``count  code  [*] name`` (``[*]``: ``--apply``
    fixes some of them), as ruff's ``--statistics``."""
    groups = sorted(count_by_code(records).items(), key=lambda item: (-len(item[1]), item[0]))
    if not groups:
        return "All checks passed."
    width = max(len(str(len(group))) for _, group in groups)
    lines = []
    for code, group in groups:
        marker = "[*]" if any(record.fixed for record in group) else "   "
        lines.append(f"{len(group):>{width}}  {code}  {marker} {group[0].name}")
    return "\n".join(lines)


def statistics_json(records: Sequence[FindingRecord]) -> list[dict[str, Any]]:
    """``[{"code", "name", "count", "fixable"}]`` by code; ``fixable`` counts the findings
    ``--apply`` fixes (or fixed)."""
    return [
        {
            "code": code,
            "name": group[0].name,
            "count": len(group),
            "fixable": sum(1 for record in group if record.fixed),
        }
        for code, group in count_by_code(records).items()
    ]
