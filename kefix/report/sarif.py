"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning reads it (docs: anchors.md §4a).

Every rule is described in ``tool.driver.rules`` (so ``ruleIndex`` and ids are stable across
runs) with its documentation as help text and Markdown; each result has all four region fields,
columns in Unicode code points (``columnKind``), a repository-relative URI, and its fix as a
SARIF ``fix`` when kefix can render it against the file as read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kefix import __version__
from kefix.model import Location, Severity
from kefix.report.records import FindingRecord
from kefix.report.repo_paths import artifact_uri
from kefix.report.rule_docs import RuleInfo, explain_text, rule_infos

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_MAX_DESCRIPTION = 1024  # GitHub's limit for shortDescription and fullDescription
_FAMILIES = {"0": "consistency", "1": "migration", "2": "precision", "9": "kefix"}


def sarif_report(records: Sequence[FindingRecord], root: Path | None) -> dict[str, Any]:
    """The SARIF log of one run; ``root`` is the repository root URIs are relative to."""
    infos = rule_infos()
    index = {info.code: position for position, info in enumerate(infos)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kefix",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_descriptor(info) for info in infos],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(record, index, root) for record in records],
            }
        ],
    }


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _unwrapped(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": _clip(info.summary)},
        "fullDescription": {
            "text": _clip(_unwrapped(info.section("What it does")) or info.summary)
        },
        "help": {"text": info.documentation, "markdown": explain_text(info)},
        "defaultConfiguration": {"level": _level(info.severity)},
        "properties": {
            "tags": ["transformers", _FAMILIES.get(info.code[2], "kefix")],
            "problem.severity": _level(info.severity),
            "fix": info.fix_safety or "none",
        },
    }


def _region(start: Location, end: Location) -> dict[str, int]:
    return {
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    }


def _result(record: FindingRecord, index: dict[str, int], root: Path | None) -> dict[str, Any]:
    uri = artifact_uri(record.file, root)
    message = record.message + (f"\nnote: {record.origin}" if record.origin else "")
    result: dict[str, Any] = {
        "ruleId": record.code,
        "level": _level(record.severity),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": _region(record.start, record.end),
                }
            }
        ],
    }
    if record.code in index:
        result["ruleIndex"] = index[record.code]
    properties: dict[str, Any] = {}
    if record.transformers:
        properties["transformers"] = list(record.transformers)
    fix = record.fix
    if fix is not None:
        properties["fix"] = {"applicability": fix.applicability.value, "status": fix.status}
        if fix.edits:
            result["fixes"] = [
                {
                    "description": {"text": f"{fix.description} ({fix.applicability.value})"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": uri},
                            "replacements": [
                                {
                                    "deletedRegion": _region(edit.start, edit.end),
                                    "insertedContent": {"text": edit.content},
                                }
                                for edit in fix.edits
                            ],
                        }
                    ],
                }
            ]
    if properties:
        result["properties"] = properties
    return result
