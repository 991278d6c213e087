"""The pre-check: which Python files are worth reading with libcst (a false "maybe" costs time,
a false "no" costs a missed launch, so the no-cases are the ones to pin down)."""

from __future__ import annotations

import pytest

from kefix.sources.python.precheck import may_hold_a_launch


@pytest.mark.parametrize(
    "text",
    [
        "from transformers import TrainingArguments\nargs = TrainingArguments(output_dir='o')\n",
        "import transformers as tf\ntf.Seq2SeqTrainingArguments('o')\n",
        "from transformers import TrainingArguments as TA\nTA('o')\n",
        "from trl import SFTConfig\nSFTConfig(output_dir='o')\n",
        "from transformers import TrainingArguments\n"
        "class Mine(TrainingArguments):\n    pass\nMine('o')\n",
        "parser.parse_dict({'output_dir': 'o'})\n",
        "parser.parse_args_into_dataclasses(args=['--output_dir', 'o'])\n",
        "import sys\nsys.argv = ['t.py', '--fp16']\nparser.parse_args_into_dataclasses()\n",
        "import subprocess\nsubprocess.run(['torchrun', 'train.py', '--fp16'])\n",
        "import subprocess, sys\nsubprocess.run([sys.executable, 'train.py'])\n",
        "import subprocess\ncmd = ['python', 'train.py']\nsubprocess.run(cmd)\n",
        "import os\nos.system('CUDA_VISIBLE_DEVICES=0 python train.py --fp16')\n",
    ],
)
def test_files_that_may_launch_are_read(text: str) -> None:
    assert may_hold_a_launch(text, frozenset())


@pytest.mark.parametrize(
    "text",
    [
        "import json\n\ndef load(path):\n    return json.load(path)\n",
        # Mentions, but no call a launch could be made of.
        '"""Uses TrainingArguments under the hood."""\nimport transformers\n',
        "from transformers import PretrainedConfig\n"
        "class NetConfig(PretrainedConfig):\n    pass\nNetConfig()\n",
        "import subprocess\nsubprocess.run(['git', 'status'])  # not a python launcher\n",
        "import subprocess\nsubprocess.run('ls -l', shell=True)\n",
        "def f(:\n    pass\n",  # not Python, and nothing about training
    ],
)
def test_files_that_cannot_launch_are_not_read(text: str) -> None:
    assert not may_hold_a_launch(text, frozenset())


def test_a_project_subclass_called_under_its_own_name_is_read() -> None:
    text = "from utils.args import FinetuneArguments\nFinetuneArguments(output_dir='o')\n"
    assert not may_hold_a_launch(text, frozenset())
    assert may_hold_a_launch(text, frozenset({"FinetuneArguments"}))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("x = " + "(" * 300 + "1" + ")" * 300, "too many nested parentheses"),
        ("x = " + "+".join(["a"] * 30_000), "nested too deeply"),  # crashes libcst's parser
        ('print "hello"', "Missing parentheses in call to 'print'"),
        ("x = 1\x00", "null bytes"),
    ],
)
def test_text_python_cannot_parse_never_reaches_libcst_and_is_one_kf901(
    body: str, problem: str
) -> None:
    from kefix.sources.python.reader import read_python

    text = f"from transformers import TrainingArguments\n{body}\nTrainingArguments(fp16=True)\n"
    (finding,) = read_python("train.py", text).parsed.problems
    assert finding.code == "KF901"
    assert problem in finding.message


def test_a_tree_too_deep_for_libcst_visitors_is_one_kf901_not_a_crash() -> None:
    from kefix.sources.python.reader import read_python

    text = "from transformers import TrainingArguments\nx = " + "[" * 190 + "]" * 190
    text += "\nTrainingArguments(fp16=True, bf16=True)\n"
    parsed = read_python("train.py", text).parsed
    assert [problem.code for problem in parsed.problems] == ["KF901"]
