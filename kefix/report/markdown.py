"""``--format markdown``: a pull-request body for the fixes of a run.

A summary table per rule; per file, what changed and why, then what kefix did not change and
what a person has to decide (unsafe fixes left out, findings without a fix, fixes kefix dropped);
the diffs folded in ``<details>`` blocks. Messages and diffs are shown with secrets masked.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from kefix.analyze import describe_versions
from kefix.report.records import FindingRecord, FixStatus, count_by_code, printable
from kefix.report.rule_docs import find_rule_info
from kefix.runner import FileResult, mask_secrets

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def md_text(text: str) -> str:
    """Text for Markdown: secrets masked, HTML special characters escaped outside code spans
    (``<unknown: $X>`` would otherwise vanish as a tag); the rules' own backticks are kept."""
    text = mask_secrets(text)
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(html.escape(text[last : match.start()], quote=False))
        out.append(match.group(0))
        last = match.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _details(summary: str, diff: str) -> list[str]:
    diff = printable(diff)
    fence = _fence(diff)
    return [
        f"<details><summary>{summary}</summary>",
        "",
        f"{fence}diff",
        diff.rstrip("\n"),
        fence,
        "",
        "</details>",
    ]


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _decision(record: FindingRecord) -> str:
    """What a person must decide about a finding kefix left alone: the rule's fix-safety text."""
    info = find_rule_info(record.code)
    safety = info.section("Fix safety") if info else ""
    return " ".join(safety.split("\n\n")[0].split())


def _left_for_review(record: FindingRecord) -> bool:
    return not record.fixed


def markdown_report(
    records: Sequence[FindingRecord], files: Sequence[FileResult], *, apply: bool
) -> str:
    fixed = [r for r in records if r.fixed]
    review = [r for r in records if _left_for_review(r)]
    file_names = list(dict.fromkeys(r.file for r in records))
    lines = ["## kefix: Trainer launch fixes" if fixed else "## kefix report", ""]
    if not records:
        lines.append("kefix found nothing to fix.")
        return "\n".join(lines) + "\n"
    fixer = "kefix fixed" if apply else "`kefix --apply` fixes"
    lines.append(
        f"kefix found {_plural(len(records), 'finding')} in {_plural(len(file_names), 'file')}. "
        f"{fixer} {len(fixed)}; {len(review)} {'needs' if len(review) == 1 else 'need'} "
        "a person's decision."
    )
    targets = dict.fromkeys(
        f"transformers {describe_versions(file.target.versions)} ({md_text(file.target.reason)})"
        for file in files
        if file.analysis.findings
    )
    if targets:
        lines += ["", "Checked against " + "; ".join(targets) + "."]
    lines += ["", "| rule | name | findings | fixed | to review |", "|---|---|---:|---:|---:|"]
    for code, group in count_by_code(records).items():
        done = sum(1 for r in group if r.fixed)
        lines.append(f"| {code} | {group[0].name} | {len(group)} | {done} | {len(group) - done} |")
    by_display = {file.analysis.display: file for file in files}
    for name in file_names:
        lines += ["", *_file_section(name, records, by_display.get(name), apply=apply)]
    return "\n".join(lines) + "\n"


def _file_section(
    name: str, records: Sequence[FindingRecord], file: FileResult | None, *, apply: bool
) -> list[str]:
    mine = [r for r in records if r.file == name]
    lines = [f"### `{name}`"]
    changed = [r for r in mine if r.fixed]
    if changed:
        lines += ["", "Changed:" if apply else "Fixes `kefix --apply` makes:", ""]
        for record in changed:
            assert record.fix is not None
            lines.append(f"- {_headline(record)}")
            lines.append(
                f"  - fix ({record.fix.applicability.value}): {md_text(record.fix.description)}"
            )
    review = [r for r in mine if _left_for_review(r)]
    if review:
        lines += ["", "Not changed — needs a decision:", ""]
        for record in review:
            lines.append(f"- {_headline(record)}")
            lines.append(f"  - {_why_not(record, name)}")
    if file is not None and file.shown_diff:
        summary = f"Diff of <code>{html.escape(name)}</code>"
        lines += ["", *_details(summary, file.shown_diff)]
    if file is not None and file.shown_unsafe_diff:
        summary = f"Unsafe fixes, not applied: diff of <code>{html.escape(name)}</code>"
        lines += ["", *_details(summary, file.shown_unsafe_diff)]
    return lines


def _headline(record: FindingRecord) -> str:
    where = f"line {record.start.line}"
    if record.cell is not None:
        where = f"cell {record.cell.cell} line {record.cell.line}"
    text = f"**{record.code}** {record.name}, {where}: {md_text(record.message)}"
    if record.origin:
        text += f" ({md_text(record.origin)})"
    return text


def _why_not(record: FindingRecord, name: str) -> str:
    fix = record.fix
    decision = md_text(_decision(record))
    if fix is None:
        return f"no automatic fix. {decision}".rstrip()
    if fix.status == FixStatus.NOT_VERIFIED:
        return f"kefix's fix ({md_text(fix.description)}) was dropped: {md_text(fix.reason)}"
    if fix.status == FixStatus.NOT_WRITTEN:
        return f"the fix ({md_text(fix.description)}) could not be written to the file"
    return (
        f"{fix.applicability.value} fix, not applied: {md_text(fix.description)}. {decision} "
        f"`kefix --apply --unsafe-fixes {name}` applies the unsafe fixes of this file."
    )
