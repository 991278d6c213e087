"""The default report: one line per finding, its notes, then the diff of the proposed fixes."""

from __future__ import annotations

from collections.abc import Sequence

import click
import msgspec

from kefix.model import Applicability, CellLines, Finding, LineIndex, Severity


class ReportedFinding(msgspec.Struct, frozen=True):
    """A finding with what happened to its fix in this run."""

    finding: Finding
    text: str  # the text the finding's span refers to
    fixed: bool = False
    fix_dropped: str = ""
    cells: CellLines | None = None  # a notebook's cells: positions are shown in them


def position(reported: ReportedFinding) -> str:
    """``path:line:col``, or ``path:cell 4:line 3`` in a notebook (as Jupyter counts)."""
    finding = reported.finding
    if reported.cells is not None:
        cell = reported.cells.cell_location(finding.span.start)
        if cell is not None:
            return f"{finding.path}:cell {cell.cell}:line {cell.line}"
    location = LineIndex.of(reported.text).location(finding.span.start)
    return f"{finding.path}:{location.line}:{location.column}"


def finding_line(reported: ReportedFinding) -> str:
    """``path:line:col: KF001 [*] message`` (``[*]`` = a fix ``--apply`` makes)."""
    finding = reported.finding
    marker = ""
    if finding.fix is not None and not reported.fix_dropped:
        marker = "[*] " if finding.fix.applicability is Applicability.SAFE else "[unsafe fix] "
    return f"{position(reported)}: {finding.code} {marker}{finding.message}"


def render_findings(findings: Sequence[ReportedFinding], *, applied: bool, color: bool) -> str:
    lines: list[str] = []
    for reported in findings:
        finding = reported.finding
        line = finding_line(reported)
        if color:
            code_color = "red" if finding.severity is Severity.ERROR else "yellow"
            line = line.replace(
                f" {finding.code} ",
                " " + click.style(finding.code, fg=code_color, bold=True) + " ",
                1,
            )
        lines.append(line)
        if finding.origin_note:
            lines.append(f"  = note: {finding.origin_note}")
        if finding.fix is not None:
            if reported.fixed:
                status = "fixed" if applied else "fix"
            else:
                status = f"{finding.fix.applicability.value} fix, not applied"
            lines.append(f"  = {status}: {finding.fix.description}")
        if reported.fix_dropped:
            lines.append(f"  = KF903 fix not applied: {reported.fix_dropped}")
    return "\n".join(lines)


def colorize_diff(diff: str) -> str:
    lines = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---", "diff --git")):
            lines.append(click.style(line, bold=True))
        elif line.startswith("+"):
            lines.append(click.style(line, fg="green"))
        elif line.startswith("-"):
            lines.append(click.style(line, fg="red"))
        elif line.startswith("@@"):
            lines.append(click.style(line, fg="cyan"))
        else:
            lines.append(line)
    return "".join(lines)
