"""Fixes written in Python the way the code around them is written: keywords placed and
formatted like their neighbours, dict entries in the dict's quotes, argv elements in pairs,
command strings edited inside their quotes; everything else byte for byte as it was."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.fix import FixOutcome, fix_file
from kefix.model import Launch
from kefix.resolve import Resolver
from kefix.sources import CannotRender
from kefix.sources.python import render
from kefix.sources.python.reader import read_python

HEADER = "from transformers import TrainingArguments\n\n"


def fix(source: str, *, unsafe: bool = True) -> FixOutcome:
    text = textwrap.dedent(source)
    path = Path("train.py")
    analysis = analyze_text(
        path, "train.py", text, Resolver([Path.cwd()]), Settings(), kind="python"
    )
    return fix_file(analysis, Resolver([Path.cwd()]), Settings(), include_unsafe=unsafe)


def fixed(source: str, *, unsafe: bool = True) -> str:
    outcome = fix(source, unsafe=unsafe)
    assert outcome.dropped == (), [drop.reason for drop in outcome.dropped]
    return outcome.final.text


def test_a_written_keyword_gets_its_new_value_in_place_with_comments_kept() -> None:
    before = HEADER + textwrap.dedent(
        """\
        args = TrainingArguments(
            output_dir="out",
            eval_strategy="no",
            save_strategy="epoch",  # once per epoch
            load_best_model_at_end=True,
        )
        """
    )
    assert fixed(before) == before.replace(
        'eval_strategy="no"', 'eval_strategy="epoch"'
    )  # the launch asks for the best model: evaluate on the save schedule


def test_a_last_keyword_without_trailing_comma_keeps_the_call_without_one() -> None:
    before = HEADER + 'args = TrainingArguments(\n    output_dir="out",\n    fp16=True\n)\n'
    after = fixed(before.replace("fp16=True", "fp16=True,\n    bf16=True").replace(",\n)", "\n)"))
    assert after == HEADER + 'args = TrainingArguments(\n    output_dir="out",\n    bf16=True\n)\n'


def test_inline_keywords_stay_inline_and_insertions_follow_the_anchor() -> None:
    before = (
        HEADER
        + "args = TrainingArguments('out', save_strategy='epoch', load_best_model_at_end=True)\n"
    )
    assert fixed(before) == before.replace(
        "save_strategy='epoch',", "save_strategy='epoch', eval_strategy='epoch',"
    )


def test_a_keyword_of_a_subclass_default_is_inserted_with_the_calls_spacing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "args.py").write_text(
        "from dataclasses import dataclass\nfrom transformers import TrainingArguments\n\n"
        "@dataclass\nclass Args(TrainingArguments):\n    load_best_model_at_end: bool = True\n"
    )
    monkeypatch.chdir(tmp_path)
    before = "from args import Args\n\nArgs(output_dir = 'out', save_strategy = 'epoch')\n"
    (tmp_path / "train.py").write_text(before)  # the class is looked up where the file imports it
    assert fixed(before, unsafe=False) == before.replace(
        "save_strategy = 'epoch'", "save_strategy = 'epoch', load_best_model_at_end = False"
    )


def test_dict_literal_entries_are_renamed_and_added_in_the_dicts_style() -> None:
    before = HEADER + textwrap.dedent(
        """\
        def main():
            config = {
                'output_dir': 'out',
                'evaluation_strategy': 'epoch',
                'save_strategy': 'steps',
                'load_best_model_at_end': True,
            }
            return TrainingArguments(**config)
        """
    )
    # Renamed first (safe), then aligned with the save schedule: every 500 steps (the default).
    assert fixed(before) == before.replace(
        "'evaluation_strategy': 'epoch',",
        "'eval_strategy': 'steps',\n        'eval_steps': 500,",
    )


def test_dict_call_keywords_are_removed_cleanly() -> None:
    before = HEADER + textwrap.dedent(
        """\
        kwargs = dict(
            output_dir="out",
            overwrite_output_dir=True,  # start over
            num_train_epochs=1,
        )
        TrainingArguments(**kwargs)
        """
    )
    assert fixed(before) == before.replace("    overwrite_output_dir=True,  # start over\n", "")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("TrainingArguments('out', overwrite_output_dir=True)", "TrainingArguments('out')"),
        (
            "TrainingArguments(overwrite_output_dir=True, output_dir='o')",
            "TrainingArguments(output_dir='o')",
        ),
        (
            "TrainingArguments('o', overwrite_output_dir=True, fp16=True)",
            "TrainingArguments('o', fp16=True)",
        ),
        ("TrainingArguments('out', overwrite_output_dir=True,)", "TrainingArguments('out',)"),
        ("TrainingArguments(overwrite_output_dir=True)", "TrainingArguments()"),
    ],
)
def test_inline_removal_takes_exactly_one_separator(call: str, expected: str) -> None:
    assert fixed(HEADER + call + "\n") == HEADER + expected + "\n"


def test_an_argv_list_with_a_pair_per_line_gets_a_new_pair_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(
        "from dataclasses import dataclass\n"
        "from transformers import HfArgumentParser, TrainingArguments\n\n"
        "@dataclass\nclass Best(TrainingArguments):\n    load_best_model_at_end: bool = True\n\n"
        "HfArgumentParser(Best).parse_args_into_dataclasses()\n"
    )
    monkeypatch.chdir(tmp_path)
    before = textwrap.dedent(
        """\
        import subprocess

        subprocess.run(
            [
                'python', 'src/train.py',
                '--output_dir', 'out',
                '--save_strategy', 'epoch',
                '--evaluation_strategy', 'no',
            ],
            check=True,
        )
        """
    )
    assert fixed(before, unsafe=False) == before.replace(
        "'--save_strategy', 'epoch',\n        '--evaluation_strategy', 'no',\n",
        "'--save_strategy', 'epoch',\n        '--load_best_model_at_end', 'False',\n"
        "        '--eval_strategy', 'no',\n",
    )


def test_an_inline_argv_list_gets_inline_elements_and_loses_whole_pairs() -> None:
    before = (
        "import subprocess\n"
        'subprocess.run(["python", "train.py", "--output_dir", "o", "--fp16", "--bf16", '
        '"--logging_steps", "0"])\n'
    )
    after = fixed(before)
    assert after == before.replace('"--fp16", ', "")


def test_equals_words_in_argv_lists_are_edited_inside_their_quotes() -> None:
    before = (
        "import subprocess\n"
        'subprocess.run(["python", "t.py", "--output_dir=o", "--evaluation_strategy=epoch"])\n'
    )
    assert fixed(before) == before.replace("--evaluation_strategy=", "--eval_strategy=")


def test_a_command_string_is_edited_in_the_other_quote_character() -> None:
    before = "import os\nos.system(\"python train.py --output_dir 'out' --fp16 --bf16\")\n"
    assert fixed(before) == "import os\nos.system(\"python train.py --output_dir 'out' --bf16\")\n"


def test_a_fix_needing_escapes_in_a_command_string_is_refused_not_mangled() -> None:
    text = 'import os\nos.system("python train.py --output_dir \\"o u t\\" --fp16")\n'
    # Escapes inside the string: kefix does not read it as a launch at all.
    assert read_python("train.py", text).parsed.launches == ()


def _launch(text: str) -> Launch:
    (launch,) = read_python("train.py", text).parsed.launches
    return launch


def test_renaming_a_positional_argument_cannot_be_rendered() -> None:
    text = HEADER + "TrainingArguments('out')\n"
    launch = _launch(text)
    with pytest.raises(CannotRender):
        render.rename_arg(text, launch, launch.args[0], "run_name")


def test_removing_an_element_would_not_take_a_comment_along() -> None:
    text = HEADER + "TrainingArguments(output_dir='o',  # where\n    fp16=True, bf16=True)\n"
    launch = _launch(text)
    with pytest.raises(CannotRender):
        render.remove_arg(text, launch, launch.args[0])


def test_values_become_literals_of_the_fields_type() -> None:
    assert render.python_literal("eval_steps", "200", '"') == "200"
    assert render.python_literal("learning_rate", "2e-5", '"') == "2e-5"
    assert render.python_literal("fp16", "false", '"') == "False"
    assert render.python_literal("load_best_model_at_end", True, '"') == "True"
    assert render.python_literal("eval_strategy", "epoch", "'") == "'epoch'"
    assert render.python_literal("run_name", 'say "hi"', '"') == "'say \"hi\"'"


def test_insert_into_an_empty_call_and_after_an_opaque_splat() -> None:
    text = HEADER + "TrainingArguments()\nTrainingArguments(**kw)\n"
    first, second = read_python("train.py", text).parsed.launches
    edits = render.insert_arg(text, first, None, "fp16", False)
    assert [edit.text for edit in edits] == ["fp16=False"]
    edits = render.insert_arg(text, second, None, "fp16", False)
    assert [(text[edit.span.start - 4 : edit.span.start], edit.text) for edit in edits] == [
        ("**kw", ", fp16=False")
    ]
