"""Hypothesis strategies for the non-bash sources: Python calls, YAML, JSON and notebooks.

Built from the real TrainingArguments fields with the values the rules act on drawn often, in
every layout people write (one keyword per line or inline, trailing commas, comments, ``**``
dicts, argv lists, block and flow YAML, any JSON indentation), with garbage spliced in.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from kefix.knowledge.training_args import training_fields

FIELDS = sorted(training_fields())
RULE_FIELDS = [
    "fp16",
    "bf16",
    "load_best_model_at_end",
    "eval_strategy",
    "evaluation_strategy",
    "save_strategy",
    "save_steps",
    "eval_steps",
    "metric_for_best_model",
    "output_dir",
]
SCALARS = ["True", "False", "no", "epoch", "steps", "500", "200", "1e-4", "-1", "None", "中文", ""]
GARBAGE = ['"', "'", "(", ")", "[", "{", "}", ":", ",", "\\", "\t", "\x00", "\udcff", "\ufeff", "#"]

_field = st.sampled_from(RULE_FIELDS) | st.sampled_from(FIELDS)


def splice_garbage(draw: st.DrawFn, text: str) -> str:
    if draw(st.booleans()):
        garbage = draw(st.text(max_size=6) | st.sampled_from(GARBAGE))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + garbage + text[at:]
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    return text


def _python_literal(draw: st.DrawFn) -> str:
    value = draw(st.sampled_from(SCALARS))
    if value in ("True", "False", "None") or value.lstrip("-").replace("e-", "").isdigit():
        return value
    return draw(
        st.sampled_from(
            [
                repr(value),
                json.dumps(value, ensure_ascii=False),
                "LR",
                "cfg.lr",
                f'f"{{x}}{value}"',
                '["wandb"]',
                "3 * 2",
            ]
        )
    )


@st.composite
def python_calls(draw: st.DrawFn) -> str:
    """A module that builds TrainingArguments (or a trl config) one of the ways people do."""
    header, name = draw(
        st.sampled_from(
            [
                ("from transformers import TrainingArguments\n", "TrainingArguments"),
                ("from transformers import TrainingArguments as TA\n", "TA"),
                ("import transformers\n", "transformers.TrainingArguments"),
                ("from transformers import Seq2SeqTrainingArguments\n", "Seq2SeqTrainingArguments"),
                ("from trl import SFTConfig\n", "SFTConfig"),
            ]
        )
    )
    keywords = [f"{draw(_field)}={_python_literal(draw)}" for _ in range(draw(st.integers(0, 8)))]
    comment = draw(st.sampled_from(["", "  # tuned on 8xA100", "  # kefix: ignore[KF010]"]))
    if draw(st.booleans()):
        body = ",\n    ".join(keywords) + draw(st.sampled_from([",", ""]))
        call = f"{name}(\n    {body}{comment}\n)"
    else:
        call = f"{name}({', '.join(keywords)}){comment}"
    text = header + "LR = 2e-5\n"
    shape = draw(st.sampled_from(["plain", "kwargs", "dict", "argv", "subprocess"]))
    if shape == "kwargs":
        pairs = ", ".join(f'"{k.partition("=")[0]}": {k.partition("=")[2]}' for k in keywords)
        text += f"training_kwargs = {{{pairs}}}\nargs = {name}(**training_kwargs)\n"
    elif shape == "dict":
        text += f"training_kwargs = dict({', '.join(keywords)})\nargs = {name}(**training_kwargs)\n"
    elif shape in ("argv", "subprocess"):
        words = ["torchrun", "--nproc_per_node", "2", "src/train.py"]
        for keyword in keywords:
            key, _, value = keyword.partition("=")
            words += [f"--{key}", value.strip("\"'")]
        argv = json.dumps(words, ensure_ascii=False)
        text += "import subprocess\n" + (
            f"subprocess.run({argv}, check=True)\n"
            if shape == "subprocess"
            else f"subprocess.run(' '.join({argv}), shell=True)\n"
        )
    else:
        text += f"training_args = {call}\n"
    return splice_garbage(draw, text)


def _yaml_scalar(draw: st.DrawFn) -> str:
    value = draw(st.sampled_from([*SCALARS, "true", "false", "null", "[wandb, tensorboard]"]))
    return draw(st.sampled_from([value, f'"{value}"', f"'{value}'"]))


@st.composite
def yaml_configs(draw: st.DrawFn) -> str:
    """A training config in YAML, LLaMA-Factory-style (block) or with flow pieces."""
    lines = ["### method", "stage: sft", "do_train: true"]
    for _ in range(draw(st.integers(0, 8))):
        line = f"{draw(_field)}: {_yaml_scalar(draw)}"
        line += draw(st.sampled_from(["", "  # why", " #no space"]))
        lines.append(line)
    if draw(st.booleans()):
        lines.append("deepspeed: examples/deepspeed/ds_z2_config.json")
    if draw(st.booleans()):
        lines.append("nested: {a: 1, b: [x, y]}")
    if draw(st.integers(0, 5)) == 0:
        lines += ["---", "other: &anchor 1", "again: *anchor"]
    text = "\n".join(lines) + draw(st.sampled_from(["\n", ""]))
    return splice_garbage(draw, text)


@st.composite
def json_configs(draw: st.DrawFn) -> str:
    """A HfArgumentParser JSON config (or a DeepSpeed-like one) at any indentation."""
    values: dict[str, object] = {"model_name_or_path": "Qwen/Qwen2-7B"}
    for _ in range(draw(st.integers(1, 8))):
        values[draw(_field)] = draw(
            st.sampled_from([True, False, None, 500, 1e-4, "steps", "epoch", "no", ["wandb"]])
        )
    if draw(st.booleans()):
        values["fp16"] = {"enabled": draw(st.sampled_from([True, False, "auto"]))}
    indent = draw(st.sampled_from([None, 1, 2, 4, "\t"]))
    text = json.dumps(values, indent=indent, ensure_ascii=draw(st.booleans()))
    return splice_garbage(draw, text + draw(st.sampled_from(["\n", ""])))


@st.composite
def notebooks(draw: st.DrawFn) -> str:
    """A Jupyter notebook mixing markdown, Python cells, ``!torchrun`` lines and ``%%bash``."""
    cells: list[dict[str, object]] = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tune\n", "With LoRA."]}
    ]
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["python", "shell", "bash"]))
        if kind == "python":
            source = draw(python_calls())
        else:
            flags = " ".join(
                f"--{draw(_field)} {draw(st.sampled_from(SCALARS)) or '0'}"
                for _ in range(draw(st.integers(0, 6)))
            )
            launch = f"torchrun --nproc_per_node 2 src/train.py {flags}"
            source = f"!{launch}\n" if kind == "shell" else f"%%bash\n{launch}\n"
        lines = source.splitlines(keepends=True)
        cells.append(
            {
                "cell_type": "code",
                "execution_count": draw(st.none() | st.integers(1, 40)),
                "metadata": {"id": f"cell{index}"},
                "outputs": [],
                "source": lines if draw(st.booleans()) else source,
            }
        )
    notebook = {"cells": cells, "metadata": {"colab": {}}, "nbformat": 4, "nbformat_minor": 0}
    text = json.dumps(notebook, indent=draw(st.sampled_from([1, 2])), ensure_ascii=False)
    if draw(st.integers(0, 3)) == 0:
        return splice_garbage(draw, text)
    return text + "\n"
