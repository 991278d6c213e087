"""Byte fidelity through the real command line: ``python -m kefix --apply`` changes the bytes a
fix means to change and not one more, keeps file modes, and edits symlinks only in the roots.

Every expected file is written out byte by byte from the original, never by running kefix.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


def kefix(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kefix", *args], cwd=cwd, capture_output=True, check=False
    )


@dataclass(frozen=True)
class Shape:
    """How a test script is written down: comment bytes, line ends, indentation, last newline."""

    comment: bytes
    eols: tuple[bytes, ...] = (b"\n",)  # cycled over the lines
    indent: bytes = b"    "
    final_newline: bool = True
    bom: bytes = b""
    launch_last: bool = False


SHAPES = {
    "utf8": Shape("# 百川2 LoRA 微调 — ü".encode()),
    "utf8_bom": Shape("# 微调".encode(), bom=b"\xef\xbb\xbf"),
    "gbk": Shape("# 百川2 微调脚本，学习率".encode("gbk")),
    "gb18030": Shape("# 训练 € 𠀋 脚本".encode("gb18030")),
    "latin1": Shape("# réglage du modèle, déjà testé".encode("latin-1")),
    "undecodable": Shape(b"# bad \xff\xfe\x80 \xed\xa0\x80 bytes \xc3"),
    "crlf": Shape(b"# windows", eols=(b"\r\n",)),
    "mixed": Shape(b"# mixed", eols=(b"\r\n", b"\n", b"\n", b"\r\n")),
    "no_final_newline": Shape(b"# end", final_newline=False),
    "no_final_newline_launch_last": Shape(b"# end", final_newline=False, launch_last=True),
    "crlf_no_final_newline": Shape(
        b"# end", eols=(b"\r\n",), final_newline=False, launch_last=True
    ),
    "tabs": Shape(b"#\ttabs\there", indent=b"\t\t"),
    "trailing_blanks": Shape(b"# trailing   \t"),
}


def _lines(shape: Shape) -> list[bytes]:
    lines = [
        b"#!/bin/bash",
        shape.comment,
        b"python src/train_fp16.py \\",
        shape.indent + b"--model_name_or_path google/flan-t5-base \\",
        shape.indent + b"--output_dir out/flan-t5 \\",
        shape.indent + b"--bf16 True",
    ]
    if not shape.launch_last:
        lines.append(b"echo done\t# \x01 control")
    return lines


def _join(shape: Shape, lines: list[bytes]) -> tuple[bytes, list[bytes]]:
    eols = [shape.eols[i % len(shape.eols)] for i in range(len(lines))]
    if not shape.final_newline:
        eols[-1] = b""
    return shape.bom + b"".join(line + eol for line, eol in zip(lines, eols, strict=True)), eols


def original_and_fixed(shape: Shape) -> tuple[bytes, bytes]:
    """The script, and the script with KF201's safe fix (``--fp16 False`` after ``--bf16``)."""
    lines = _lines(shape)
    original, eols = _join(shape, lines)
    index = 5  # the --bf16 line
    # The inserted line ends the way the anchor line did (LF when it had no line end at all).
    anchor_eol = eols[index] or b"\n"
    fixed_lines = [
        *lines[:index],
        lines[index] + b" \\" + anchor_eol + shape.indent + b"--fp16 False",
    ]
    fixed_lines += lines[index + 1 :]
    fixed = shape.bom + b"".join(line + eol for line, eol in zip(fixed_lines, eols, strict=True))
    return original, fixed


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(RULES / "src", project / "src")
    return project


@pytest.mark.parametrize("name", SHAPES, ids=SHAPES)
def test_apply_changes_only_the_fixed_bytes(tmp_path: Path, name: str) -> None:
    project = _project(tmp_path)
    original, fixed = original_and_fixed(SHAPES[name])
    script = project / "run.sh"
    script.write_bytes(original)
    result = kefix("--apply", "run.sh", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert script.read_bytes() == fixed


@pytest.mark.parametrize("name", ["gbk", "undecodable", "crlf", "no_final_newline"])
def test_diff_output_applies_to_the_same_bytes(tmp_path: Path, name: str) -> None:
    project = _project(tmp_path)
    original, fixed = original_and_fixed(SHAPES[name])
    (project / "run.sh").write_bytes(original)
    diff = kefix("--diff", "run.sh", cwd=project).stdout
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", "-"], input=diff, cwd=project, check=True)
    assert (project / "run.sh").read_bytes() == fixed


@pytest.mark.parametrize("mode", [0o755, 0o700, 0o644, 0o664])
def test_apply_keeps_the_file_mode(tmp_path: Path, mode: int) -> None:
    project = _project(tmp_path)
    script = project / "run.sh"
    original, fixed = original_and_fixed(SHAPES["utf8"])
    script.write_bytes(original)
    script.chmod(mode)
    kefix("--apply", ".", cwd=project)
    assert script.read_bytes() == fixed
    assert stat.S_IMODE(script.stat().st_mode) == mode


def _state(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Bytes, mtime and inode of every file: a rewrite with equal bytes still shows."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            info = path.stat()
            state[str(path.relative_to(root))] = (path.read_bytes(), info.st_mtime_ns, info.st_ino)
    return state


@pytest.mark.parametrize("flags", [[], ["--diff"], ["--unsafe-fixes"], ["--apply"]])
def test_without_a_fix_to_make_nothing_is_written(tmp_path: Path, flags: list[str]) -> None:
    project = _project(tmp_path)
    for name, shape in SHAPES.items():
        _, fixed = original_and_fixed(shape)  # already fixed: nothing left to do
        (project / f"{name}.sh").write_bytes(fixed)
    (project / "clean.sh").write_bytes(b"#!/bin/bash\necho hi\n")
    before = _state(project)
    result = kefix(*flags, ".", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _state(project) == before


def test_dry_run_never_writes_even_with_fixes_to_propose(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for name, shape in SHAPES.items():
        (project / f"{name}.sh").write_bytes(original_and_fixed(shape)[0])
    before = _state(project)
    for flags in ([], ["--diff"], ["--unsafe-fixes"], ["--diff", "--unsafe-fixes"]):
        result = kefix(*flags, ".", cwd=project)
        assert result.returncode == 1
    assert _state(project) == before


def test_symlink_inside_the_roots_keeps_the_link_and_edits_the_target(tmp_path: Path) -> None:
    project = _project(tmp_path)
    original, fixed = original_and_fixed(SHAPES["utf8"])
    (project / "real").mkdir()
    target = project / "real" / "run.sh"
    target.write_bytes(original)
    target.chmod(0o755)
    link = project / "link.sh"
    link.symlink_to(Path("real") / "run.sh")
    result = kefix("--apply", "link.sh", cwd=project)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "run.sh")
    assert target.read_bytes() == fixed
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert sorted(p.name for p in (project / "real").iterdir()) == ["run.sh"]


def test_symlink_and_its_target_both_in_the_tree_are_fixed_once(tmp_path: Path) -> None:
    project = _project(tmp_path)
    original, fixed = original_and_fixed(SHAPES["crlf"])
    (project / "a_link.sh").symlink_to("z_real.sh")
    (project / "z_real.sh").write_bytes(original)
    result = kefix("--apply", ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "a_link.sh").is_symlink()
    assert (project / "z_real.sh").read_bytes() == fixed


def test_symlink_to_a_file_outside_the_roots_is_neither_read_nor_written(tmp_path: Path) -> None:
    project = _project(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    original, _ = original_and_fixed(SHAPES["utf8"])
    foreign = outside / "run.sh"
    foreign.write_bytes(original)
    (project / "scripts").mkdir()
    (project / "scripts" / "run.sh").symlink_to(foreign)
    before = foreign.stat().st_mtime_ns
    result = kefix("--apply", "--strict", "scripts", cwd=project)
    assert result.returncode == 2
    assert (
        b"scripts/run.sh:1:1: KF902 skipped: symlink to a file outside the given paths"
        in result.stderr
    )
    assert foreign.read_bytes() == original and foreign.stat().st_mtime_ns == before
    assert (project / "scripts" / "run.sh").is_symlink()


def test_symlinked_directory_leading_outside_is_not_walked(tmp_path: Path) -> None:
    project = _project(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    original, _ = original_and_fixed(SHAPES["utf8"])
    (outside / "run.sh").write_bytes(original)
    (project / "linked").symlink_to(outside, target_is_directory=True)
    result = kefix("--apply", ".", cwd=project)
    assert result.returncode == 0
    assert (outside / "run.sh").read_bytes() == original
