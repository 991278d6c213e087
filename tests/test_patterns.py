"""kefix.patterns gives git's verdict (pathspec's, which implements git's rules) for every path,
whether it answers with its combined regex (no negations) or through pathspec."""

from __future__ import annotations

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefix import patterns
from kefix.patterns import GitIgnorePatterns

IGNORE_FILES = [
    ("__pycache__/", "*.pyc", ".venv/", "outputs/", "wandb/", "*.log", ".ipynb_checkpoints/"),
    (".git", ".hg", "node_modules", "venv", ".tox", ".mypy_cache"),
    ("/build", "a/**/b", "docs/*.md", "# a comment", "", "scripts/legacy/"),
    ("*.sh", "!keep.sh", "logs/", "!logs/important/"),
    ("!only_negation.sh",),
]
PATHS = [
    "run.sh",
    "keep.sh",
    "x/__pycache__/a.py",
    "__pycache__/",
    "src/.venv/",
    "outputs/",
    "outputs/run.sh",
    "build",
    "src/build",
    "a/x/y/b",
    "a/b",
    "docs/readme.md",
    "docs/deep/readme.md",
    "scripts/legacy/train.sh",
    "logs/important/x.sh",
    "logs/",
    "train.log",
    "nested/dir/",
    "only_negation.sh",
]


@pytest.mark.parametrize("lines", IGNORE_FILES)
@pytest.mark.parametrize("path", PATHS)
def test_verdict_is_pathspecs(lines: tuple[str, ...], path: str) -> None:
    expected = pathspec.GitIgnoreSpec.from_lines(lines).check_file(path).include
    assert GitIgnorePatterns(lines).verdict(path) is expected


_PART = st.sampled_from(
    ["a", "b", "logs", "run.sh", "x.py", "__pycache__", ".git", "*", "*.py", "a*", "x-y_z", "."]
)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.builds(
            lambda negated, parts, directory, anchored: (
                ("!" if negated else "")
                + ("/" if anchored else "")
                + "/".join(parts)
                + ("/" if directory else "")
            ),
            st.booleans(),
            st.lists(_PART | st.just("**"), min_size=1, max_size=3),
            st.booleans(),
            st.booleans(),
        ),
        max_size=5,
    ),
    # Discovery asks about paths it built from directory entries' names: never a "." part.
    path=st.lists(_PART.filter(lambda part: part not in ("*", ".")), min_size=1, max_size=4).map(
        "/".join
    ),
    directory=st.booleans(),
)
def test_any_patterns_agree_with_pathspec(lines: list[str], path: str, directory: bool) -> None:
    path += "/" if directory else ""
    expected = pathspec.GitIgnoreSpec.from_lines(lines).check_file(path).include
    assert GitIgnorePatterns(tuple(lines)).verdict(path) is expected


def test_simple_names_are_matched_without_importing_pathspec() -> None:
    """The default excludes and a typical .gitignore cost a pre-commit run no pathspec import."""
    import subprocess
    import sys

    program = (
        "import sys; from kefix.patterns import GitIgnorePatterns; "
        "p = GitIgnorePatterns(('__pycache__/', '*.pyc', '.venv', '/build', 'wandb/', '# c', '')); "
        "assert p.match_file('src/__pycache__/') and p.match_file('a/b.pyc'); "
        "assert not p.match_file('src/build/x.sh') and p.match_file('build/x.sh'); "
        "print('pathspec' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


_NAME = st.text(alphabet="ab.*-_/\n", min_size=1, max_size=6)


@settings(max_examples=500, deadline=None)
@given(
    lines=st.lists(_NAME, min_size=1, max_size=4),
    path=st.text(alphabet="ab.-_/x\n", max_size=12),
)
def test_simple_names_give_their_regex_s_verdict_before_it_is_compiled(
    lines: list[str], path: str
) -> None:
    # Any path (a leading or doubled "/", a line break), as the compiled regex answers it.
    quick = GitIgnorePatterns(tuple(lines))
    compiled = GitIgnorePatterns(tuple(lines))
    compiled._queries = patterns._QUERIES_BEFORE_COMPILING
    assert quick.verdict(path) is compiled.verdict(path)
    assert compiled._any is not None or compiled._spec is not None or compiled._empty


def test_a_walk_compiles_the_regex_after_the_first_answers() -> None:
    spec = GitIgnorePatterns(("__pycache__/", "*.pyc", ".venv"))
    for _ in range(patterns._QUERIES_BEFORE_COMPILING):
        assert spec.match_file("a/b.pyc")
    assert spec._any is None
    assert spec.match_file("a/b.pyc") and spec._any is not None
