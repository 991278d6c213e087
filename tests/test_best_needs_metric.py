"""KF020 best-needs-metric is a Trainer check: TrainingArguments accepts what it reports.

The oracle (test_oracle.py) asks HfArgumentParser, which never raises this error, so KF020 is
not one of its rejecting rules; these tests pin where the error really comes from instead.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.model import Finding
from kefix.resolve import Resolver

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
MESSAGE = "`args.metric_for_best_model` must be provided when using 'best' save_strategy"


def _kf020(launch: str) -> list[Finding]:
    script = FIXTURES / "KF020" / "inline.sh"
    text = f"#!/bin/bash\n{launch}\n"
    analysis = analyze_text(script, script.name, text, Resolver([FIXTURES]), Settings())
    return [finding for finding in analysis.findings if finding.code == "KF020"]


def test_hf_argument_parser_accepts_save_best_without_a_metric() -> None:
    transformers = pytest.importorskip("transformers")
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    argv = ["--output_dir", "out", "--eval_strategy", "epoch", "--save_strategy", "best"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (args,) = parser.parse_args_into_dataclasses(argv)
    assert args.save_strategy == "best"
    assert args.metric_for_best_model is None


def test_the_installed_trainer_raises_the_error_kf020_reports() -> None:
    spec = importlib.util.find_spec("transformers")
    if spec is None or spec.origin is None:
        pytest.skip("transformers is not installed")
    # Trainer needs torch to import; its source says what it checks when it is created.
    source = (Path(spec.origin).parent / "trainer.py").read_text(encoding="utf-8")
    condition = "if args.save_strategy == SaveStrategy.BEST or args.load_best_model_at_end:"
    assert condition in source
    assert MESSAGE in source


def test_save_best_without_evaluation_is_reported_without_a_fix() -> None:
    # A metric would let the run start, but "best" saves only after an evaluation: never.
    (finding,) = _kf020("python src/train.py --output_dir out --save_strategy best")
    assert finding.fix is None


def test_arguments_kefix_cannot_see_may_set_the_metric() -> None:
    launch = 'python src/train.py --output_dir out --eval_strategy epoch --save_strategy best "$@"'
    assert _kf020(launch) == []
