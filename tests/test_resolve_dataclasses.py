"""Reading HfArgumentParser dataclasses and their defaults from entry scripts, statically."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import pytest

from kefix.model import Unknown
from kefix.resolve.dataclasses import (
    FieldDefault,
    ParsedDataclass,
    ParserSpec,
    read_parser_spec,
)
from kefix.sources.python.module_trees import forget_trees

CASES = Path(__file__).parent / "data" / "entry_scripts"


def _spec(case: str, entry: str) -> ParserSpec:
    spec = read_parser_spec(CASES / case / entry, [CASES / case])
    assert spec is not None
    return spec


def _dataclass(spec: ParserSpec, name: str) -> ParsedDataclass:
    (found,) = [parsed for parsed in spec.dataclasses if parsed.name == name]
    return found


def _field(parsed: ParsedDataclass, name: str) -> FieldDefault:
    (found,) = [item for item in parsed.fields if item.name == name]
    return found


def _project(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


# ----------------------------------------------------------------------------- DeepKE shape


def test_default_true_from_subclass_is_read_with_its_line() -> None:
    spec = _spec("deepke", "src/finetune.py")

    default = spec.training_defaults()["load_best_model_at_end"]

    assert default.value is True
    assert default.has_default
    assert default.path == (CASES / "deepke/src/utils/args.py").resolve()
    assert default.line == 14
    assert default.annotation == "Optional[bool]"


def test_dataclasses_keep_the_order_given_to_the_parser() -> None:
    spec = _spec("deepke", "src/finetune.py")

    assert [parsed.name for parsed in spec.dataclasses] == [
        "ModelArguments",
        "DataArguments",
        "TrainingArguments",
        "FinetuningArguments",
    ]
    assert spec.entry_path == (CASES / "deepke/src/finetune.py").resolve()
    assert spec.notes == ()


def test_local_class_named_training_arguments_shadows_the_transformers_one() -> None:
    training = _dataclass(_spec("deepke", "src/finetune.py"), "TrainingArguments")

    assert training.training_base == "Seq2SeqTrainingArguments"
    assert training.path == (CASES / "deepke/src/utils/args.py").resolve()
    assert training.line == 12
    assert [item.name for item in training.fields] == [
        "optim",
        "load_best_model_at_end",
        "report_to",
    ]


def test_literal_defaults_are_read_and_constants_of_the_same_file_resolved() -> None:
    data = _dataclass(_spec("deepke", "src/finetune.py"), "DataArguments")

    assert [(item.name, item.value) for item in data.fields] == [
        ("train_file", None),
        ("cutoff_len", 512),
        ("val_set_size", -1),
        ("prompt_template_name", "alpaca"),
    ]


def test_required_field_has_no_default_and_no_guessed_value() -> None:
    model = _dataclass(_spec("deepke", "src/finetune.py"), "ModelArguments")

    required = _field(model, "model_name_or_path")

    assert not required.has_default
    assert isinstance(required.value, Unknown)


def test_default_factory_is_unknown() -> None:
    model = _dataclass(_spec("deepke", "src/finetune.py"), "ModelArguments")

    lora_target = _field(model, "lora_target")

    assert lora_target.has_default
    assert isinstance(lora_target.value, Unknown)
    assert "default_factory" in lora_target.value.expression


def test_training_defaults_leave_out_other_dataclasses_but_field_names_include_them() -> None:
    spec = _spec("deepke", "src/finetune.py")

    assert spec.has_training_arguments
    assert set(spec.training_defaults()) == {"optim", "load_best_model_at_end", "report_to"}
    assert {"cutoff_len", "lora_r", "load_best_model_at_end"} <= spec.field_names()


# ----------------------------------------------------------------------------- import shapes


def test_relative_import_through_a_package_reexport_is_followed() -> None:
    spec = _spec("relative_import", "src/finetune.py")

    assert [parsed.name for parsed in spec.dataclasses] == ["ModelArgs", "TrainArgs"]
    train = _dataclass(spec, "TrainArgs")
    assert train.path == (CASES / "relative_import/src/config/arguments.py").resolve()
    assert train.training_base == "Seq2SeqTrainingArguments"


def test_inherited_local_fields_keep_their_place_and_the_subclass_override_wins() -> None:
    train = _dataclass(_spec("relative_import", "src/finetune.py"), "TrainArgs")

    assert [item.name for item in train.fields] == [
        "predict_with_generate",
        "save_steps",
        "warmup_ratio",
        "lora_modules",
        "extra_eval_sets",
    ]
    override = _field(train, "predict_with_generate")
    assert override.value is True
    assert override.path.name == "arguments.py"
    inherited = _field(train, "save_steps")
    assert (inherited.value, inherited.path.name, inherited.line) == (250, "base.py", 11)


def test_tuple_of_strings_default_is_a_tuple() -> None:
    train = _dataclass(_spec("relative_import", "src/finetune.py"), "TrainArgs")

    assert _field(train, "lora_modules").value == ("q_proj", "k_proj")


def test_aliased_parser_and_module_alias_are_resolved() -> None:
    spec = _spec("aliased_import", "scripts/train.py")

    script = _dataclass(spec, "ScriptArgs")
    assert script.path == (CASES / "aliased_import/configs/options.py").resolve()
    assert _field(script, "max_length").value == 1024


def test_transformers_training_arguments_itself_appears_without_fields_at_the_call() -> None:
    spec = _spec("aliased_import", "scripts/train.py")

    assert spec.dataclasses[1] == ParsedDataclass(
        name="TrainingArguments",
        path=(CASES / "aliased_import/scripts/train.py").resolve(),
        line=10,
        training_base="TrainingArguments",
        fields=(),
    )
    assert spec.training_defaults() == {}


def test_parser_built_in_an_imported_package_module_is_found() -> None:
    spec = _spec("llamafactory_style", "src/train_bash.py")

    assert [parsed.name for parsed in spec.dataclasses] == [
        "ModelArguments",
        "DataArguments",
        "Seq2SeqTrainingArguments",
        "FinetuningArguments",
        "GeneratingArguments",
    ]
    training = spec.dataclasses[2]
    assert training.training_base == "Seq2SeqTrainingArguments"
    parser_module = CASES / "llamafactory_style/src/llmtuner/tuner/core/parser.py"
    assert (training.path, training.line) == (parser_module.resolve(), 33)


def test_single_class_passed_to_qualified_parser_is_read() -> None:
    spec = _spec("single_class", "train.py")

    (train,) = spec.dataclasses
    assert (train.name, train.training_base) == ("TrainArgs", "TrainingArguments")
    assert _field(train, "learning_rate").value == 2e-5
    assert _field(train, "run_name").value == "baseline-v2"
    assert _field(train, "seed").value == -7


def test_non_literal_defaults_are_unknown_with_their_source_text() -> None:
    train = _dataclass(_spec("single_class", "train.py"), "TrainArgs")

    assert _field(train, "max_steps").value == Unknown("MAX_STEPS")
    assert _field(train, "save_strategy").value == Unknown("IntervalStrategy.EPOCH")
    assert _field(train, "logging_dir").value == Unknown('os.path.join("logs", "tb")')


def test_class_variables_and_unannotated_assignments_are_not_fields() -> None:
    spec = _spec("single_class", "train.py")

    names = spec.field_names()

    assert "registry" not in names
    assert "load_best_model_at_end" not in names
    assert any("load_best_model_at_end" in note and "annotation" in note for note in spec.notes)


def test_post_init_assignment_in_a_training_class_is_noted_not_applied() -> None:
    spec = _spec("single_class", "train.py")

    assert _field(spec.dataclasses[0], "save_strategy").value == Unknown("IntervalStrategy.EPOCH")
    post_init = [note for note in spec.notes if "__post_init__" in note]
    assert len(post_init) == 1
    assert "may change save_strategy" in post_init[0]


def test_field_that_no_flag_can_set_is_noted() -> None:
    spec = _spec("single_class", "train.py")

    assert any("hidden_token" in note and "init=False" in note for note in spec.notes)


def test_trl_parser_and_sft_config_subclass_are_recognised() -> None:
    spec = _spec("trl_sft", "sft.py")

    assert [(parsed.name, parsed.training_base) for parsed in spec.dataclasses] == [
        ("ScriptArguments", None),
        ("MySFTConfig", "SFTConfig"),
        ("ModelConfig", None),
    ]
    assert spec.training_defaults()["packing"].value is True
    assert any("ModelConfig" in note and "trl" in note for note in spec.notes)


# ----------------------------------------------------------------------------- what is not found


def test_argparse_script_has_no_parser_spec() -> None:
    assert read_parser_spec(CASES / "argparse_only/train.py", [CASES / "argparse_only"]) is None


def test_argument_module_with_syntax_error_is_noted_not_raised() -> None:
    spec = _spec("syntax_error", "train.py")

    model = spec.dataclasses[0]
    assert (model.name, model.fields, model.training_base) == ("ModelArgs", (), None)
    assert spec.dataclasses[1].training_base == "TrainingArguments"
    assert any("hparams.py" in note and "syntax error" in note for note in spec.notes)


def test_entry_script_with_syntax_error_gives_an_empty_spec_with_a_note() -> None:
    spec = _spec("syntax_error", "broken_entry.py")

    assert spec.dataclasses == ()
    assert any("broken_entry.py" in note for note in spec.notes)


def test_missing_entry_script_gives_an_empty_spec_with_a_note(tmp_path: Path) -> None:
    spec = read_parser_spec(tmp_path / "nope.py", [tmp_path])

    assert spec is not None
    assert spec.dataclasses == ()
    assert any("cannot read" in note for note in spec.notes)


def test_class_from_a_module_missing_in_the_project_is_noted() -> None:
    spec = _spec("missing_module", "train.py")

    assert [parsed.name for parsed in spec.dataclasses] == [
        "ModelArgs",
        "ExtraArgs",
        "TrainingArguments",
    ]
    assert spec.field_names() == frozenset()
    assert any("ModelArgs" in note and "utils.arguments" in note for note in spec.notes)
    assert any("ExtraArgs" in note and "outside the project" in note for note in spec.notes)


# ----------------------------------------------------------------------------- small projects

_ARGS_MODULE = """
    from dataclasses import dataclass
    from transformers import TrainingArguments

    @dataclass
    class TrainArgs(TrainingArguments):
        save_steps: int = 50
"""


def test_absolute_import_through_the_project_root_package(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "src/__init__.py": "",
            "src/utils/args.py": _ARGS_MODULE,
            "src/train.py": """
                from transformers import HfArgumentParser
                from src.utils.args import TrainArgs

                HfArgumentParser([TrainArgs])
            """,
        },
    )

    spec = read_parser_spec(tmp_path / "src/train.py", [tmp_path])

    assert spec is not None
    assert spec.training_defaults()["save_steps"].value == 50


def test_parser_more_than_three_imports_away_is_not_looked_for(tmp_path: Path) -> None:
    # Each level defines its own function, so no re-export shortcuts the chain.
    _project(
        tmp_path,
        {
            "args.py": _ARGS_MODULE,
            "level4.py": """
                from transformers import HfArgumentParser
                from args import TrainArgs

                def parse():
                    return HfArgumentParser(TrainArgs)
            """,
            **{
                f"level{n}.py": f"from level{n + 1} import parse as inner\n\ndef parse():\n"
                "    return inner()\n"
                for n in (1, 2, 3)
            },
            "train.py": "from level1 import parse\n\nparse()\n",
            "train_near.py": "from level2 import parse\n\nparse()\n",
        },
    )

    assert read_parser_spec(tmp_path / "train.py", [tmp_path]) is None
    assert read_parser_spec(tmp_path / "train_near.py", [tmp_path]) is not None


def test_dataclass_types_keyword_and_imports_inside_the_function(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "args.py": _ARGS_MODULE,
            "train.py": """
                def main():
                    from transformers import HfArgumentParser
                    from args import TrainArgs
                    parser = HfArgumentParser(dataclass_types=[TrainArgs])
            """,
        },
    )

    spec = read_parser_spec(tmp_path / "train.py", [tmp_path])

    assert spec is not None
    assert [parsed.name for parsed in spec.dataclasses] == ["TrainArgs"]
    assert spec.dataclasses[0].path == (tmp_path / "args.py").resolve()


def test_constant_assigned_twice_is_not_guessed(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "train.py": """
                from dataclasses import dataclass
                from transformers import HfArgumentParser, TrainingArguments

                STEPS = 100
                STEPS = 200
                WARMUP = 10

                @dataclass
                class Args(TrainingArguments):
                    save_steps: int = STEPS
                    warmup_steps: int = WARMUP

                HfArgumentParser(Args)
            """,
        },
    )

    spec = read_parser_spec(tmp_path / "train.py", [tmp_path])

    assert spec is not None
    defaults = spec.training_defaults()
    assert defaults["save_steps"].value == Unknown("STEPS")
    assert defaults["warmup_steps"].value == 10


def test_import_error_fallback_does_not_replace_the_import_tried_first(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "args.py": _ARGS_MODULE,
            "train.py": """
                from transformers import HfArgumentParser
                try:
                    from args import TrainArgs
                except ImportError:
                    TrainArgs = None

                HfArgumentParser(TrainArgs)
            """,
        },
    )

    spec = read_parser_spec(tmp_path / "train.py", [tmp_path])

    assert spec is not None
    assert spec.dataclasses[0].training_base == "TrainingArguments"


def test_import_cycle_is_noted_and_does_not_hang(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "a.py": "from b import Args\n",
            "b.py": "from a import Args\n",
            "train.py": """
                from transformers import HfArgumentParser
                from a import Args
                HfArgumentParser(Args)
            """,
        },
    )

    spec = read_parser_spec(tmp_path / "train.py", [tmp_path])

    assert spec is not None
    assert spec.dataclasses[0].fields == ()
    assert any("Args could not be resolved" in note for note in spec.notes)


def test_each_file_is_parsed_once_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(
        tmp_path,
        {
            "args.py": _ARGS_MODULE,
            "train.py": """
                from transformers import HfArgumentParser
                from args import TrainArgs
                HfArgumentParser(TrainArgs)
            """,
        },
    )
    forget_trees()  # texts an earlier test parsed (_ARGS_MODULE) are parsed here again
    parsed: list[str] = []
    real_parse = ast.parse

    def counting_parse(source: str | bytes, *args: object, **kwargs: object) -> ast.Module:
        parsed.append(str(source)[:40])
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    entry = tmp_path / "train.py"
    read_parser_spec(entry, [tmp_path])
    read_parser_spec(entry, [tmp_path])
    assert len(parsed) == 2

    args = tmp_path / "args.py"
    args.write_text(args.read_text().replace("= 50", "= 75"))
    stat = args.stat()
    os.utime(args, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    spec = read_parser_spec(entry, [tmp_path])

    assert len(parsed) == 3
    assert spec is not None
    assert spec.training_defaults()["save_steps"].value == 75


def test_two_reachable_parsers_make_the_spec_ambiguous(tmp_path: Path) -> None:
    """DeepKE shape: args/parser.py builds a training and an inference parser; inference.py
    reaches the latter, which kefix cannot tell statically, so it says so."""
    (tmp_path / "args").mkdir()
    (tmp_path / "args" / "__init__.py").write_text("")
    (tmp_path / "args" / "parser.py").write_text(
        "from dataclasses import dataclass\n"
        "from transformers import HfArgumentParser, Seq2SeqTrainingArguments\n\n"
        "@dataclass\nclass InferArguments:\n    input_file: str = 'in.json'\n\n"
        "def get_train_args():\n"
        "    return HfArgumentParser((Seq2SeqTrainingArguments,)).parse_args_into_dataclasses()\n\n"
        "def get_infer_args():\n"
        "    return HfArgumentParser((InferArguments,)).parse_args_into_dataclasses()\n"
    )
    entry = tmp_path / "inference.py"
    entry.write_text("from args.parser import get_infer_args\n\nargs = get_infer_args()\n")
    spec = read_parser_spec(entry, [tmp_path])
    assert spec is not None
    assert spec.ambiguous
    assert any("2 HfArgumentParser calls are reachable" in note for note in spec.notes)


# ----------------------------------------------------------------------------- trl configs


def test_trl_parser_over_trls_own_sft_config_names_the_trl_config(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "sft.py": """
                from trl import ModelConfig, ScriptArguments, SFTConfig, TrlParser

                if __name__ == "__main__":
                    parser = TrlParser((ScriptArguments, SFTConfig, ModelConfig))
                    script_args, training_args, model_args = parser.parse_args_and_config()
            """
        },
    )
    spec = read_parser_spec(root / "sft.py", [root])
    assert spec is not None
    assert [parsed.name for parsed in spec.dataclasses] == [
        "ScriptArguments",
        "SFTConfig",
        "ModelConfig",
    ]
    assert spec.trl_config == "SFTConfig"


def test_h4_argument_parser_over_a_src_layout_subclass_of_trls_dpo_config(tmp_path: Path) -> None:
    # alignment-handbook before TrlParser: H4ArgumentParser (an HfArgumentParser subclass whose
    # parse() reads `recipe.yaml --key=value`), its classes in src/alignment (pip install -e .).
    root = _project(
        tmp_path,
        {
            "src/alignment/__init__.py": """
                from .configs import DataArguments, DPOConfig, H4ArgumentParser, ModelArguments
            """,
            "src/alignment/configs.py": """
                from dataclasses import dataclass, field
                from typing import Optional

                import trl
                from transformers import HfArgumentParser


                class H4ArgumentParser(HfArgumentParser):
                    def parse(self):
                        return self.parse_yaml_file(sys.argv[1])


                @dataclass
                class ModelArguments:
                    model_name_or_path: Optional[str] = None


                @dataclass
                class DataArguments:
                    chat_template: Optional[str] = None


                @dataclass
                class DPOConfig(trl.DPOConfig):
                    hub_model_revision: Optional[str] = field(default="main")
                    logging_first_step: bool = field(default=True)
            """,
            "scripts/run_dpo.py": """
                from alignment import DataArguments, DPOConfig, H4ArgumentParser, ModelArguments


                def main():
                    parser = H4ArgumentParser((ModelArguments, DataArguments, DPOConfig))
                    model_args, data_args, training_args = parser.parse()
            """,
        },
    )
    spec = read_parser_spec(root / "scripts/run_dpo.py", [root])
    assert spec is not None
    assert spec.trl_config == "DPOConfig"
    assert spec.training_defaults()["logging_first_step"].value is True
    assert spec.notes == ()


def test_a_training_arguments_subclass_named_sft_config_is_no_trl_config(tmp_path: Path) -> None:
    # The first alignment-handbook SFTConfig extended transformers.TrainingArguments itself.
    root = _project(
        tmp_path,
        {
            "run_sft.py": """
                from dataclasses import dataclass

                import transformers
                from transformers import HfArgumentParser


                @dataclass
                class SFTConfig(transformers.TrainingArguments):
                    max_seq_length: int = 1024


                parser = HfArgumentParser((SFTConfig,))
            """
        },
    )
    spec = read_parser_spec(root / "run_sft.py", [root])
    assert spec is not None
    assert spec.has_training_arguments
    assert spec.trl_config is None
