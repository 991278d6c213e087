"""The oracle for TrlParser scripts: what transformers makes of an alignment-handbook recipe read
over trl's SFTConfig defaults, and of the flags a launch gives on top.

TrlParser (trl/scripts/utils.py, ``parse_args_and_config``) makes each recipe key the default of
its parser's option and parses the command line over them; the recipe's TrainingArguments keys go
to ``HfArgumentParser(TrainingArguments)`` the same way here, over SFTConfig's defaults of the
pinned trl release (bundled knowledge that test_framework_knowledge checks against trl's
packages). kefix must report a rejecting rule exactly when transformers raises.
"""

from __future__ import annotations

import dataclasses
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

transformers = pytest.importorskip("transformers")
yaml = pytest.importorskip("yaml")

from kefix.analyze import analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.fix import fix_file  # noqa: E402
from kefix.knowledge.frameworks import command_options  # noqa: E402
from kefix.knowledge.training_args import release_for  # noqa: E402
from kefix.model import EffectiveConfig, Unknown  # noqa: E402
from kefix.resolve import Resolver  # noqa: E402
from kefix.rules import RULES  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "configs" / "alignment_handbook"
RECIPE = "recipes/zephyr-7b-beta/sft/config_full.yaml"
REJECTING_RULES = {"KF001", "KF002", "KF101", "KF102", "KF201"} | {f"KF0{n}" for n in range(10, 20)}
FIELDS = {f.name for f in dataclasses.fields(transformers.TrainingArguments) if f.init}
INSTALLED = release_for(transformers.__version__)


def _sft_defaults() -> dict[str, Any]:
    """SFTConfig's own defaults of TrainingArguments fields in trl 0.19.1 (the fixture's pin)."""
    options = command_options("trl", "sft", "0.19.1")
    assert options is not None
    return {
        name: option.default
        for name, option in options.options.items()
        if name in FIELDS and option.default is not None and not isinstance(option.default, Unknown)
    }


def transformers_rejects(recipe: dict[str, Any], argv: list[str]) -> str:
    """TrlParser's way: the recipe's keys become the parser's defaults, the flags parse over
    them (``set_defaults_with_config`` + ``parse_args_into_dataclasses``)."""
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    training = {key: value for key, value in recipe.items() if key in FIELDS}
    parser.set_defaults(**{**_sft_defaults(), **training})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parser.parse_args_into_dataclasses(argv, return_remaining_strings=True)
        except (ValueError, TypeError) as error:
            return str(error) or type(error).__name__
    return ""


def kefix_rejects(config: EffectiveConfig) -> bool:
    """What kefix's rules say of the launch's whole configuration (a finding the recipe alone
    causes included: the report puts it on the recipe, but the launch fails all the same)."""
    return any(
        finding.code in REJECTING_RULES
        for rule in RULES
        for finding in rule.check(config, Settings())
    )


def test_the_recipe_alone_over_sftconfigs_defaults_is_rejected_as_kefix_says(
    tmp_path: Path,
) -> None:
    project = tmp_path / "alignment-handbook"
    shutil.copytree(FIXTURE, project)
    path = project / RECIPE
    resolver = Resolver([project])
    analysis = analyze_text(
        path, RECIPE, path.read_text(), resolver, Settings(), (INSTALLED,), kind="yaml"
    )
    assert [f.code for f in analysis.findings] == ["KF001"]
    error = transformers_rejects(yaml.safe_load(path.read_text()), [])
    assert "Evaluation strategy: IntervalStrategy.EPOCH" in error
    # parse_dict, as HfArgumentParser reads a recipe (extra keys allowed), agrees.
    with pytest.raises(ValueError, match="load_best_model_at_end"):
        transformers.HfArgumentParser(transformers.TrainingArguments).parse_dict(
            {**_sft_defaults(), **yaml.safe_load(path.read_text())}, allow_extra_keys=True
        )
    fixed = fix_file(analysis, resolver, Settings(unsafe_fixes=True), include_unsafe=True).final
    assert fixed.findings == ()
    assert transformers_rejects(yaml.safe_load(fixed.text), []) == ""


def test_each_launch_of_the_recipe_is_rejected_exactly_when_kefix_says(tmp_path: Path) -> None:
    project = tmp_path / "alignment-handbook"
    shutil.copytree(FIXTURE, project)
    script = project / "train.sh"
    analysis = analyze_text(
        script, "train.sh", script.read_text(), Resolver([project]), Settings(), (INSTALLED,)
    )
    recipe = yaml.safe_load((project / RECIPE).read_text())
    verdicts = []
    for config in analysis.configs:
        argv = [
            f"--{arg.name}={arg.values[0]}" for arg in config.launch.args if arg.name != "config"
        ]
        error = transformers_rejects(recipe, argv)
        assert kefix_rejects(config) == bool(error), f"{argv}: transformers says {error!r}"
        verdicts.append(bool(error))
    assert verdicts == [True, True]  # the recipe's mismatch, then the launch's own


def test_sftconfigs_logging_steps_keep_a_250_step_save_schedule_valid() -> None:
    # The recipe of test_trl_scripts: valid over SFTConfig's logging_steps 10, as kefix says,
    # though transformers' own 500 would reject it.
    recipe = {
        "output_dir": "data/sft",
        "eval_strategy": "steps",
        "save_strategy": "steps",
        "save_steps": 250,
        "load_best_model_at_end": True,
    }
    assert transformers_rejects(recipe, []) == ""
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="multiple"):
            parser.parse_dict(recipe)
