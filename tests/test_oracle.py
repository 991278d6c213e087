"""The oracle: the installed transformers decides whether a launch is rejected; kefix must agree.

For every fixture launch, the effective configuration kefix resolved (dataclass defaults and
flags, i.e. everything that is not a transformers default) becomes an argv for
``HfArgumentParser(Seq2SeqTrainingArguments)``. kefix says "rejected" when it reports a rule
whose message claims transformers raises (KF001, KF002, KF201). Both verdicts must match before
and after kefix's fixes.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
from support import FixtureDataArguments, FixtureModelArguments

transformers = pytest.importorskip("transformers")

from kefix.analyze import FileAnalysis, analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.fix import fix_file  # noqa: E402
from kefix.model import EffectiveConfig, Layer, Unknown  # noqa: E402
from kefix.resolve import Resolver  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
SCRIPTS = sorted(
    path
    for path in [*ROOT.glob("rules/KF*/*.sh"), *ROOT.glob("deepke/ft_scripts/*.bash")]
    # Cases for another release than the installed one cannot be asked of this transformers.
    if not path.name.endswith((".fixed.sh", ".unsafe.sh")) and "@" not in path.parent.name
)
REJECTING_RULES = {"KF001", "KF002", "KF201"} | {f"KF0{n}" for n in range(10, 20)}
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


def _argv(config: EffectiveConfig) -> list[str]:
    argv = ["--output_dir", "oracle-output"]
    for name, resolved in config.values.items():
        value = resolved.value
        if resolved.origin.layer is Layer.TRANSFORMERS_DEFAULT or name not in FIELDS:
            continue
        if name == "deepspeed":
            continue  # building it needs accelerate; tests/test_oracle_deepspeed.py covers it
        if value is None or isinstance(value, Unknown):
            continue
        words = list(value) if isinstance(value, tuple) else [str(value)]
        argv += [f"--{name}", *words]
    return argv


def transformers_rejects(argv: list[str]) -> str:
    """The error transformers raises for ``argv``, or '' when it accepts it."""
    parser = transformers.HfArgumentParser(transformers.Seq2SeqTrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser.parse_args_into_dataclasses(argv)
        except (ValueError, SystemExit) as error:
            return str(error) or "argparse exit"
    return ""


def _verdicts(analysis: FileAnalysis) -> list[tuple[EffectiveConfig, bool]]:
    verdicts = []
    for config in analysis.configs:
        if any(isinstance(config.value(name), Unknown) for name in RULE_FIELDS):
            continue  # kefix stays silent on unknowns by design; nothing to compare
        rejected = any(
            finding.code in REJECTING_RULES
            and finding.launch is not None
            and finding.launch.ordinal == config.launch.ordinal
            for finding in analysis.findings
        )
        verdicts.append((config, rejected))
    return verdicts


def _analyze(script: Path, text: str) -> tuple[FileAnalysis, Resolver]:
    resolver = Resolver([ROOT])
    return analyze_text(script, script.name, text, resolver, Settings()), resolver


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kefix_agrees_with_transformers_before_and_after_fixing(script: Path) -> None:
    before, resolver = _analyze(script, script.read_text())
    fixed = fix_file(before, resolver, Settings(unsafe_fixes=True), include_unsafe=True).final
    checked = 0
    for analysis in (before, fixed):
        for config, kefix_rejects in _verdicts(analysis):
            argv = _argv(config)
            error = transformers_rejects(argv)
            assert kefix_rejects == bool(error), f"argv={argv} transformers: {error!r}"
            checked += 1
    unfixed = [f for f in fixed.findings if f.code in REJECTING_RULES and f.fix is not None]
    assert unfixed == [], "every rejection kefix can fix is fixed"
    if checked == 0:
        pytest.skip("no launch with fully known rule fields")


def test_the_deepke_case_is_rejected_by_transformers_as_kefix_says() -> None:
    script = ROOT / "deepke" / "ft_scripts" / "fine_baichuan.bash"
    analysis, _ = _analyze(script, script.read_text())
    (config,) = analysis.configs
    error = transformers_rejects(_argv(config))
    assert "requires the save and eval strategy to match" in error
    assert [f.code for f in analysis.findings if f.code in REJECTING_RULES] == ["KF001"]


NOTEBOOKS = sorted(
    path
    for path in (ROOT / "notebooks").glob("*.ipynb")
    if not path.name.endswith((".fixed.ipynb", ".unsafe.ipynb"))
)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_kefix_agrees_with_transformers_on_notebook_launches(notebook: Path) -> None:
    """A ``!torchrun`` command and a ``%%bash`` cell get the verdicts a script would."""
    resolver = Resolver([ROOT])
    text = notebook.read_text(encoding="utf-8")
    before = analyze_text(notebook, notebook.name, text, resolver, Settings(), kind="notebook")
    settings = Settings(unsafe_fixes=True)
    fixed = fix_file(before, resolver, settings, include_unsafe=True).final
    verdicts = [_verdicts(analysis) for analysis in (before, fixed)]
    assert [rejected for _, rejected in verdicts[0]][:2] == [True, True]
    for analysis_verdicts in verdicts:
        for config, kefix_rejects in analysis_verdicts:
            argv = _argv(config)
            error = transformers_rejects(argv)
            assert kefix_rejects == bool(error), f"argv={argv} transformers: {error!r}"
    unfixed = [f for f in fixed.findings if f.code in REJECTING_RULES and f.fix is not None]
    assert unfixed == [], "every rejection kefix can fix is fixed"


FLAG_RULES = {"KF110", "KF111", "KF112"} | REJECTING_RULES
FLAG_SCRIPTS = sorted(
    path
    for code in ("KF110", "KF111", "KF112", "KF113")
    for path in (ROOT / "rules" / code).glob("*.sh")
    if not path.name.endswith((".fixed.sh", ".unsafe.sh"))
)


def _written_argv(config: EffectiveConfig) -> list[str] | None:
    argv: list[str] = []
    for arg in config.launch.args:
        words = [word for word in arg.values if isinstance(word, str)]
        if len(words) != len(arg.values):
            return None
        if arg.style.value == "equals":
            argv.append(f"--{arg.name}={words[0]}")
        else:
            argv += [f"--{arg.name}", *words]
    return argv


@pytest.mark.parametrize("script", FLAG_SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_flag_verdicts_agree_with_the_real_parser(script: Path) -> None:
    analysis, _ = _analyze(script, script.read_text())
    parser = transformers.HfArgumentParser(
        (FixtureModelArguments, FixtureDataArguments, transformers.TrainingArguments)
    )
    checked = 0
    for config in analysis.configs:
        if config.launch.entry != "src/train.py" or (argv := _written_argv(config)) is None:
            continue
        kefix_rejects = any(
            f.code in FLAG_RULES
            and f.launch is not None
            and f.launch.ordinal == config.launch.ordinal
            for f in analysis.findings
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parser.parse_args_into_dataclasses(argv)
                error = ""
            except (ValueError, SystemExit) as raised:
                error = str(raised) or "argparse exit"
        assert kefix_rejects == bool(error), f"argv={argv} transformers: {error!r}"
        checked += 1
    if checked == 0:
        pytest.skip("no launch whose flags are all static")
