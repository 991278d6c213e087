"""The unified diff must be accepted by `git apply` and `patch -p1` and reproduce the new bytes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefix.report.diff import NO_NEWLINE_MARKER, split_lines, unified_diff

ENC = ("utf-8", "surrogateescape")
HAS_PATCH = shutil.which("patch") is not None

# Each case: (old, new). Every case is applied with git apply and patch -p1.
LINES10 = "".join(f"line {n}\n" for n in range(1, 11))
LINES30 = "".join(f"line {n}\n" for n in range(1, 31))
CASES: dict[str, tuple[str, str]] = {
    "crlf_change": ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"),
    "crlf_to_lf_one_line": ("a\r\nb\r\nc\r\n", "a\r\nb\nc\r\n"),
    "mixed_endings": ("a\nb\r\nc\rstill c\nd\n", "a\nb\r\nc\rSTILL c\nd\r\n"),
    "lone_cr_inside_line": ("x\ry\nz\n", "x\ry\nz\rw\n"),
    "no_final_newline_old": ("a\nb\nc", "a\nb\nc\n"),
    "no_final_newline_new": ("a\nb\nc\n", "a\nb\nc"),
    "no_final_newline_both_changed": ("a\nb\nc", "a\nb\nC"),
    "no_final_newline_both_context": ("a\nb\nc\nd\ne", "A\nb\nc\nd\ne"),
    "no_final_newline_crlf": ("a\r\nb\r\nc", "a\r\nb\r\nc\r\n"),
    "insert_at_start": ("a\nb\nc\n", "new\na\nb\nc\n"),
    "insert_at_end": ("a\nb\nc\n", "a\nb\nc\nnew\n"),
    "insert_at_end_no_newline": ("a\nb\nc\n", "a\nb\nc\nnew"),
    "delete_last_line": ("a\nb\nc\n", "a\nb\n"),
    "delete_last_line_no_newline": ("a\nb\nc", "a\nb\n"),
    "delete_first_line": ("a\nb\nc\n", "b\nc\n"),
    "delete_everything": ("a\nb\n", ""),
    "empty_old_file": ("", "a\nb\n"),
    "empty_old_file_no_newline": ("", "a"),
    "multi_hunk": (LINES30, LINES30.replace("line 2\n", "two\n").replace("line 25\n", "x\n")),
    "hunks_merge_at_gap_6": (
        LINES30,
        LINES30.replace("line 5\n", "5\n").replace("line 12\n", "12\n"),
    ),
    "hunks_split_at_gap_7": (
        LINES30,
        LINES30.replace("line 5\n", "5\n").replace("line 13\n", "13\n"),
    ),
    "non_ascii": ("# 训练脚本\nlr=1e-4\nname=café\n", "# 训练脚本\nlr=2e-4\nname=café ☕\n"),
    "unicode_line_separators_are_content": ("a\u2028b\x0cc\x1dd\n", "a\u2028B\x0cc\x1dd\n"),
    "surrogate_bytes": (
        b"# \xd1\xb5\xc1\xb7 gbk\nlr=1\n\xff\xfe\n".decode(*ENC),
        b"# \xd1\xb5\xc1\xb7 gbk\nlr=2\n\xff\xfe\n".decode(*ENC),
    ),
    "bom": ("\ufeffa\nb\n", "\ufeffa\nB\n"),
    "bom_removed": ("\ufeffa\nb\n", "a\nb\n"),
    "backslash_lines": (
        "python train.py \\\n  --lr 1 \\\n  --bf16\n",
        "python train.py \\\n  --lr 1\n",
    ),
    "line_looks_like_marker": ("\\ No newline at end of file\nx\n", "\\ No newline\nx\n"),
    "line_starts_with_diff_syntax": ("--- a\n+++ b\n@@ -1 +1 @@\n", "--- a\n+++ c\n@@ -1 +1 @@\n"),
    "tabs_and_trailing_space": ("a\t\n b  \n", "a\t\t\n b   \n"),
    "blank_lines_only": ("\n\n\n", "\n\n"),
    "replace_whole_file": (LINES10, "completely\ndifferent\n"),
}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def _apply_with_git(tmp: Path, rel: str, old: str, new: str) -> bytes:
    repo = tmp / "git"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    # Line-ending conversion must not interfere: the patch carries \r as content.
    _git(repo, "config", "core.autocrlf", "false")
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(old.encode(*ENC))
    patch = unified_diff(rel, old, new).encode(*ENC)
    (tmp / "fix.patch").write_bytes(patch)
    result = _git(repo, "apply", "--whitespace=nowarn", str(tmp / "fix.patch"))
    assert result.returncode == 0, (result.stderr.decode(*ENC), patch)
    return target.read_bytes()


def _apply_with_patch(tmp: Path, rel: str, old: str, new: str) -> bytes:
    root = tmp / "patch"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(old.encode(*ENC))
    patch = unified_diff(rel, old, new).encode(*ENC)
    # --binary: on POSIX it changes nothing, but stops any CRLF heuristics on other platforms.
    result = subprocess.run(
        ["patch", "-p1", "--binary", "--batch", "--no-backup-if-mismatch", "--quiet"],
        cwd=root,
        input=patch,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout, result.stderr, patch)
    return target.read_bytes()


@pytest.mark.parametrize(("old", "new"), CASES.values(), ids=CASES.keys())
def test_git_apply_reproduces_new_bytes(tmp_path: Path, old: str, new: str) -> None:
    assert _apply_with_git(tmp_path, "scripts/train.sh", old, new) == new.encode(*ENC)


@pytest.mark.skipif(not HAS_PATCH, reason="patch is not installed")
@pytest.mark.parametrize(("old", "new"), CASES.values(), ids=CASES.keys())
def test_patch_p1_reproduces_new_bytes(tmp_path: Path, old: str, new: str) -> None:
    assert _apply_with_patch(tmp_path, "scripts/train.sh", old, new) == new.encode(*ENC)


# Cases whose minimal edit script is unique, so git's Myers diff and SequenceMatcher agree.
SAME_AS_GIT = [
    "crlf_change",
    "no_final_newline_old",
    "no_final_newline_new",
    "no_final_newline_both_context",
    "insert_at_start",
    "insert_at_end",
    "delete_last_line",
    "empty_old_file",
    "multi_hunk",
    "hunks_merge_at_gap_6",
    "hunks_split_at_gap_7",
    "non_ascii",
    "surrogate_bytes",
]


GIT_DIFF = ("-c", "core.quotePath=false", "diff", "--no-index", "--no-color")


@pytest.mark.parametrize("case", SAME_AS_GIT)
def test_output_matches_git_diff_byte_for_byte(tmp_path: Path, case: str) -> None:
    old, new = CASES[case]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "t.sh").write_bytes(old.encode(*ENC))
    (tmp_path / "b" / "t.sh").write_bytes(new.encode(*ENC))
    result = _git(tmp_path, *GIT_DIFF, "a/t.sh", "b/t.sh")
    # git adds an "index <sha>..<sha>" line and names the two sides a/a/t.sh and b/b/t.sh.
    git_lines = [ln for ln in result.stdout.split(b"\n") if not ln.startswith(b"index ")]
    # It also appends a "function name" after hunk headers, which patch consumers ignore.
    git_lines = [re.sub(rb"^(@@ [^@]* @@).*", rb"\1", ln) for ln in git_lines]
    git_body = b"\n".join(git_lines[3:])
    ours = unified_diff("t.sh", old, new).encode(*ENC)
    assert ours.split(b"\n", 3)[3] == git_body


def test_identical_texts_give_empty_diff() -> None:
    assert unified_diff("a.sh", "x\r\ny", "x\r\ny") == ""


def test_headers_are_git_style_with_repo_relative_paths() -> None:
    diff = unified_diff("dir/run.sh", "a\n", "b\n")
    assert diff.splitlines()[:3] == [
        "diff --git a/dir/run.sh b/dir/run.sh",
        "--- a/dir/run.sh",
        "+++ b/dir/run.sh",
    ]


def test_single_line_ranges_omit_count() -> None:
    assert "@@ -1 +1 @@\n-a\n+b\n" in unified_diff("f", "a\n", "b\n")


def test_empty_range_starts_at_line_before() -> None:
    assert "@@ -0,0 +1 @@\n+a\n" in unified_diff("f", "", "a\n")
    assert "@@ -1,2 +1 @@\n a\n-b\n" in unified_diff("f", "a\nb\n", "a\n")
    inserted = LINES10.replace("line 2\n", "line 2\nx\n")
    assert "@@ -2,0 +3 @@\n+x\n" in unified_diff("f", LINES10, inserted, context=0)


def test_default_context_is_three_lines() -> None:
    diff = unified_diff("f", LINES10, LINES10.replace("line 5\n", "five\n"))
    assert "@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+five\n line 6\n" in diff


def test_hunks_six_lines_apart_merge_and_seven_apart_split() -> None:
    # GNU diff and git join hunks whose gap is at most 2 * context lines.
    merged = unified_diff("f", *CASES["hunks_merge_at_gap_6"])
    split = unified_diff("f", *CASES["hunks_split_at_gap_7"])
    assert merged.count("\n@@ ") == 1
    assert split.count("\n@@ ") == 2


def test_context_zero_gives_bare_changes() -> None:
    diff = unified_diff("f", "a\nb\nc\n", "a\nB\nc\n", context=0)
    assert diff.endswith("@@ -2 +2 @@\n-b\n+B\n")


def test_no_newline_marker_follows_the_line_it_belongs_to() -> None:
    diff = unified_diff("f", "a\nb", "a\nb\n")
    assert diff.endswith(f"@@ -1,2 +1,2 @@\n a\n-b\n{NO_NEWLINE_MARKER}\n+b\n")
    diff = unified_diff("f", "a\nb\n", "a\nb")
    assert diff.endswith(f"@@ -1,2 +1,2 @@\n a\n-b\n+b\n{NO_NEWLINE_MARKER}\n")


def test_no_newline_marker_on_unchanged_last_context_line() -> None:
    diff = unified_diff("f", "a\nb\nc", "A\nb\nc")
    assert diff.endswith(f" c\n{NO_NEWLINE_MARKER}\n")
    assert diff.count(NO_NEWLINE_MARKER) == 1


def test_crlf_is_carried_as_line_content() -> None:
    diff = unified_diff("f", "a\r\nb\r\n", "a\r\nc\r\n")
    assert "-b\r\n+c\r\n" in diff


def test_surrogate_escaped_bytes_survive_encoding() -> None:
    old = b"x=\xff\n".decode(*ENC)
    new = b"x=\xfe\n".decode(*ENC)
    assert b"-x=\xff\n+x=\xfe\n" in unified_diff("f", old, new).encode(*ENC)


def test_split_lines_breaks_on_newline_only() -> None:
    assert split_lines("a\r\nb\rc\x0cd\u2028e\nf") == ["a\r\n", "b\rc\x0cd\u2028e\n", "f"]
    assert split_lines("") == []
    assert split_lines("\n") == ["\n"]


def test_path_with_spaces_applies(tmp_path: Path) -> None:
    assert _apply_with_git(tmp_path, "my dir/run job.sh", "a\n", "b\n") == b"b\n"


def test_path_with_quote_is_c_quoted_like_git(tmp_path: Path) -> None:
    diff = unified_diff('we"ird.sh', "a\n", "b\n")
    assert diff.startswith('diff --git "a/we\\"ird.sh" "b/we\\"ird.sh"\n--- "a/we\\"ird.sh"\n')
    assert _apply_with_git(tmp_path, 'we"ird.sh', "a\n", "b\n") == b"b\n"


def test_negative_context_is_rejected() -> None:
    with pytest.raises(ValueError, match="context"):
        unified_diff("f", "a\n", "b\n", context=-1)


_line_bodies = st.sampled_from(["", "a", "b", "c", "lr=1", "  --bf16 \\", "x\ry", "é", "\udcff"])
_endings = st.sampled_from(["\n", "\r\n"])
_lines = st.lists(st.tuples(_line_bodies, _endings), max_size=25)


def _join(lines: list[tuple[str, str]], final_newline: bool) -> str:
    text = "".join(body + ending for body, ending in lines)
    if not final_newline and lines:
        # Drop the terminator; a line that was only "\n" vanishes, which is still a valid text.
        text = text[: -len(lines[-1][1])]
    return text


@settings(max_examples=50, deadline=None)
@given(old=_lines, new=_lines, old_eol=st.booleans(), new_eol=st.booleans())
def test_git_apply_round_trips_random_texts(
    tmp_path_factory: pytest.TempPathFactory,
    old: list[tuple[str, str]],
    new: list[tuple[str, str]],
    old_eol: bool,
    new_eol: bool,
) -> None:
    old_text, new_text = _join(old, old_eol), _join(new, new_eol)
    if old_text == new_text:
        assert unified_diff("f.sh", old_text, new_text) == ""
        return
    tmp = tmp_path_factory.mktemp("prop")
    assert _apply_with_git(tmp, "f.sh", old_text, new_text) == new_text.encode(*ENC)
