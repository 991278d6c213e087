"""The oracle for Python sources: the installed transformers decides, kefix must agree.

Two questions, as for bash (tests/test_oracle.py):

- the effective configuration of each Python launch (dataclass defaults and written values,
  typed as the source wrote them) handed to ``HfArgumentParser(...).parse_dict`` (argv launches:
  ``parse_args_into_dataclasses``) raises exactly when kefix reports a rule that says
  transformers raises, before and after kefix's fixes;
- a ``TrainingArguments(...)`` call (or a ``parse_dict`` dict) whose every argument is a
  literal, made for real with the same keywords, raises exactly when kefix reports a rejected
  keyword or value.

trl is not installed here, and kefix does not claim trl's defaults: trl launches are skipped.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path

import pytest

transformers = pytest.importorskip("transformers")

from kefix.analyze import FileAnalysis, analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.fix import fix_file  # noqa: E402
from kefix.model import EffectiveConfig, Layer, Unknown  # noqa: E402
from kefix.resolve import Resolver  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = sorted(
    path
    for path in [*ROOT.glob("rules/KF*/*.py"), *ROOT.glob("python/*.py")]
    if not path.name.endswith((".fixed.py", ".unsafe.py")) and "@" not in path.parent.name
)
REJECTING_RULES = {"KF001", "KF002", "KF201"} | {f"KF0{n}" for n in range(10, 20)}
NAME_RULES = {"KF101", "KF102", "KF110", "KF112"}
RULE_FIELDS = (
    "load_best_model_at_end",
    "eval_strategy",
    "save_strategy",
    "save_steps",
    "eval_steps",
    "logging_steps",
    "fp16",
    "bf16",
)
FIELDS = {f.name for f in dataclasses.fields(transformers.Seq2SeqTrainingArguments) if f.init}
CLASSES = {
    "transformers.TrainingArguments": transformers.TrainingArguments,
    "transformers.Seq2SeqTrainingArguments": transformers.Seq2SeqTrainingArguments,
}


def _analyze(path: Path, text: str) -> tuple[FileAnalysis, Resolver]:
    resolver = Resolver([ROOT])
    display = os.path.relpath(path)
    analysis = analyze_text(path, display, text, resolver, Settings(), kind="python")
    return analysis, resolver


def _typed(config: EffectiveConfig) -> bool:
    return config.launch.entry_kind == "call" or any(a.typed for a in config.launch.args)


def _written(config: EffectiveConfig) -> dict[str, object]:
    """Every value that is not a transformers default, as the source typed it."""
    written: dict[str, object] = {"output_dir": "oracle-output"}
    for name, resolved in config.values.items():
        value = resolved.value
        if resolved.origin.layer is Layer.TRANSFORMERS_DEFAULT or name not in FIELDS:
            continue
        if value is None or isinstance(value, Unknown):
            continue
        written[name] = list(value) if isinstance(value, tuple) else value
    return written


def _argv(written: dict[str, object]) -> list[str]:
    argv: list[str] = []
    for name, value in written.items():
        words = [str(word) for word in value] if isinstance(value, list) else [str(value)]
        argv += [f"--{name}", *words]
    return argv


def transformers_rejects(config: EffectiveConfig) -> str:
    """The error transformers raises for the configuration, or '' when it accepts it."""
    parser = transformers.HfArgumentParser(transformers.Seq2SeqTrainingArguments)
    written = _written(config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if _typed(config):
                parser.parse_dict(written)
            else:
                parser.parse_args_into_dataclasses(_argv(written))
        except (ValueError, TypeError, SystemExit) as error:
            return str(error) or "argparse exit"
    return ""


def _reported(analysis: FileAnalysis, config: EffectiveConfig, codes: set[str]) -> bool:
    return any(
        finding.code in codes
        and finding.launch is not None
        and finding.launch.ordinal == config.launch.ordinal
        for finding in analysis.findings
    )


def _checkable(config: EffectiveConfig) -> bool:
    if (config.launch.entry or "").startswith("trl."):
        return False  # trl's own defaults and checks: kefix says nothing it could be held to
    return not any(isinstance(config.value(name), Unknown) for name in RULE_FIELDS)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kefix_agrees_with_transformers_before_and_after_fixing(source: Path) -> None:
    before, resolver = _analyze(source, source.read_text())
    fixed = fix_file(before, resolver, Settings(unsafe_fixes=True), include_unsafe=True).final
    checked = 0
    for analysis in (before, fixed):
        for config in analysis.configs:
            if not _checkable(config):
                continue
            error = transformers_rejects(config)
            kefix_rejects = _reported(analysis, config, REJECTING_RULES)
            assert kefix_rejects == bool(error), f"{_written(config)} transformers: {error!r}"
            checked += 1
    if checked == 0:
        pytest.skip("no launch with fully known rule fields")


def _literal_keywords(config: EffectiveConfig) -> dict[str, object] | None:
    if config.launch.opaque:
        return None
    keywords: dict[str, object] = {}
    for arg in config.launch.args:
        if arg.typed is None or isinstance(arg.typed.value, Unknown):
            return None
        value = arg.typed.value
        keywords[arg.name] = list(value) if isinstance(value, tuple) else value
    return keywords


def _construction_error(cls: type | None, keywords: dict[str, object]) -> str:
    """What building the arguments raises: the class called with the keywords, or (for a
    ``parse_dict`` dict, whose parser in the fixtures is TrainingArguments alone) parse_dict."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if cls is not None:
                cls(**keywords)
            else:
                transformers.HfArgumentParser(transformers.TrainingArguments).parse_dict(keywords)
        except (ValueError, TypeError) as raised:
            return str(raised)
    return ""


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keyword_verdicts_agree_with_the_real_class(source: Path) -> None:
    analysis, _ = _analyze(source, source.read_text())
    checked = 0
    for config in analysis.configs:
        keywords = _literal_keywords(config)
        cls = CLASSES.get(config.launch.entry or "")
        if not keywords or (config.launch.entry_kind == "call" and cls is None):
            continue
        error = _construction_error(cls, keywords)
        kefix_rejects = _reported(analysis, config, NAME_RULES | REJECTING_RULES)
        assert kefix_rejects == bool(error), f"{keywords} transformers: {error!r}"
        checked += 1
    if checked == 0:
        pytest.skip("no call or dict whose arguments are all literals")
