"""The result cache: a warm run reports exactly what a cold one does, and an entry is served only
while the file, the settings, kefix itself and every file its launches depend on are unchanged."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner
from test_framework_configs import RECIPE
from test_framework_resolve import LLAMAFACTORY_FORK

from kefix import cache as cache_module
from kefix import model, runner
from kefix.cache import ResultCache
from kefix.cli import FORMATS, main
from kefix.config import Settings
from kefix.resolve import filesystem

ROOT = Path(__file__).resolve().parent.parent
DEEPKE = ROOT / "fixtures" / "deepke"
FIXTURES = ROOT / "fixtures"


@pytest.fixture(autouse=True, params=["fresh", "settled"])
def stamps(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: with the stamps of the files it just wrote distrusted (racily clean:
    each file is read and hashed) and trusted, as for a tree written long before the run."""
    if request.param == "settled":
        monkeypatch.setattr(cache_module, "_SETTLED_NS", 0)


@pytest.fixture
def deepke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The DeepKE-shaped project: its scripts launch src/finetune.py, whose TrainingArguments
    subclass in src/utils/args.py turns load_best_model_at_end on."""
    project = tmp_path / "deepke"
    shutil.copytree(DEEPKE, project)
    monkeypatch.chdir(project)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    monkeypatch.delenv("KEFIX_CACHE_DIR", raising=False)
    return project


def _kefix(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--no-color"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def _shards(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/??.json"))


def _entries(cache: Path) -> list[dict[str, object]]:
    return [
        entry
        for shard in _shards(cache)
        for entry in json.loads(shard.read_text())["entries"].values()
    ]


def _touch_later(path: Path) -> None:
    """A new modification time even on file systems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "markdown", "concise"])
def test_a_warm_run_reports_exactly_what_a_cold_run_reports(
    deepke: Path, output_format: str
) -> None:
    uncached = _kefix("--no-cache", "--format", output_format, ".")
    cold = _kefix("--format", output_format, ".")
    assert _entries(deepke / ".kefix_cache")
    warm = _kefix("--format", output_format, ".")

    assert uncached[0] == 1
    assert cold == uncached
    assert warm == uncached


def test_a_warm_run_writes_the_same_fixes_with_apply(deepke: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(deepke, twin)
    _kefix(".")  # fills the cache
    applied = _kefix("--apply", "--unsafe-fixes", ".")
    os.chdir(twin)
    uncached = _kefix("--apply", "--unsafe-fixes", "--no-cache", ".")

    assert applied == uncached
    for script in sorted((deepke / "ft_scripts").iterdir()):
        assert script.read_bytes() == (twin / "ft_scripts" / script.name).read_bytes()


def test_editing_the_dataclass_module_rechecks_the_scripts_that_launch_its_entry(
    deepke: Path,
) -> None:
    # fine_baichuan.bash gets load_best_model_at_end=True from src/utils/args.py.
    strategy_finding = "fine_baichuan.bash:23:5: KF001"
    assert strategy_finding in _kefix("--format", "concise", ".")[1]

    args = deepke / "src" / "utils" / "args.py"
    text = args.read_text()
    assert "load_best_model_at_end: Optional[bool] = field(default=True" in text
    args.write_text(text.replace("field(default=True", "field(default=False", 1))
    _touch_later(args)
    after = _kefix("--format", "concise", ".")

    assert strategy_finding not in after[1]
    assert after == _kefix("--no-cache", "--format", "concise", ".")


def test_a_new_entry_script_nearer_the_launch_rechecks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python train.py`` from scripts/ finds scripts/train.py before the project's own: a file
    that did not exist is part of an entry too."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / "train.py").write_text(
        "from dataclasses import dataclass, field\n"
        "from transformers import HfArgumentParser, TrainingArguments\n\n"
        "@dataclass\nclass Args(TrainingArguments):\n"
        "    load_best_model_at_end: bool = field(default=True)\n\n"
        "HfArgumentParser((Args,)).parse_args_into_dataclasses()\n"
    )
    script = project / "scripts" / "run.sh"
    script.write_text(
        "#!/bin/bash\npython train.py --output_dir out --eval_strategy no --save_strategy epoch\n"
    )
    cache = tmp_path / "cache"
    monkeypatch.chdir(project)
    first = _kefix("--cache-dir", str(cache), "--format", "json", "scripts/run.sh")
    assert "KF001" in first[1]

    (project / "scripts" / "train.py").write_text("print('no parser here')\n")
    second = _kefix("--cache-dir", str(cache), "--format", "json", "scripts/run.sh")

    assert "KF001" not in second[1]
    assert second == _kefix("--no-cache", "--format", "json", "scripts/run.sh")


@pytest.mark.parametrize(
    "changed",
    [
        ["--ignore", "KF001"],
        ["--strategy-fix", "disable-best"],
        ["--target-transformers", "4.40"],
        ["--unsafe-fixes"],
    ],
)
def test_a_changed_setting_is_not_answered_from_the_cache(deepke: Path, changed: list[str]) -> None:
    _kefix("--format", "json", ".")
    cached = _kefix("--format", "json", *changed, ".")
    assert cached == _kefix("--no-cache", "--format", "json", *changed, ".")


def test_a_damaged_entry_is_a_miss_not_an_error(deepke: Path) -> None:
    cold = _kefix(".")
    shards = _shards(deepke / ".kefix_cache")
    assert len(shards) >= 2
    shards[0].write_text("{not json")
    document = json.loads(shards[1].read_text())
    for entry in document["entries"].values():
        entry["result"] = {"findings": [{"Exploit": ["os.system"]}]}  # an unknown type
        entry["groups"] = [["not", "a", "name"]]
    for name in document["groups"]:
        document["groups"][name] = 42
    shards[1].write_text(json.dumps(document))

    assert _kefix(".") == cold
    assert _kefix(".") == cold  # and the damaged shards were rewritten whole


def test_the_cache_directory_ignores_itself_and_is_never_checked(deepke: Path) -> None:
    _kefix(".")
    cache = deepke / ".kefix_cache"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    # A launch script inside the cache directory would be found if kefix looked there.
    (cache / "run.sh").write_text("#!/bin/bash\ntorchrun train.py --fp16 --bf16\n")
    assert ".kefix_cache" not in _kefix("--format", "concise", ".")[1]


def test_no_cache_writes_nothing_and_cache_dir_chooses_the_place(
    deepke: Path, tmp_path: Path
) -> None:
    _kefix("--no-cache", ".")
    assert not (deepke / ".kefix_cache").exists()

    elsewhere = tmp_path / "elsewhere"
    _kefix("--cache-dir", str(elsewhere), ".")
    assert _entries(elsewhere)
    assert not (deepke / ".kefix_cache").exists()


def test_cache_dir_in_the_configuration_file_is_relative_to_it(deepke: Path) -> None:
    (deepke / "kefix.toml").write_text('cache-dir = "build/kefix-cache"\n')
    os.chdir(deepke / "ft_scripts")
    _kefix(".")
    assert _entries(deepke / "build" / "kefix-cache")


def test_concurrent_runs_share_a_cache_without_corrupting_it(deepke: Path) -> None:
    uncached = _kefix("--no-cache", "--format", "json", ".")
    command = [sys.executable, "-m", "kefix", "--format", "json", "--no-color", "."]
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEFIX_")}
    for _ in range(3):
        runs = [
            subprocess.Popen(command, cwd=deepke, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [run.communicate()[0] for run in runs]
        assert [run.returncode for run in runs] == [uncached[0]] * 2
        assert outputs == [uncached[1]] * 2
    for shard in _shards(deepke / ".kefix_cache"):
        json.loads(shard.read_text())  # whole, never half-written
    assert not list((deepke / ".kefix_cache").rglob("*.tmp"))
    assert _kefix("--format", "json", ".") == uncached


def test_undecodable_bytes_survive_the_cache(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are kept as lone surrogates; JSON entries carry them back."""
    (tmp_path / "run.sh").write_bytes(
        b"#!/bin/bash\n# caf\xe9 \xff\ntorchrun train.py --output_dir out --fp16 --bf16 "
        b"--evaluation_strategy steps\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEFIX_")}

    def kefix(*args: str) -> bytes:
        command = [sys.executable, "-m", "kefix", "--no-color", *args, "run.sh"]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True).stdout

    for args in ([], ["--diff"], ["--format", "json"]):
        uncached = kefix("--no-cache", *args)
        assert b"KF101" in uncached or b"eval_strategy" in uncached
        assert kefix(*args) == uncached  # cold, filling the cache
        assert kefix(*args) == uncached  # warm


def test_a_launch_is_checked_again_when_the_config_file_it_names_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The config file a launch names is part of its entry: an edit of cfg.yaml alone changes
    # the launch's finding.
    project = tmp_path / "project"
    project.mkdir()
    (project / "run.sh").write_text("#!/bin/bash\nllamafactory-cli train cfg.yaml fp16=true\n")
    (project / "plain.sh").write_text("#!/bin/bash\ntorchrun train.py --output_dir out\n")
    recipe = project / "cfg.yaml"
    recipe.write_text(
        "model_name_or_path: meta-llama/Meta-Llama-3-8B\nstage: sft\ndo_train: true\n"
        "output_dir: saves/llama3\n"
    )
    monkeypatch.chdir(project)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    cache = tmp_path / "cache"

    code, output = _kefix(".", "--cache-dir", str(cache))
    assert code == 0, output
    assert _entries(cache)  # the cache is in use (plain.sh is kept)
    with recipe.open("a") as handle:
        handle.write("bf16: true\n")
    _touch_later(recipe)
    code, output = _kefix(".", "--cache-dir", str(cache))

    assert code == 1
    assert (
        "run.sh:2:33: KF201 [*] fp16 and bf16 are both on; transformers raises ValueError at "
        "start-up"
    ) in output.splitlines()
    assert "  = note: bf16=True comes from config file bf16, cfg.yaml:5" in output.splitlines()


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with every kind kefix reads: launch scripts naming framework recipes and
    a DeepSpeed file, Python files and a notebook, YAML and JSON configs."""
    project = tmp_path / "mixed"
    shutil.copytree(FIXTURES / "configs", project / "configs")
    shutil.copytree(FIXTURES / "python", project / "python")
    shutil.copytree(FIXTURES / "notebooks", project / "notebooks")
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    monkeypatch.delenv("KEFIX_NO_CACHE", raising=False)
    monkeypatch.delenv("KEFIX_CACHE_DIR", raising=False)
    return project


def _check_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, checking any file fails the test: a warm run must answer from the cache."""

    def checked(job: object, *args: object) -> None:
        raise AssertionError(f"checked again: {job}")

    monkeypatch.setattr(runner, "_check_file", checked)


def test_the_mixed_repository_has_findings_of_every_kind(mixed: Path) -> None:
    output = _kefix("--no-cache", "--format", "concise", ".")[1]
    for where in ("configs/llama_factory/", "configs/deepspeed/ds_z2_config.json:3:9: KF203"):
        assert where in output
    for where in ("configs/hf_json/", "python/", "notebooks/", "configs/alignment_handbook/"):
        assert where in output


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_warm_run_answers_every_kind_from_the_cache_and_reports_the_same(
    mixed: Path, output_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached = _kefix("--no-cache", "--format", output_format, "--target-transformers", "5.25", ".")
    assert uncached[0] == 1
    cold = _kefix("--format", output_format, "--target-transformers", "5.25", ".")
    _check_nothing(monkeypatch)
    warm = _kefix("--format", output_format, "--target-transformers", "5.25", ".")

    assert cold == uncached
    assert warm == uncached


def test_a_warm_run_with_diff_and_apply_writes_what_a_cold_run_writes(
    mixed: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(mixed, twin)
    _kefix(".")  # fills the cache
    diff = _kefix("--diff", "--unsafe-fixes", ".")
    applied = _kefix("--apply", "--unsafe-fixes", ".")
    os.chdir(twin)
    assert diff == _kefix("--diff", "--unsafe-fixes", "--no-cache", ".")
    assert applied == _kefix("--apply", "--unsafe-fixes", "--no-cache", ".")
    for path in sorted(
        p for p in mixed.rglob("*") if p.is_file() and ".kefix_cache" not in p.parts
    ):
        assert path.read_bytes() == (twin / path.relative_to(mixed)).read_bytes(), path


def test_editing_the_deepspeed_file_or_a_launch_passing_it_rechecks_both(
    mixed: Path,
) -> None:
    finding = "configs/deepspeed/ds_z2_config.json:3:9: KF203"
    assert finding in _kefix("--format", "concise", ".")[1]

    launch = mixed / "configs" / "deepspeed" / "finetune_baichuan2.sh"
    text = launch.read_text()
    launch.write_text(text.replace("--deepspeed", "--fp16 True --deepspeed", 1))
    _touch_later(launch)
    after_launch = _kefix("--format", "concise", ".")
    assert finding not in after_launch[1]  # the launch now has fp16 on, as the file does
    assert after_launch == _kefix("--no-cache", "--format", "concise", ".")

    launch.write_text(text)
    _touch_later(launch)
    assert finding in _kefix("--format", "concise", ".")[1]
    ds_file = mixed / "configs" / "deepspeed" / "ds_z2_config.json"
    ds_file.write_text(ds_file.read_text().replace('"enabled": true,', '"enabled": "auto",', 1))
    _touch_later(ds_file)
    after_file = _kefix("--format", "concise", ".")
    assert finding not in after_file[1]
    assert after_file == _kefix("--no-cache", "--format", "concise", ".")


def test_a_training_subclass_added_anywhere_rechecks_the_python_files_that_call_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train.py calls MyArgs(...) without naming TrainingArguments: only the project's subclass
    index says it builds training arguments, so the index is part of its entry."""
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "myargs.py").write_text("class MyArgs(object):\n    pass\n")
    (project / "train.py").write_text(
        "from pkg.myargs import MyArgs\n\n"
        'args = MyArgs(output_dir="out", load_best_model_at_end=True, eval_strategy="no",\n'
        '              save_strategy="steps")\n'
    )
    monkeypatch.chdir(project)
    cache = tmp_path / "cache"
    first = _kefix("--cache-dir", str(cache), "--format", "concise", ".")
    assert "KF001" not in first[1]

    (project / "pkg" / "myargs.py").write_text(
        "from transformers import TrainingArguments\n\nclass MyArgs(TrainingArguments):\n    pass\n"
    )
    second = _kefix("--cache-dir", str(cache), "--format", "concise", ".")

    assert "train.py:3:33: KF001" in second[1]
    assert second == _kefix("--no-cache", "--format", "concise", ".")


def test_a_changed_framework_pin_rechecks_the_launches_and_the_release_note_is_said_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "sft.yaml").write_text(RECIPE.format(dataset_extra=""))
    (project / "train.sh").write_text("llamafactory-cli train sft.yaml enable_thinking=false\n")
    pins = project / "requirements.txt"
    pins.write_text("llamafactory==0.9.2\n")
    monkeypatch.chdir(project)
    cache = tmp_path / "cache"
    assert "KF115" in _kefix("--cache-dir", str(cache), "--format", "concise", ".")[1]

    pins.write_text("llamafactory==0.9.5\n")
    _touch_later(pins)
    newer = _kefix("--cache-dir", str(cache), "--format", "concise", ".")
    assert "KF115" not in newer[1]
    assert newer == _kefix("--no-cache", "--format", "concise", ".")

    pins.write_text("llamafactory==0.7.1\n")  # a release kefix has no knowledge of
    _touch_later(pins)
    cold = _kefix("--cache-dir", str(cache), ".")
    warm = _kefix("--cache-dir", str(cache), ".")
    assert "kefix has no knowledge of llamafactory 0.7.1" in cold[1]
    assert warm == cold == _kefix("--no-cache", ".")


def test_a_launch_with_every_field_set_survives_the_cache() -> None:
    span = model.Span(3, 9)
    launch = model.Launch(
        "run.py",
        span,
        "python",
        "pkg.train",
        "module",
        (
            model.Arg(
                "fp16", ("true", model.Unknown("$X")), model.ArgStyle.EQUALS, span, span,
                (span,), model.TypedValue(("a", "b")),
            ),
            model.Arg("bf16", (), model.ArgStyle.SPACE, span, span, (), model.TypedValue(None)),
        ),
        2,
        ("src",),
        (span,),
        (model.DetachedArgs(model.BreakKind.COMMENT_LINE, span, ("lr",)),),
        (model.ConfigRef("cfg.yaml", span, "config"),),
    )  # fmt: skip
    unset = [f.name for f in msgspec.structs.fields(launch) if getattr(launch, f.name) == f.default]
    assert unset == []
    encoder = cache_module._Encoder()
    data = json.loads(json.dumps(encoder.encode(launch)))
    decoder = cache_module._Decoder(json.loads(json.dumps(encoder.launches)))

    assert decoder.decode(data) == launch


def test_floats_that_json_has_no_word_for_survive_the_cache() -> None:
    """``max_grad_norm=1e999`` is an infinite float: the entry spells it out (strict JSON has no
    Infinity, and msgspec would write null)."""
    values = (float("inf"), float("-inf"), float("nan"), 2e-05, 1.0)
    encoder = cache_module._Encoder()
    text = cache_module._compact(encoder.encode(tuple(model.TypedValue(v) for v in values)))
    decoded = cache_module._Decoder([]).decode(msgspec.json.decode(text))  # strict JSON
    assert [repr(typed.value) for typed in decoded] == [repr(value) for value in values]


def test_a_run_whose_files_all_hit_starts_no_worker_pool(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings()
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    cold = runner.run([mixed], settings, apply=False, cache=store, jobs=2)
    assert cold.findings

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    _check_nothing(monkeypatch)
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    warm = runner.run([mixed], settings, apply=False, cache=store, jobs=2)

    assert store.misses == 0
    assert _reports(warm) == _reports(cold)
    assert (warm.errors, warm.notes) == (cold.errors, cold.notes)


def test_the_subclass_index_a_worker_builds_is_kept_for_the_next_run(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project's subclass index, scanned by the workers of a cold run (the parent checks
    no file first), is kept like the parent's own: the next run reads no Python file for it."""
    from kefix.sources.python import subclasses

    monkeypatch.setattr(runner, "_WARM_UP", 0)
    monkeypatch.setattr(subclasses, "_SETTLED_NS", -3600 * 1_000_000_000)  # all settled
    filesystem.restore_kept({})
    settings = Settings()
    store = ResultCache(tmp_path / "c", settings, [mixed])
    assert runner.run([mixed], settings, apply=False, cache=store, jobs=2).findings

    filesystem.restore_kept({})  # a new process
    read: list[str] = []
    monkeypatch.setattr(subclasses, "_classes_in", lambda path, size: read.append(path) or [])
    ResultCache(tmp_path / "c", settings, [mixed])  # gives back what the cache kept
    subclasses.index_answer(str(mixed))
    assert read == []


def _reports(result: runner.RunResult) -> list[tuple[object, ...]]:
    return [
        (
            reported.finding,
            reported.fixed,
            reported.fix_dropped,
            reported.cells and reported.cells.cell_location(reported.finding.span.start),
        )
        for file_result in result.files
        for reported in file_result.reported()
    ]


def test_editing_a_vendored_framework_copy_rechecks_the_launches_that_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    for name, text in LLAMAFACTORY_FORK.items():
        (project / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (project / "src" / name).write_text(text)
    (project / ".git").mkdir()
    (project / "train.sh").write_text(
        "llamafactory-cli train --dataset demo --our_fork_option --output_dir out\n"
    )
    monkeypatch.chdir(project)
    cache = tmp_path / "cache"
    unknown = "--our_fork_option is not an option of llamafactory-cli train"
    assert unknown not in _kefix("--cache-dir", str(cache), "train.sh")[1]

    parser = project / "src" / "llamafactory" / "hparams" / "parser.py"
    parser.write_text(parser.read_text().replace("our_fork_option", "renamed_option"))
    after = _kefix("--cache-dir", str(cache), "train.sh")

    assert unknown in after[1]
    assert after == _kefix("--no-cache", "train.sh")


def test_an_applied_fix_of_the_text_as_read_is_stored_once_and_decoded_as_that_finding(
    deepke: Path,
) -> None:
    result = runner.run([deepke], Settings(), apply=False)
    fixed = [file for file in result.files if file.outcome.applied]
    assert fixed
    for file in fixed:
        data = json.loads(json.dumps(cache_module.encode_result(file)))
        assert data["applied"][0] == {"@": file.analysis.findings.index(file.outcome.applied[0])}
        job = runner.CheckJob(file.source, file.analysis.display, file.target, file.kind)
        decoded = cache_module.decode_result(data, job)
        assert decoded is not None
        assert decoded.outcome.applied == file.outcome.applied
        assert decoded.outcome.applied[0] in decoded.analysis.findings
        assert any(found is decoded.outcome.applied[0] for found in decoded.analysis.findings)

        data["applied"][0] = {"@": len(file.analysis.findings)}  # damaged: no such finding
        with pytest.raises(cache_module._Invalid):
            cache_module.decode_result(data, job)


def test_the_shards_a_pools_workers_write_at_the_end_keep_every_result(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a pool, its workers write the shards while the parent writes the run's record."""
    monkeypatch.setattr(ResultCache, "served_run", lambda self, paths: None)  # per file
    settings = Settings()
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    cold = runner.run([mixed], settings, apply=False, cache=store, jobs=2)
    assert len(_shards(tmp_path / "cache")) > 2

    _check_nothing(monkeypatch)
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    warm = runner.run([mixed], settings, apply=False, cache=store, jobs=2)

    assert store.misses == 0
    assert _reports(warm) == _reports(cold)


@pytest.mark.parametrize("jobs", [1, 2])
def test_shards_written_early_on_a_large_run_keep_every_result(
    mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A monorepo's cache entries are written once a few thousand wait, not all at the end:
    with the limit at two, the shards are written many times over in one run, and the next
    run still finds every result (one process, or a pool whose entries come back in batches)."""
    monkeypatch.setattr(cache_module, "_PENDING_LIMIT", 2)
    monkeypatch.setattr(ResultCache, "served_run", lambda self, paths: None)  # per file
    settings = Settings()
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    cold = runner.run([mixed], settings, apply=False, cache=store, jobs=jobs)
    assert len(cold.files) > 2

    _check_nothing(monkeypatch)
    store = ResultCache(tmp_path / "cache", settings, [mixed])
    warm = runner.run([mixed], settings, apply=False, cache=store, jobs=jobs)

    assert store.misses == 0
    assert _reports(warm) == _reports(cold)


@pytest.mark.parametrize("name", ["plain.sh", "caf\udce9.sh"])  # a name that is not UTF-8 too
def test_merging_a_shard_keeps_each_entry_as_written_and_drops_those_of_deleted_files(
    tmp_path: Path, name: str
) -> None:
    """Shards written early in a run are merged into without decoding and re-encoding their
    entries; the texts kept are the ones json would give, whichever way the shard is read."""
    kept, gone = str(tmp_path / name), str(tmp_path / "deleted.sh")
    Path(kept).write_text("")
    entries = {
        "aa": {"path": kept, "key": "k1", "groups": ["g1"], "facts": [], "result": None},
        "bb": {"path": gone, "key": "k2", "groups": [], "facts": [], "result": None},
    }
    groups = {"g1": [["file", kept, True]]}
    stamps = {kept: [0, 1, 2, 3, 4], gone: [0, 1, 2, 3, 4]}
    shard = tmp_path / "ab.json"
    shard.write_text(
        cache_module._compact({"entries": entries, "groups": groups, "stamps": stamps})
    )

    texts, group_texts, stamps_read = cache_module._shard_texts(shard)

    assert texts == {"aa": (["g1"], cache_module._compact(entries["aa"]))}
    assert group_texts == {"g1": cache_module._compact(groups["g1"])}
    assert stamps_read == stamps  # pruned by the writer, which knows the new stamps
    assert cache_module._shard_texts(tmp_path / "absent.json") == ({}, {}, {})
