"""The Python adapter's reading: which calls and commands are launches, and what their
arguments are (values typed as written, Unknown where not literal, opaque where unseen)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kefix.model import ArgStyle, Launch, TypedValue, Unknown
from kefix.sources.python.reader import read_python


def launches(source: str, path: str = "train.py") -> tuple[Launch, ...]:
    return read_python(path, textwrap.dedent(source)).parsed.launches


def only(source: str, path: str = "train.py") -> Launch:
    (launch,) = launches(source, path)
    return launch


def typed(launch: Launch) -> dict[str, object]:
    return {arg.name: arg.typed.value for arg in launch.args if arg.typed is not None}


def written(source: str, launch: Launch, what: str = "span") -> list[str]:
    text = textwrap.dedent(source)
    return [text[getattr(arg, what).start : getattr(arg, what).end] for arg in launch.args]


@pytest.mark.parametrize(
    ("source", "entry"),
    [
        ("from transformers import TrainingArguments\nTrainingArguments(fp16=True)\n", "Training"),
        ("from transformers import TrainingArguments as TA\nTA(fp16=True)\n", "Training"),
        ("import transformers\ntransformers.TrainingArguments(fp16=True)\n", "Training"),
        ("import transformers as tf\ntf.Seq2SeqTrainingArguments(fp16=True)\n", "Seq2Seq"),
        (
            "from transformers.training_args import TrainingArguments\n"
            "TrainingArguments(fp16=True)\n",
            "Training",
        ),
        ("from trl import SFTConfig\nSFTConfig(fp16=True)\n", "SFT"),
        ("import trl\ntrl.DPOConfig(fp16=True)\n", "DPO"),
        ("from transformers import *\nTrainingArguments(fp16=True)\n", "Training"),
    ],
)
def test_training_classes_are_found_however_imported(source: str, entry: str) -> None:
    launch = only(source)
    assert launch.entry_kind == "call"
    assert (launch.entry or "").rsplit(".", 1)[-1].startswith(entry)
    assert typed(launch) == {"fp16": True}


def test_a_same_named_class_from_elsewhere_is_not_a_launch() -> None:
    assert launches("from mylib import TrainingArgs\nTrainingArgs(fp16=True)\n") == ()
    assert launches("from mylib import SFTConfig\nSFTConfig(fp16=True)\n") == ()


def test_a_subclass_defined_in_the_file_is_a_launch_named_by_the_callee() -> None:
    launch = only(
        """
        from dataclasses import dataclass
        from transformers import TrainingArguments

        @dataclass
        class MyArguments(TrainingArguments):
            lora_rank: int = 8

        @dataclass
        class MoreArguments(MyArguments):
            pass

        MoreArguments(output_dir="out", lora_rank=16)
        """
    )
    assert (launch.launcher, launch.entry) == ("MoreArguments", "MoreArguments")
    assert typed(launch) == {"output_dir": "out", "lora_rank": 16}


def test_a_project_subclass_imported_from_another_file_is_a_launch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "args.py").write_text(
        "import transformers\n\n"
        "class FinetuneArguments(transformers.Seq2SeqTrainingArguments):\n    pass\n"
    )
    script = tmp_path / "finetune.py"
    script.write_text("from utils.args import FinetuneArguments\nFinetuneArguments(bf16=True)\n")
    monkeypatch.chdir(tmp_path)
    launch = only(script.read_text(), path="finetune.py")
    assert (launch.launcher, launch.entry) == ("FinetuneArguments", "FinetuneArguments")


def test_keyword_values_are_typed_as_written_and_flag_words_follow() -> None:
    source = """
        from transformers import TrainingArguments

        LR = 2e-5
        NAME = "out/" "bert"
        TrainingArguments(
            output_dir=NAME,
            learning_rate=LR,
            fp16=False,
            eval_steps=None,
            warmup_steps=-10,
            report_to=["wandb", "tensorboard"],
            logging_steps="10",
        )
        """
    launch = only(source)
    assert typed(launch) == {
        "output_dir": "out/bert",
        "learning_rate": 2e-5,
        "fp16": False,
        "eval_steps": None,
        "warmup_steps": -10,
        "report_to": ("wandb", "tensorboard"),
        "logging_steps": "10",
    }
    assert [arg.values for arg in launch.args] == [
        ("out/bert",),
        ("2e-05",),
        ("False",),
        ("None",),
        ("-10",),
        ("wandb", "tensorboard"),
        ("10",),
    ]
    assert {arg.style for arg in launch.args} == {ArgStyle.KEYWORD}
    assert written(source, launch, "flag_span")[:2] == ["output_dir", "learning_rate"]
    assert written(source, launch)[1] == "learning_rate=LR"


def test_values_that_are_not_literals_or_constants_are_unknown() -> None:
    launch = only(
        """
        from transformers import TrainingArguments

        LR = 2e-5
        LR = 3e-5  # bound twice: no longer a constant

        def build(output_dir, epochs):
            steps = 100  # a local variable, not a module constant
            return TrainingArguments(
                output_dir=output_dir,
                num_train_epochs=epochs * 2,
                learning_rate=LR,
                save_steps=steps,
                run_name=f"run-{epochs}",
            )
        """
    )
    values = typed(launch)
    assert all(isinstance(value, Unknown) for value in values.values())
    assert values["num_train_epochs"] == Unknown("epochs * 2")


def test_the_first_positional_argument_is_output_dir_and_further_ones_are_opaque() -> None:
    source = 'from transformers import TrainingArguments\nTrainingArguments("out", 8, fp16=True)\n'
    launch = only(source)
    assert typed(launch) == {"output_dir": "out", "fp16": True}
    assert [source[s.start : s.end] for s in launch.opaque] == ["8"]
    assert launch.args[0].flag_span.start == launch.args[0].flag_span.end  # nothing to rename


def test_kwargs_from_a_dict_in_the_same_scope_are_read_through() -> None:
    source = """
        from transformers import TrainingArguments

        def main():
            literal = {"output_dir": "out", "fp16": True}
            built = dict(save_strategy="epoch", save_steps=100)
            TrainingArguments(**literal, learning_rate=1e-4)
            TrainingArguments(**built)
        """
    first, second = launches(source)
    assert typed(first) == {"output_dir": "out", "fp16": True, "learning_rate": 1e-4}
    assert written(source, first, "flag_span")[:2] == ['"output_dir"', '"fp16"']
    assert first.opaque == ()
    assert typed(second) == {"save_strategy": "epoch", "save_steps": 100}


@pytest.mark.parametrize(
    ("body", "opaque"),
    [
        ("TrainingArguments(**vars(args))", "**vars(args)"),
        ("kw = {'fp16': True}\n    kw['bf16'] = True\n    TrainingArguments(**kw)", "**kw"),
        ("kw = {'fp16': True}\n    TrainingArguments(**kw)\n    TrainingArguments(**kw)", "**kw"),
        ("kw = dict(base, fp16=True)\n    TrainingArguments(**kw)", "base"),
        ("TrainingArguments(*positional)", "*positional"),
        ("TrainingArguments(**{**base, 'fp16': True})", "**base"),
    ],
)
def test_kwargs_kefix_cannot_see_through_make_the_launch_opaque(body: str, opaque: str) -> None:
    header = "from transformers import TrainingArguments\n\ndef main(args, base, positional):\n"
    source = f"{header}    {body}\n"
    found = read_python("train.py", source).parsed.launches
    assert found
    assert opaque in [source[s.start : s.end] for s in found[0].opaque]


def test_subprocess_argv_lists_are_launches_read_with_the_launcher_table() -> None:
    source = """
        import subprocess
        from subprocess import check_call as run_it

        GPUS = "4"

        def main(lr):
            cmd = ["torchrun", "--nproc_per_node", GPUS, "src/train.py", "--output_dir", "out",
                   "--learning_rate", str(lr), "--fp16", f"--run_name=lr{lr}", "--eval_strategy=no"]
            subprocess.run(cmd, check=True, cwd="scripts")
            run_it(("deepspeed", "train.py", "--deepspeed", "ds.json"))
        """
    first, second = launches(source)
    assert (first.launcher, first.entry, first.workdir_hints) == (
        "torchrun",
        "src/train.py",
        ("scripts",),
    )
    assert [(arg.name, arg.values, arg.style) for arg in first.args] == [
        ("output_dir", ("out",), ArgStyle.SPACE),
        ("learning_rate", (Unknown("str(lr)"),), ArgStyle.SPACE),
        ("fp16", (), ArgStyle.BARE),
        ("run_name", (Unknown("lr{lr}"),), ArgStyle.EQUALS),
        ("eval_strategy", ("no",), ArgStyle.EQUALS),
    ]
    # the flag and value of "--eval_strategy=no" are the characters inside its quotes
    assert written(source, first, "flag_span")[-1] == "--eval_strategy"
    assert written(source, first, "span")[0] == '"--output_dir", "out"'
    assert (second.launcher, second.entry) == ("deepspeed", "train.py")


def test_a_list_used_elsewhere_is_opaque_and_a_string_without_shell_is_no_launch() -> None:
    source = """
        import subprocess

        cmd = ["python", "train.py", "--fp16"]
        cmd.append("--bf16")
        subprocess.run(cmd)
        subprocess.run("python train.py --fp16")
        """
    launch = only(source)
    assert [arg.name for arg in launch.args] == ["fp16"]
    assert len(launch.opaque) == 1


def test_command_strings_go_through_the_bash_adapter_with_spans_in_the_python_file() -> None:
    source = """
        import os
        import subprocess

        CMD = "python train.py --output_dir out --fp16"
        os.system("torchrun --nproc_per_node 2 train.py --bf16 --logging_steps 10")
        subprocess.call(CMD, shell=True)
        os.system("python train.py --lr \\\\x")  # escapes: the characters are not the value
        os.system(f"python train.py --lr {1}")  # not a plain literal
        """
    # In file order: the constant's string comes first.
    constant, direct = launches(source)
    text = textwrap.dedent(source)
    assert (direct.launcher, [a.name for a in direct.args]) == (
        "torchrun",
        ["bf16", "logging_steps"],
    )
    assert [text[a.span.start : a.span.end] for a in direct.args] == [
        "--bf16",
        "--logging_steps 10",
    ]
    assert [text[a.span.start : a.span.end] for a in constant.args] == [
        "--output_dir out",
        "--fp16",
    ]


def test_parser_inputs_launch_the_file_itself() -> None:
    source = """
        import sys
        from transformers import HfArgumentParser, TrainingArguments

        parser = HfArgumentParser(TrainingArguments)
        parser.parse_args_into_dataclasses(args=["--output_dir", "a", "--fp16"])
        parser.parse_dict({"output_dir": "b", "bf16": True})
        parser.parse_dict({"output_dir": "c"}, allow_extra_keys=True)
        sys.argv = ["train.py", "--output_dir", "d"]
        sys.argv += ["--do_eval"]
        training_args, = parser.parse_args_into_dataclasses()
        """
    found = launches(source, path="scripts/train.py")
    assert [(launch.launcher, launch.entry) for launch in found] == [
        ("parse_args_into_dataclasses", "train.py"),
        ("parse_dict", "train.py"),
        ("sys.argv", "train.py"),
        ("sys.argv", "train.py"),
    ]
    assert [[arg.name for arg in launch.args] for launch in found] == [
        ["output_dir", "fp16"],
        ["output_dir", "bf16"],
        ["output_dir"],
        ["do_eval"],
    ]
    assert found[1].args[1].typed == TypedValue(True)
    assert found[2].opaque == ()
    assert len(found[3].opaque) == 1  # added to a command line kefix cannot see


def test_sys_argv_set_without_a_parser_reading_it_is_no_launch() -> None:
    assert launches('import sys\nsys.argv = ["x", "--fp16"]\nmain()\n') == ()


def test_launches_are_numbered_in_file_order_across_kinds() -> None:
    found = launches(
        """
        import subprocess
        from transformers import TrainingArguments

        subprocess.run(["python", "train.py", "--fp16"])
        args = TrainingArguments(output_dir="out")
        """
    )
    assert [(launch.ordinal, launch.entry_kind) for launch in found] == [(0, "script"), (1, "call")]


def test_a_file_that_mentions_no_launch_word_is_not_parsed() -> None:
    source = "def f(:\n    pass\n"  # not even Python
    assert read_python("util.py", source).parsed.problems == ()
    broken = "from transformers import TrainingArguments\nTrainingArguments(fp16=True\n"
    (problem,) = read_python("train.py", broken).parsed.problems
    assert problem.code == "KF901"
    assert problem.message.startswith("could not parse this Python file")


def test_comments_are_listed_for_suppression_directives() -> None:
    source = "from transformers import TrainingArguments  # one\nTrainingArguments()  # two\n"
    comments = read_python("train.py", source).parsed.comments
    assert [source[s.start : s.end] for s in comments] == ["# one", "# two"]


def test_spans_count_characters_not_bytes() -> None:
    source = (
        'from transformers import TrainingArguments\nTrainingArguments(run_name="é", fp16=True)\n'
    )
    launch = only(source)
    fp16 = launch.args[1]
    assert source[fp16.span.start : fp16.span.end] == "fp16=True"


def test_the_reader_needs_no_file_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert only("import transformers\ntransformers.TrainingArguments()\n", "gone/x.py").args == ()


def test_suppression_comments_work_on_python_lines() -> None:
    from kefix.analyze import analyze_text
    from kefix.config import Settings
    from kefix.resolve import Resolver

    source = textwrap.dedent(
        """\
        from transformers import TrainingArguments

        a = TrainingArguments(output_dir="a", fp16=True, bf16=True)  # kefix: ignore[KF201]
        # kefix: ignore[KF201]
        b = TrainingArguments(
            output_dir="b",
            fp16=True,
            bf16=True,
        )
        c = TrainingArguments(output_dir="c", fp16=True, bf16=True)
        """
    )
    resolver = Resolver([Path.cwd()])
    analysis = analyze_text(Path("t.py"), "t.py", source, resolver, Settings(), kind="python")
    assert [(f.code, f.launch.ordinal if f.launch else None) for f in analysis.findings] == [
        ("KF201", 2)
    ]


def test_a_file_without_any_word_of_the_precheck_is_not_even_screened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kefix.sources.python import reader

    def screened(text: str, known: frozenset[str]) -> None:
        raise AssertionError("screened")

    monkeypatch.setattr(reader, "screen", screened)
    assert read_python("util.py", "import json\n\ndef f(:\n").parsed.problems == ()
    with pytest.raises(AssertionError, match="screened"):
        read_python("util.py", "import subprocess\n")


def test_the_cheap_gate_lets_through_every_word_the_precheck_looks_for() -> None:
    from kefix.knowledge.training_classes import TRAINING_CLASS_NAMES
    from kefix.sources.python.precheck import PARSER_METHODS
    from kefix.sources.python.reader import _may_mention_ingredients

    for word in (*TRAINING_CLASS_NAMES, *PARSER_METHODS, "subprocess", "os.system"):
        assert _may_mention_ingredients(f"x = {word}\n"), word


def test_the_project_root_is_looked_up_once_per_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from kefix.resolve import filesystem
    from kefix.sources.python.subclasses import project_root

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    looked: list[object] = []
    stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, **kw: looked.append(path) or stat(path, **kw))
    with filesystem.snapshot():  # as during a run
        assert project_root(tmp_path / "src" / "deep" / "a.py") == tmp_path
        assert looked  # the markers were looked for
        looked.clear()
        assert project_root(tmp_path / "src" / "deep" / "b.py") == tmp_path
        assert looked == []


@pytest.mark.parametrize("read_with", ["ast", "libcst"])
def test_a_command_string_bash_cannot_read_is_a_finding_where_the_string_is(read_with: str) -> None:
    # It used to raise NameError (a local name shadowed the span-shifting helper).
    import ast

    from kefix.sources.python import reader
    from kefix.sources.python.precheck import screen
    from kefix.sources.python.quick import read_launches

    text = "import os\nos.system('torchrun train.py $(')\n"
    if read_with == "ast":
        found, problems, _ = read_launches("run.py", text, frozenset(), ast.parse(text))
        assert found == []
    else:
        problems = list(
            reader._read_with_libcst(
                "run.py", text, frozenset(), screen(text, frozenset()).tree
            ).parsed.problems
        )
    (problem,) = problems
    assert problem.code == "KF901"
    assert text[problem.span.start : problem.span.end] == "torchrun train.py"
