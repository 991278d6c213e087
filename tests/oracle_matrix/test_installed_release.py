"""The oracle matrix on the installed release, in-process: generated launches, real verdicts.

``scripts/oracle_matrix.py`` runs the same comparison against other releases in their own venvs;
here the installed transformers is the oracle, so the default ``pytest`` run covers one release.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import pathlib
import sys
import types

import pytest

from kefix.knowledge import training_args as knowledge

transformers = pytest.importorskip("transformers")
from transformers import HfArgumentParser, TrainingArguments  # noqa: E402

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "oracle_matrix.py"
LAUNCHES = 400


@functools.cache
def _matrix() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("oracle_matrix", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks the module up
    spec.loader.exec_module(module)
    return module


def _real(parser: HfArgumentParser, argv: list[str]) -> tuple[str, str]:
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            _, remaining = parser.parse_known_args(argv)
    except SystemExit:
        return "argparse", stderr.getvalue().strip().splitlines()[-1]
    return ("unused", repr(remaining)) if remaining else ("ok", "")


def test_launches_are_the_same_for_the_same_seed() -> None:
    matrix = _matrix()
    assert matrix.generate_launches(50, 3) == matrix.generate_launches(50, 3)
    assert matrix.generate_launches(50, 3) != matrix.generate_launches(50, 4)


@pytest.mark.skipif(
    transformers.__version__ not in knowledge.known_versions(),
    reason="kefix has no data for the installed transformers",
)
def test_kefix_and_the_installed_parser_give_every_launch_the_same_verdict() -> None:
    matrix = _matrix()
    parser = HfArgumentParser(TrainingArguments)
    launches = matrix.generate_launches(LAUNCHES, 0)
    outcomes = {"ok": 0, "argparse": 0, "unused": 0}
    wrong = []
    for argv in launches:
        outcome, message = _real(parser, argv)
        outcomes[outcome] += 1
        ours = matrix.kefix_verdict(argv, transformers.__version__)
        if not matrix.same_message(ours, matrix.Verdict(outcome, message)) or (
            ours.outcome != outcome
        ):
            wrong.append(f"{' '.join(argv)}: real {outcome} {message}; kefix {ours}")
    assert not wrong, "\n".join(wrong[:20])
    # The generator must exercise every outcome, or the comparison proves little.
    assert min(outcomes.values()) >= LAUNCHES // 10, outcomes
