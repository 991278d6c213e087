"""Target transformers version(s): explicit choice, the nearest project pin, or the newest known."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kefix.target
from kefix.target import TargetVersionError, TargetVersions, target_versions

FIXTURES = Path(__file__).parent / "data" / "target"

# A fixed catalogue (deliberately unsorted, with gaps) so expectations do not follow kefix's data.
KNOWN = [
    "5.25.0",
    "4.28.0",
    "4.28.1",
    "4.33.0",
    "4.33.3",
    "4.36.0",
    "4.36.2",
    "4.37.0",
    "4.37.2",
    "4.40.0",
    "4.40.2",
    "4.41.0",
    "4.41.2",
    "4.44.0",
    "4.44.2",
    "4.45.0",
    "4.45.2",
    "4.46.0",
    "4.46.3",
    "4.57.0",
    "4.57.1",
    "5.0.0",
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository root (it has .git) that is also the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_fixture(repo: Path, case: str) -> Path:
    return Path(shutil.copytree(FIXTURES / case, repo / case))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- fixture projects ---------------------------------------------------------------------------


def test_llamafactory_pyproject_range_admits_every_known_release_inside_it(repo: Path) -> None:
    project = copy_fixture(repo, "llamafactory")
    result = target_versions(project / "examples/train_lora/llama3_lora_sft.sh", KNOWN)
    # >=4.41.2,<=4.46.1 without 4.46.0; 4.46.3 is above the ceiling.
    assert result == TargetVersions(
        ("4.41.2", "4.44.0", "4.44.2", "4.45.0", "4.45.2"),
        "transformers>=4.41.2,<=4.46.1,!=4.46.0 in llamafactory/pyproject.toml:11 "
        "admits 4.41.2 … 4.45.2 (5 known releases)",
        project / "pyproject.toml",
    )


def test_deepke_requirements_exact_pin_found_from_a_nested_example_script(repo: Path) -> None:
    project = copy_fixture(repo, "deepke")
    result = target_versions(project / "example/ner/standard/run_bert.sh", KNOWN)
    assert result == TargetVersions(
        ("4.33.0",),
        "transformers==4.33.0 in deepke/requirements.txt:6 pins 4.33.0",
        project / "requirements.txt",
    )


def test_setup_py_install_requires_read_through_a_module_level_list_without_executing(
    repo: Path,
) -> None:
    project = copy_fixture(repo, "setup_py")
    result = target_versions(project, KNOWN)
    assert result.versions == ("4.36.0", "4.36.2", "4.37.0", "4.37.2")
    assert result.reason == (
        "transformers>=4.36.0,<4.38 in setup_py/setup.py:10 admits 4.36.0 … 4.37.2 "
        "(4 known releases)"
    )
    assert result.source == project / "setup.py"


def test_environment_yml_pip_list_pin_with_extras_and_comment(repo: Path) -> None:
    project = copy_fixture(repo, "conda_env")
    result = target_versions(project / "scripts" / "train.sh", KNOWN)
    assert result == TargetVersions(
        ("4.40.2",),
        "transformers[torch]==4.40.2 in conda_env/environment.yml:12 pins 4.40.2",
        project / "environment.yml",
    )


def test_poetry_caret_admits_up_to_the_next_major(repo: Path) -> None:
    project = copy_fixture(repo, "poetry_caret")
    result = target_versions(project, KNOWN)
    assert result.versions == (
        "4.36.0",
        "4.36.2",
        "4.37.0",
        "4.37.2",
        "4.40.0",
        "4.40.2",
        "4.41.0",
        "4.41.2",
        "4.44.0",
        "4.44.2",
        "4.45.0",
        "4.45.2",
        "4.46.0",
        "4.46.3",
        "4.57.0",
        "4.57.1",
    )
    assert result.reason == (
        'transformers = "^4.36" in poetry_caret/pyproject.toml:10 '
        "admits 4.36.0 … 4.57.1 (16 known releases)"
    )


def test_uv_lock_exact_version_wins_over_the_pyproject_range(repo: Path) -> None:
    project = copy_fixture(repo, "uv_lock")
    result = target_versions(project, KNOWN)
    assert result == TargetVersions(
        ("4.44.2",),
        "the lock entry for transformers in uv_lock/uv.lock:30 pins 4.44.2; "
        "the lock file wins over transformers>=4.40 in uv_lock/pyproject.toml:6",
        project / "uv.lock",
    )


def test_pipfile_lock_unknown_patch_maps_to_the_nearest_known_patch_below(repo: Path) -> None:
    project = copy_fixture(repo, "pipfile_lock")
    result = target_versions(project, KNOWN)
    assert result == TargetVersions(
        ("4.45.0",),
        "the lock entry for transformers in pipfile_lock/Pipfile.lock:9 pins 4.45.1; "
        "4.45.1 is not a known release; using 4.45.0, the nearest known 4.45.x below",
        project / "Pipfile.lock",
    )


def test_requirements_include_with_extras_marker_and_hash_continuation(repo: Path) -> None:
    project = copy_fixture(repo, "requirements_include")
    result = target_versions(project, KNOWN)
    assert result == TargetVersions(
        ("4.37.2",),
        'transformers[torch]==4.37.2 ; python_version >= "3.8" in '
        "requirements_include/requirements/base.txt:3 pins 4.37.2",
        project / "requirements" / "base.txt",
    )


def test_conflicting_marker_guarded_pins_keep_the_ones_that_hold_here(repo: Path) -> None:
    project = copy_fixture(repo, "markers")
    result = target_versions(project, KNOWN)
    assert result.versions == ("4.40.0", "4.40.2", "4.41.0", "4.41.2")
    assert result.reason.startswith(
        'transformers>=4.40,<4.42; python_version >= "3.8" in markers/requirements.txt:3 '
        "admits 4.40.0 … 4.41.2 (4 known releases); "
        "kept only the pins whose environment marker holds on Python 3."
    )


def test_no_pin_means_newest_and_similar_names_are_not_transformers(repo: Path) -> None:
    project = copy_fixture(repo, "nothing")  # sentence-transformers, transformers-stream-generator
    result = target_versions(project / "train.sh", KNOWN)
    assert result == TargetVersions(
        ("5.25.0",),
        "no transformers pin found in nothing or its parents up to .; "
        "assuming newest known release 5.25.0",
        None,
    )


def test_nested_project_pin_wins_over_the_enclosing_project(repo: Path) -> None:
    project = copy_fixture(repo, "nested")
    legacy = target_versions(project / "examples/legacy/run_glue.sh", KNOWN)
    assert legacy.versions == ("4.28.1",)
    assert legacy.source == project / "examples/legacy/requirements.txt"
    current = target_versions(project / "examples/pytorch/run_clm.sh", KNOWN)
    assert current.versions == (
        "4.45.0",
        "4.45.2",
        "4.46.0",
        "4.46.3",
        "4.57.0",
        "4.57.1",
        "5.0.0",
        "5.25.0",
    )
    assert current.source == project / "pyproject.toml"


def test_malformed_files_are_skipped_and_named_in_the_reason(repo: Path) -> None:
    project = copy_fixture(repo, "malformed")
    result = target_versions(project, KNOWN)
    assert result.versions == ("4.36.2",)
    assert result.reason.startswith(
        "transformers==4.36.2 in malformed/requirements.txt:1 pins 4.36.2; "
        "skipped malformed/pyproject.toml: invalid TOML: "
    )
    assert result.reason.endswith("; skipped malformed/setup.py: invalid Python (line 2)")


def test_several_files_in_one_directory_intersect_and_are_all_named(repo: Path) -> None:
    project = copy_fixture(repo, "several_sources")
    result = target_versions(project, KNOWN)
    assert result.versions == ("4.40.0", "4.40.2", "4.41.0", "4.41.2", "4.44.0", "4.44.2")
    assert result.reason == (
        "transformers>=4.40 in several_sources/pyproject.toml:4 and "
        "transformers<4.45 in several_sources/requirements.txt:2 "
        "admit 4.40.0 … 4.44.2 (6 known releases)"
    )
    assert result.source == project / "pyproject.toml"


def test_setup_cfg_install_requires_compatible_release(repo: Path) -> None:
    project = copy_fixture(repo, "setup_cfg")
    result = target_versions(project, KNOWN)
    assert result.versions == ("4.33.0", "4.33.3")
    assert result.reason == "transformers~=4.33.0 in setup_cfg/setup.cfg:11 admits 4.33.0, 4.33.3"


# --- explicit target ----------------------------------------------------------------------------


def test_explicit_minor_means_newest_known_patch_and_wins_over_the_project_pin(
    repo: Path,
) -> None:
    project = copy_fixture(repo, "deepke")
    result = target_versions(project, KNOWN, explicit="4.40")
    assert result == TargetVersions(
        ("4.40.2",), 'target-transformers "4.40" selects 4.40.2, the newest known 4.40.x', None
    )


def test_explicit_known_patch_is_used_as_is(repo: Path) -> None:
    assert target_versions(repo, KNOWN, explicit="4.40.0").versions == ("4.40.0",)


def test_explicit_unknown_patch_maps_below_within_the_same_minor(repo: Path) -> None:
    result = target_versions(repo, KNOWN, explicit="4.40.1")
    assert result == TargetVersions(
        ("4.40.0",),
        'target-transformers "4.40.1" pins 4.40.1; 4.40.1 is not a known release; '
        "using 4.40.0, the nearest known 4.40.x below",
        None,
    )


def test_explicit_prerelease_maps_above_when_nothing_of_the_minor_is_below(repo: Path) -> None:
    result = target_versions(repo, KNOWN, explicit="4.41.0.dev0")
    assert result.versions == ("4.41.0",)
    assert "using 4.41.0, the nearest known 4.41.x above" in result.reason


def test_explicit_patch_of_an_unknown_minor_never_maps_to_another_minor(repo: Path) -> None:
    result = target_versions(repo, KNOWN, explicit="4.38.1")
    assert result.versions == ("5.25.0",)
    assert result.reason == (
        'target-transformers "4.38.1" pins 4.38.1; 4.38.1 is not a known release and no 4.38.x '
        "is known; assuming newest known 5.25.0"
    )


def test_explicit_specifier_admits_every_known_release_in_range(repo: Path) -> None:
    result = target_versions(repo, KNOWN, explicit=">=4.40,<4.46")
    assert result.versions == (
        "4.40.0",
        "4.40.2",
        "4.41.0",
        "4.41.2",
        "4.44.0",
        "4.44.2",
        "4.45.0",
        "4.45.2",
    )
    assert result.reason == (
        'target-transformers ">=4.40,<4.46" admits 4.40.0 … 4.45.2 (8 known releases)'
    )


def test_explicit_major_means_newest_known_release_of_it(repo: Path) -> None:
    assert target_versions(repo, KNOWN, explicit="4").versions == ("4.57.1",)
    assert target_versions(repo, KNOWN, explicit="v5").versions == ("5.25.0",)


def test_explicit_may_be_a_requirement_or_a_poetry_constraint(repo: Path) -> None:
    assert target_versions(repo, KNOWN, explicit="transformers==4.44.2").versions == ("4.44.2",)
    assert target_versions(repo, KNOWN, explicit="^4.57").versions == ("4.57.0", "4.57.1")


def test_explicit_nonsense_is_an_error(repo: Path) -> None:
    with pytest.raises(TargetVersionError, match="neither a version"):
        target_versions(repo, KNOWN, explicit="latest-ish")
    with pytest.raises(TargetVersionError):
        target_versions(repo, KNOWN, explicit="torch>=2")


def test_empty_catalogue_is_a_programming_error(repo: Path) -> None:
    with pytest.raises(ValueError, match="at least one known"):
        target_versions(repo, [])


# --- smaller cases written inline ---------------------------------------------------------------


def test_range_admitting_no_known_release_falls_back_to_newest(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers>=6\n")
    result = target_versions(repo, KNOWN)
    assert result == TargetVersions(
        ("5.25.0",),
        "transformers>=6 in requirements.txt:1 matched no known release; "
        "assuming newest known 5.25.0",
        repo / "requirements.txt",
    )


def test_exact_pin_of_an_unknown_minor_falls_back_to_newest_and_says_why(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers==4.30.0\n")
    assert target_versions(repo, KNOWN).reason == (
        "transformers==4.30.0 in requirements.txt:1 pins 4.30.0; 4.30.0 is not a known release "
        "and no 4.30.x is known; assuming newest known 5.25.0"
    )


def test_conflicting_pins_match_no_release(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers==4.33.0\n")
    write(repo / "setup.cfg", "[options]\ninstall_requires =\n    transformers>=4.40\n")
    result = target_versions(repo, KNOWN)
    assert result.versions == ("5.25.0",)
    assert result.reason == (
        "transformers==4.33.0 in requirements.txt:1 and transformers>=4.40 in setup.cfg:3 "
        "match no known release; assuming newest known 5.25.0"
    )


def test_unparseable_requirement_line_is_skipped_with_a_one_line_note(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers>=4.40,<\n")
    result = target_versions(repo, KNOWN)
    assert result.versions == ("5.25.0",)
    assert "; skipped a line of requirements.txt: line 1: " in result.reason
    assert "\n" not in result.reason


def test_wheel_url_named_in_a_requirement_pins_its_version(repo: Path) -> None:
    write(
        repo / "requirements.txt",
        "transformers @ https://example.org/wheels/transformers-4.40.2-py3-none-any.whl\n",
    )
    result = target_versions(repo, KNOWN)
    assert result.versions == ("4.40.2",)
    assert result.reason.startswith("transformers from https://example.org/wheels/")


def test_git_install_is_not_a_release_and_means_newest(repo: Path) -> None:
    write(repo / "requirements.txt", "git+https://github.com/huggingface/transformers\n")
    result = target_versions(repo, KNOWN)
    assert result.versions == ("5.25.0",)
    assert result.reason == (
        "transformers from git+https://github.com/huggingface/transformers in "
        "requirements.txt:1 is not a released version; assuming newest known 5.25.0"
    )


def test_git_install_of_a_release_tag_pins_that_release(repo: Path) -> None:
    write(
        repo / "requirements.txt",
        "transformers @ git+https://github.com/huggingface/transformers.git@v4.45.2\n",
    )
    assert target_versions(repo, KNOWN).versions == ("4.45.2",)


def test_local_path_and_editable_installs_are_not_releases(repo: Path) -> None:
    write(repo / "requirements.txt", "-e ../third_party/transformers\n")
    result = target_versions(repo, KNOWN)
    assert result.versions == ("5.25.0",)
    assert "is not a released version" in result.reason


def test_unpinned_transformers_means_newest(repo: Path) -> None:
    write(repo / "requirements.txt", "torch\ntransformers  # whatever is current\n")
    result = target_versions(repo, KNOWN)
    assert result.reason == (
        "transformers in requirements.txt:2 has no version constraint; assuming newest known 5.25.0"
    )


def test_pep_735_dependency_groups_and_optional_dependencies_are_read(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        '[project]\nname = "x"\ndependencies = ["torch"]\n\n'
        '[project.optional-dependencies]\nhf = ["transformers>=4.44"]\n\n'
        '[dependency-groups]\ntrain = ["transformers<4.45", {include-group = "lint"}]\n'
        'lint = ["ruff"]\n',
    )
    result = target_versions(repo, KNOWN)
    assert result.versions == ("4.44.0", "4.44.2")
    assert result.reason == (
        "transformers>=4.44 in pyproject.toml:6 and transformers<4.45 in pyproject.toml:9 "
        "admit 4.44.0, 4.44.2"
    )


def test_poetry_tilde_stays_within_the_minor(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.10"\n'
        'transformers = { version = "~4.40", extras = ["torch"] }\n',
    )
    assert target_versions(repo, KNOWN).versions == ("4.40.0", "4.40.2")


def test_poetry_git_dependency_is_not_a_release(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        "[tool.poetry.dependencies]\n"
        'transformers = { git = "https://github.com/huggingface/transformers.git" }\n',
    )
    result = target_versions(repo, KNOWN)
    assert result.versions == ("5.25.0",)
    assert result.reason.startswith("transformers from git https://github.com/huggingface/")


def test_conda_single_equals_is_a_prefix_match(repo: Path) -> None:
    write(
        repo / "environment.yaml",
        "name: x\ndependencies:\n- python=3.10\n- conda-forge::transformers=4.36\n",
    )
    result = target_versions(repo, KNOWN)
    assert result.versions == ("4.36.0", "4.36.2")
    assert result.source == repo / "environment.yaml"


def test_poetry_lock_version_is_exact(repo: Path) -> None:
    write(
        repo / "poetry.lock",
        '[[package]]\nname = "torch"\nversion = "2.3.0"\n\n'
        '[[package]]\nname = "transformers"\nversion = "4.41.2"\n',
    )
    result = target_versions(repo, KNOWN)
    assert result.versions == ("4.41.2",)
    assert result.reason == "the lock entry for transformers in poetry.lock:6 pins 4.41.2"


def test_start_may_be_a_file_and_the_walk_stops_at_the_repository_root(repo: Path) -> None:
    write(repo / "requirements.txt", "transformers==4.28.1\n")
    inner = repo / "vendored"
    (inner / ".git").mkdir(parents=True)
    script = write(inner / "scripts" / "run.sh", "python train.py\n")
    assert target_versions(script, KNOWN).versions == ("5.25.0",)
    assert target_versions(repo / "run.sh", KNOWN).versions == ("4.28.1",)


def test_requirements_cycle_is_read_once(repo: Path) -> None:
    write(repo / "requirements.txt", "-r requirements-dev.txt\ntransformers==4.44.0\n")
    write(repo / "requirements-dev.txt", "-r requirements.txt\npytest\n")
    assert target_versions(repo, KNOWN).versions == ("4.44.0",)


def test_without_a_toml_parser_toml_files_are_skipped_and_said_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kefix.target, "_toml_loads", lambda: None)
    write(repo / "pyproject.toml", '[project]\ndependencies = ["transformers==4.33.0"]\n')
    write(repo / "requirements.txt", "transformers>=4.40\n")
    result = target_versions(repo, KNOWN)
    assert result.versions[0] == "4.40.0"
    assert result.reason.endswith(
        "; skipped pyproject.toml: no TOML parser on Python "
        f"{sys.version_info[0]}.{sys.version_info[1]} "
        "(install tomli)"
    )


def test_versions_are_sorted_by_release_not_by_text(repo: Path) -> None:
    result = target_versions(repo, ["4.9.0", "4.10.0", "4.100.0"], explicit=">=4")
    assert result.versions == ("4.9.0", "4.10.0", "4.100.0")


# File contents built from the tokens these formats are made of, so the fuzzing reaches the parsers.
_TOKENS = st.sampled_from(
    [
        "transformers",
        "Transformers",
        "==",
        ">=",
        "<",
        "!=",
        "~=",
        "^",
        "~",
        "=",
        "4.40",
        "4.40.1",
        "v4.41.0",
        "*",
        ",",
        ";",
        " ",
        "\n",
        "\\\n",
        "#",
        "-r ",
        "-e ",
        "--hash=sha256:ab",
        "[torch]",
        "git+https://github.com/huggingface/transformers",
        "@",
        "python_version",
        '"',
        "'",
        "[",
        "]",
        "{",
        "}",
        "dependencies",
        ":",
        "- ",
        "  - ",
        "pip:",
        "name = ",
        "version = ",
        "[[package]]",
        "[project]",
        "install_requires",
        "setup(",
        ")",
        "||",
        "|",
        "::",
        "x",
    ]
)
_FILE_NAMES = st.sampled_from(
    [
        "pyproject.toml",
        "requirements.txt",
        "requirements/dev.txt",
        "setup.cfg",
        "setup.py",
        "environment.yml",
        "uv.lock",
        "poetry.lock",
        "Pipfile.lock",
        "pdm.lock",
    ]
)


@settings(max_examples=300, deadline=None)
@given(files=st.dictionaries(_FILE_NAMES, st.lists(_TOKENS, max_size=40).map("".join), max_size=4))
def test_never_raises_on_malformed_files(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / ".git").mkdir()
        for name, text in files.items():
            write(root / name, text)
        result = target_versions(root, KNOWN)
    assert result.versions
    assert set(result.versions) <= set(KNOWN)
