"""--format github: workflow-command annotations escaped as actions/toolkit reads them."""

from __future__ import annotations

from kefix.model import Applicability, Location, Severity
from kefix.report.github import annotation, escape_data, escape_property, github_report
from kefix.report.records import FindingRecord, FixRecord, FixStatus

START, END = Location(3, 5), Location(3, 12)


def record(
    code: str = "KF001",
    *,
    severity: Severity = Severity.ERROR,
    message: str = "eval and save strategies differ",
    file: str = "scripts/run.sh",
    start: Location = START,
    end: Location = END,
    origin: str = "",
    fix: FixRecord | None = None,
) -> FindingRecord:
    return FindingRecord(code, "name", severity, message, file, start, end, origin, (), fix)


def test_message_escapes_percent_and_line_breaks_only() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"


def test_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"


def test_one_line_span_has_columns() -> None:
    assert annotation(record(), None) == (
        "::error file=scripts/run.sh,line=3,endLine=3,col=5,endColumn=12,title=kefix (KF001)"
        "::eval and save strategies differ"
    )


def test_multi_line_span_has_no_columns() -> None:
    line = annotation(record(start=Location(3, 5), end=Location(6, 2)), None)
    assert line == (
        "::error file=scripts/run.sh,line=3,endLine=6,title=kefix (KF001)"
        "::eval and save strategies differ"
    )


def test_file_name_and_message_are_escaped() -> None:
    line = annotation(
        record(file="a,b:c.sh", message="50% done\nnext", origin="x: y", severity=Severity.WARNING),
        None,
    )
    assert line == (
        "::warning file=a%2Cb%3Ac.sh,line=3,endLine=3,col=5,endColumn=12,title=kefix (KF001)"
        "::50%25 done%0Anext%0Anote: x: y"
    )


def test_fix_is_named_in_the_message() -> None:
    proposed = FixRecord(Applicability.SAFE, "set --x False", FixStatus.PROPOSED, "", ())
    unsafe = FixRecord(Applicability.UNSAFE, "align", FixStatus.NEEDS_UNSAFE, "", ())
    assert annotation(record(fix=proposed), None).endswith(
        "::eval and save strategies differ%0Afix: set --x False"
    )
    assert annotation(record(fix=unsafe), None).endswith("%0Aunsafe fix, not applied: align")


def test_errors_come_first_then_a_summary() -> None:
    records = [
        record("KF113", severity=Severity.WARNING, file="a.sh"),
        record("KF001", file="b.sh"),
        record("KF202", severity=Severity.WARNING, file="b.sh"),
    ]
    lines = github_report(records, None).splitlines()
    assert [line.split("::")[1].split(" ")[0] for line in lines[:3]] == [
        "error",
        "warning",
        "warning",
    ]
    assert "title=kefix (KF113)" in lines[1]
    assert lines[3] == "kefix: 3 findings (1 error, 2 warnings) in 2 files"


def test_no_findings() -> None:
    assert github_report([], None) == "kefix: no findings"
