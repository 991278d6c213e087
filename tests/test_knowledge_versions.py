"""The version-aware TrainingArguments knowledge: what changed when, as read from the releases.

Each expectation here was checked by reading the release's source (training_args.py,
hf_argparser.py, trainer_utils.py) or is listed in the shared transformers rules inventory; none
was copied from kefix's own output. The generator tests need cached wheels
(``$KEFIX_WHEEL_CACHE`` or ``~/.cache/kefix/wheels``) and are skipped without them.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import pathlib
import sys
import types

import pytest
from packaging.version import Version

from kefix.knowledge import training_args as knowledge
from kefix.model import Unknown

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = REPOSITORY / "scripts" / "generate_knowledge.py"
DATA_FILE = REPOSITORY / "kefix" / "knowledge" / "training_args.json"


def _kind(name: str, version: str) -> str:
    return knowledge.training_fields(version=version)[name].kind


def _choices(name: str, version: str) -> tuple[str, ...]:
    return knowledge.training_fields(version=version)[name].choices


# --------------------------------------------------------------------------- versions


def test_known_versions_run_from_4_28_to_the_newest_5x_in_order() -> None:
    versions = knowledge.known_versions()
    assert versions[0] == "4.28.0"
    assert list(versions) == sorted(versions, key=Version)
    assert {"4.40.2", "4.46.1", "4.46.3", "4.57.6", "5.0.0", "5.15.0"} <= set(versions)
    assert knowledge.newest_version() == versions[-1]
    assert knowledge.transformers_version() == versions[-1]


def test_pypi_has_no_4_46_0_so_the_minor_starts_at_4_46_1() -> None:
    assert "4.46.0" not in knowledge.known_versions()
    assert knowledge.release_for("4.46.0") == "4.46.3"


@pytest.mark.parametrize(
    ("spec", "release"),
    [("4.40", "4.40.2"), ("4.40.2", "4.40.2"), ("4.40.0", "4.40.0"), ("4.40.1", "4.40.2")],
)
def test_release_for_picks_the_exact_or_the_newest_known_patch(spec: str, release: str) -> None:
    assert knowledge.release_for(spec) == release


@pytest.mark.parametrize("spec", ["4.27", "4.27.4", "3.5", "banana", "", "6.0"])
def test_release_for_rejects_versions_kefix_has_no_data_for(spec: str) -> None:
    with pytest.raises(knowledge.UnknownVersion):
        knowledge.release_for(spec)


def test_version_none_means_the_newest_release() -> None:
    assert knowledge.training_fields() == knowledge.training_fields(
        version=knowledge.newest_version()
    )


def test_a_minor_stands_for_its_newest_patch() -> None:
    assert knowledge.training_fields(version="4.46") == knowledge.training_fields(version="4.46.3")


# --------------------------------------------------------------------------- renames and removals


def test_eval_strategy_first_appears_in_4_41() -> None:
    history = knowledge.field_history("eval_strategy")
    assert history is not None
    assert history.first == "4.41.0"
    assert history.removed_in is None
    assert knowledge.field_for_option("--eval_strategy", version="4.40") is None
    assert knowledge.field_for_option("--eval_strategy", version="4.41") is not None


def test_evaluation_strategy_is_last_in_4_50_and_deprecated_from_4_41() -> None:
    history = knowledge.field_history("evaluation_strategy")
    assert history == knowledge.FieldHistory(
        "evaluation_strategy", "4.28.0", "4.50.3", "4.51.0", "4.41.0"
    )


@pytest.mark.parametrize(
    "name",
    [
        "overwrite_output_dir",
        "no_cuda",
        "per_gpu_train_batch_size",
        "save_safetensors",
        "adafactor",
    ],
)
def test_fields_removed_in_5_0(name: str) -> None:
    history = knowledge.field_history(name)
    assert history is not None
    assert (history.last, history.removed_in) == ("4.57.6", "5.0.0")
    assert name in knowledge.training_fields(version="4.57")
    assert name not in knowledge.training_fields(version="5.0")


@pytest.mark.parametrize("name", ["warmup_ratio", "logging_dir"])
def test_warmup_ratio_and_logging_dir_are_deprecated_in_5_0_and_gone_in_5_15(name: str) -> None:
    history = knowledge.field_history(name)
    assert history is not None
    assert (history.last, history.removed_in, history.deprecated_in) == (
        "5.14.1",
        "5.15.0",
        "5.0.0",
    )


@pytest.mark.parametrize(
    ("name", "deprecated_in"),
    [
        ("no_cuda", "4.32.0"),
        ("xpu_backend", "4.29.0"),
        ("sharded_ddp", "4.31.0"),
        ("dispatch_batches", "4.38.0"),
        ("use_ipex", "4.53.0"),
        ("include_inputs_for_metrics", "4.46.1"),
        ("gradient_checkpointing", "5.23.0"),
        ("fsdp", "5.10.1"),
        ("push_to_hub_model_id", "4.28.0"),
        ("eval_strategy", None),
        ("local_rank", None),  # its help calls torch.distributed.launch deprecated, not the field
        ("learning_rate", None),
    ],
)
def test_deprecation_is_the_first_release_that_says_so(
    name: str, deprecated_in: str | None
) -> None:
    history = knowledge.field_history(name)
    assert history is not None
    assert history.deprecated_in == deprecated_in


def test_seq2seq_fields_exist_in_every_release_but_only_for_seq2seq() -> None:
    for name in ("predict_with_generate", "generation_config", "sortish_sampler"):
        history = knowledge.field_history(name)
        assert history is not None
        assert (history.first, history.removed_in) == ("4.28.0", None)
        assert name not in knowledge.training_fields(seq2seq=False, version="4.40")


def test_a_name_that_was_never_a_field_has_no_history() -> None:
    assert knowledge.field_history("eval_strat") is None


# --------------------------------------------------------------------------- parser behaviour


def test_dashed_aliases_and_negations_start_at_4_46() -> None:
    assert knowledge.field_for_option("--eval-strategy", version="4.45") is None
    assert knowledge.field_for_option("--no-remove-unused-columns", version="4.45") is None
    found = knowledge.field_for_option("--eval-strategy", version="4.46")
    assert found is not None and found[0].options == ("--eval_strategy", "--eval-strategy")
    negation = knowledge.field_for_option("--no-remove-unused-columns", version="4.46")
    assert negation is not None and negation[1] is True
    assert knowledge.training_fields(version="4.46")["bf16"].options == ("--bf16",)


def test_hub_private_repo_needs_a_value_from_4_47() -> None:
    assert _kind("hub_private_repo", "4.46") == "bool"
    assert _kind("hub_private_repo", "4.47") == "bool_value_required"
    with pytest.raises(knowledge.InvalidFlagValue, match="expected one argument"):
        knowledge.convert_value(knowledge.training_fields(version="4.47")["hub_private_repo"], [])


def test_report_to_takes_several_words_only_up_to_4_39() -> None:
    old = knowledge.training_fields(version="4.39")["report_to"]
    new = knowledge.training_fields(version="4.40")["report_to"]
    assert (old.kind, new.kind) == ("list", "str")
    assert knowledge.convert_value(old, ["wandb", "tensorboard"]) == ("wandb", "tensorboard")
    with pytest.raises(knowledge.InvalidFlagValue, match="not used"):
        knowledge.convert_value(new, ["wandb", "tensorboard"])


def test_report_to_defaults_to_none_text_from_5_0() -> None:
    assert knowledge.training_fields(version="4.57")["report_to"].default is None
    assert knowledge.training_fields(version="5.0")["report_to"].default == "none"


def test_lr_scheduler_type_choices_grow() -> None:
    assert "reduce_lr_on_plateau" not in _choices("lr_scheduler_type", "4.28")
    assert "reduce_lr_on_plateau" in _choices("lr_scheduler_type", "4.29")
    assert "cosine_with_min_lr" in _choices("lr_scheduler_type", "4.40")
    assert "warmup_stable_decay" in _choices("lr_scheduler_type", "4.41")
    assert "greedy" not in _choices("lr_scheduler_type", "5.3")
    assert "greedy" in _choices("lr_scheduler_type", "5.4")


def test_optim_loses_adamw_hf_at_4_50_and_adamw_apex_fused_at_5_8() -> None:
    assert "adamw_hf" in _choices("optim", "4.49")
    assert "adamw_hf" not in _choices("optim", "4.50")
    assert "adamw_apex_fused" in _choices("optim", "5.7")
    assert "adamw_apex_fused" not in _choices("optim", "5.8")
    assert len(_choices("optim", "5.25")) == 41


def test_optim_default_changes_and_depends_on_torch_from_4_54() -> None:
    fields_428 = knowledge.training_fields(version="4.28")
    fields_454 = knowledge.training_fields(version="4.54")
    assert fields_428["optim"].default == "adamw_hf"
    assert knowledge.training_fields(version="4.32")["optim"].default == "adamw_torch"
    assert not fields_428["optim"].environment
    assert fields_454["optim"].environment  # adamw_torch_fused under torch >= 2.8


def test_save_strategy_gains_best_at_4_47() -> None:
    assert _choices("save_strategy", "4.46") == ("no", "steps", "epoch")
    assert _choices("save_strategy", "4.47") == ("no", "steps", "epoch", "best")


def test_ddp_backend_ccl_becomes_xccl_in_5_1() -> None:
    assert "ccl" in _choices("ddp_backend", "5.0")
    assert "xccl" not in _choices("ddp_backend", "5.0")
    assert "xccl" in _choices("ddp_backend", "5.1")
    assert "ccl" not in _choices("ddp_backend", "5.1")


def test_output_dir_is_required_before_4_49() -> None:
    assert knowledge.training_fields(version="4.48")["output_dir"].required
    assert not knowledge.training_fields(version="4.49")["output_dir"].required


def test_steps_become_floats_in_4_29() -> None:
    assert _kind("save_steps", "4.28") == "int"
    assert _kind("save_steps", "4.29") == "float"
    assert _kind("warmup_steps", "4.57") == "int"
    assert _kind("warmup_steps", "5.0") == "float"


def test_debug_is_a_list_of_debug_options_from_4_31() -> None:
    assert _kind("debug", "4.30") == "str"
    debug = knowledge.training_fields(version="4.31")["debug"]
    assert (debug.kind, debug.element, debug.type_name) == ("list", "enum", "DebugOption")


def test_lr_scheduler_kwargs_cannot_be_given_on_the_command_line_in_4_57_1() -> None:
    broken = knowledge.training_fields(version="4.57.1")["lr_scheduler_kwargs"]
    assert broken.kind == "dict"
    with pytest.raises(knowledge.InvalidFlagValue, match="invalid dict value"):
        knowledge.convert_value(broken, ['{"num_cycles": 2}'])
    assert _kind("lr_scheduler_kwargs", "4.57.6") == "dict_or_str"
    assert knowledge.training_fields(version="4.56")["lr_scheduler_kwargs"].default == Unknown("{}")


def test_lr_scheduler_kwargs_typed_typing_dict_rejects_every_word_on_4_36_to_4_39() -> None:
    spec = knowledge.training_fields(version="4.38")["lr_scheduler_kwargs"]
    assert (spec.kind, spec.type_name) == ("unparseable", "Dict")
    with pytest.raises(knowledge.InvalidFlagValue, match="invalid Dict value"):
        knowledge.convert_value(spec, ["{}"])


def test_fsdp_takes_a_bare_flag_from_5_10() -> None:
    assert not knowledge.training_fields(version="5.9")["fsdp"].bare_value
    assert knowledge.training_fields(version="5.10")["fsdp"].bare_value


def test_include_num_input_tokens_seen_reads_only_booleans_on_the_command_line() -> None:
    spec = knowledge.training_fields(version="5.0")["include_num_input_tokens_seen"]
    assert (spec.kind, spec.default, spec.parser_default) == ("bool", "no", False)
    with pytest.raises(knowledge.InvalidFlagValue, match="Truthy value expected"):
        knowledge.convert_value(spec, ["all"])


def test_lr_is_a_unique_prefix_only_before_4_36() -> None:
    def starting(prefix: str, version: str) -> set[str]:
        return {o for o in knowledge.option_strings(version) if o.startswith(prefix)}

    assert starting("--lr", "4.35") == {"--lr_scheduler_type"}
    assert starting("--lr", "4.36") == {"--lr_scheduler_type", "--lr_scheduler_kwargs"}


def test_option_strings_include_negations() -> None:
    assert "--no_remove_unused_columns" in knowledge.option_strings("4.28")
    assert "--no-remove-unused-columns" not in knowledge.option_strings("4.28")


# --------------------------------------------------------------------------- the generator


@functools.cache
def _generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("generate_knowledge", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the defining module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_first_and_last_patch_of_each_minor_are_read() -> None:
    available = [
        Version(text)
        for text in (
            "4.27.4",
            "4.28.0",
            "4.28.1",
            "4.46.1",
            "4.46.3",
            "5.0.0rc1",
            "5.0.0",
            "4.58.0",
        )
    ]
    selected = [str(version) for version in _generator().select_versions(available)]
    assert selected == ["4.28.0", "4.28.1", "4.46.1", "4.46.3", "5.0.0"]


def test_the_data_file_is_in_the_generators_canonical_form() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert _generator().render(json.loads(text)) == text


def _segment_at(document: dict[str, object], name: str, version: str) -> dict[str, object] | None:
    fields = document["fields"]
    assert isinstance(fields, dict)
    for segment in fields[name]["segments"]:
        versions = document["versions"]
        assert isinstance(versions, list)
        position = versions.index(version)
        if versions.index(segment["from"]) <= position <= versions.index(segment["to"]):
            return {k: v for k, v in segment.items() if k not in ("from", "to")}
    return None


READ_AGAIN = ("4.46.3", "5.25.0")


def test_reading_two_wheels_again_reproduces_their_segments(tmp_path: pathlib.Path) -> None:
    generator = _generator()
    cache = generator.DEFAULT_CACHE
    if not all(any(cache.glob(f"transformers-{v}-*.whl")) for v in READ_AGAIN):
        pytest.skip(f"no cached wheels of {READ_AGAIN} in {cache}")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    for output in (first, second):
        arguments = ["--versions", ",".join(READ_AGAIN), "--cache", str(cache)]
        assert generator.main([*arguments, "--output", str(output)]) == 0
    assert first.read_bytes() == second.read_bytes()

    partial = json.loads(first.read_text(encoding="utf-8"))
    full = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert partial["versions"] == list(READ_AGAIN)
    for version in READ_AGAIN:
        present = {n for n in partial["fields"] if _segment_at(partial, n, version) is not None}
        assert present == {n for n in full["fields"] if _segment_at(full, n, version) is not None}
        for name in present:
            assert _segment_at(partial, name, version) == _segment_at(full, name, version), name
    for facts in partial["parser"]:
        assert facts["dashed_aliases"] is True
