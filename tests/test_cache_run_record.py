"""The run record: a check over a tree whose directories, files and dependencies all keep the
stamps and answers an earlier run recorded reports that run's results without walking the tree;
anything different (a file or directory added, removed or renamed, an ignore file, a config
file, a dependency edited, a file rewritten within the racily-clean window) is checked as usual
and reports what a run without cache reports."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from kefix import cache as cache_module
from kefix import runner
from kefix.cache import ResultCache
from kefix.cli import main
from kefix.config import Settings
from kefix.resolve import filesystem

ROOT = Path(__file__).resolve().parent.parent
DEEPKE = ROOT / "fixtures" / "deepke"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each run was answered from its record."""
    answers: list[bool] = []
    serve = ResultCache.served_run

    def spying(self: ResultCache, paths: list[Path]) -> runner.RunResult | None:
        found = serve(self, paths)
        answers.append(found is not None)
        return found

    monkeypatch.setattr(ResultCache, "served_run", spying)
    return answers


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The DeepKE-shaped project in a git repository, with its cache outside it."""
    project = tmp_path / "deepke"
    shutil.copytree(DEEPKE, project)
    (project / ".git").mkdir()
    _work_in(project, tmp_path / "cache", monkeypatch)
    return project


def _work_in(repository: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run kefix from ``repository``, its cache in ``cache`` (outside it)."""
    monkeypatch.chdir(repository)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    monkeypatch.setenv("KEFIX_CACHE_DIR", str(cache))


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stamps of files written just now (as for a tree written long ago)."""
    monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)


def _kefix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--no-color"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _later(path: Path) -> None:
    """A new modification time even on file systems with coarse timestamps (in the past: a
    time at or after the run's start would make the record distrust it)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 5_000_000_000))


def _add_script(project: Path) -> None:
    shutil.copy(project / "ft_scripts" / "fine_llama.bash", project / "ft_scripts" / "new.bash")


def _remove_script(project: Path) -> None:
    (project / "ft_scripts" / "fine_llama.bash").unlink()


def _rename_directory(project: Path) -> None:
    (project / "ft_scripts").rename(project / "scripts")


def _add_directory(project: Path) -> None:
    (project / "more").mkdir()
    shutil.copy(project / "ft_scripts" / "fine_baichuan.bash", project / "more" / "run.sh")


def _ignore_a_script(project: Path) -> None:
    (project / ".gitignore").write_text("ft_scripts/fine_baichuan.bash\n")


def _edit_the_gitignore(project: Path) -> None:
    (project / "ft_scripts" / ".gitignore").write_text("fine_llama.bash\n")


def _exclude_in_config(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.kefix]\nextend-exclude = ["ft_scripts/fine_chatglm.bash"]\n'
    )


def _edit_the_dataclass_module(project: Path) -> None:
    args = project / "src" / "utils" / "args.py"
    args.write_text(args.read_text().replace("field(default=True", "field(default=False", 1))
    _later(args)


def _edit_the_entry_script(project: Path) -> None:
    entry = project / "src" / "finetune.py"
    entry.write_text(entry.read_text().replace("HfArgumentParser", "print", 1))
    _later(entry)


def _add_a_nearer_entry_script(project: Path) -> None:
    """ft_scripts/src/finetune.py did not exist, nor did ft_scripts/src: a launch written in
    ft_scripts/ that runs src/finetune.py now finds it there first."""
    (project / "ft_scripts" / "src").mkdir()
    (project / "ft_scripts" / "src" / "finetune.py").write_text(
        "from transformers import HfArgumentParser, TrainingArguments\n\n"
        "(args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()\n"
    )


def _change_the_pin(project: Path) -> None:
    requirements = project / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("4.33.0", "4.46.0"))
    _later(requirements)


def _add_a_nearer_pin(project: Path) -> None:
    (project / "ft_scripts" / "requirements.txt").write_text("transformers==4.40.0\n")


def _edit_a_script(project: Path) -> None:
    script = project / "ft_scripts" / "fine_llama.bash"
    script.write_text(script.read_text().replace("--", "--fp16 --bf16 --", 1))
    _later(script)


CHANGES: list[Callable[[Path], None]] = [
    _add_script,
    _remove_script,
    _rename_directory,
    _add_directory,
    _ignore_a_script,
    _edit_the_gitignore,
    _exclude_in_config,
    _edit_the_dataclass_module,
    _edit_the_entry_script,
    _add_a_nearer_entry_script,
    _change_the_pin,
    _add_a_nearer_pin,
    _edit_a_script,
]


@pytest.mark.usefixtures("settled")
def test_an_unchanged_tree_is_answered_from_the_record_without_walking_it(
    project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _kefix("--format", "json", ".")
    assert served == [False]

    def no_walk(*args: object) -> None:
        raise AssertionError("the tree was walked")

    monkeypatch.setattr(runner, "discover", no_walk)
    before = _times(project)
    assert _kefix("--format", "json", ".") == cold
    assert served == [False, True]
    assert _times(project) == before  # nothing in the tree is touched


def _times(project: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in project.rglob("*")}


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_any_change_the_record_depends_on_is_checked_as_without_cache(
    project: Path, served: list[bool], change: Callable[[Path], None]
) -> None:
    _kefix("--format", "json", ".")
    assert _kefix("--format", "json", ".")[1]
    assert served == [False, True]

    change(project)
    after = _kefix("--format", "json", ".")

    assert served == [False, True, False]
    assert after == _kefix("--no-cache", "--format", "json", ".")
    # ... and the run after it is recorded afresh and answered from the new record.
    assert _kefix("--format", "json", ".") == after
    assert served[-1] is True


def test_files_changed_within_the_racily_clean_window_are_never_recorded(
    project: Path, served: list[bool]
) -> None:
    """A tree written just now: its stamps cannot vouch for its contents yet."""
    first = _kefix("--format", "json", ".")
    script = project / "ft_scripts" / "fine_baichuan.bash"
    stat = script.stat()
    text = script.read_text()
    edited = text.replace('--evaluation_strategy "no"', '--evaluation_strategy "ep"')
    assert len(edited) == len(text) and edited != text
    script.write_text(edited)  # the same size, and the same times
    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    second = _kefix("--format", "json", ".")

    assert served == [False, False]
    assert second == _kefix("--no-cache", "--format", "json", ".")
    assert second != first


@pytest.mark.usefixtures("settled")
def test_a_file_changed_after_the_run_read_it_is_checked_again(
    project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """kefix read the script, then it changed before the run ended: the record keeps the stamp
    the script had when it was read, and the next run checks it again."""
    script = project / "ft_scripts" / "fine_baichuan.bash"
    real = runner._check_file

    def edited_once_checked(job: runner.CheckJob, *args: object) -> object:
        checked = real(job, *args)  # type: ignore[arg-type]
        if Path(job.display).name == script.name:
            text = script.read_text()
            script.write_text(text.replace('--evaluation_strategy "no"', "--do_eval", 1))
        return checked

    monkeypatch.setattr(runner, "_check_file", edited_once_checked)
    first = _kefix("--format", "json", ".")
    monkeypatch.setattr(runner, "_check_file", real)

    second = _kefix("--format", "json", ".")

    assert served == [False, False]
    assert second == _kefix("--no-cache", "--format", "json", ".")
    assert second != first


@pytest.mark.usefixtures("settled")
def test_a_run_with_a_symlink_in_the_tree_is_not_recorded(
    project: Path, served: list[bool]
) -> None:
    (project / "linked.sh").symlink_to(project / "ft_scripts" / "fine_llama.bash")
    _kefix("--format", "json", ".")
    _kefix("--format", "json", ".")
    assert served == [False, False]


@pytest.mark.usefixtures("settled")
def test_apply_never_uses_the_record(project: Path, served: list[bool]) -> None:
    _kefix("--format", "json", ".")
    _kefix("--format", "json", ".")
    assert served == [False, True]
    applied = _kefix("--apply", ".")
    assert served == [False, True]  # not asked
    assert applied[1]


def _age_run_records(cache: Path) -> None:
    """Every run record so far one minute older: which was used last never rests on a tie of
    the file system's clock."""
    for record in cache.rglob("run-*.json"):
        stat = record.stat()
        os.utime(record, ns=(stat.st_atime_ns, stat.st_mtime_ns - 60_000_000_000))


@pytest.mark.usefixtures("settled")
def test_a_cache_keeps_a_bounded_number_of_run_records(
    project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit hook checks another list of files at each commit: each list has its own
    record, and the least recently used are let go, so the cache does not grow without end."""
    monkeypatch.setattr(cache_module, "RUN_RECORDS_KEPT", 3)
    cache = project.parent / "cache"
    checked = [*sorted((project / "ft_scripts").iterdir()), project / "src" / "finetune.py"]
    for path in checked:
        _kefix(str(path))
        _age_run_records(cache)
    assert len(list(cache.rglob("run-*.json"))) == 3
    # The first list checked was let go: checked as usual (and recorded again).
    _kefix(str(checked[0]))
    assert served[-1] is False
    _age_run_records(cache)
    # The last ones are kept and answered from their records.
    _kefix(str(checked[-1]))
    assert served[-1] is True
    assert len(list(cache.rglob("run-*.json"))) == 3


def _shadow_the_dataclass_module(project: Path) -> None:
    """A package src/utils/args/ now comes before src/utils/args.py (where nothing was)."""
    module = project / "src" / "utils" / "args.py"
    (project / "src" / "utils" / "args").mkdir()
    (project / "src" / "utils" / "args" / "__init__.py").write_text(
        module.read_text().replace("field(default=True", "field(default=False", 1)
    )


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize(
    "change", [_edit_the_dataclass_module, _edit_the_entry_script, _shadow_the_dataclass_module]
)
def test_a_dependency_outside_the_given_paths_is_asked_again(
    project: Path, served: list[bool], change: Callable[[Path], None]
) -> None:
    """Inside the given paths a file's stamp answers for its bytes; the entry script and its
    dataclass module outside them (``kefix ft_scripts``) are read and hashed again."""
    before = _kefix("--format", "json", "ft_scripts")
    assert _kefix("--format", "json", "ft_scripts") == before
    change(project)

    after = _kefix("--format", "json", "ft_scripts")

    assert served == [False, True, False]
    assert after == _kefix("--no-cache", "--format", "json", "ft_scripts")


@pytest.mark.usefixtures("settled")
def test_a_served_run_hashes_no_dependency_its_stamps_vouch_for(
    project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _kefix("--format", "json", ".")
    asked = _asking(monkeypatch)

    assert _kefix("--format", "json", ".") == cold
    assert served == [False, True]
    assert not [path for question, path in asked if question == "hash"]


def _asking(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every file-system question answered from now on, as (question, path)."""
    asked: list[tuple[str, str]] = []
    real = filesystem.answer

    def recording(question: str, path: str) -> object:
        asked.append((question, path))
        return real(question, path)

    monkeypatch.setattr(filesystem, "answer", recording)
    return asked


@pytest.mark.usefixtures("settled")
def test_a_served_run_over_the_whole_project_reads_no_subclass_index(
    project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every directory the index listed and every file it read is stamped by the record, as
    is every directory whose markers decided where the project starts: the stamps answer for
    both. (Given a part of the project, the index is read again: see test_prefilter.py.)"""
    from kefix.sources.python import subclasses

    cold = _kefix("--format", "json", ".")
    read: list[str] = []

    def recording(name: str) -> Callable[[str], str]:
        real = getattr(subclasses, name)

        def answer(subject: str) -> str:
            read.append(subject)
            return str(real(subject))

        return answer

    monkeypatch.setattr(subclasses, "index_answer", recording("index_answer"))
    monkeypatch.setattr(subclasses, "project_answer", recording("project_answer"))

    assert _kefix("--format", "json", ".") == cold
    assert served == [False, True]
    assert read == []


@pytest.mark.usefixtures("settled")
def test_a_subclass_added_in_a_directory_outside_the_given_paths_is_asked_again(
    tmp_path: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The subclass index lists every directory of the project, and other/ lies outside the
    paths checked: its stamp is not in the record, so the index is asked again when a module
    appears there, and the call it makes a TrainingArguments subclass is checked."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "other").mkdir()
    (repo / "sub").mkdir()
    (repo / "sub" / "finetune.py").write_text(
        "from other.args import FinetuneArguments\n\n"
        "args = FinetuneArguments(output_dir='o', fp16=True, bf16=True)\n"
    )
    _work_in(repo, tmp_path / "cache", monkeypatch)
    assert "KF201" not in _kefix("sub")[1]
    assert "KF201" not in _kefix("sub")[1]
    assert served == [False, True]

    (repo / "other" / "args.py").write_text(
        "from transformers import TrainingArguments\n\n"
        "class FinetuneArguments(TrainingArguments):\n    pass\n"
    )
    after = _kefix("sub")

    assert served[-1] is False
    assert "sub/finetune.py:3:53: KF201" in after[1]
    assert after == _kefix("--no-cache", "sub")


@pytest.mark.usefixtures("settled")
def test_a_project_marker_that_is_a_symlink_is_asked_again(
    tmp_path: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a project starts is asked again unless the stamps answer it: here the symlinked
    marker making sub/ a project of its own loses its target, the project becomes the
    repository, and the class finetune.py calls a training class."""
    outer = tmp_path / "repo"
    (outer / ".git").mkdir(parents=True)
    (outer / "other").mkdir()
    (outer / "other" / "args.py").write_text(
        "from transformers import TrainingArguments\n\n"
        "class FinetuneArguments(TrainingArguments):\n    pass\n"
    )
    (outer / "sub" / "inner").mkdir(parents=True)
    (outer / "sub" / "inner" / "finetune.py").write_text(
        "from other.args import FinetuneArguments\n\n"
        "args = FinetuneArguments(output_dir='o', fp16=True, bf16=True)\n"
    )
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "pyproject.toml").write_text("")
    (outer / "sub" / "pyproject.toml").symlink_to(tmp_path / "shared" / "pyproject.toml")
    _work_in(outer, tmp_path / "cache", monkeypatch)
    assert "KF201" not in _kefix("sub/inner")[1]
    assert "KF201" not in _kefix("sub/inner")[1]
    assert served == [False, True]

    (tmp_path / "shared" / "pyproject.toml").unlink()
    warm = _kefix("sub/inner")

    assert served[-1] is False
    assert "sub/inner/finetune.py:3:53: KF201" in warm[1]
    assert warm == _kefix("--no-cache", "sub/inner")


def _record_of(cache: Path) -> dict[str, object]:
    (record,) = cache.glob("*/run-*.json")
    loaded: dict[str, object] = json.loads(record.read_text())
    return loaded


@pytest.mark.usefixtures("settled")
def test_a_record_written_after_a_pool_holds_what_one_process_records(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: list[bool]
) -> None:
    """Results checked by the pool's workers come back to the parent, which records them:
    the record lists the same stamps and results as one written by a single process, and
    serves the same report."""
    monkeypatch.setattr(runner, "_WARM_UP", 0)  # every file goes to the workers
    for copy in ("a.bash", "b.bash", "c.bash"):  # a chunk of several results
        shutil.copy(project / "ft_scripts" / "fine_llama.bash", project / "ft_scripts" / copy)
    records = {}
    for jobs in (1, 2):
        cache = tmp_path / f"cache-{jobs}"
        cold = _checked(project, cache, jobs)
        records[jobs] = _record_of(cache)
        warm = _checked(project, cache, jobs)
        assert _findings(warm) == _findings(cold)
    assert served == [False, True, False, True]
    assert records[2]["stamps"] == records[1]["stamps"]
    assert len(records[2]["stamps"]) > 2  # the tree's directories and files
    assert records[2]["results"] == records[1]["results"]


def _checked(tree: Path, cache: Path, jobs: int) -> runner.RunResult:
    """A check of ``tree`` by ``jobs`` processes, with its cache in ``cache``."""
    settings = Settings()
    store = ResultCache(cache, settings, [tree])
    return runner.run([tree], settings, apply=False, cache=store, jobs=jobs)


def _findings(result: runner.RunResult) -> list[object]:
    return [(file.analysis.display, file.analysis.findings, file.diff) for file in result.files]


def test_a_pool_never_records_a_tree_written_within_the_racily_clean_window(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files written just now (the fixture's copy), checked by a pool's workers: no record,
    as without a pool."""
    monkeypatch.setattr(runner, "_WARM_UP", 0)
    cache = tmp_path / "cache"
    _checked(project, cache, jobs=2)
    assert list(cache.glob("*/*.json"))  # the shards are written
    assert not list(cache.glob("*/run-*.json"))


@pytest.fixture
def framework_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A LLaMA-Factory launch in scripts/, whose requirements pin transformers only: the search
    for transformers pins stops in scripts/, the one for LLaMA-Factory's goes up to the
    repository, whose own requirements file only that search reads."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "scripts").mkdir()
    shutil.copy(
        ROOT / "fixtures" / "rules" / "KF036" / "llamafactory_eval_without_val_size.sh",
        repo / "scripts" / "train.sh",
    )
    (repo / "scripts" / "requirements.txt").write_text("transformers==4.46.0\n")
    _work_in(repo, tmp_path / "cache", monkeypatch)
    return repo


@pytest.mark.usefixtures("settled")
def test_a_served_run_asks_no_framework_pins_its_stamps_vouch_for(
    framework_project: Path, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every directory the LLaMA-Factory pin search went through and every file it read is
    stamped by the record (the repository is walked, scripts/requirements.txt read for
    transformers too): the stamps answer for the release in use."""
    cold = _kefix("--format", "json", ".")
    asked = _asking(monkeypatch)

    assert _kefix("--format", "json", ".") == cold
    assert served == [False, True]
    assert [path for question, path in asked if question == "pins"] == []


@pytest.mark.usefixtures("settled")
def test_a_framework_pin_in_a_file_the_record_does_not_stamp_is_asked_again(
    framework_project: Path, served: list[bool]
) -> None:
    """The repository's requirements file is read by the LLaMA-Factory pin search alone, so
    the record does not stamp it: pinning LLaMA-Factory there (an edit in place, which leaves
    the directory's stamp alone) changes the release in use, and the error message with it."""
    requirements = framework_project / "requirements.txt"
    requirements.write_text("datasets\n")
    _later(requirements)
    before = _kefix("--format", "json", ".")
    assert _kefix("--format", "json", ".") == before
    requirements.write_text("llamafactory==0.8.3\n")
    _later(requirements)

    after = _kefix("--format", "json", ".")

    assert served == [False, True, False]
    assert after == _kefix("--no-cache", "--format", "json", ".")
    assert after != before


@pytest.mark.usefixtures("settled")
def test_what_a_worker_derived_framework_pins_from_serves_the_record_too(
    framework_project: Path,
    tmp_path: Path,
    served: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pins are searched by a worker of the pool: what that search read comes back with
    its results, and the record stamps it as if the parent had searched."""
    monkeypatch.setattr(runner, "_WARM_UP", 0)  # every file goes to the workers
    cold = _checked(framework_project, tmp_path / "pool-cache", jobs=2)
    asked = _asking(monkeypatch)
    warm = _checked(framework_project, tmp_path / "pool-cache", jobs=2)

    assert served == [False, True]
    assert _findings(warm) == _findings(cold)
    assert [path for question, path in asked if question == "pins"] == []
