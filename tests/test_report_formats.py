"""--format concise|json|github|markdown|diff and --statistics, as a user sees them on stdout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import kefix

from kefix.report.markdown import md_text

DEEPKE = Path(__file__).resolve().parent.parent / "fixtures" / "deepke"

DUPLICATE = "python train.py --output_dir out --learning_rate 1e-4 --fp16 --learning_rate 2e-5\n"
BOTH_PRECISIONS = (
    "#!/bin/bash\n"
    "# 100% sure, a: b\n"
    "torchrun train.py \\\n"
    "    --output_dir out \\\n"
    "    --fp16 --bf16 \\\n"
    "    --do_train\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two scripts: a safe fix (KF113, a warning) and an unsafe one (KF201, an error); the second
    file name holds a comma, which annotation properties must escape."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "a.sh").write_text(DUPLICATE)
    (root / "scripts" / "b,c.sh").write_text(BOTH_PRECISIONS)
    return root


@pytest.fixture
def deepke(tmp_path: Path) -> Path:
    target = tmp_path / "deepke"
    shutil.copytree(DEEPKE, target)
    return target


def test_concise_prints_one_line_per_finding_and_the_summary(project: Path) -> None:
    result = kefix("--format", "concise", "scripts", cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "scripts/a.sh:1:34: KF113 [*] learning_rate is set 2 times in this launch; "
        "only the last one (2e-5) takes effect",
        "scripts/b,c.sh:5:12: KF201 [unsafe fix] fp16 and bf16 are both on; "
        "transformers raises ValueError at start-up",
        "Found 2 findings; 1 fixable with --apply, 1 more with --unsafe-fixes.",
    ]


def test_output_format_is_another_name_for_format(project: Path) -> None:
    concise = kefix("--format", "concise", "scripts", cwd=project)
    assert kefix("--output-format", "concise", "scripts", cwd=project).stdout == concise.stdout


def test_github_annotations_errors_first_escaped_with_a_summary(project: Path) -> None:
    result = kefix("--format", "github", "scripts", cwd=project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=scripts/b%2Cc.sh,line=5,endLine=5,col=12,endColumn=18,title=kefix (KF201)"
        "::fp16 and bf16 are both on; transformers raises ValueError at start-up"
        "%0Aunsafe fix, not applied: keep bf16: remove --fp16",
        "::warning file=scripts/a.sh,line=1,endLine=1,col=34,endColumn=54,title=kefix (KF113)"
        "::learning_rate is set 2 times in this launch; only the last one (2e-5) takes effect"
        "%0Afix: remove the overridden flags",
        "kefix: 2 findings (1 error, 1 warning) in 2 files",
    ]


def test_github_file_names_are_relative_to_the_repository_root(project: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    result = kefix("--format", "github", ".", cwd=project / "scripts")
    assert result.stdout.startswith("::error file=scripts/b%2Cc.sh,line=5,")


def test_json_findings_carry_positions_origin_versions_and_fix_edits(deepke: Path) -> None:
    result = kefix("--format", "json", "ft_scripts", cwd=deepke)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert (document["version"], document["mode"]) == (1, "check")
    first = document["findings"][0]
    assert first == {
        "code": "KF001",
        "name": "strategy-mismatch",
        "severity": "error",
        "message": "load_best_model_at_end=True needs matching strategies, but eval_strategy is "
        "'no' and save_strategy is 'epoch'; transformers raises ValueError at start-up",
        "file": "ft_scripts/fine_baichuan.bash",
        "start": {"line": 23, "column": 5},
        "end": {"line": 23, "column": 31},
        "origin_note": "load_best_model_at_end=True comes from dataclass default, "
        "src/utils/args.py:14",
        "transformers": ["4.33.0"],
        "fix": {
            "applicability": "safe",
            "description": "set --load_best_model_at_end False",
            "status": "proposed",
            "reason": None,
            "edits": [
                {
                    "start": {"line": 24, "column": 28},
                    "end": {"line": 24, "column": 28},
                    "content": " \\\n    --load_best_model_at_end False",
                }
            ],
        },
    }
    statuses = {(f["code"], f["file"]): f["fix"]["status"] for f in document["findings"]}
    assert statuses[("KF202", "ft_scripts/fine_baichuan.bash")] == "needs-unsafe-fixes"


def test_json_edits_applied_to_the_file_give_the_fixed_text(project: Path) -> None:
    document = json.loads(kefix("--format", "json", "scripts/a.sh", cwd=project).stdout)
    (finding,) = document["findings"]
    lines = DUPLICATE.splitlines(keepends=True)

    def offset(position: dict[str, int]) -> int:
        return sum(len(line) for line in lines[: position["line"] - 1]) + position["column"] - 1

    text = DUPLICATE
    for edit in reversed(finding["fix"]["edits"]):
        text = text[: offset(edit["start"])] + edit["content"] + text[offset(edit["end"]) :]
    kefix("--apply", "scripts/a.sh", cwd=project)
    assert text == (project / "scripts" / "a.sh").read_text()


def test_json_after_apply_says_which_fixes_were_written(project: Path) -> None:
    result = kefix("--apply", "--format", "json", "scripts", cwd=project)
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["fix"]["status"]) for f in findings] == [
        ("KF113", "applied"),
        ("KF201", "needs-unsafe-fixes"),
    ]


def test_json_lists_unreadable_files_as_kf902(project: Path) -> None:
    (project / "scripts" / "gone.sh").symlink_to(project / "missing.sh")
    result = kefix("--format", "json", "scripts", cwd=project)
    codes = [(f["code"], f["file"], f["severity"]) for f in json.loads(result.stdout)["findings"]]
    assert ("KF902", "scripts/gone.sh", "warning") in codes
    assert "scripts/gone.sh:1:1: KF902 could not read" in result.stderr


def test_format_diff_is_the_same_as_the_diff_flag(deepke: Path) -> None:
    by_flag = kefix("--diff", "ft_scripts", cwd=deepke)
    by_format = kefix("--format", "diff", "ft_scripts", cwd=deepke)
    assert by_format.stdout == by_flag.stdout
    assert by_format.stdout.startswith("diff --git a/ft_scripts/fine_baichuan.bash")
    assert by_format.returncode == by_flag.returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--diff", "--format", "json"),
        ("--apply", "--format", "diff"),
        ("--statistics", "--format", "sarif"),
        ("--show-launches", "--format", "sarif"),
        ("--list-rules", "--format", "github"),
    ],
)
def test_formats_that_do_not_fit_together_are_usage_errors(project: Path, args: tuple[str]) -> None:
    result = kefix(*args, "scripts", cwd=project)
    assert result.returncode == 2
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


def test_statistics_count_findings_per_rule(deepke: Path) -> None:
    result = kefix("--statistics", "ft_scripts", cwd=deepke)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "2  KF001  [*] strategy-mismatch",
        "1  KF202      bf16-native-model",
    ]


def test_statistics_as_json(deepke: Path) -> None:
    result = kefix("--statistics", "--format", "json", "ft_scripts", cwd=deepke)
    assert json.loads(result.stdout) == [
        {"code": "KF001", "name": "strategy-mismatch", "count": 2, "fixable": 1},
        {"code": "KF202", "name": "bf16-native-model", "count": 1, "fixable": 0},
    ]


def test_statistics_of_a_clean_tree(deepke: Path) -> None:
    result = kefix("--statistics", "ft_scripts/fine_llama.bash", cwd=deepke)
    assert (result.returncode, result.stdout) == (0, "All checks passed.\n")


def test_markdown_pull_request_body(deepke: Path) -> None:
    result = kefix("--apply", "--format", "markdown", "ft_scripts", cwd=deepke)
    body = result.stdout
    assert result.returncode == 1  # two findings need a person
    assert body.startswith("## kefix: Trainer launch fixes\n")
    assert "kefix found 3 findings in 2 files. kefix fixed 1; 2 need a person's decision." in body
    assert "| KF001 | strategy-mismatch | 2 | 1 | 1 |" in body
    assert "| KF202 | bf16-native-model | 1 | 0 | 1 |" in body
    baichuan = body.split("### `ft_scripts/fine_baichuan.bash`")[1].split("### ")[0]
    changed, review = baichuan.split("Not changed — needs a decision:")
    assert "Changed:" in changed and "**KF001** strategy-mismatch, line 23" in changed
    assert "  - fix (safe): set --load_best_model_at_end False" in changed
    # The unsafe fix left out, and what a person must weigh (the rule's fix-safety text).
    assert "**KF202** bf16-native-model, line 29" in review
    assert "unsafe fix, not applied: train in bf16 instead of fp16." in review
    assert "Unsafe: bf16 needs an Ampere or newer GPU" in review
    assert "<details><summary>Diff of <code>ft_scripts/fine_baichuan.bash</code></summary>" in (
        baichuan
    )
    assert "\n```diff\ndiff --git a/ft_scripts/fine_baichuan.bash" in baichuan
    assert "\n+    --load_best_model_at_end False \\\n" in baichuan
    assert baichuan.rstrip().endswith("```\n\n</details>")


def test_markdown_masks_secrets_and_escapes_html(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text(
        "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123 python train.py --output_dir out "
        "--learning_rate 1e-4 --learning_rate $LR\n"
    )
    body = kefix("--format", "markdown", "run.sh", cwd=tmp_path).stdout
    assert "hf_abcdefghijklmnopqrstuvwxyz0123" not in body
    assert "HF_TOKEN=***" in body


def test_markdown_text_escapes_html_outside_code_spans_only() -> None:
    assert md_text("is <unknown: $LR> & `a<b>` --hub_token abc") == (
        "is &lt;unknown: $LR&gt; &amp; `a<b>` --hub_token ***"
    )


def test_markdown_of_a_clean_run(deepke: Path) -> None:
    result = kefix("--format", "markdown", "ft_scripts/fine_llama.bash", cwd=deepke)
    assert result.stdout == "## kefix report\n\nkefix found nothing to fix.\n"


@pytest.mark.parametrize("output_format", ["json", "sarif", "markdown", "github", "concise"])
def test_undecodable_bytes_become_replacement_characters(
    tmp_path: Path, output_format: str
) -> None:
    (tmp_path / "run.sh").write_bytes(
        "# 百川2 微调\n".encode("gbk")
        + b"python train.py --output_dir o --learning_rate 1 --learning_rate \xb0\xd9\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "kefix", "--format", output_format, "run.sh"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    text = result.stdout.decode("utf-8")  # strict: the report is valid UTF-8
    assert "only the last one (\ufffd\ufffd) takes effect" in text
    if output_format in ("json", "sarif"):
        json.loads(text)
