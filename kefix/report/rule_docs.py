"""Rule documentation as data: the summaries that --list-rules, the README table and SARIF show.

Everything here is derived from each rule's docstring (the first sentence of ``## What it does``
and the first word of ``## Fix safety``), so a rule's documentation is written once, next to its
code; a rule may word its README cells itself with ``summary`` and ``fix_summary`` class
attributes. kefix's
own diagnostics (KF9xx) are not rules; their short documentation lives here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec

from kefix.model import Severity
from kefix.rules import DIAGNOSTICS, RULES

# What each KF9xx diagnostic reports, in the words of the README table, and its severity.
_DIAGNOSTIC_SUMMARIES: dict[str, tuple[str, Severity]] = {
    "KF901": (
        "A launch statement kefix could not parse; the rest of the file is still checked.",
        Severity.ERROR,
    ),
    "KF902": (
        "A file kefix could not read or parse at all (or, with --apply, write); it is skipped.",
        Severity.WARNING,
    ),
    "KF903": (
        "A fix kefix dropped because re-checking the fixed text did not confirm it.",
        Severity.WARNING,
    ),
    "KF904": (
        "A `# kefix: ignore` comment (or a code in one) that suppresses nothing; opt-in.",
        Severity.WARNING,
    ),
}

# Diagnostics with more to say than the template, and a fix.
_DIAGNOSTIC_OWN_DOCUMENTATION = {
    "KF904": """\
## What it does
Reports a `# kefix: ignore` comment that suppresses no finding, or the codes in its list that
suppress none. Opt-in: select it by its full code (`--extend-select KF904`, or
`extend-select = ["KF904"]`); a prefix such as `KF` or `KF9` does not select it.

## Why it matters
A suppression outlives the problem it was written for: once the launch is fixed, the comment
would silently hide the next, different problem of the same kind on that line. Codes of rules
that did not run (not selected, or left out by `per-file-ignores`) are not called unused.

## Example
```bash
# kefix: ignore[KF001,KF202]
python train.py --eval_strategy epoch --save_strategy epoch --load_best_model_at_end
```
Use instead (nothing to suppress any more):
```bash
python train.py --eval_strategy epoch --save_strategy epoch --load_best_model_at_end
```

## Fix safety
Safe: it removes only the comment's unused codes, or the directive when none is used (other text
in the comment, such as a shellcheck directive, stays); what bash runs does not change.""",
}

_DIAGNOSTIC_DOCUMENTATION = """\
## What it does
{summary}

## Why it matters
kefix reports what it could not check or change, so that a clean run means every launch was
read. `--strict` turns KF901 and KF902 into exit code 2.

## Example
```
{code_line}
```

## Fix safety
No fix: this is kefix's own diagnostic."""

_DIAGNOSTIC_EXAMPLES = {
    "KF901": "scripts/run.sh:4:1: KF901 could not parse this launch",
    "KF902": "scripts/run.sh:1:1: KF902 could not read: Permission denied",
    "KF903": "  = KF903 fix not applied: the fix would change another command (line 7)",
}


class RuleInfo(msgspec.Struct, frozen=True):
    """What a user is told about one code: ``--list-rules`` row, README row, SARIF descriptor."""

    code: str
    name: str
    severity: Severity
    summary: str  # the first sentence of "What it does"
    fix_safety: str  # "safe", "unsafe", "safe or unsafe", or "" when the rule has no fix
    documentation: str  # the full docstring (Markdown), what --explain prints
    diagnostic: bool = False  # kefix's own KF9xx diagnostic, not a rule
    # The README's "fix" cell when the rule words it itself (a ``fix_summary`` class attribute);
    # otherwise the fix safety. A rule may likewise set ``summary`` for "what it finds".
    fix_summary: str = ""

    @property
    def fixable(self) -> bool:
        return bool(self.fix_safety)

    def section(self, heading: str) -> str:
        """The text under ``## heading`` ('' when the documentation has no such section)."""
        return doc_section(self.documentation, heading)


def doc_section(documentation: str, heading: str) -> str:
    match = re.search(
        rf"^## {re.escape(heading)}[ \t]*\n(.*?)(?=^## |\Z)",
        documentation,
        flags=re.MULTILINE | re.DOTALL,
    )
    return match.group(1).strip() if match else ""


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph, its lines joined.

    A sentence ends at a full stop followed by a capital letter or a code span (not at "e.g.").
    """
    paragraph = " ".join(line.strip() for line in text.strip().split("\n\n")[0].splitlines())
    match = re.search(r"(?<!\be\.g)(?<!\bi\.e)\.\s+(?=[A-Z`])", paragraph)
    sentence = paragraph[: match.start() + 1] if match else paragraph
    return sentence if sentence.endswith((".", ":", "!", "?")) else sentence + "."


def fix_safety(documentation: str) -> str:
    """``safe``/``unsafe`` from the first word of ``## Fix safety``; both when the section
    describes several fixes; '' when the rule has no fix (the section starts with "No")."""
    text = doc_section(documentation, "Fix safety")
    word = re.match(r"[A-Za-z]*", text)
    first = word.group(0).lower() if word else ""
    if first in ("safe", "unsafe"):
        return first
    if first == "no" or not text:
        return ""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    if {"safe", "unsafe"} <= words:
        return "safe or unsafe"
    return "unsafe" if "unsafe" in words else "safe" if "safe" in words else ""


def rule_infos() -> tuple[RuleInfo, ...]:
    """Every rule, then every KF9xx diagnostic, each group ordered by code."""
    infos = [
        RuleInfo(
            code=rule.code,
            name=rule.name,
            severity=rule.severity,
            summary=getattr(rule, "summary", "")
            or first_sentence(doc_section(rule.documentation(), "What it does")),
            fix_safety=fix_safety(rule.documentation()),
            documentation=rule.documentation(),
            fix_summary=getattr(rule, "fix_summary", ""),
        )
        for rule in RULES
    ]
    for code in sorted(DIAGNOSTICS):
        summary, severity = _DIAGNOSTIC_SUMMARIES.get(
            code, ("kefix's own diagnostic.", Severity.WARNING)
        )
        example = _DIAGNOSTIC_EXAMPLES.get(code, code)
        documentation = _DIAGNOSTIC_OWN_DOCUMENTATION.get(
            code, _DIAGNOSTIC_DOCUMENTATION.format(summary=summary, code_line=example)
        )
        infos.append(
            RuleInfo(
                code,
                DIAGNOSTICS[code],
                severity,
                summary,
                fix_safety(documentation),
                documentation,
                diagnostic=True,
            )
        )
    return tuple(infos)


def find_rule_info(code_or_name: str) -> RuleInfo | None:
    """The rule or diagnostic with this code (any case) or name."""
    wanted = code_or_name.strip()
    return next(
        (
            info
            for info in rule_infos()
            if info.code == wanted.upper() or info.name == wanted.lower()
        ),
        None,
    )


def explain_text(info: RuleInfo) -> str:
    """What ``kefix --explain`` prints: a title, then the documentation as written."""
    return f"# {info.name} ({info.code})\n\n{info.documentation}"


def rules_table_markdown(infos: Sequence[RuleInfo] | None = None) -> str:
    """The README's rule table (code | name | what it finds | fix), one row per code."""
    rows = [
        "| code | name | what it finds | fix |",
        "|---|---|---|---|",
    ]
    for info in rule_infos() if infos is None else infos:
        summary = info.summary.replace("|", "\\|")
        fix = (info.fix_summary or info.fix_safety or "—").replace("|", "\\|")
        rows.append(f"| {info.code} | {info.name} | {summary} | {fix} |")
    return "\n".join(rows) + "\n"


def rules_list_text(infos: Sequence[RuleInfo] | None = None) -> str:
    """``kefix --list-rules``: code, name, severity, fixable and fix safety, aligned."""
    infos = rule_infos() if infos is None else infos
    header = ("code", "name", "severity", "fixable", "fix safety")
    rows = [header] + [
        (
            info.code,
            info.name,
            info.severity.value,
            "yes" if info.fixable else "no",
            info.fix_safety or "-",
        )
        for info in infos
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        for row in rows
    )


def rules_list_json(infos: Sequence[RuleInfo] | None = None) -> list[dict[str, object]]:
    """``kefix --list-rules --format json``."""
    return [
        {
            "code": info.code,
            "name": info.name,
            "severity": info.severity.value,
            "summary": info.summary,
            "fixable": info.fixable,
            "fix_safety": info.fix_safety or None,
            "diagnostic": info.diagnostic,
        }
        for info in (rule_infos() if infos is None else infos)
    ]


_TABLE_HEADER = "| code | name | what it finds | fix |"


def replace_rules_table(readme: str) -> str:
    """``readme`` with its rule table (the ``| code | name | ...`` block) regenerated."""
    lines = readme.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip("\n") == _TABLE_HEADER), None)
    if start is None:
        raise ValueError(f"no rule table (a line {_TABLE_HEADER!r}) in the README")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "".join(lines[:start]) + rules_table_markdown() + "".join(lines[end:])
