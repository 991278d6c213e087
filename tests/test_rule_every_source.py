"""One effective-configuration model for every source: a rule fires on the same mistake whether
it is written as bash flags, in Python (a ``TrainingArguments(...)`` call, or an argv list when
the mistake needs a command line) or in a notebook cell, and its fix removes it there too.

A source is a column: an entry in ``SOURCES`` (its suffix and how a case's text becomes a file
of that kind; a notebook holds the Python text in a code cell). A rule that cannot be written in
a source says why in ``NOT_WRITABLE``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.fix import fix_file
from kefix.knowledge.training_args import release_for
from kefix.resolve import Resolver
from kefix.rules import RULES

RULE_SOURCES = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "src"


def bash(flags: str, entry: str = "src/train.py") -> str:
    return f"#!/bin/bash\npython {entry} --output_dir out {flags}\n"


def call(keywords: str, cls: str = "TrainingArguments") -> str:
    if cls == "TrainingArguments":
        header = "from transformers import TrainingArguments\n"
    else:
        header = f"from src.arguments import {cls}\n"
    return f'{header}\nargs = {cls}(\n    output_dir="out",\n    {keywords},\n)\n'


def argv(words: str) -> str:
    return (
        "import subprocess\n\n"
        f'subprocess.run(["python", "src/train.py", "--output_dir", "out", {words}], check=True)\n'
    )


@dataclass(frozen=True)
class Mistake:
    """One rule's mistake, written in each source; ``version`` is the transformers release it
    is a mistake in (None: the newest)."""

    code: str
    texts: Mapping[str, str]
    version: str | None = None
    fixed_by: frozenset[str] = field(default_factory=frozenset)


MISTAKES = (
    Mistake(
        "KF001",
        {
            "bash": bash("--eval_strategy no --save_strategy epoch --load_best_model_at_end True"),
            "python": call(
                'eval_strategy="no", save_strategy="epoch", load_best_model_at_end=True'
            ),
        },
    ),
    Mistake(
        "KF002",
        {
            "bash": bash(
                "--eval_strategy steps --save_strategy steps --eval_steps 300 --save_steps 500 "
                "--load_best_model_at_end True"
            ),
            "python": call(
                'eval_strategy="steps", save_strategy="steps", eval_steps=300, save_steps=500, '
                "load_best_model_at_end=True"
            ),
        },
    ),
    Mistake(
        "KF003",
        {
            "bash": "#!/bin/bash\npython src/train.py --output_dir out \\ \n    --fp16 True\n",
            # A command line in a raw triple-quoted string is read by the bash adapter.
            "python": (
                "import os\n\n"
                'os.system(r"""python src/train.py --output_dir out \\ \n    --fp16 True""")\n'
            ),
        },
    ),
    Mistake("KF010", {"bash": bash("--logging_steps 0"), "python": call("logging_steps=0")}),
    Mistake(
        "KF011",
        {
            "bash": bash("--eval_strategy steps --eval_steps 0 --logging_steps -1"),
            "python": call('eval_strategy="steps", eval_steps=0, logging_steps=-1'),
        },
    ),
    Mistake("KF012", {"bash": bash("--logging_steps 10.5"), "python": call("logging_steps=10.5")}),
    Mistake(
        "KF013",
        {
            "bash": bash("--fp16_full_eval --bf16_full_eval"),
            "python": call("fp16_full_eval=True, bf16_full_eval=True"),
        },
    ),
    Mistake(
        "KF014",
        {
            "bash": bash("--lr_scheduler_type reduce_lr_on_plateau"),
            "python": call('lr_scheduler_type="reduce_lr_on_plateau"'),
        },
    ),
    Mistake(
        "KF015",
        {"bash": bash("--warmup_ratio 1.5"), "python": call("warmup_ratio=1.5")},
        version="4.57",
    ),
    Mistake("KF016", {"bash": bash("--warmup_steps -1"), "python": call("warmup_steps=-1")}),
    Mistake(
        "KF017",
        {"bash": bash("--torch_empty_cache_steps 0"), "python": call("torch_empty_cache_steps=0")},
    ),
    Mistake(
        "KF018",
        {
            "bash": bash("--dataloader_prefetch_factor 2"),
            "python": call("dataloader_prefetch_factor=2"),
        },
    ),
    Mistake(
        "KF019",
        {
            "bash": bash("--bf16 --half_precision_backend apex"),
            "python": call('bf16=True, half_precision_backend="apex"'),
        },
        version="4.57",
    ),
    Mistake(
        "KF020",
        {
            "bash": bash("--eval_strategy epoch --save_strategy best"),
            "python": call('eval_strategy="epoch", save_strategy="best"'),
        },
    ),
    Mistake("KF030", {"bash": bash("--eval_steps 100"), "python": call("eval_steps=100")}),
    Mistake(
        "KF031",
        {
            "bash": bash("--save_strategy best --metric_for_best_model eval_loss"),
            "python": call('save_strategy="best", metric_for_best_model="eval_loss"'),
        },
    ),
    Mistake(
        "KF032",
        {
            "bash": bash("--save_strategy no --load_best_model_at_end True"),
            "python": call('save_strategy="no", load_best_model_at_end=True'),
        },
    ),
    Mistake(
        "KF033",
        {
            "bash": bash("--do_eval --metric_for_best_model accuracy"),
            "python": call('do_eval=True, metric_for_best_model="accuracy"'),
        },
    ),
    Mistake(
        "KF034",
        {
            "bash": bash("--warmup_ratio 0.1 --warmup_steps 100"),
            "python": call("warmup_ratio=0.1, warmup_steps=100"),
        },
        version="5.0",
    ),
    Mistake(
        "KF035",
        {
            "bash": bash("--eval_strategy steps --eval_steps 200 --save_steps 300"),
            "python": call('eval_strategy="steps", eval_steps=200, save_steps=300'),
        },
    ),
    Mistake(
        "KF101",
        {
            "bash": bash("--evaluation_strategy epoch"),
            "python": call('evaluation_strategy="epoch"'),
        },
    ),
    Mistake(
        "KF102",
        {"bash": bash("--overwrite_output_dir"), "python": call("overwrite_output_dir=True")},
    ),
    Mistake("KF110", {"bash": bash("--learnig_rate 2e-5"), "python": call("learnig_rate=2e-5")}),
    Mistake(
        "KF111",
        {
            "bash": bash("--eval_s 100"),
            # argparse's abbreviations exist on command lines only: an argv list has them.
            "python": argv('"--eval_s", "100"'),
        },
    ),
    Mistake(
        "KF112",
        {"bash": bash("--save_strategy Epoch"), "python": call('save_strategy="Epoch"')},
    ),
    Mistake(
        "KF113",
        {
            "bash": bash("--learning_rate 1e-4 --learning_rate 2e-4"),
            # A dict literal keeps the last of two equal keys, silently, as argparse does.
            "python": (
                "from transformers import TrainingArguments\n\n"
                'args = TrainingArguments(**{"output_dir": "out", "learning_rate": 1e-4, '
                '"learning_rate": 2e-4})\n'
            ),
        },
    ),
    Mistake(
        "KF114",
        {
            "bash": "#!/bin/bash\npython src/train.py --learning_rate 2e-5\n",
            "python": "from transformers import TrainingArguments\n\n"
            "args = TrainingArguments(learning_rate=2e-5)\n",
        },
        version="4.46",
    ),
    Mistake("KF201", {"bash": bash("--fp16 --bf16"), "python": call("fp16=True, bf16=True")}),
    Mistake(
        "KF203",
        {
            "bash": bash("""--deepspeed '{"fp16": {"enabled": true}}'"""),
            # The DeepSpeed config as a launch passes it: a command line.
            "python": argv(""""--deepspeed", '{"fp16": {"enabled": true}}'"""),
        },
    ),
    Mistake(
        "KF021",
        {
            "bash": bash("""--deepspeed '{"gradient_accumulation_steps": 4}'"""),
            "python": argv(""""--deepspeed", '{"gradient_accumulation_steps": 4}'"""),
        },
    ),
    Mistake(
        "KF115",
        {
            # ms-swift 4 renamed --train_type (a framework CLI: a command line, or an argv list).
            "bash": "#!/bin/bash\nswift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora\n",
            "python": (
                "import subprocess\n\n"
                'subprocess.run(["swift", "sft", "--model", "Qwen/Qwen2.5-7B-Instruct", '
                '"--train_type", "lora"], check=True)\n'
            ),
        },
    ),
    Mistake(
        "KF036",
        {
            "bash": (
                "#!/bin/bash\nllamafactory-cli train --stage sft --do_train "
                "--dataset alpaca_en_demo --output_dir saves/sft --eval_strategy steps "
                "--eval_steps 500\n"
            ),
            "python": (
                "import subprocess\n\n"
                'subprocess.run(["llamafactory-cli", "train", "--stage", "sft", "--do_train", '
                '"--dataset", "alpaca_en_demo", "--output_dir", "saves/sft", '
                '"--eval_strategy", "steps", "--eval_steps", "500"], check=True)\n'
            ),
        },
    ),
    Mistake(
        "KF202",
        {
            "bash": bash("--model_name_or_path Qwen/Qwen2.5-7B --fp16"),
            # The model is named on a command line, not in TrainingArguments: an argv list.
            "python": argv('"--model_name_or_path", "Qwen/Qwen2.5-7B", "--fp16"'),
        },
    ),
)


def notebook(python: str) -> str:
    """A Colab-style notebook whose second cell holds ``python``, one source line per string."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tune\n"]},
        {
            "cell_type": "code",
            "execution_count": 3,
            "metadata": {"id": "train"},
            "outputs": [],
            "source": python.splitlines(keepends=True),
        },
    ]
    document = {"cells": cells, "metadata": {"colab": {}}, "nbformat": 4, "nbformat_minor": 0}
    return json.dumps(document, indent=1) + "\n"


# source kind -> (file suffix, the file's text for a mistake)
SOURCES: dict[str, tuple[str, Callable[[Mistake], str]]] = {
    "bash": (".sh", lambda mistake: mistake.texts["bash"]),
    "python": (".py", lambda mistake: mistake.texts["python"]),
    "notebook": (".ipynb", lambda mistake: notebook(mistake.texts["python"])),
}
NOT_WRITABLE: dict[tuple[str, str], str] = {}


def test_every_rule_has_a_mistake_in_every_source() -> None:
    codes = {mistake.code for mistake in MISTAKES}
    assert {rule.code for rule in RULES} <= codes
    for mistake in MISTAKES:
        for kind in ("bash", "python"):
            assert kind in mistake.texts or (mistake.code, kind) in NOT_WRITABLE


@pytest.mark.parametrize("kind", list(SOURCES))
@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda mistake: mistake.code)
def test_the_rule_fires_and_its_fix_clears_it_in_every_source(
    mistake: Mistake, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if (mistake.code, kind) in NOT_WRITABLE:
        pytest.skip(NOT_WRITABLE[(mistake.code, kind)])
    suffix, text_of = SOURCES[kind]
    shutil.copytree(RULE_SOURCES, tmp_path / "src")
    path = tmp_path / f"case{suffix}"
    text = text_of(mistake)
    path.write_text(text)
    monkeypatch.chdir(tmp_path)
    resolver = Resolver([tmp_path])
    versions = (release_for(mistake.version),) if mistake.version else ()
    analysis = analyze_text(path, path.name, text, resolver, Settings(), versions, kind=kind)
    fired = [finding for finding in analysis.findings if finding.code == mistake.code]
    assert fired, [f"{f.code} {f.message}" for f in analysis.findings]
    if all(finding.fix is None for finding in fired):
        return
    outcome = fix_file(analysis, resolver, Settings(unsafe_fixes=True), include_unsafe=True)
    assert [drop.reason for drop in outcome.dropped if drop.finding.code == mistake.code] == []
    assert mistake.code not in {finding.code for finding in outcome.final.findings}
