"""kefix's knowledge of LLaMA-Factory, ms-swift, trl and axolotl, checked against their releases.

The bundled ``frameworks.json`` must say what the released packages say: two releases per
framework are downloaded (``pip download``, cached in ``$KEFIX_WHEEL_CACHE`` or
``~/.cache/kefix/wheels``), read again and compared option by option; and each convention kefix
cites must be at the line it cites. Without network and cache the comparison is skipped, with
the reason. The spot checks at the end are facts read by hand in those releases' sources.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kefix.knowledge.framework_conventions import CONVENTIONS, RENAMES
from kefix.knowledge.framework_source import SourceTree
from kefix.knowledge.frameworks import (
    close_option,
    command_options,
    distribution,
    known_versions,
    option_history,
)
from kefix.model import Unknown

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "generate_framework_knowledge", ROOT / "scripts" / "generate_framework_knowledge.py"
)
assert _spec is not None and _spec.loader is not None
generator: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)

# Two releases per framework, wheels only (no sdist build): enough to catch a reader that drifts.
CHECKED = (
    ("llamafactory", "0.8.3"),
    ("llamafactory", "0.9.5"),
    ("ms-swift", "3.9.3"),
    ("ms-swift", "4.0.4"),
    ("trl", "0.24.0"),
    ("trl", "1.16.0"),
    ("axolotl", "0.18.0"),
    ("axolotl", "0.19.0"),
)
# The releases the conventions cite, beyond those above.
CITED = {(c.framework, c.first) for c in CONVENTIONS}


@pytest.fixture(scope="module")
def archives() -> dict[tuple[str, str], Path]:
    """The archive of every release checked, downloaded in one pip run if the cache lacks some."""
    cache = generator.DEFAULT_CACHE
    wanted = sorted(set(CHECKED) | CITED)

    def cached(framework: str, version: str) -> Path | None:
        name = distribution(framework)
        stems = {name, name.replace("-", "_")}
        found = [p for stem in stems for p in cache.glob(f"{stem}-{version}-*.whl")]
        return found[0] if found else None

    missing = [(f, v) for f, v in wanted if cached(f, v) is None]
    # pip takes one version of a package per run: one run per round of distinct packages.
    rounds: list[list[str]] = []
    for framework, version in missing:
        requirement = f"{distribution(framework)}=={version}"
        free = next(
            (r for r in rounds if not any(x.startswith(distribution(framework) + "==") for x in r)),
            None,
        )
        if free is None:
            rounds.append([requirement])
        else:
            free.append(requirement)
    for requirements in rounds:
        try:
            generator.download(requirements, cache, binary_only=True)
        except (subprocess.CalledProcessError, OSError) as error:
            pytest.skip(f"cannot download framework releases ({error}); cache: {cache}")
    found = {(f, v): cached(f, v) for f, v in wanted}
    absent = [f"{f} {v}" for (f, v), path in found.items() if path is None]
    if absent:
        pytest.skip(f"pip left no wheel for {', '.join(absent)} in {cache}")
    return {key: path for key, path in found.items() if path is not None}


def _as_knowledge(default: Any) -> Any:
    """A default read from source as ``command_options`` reports it."""
    from kefix.knowledge.framework_source import REQUIRED, NonLiteral

    if isinstance(default, NonLiteral):
        return "computed"
    if default == REQUIRED:
        return "required"
    if isinstance(default, list):
        return tuple(str(item) for item in default)
    if isinstance(default, dict):
        return "dict"
    return default


def _known(option: Any) -> Any:
    if option.required:
        return "required"
    if isinstance(option.default, Unknown):
        return "dict" if option.default.expression.startswith("{") else "computed"
    return option.default


@pytest.mark.parametrize(("framework", "version"), CHECKED, ids=[f"{f}-{v}" for f, v in CHECKED])
def test_bundled_knowledge_matches_the_released_package(
    archives: dict[tuple[str, str], Path], framework: str, version: str
) -> None:
    from kefix.knowledge.framework_source import commands_in

    read = commands_in(SourceTree.from_archive(archives[(framework, version)]), framework)
    assert read, f"no command of {framework} read from {version}"
    for command, model in read.items():
        bundled = command_options(framework, command, version)
        assert bundled is not None, f"{framework} {version} {command} missing from knowledge"
        assert bundled.classes == model.classes
        assert bundled.training_base == model.training_base
        assert set(bundled.options) == set(model.fields)
        for name, fact in model.fields.items():
            assert _known(bundled.options[name]) == _as_knowledge(fact.default), name


@pytest.mark.parametrize(
    "convention", CONVENTIONS, ids=[f"{c.framework}-{c.name}" for c in CONVENTIONS]
)
def test_each_convention_is_at_the_line_it_cites(
    archives: dict[tuple[str, str], Path], convention: Any
) -> None:
    path, _, line = convention.source.rpartition(":")
    tree = SourceTree.from_archive(archives[(convention.framework, convention.first)])
    text = tree.text(path)
    assert text is not None, f"{path} not in {convention.framework} {convention.first}"
    lines = text.splitlines()[int(line) - 1 :]
    quoted = convention.quote.splitlines()
    assert [got.strip() for got in lines[: len(quoted)]] == [q.strip() for q in quoted]


def test_generated_file_is_what_the_generator_renders() -> None:
    """The file is the generator's deterministic rendering of its own parsed content."""
    import json

    path = ROOT / "kefix" / "knowledge" / "frameworks.json"
    text = path.read_text(encoding="utf-8")
    assert generator.render(json.loads(text)) == text
    assert len(text.encode()) < 160_000  # measured 127,629 bytes for 24 releases


# --------------------------------------------------------------------------- facts read by hand


def test_llamafactory_evaluation_set_options_and_defaults() -> None:
    options = command_options("llamafactory", "train", "0.9.5")
    assert options is not None
    assert options.training_base == "Seq2SeqTrainingArguments"
    assert options.options["val_size"].default == 0.0
    assert options.options["eval_dataset"].default is None
    assert options.options["stage"].default == "sft"
    assert "eval_strategy" not in options.options  # transformers' own field, not overridden


def test_swift_split_ratio_default_dropped_to_zero_in_3_9() -> None:
    old = command_options("ms-swift", "sft", "3.5.3")
    new = command_options("ms-swift", "sft", "3.12.6")
    assert old is not None and new is not None
    assert old.options["split_dataset_ratio"].default == 0.01
    assert new.options["split_dataset_ratio"].default == 0.0
    assert new.options["eval_strategy"].default is None  # then set from save_strategy


def test_swift_2_builds_training_arguments_itself() -> None:
    options = command_options("ms-swift", "sft", "2.6.1")
    assert options is not None
    assert options.training_base is None
    assert options.options["sft_type"].default == "lora"


def test_trl_base_config_defaults() -> None:
    options = command_options("trl", "sft", "1.16.0")
    assert options is not None
    assert options.options["logging_steps"].default == 10
    assert options.options["bf16"].default is None
    assert options.options["learning_rate"].default == 2e-05
    dpo = command_options("trl", "dpo", "1.16.0")
    assert dpo is not None and dpo.options["learning_rate"].default == 1e-06


def test_axolotl_keys() -> None:
    options = command_options("axolotl", "train", "0.19.0")
    assert options is not None
    assert options.training_base is None  # a pydantic schema mapped onto TrainingArguments
    assert options.options["bf16"].default == "auto"
    assert options.options["val_set_size"].default == 0.0
    assert options.options["base_model"].required


def test_option_history_says_when_an_option_came_and_went() -> None:
    train_type = option_history("ms-swift", "sft", "train_type")
    assert train_type is not None
    assert (train_type.added_in, train_type.last, train_type.removed_in) == (
        "3.0.3",
        "4.0.4",
        "4.6.0",
    )
    thinking = option_history("llamafactory", "train", "enable_thinking")
    assert thinking is not None and thinking.added_in == "0.9.3"
    assert option_history("trl", "sft", "no_such_option") is None


def test_a_release_between_two_read_ones_is_modelled_from_both() -> None:
    between = command_options("ms-swift", "sft", "3.7.0")
    assert between is not None
    assert "3.5.3 and 3.9.3" in between.source
    # Its default changed between the two: unknown, never guessed.
    assert isinstance(between.options["split_dataset_ratio"].default, Unknown)
    # An option only one neighbour has may or may not exist.
    assert between.uncertain
    assert not between.uncertain & set(between.options)


def test_releases_outside_the_range_read_are_not_known() -> None:
    assert command_options("ms-swift", "sft", "9.9") is None
    assert command_options("ms-swift", "sft", "1.0.0") is None
    assert command_options("trl", "reward", "0.12.2") is None  # no `trl reward` then
    assert known_versions("trl")[0] == "0.12.2"


def test_did_you_mean() -> None:
    options = command_options("ms-swift", "sft", "4.6.0")
    assert options is not None
    assert close_option("split_dataset_ration", options.options.keys()) == "split_dataset_ratio"
    assert close_option("completely_different", options.options.keys()) is None


def test_renames_join_options_of_the_same_release() -> None:
    for rename in RENAMES:
        both = command_options(rename.framework, "sft", rename.proof.first)
        assert both is not None
        assert {rename.old, rename.new} <= set(both.options), rename


def test_generator_reads_a_sdist_as_well(tmp_path: Path) -> None:
    """axolotl before 0.18 ships only sdists: ``axolotl-X/src/axolotl/...`` loses its prefix."""
    import tarfile

    package = tmp_path / "demo-1.0" / "src" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text("class A:\n    x: int = 1\n")
    archive = tmp_path / "demo-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(tmp_path / "demo-1.0", arcname="demo-1.0")
    tree = SourceTree.from_archive(archive)
    assert tree.text("demo/config.py") == "class A:\n    x: int = 1\n"


def test_generator_script_runs_on_the_cached_releases(
    archives: dict[tuple[str, str], Path],
) -> None:
    cache = archives[("trl", "1.16.0")].parent
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_framework_knowledge.py"),
            "--cache",
            str(cache),
            "--only",
            "trl==1.16.0",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"SFTConfig"' in result.stdout
