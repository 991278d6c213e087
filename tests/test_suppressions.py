"""Suppression comments: `# kefix: ignore[...]` and `# kefix: skip-file`, their exact scope, and
KF904 unused-suppression (opt-in) with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.model import LineIndex
from kefix.resolve import Resolver
from kefix.suppressions import parse_directive

TRAIN = (
    "from transformers import HfArgumentParser, TrainingArguments\n"
    "(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()\n"
)
# KF001: load_best_model_at_end with eval every steps but save every epoch.
MISMATCH = "--load_best_model_at_end --eval_strategy steps --save_strategy epoch"
LAUNCH = f"python train.py --output_dir out {MISMATCH}"
WITH_KF904 = Settings(select=("KF", "KF904"))


def analyze(tmp_path: Path, script: str, settings: Settings | None = None) -> FileAnalysis:
    (tmp_path / "train.py").write_text(TRAIN)
    path = tmp_path / "run.sh"
    path.write_text(script)
    return analyze_text(path, "run.sh", script, Resolver([tmp_path]), settings or Settings())


def reported(analysis: FileAnalysis) -> list[str]:
    """``line CODE`` of every finding."""
    index = LineIndex(analysis.text)
    return [f"{index.location(f.span.start).line} {f.code}" for f in analysis.findings]


def fixed(tmp_path: Path, script: str, settings: Settings) -> str:
    analysis = analyze(tmp_path, script, settings)
    return fix_file(analysis, Resolver([tmp_path]), settings, include_unsafe=False).final.text


# ------------------------------------------------------------------------------ the directive


@pytest.mark.parametrize(
    ("comment", "codes"),
    [
        ("# kefix: ignore", ()),
        ("# kefix: ignore[KF001]", ("KF001",)),
        ("# kefix: ignore[KF001,KF202]", ("KF001", "KF202")),
        ("#kefix:ignore[ kf0 , KF1 ]", ("KF0", "KF1")),
        ("# kefix: ignore[KF001] -- the schedule is set by the YAML", ("KF001",)),
        ("# shellcheck disable=SC2086 # kefix: ignore[KF001]", ("KF001",)),
    ],
)
def test_ignore_directives_are_read_from_the_comment_text(
    comment: str, codes: tuple[str, ...]
) -> None:
    directive = parse_directive(comment)
    assert directive is not None and not directive.skip_file
    assert tuple(entry.code for entry in directive.codes) == codes


@pytest.mark.parametrize(
    "comment",
    [
        "# kefix: ignore KF001",  # no brackets: would silently ignore everything
        "# kefix: ignore[KF-001]",
        "# kefix: ignored",
        "# see kefix: ignore",  # `kefix:` must follow a `#`
        "# Kefix: ignore",
    ],
)
def test_malformed_directives_suppress_nothing(comment: str) -> None:
    assert parse_directive(comment) is None


def test_skip_file_is_a_directive() -> None:
    directive = parse_directive("# kefix: skip-file")
    assert directive is not None and directive.skip_file


# -------------------------------------------------------------------------------- the scope


def test_trailing_directive_on_a_one_line_launch_suppresses_its_findings(tmp_path: Path) -> None:
    script = f"{LAUNCH}  # kefix: ignore[KF001]\n{LAUNCH}\n"
    assert reported(analyze(tmp_path, script)) == ["2 KF001"]


def test_bare_ignore_suppresses_every_code_and_a_prefix_its_family(tmp_path: Path) -> None:
    script = f"{LAUNCH}  # kefix: ignore\n{LAUNCH}  # kefix: ignore[KF0]\n"
    script += f"{LAUNCH} # kefix: ignore[KF1]\n"
    assert reported(analyze(tmp_path, script)) == ["3 KF001"]


def test_own_line_directive_above_a_launch_covers_every_line_of_it(tmp_path: Path) -> None:
    script = (
        "# kefix: ignore[KF001]\n"
        "python train.py --output_dir out \\\n"
        "    --load_best_model_at_end \\\n"
        "    --eval_strategy steps --save_strategy epoch\n"
    )
    assert reported(analyze(tmp_path, script)) == []


def test_own_line_directive_reaches_past_comment_lines_but_not_past_a_blank_line(
    tmp_path: Path,
) -> None:
    through_comments = f"# kefix: ignore[KF001]\n# the YAML sets the schedule\n{LAUNCH}\n"
    assert reported(analyze(tmp_path, through_comments)) == []
    past_blank = f"# kefix: ignore[KF001]\n\n{LAUNCH}\n"
    assert reported(analyze(tmp_path, past_blank)) == ["3 KF001"]


def test_trailing_directive_on_a_flag_line_covers_only_findings_pointing_at_that_line(
    tmp_path: Path,
) -> None:
    # KF001 points at --load_best_model_at_end (line 2); a directive on the last line misses it.
    script = (
        "python train.py --output_dir out \\\n"
        "    --load_best_model_at_end \\\n"
        "    --eval_strategy steps --save_strategy epoch  # kefix: ignore[KF001]\n"
    )
    assert reported(analyze(tmp_path, script)) == ["2 KF001"]
    on_its_line = (
        "python train.py --output_dir out \\\n"
        "    --eval_strategy steps --save_strategy epoch \\\n"
        "    --load_best_model_at_end  # kefix: ignore[KF001]\n"
    )
    assert reported(analyze(tmp_path, on_its_line)) == []


def test_a_trailing_directive_inside_a_continuation_breaks_it_and_kf003_still_says_so(
    tmp_path: Path,
) -> None:
    # The comment swallows the backslash: bash runs the next line as its own command. The
    # directive is on the launch's first line, yet the break it causes stays visible.
    script = f"python train.py --output_dir out # kefix: ignore \\\n    {MISMATCH}\n"
    analysis = analyze(tmp_path, script)
    assert reported(analysis) == ["1 KF003"]
    # ... and the repair moves the directive above the launch, where it covers all of it.
    repaired = fixed(tmp_path, script, Settings())
    assert repaired == f"# kefix: ignore\npython train.py --output_dir out \\\n    {MISMATCH}\n"
    assert reported(analyze(tmp_path, repaired)) == []


def test_skip_file_in_the_first_ten_lines_skips_the_file(tmp_path: Path) -> None:
    skipped = analyze(tmp_path, "#!/bin/bash\n# kefix: skip-file\n" + LAUNCH + "\n")
    assert skipped.findings == () and skipped.launches == ()
    too_late = "\n" * 10 + "# kefix: skip-file\n" + LAUNCH + "\n"
    assert reported(analyze(tmp_path, too_late)) == ["12 KF001"]


def test_a_suppressed_finding_is_not_fixed(tmp_path: Path) -> None:
    script = f"{LAUNCH}  # kefix: ignore[KF001]\n"
    unsafe = Settings(unsafe_fixes=True)
    analysis = analyze(tmp_path, script, unsafe)
    outcome = fix_file(analysis, Resolver([tmp_path]), unsafe, include_unsafe=True)
    assert outcome.final.text == script


def test_a_directive_in_a_string_is_not_a_comment(tmp_path: Path) -> None:
    script = f"echo '# kefix: skip-file'\n{LAUNCH} --run_name '# kefix: ignore'\n"
    assert reported(analyze(tmp_path, script)) == ["2 KF001"]


# ------------------------------------------------------------------------ KF904 unused-suppression


def test_unused_suppressions_are_not_reported_by_default(tmp_path: Path) -> None:
    assert reported(analyze(tmp_path, "echo hi  # kefix: ignore\n")) == []


def test_unused_suppression_is_reported_when_selected_and_its_fix_removes_it(
    tmp_path: Path,
) -> None:
    script = f"# kefix: ignore[KF202]\n{LAUNCH}  # kefix: ignore[KF001]\necho hi  # kefix: ignore\n"
    analysis = analyze(tmp_path, script, WITH_KF904)
    assert reported(analysis) == ["1 KF904", "3 KF904"]
    assert [f.message for f in analysis.findings] == [
        "unused code KF202 in `kefix: ignore[KF202]`",
        "`kefix: ignore` suppresses nothing",
    ]
    assert fixed(tmp_path, script, WITH_KF904) == f"{LAUNCH}  # kefix: ignore[KF001]\necho hi\n"


def test_unused_code_in_a_list_is_removed_from_the_list_only(tmp_path: Path) -> None:
    script = f"{LAUNCH}  # kefix: ignore[KF202, KF001]\n"
    assert fixed(tmp_path, script, WITH_KF904) == f"{LAUNCH}  # kefix: ignore[KF001]\n"


def test_other_text_in_the_comment_survives_the_removal(tmp_path: Path) -> None:
    script = "echo $x  # shellcheck disable=SC2086 # kefix: ignore[KF001]\n"
    assert fixed(tmp_path, script, WITH_KF904) == "echo $x  # shellcheck disable=SC2086\n"


def test_unknown_codes_are_unused_and_named(tmp_path: Path) -> None:
    analysis = analyze(tmp_path, f"{LAUNCH}  # kefix: ignore[KF001,KF999]\n", WITH_KF904)
    assert [f.message for f in analysis.findings] == [
        "unused code KF999 in `kefix: ignore[KF001,KF999]` (KF999: matches no rule)"
    ]


def test_codes_of_rules_that_did_not_run_are_not_called_unused(tmp_path: Path) -> None:
    settings = Settings(select=("KF0", "KF904"))
    script = f"{LAUNCH}  # kefix: ignore[KF001,KF202]\necho hi  # kefix: ignore\n"
    # KF202 did not run, and neither did every rule a bare ignore could be for.
    assert reported(analyze(tmp_path, script, settings)) == []


def test_kf904_needs_its_full_code_to_be_selected() -> None:
    assert not Settings().is_selected("KF904")
    assert not Settings(select=("KF9",)).is_selected("KF904")
    assert Settings(select=("KF", "KF904")).is_selected("KF904")
    assert not Settings(select=("KF", "KF904"), ignore=("KF904",)).is_selected("KF904")
