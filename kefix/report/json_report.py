"""``--format json``: the findings of a run as one JSON document with a versioned schema.

Schema (``version`` 1; a field is never renamed or removed without a new version, new fields
may be added)::

    {
      "version": 1,
      "kefix_version": "0.1.0",
      "mode": "check" | "apply",
      "findings": [{
        "code": "KF001",                 # rule id (KF9xx: kefix's own diagnostics)
        "name": "strategy-mismatch",
        "severity": "error" | "warning",
        "message": str,
        "file": str,                     # relative to the working directory, POSIX style
        "start": {"line": int, "column": int},
        "end": {"line": int, "column": int},
        "cell": {"cell": int, "line": int, "column": int},   # notebooks only: where the
                                       # start is as Jupyter shows it (cells counted from 1,
                                       # markdown ones too); start/end stay file positions
        "origin_note": str | null,       # where the value the verdict rests on comes from (or the
                                       # evidence behind it), as the text report's "= note:"
        "transformers": [str],           # the releases the file was checked against
        "fix": null | {
          "applicability": "safe" | "unsafe",
          "description": str,
          "status": "applied" | "proposed" | "needs-unsafe-fixes" | "not-verified"
                    | "not-written",
          "reason": str | null,          # why kefix dropped the fix (status not-verified)
          "edits": [{"start": {"line", "column"}, "end": {"line", "column"}, "content": str}]
        }
      }]
    }

Lines and columns are 1-based and count characters (code points); ``end`` is exclusive. Edits
are the fix alone against the file as read, as ruff reports them: applying several fixes is
what ``--diff``/``--apply`` do (edits of a fix that only applies after another one are empty).
Findings are ordered by file, position and code. ``status``: ``applied`` written by this
``--apply`` run; ``proposed`` written by ``--apply`` (dry run); ``needs-unsafe-fixes`` an unsafe
fix left out; ``not-verified`` dropped by kefix's re-check (KF903); ``not-written`` the file
could not be written (KF902).

``--statistics --format json`` has its own shape (``kefix/report/statistics.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kefix import __version__
from kefix.model import Location
from kefix.report.records import FindingRecord, FixRecord

SCHEMA_VERSION = 1


def json_report(records: Sequence[FindingRecord], *, apply: bool) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "kefix_version": __version__,
        "mode": "apply" if apply else "check",
        "findings": [_finding(record) for record in records],
    }


def _finding(record: FindingRecord) -> dict[str, Any]:
    finding = {
        "code": record.code,
        "name": record.name,
        "severity": record.severity.value,
        "message": record.message,
        "file": record.file,
        "start": _position(record.start),
        "end": _position(record.end),
        "origin_note": record.origin or None,
        "transformers": list(record.transformers),
        "fix": None if record.fix is None else _fix(record.fix),
    }
    if record.cell is not None:
        finding["cell"] = {
            "cell": record.cell.cell,
            "line": record.cell.line,
            "column": record.cell.column,
        }
    return finding


def _fix(fix: FixRecord) -> dict[str, Any]:
    return {
        "applicability": fix.applicability.value,
        "description": fix.description,
        "status": fix.status,
        "reason": fix.reason or None,
        "edits": [
            {"start": _position(e.start), "end": _position(e.end), "content": e.content}
            for e in fix.edits
        ],
    }


def _position(location: Location) -> dict[str, int]:
    return {"line": location.line, "column": location.column}
