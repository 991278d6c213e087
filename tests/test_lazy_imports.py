"""Start-up imports only what the run uses: a pre-commit run on one script must not pay for
libcst, bashlex or the report formats it did not ask for (issue 8, single-file target)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Modules a plain start-up must not load; each is imported where it is first needed.
HEAVY = (
    "libcst",
    "bashlex",
    "jsonschema",
    "yaml",
    "multiprocessing",
    "concurrent.futures",
    # read only when a project pins transformers, matched against patterns, or a value starts
    # with a dash
    "packaging.specifiers",
    "packaging.requirements",
    "packaging.markers",
    "configparser",
    "pathspec",
    "argparse",
)
OTHER_FORMATS = (
    "kefix.report.concise",
    "kefix.report.effective",
    "kefix.report.github",
    "kefix.report.json_report",
    "kefix.report.markdown",
    "kefix.report.records",
    "kefix.report.rule_docs",
    "kefix.report.sarif",
    "kefix.report.statistics",
    "kefix.resolve.dataclasses",
)
# Adapters of languages a run over shell scripts does not read.
OTHER_LANGUAGES = ("kefix.sources.notebook",)

_LOADED = """
import json, sys
{body}
print(json.dumps(sorted(sys.modules)))
"""

_RUN_CLI = """
import kefix.cli
sys.argv = ["kefix", *{args!r}]
try:
    kefix.cli.main()
except SystemExit:
    pass
"""


def _modules_after(body: str, cwd: Path) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-c", _LOADED.format(body=body)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(completed.stdout.strip().splitlines()[-1]))


def _loaded_of(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_importing_the_cli_loads_no_parser_library_and_no_other_report_format(
    tmp_path: Path,
) -> None:
    modules = _modules_after("import kefix.cli", tmp_path)
    assert _loaded_of(modules, HEAVY) == []
    assert _loaded_of(modules, OTHER_FORMATS) == []


def test_checking_a_script_without_entry_script_or_fix_loads_neither_libcst_nor_bashlex(
    tmp_path: Path,
) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\ntorchrun train.py --output_dir out --learning_rate 1e-4\n")
    # stdout carries the report first; the module list is the last line.
    body = _RUN_CLI.format(args=[str(script), "--no-color"])
    modules = _modules_after(body, tmp_path)
    assert _loaded_of(modules, HEAVY) == []
    assert _loaded_of(modules, OTHER_FORMATS) == []
    assert _loaded_of(modules, OTHER_LANGUAGES) == []


def test_the_notebook_adapter_is_loaded_when_a_notebook_is_read(tmp_path: Path) -> None:
    assert _loaded_of(_modules_after("import kefix.cli", tmp_path), OTHER_LANGUAGES) == []
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4}))
    modules = _modules_after(_RUN_CLI.format(args=[str(notebook)]), tmp_path)
    assert "kefix.sources.notebook.adapter" in modules


def test_the_report_module_of_the_requested_format_is_loaded_when_it_prints(
    tmp_path: Path,
) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\ntorchrun train.py --output_dir out\n")
    body = _RUN_CLI.format(args=[str(script), "--format", "sarif"])
    modules = _modules_after(body, tmp_path)
    assert "kefix.report.sarif" in modules
    assert "kefix.report.markdown" not in modules


def test_reading_an_entry_script_loads_no_libcst(tmp_path: Path) -> None:
    """Entry scripts are read with ast: libcst is for rendering Python fixes only."""
    (tmp_path / "train.py").write_text(
        "from dataclasses import dataclass, field\n"
        "from transformers import HfArgumentParser, TrainingArguments\n\n"
        "@dataclass\nclass Args(TrainingArguments):\n"
        "    load_best_model_at_end: bool = field(default=True)\n\n"
        "HfArgumentParser((Args,)).parse_args_into_dataclasses()\n"
    )
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\ntorchrun train.py --output_dir out --learning_rate 1e-4\n")
    body = _RUN_CLI.format(args=[str(script), "--no-color", "--no-cache"])
    modules = _modules_after(body, tmp_path)
    assert "kefix.resolve.dataclasses" in modules
    assert _loaded_of(modules, ("libcst",)) == []


def test_a_tree_with_json_but_no_yaml_config_never_imports_pyyaml(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("#!/bin/bash\ntorchrun train.py --output_dir out\n")
    (tmp_path / "package.json").write_text('{"name": "ui", "version": "1.0.0"}\n')
    (tmp_path / "config.json").write_text('{"output_dir": "out", "fp16": true}\n')
    body = _RUN_CLI.format(args=[str(tmp_path), "--no-color"])
    modules = _modules_after(body, tmp_path)
    assert _loaded_of(modules, ("yaml",)) == []
    assert "kefix.sources.config.json_reader" in modules


def test_checking_python_files_that_launch_nothing_loads_no_libcst(tmp_path: Path) -> None:
    # Big trees of unrelated Python: a text check, not a parse, decides they hold no launch.
    (tmp_path / "util.py").write_text("import json\n\ndef load(path):\n    return json.load(path)")
    (tmp_path / "model.py").write_text("class Net:\n    pass\n")
    body = _RUN_CLI.format(args=[str(tmp_path), "--no-color"])
    modules = _modules_after(body, tmp_path)
    # pathspec reads the excludes, which a walk asks about every .py file it finds.
    assert _loaded_of(modules, tuple(name for name in HEAVY if name != "pathspec")) == []
    assert "kefix.sources.python.reader" in modules


def test_fixing_a_training_call_of_literals_loads_no_libcst(tmp_path: Path) -> None:
    # Read from Python's ast (kefix.sources.python.quick): the launch, its fix and the
    # verification of the fixed text.
    script = tmp_path / "train.py"
    script.write_text(
        "from transformers import TrainingArguments\n"
        'TrainingArguments(output_dir="out", evaluation_strategy="steps", fp16=True)\n'
    )
    body = _RUN_CLI.format(args=[str(script), "--no-color", "--no-cache", "--apply"])
    modules = _modules_after(body, tmp_path)
    assert "eval_strategy=" in script.read_text()
    assert "kefix.sources.python.reader" in modules
    assert _loaded_of(modules, ("libcst",)) == []


def test_a_command_held_in_a_name_is_read_with_libcst(tmp_path: Path) -> None:
    # Its other uses (cmd.append(...)) are found by libcst's scopes; a literal is read from ast.
    script = tmp_path / "launch.py"
    script.write_text(
        "import subprocess\n"
        'cmd = ["torchrun", "train.py", "--fp16", "--bf16"]\n'
        "subprocess.run(cmd)\n"
    )
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-color"]), tmp_path)
    assert "libcst" in modules
    script.write_text(
        'import subprocess\nsubprocess.run(["torchrun", "train.py", "--fp16", "--bf16"])\n'
    )
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-color"]), tmp_path)
    assert "libcst" not in modules


def test_framework_knowledge_is_loaded_only_for_a_framework_launch(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\ntorchrun train.py --output_dir out --fp16 --bf16\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-color"]), tmp_path)
    assert "kefix.resolve.framework" not in modules
    assert "kefix.knowledge.frameworks" not in modules
    script.write_text("#!/bin/bash\nswift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-color"]), tmp_path)
    assert "kefix.resolve.framework" in modules
