"""The Python verifier: after a fix, the module must read as before outside the launch's
arguments (Python's own parser decides), and no comment may vanish but an argument's own."""

from __future__ import annotations

from kefix.model import Launch, SetArg
from kefix.sources.python.reader import read_python
from kefix.sources.python.verify import structural_difference

BEFORE = """\
from transformers import TrainingArguments

# the main run
args = TrainingArguments(
    output_dir="out",
    fp16=True,  # V100s
    save_steps=500,
)
other = dict(learning_rate=1e-4)
"""


def _launch(text: str) -> Launch:
    (launch,) = read_python("train.py", text).parsed.launches
    return launch


def difference(after: str) -> str:
    return structural_difference(
        BEFORE, after, _launch(BEFORE), _launch(after), (SetArg("save_steps", "1000"),)
    )


def test_a_change_inside_the_launchs_arguments_passes() -> None:
    assert difference(BEFORE.replace("save_steps=500", "save_steps=1000")) == ""
    assert difference(BEFORE.replace("save_steps=500,", "save_steps=500,\n    bf16=False,")) == ""


def test_removing_an_argument_with_its_own_comment_passes() -> None:
    assert difference(BEFORE.replace("    fp16=True,  # V100s\n", "")) == ""


def test_a_change_anywhere_else_is_named() -> None:
    assert difference(BEFORE.replace("learning_rate=1e-4", "learning_rate=2e-4")) == (
        "the fix would change the Python code outside the launch's arguments"
    )
    assert difference(BEFORE.replace("args = ", "arguments = ")) != ""


def test_a_lost_or_added_comment_is_named() -> None:
    assert difference(BEFORE.replace("# the main run\n", "")) == "the fix would remove a comment"
    assert difference(BEFORE.replace("fp16=True,", "fp16=True,  # new")) != ""


def test_text_python_cannot_parse_is_named() -> None:
    after = BEFORE.replace("save_steps=500,", "save_steps=500,,")
    launch = _launch(BEFORE)
    assert structural_difference(BEFORE, after, launch, launch, ()) != ""


def test_a_command_string_must_keep_its_other_commands() -> None:
    before = 'import os\nos.system("cd src && python train.py --fp16 --bf16")\n'
    after = 'import os\nos.system("cd lib && python train.py --bf16")\n'
    old = read_python("run.py", before).parsed.launches[0]
    new = read_python("run.py", after).parsed.launches[0]
    assert "another command" in structural_difference(before, after, old, new, ())
