"""Benchmark kefix on generated monorepo trees, side by side with shellcheck (issue 8).

Usage:
  python scripts/bench.py [run] [--sizes 1000,10000] [--runs 3] [--seed 0] [--work DIR]
  python scripts/bench.py tree --files N [--seed S] OUT
  python scripts/bench.py threshold [--counts 8,16,32,64,128] [--runs 5]
  python scripts/bench.py profile [--files 10000] [--out docs/profiles]   (needs pyinstrument)

``tree`` writes a deterministic tree shaped like a real ML monorepo: per 10,000 files, 1,000
launch scripts in the shapes of 887 real ones (torchrun, deepspeed, accelerate, python -m,
llamafactory-cli and swift launches; comment headers, exported variables, loops, a second
evaluation launch; a third with findings, mostly renamed or removed flags, as in the real
ones), 300 Python files that parse TrainingArguments with HfArgumentParser (the launched entry
scripts, some with a shared ``src/utils/args.py``) or build them in code, 200 YAML/JSON configs,
and unrelated Python, shell, YAML, JSON, Markdown and notebooks. Same size and seed, same bytes.
All text is synthetic.

``run`` (the default) builds a tree per size in a temporary directory and measures, each in a
fresh process, side by side: ``shellcheck`` on the tree's launch scripts alone (when installed),
a cold ``kefix`` (empty cache), a warm one (the same tree again), and a cold one with
``--no-cache``; wall clock (median of ``--runs``), peak RSS of the largest process (GNU
``/usr/bin/time -v``, children included) and the peak of the summed PSS of the process tree
(kefix's workers included, shared pages counted once). Then a cold single-file run against
``python -c "import click"`` plus the parse of that file. Prints tables; asserts nothing.

``threshold`` times the check of N launch scripts in one process and in a pool of two, to
choose ``kefix.runner.POOL_THRESHOLD``. ``profile`` writes pyinstrument profiles of a cold and a
warm run in one process (pyinstrument is a development tool, not a dependency of kefix).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# ----------------------------------------------------------------------------- the tree

LAUNCH_SHARE = 0.10
TRAINING_PYTHON_SHARE = 0.03
CONFIG_SHARE = 0.02
FINDING_SHARE = 0.07  # plus natural ones (--warmup_ratio is gone in 5.x): a third have findings

_AREAS = ("nlp", "vision", "speech", "rl", "infra", "eval", "data", "tools", "research")
_TOPICS = ("sft", "dpo", "pretrain", "distill", "lora", "classify", "summarize", "align")
_MODELS = (
    "meta-llama/Llama-3.1-8B",
    "Qwen/Qwen2.5-7B-Instruct",
    "mistralai/Mistral-7B-v0.3",
    "google/gemma-2-9b",
    "baichuan-inc/Baichuan2-7B-Base",
    "THUDM/chatglm3-6b",
    "bert-base-uncased",
    "t5-base",
)
_DATASETS = ("alpaca_en", "identity", "ultrachat_200k", "slimorca", "gsm8k", "c4_demo")

# Flags real launches pass, as (flag, value template, how often): "" is a switch; the share is
# that of the 887 real scripts that write the flag (among ~520 that launch a training).
_TRAIN_FLAGS = (
    ("--per_device_train_batch_size", "{bs}", 0.95),
    ("--per_device_eval_batch_size", "{bs}", 0.42),
    ("--gradient_accumulation_steps", "{ga}", 0.87),
    ("--learning_rate", "{lr}", 0.98),
    ("--num_train_epochs", "{ep}", 0.88),
    ("--logging_steps", "10", 0.88),
    ("--save_steps", "500", 0.9),
    ("--save_total_limit", "2", 0.72),
    ("--warmup_ratio", "0.03", 0.28),
    ("--warmup_steps", "100", 0.07),
    ("--weight_decay", "0.0", 0.44),
    ("--lr_scheduler_type", '"cosine"', 0.53),
    ("--report_to", "wandb", 0.43),
    ("--gradient_checkpointing", "True", 0.37),
    ("--dataloader_num_workers", "4", 0.82),
    ("--max_grad_norm", "1.0", 0.04),
    ("--seed", "42", 0.27),
    ("--ddp_timeout", "180000000", 0.02),
    ("--save_strategy", '"steps"', 0.38),
    ("--bf16", "True", 0.44),
    ("--tf32", "True", 0.07),
    ("--optim", "adamw_torch", 0.05),
    ("--remove_unused_columns", "False", 0.09),
    ("--run_name", "${RUN_NAME}", 0.03),
)
# Flags of the entry script's own dataclasses.
_OWN_FLAGS = (
    ("--model_name_or_path", "${MODEL_PATH}"),
    ("--data_path", "${DATA_DIR}/train.json"),
    ("--eval_data_path", "${DATA_DIR}/dev.json"),
    ("--model_max_length", "2048"),
    ("--lora_r", "8"),
    ("--lora_alpha", "16"),
    ("--lora_dropout", "0.05"),
    ("--template", "default"),
    ("--use_lora", "True"),
)
# What kefix reports in real scripts, most often first: renamed and removed flags, strategy
# and precision conflicts.
_FINDING_FLAGS = (
    (("--evaluation_strategy", '"steps"'),),
    (("--evaluation_strategy", '"steps"'),),
    (("--evaluation_strategy", '"epoch"'),),
    (("--evaluation_strategy", '"no"'), ("--load_best_model_at_end", "True")),
    (("--fp16", ""), ("--bf16", "")),
    (("--no_cuda", "False"),),
    (("--save_steps", "300"), ("--eval_strategy", "steps"), ("--eval_steps", "200"),
     ("--load_best_model_at_end", "True")),
    (("--warmup_ratio", "1.5"),),
    (("--logging_steps", "0"),),
)  # fmt: skip

_COMMENTS = (
    "# Fine-tune {model} on {data}.",
    "# Usage: bash {script} [GPUS]",
    "# Tested with transformers 4.3x and deepspeed 0.1x.",
    "# 单机多卡训练脚本",
    "# Remember to set WANDB_API_KEY before running.",
    "# Hyper-parameters follow the paper's appendix.",
    "# TODO: sweep the learning rate",
    "# Multi-node: set MASTER_ADDR and NODE_RANK on each machine.",
    "# The effective batch size is GPUS x per-device batch x accumulation steps.",
    "# ---------------------------------------------------------------",
)


def _header(rng: random.Random, script: str) -> list[str]:
    lines = [rng.choice(("#!/bin/bash", "#!/usr/bin/env bash", "#!/bin/bash -l"))]
    for template in rng.sample(_COMMENTS, rng.randrange(0, 6)):
        lines.append(
            template.format(model=rng.choice(_MODELS), data=rng.choice(_DATASETS), script=script)
        )
    if rng.random() < 0.6:
        lines.append(rng.choice(("set -e", "set -x", "set -euo pipefail", "set -ex")))
    lines.append("")
    exports = [
        "export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-0,1,2,3}",
        "export NCCL_P2P_DISABLE=1",
        "export WANDB_PROJECT=" + rng.choice(_TOPICS),
        "export TOKENIZERS_PARALLELISM=false",
        'export PYTHONPATH="${PYTHONPATH}:$(pwd)"',
        "export OMP_NUM_THREADS=8",
        "export HF_HOME=/data/hf_cache",
    ]
    lines += rng.sample(exports, rng.randrange(1, 5))
    lines.append("")
    return lines


def _variables(rng: random.Random, project: str) -> list[str]:
    lines = [
        f"MODEL_PATH={rng.choice(_MODELS)}",
        f"DATA_DIR=data/{rng.choice(_DATASETS)}",
        f"RUN_NAME={project}-{rng.choice(_TOPICS)}-$(date +%Y%m%d)",
        "OUTPUT_DIR=${OUTPUT_DIR:-outputs/${RUN_NAME}}",
        f"LR={rng.choice(('1e-5', '2e-5', '5e-5', '1e-4', '2e-4'))}",
        f"EPOCHS={rng.choice((1, 2, 3, 5))}",
        f"NPROC=${{NPROC:-{rng.choice((1, 2, 4, 8))}}}",
        f"MASTER_PORT=$((RANDOM + {rng.randrange(10000, 30000)}))",
    ]
    chosen = lines[:4] + rng.sample(lines[4:], rng.randrange(1, 5))
    chosen.append("")
    if rng.random() < 0.5:
        chosen += ['mkdir -p "${OUTPUT_DIR}"', ""]
    return chosen


def _flag_lines(rng: random.Random, with_finding: bool, cli: bool) -> list[str]:
    values = {
        "bs": str(rng.choice((1, 2, 4, 8, 16))),
        "ga": str(rng.choice((1, 2, 4, 8, 16))),
        "lr": rng.choice(("${LR}", "$LR", "2e-5", "1e-4")),
        "ep": rng.choice(("${EPOCHS}", "3", "1.0")),
    }
    flags = [("--output_dir", "${OUTPUT_DIR}"), ("--do_train", "")]
    flags += rng.sample(_OWN_FLAGS[:3] if not cli else _OWN_FLAGS[:1], 2 if not cli else 1)
    flags += rng.sample(_OWN_FLAGS[3:], rng.randrange(0, 4)) if not cli else []
    flags += [(name, value) for name, value, share in _TRAIN_FLAGS if rng.random() < share]
    if with_finding:
        taken = {name for name, _ in flags}
        extra = [f for f in rng.choice(_FINDING_FLAGS) if f[0] not in taken]
        flags[rng.randrange(2, len(flags)) : 0] = extra
    lines = []
    for name, template in flags:
        value = template
        for key, chosen in values.items():
            value = value.replace("{" + key + "}", chosen)
        if not value:
            lines.append(name)
        elif rng.random() < 0.06:
            lines.append(f"{name}={value}")
        else:
            lines.append(f"{name} {value}")
    return lines


def _launch_script(
    rng: random.Random, entry: str, config: str | None, project: str, with_finding: bool
) -> str:
    """A launch script in one of the shapes real projects use, ~1.5 KB like the real ones."""
    lines = _header(rng, "scripts/train.sh") + _variables(rng, project)
    shape = rng.randrange(10)
    cli = shape in (6, 7)
    flags = _flag_lines(rng, with_finding, cli)
    indent = rng.choice(("    ", "  ", "\t"))
    body = f" \\\n{indent}".join(flags)
    if shape in (0, 1):
        launch = (
            f"torchrun --nproc_per_node=${{NPROC}} --master_port=${{MASTER_PORT}} \\\n"
            f"{indent}{entry} \\\n{indent}{body}"
        )
    elif shape == 2:
        launch = (
            f"deepspeed --num_gpus ${{NPROC}} --master_port $MASTER_PORT {entry} \\\n"
            f"{indent}--deepspeed configs/ds_z{rng.choice((2, 3))}_config.json \\\n{indent}{body}"
        )
    elif shape == 3:
        launch = (
            f"accelerate launch --config_file configs/accelerate.yaml {entry} \\\n{indent}{body}"
            f' 2>&1 | tee "${{OUTPUT_DIR}}/train.log"'
        )
    elif shape == 4:
        launch = f"CUDA_VISIBLE_DEVICES=0 python -u {entry} \\\n{indent}{body}"
    elif shape == 5:
        module = entry.removesuffix(".py").replace("/", ".")
        launch = f"python -m torch.distributed.run --nproc_per_node $NPROC -m {module} \\\n"
        launch += f"{indent}{body}"
    elif shape == 6:
        if config and rng.random() < 0.5:
            launch = f"llamafactory-cli train {config}"
        else:
            launch = f"llamafactory-cli train \\\n{indent}--stage sft \\\n{indent}{body}"
    elif shape == 7:
        launch = f"NPROC_PER_NODE=$NPROC swift sft \\\n{indent}--train_type lora \\\n{indent}{body}"
    elif shape == 8:
        launch = (
            'for SEED in 42 1234 2024; do\n  OUTPUT_DIR="outputs/${RUN_NAME}-seed${SEED}"\n'
            f"  python {entry} --seed $SEED \\\n{indent}{body}\ndone"
        )
    else:
        launch = (
            'if [ "${NPROC}" -gt 1 ]; then\n'
            f"  torchrun --nproc_per_node ${{NPROC}} {entry} \\\n{indent}{body}\n"
            "else\n"
            f"  python {entry} \\\n{indent}{body}\nfi"
        )
    lines.append(launch)
    lines.append("")
    if rng.random() < 0.35:
        lines += [
            "# Evaluate the last checkpoint",
            f"python {entry.rsplit('/', 1)[0]}/evaluate.py \\\n{indent}--model_name_or_path "
            f'"${{OUTPUT_DIR}}" \\\n{indent}--data_path "${{DATA_DIR}}/test.json" \\\n'
            f"{indent}--per_device_eval_batch_size 8 \\\n{indent}--output_dir "
            '"${OUTPUT_DIR}/eval"',
            "",
        ]
    lines.append(rng.choice(('echo "Done: ${OUTPUT_DIR}"', "echo done", "wait")))
    return "\n".join(lines) + "\n"


_ARGS_MODULE = '''"""Arguments shared by the training entry points of {project}."""

from dataclasses import dataclass, field
from typing import Optional

from transformers import Seq2SeqTrainingArguments, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="{model}", metadata={{"help": "Base model."}})
    use_lora: bool = field(default=True)
    lora_r: int = field(default=8)
    lora_alpha: float = field(default=16.0)
    lora_dropout: float = field(default=0.05)
    trust_remote_code: bool = False


@dataclass
class DataArguments:
    data_path: str = field(default=None, metadata={{"help": "Training data."}})
    eval_data_path: Optional[str] = None
    model_max_length: int = 2048
    template: str = "default"


@dataclass
class {name}(TrainingArguments):
    cache_dir: Optional[str] = field(default=None)
    optim: str = field(default="adamw_torch")
{override}
'''

_ENTRY_BODY = '''

def load_records(path: str) -> list[dict]:
    """Read a JSON or JSON-lines file of examples."""
    with open(path, encoding="utf-8") as handle:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in handle if line.strip()]
        return json.load(handle)


def build_prompt(example: dict, template: str) -> str:
    instruction = example.get("instruction", "")
    text = example.get("input", "")
    if template == "alpaca" and text:
        return (f"### Instruction:\\n{{instruction}}\\n\\n"
                f"### Input:\\n{{text}}\\n\\n### Response:\\n")
    return f"{{instruction}}\\n{{text}}".strip()


class SupervisedDataset:
    """Tokenized prompt/response pairs."""

    def __init__(self, records: list[dict], tokenizer, max_length: int, template: str) -> None:
        self.examples = []
        for record in records:
            prompt = build_prompt(record, template)
            ids = tokenizer(prompt + record.get("output", ""), truncation=True,
                            max_length=max_length)["input_ids"]
            self.examples.append({{"input_ids": ids, "labels": list(ids)}})

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        return self.examples[index]


def main() -> None:
    parser = HfArgumentParser(({model_args}, {data_args}, {training_args}))
    model_args, data_args, training_args = parser.parse_args_into_dataclasses()
    logging.basicConfig(level=logging.INFO)
    set_seed(training_args.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
    train = SupervisedDataset(load_records(data_args.data_path), tokenizer,
                              data_args.model_max_length, data_args.template)
    trainer = Trainer(model=model, args=training_args, train_dataset=train,
                      tokenizer=tokenizer)
    trainer.train()
    trainer.save_model(training_args.output_dir)


if __name__ == "__main__":
    main()
'''

_OVERRIDES = (
    '    save_strategy: str = field(default="steps")',
    "    logging_steps: float = field(default=5)",
    "    load_best_model_at_end: bool = field(default=True)",
    '    evaluation_strategy: str = field(default="no")',
    "    gradient_checkpointing: bool = True",
    "    remove_unused_columns: bool = False",
)
# DeepKE's load_best_model_at_end=True default is the rare, costly case.
_OVERRIDE_WEIGHTS = (4, 4, 1, 2, 4, 4)


def _entry_script(rng: random.Random, name: str, shared_args: bool) -> str:
    """An entry script whose HfArgumentParser dataclasses live in it or in src/utils/args.py."""
    docstring = f'"""Train {name}: parse arguments and run a Trainer."""\n\n'
    imports = "import json\nimport logging\n"
    transformers = ["AutoModelForCausalLM", "AutoTokenizer", "HfArgumentParser", "Trainer"]
    class_name = name.title().replace("_", "") + "TrainingArguments"
    if shared_args:
        local = "\nfrom utils.args import DataArguments, ModelArguments, TrainArguments\n"
        classes = ""
        training = "TrainArguments"
    else:
        imports += "from dataclasses import dataclass, field\nfrom typing import Optional\n"
        transformers.append("TrainingArguments")
        local = ""
        body = _ARGS_MODULE.split("@dataclass", 1)[1]
        classes = "\n\n@dataclass" + body.format(
            project=name,
            model=rng.choice(_MODELS),
            name=class_name,
            override=rng.choices(_OVERRIDES, _OVERRIDE_WEIGHTS)[0],
        )
        training = class_name
    names = "".join(f"    {item},\n" for item in [*transformers, "set_seed"])
    imports += f"\nfrom transformers import (\n{names})\n" + local
    return (
        docstring
        + imports
        + classes
        + _ENTRY_BODY.format(
            model_args="ModelArguments", data_args="DataArguments", training_args=training
        )
    )


def _trainer_in_code(rng: random.Random, index: int) -> str:
    """A notebook-style script that builds TrainingArguments in code (no command line)."""
    strategy = rng.choice(("steps", "epoch", "no"))
    return (
        f'"""Quick experiment {index}: {rng.choice(_TOPICS)} on {rng.choice(_DATASETS)}."""\n\n'
        "from transformers import Trainer, TrainingArguments\n\n"
        "args = TrainingArguments(\n"
        f'    output_dir="outputs/exp_{index}",\n'
        f"    per_device_train_batch_size={rng.choice((4, 8, 16))},\n"
        f"    learning_rate={rng.choice(('2e-5', '5e-5', '1e-4'))},\n"
        f'    eval_strategy="{strategy}",\n'
        f'    save_strategy="{rng.choice(("steps", "epoch"))}",\n'
        f"    load_best_model_at_end={rng.choice(('True', 'False'))},\n"
        f"    num_train_epochs={rng.choice((1, 3))},\n"
        ")\n\n\ndef run(model, train, dev):\n"
        "    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=dev)\n"
        "    return trainer.train()\n"
    )


def _yaml_config(rng: random.Random) -> str:
    return (
        f"### model\nmodel_name_or_path: {rng.choice(_MODELS)}\n\n"
        "### method\nstage: sft\ndo_train: true\nfinetuning_type: lora\nlora_target: all\n\n"
        f"### dataset\ndataset: {rng.choice(_DATASETS)}\ntemplate: default\ncutoff_len: 2048\n\n"
        f"### output\noutput_dir: saves/run_{rng.randrange(1000)}\nlogging_steps: 10\n"
        "save_steps: 500\nplot_loss: true\n\n### train\n"
        "per_device_train_batch_size: 2\ngradient_accumulation_steps: 8\n"
        f"learning_rate: {rng.choice(('1.0e-4', '5.0e-5'))}\n"
        f"num_train_epochs: {rng.choice((1.0, 3.0))}\n"
        "lr_scheduler_type: cosine\nwarmup_ratio: 0.1\nbf16: true\n"
        f"eval_strategy: {rng.choice(('steps', 'no'))}\n"
    )


def _json_config(rng: random.Random) -> str:
    return json.dumps(
        {
            "train_batch_size": "auto",
            "train_micro_batch_size_per_gpu": "auto",
            "gradient_accumulation_steps": "auto",
            "zero_optimization": {
                "stage": rng.choice((1, 2, 3)),
                "overlap_comm": True,
                "contiguous_gradients": True,
                "reduce_bucket_size": "auto",
            },
            "bf16": {"enabled": "auto"},
            "fp16": {"enabled": "auto", "loss_scale": 0, "initial_scale_power": 16},
        },
        indent=2,
    )


def _unrelated_python(rng: random.Random, index: int) -> str:
    functions = "\n\n".join(
        f"def step_{index}_{n}(values: list[float], scale: float = {rng.random():.3f}) -> float:\n"
        f'    """Reduce values ({rng.choice(_TOPICS)})."""\n'
        "    total = 0.0\n    for value in values:\n"
        "        if value < 0:\n            continue\n        total += value * scale\n"
        f"    return total / max(len(values), {rng.randrange(1, 9)})\n"
        for n in range(rng.randrange(2, 12))
    )
    header = f'"""Helpers for {rng.choice(_AREAS)}."""\n\nimport math\nimport os\n\n\n'
    return header + functions


def _unrelated_shell(rng: random.Random) -> str:
    return (
        "#!/bin/sh\nset -e\n"
        f'DEST="${{1:-/tmp/{rng.choice(_TOPICS)}}}"\nmkdir -p "$DEST"\n'
        'for f in data/*.jsonl; do\n  gzip -k "$f" && mv "$f.gz" "$DEST"/\ndone\n'
        'ls -la "$DEST" | wc -l\n'
        f"rsync -av --exclude '*.tmp' results/ backup/{rng.randrange(100)}/\n"
    )


def _unrelated_yaml(rng: random.Random) -> str:
    return (
        f"name: {rng.choice(_AREAS)}-ci\non: [push, pull_request]\njobs:\n  test:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - uses: actions/setup-python@v5\n        with:\n          python-version: '3.11'\n"
        "      - run: pip install -e .[test]\n      - run: pytest -q\n"
    )


def _unrelated_json(rng: random.Random) -> str:
    return json.dumps(
        [
            {"id": rng.randrange(10**6), "labels": rng.sample(_TOPICS, 3), "score": rng.random()}
            for _ in range(rng.randrange(1, 12))
        ]
    )


def _markdown(rng: random.Random) -> str:
    return (
        f"# {rng.choice(_AREAS).title()} notes\n\nRun `bash scripts/train.sh` to start.\n\n"
        f"- batch size {rng.choice((8, 16, 32))}\n- see the dashboard for curves\n\n"
        "```bash\npip install -r requirements.txt\n```\n"
    )


def _notebook(rng: random.Random, index: int) -> str:
    cells = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": [f"# Exploration {index}\n", "Loss curves and samples.\n"],
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": ["import math\n", f"print(math.sqrt({rng.randrange(100)}))\n"],
        },
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


_GITIGNORE = """__pycache__/
*.pyc
.venv/
outputs/
saves/
wandb/
*.log
.ipynb_checkpoints/
"""


def make_tree(out: Path, files: int, seed: int) -> dict[str, int]:
    """Write ``files`` files under ``out``; returns how many of each kind were written."""
    rng = random.Random(seed)
    launches = max(1, round(files * LAUNCH_SHARE))
    training = max(1, round(files * TRAINING_PYTHON_SHARE))
    configs = max(1, round(files * CONFIG_SHARE))
    unrelated = max(0, files - launches - training - configs)
    projects = max(1, files // 200)  # one project directory per ~200 files

    def project(i: int) -> Path:
        return out / _AREAS[i % len(_AREAS)] / f"project_{i:04d}"

    written = {"launch": 0, "training-python": 0, "config": 0, "other": 0}

    def write(path: Path, text: str, kind: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[kind] += 1

    # A monorepo is a git repository: its root holds .git (an empty one: nothing here reads
    # git's data) and a .gitignore, which kefix and shellcheck's callers both honour.
    (out / ".git").mkdir(parents=True, exist_ok=True)
    (out / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
    # A project in three shares its TrainingArguments subclass in src/utils/args.py.
    shared = {p for p in range(projects) if p % 3 == 0}
    entries: list[tuple[int, str]] = []
    for i in range(training):
        p = i % projects
        if i % 3 == 2:  # a third build TrainingArguments in code: not launched
            write(project(p) / f"notebooks/exp_{i}.py", _trainer_in_code(rng, i), "training-python")
            continue
        if p in shared and not (project(p) / "src/utils/args.py").exists():
            name = f"{_AREAS[p % len(_AREAS)]}_{p}"
            module = _ARGS_MODULE.format(
                project=name,
                model=rng.choice(_MODELS),
                name="TrainArguments",
                override=rng.choices(_OVERRIDES, _OVERRIDE_WEIGHTS)[0],
            )
            write(project(p) / "src/utils/args.py", module, "training-python")
            continue
        name = f"{rng.choice(_TOPICS)}_{i}"
        relative = f"src/train_{name}.py"
        write(project(p) / relative, _entry_script(rng, name, p in shared), "training-python")
        entries.append((p, relative))
    config_paths: dict[int, str] = {}
    for i in range(configs):
        p = i % projects
        if i % 2:
            write(project(p) / f"configs/ds_z{i % 3 + 1}_{i}.json", _json_config(rng), "config")
        else:
            relative = f"configs/sft_{i}.yaml"
            write(project(p) / relative, _yaml_config(rng), "config")
            config_paths.setdefault(p, relative)
    for i in range(launches):
        p, entry = entries[i % len(entries)] if entries else (0, "src/train.py")
        folder = rng.choice(("scripts", "scripts/finetune", "examples", "recipes"))
        text = _launch_script(
            rng,
            "../" + entry if folder == "examples" else entry,
            config_paths.get(p),
            f"project_{p:04d}",
            rng.random() < FINDING_SHARE,
        )
        write(project(p) / folder / f"run_{i}.sh", text, "launch")
    makers: tuple[tuple[str, Callable[[random.Random, int], str]], ...] = (
        ("py", _unrelated_python),
        ("sh", lambda r, _i: _unrelated_shell(r)),
        ("yaml", lambda r, _i: _unrelated_yaml(r)),
        ("json", lambda r, _i: _unrelated_json(r)),
        ("md", lambda r, _i: _markdown(r)),
        ("ipynb", _notebook),
    )
    weights = (45, 10, 10, 15, 12, 8)
    for i in range(unrelated):
        suffix, maker = rng.choices(makers, weights)[0]
        folder = rng.choice(("lib", "lib/core", "tests", "docs", "notebooks", "tools"))
        write(project(i % projects) / folder / f"file_{i}.{suffix}", maker(rng, i), "other")
    return written


# ----------------------------------------------------------------------------- measuring


class _Measured:
    def __init__(self, seconds: float, peak_mb: float, tree_mb: float, cpu: float = 0.0) -> None:
        self.seconds, self.peak_mb, self.tree_mb, self.cpu = seconds, peak_mb, tree_mb, cpu


def _tree_pss_kb(root: int) -> int:
    """The summed proportional set size of ``root`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                match = re.search(r"^Pss:\s+(\d+) kB", handle.read(), re.MULTILINE)
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total


def measure(command: Sequence[str], cwd: Path | None = None) -> _Measured:
    """One run of ``command``: wall seconds, the largest process's peak RSS (GNU time, MB) and
    the peak of the process tree's summed PSS (MB, sampled every 20 ms; 0 without /proc)."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [gnu_time, "-v", "-o", report.name, *command] if os.path.exists(gnu_time) else []
        start = time.perf_counter()
        process = subprocess.Popen(
            wrapped or list(command),
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak_pss = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_pss
            while not stop.is_set():
                if os.path.isdir("/proc"):
                    peak_pss = max(peak_pss, _tree_pss_kb(process.pid))
                stop.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        process.wait()
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        text = report.read()
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    peak = int(found.group(1)) / 1024 if found else 0.0
    cpu = sum(
        float(match.group(1))
        for match in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", text)
    )
    return _Measured(seconds, peak, peak_pss / 1024, cpu)


def _median(runs: list[_Measured]) -> _Measured:
    return _Measured(
        statistics.median(r.seconds for r in runs),
        max(r.peak_mb for r in runs),
        max(r.tree_mb for r in runs),
        statistics.median(r.cpu for r in runs),
    )


_SPIN = """
import time
start = time.perf_counter()
x = 0
for i in range(6_000_000):
    x += i
print(time.perf_counter() - start)
"""


def parallel_capacity() -> float:
    """How many CPU-bound processes this machine runs at once right now: one spinning process
    against two (2.0 on two idle cores; a shared machine's neighbours take some)."""
    alone = float(
        subprocess.run(
            [sys.executable, "-c", _SPIN], capture_output=True, text=True, check=True
        ).stdout
    )
    pair = [
        subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    together = max(float(process.communicate()[0]) for process in pair)
    return 2 * alone / together


def _load_average() -> str:
    """The machine's 1-minute load: timings on a shared machine mean little without it."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))


_SETTLE_SECONDS = 2.5


def _kefix(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "kefix", "--exit-zero", *arguments]


def run_benchmark(sizes: list[int], runs: int, seed: int, work: Path) -> None:
    shellcheck = shutil.which("shellcheck")
    load_before = _load_average()
    capacity_before = parallel_capacity()
    rows: list[list[str]] = []
    single: str | None = None
    for size in sizes:
        tree = work / f"tree_{size}"
        if not tree.exists():
            make_tree(tree, size, seed)
            # kefix's cache trusts no stamp of a file changed within two seconds of a run (git's
            # racily-clean rule): a tree written just now would time first runs, not warm ones.
            time.sleep(_SETTLE_SECONDS)
        launches = sorted(str(p) for p in tree.rglob("run_*.sh"))
        single = single or launches[0]
        _read_everything(tree)
        cache = work / f"cache_{size}"
        count = runs if size <= 10_000 else 1
        sc: list[_Measured] = []
        cold: list[_Measured] = []
        warm: list[_Measured] = []
        nocache: list[_Measured] = []
        for _ in range(count):  # side by side: each tool once per round
            if shellcheck:
                sc.append(measure([shellcheck, "-f", "gcc", *launches]))
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(measure(_kefix("--cache-dir", str(cache), str(tree))))
            warm.append(measure(_kefix("--cache-dir", str(cache), str(tree))))
            nocache.append(measure(_kefix("--no-cache", str(tree))))
        c, w, n = _median(cold), _median(warm), _median(nocache)
        s = _median(sc) if sc else None
        rows.append(
            [
                f"{size}",
                f"{len(launches)}",
                f"{s.seconds:.2f} ({s.cpu:.1f})" if s else "n/a",
                f"{c.seconds:.2f} ({c.cpu:.1f})",
                f"{c.seconds / s.seconds:.2f}" if s else "n/a",
                f"{c.peak_mb:.0f}",
                f"{c.tree_mb:.0f}",
                f"{n.seconds:.2f}",
                f"{w.seconds:.2f} ({w.cpu:.2f})",
                f"{w.seconds / c.seconds:.2f}",
                f"{1000 * c.seconds / size:.2f}",
            ]
        )
    print(
        f"Whole tree (median of {runs} runs; above 10k files: 1), wall seconds (CPU seconds, "
        "children included) and MB; load average before/after: "
        f"{load_before} / {_load_average()}; parallel capacity before/after: "
        f"{capacity_before:.2f} / {parallel_capacity():.2f}"
    )
    _print_table(
        (
            "files",
            "launch scripts",
            "shellcheck",
            "kefix cold",
            "cold/sc",
            "peak RSS",
            "tree PSS",
            "--no-cache",
            "warm",
            "warm/cold",
            "ms/file",
        ),
        rows,
    )
    if not shellcheck:
        print("shellcheck is not installed: its column is n/a")
    assert single is not None
    print()
    single_file(Path(single), max(runs, 7))


def single_file(script: Path, runs: int) -> None:
    """A cold process on one launch script, against Python importing click plus the parse."""
    # As the pre-commit hook runs it (--force-exclude), in the tree's git repository, with a
    # cache that has never seen the file: the file was just edited. A fresh cache each run: in
    # one kept across runs, every run after the first would find the file's result there.
    # Alternated, so that the medians see the same load (the machine's other tenants come and
    # go within seconds: measured one after the other, the ratio moved by 0.3 between runs);
    # the parse is timed each round too (one sample of it moved the ratio by 0.1: 9 to 12 ms).
    kefix_seconds, click_seconds, parse_seconds = [], [], []
    for _ in range(runs):
        kefix_seconds.append(_single_run(script))
        click_seconds.append(measure([sys.executable, "-c", "import click"]).seconds)
        parse_seconds.append(_parse_seconds(script))
    one, click_only = statistics.median(kefix_seconds), statistics.median(click_seconds)
    parse = statistics.median(parse_seconds)
    _print_table(
        ("single file", "seconds"),
        [
            (f"kefix --force-exclude {script.name} (cold process, empty cache)", f"{one:.3f}"),
            ('python -c "import click"', f"{click_only:.3f}"),
            ("parse of the script, its entry script and recipe, cold", f"{parse:.4f}"),
            ("ratio kefix / (click + parse)", f"{one / (click_only + parse):.2f}"),
            (
                "ratio of the fastest runs of each (the least disturbed)",
                f"{min(kefix_seconds) / (min(click_seconds) + min(parse_seconds)):.2f}",
            ),
        ],
    )


def _single_run(script: Path) -> float:
    with tempfile.TemporaryDirectory() as empty:
        return measure(_kefix("--force-exclude", "--cache-dir", empty, str(script))).seconds


# The grammar is loaded from tree-sitter-bash's compiled binding alone, as kefix loads it: the
# package's __init__ also imports importlib.resources (~5 ms), which parsing does not need.
_PARSE = """
import ast, sys, time
start = time.perf_counter()
import importlib.machinery, importlib.util, tree_sitter
package = importlib.util.find_spec("tree_sitter_bash").submodule_search_locations
binding = importlib.machinery.PathFinder.find_spec("tree_sitter_bash._binding", package)
grammar = importlib.util.module_from_spec(binding)
binding.loader.exec_module(grammar)
parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
parser.parse(open(sys.argv[1], "rb").read())
for entry in sys.argv[2:]:
    if entry.endswith((".yaml", ".yml")):
        import yaml  # a recipe the launch names: read as any YAML reader must

        yaml.compose(open(entry, "rb").read(), Loader=yaml.SafeLoader)
    else:
        ast.parse(open(entry, "rb").read())
print(time.perf_counter() - start)
"""


def _parse_seconds(script: Path) -> float:
    """Loading the bash grammar and parsing the script, and parsing the Python entry script it
    launches and the YAML recipe it names, in a fresh process (what any tool reading that file
    must do)."""
    text = script.read_text(encoding="utf-8")
    entries = [
        *_first_named(script, re.findall(r"(\S+\.py)\b", text)),
        *_first_named(script, re.findall(r"(\S+\.ya?ml)\b", text)),
    ]
    out = subprocess.run(
        [sys.executable, "-c", _PARSE, str(script), *entries],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _first_named(script: Path, names: list[str]) -> list[str]:
    """The first of ``names`` that is a file, relative to the script's directory or any above."""
    return [
        str(candidate)
        for relative in names
        for base in (script.parent, *script.parents)
        if (candidate := base / relative).is_file()
    ][:1]


def _read_everything(tree: Path) -> None:
    """Warm the page cache, so neither tool is timed reading the disk for the first time."""
    for path in tree.rglob("*"):
        if path.is_file():
            path.read_bytes()


_THRESHOLD = """
import sys, time
from pathlib import Path
from kefix.config import Settings
from kefix.runner import run
start = time.perf_counter()
run([Path(sys.argv[1])], Settings(), apply=False, jobs=int(sys.argv[2]))
print(time.perf_counter() - start)
"""


def threshold(counts: list[int], runs: int, seed: int, work: Path) -> None:
    """Serial against a pool of two on trees with ``counts`` launch scripts (fastest of runs)."""
    rows = []
    for count in counts:
        tree = work / f"threshold_{count}"
        if not tree.exists():
            make_tree(tree, round(count / LAUNCH_SHARE), seed)
        _read_everything(tree)
        timings: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(runs):
            for jobs in (1, 2):
                out = subprocess.run(
                    [sys.executable, "-c", _THRESHOLD, str(tree), str(jobs)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                timings[jobs].append(float(out.stdout.strip()))
        one, two = min(timings[1]), min(timings[2])
        rows.append((f"{count}", f"{one:.3f}", f"{two:.3f}", f"{two / one:.2f}"))
    _print_table(("launch scripts", "1 process", "pool of 2", "pool/serial"), rows)
    print(f"parallel capacity now: {parallel_capacity():.2f} (2.00: two idle cores)")


_PROFILE = """
import sys
from pathlib import Path
from pyinstrument import Profiler
from kefix.cache import ResultCache
from kefix.config import Settings
from kefix.runner import run
tree, cache, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
profiler = Profiler(interval=0.0005)
profiler.start()
store = ResultCache(cache, Settings(), [tree])
run([tree], Settings(), apply=False, cache=store, jobs=1)
profiler.stop()
out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
"""


def profile(files: int, seed: int, work: Path, out: Path) -> None:
    """pyinstrument profiles of a cold run (empty cache) and a warm run, in one process so that
    the profile sees all the work (a pool would hide it in its workers)."""
    tree = work / f"tree_{files}"
    if not tree.exists():
        make_tree(tree, files, seed)
        time.sleep(_SETTLE_SECONDS)  # see run_benchmark
    _read_everything(tree)
    cache = work / f"profile_cache_{files}"
    shutil.rmtree(cache, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("cold", "warm"):
        target = out / f"{name}-{files}.txt"
        subprocess.run(
            [sys.executable, "-c", _PROFILE, str(tree), str(cache), str(target)], check=True
        )
        print(f"wrote {target}")


def _compile_kefix() -> None:
    """Write kefix's bytecode, as installing it does: with PYTHONDONTWRITEBYTECODE set (or a
    read-only checkout) every timed start would otherwise compile kefix's sources again."""
    import compileall

    import kefix

    compileall.compile_dir(Path(kefix.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    run_parser = commands.add_parser("run", help="the benchmark (default)")
    tree_parser = commands.add_parser("tree", help="write a benchmark tree")
    tree_parser.add_argument("--files", type=int, required=True)
    tree_parser.add_argument("--seed", type=int, default=0)
    tree_parser.add_argument("out", type=Path)
    threshold_parser = commands.add_parser("threshold", help="serial vs pool by file count")
    threshold_parser.add_argument("--counts", default="8,16,32,48,64,96,128")
    profile_parser = commands.add_parser("profile", help="pyinstrument profiles, cold and warm")
    profile_parser.add_argument("--files", type=int, default=10_000)
    profile_parser.add_argument("--out", type=Path, default=Path("docs/profiles"))
    for sub in (parser, run_parser, threshold_parser, profile_parser):
        sub.add_argument("--sizes", default="1000,10000")
        sub.add_argument("--runs", type=int, default=3)
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--work", type=Path, default=None, help="keep trees here (reused)")
    options = parser.parse_args()
    if options.command == "tree":
        counts = make_tree(options.out, options.files, options.seed)
        print(" ".join(f"{kind}={count}" for kind, count in counts.items()))
        return
    _compile_kefix()
    with tempfile.TemporaryDirectory(prefix="kefix-bench-") as temporary:
        work = options.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        if options.command == "profile":
            profile(options.files, options.seed, work, options.out)
        elif options.command == "threshold":
            threshold([int(c) for c in options.counts.split(",")], options.runs, options.seed, work)
        else:
            sizes = [int(s) for s in options.sizes.split(",")]
            run_benchmark(sizes, options.runs, options.seed, work)


if __name__ == "__main__":
    main()
