"""An entry script is parsed once in a run, though it is read twice: as the parser of the
launches that name it, and as a file of the tree (issue 8, target 5)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from kefix.config import Settings
from kefix.runner import run
from kefix.sources.python import module_trees
from kefix.sources.python.module_trees import forget_trees, parse_module

_ENTRY = """\
from dataclasses import dataclass, field
from transformers import HfArgumentParser, TrainingArguments


@dataclass
class DataArguments:
    data_path: str = field(default="data/train.json")


def main():
    parser = HfArgumentParser((DataArguments, TrainingArguments))
    data_args, training_args = parser.parse_args_into_dataclasses()


if __name__ == "__main__":
    main()
"""

_LAUNCH = """\
#!/bin/bash
torchrun --nproc_per_node=2 src/finetune.py \\
    --output_dir output/{name} \\
    --evaluation_strategy no \\
    --save_strategy epoch
"""


def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    forget_trees()  # a text an earlier test parsed would not be parsed here
    parsed: Counter[str] = Counter()
    real_parse = ast.parse

    def counting_parse(source: str | bytes, *args: object, **kwargs: object) -> ast.Module:
        parsed[source if isinstance(source, str) else source.decode()] += 1
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    return parsed


def test_an_entry_script_that_is_also_checked_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "src" / "finetune.py").write_text(_ENTRY)
    for name in ("a", "b"):
        (tmp_path / "scripts" / f"run_{name}.sh").write_text(_LAUNCH.format(name=name))
    monkeypatch.chdir(tmp_path)
    parsed = _counting_parses(monkeypatch)

    result = run([Path(".")], Settings(), apply=False, jobs=1)

    # Both launches were checked against the entry script's parser (the script's own
    # file holds no launch), and its text went through Python's parser once.
    assert [finding.code for file in result.files for finding in file.analysis.findings] == [
        "KF101",
        "KF101",
    ]
    assert parsed[_ENTRY] == 1


def test_a_text_is_parsed_again_once_newer_texts_fill_what_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = _counting_parses(monkeypatch)
    monkeypatch.setattr(module_trees, "_KEPT_CHARACTERS", 100)
    first = "x = 1\n" * 10  # 60 characters
    second = "y = 2\n" * 10

    assert parse_module(first) is parse_module(first)
    parse_module(second)  # 120 characters kept: the first is let go
    parse_module(first)

    assert parsed == Counter({first: 2, second: 1})


def test_a_text_larger_than_what_is_kept_is_parsed_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = _counting_parses(monkeypatch)
    monkeypatch.setattr(module_trees, "_KEPT_CHARACTERS", 10)
    text = "value = 12345\n"

    parse_module(text)
    parse_module(text)

    assert parsed == Counter({text: 2})


def test_only_the_last_few_trees_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _counting_parses(monkeypatch)
    monkeypatch.setattr(module_trees, "_KEPT_TREES", 2)
    texts = [f"value_{index} = {index}\n" for index in range(3)]

    for text in texts:
        parse_module(text)
    for text in reversed(texts):  # the last two are kept, the first was let go
        parse_module(text)

    assert parsed == Counter({texts[0]: 2, texts[1]: 1, texts[2]: 1})
