"""Hostile trees: kefix reports what it cannot read and carries on with everything else.

Binary and huge files, unlistable directories, symlink loops, files that vanish mid-run,
non-UTF-8 names, thousands of files; it never runs or imports what it reads, and never prints
the secrets a script holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from kefix import runner as kefix_runner
from kefix.config import Settings
from kefix.discover import MAX_FILE_BYTES, Skipped, SourceFile, discover
from kefix.runner import mask_secrets, run

ROOT = Path(__file__).resolve().parent.parent
FIXABLE = (ROOT / "fixtures" / "rules" / "KF201" / "default_fp16.sh").read_bytes()
FIXED = (ROOT / "fixtures" / "rules" / "KF201" / "default_fp16.fixed.sh").read_bytes()


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kefix", *args], cwd=cwd, capture_output=True, check=False
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tree with one fixable script (``good.sh``) that every hostile test adds to."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "fixtures" / "rules" / "src", root / "src")
    (root / "good.sh").write_bytes(FIXABLE)
    return root


def _assert_carried_on(result: subprocess.CompletedProcess[bytes], project: Path) -> None:
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    assert (project / "good.sh").read_bytes() == FIXED


def test_binary_files_with_script_names_are_read_without_crashing(project: Path) -> None:
    (project / "blob.sh").write_bytes(bytes(range(256)) * 64)
    (project / "nul.sh").write_bytes(b"python train.py --fp16\x00--bf16 \\\n\x00\x00\n")
    (project / "shebang_only").write_bytes(b"#!/\n\xff\xd8\xff\xe0 jpeg")
    (project / "empty_shebang").write_bytes(b"#!\n")
    result = kefix("--apply", ".", cwd=project)
    # A NUL inside a launch is no bash kefix can read: reported, the rest goes on.
    assert result.returncode == 1, result.stderr
    assert b"nul.sh:1:1: KF901 could not parse this launch" in result.stdout
    _assert_carried_on(result, project)


def test_huge_file_is_skipped_and_said_so(project: Path) -> None:
    huge = project / "huge.sh"
    huge.write_bytes(FIXABLE + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    before = huge.read_bytes()
    result = kefix("--apply", "--strict", ".", cwd=project)
    assert result.returncode == 2
    assert b"huge.sh:1:1: KF902 skipped: larger than 2 MiB" in result.stderr
    assert huge.read_bytes() == before
    _assert_carried_on(result, project)


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads any directory: permissions cannot be tested as root "
    "(test_unlistable_directory_is_reported covers the code path)",
)
def test_directory_without_permission_is_reported(project: Path) -> None:
    locked = project / "locked"
    locked.mkdir()
    (locked / "x.sh").write_bytes(FIXABLE)
    locked.chmod(0)
    try:
        result = kefix("--apply", "--strict", ".", cwd=project)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2
    assert b"locked:1:1: KF902 could not read directory" in result.stderr
    _assert_carried_on(result, project)


def test_unlistable_directory_is_reported(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = project / "locked"
    locked.mkdir()
    (locked / "x.sh").write_bytes(FIXABLE)
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(os.fsdecode(path)).name == "locked":  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(project)
    result = run([Path(".")], Settings(), apply=True)
    assert result.errors == ["locked:1:1: KF902 could not read directory: Permission denied"]
    assert (project / "good.sh").read_bytes() == FIXED
    assert (locked / "x.sh").read_bytes() == FIXABLE


def test_symlink_loops_are_reported_not_followed(project: Path) -> None:
    (project / "self.sh").symlink_to("self.sh")
    (project / "a.sh").symlink_to("b.sh")
    (project / "b.sh").symlink_to("a.sh")
    (project / "noext").symlink_to("noext")
    (project / "sub").mkdir()
    (project / "sub" / "up").symlink_to("..", target_is_directory=True)
    (project / "sub" / "itself").symlink_to(".", target_is_directory=True)
    result = kefix("--apply", "--strict", ".", cwd=project)
    assert result.returncode == 2
    for name in (b"self.sh", b"a.sh", b"b.sh"):
        assert name + b":1:1: KF902 skipped: symlink cannot be followed" in result.stderr
    assert b"noext" not in result.stderr  # not a script by name; not opened to sniff either
    _assert_carried_on(result, project)


def test_file_deleted_during_the_run_is_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "doomed.sh").write_bytes(FIXABLE)

    def discover_then_delete(
        paths: Sequence[Path], settings: Settings
    ) -> Iterator[SourceFile | Skipped]:
        for found in discover(paths, settings):
            if found.path.name == "doomed.sh":
                found.path.unlink()  # gone between listing and reading
            yield found

    monkeypatch.setattr(kefix_runner, "discover", discover_then_delete)
    monkeypatch.chdir(project)
    result = run([Path(".")], Settings(), apply=True)
    assert result.errors == ["doomed.sh:1:1: KF902 could not read: No such file or directory"]
    assert (project / "good.sh").read_bytes() == FIXED
    assert not (project / "doomed.sh").exists()


def test_non_utf8_file_names_are_read_fixed_and_diffed(project: Path) -> None:
    name = b"\xb0\xd9\xb4\xa8-\xff.sh"  # GBK "百川" and a byte no encoding decodes
    path = Path(os.fsdecode(project)) / os.fsdecode(name)
    path.write_bytes(FIXABLE)
    other = project.parent / "other"
    shutil.copytree(project, other)
    diff = kefix("--diff", ".", cwd=other)
    assert diff.returncode == 1
    subprocess.run(["git", "init", "-q"], cwd=other, check=True)
    subprocess.run(["git", "apply", "-"], input=diff.stdout, cwd=other, check=True)
    result = kefix("--apply", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == FIXED
    assert (Path(os.fsdecode(other)) / os.fsdecode(name)).read_bytes() == FIXED
    report = kefix(".", cwd=project)
    assert b"Traceback" not in report.stderr


def test_thousands_of_files_are_all_checked(project: Path) -> None:
    for index in range(1500):
        directory = project / f"d{index % 30:02}"
        directory.mkdir(exist_ok=True)
        if index % 100 == 0:
            (directory / f"run{index}.sh").write_bytes(FIXABLE)
        elif index % 3 == 0:
            (directory / f"notes{index}.txt").write_bytes(b"--fp16 --bf16\n")
        else:
            (directory / f"util{index}.sh").write_bytes(b"#!/bin/bash\necho step %d\n" % index)
    result = kefix("--apply", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == b"Found 16 findings (16 fixed, 0 remaining)."
    _assert_carried_on(result, project)


def test_scanned_code_is_never_executed_or_imported(tmp_path: Path) -> None:
    tree = tmp_path / "never_run"
    shutil.copytree(ROOT / "fixtures" / "robustness" / "never_run", tree)
    before = sorted(p.name for p in tree.iterdir())
    for flags in ([], ["--apply", "--unsafe-fixes"], ["--diff"]):
        result = kefix(*flags, ".", cwd=tree)
        assert b"Traceback" not in result.stderr
    # The launch was analysed (its two conflicting precisions fixed), yet nothing ran: the
    # only new entry is kefix's own result cache.
    assert b"--fp16 --bf16" not in (tree / "run.sh").read_bytes()
    assert sorted(p.name for p in tree.iterdir() if p.name != ".kefix_cache") == before


SECRETS = (b"hf_abcdefSECRET123", b"deadbeefcafe0042", b"hf_hubsecret77", b"s3cr3t-pass")
SECRET_SCRIPT = (
    b"#!/bin/bash\n"
    b"export HUGGING_FACE_HUB_TOKEN=hf_hubsecret77\n"
    b"HF_TOKEN=hf_abcdefSECRET123 WANDB_API_KEY='deadbeefcafe0042' python src/train_fp16.py \\\n"
    b"    --hub_token hf_hubsecret77 \\\n"
    b"    --output_dir out/flan-t5 \\\n"
    b"    --bf16 True\n"
    b"DB_PASSWORD=s3cr3t-pass python upload.py\n"
)


def test_masking_hides_credential_values_and_keeps_the_layout() -> None:
    text = SECRET_SCRIPT.decode()
    masked = mask_secrets(text)
    assert masked.count("\n") == text.count("\n")
    for secret in SECRETS:
        assert secret.decode() not in masked
    assert "HF_TOKEN=*** WANDB_API_KEY='***' python src/train_fp16.py" in masked
    assert "--hub_token ***" in masked
    assert "--bf16 True" in masked and "--output_dir out/flan-t5" in masked
    assert mask_secrets("TOKENIZERS_PARALLELISM=false --use_auth_token True") == (
        "TOKENIZERS_PARALLELISM=false --use_auth_token True"
    )


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("hub_token: s3cr3tvalue\n", "hub_token: ***\n"),
        ('  "hub_token": "s3cr3tvalue",\n', '  "hub_token": "***",\n'),
        ("    hub_token='s3cr3tvalue',\n", "    hub_token='***',\n"),
        ("wandb_api_key:   s3cr3tvalue # comment\n", "wandb_api_key:   *** # comment\n"),
        ("push_to_hub_token: null\n", "push_to_hub_token: null\n"),
        ("tokenizer_name: meta-llama/Llama-2-7b\n", "tokenizer_name: meta-llama/Llama-2-7b\n"),
        ("max_tokens: 512\n", "max_tokens: 512\n"),
        # Case-insensitive beyond ASCII: the Kelvin sign is a ``k``, the long s an ``s``.
        ("WANDB_API_\u212aEY=deadbeef x\n", "WANDB_API_\u212aEY=*** x\n"),
        ("MY_\u017fECRET=abc\n", "MY_\u017fECRET=***\n"),
        # Token shapes with no credential-like name anywhere in the text.
        ("echo hf_" + "a" * 25 + "\n", "echo ***\n"),
        ("url ghp_" + "a" * 31 + " x\n", "url *** x\n"),
    ],
)
def test_masking_covers_config_keys_and_python_keywords(line: str, shown: str) -> None:
    assert mask_secrets(line) == shown


def test_diffs_for_people_mask_secrets_and_the_patch_keeps_exact_bytes(project: Path) -> None:
    (project / "good.sh").write_bytes(SECRET_SCRIPT)
    result = run([project / "good.sh"], Settings(), apply=False)
    [file] = result.files
    assert b"hf_abcdefSECRET123" in file.diff.encode()  # --diff must apply to the real file
    for secret in SECRETS:
        assert secret.decode() not in file.shown_diff
    assert "+    --fp16 False" in file.shown_diff


def test_report_prints_no_secret(project: Path) -> None:
    (project / "good.sh").write_bytes(SECRET_SCRIPT)
    for flags in ([], ["--unsafe-fixes"], ["--apply"]):
        result = kefix(*flags, "good.sh", cwd=project)
        assert b"Traceback" not in result.stderr
        for secret in SECRETS:
            assert secret not in result.stdout + result.stderr
