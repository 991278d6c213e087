"""--show-launches and --show-config: what kefix resolved and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

from support import kefix

ROOT = Path(__file__).resolve().parent.parent
DEEPKE = ROOT / "fixtures" / "deepke"
DATA = ROOT / "tests" / "data" / "show"


def test_deepke_default_is_shown_with_the_dataclass_line() -> None:
    result = kefix("--show-config", "ft_scripts/fine_baichuan.bash", cwd=DEEPKE)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "ft_scripts/fine_baichuan.bash:3: torchrun src/finetune.py"
    assert "  load_best_model_at_end = True (dataclass default, src/utils/args.py:14)" in lines
    assert (
        "  eval_strategy = 'no' "
        "(command-line flag --evaluation_strategy, ft_scripts/fine_baichuan.bash:23)"
    ) in lines


def test_a_flag_over_a_dataclass_default_shows_both_layers() -> None:
    result = kefix("--show-config", "ft_scripts/fine_baichuan.bash", cwd=DEEPKE)
    assert (
        "  output_dir = 'lora/baichuan2-13b-chat-v1' (command-line flag --output_dir, "
        "ft_scripts/fine_baichuan.bash:11; overrides dataclass default, "
        "src/utils/args.py:11: 'lora/default')"
    ) in result.stdout.splitlines()


def test_a_repeated_flag_shows_the_value_it_overrides_and_unknowns_their_expression() -> None:
    # Run from the repository root: the launched script lies outside tests/data/show.
    result = kefix("--show-config", "tests/data/show/overrides.sh", cwd=ROOT)
    lines = result.stdout.splitlines()
    assert (
        "  save_steps = 200.0 (command-line flag --save_steps, tests/data/show/overrides.sh:7; "
        "overrides command-line flag --save_steps, tests/data/show/overrides.sh:5: 100.0)"
    ) in lines
    assert (
        "  eval_strategy = <unknown: $EVAL_STRATEGY> (command-line flag --eval_strategy, "
        "tests/data/show/overrides.sh:6)"
    ) in lines


def test_an_entry_script_outside_the_given_paths_is_not_read() -> None:
    result = kefix("--show-launches", "overrides.sh", cwd=DATA)
    assert "  status: checked with transformers defaults: entry script " in result.stdout


def test_line_selects_the_launch_and_a_line_without_one_says_so() -> None:
    at_flag = kefix("--show-config", "ft_scripts/fine_baichuan.bash:20", cwd=DEEPKE)
    assert at_flag.stdout.startswith("ft_scripts/fine_baichuan.bash:3: torchrun")
    nowhere = kefix("--show-config", "ft_scripts/fine_baichuan.bash:1", cwd=DEEPKE)
    assert nowhere.stdout.strip() == "No Trainer launch at ft_scripts/fine_baichuan.bash:1."


def test_show_launches_says_when_the_entry_script_is_missing_instead_of_guessing() -> None:
    result = kefix("--show-launches", "missing_entry.sh", cwd=DATA)
    assert result.returncode == 0
    blocks = result.stdout.split("\n\n")
    assert blocks[0].splitlines() == [
        "missing_entry.sh:2: python scripts/not_here.py",
        "  config files: none",
        "  transformers: 5.25.0 (newest release kefix knows)",
        "  status: checked with transformers defaults: entry script scripts/not_here.py not found",
    ]
    assert blocks[1].splitlines()[-1] == (
        "  status: not checked: entry script tools/prepare_data.py not found "
        "and fewer than two TrainingArguments flags"
    )


def test_show_launches_lists_the_parser_dataclasses() -> None:
    result = kefix("--show-launches", "ft_scripts/fine_llama.bash", cwd=DEEPKE)
    assert (
        "  parser: ModelArguments (src/utils/args.py:18), DataArguments (src/utils/args.py:26), "
        "TrainingArguments (src/utils/args.py:8, a Seq2SeqTrainingArguments), "
        "FinetuningArguments (src/utils/args.py:38)"
    ) in result.stdout.splitlines()


def test_json_gives_the_same_values_as_data() -> None:
    result = kefix("--show-config", "ft_scripts/fine_baichuan.bash", "--format", "json", cwd=DEEPKE)
    document = json.loads(result.stdout)
    (launch,) = document["launches"]
    values = {value["name"]: value for value in launch["values"]}
    best = values["load_best_model_at_end"]
    assert best["value"] is True
    assert (best["layer"], best["file"], best["line"]) == (
        "dataclass default",
        "src/utils/args.py",
        14,
    )
    assert best["overrides"][0]["layer"] == "transformers default"
    assert best["overrides"][0]["value"] is False
    assert launch["entry_path"] == "src/finetune.py"
    assert [d["name"] for d in launch["dataclasses"]][2] == "TrainingArguments"


def test_findings_use_the_same_provenance_text_as_show_config() -> None:
    check = kefix("ft_scripts/fine_baichuan.bash", cwd=DEEPKE)
    shown = kefix("--show-config", "ft_scripts/fine_baichuan.bash", "--format", "json", cwd=DEEPKE)
    values = {v["name"]: v for v in json.loads(shown.stdout)["launches"][0]["values"]}
    origin = values["load_best_model_at_end"]["origin"]
    assert f"  = note: load_best_model_at_end=True comes from {origin}" in check.stdout


def test_format_json_without_a_show_option_reports_the_findings() -> None:
    result = kefix("--format", "json", "ft_scripts", cwd=DEEPKE)
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["code"] == "KF001"
