"""File stamps: a warm run does not read a file whose size, times and inode are those the cache
recorded with its hash, unless the file changed too recently for its stamp to be trusted (git's
"racily clean" files)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kefix import cache as cache_module
from kefix import runner
from kefix.cli import main
from kefix.resolve import filesystem
from kefix.write import read_bytes

ROOT = Path(__file__).resolve().parent.parent

QUIET_SCRIPT = "#!/bin/bash\ntorchrun train.py --output_dir out --learning_rate 2e-5\n"
NOISY_SCRIPT = "#!/bin/bash\ntorchrun train.py --output_dir out --fp16 --bf16\n"


def _kefix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--no-color"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the run's loop reads."""
    read: list[str] = []

    def recording(path: str | Path) -> bytes:
        read.append(Path(path).name)
        return read_bytes(path)

    monkeypatch.setattr(runner, "read_bytes", recording)
    return read


@pytest.fixture(autouse=True)
def _no_run_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the per-file path: no run is answered from a whole-run record
    (tests/test_cache_run_record.py). With no settling margin, whether a run gets recorded
    would hang on the file system's clock tick (the cache directory created in the project
    changes its directory's time within the run)."""
    monkeypatch.setattr(cache_module.ResultCache, "served_run", lambda self, paths: None)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "quiet.sh").write_text(QUIET_SCRIPT)
    (project / "noisy.sh").write_text(NOISY_SCRIPT)
    (project / "notes.sh").write_text("#!/bin/bash\necho no launch here\n")
    # Names a launcher (so it is parsed) but launches nothing: nothing to report.
    (project / "mention.sh").write_text("#!/bin/bash\n# start torchrun by hand\necho done\n")
    monkeypatch.chdir(project)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    monkeypatch.delenv("KEFIX_CACHE_DIR", raising=False)
    return project


def test_an_unchanged_file_with_a_trusted_stamp_is_not_read_on_a_warm_run(
    project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stamps recorded at least no time after the files changed count as settled (as for a
    # tree written long before the run).
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    cold = _kefix("--format", "json", ".")
    assert sorted(reads) == ["mention.sh", "noisy.sh", "notes.sh", "quiet.sh"]
    reads.clear()

    warm = _kefix("--format", "json", ".")

    assert warm == cold
    # Files with nothing to report (no launch, or not even a launcher's name) are not read;
    # files with launches are (their results hold the text).
    assert sorted(reads) == ["noisy.sh", "quiet.sh"]
    assert warm == _kefix("--no-cache", "--format", "json", ".")


def test_a_file_that_may_hold_no_launch_is_kept_by_its_stamp_alone(
    project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing looks up notes.sh by its hash (it names no launcher): a cold run does not hash
    it, and the next run still leaves it unread."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    hashed: list[bytes] = []
    real_hash = filesystem.content_hash

    def recording(data: bytes) -> str:
        hashed.append(data)
        return real_hash(data)

    monkeypatch.setattr(filesystem, "content_hash", recording)
    _kefix("--format", "json", ".")

    assert (project / "notes.sh").read_bytes() not in hashed
    assert (project / "quiet.sh").read_bytes() in hashed
    reads.clear()
    _kefix("--format", "json", ".")
    assert "notes.sh" not in reads


def test_a_file_rewritten_within_the_same_mtime_tick_is_read_again(
    project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file system whose change time says nothing (coarse, or not kept): the stamp is size,
    # modification time and inode alone, and a same-size rewrite that keeps the modification
    # time keeps the stamp. Only the racily-clean rule tells the rewrite apart.
    monkeypatch.setattr(
        filesystem, "stamp", lambda stat: [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    )
    # Commented out: nothing to report, so a trusted stamp would let the warm run skip it.
    commented = project / "commented.sh"
    commented.write_text("#!/bin/bash\n# torchrun train.py --output_dir o --fp16 --bf16\n")
    before = commented.stat()
    cold = _kefix("--format", "concise", ".")
    assert "commented.sh" not in cold[1]
    with open(commented, "r+") as handle:  # in place (the same inode), the same size
        handle.write("#!/bin/bash\ntorchrun train.py --output_dir o --fp16 --bf16  \n")
    os.utime(commented, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = commented.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    reads.clear()

    warm = _kefix("--format", "concise", ".")

    assert "commented.sh" in reads
    assert "commented.sh" in warm[1]
    assert warm == _kefix("--no-cache", "--format", "concise", ".")


def test_a_settled_file_changed_in_place_is_read_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted stamp is one the file still has: any write changes its change time."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    _kefix("--format", "concise", ".")
    (project / "quiet.sh").write_text(NOISY_SCRIPT)

    warm = _kefix("--format", "concise", ".")

    assert "quiet.sh" in warm[1]
    assert warm == _kefix("--no-cache", "--format", "concise", ".")


def test_touching_a_file_without_changing_it_keeps_its_results(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    cold = _kefix("--format", "json", ".")
    for name in ("quiet.sh", "noisy.sh", "notes.sh"):
        os.utime(project / name)  # a new stamp, the same bytes

    assert _kefix("--format", "json", ".") == cold
    assert _kefix("--format", "json", ".") == cold


def test_a_file_replaced_by_another_with_the_same_stamp_is_read_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving another file into place keeps size and times but not the inode."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    _kefix("--format", "concise", ".")
    quiet = project / "quiet.sh"
    other = project.parent / "other.sh"
    other.write_text(QUIET_SCRIPT.replace("2e-5", "3e-5"))
    stat = quiet.stat()
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shutil.move(other, quiet)

    assert _kefix("--format", "json", ".") == _kefix("--no-cache", "--format", "json", ".")


def test_stamps_alone_are_written_early_and_spare_the_next_run_every_read(
    project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monorepo's files without launches leave only stamps (with what the answer rests on);
    they count towards writing the shards early too (50,000 stamps held to the end of a run
    took ~50 MB)."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)
    monkeypatch.setattr(cache_module, "_PENDING_LIMIT", 2)  # every 8 stamps
    for index in range(20):
        (project / f"notes{index:02}.sh").write_text("#!/bin/bash\necho no launch here\n")
        (project / f"util{index:02}.py").write_text("import os\nprint(os.getcwd())\n")
    written: list[int] = []
    real = cache_module.ResultCache._write_shards

    def counting(self: cache_module.ResultCache) -> None:
        written.append(sum(len(pending["stamps"]) for pending in self._pending.values()))
        real(self)

    monkeypatch.setattr(cache_module.ResultCache, "_write_shards", counting)
    cold = _kefix("--format", "json", ".")
    assert len(written) >= 4 and max(written) < 20  # written as they came, not all at the end
    reads.clear()

    warm = _kefix("--format", "json", ".")

    assert warm == cold
    assert sorted(reads) == ["noisy.sh", "quiet.sh"]  # no stamp was lost
