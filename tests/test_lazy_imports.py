"""Start-up imports only what the run uses: a pre-commit run on one script must not pay for
libcst, bashlex or the report formats it did not ask for (issue 8, single-file target)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    # OpenSSL's libcrypto (~3 ms): kefix.digests hashes a short run's bytes without it
    "hashlib",
    "_hashlib",
    # kefix.rules lists its modules itself
    "pkgutil",
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
    plots = tmp_path / "plots.ipynb"
    plots.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4}))
    modules = _modules_after(_RUN_CLI.format(args=[str(plots)]), tmp_path)
    assert "kefix.sources.notebook.adapter" not in modules  # no launch can be in it
    notebook = tmp_path / "train.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "source": ["!torchrun train.py --bf16\n"]}
    notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4}))
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
    # kefix's records are msgspec Structs: creating a dataclass costs ~0.7 ms a class.
    assert "dataclasses" not in modules


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
    assert "kefix.knowledge.framework_conventions" not in modules
    script.write_text("#!/bin/bash\nswift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-color"]), tmp_path)
    assert "kefix.resolve.framework" in modules
    # Checked against the knowledge kefix ships: no framework source is read, archived or not.
    assert _loaded_of(modules, ("kefix.knowledge.framework_source", "tarfile", "zipfile")) == []


def test_the_model_family_table_is_read_only_for_an_fp16_launch(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    launch = "torchrun train.py --model_name_or_path Qwen/Qwen3.5-9B --{} --output_dir o\n"
    script.write_text(launch.format("bf16"))
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.knowledge.model_families" not in modules
    script.write_text(launch.format("fp16"))
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.knowledge.model_families" in modules


def test_a_framework_that_is_not_installed_is_not_looked_up_in_package_metadata(
    tmp_path: Path,
) -> None:
    # importlib.metadata (and the email parser it imports) answers only where the package is.
    if importlib.util.find_spec("swift") is not None:
        pytest.skip("ms-swift is installed here")
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/bash\nswift sft --model Qwen/Qwen2.5-7B-Instruct --train_type lora\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.resolve.framework" in modules
    assert "importlib.metadata" not in modules


def test_difflib_is_imported_only_to_suggest_a_close_match(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("torchrun train.py --output_dir o --learning_rate 1e-4\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "difflib" not in modules
    # An entry script whose parser is known makes an unknown flag a finding with a guess.
    (tmp_path / "train.py").write_text(
        "from transformers import HfArgumentParser, TrainingArguments\n"
        "HfArgumentParser((TrainingArguments,)).parse_args_into_dataclasses()\n"
    )
    script.write_text("torchrun train.py --output_dir o --learnig_rate 1e-4\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "difflib" in modules


def test_the_config_file_reader_is_loaded_only_for_a_launch_that_names_a_config_file(
    tmp_path: Path,
) -> None:
    script = tmp_path / "run.sh"
    script.write_text("torchrun train.py --output_dir o --learning_rate 1e-4\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.resolve.config_files" not in modules
    (tmp_path / "args.json").write_text('{"output_dir": "o", "fp16": true}\n')
    script.write_text("python train.py args.json\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.resolve.config_files" in modules


def test_the_cli_is_imported_without_collections_and_then_kept_out_of_them(
    tmp_path: Path,
) -> None:
    # Start-up's objects live to the end: collecting among them frees nothing.
    body = """
import gc
during_import = []
def watch(phase, info):
    if phase == "start" and not hasattr(sys.modules.get("kefix.cli"), "main"):
        during_import.append(info["generation"])
from kefix.__main__ import run  # main() would end the process at once
gc.callbacks.append(watch)
sys.argv = ["kefix", "--version"]
try:
    run()
except SystemExit:
    pass
assert gc.isenabled()
assert during_import == [], during_import
cli_namespace = vars(sys.modules["kefix.cli"])
assert not any(tracked is cli_namespace for tracked in gc.get_objects()), "not frozen"
"""
    assert "kefix.cli" in _modules_after(body, tmp_path)


def test_the_bash_grammar_is_loaded_only_when_a_shell_script_is_read(tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("output_dir: out\nfp16: true\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(config), "--no-cache"]), tmp_path)
    # tree_sitter_bash imports importlib.resources; kefix reads its own data files directly.
    assert _loaded_of(modules, ("tree_sitter", "tree_sitter_bash", "importlib.resources")) == []
    script = tmp_path / "run.sh"
    script.write_text("torchrun train.py --output_dir out\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    # The grammar's compiled binding alone: the package's __init__ imports importlib.resources.
    assert "tree_sitter_bash._binding" in modules
    assert _loaded_of(modules, ("tree_sitter_bash", "importlib.resources")) == [
        "tree_sitter_bash._binding"
    ]
    assert "signal" not in modules  # names how a crashed parser child ended; none crashed


def test_suppressions_are_read_only_in_a_file_that_has_a_directive(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("torchrun train.py --output_dir o --fp16 --bf16\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.suppressions" not in modules
    script.write_text("torchrun train.py --output_dir o --fp16 --bf16  # kefix: ignore\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert "kefix.suppressions" in modules


_SERVED = """
import kefix.cache
kefix.cache._SETTLED_NS = 0  # the files were written moments ago: trust their stamps
served = kefix.cache.ResultCache.served_run
def spy(self, paths):
    found = served(self, paths)
    print("served:", found is not None)
    return found
kefix.cache.ResultCache.served_run = spy
"""


def test_a_run_served_from_its_record_loads_no_script_reader(tmp_path: Path) -> None:
    project = tmp_path / "project"  # a repository: what lies above it does not count
    (project / ".git").mkdir(parents=True)
    (project / "run.sh").write_text(
        "#!/bin/bash\ntorchrun train.py --output_dir out --evaluation_strategy steps\n"
    )
    args = [".", "--no-color", "--cache-dir", str(tmp_path / "cache")]
    body = _SERVED + _RUN_CLI.format(args=args)
    reports = []
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-c", _LOADED.format(body=body)],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        *report, modules = completed.stdout.strip().splitlines()
        reports.append(report)
    assert reports[0][0] == "served: False"
    assert reports[1][0] == "served: True"
    assert reports[1][1:] == reports[0][1:]
    assert any("evaluation_strategy" in line for line in reports[1])
    loaded = set(json.loads(modules))
    assert _loaded_of(loaded, ("kefix.sources.bash", "bashlex", "tree_sitter")) == []


def test_the_bash_fix_renderer_and_verifier_are_loaded_only_for_a_fix(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("torchrun train.py --output_dir o --learning_rate 1e-4\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    fixing = ("kefix.sources.bash.render", "kefix.sources.bash.verify")
    assert _loaded_of(modules, fixing) == []
    assert "kefix.sources.bash.crosscheck" not in modules
    script.write_text("torchrun train.py --output_dir o --evaluation_strategy steps\n")
    modules = _modules_after(_RUN_CLI.format(args=[str(script), "--no-cache"]), tmp_path)
    assert _loaded_of(modules, fixing) == list(fixing)
