"""Write a deterministic, monorepo-shaped tree of files for benchmarking kefix (issue 8).

Usage: python scripts/make_benchmark_tree.py --files N [--seed S] OUT

About 10% of the files are launch scripts in the shapes real projects use (torchrun, deepspeed,
accelerate, python, llamafactory-cli and swift launches with continuations, env prefixes, pipes
and variables; some with findings), about 3% Python entry scripts whose HfArgumentParser
dataclasses the launches point at, about 2% YAML/JSON configs, and the rest unrelated Python,
shell, YAML, JSON, Markdown and notebook files. The same N and seed give the same bytes.
All text here is synthetic.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

LAUNCH_SHARE = 0.10
ENTRY_SHARE = 0.03
CONFIG_SHARE = 0.02

_AREAS = ("nlp", "vision", "speech", "rl", "infra", "eval", "data", "tools", "research")
_TOPICS = ("sft", "dpo", "pretrain", "distill", "lora", "classify", "summarize", "align")
_MODELS = (
    "meta-llama/Llama-3.1-8B",
    "Qwen/Qwen2.5-7B-Instruct",
    "mistralai/Mistral-7B-v0.3",
    "google/gemma-2-9b",
    "bert-base-uncased",
    "t5-base",
)

_TRAIN_FLAGS = (
    "--per_device_train_batch_size {bs}",
    "--gradient_accumulation_steps {ga}",
    "--learning_rate {lr}",
    "--num_train_epochs {ep}",
    "--logging_steps 10",
    "--warmup_ratio 0.03",
    "--lr_scheduler_type cosine",
    "--save_total_limit 2",
    "--report_to none",
    "--gradient_checkpointing",
    "--dataloader_num_workers 4",
    "--weight_decay 0.0",
)
# Pairs that kefix reports: strategies that disagree, a removed flag, two precisions.
_FINDING_FLAGS = (
    ("--load_best_model_at_end True", "--eval_strategy steps", "--save_strategy epoch"),
    ("--evaluation_strategy steps", "--eval_steps 100"),
    ("--fp16", "--bf16"),
    ("--save_steps 300", "--eval_strategy steps", "--eval_steps 200"),
    ("--warmup_ratio 1.5",),
)


def _entry_script(rng: random.Random, name: str) -> str:
    extra_fields = "\n".join(
        f"    {field}: {kind} = field(default={default})"
        for field, kind, default in rng.sample(
            [
                ("max_seq_length", "int", "2048"),
                ("lora_rank", "int", "8"),
                ("lora_alpha", "float", "16.0"),
                ("use_flash_attention", "bool", "False"),
                ("template", "str", '"default"'),
                ("train_file", "Optional[str]", "None"),
            ],
            3,
        )
    )
    override = rng.choice(
        [
            '    save_strategy: str = field(default="steps")\n',
            "    logging_steps: float = field(default=5)\n",
            '    optim: str = field(default="adamw_torch")\n',
        ]
    )
    return f'''"""Train {name}: parse arguments and run a Trainer."""

from dataclasses import dataclass, field
from typing import Optional

from transformers import HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="{rng.choice(_MODELS)}")
{extra_fields}


@dataclass
class DataArguments:
    dataset_dir: str = field(default="data")
    max_samples: Optional[int] = field(default=None)


@dataclass
class {name.title().replace("_", "")}TrainingArguments(TrainingArguments):
{override}

def main() -> None:
    parser = HfArgumentParser(
        (ModelArguments, DataArguments, {name.title().replace("_", "")}TrainingArguments)
    )
    model_args, data_args, training_args = parser.parse_args_into_dataclasses()
    trainer = Trainer(args=training_args)
    trainer.train()


if __name__ == "__main__":
    main()
'''


def _launch_script(rng: random.Random, entry: str, config: str | None) -> str:
    bs, ga = rng.choice((1, 2, 4, 8, 16)), rng.choice((1, 2, 4, 8))
    lr, ep = rng.choice(("1e-5", "2e-5", "5e-5", "1e-4")), rng.choice((1, 2, 3))
    flags = [f.format(bs=bs, ga=ga, lr=lr, ep=ep) for f in rng.sample(_TRAIN_FLAGS, 6)]
    flags.insert(0, "--output_dir ${OUTPUT_DIR}")
    flags.insert(0, f"--model_name_or_path {rng.choice(_MODELS)}")
    if rng.random() < 0.35:
        flags.extend(rng.choice(_FINDING_FLAGS))
    shape = rng.randrange(8)
    header = [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "",
        f"OUTPUT_DIR=${{OUTPUT_DIR:-outputs/run_{rng.randrange(1000)}}}",
        f"NPROC=${{NPROC:-{rng.choice((1, 2, 4, 8))}}}",
        "",
    ]
    body = " \\\n    ".join(flags)
    if shape == 0:
        launch = f"torchrun --nproc_per_node $NPROC --master_port 29500 {entry} \\\n    {body}"
    elif shape == 1:
        launch = (
            f"CUDA_VISIBLE_DEVICES=0,1 WANDB_MODE=offline deepspeed --num_gpus $NPROC {entry} \\\n"
            f"    --deepspeed configs/ds_zero2.json \\\n    {body}"
        )
    elif shape == 2:
        launch = (
            f"accelerate launch --config_file configs/accelerate.yaml {entry} \\\n    {body}"
            " 2>&1 | tee ${OUTPUT_DIR}/train.log"
        )
    elif shape == 3:
        launch = f"python -u {entry} \\\n    {body}"
    elif shape == 4:
        launch = (
            f"TOKENIZERS_PARALLELISM=false python3 -m torch.distributed.run {entry} \\\n    {body}"
        )
    elif shape == 5:
        launch = f"llamafactory-cli train {config or 'configs/sft.yaml'}"
    elif shape == 6:
        launch = (
            f"NPROC_PER_NODE=$NPROC swift sft --model {rng.choice(_MODELS)} "
            f"--train_type lora \\\n    --output_dir $OUTPUT_DIR --num_train_epochs {ep}"
        )
    else:
        launch = f'for seed in 1 2 3; do\n  python {entry} --seed "$seed" \\\n    {body}\ndone'
    return "\n".join([*header, launch, "", 'echo "done: $OUTPUT_DIR"', ""])


def _yaml_config(rng: random.Random) -> str:
    return (
        f"model_name_or_path: {rng.choice(_MODELS)}\n"
        "stage: sft\ndo_train: true\nfinetuning_type: lora\n"
        f"learning_rate: {rng.choice(('1.0e-4', '5.0e-5'))}\n"
        f"num_train_epochs: {rng.choice((1.0, 3.0))}\n"
        "per_device_train_batch_size: 2\ngradient_accumulation_steps: 8\n"
        "lr_scheduler_type: cosine\nwarmup_ratio: 0.1\nbf16: true\n"
        f"output_dir: saves/run_{rng.randrange(1000)}\n"
    )


def _json_config(rng: random.Random) -> str:
    return json.dumps(
        {
            "train_batch_size": "auto",
            "gradient_accumulation_steps": "auto",
            "zero_optimization": {"stage": rng.choice((1, 2, 3)), "overlap_comm": True},
            "bf16": {"enabled": "auto"},
        },
        indent=2,
    )


def _unrelated_python(rng: random.Random, index: int) -> str:
    functions = "\n\n".join(
        f"def step_{index}_{n}(values: list[float]) -> float:\n"
        f'    """Reduce values ({rng.choice(_TOPICS)})."""\n'
        f"    total = 0.0\n    for value in values:\n        total += value * {rng.random():.3f}\n"
        "    return total\n"
        for n in range(rng.randrange(2, 8))
    )
    return f'"""Helpers for {rng.choice(_AREAS)}."""\n\nimport math\n\n\n{functions}'


def _unrelated_shell(rng: random.Random) -> str:
    return (
        "#!/bin/sh\nset -e\n"
        f'DEST="${{1:-/tmp/{rng.choice(_TOPICS)}}}"\nmkdir -p "$DEST"\n'
        f'for f in data/*.jsonl; do\n  gzip -k "$f" && mv "$f.gz" "$DEST"/\ndone\n'
        f'ls -la "$DEST" | wc -l\n'
    )


def _unrelated_yaml(rng: random.Random) -> str:
    return (
        f"name: {rng.choice(_AREAS)}-ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n"
    )


def _unrelated_json(rng: random.Random) -> str:
    return json.dumps(
        {"id": rng.randrange(10**6), "labels": rng.sample(_TOPICS, 3), "score": rng.random()}
    )


def _markdown(rng: random.Random) -> str:
    return (
        f"# {rng.choice(_AREAS).title()} notes\n\nRun `bash scripts/train.sh` to start.\n\n"
        f"- batch size {rng.choice((8, 16, 32))}\n- see the dashboard for curves\n"
    )


def _notebook(rng: random.Random) -> str:
    cell = {
        "cell_type": "code",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": ["import math\n", f"print(math.sqrt({rng.randrange(100)}))\n"],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def make_tree(out: Path, files: int, seed: int) -> dict[str, int]:
    """Write ``files`` files under ``out``; returns how many of each kind were written."""
    rng = random.Random(seed)
    launches = max(1, round(files * LAUNCH_SHARE))
    entries = max(1, round(files * ENTRY_SHARE))
    configs = max(1, round(files * CONFIG_SHARE))
    unrelated = max(0, files - launches - entries - configs)
    projects = max(1, files // 200)  # one project directory per ~200 files

    def project(i: int) -> Path:
        return out / _AREAS[i % len(_AREAS)] / f"project_{i:04d}"

    written: dict[str, int] = {"launch": 0, "entry": 0, "config": 0, "other": 0}

    def write(path: Path, text: str, kind: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[kind] += 1

    entry_paths: list[tuple[int, str]] = []
    for i in range(entries):
        p = i % projects
        name = f"{rng.choice(_TOPICS)}_{i}"
        relative = f"src/train_{name}.py"
        write(project(p) / relative, _entry_script(rng, name), "entry")
        entry_paths.append((p, relative))
    config_paths: list[tuple[int, str]] = []
    for i in range(configs):
        p = i % projects
        if i % 2:
            relative = f"configs/ds_{i}.json"
            write(project(p) / relative, _json_config(rng), "config")
        else:
            relative = f"configs/sft_{i}.yaml"
            write(project(p) / relative, _yaml_config(rng), "config")
            config_paths.append((p, relative))
    for i in range(launches):
        p, entry = entry_paths[i % len(entry_paths)]
        config = next((c for q, c in config_paths if q == p), None)
        folder = rng.choice(("scripts", "scripts/finetune", "examples", "recipes"))
        write(
            project(p) / folder / f"run_{i}.sh",
            _launch_script(rng, entry, config).replace(f"{entry}", _relative_entry(folder, entry)),
            "launch",
        )
    makers = (
        ("py", _unrelated_python),
        ("sh", lambda r, _i: _unrelated_shell(r)),
        ("yaml", lambda r, _i: _unrelated_yaml(r)),
        ("json", lambda r, _i: _unrelated_json(r)),
        ("md", lambda r, _i: _markdown(r)),
        ("ipynb", lambda r, _i: _notebook(r)),
    )
    weights = (45, 10, 10, 15, 12, 8)
    for i in range(unrelated):
        suffix, maker = rng.choices(makers, weights)[0]
        folder = rng.choice(("lib", "lib/core", "tests", "docs", "notebooks", "tools"))
        write(project(i % projects) / folder / f"file_{i}.{suffix}", maker(rng, i), "other")
    return written


def _relative_entry(folder: str, entry: str) -> str:
    """Most scripts run from the project root; some from their own directory (``../``)."""
    if folder == "examples":
        return "../" + entry
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("out", type=Path)
    options = parser.parse_args()
    counts = make_tree(options.out, options.files, options.seed)
    print(" ".join(f"{kind}={count}" for kind, count in counts.items()))


if __name__ == "__main__":
    main()
