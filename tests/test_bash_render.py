"""Fix rendering: edits in the launch's own style; everything else stays byte-identical."""

from __future__ import annotations

from kefix.fix import apply_edits
from kefix.model import Arg, Edit, Launch
from kefix.sources.bash import parse_launch_script, render


def _launch(text: str) -> Launch:
    launches = parse_launch_script("train.sh", text).launches
    assert len(launches) == 1
    return launches[0]


def _arg(launch: Launch, name: str) -> Arg:
    (arg,) = [arg for arg in launch.args if arg.name == name]
    return arg


def _values_after(text: str) -> dict[str, tuple[object, ...]]:
    """The flags bash would pass in the fixed text, which must still parse to one clean launch."""
    launch = _launch(text)
    assert launch.detached == ()
    return {arg.name: arg.values for arg in launch.args}


def _apply(text: str, edits: list[Edit]) -> str:
    assert edits, "the render produced no edit"
    return apply_edits(text, edits)


def insert(text: str, name: str, value: str | bool, after: str | None = None) -> str:
    launch = _launch(text)
    anchor = None if after is None else _arg(launch, after)
    return _apply(text, render.insert_flag(text, launch, anchor, name, value))


def set_value(text: str, flag: str, name: str, value: str | bool) -> str:
    launch = _launch(text)
    return _apply(text, render.set_value(text, launch, _arg(launch, flag), name, value))


def remove(text: str, flag: str) -> str:
    launch = _launch(text)
    return _apply(text, render.remove_flag(text, launch, _arg(launch, flag)))


def rename(text: str, flag: str, new_name: str) -> str:
    launch = _launch(text)
    return _apply(text, render.rename_flag(text, launch, _arg(launch, flag), new_name))


def repair(text: str) -> str:
    launch = _launch(text)
    (detached,) = launch.detached
    return _apply(text, render.repair_continuation(text, launch, detached))


ONE_PER_LINE = """\
torchrun --nproc_per_node 2 src/finetune.py \\
    --model_name_or_path baichuan-inc/Baichuan2-7B-Base \\
    --evaluation_strategy no \\
    --save_strategy epoch \\
    --fp16
"""


# ----------------------------------------------------------------------------- insert_flag


def test_insert_after_a_flag_in_one_flag_per_line_style_gets_its_own_indented_line() -> None:
    fixed = insert(ONE_PER_LINE, "load_best_model_at_end", "False", after="save_strategy")
    assert fixed == (
        "torchrun --nproc_per_node 2 src/finetune.py \\\n"
        "    --model_name_or_path baichuan-inc/Baichuan2-7B-Base \\\n"
        "    --evaluation_strategy no \\\n"
        "    --save_strategy epoch \\\n"
        "    --load_best_model_at_end False \\\n"
        "    --fp16\n"
    )
    assert _values_after(fixed)["load_best_model_at_end"] == ("False",)


def test_insert_after_the_last_flag_continues_the_block() -> None:
    fixed = insert(ONE_PER_LINE, "eval_steps", "500")
    assert fixed == ONE_PER_LINE[:-1] + " \\\n    --eval_steps 500\n"
    assert _values_after(fixed)["eval_steps"] == ("500",)


def test_insert_keeps_tab_indentation() -> None:
    text = "python train.py \\\n\t--lr 1 \\\n\t--seed 2\n"
    fixed = insert(text, "bf16", "True", after="lr")
    assert fixed == "python train.py \\\n\t--lr 1 \\\n\t--bf16 True \\\n\t--seed 2\n"
    assert _values_after(fixed)["bf16"] == ("True",)


def test_insert_in_inline_style_stays_on_the_line() -> None:
    text = "CUDA_VISIBLE_DEVICES=0 python finetune.py --base_model llama --num_epochs 3\n"
    fixed = insert(text, "val_set_size", "2000", after="base_model")
    assert fixed == (
        "CUDA_VISIBLE_DEVICES=0 python finetune.py --base_model llama --val_set_size 2000 "
        "--num_epochs 3\n"
    )
    assert _values_after(fixed)["val_set_size"] == ("2000",)


def test_insert_in_equals_style_uses_equals() -> None:
    text = "python run_clm.py --output_dir=out --learning_rate=2e-5\n"
    fixed = insert(text, "save_steps", "500")
    assert fixed == "python run_clm.py --output_dir=out --learning_rate=2e-5 --save_steps=500\n"
    assert _values_after(fixed)["save_steps"] == ("500",)


def test_insert_in_quoted_style_quotes_the_value() -> None:
    text = 'python train.py --evaluation_strategy "no" --save_strategy "epoch" --output_dir "out"\n'
    fixed = insert(text, "report_to", "none")
    assert fixed == (
        'python train.py --evaluation_strategy "no" --save_strategy "epoch" --output_dir "out" '
        '--report_to "none"\n'
    )
    assert _values_after(fixed)["report_to"] == ("none",)


def test_insert_true_as_a_bare_flag_when_the_launch_writes_booleans_bare() -> None:
    text = "python train.py --do_train --do_eval --output_dir out\n"
    fixed = insert(text, "bf16", True)
    assert fixed == "python train.py --do_train --do_eval --output_dir out --bf16\n"
    assert _values_after(fixed)["bf16"] == ()


def test_insert_boolean_as_lowercase_true_when_the_launch_does() -> None:
    text = "python train.py --do_train true --fp16 false --lr 1\n"
    fixed = insert(text, "bf16", True)
    assert fixed == "python train.py --do_train true --fp16 false --lr 1 --bf16 true\n"
    assert _values_after(fixed)["bf16"] == ("true",)


def test_insert_boolean_as_capitalised_true_by_default() -> None:
    text = "python train.py --lr 1 --output_dir out\n"
    fixed = insert(text, "load_best_model_at_end", True)
    assert fixed == "python train.py --lr 1 --output_dir out --load_best_model_at_end True\n"


def test_insert_with_dashed_names_when_the_launch_uses_dashes() -> None:
    text = "python train.py --per-device-train-batch-size 4 --learning-rate 1e-5\n"
    fixed = insert(text, "gradient_accumulation_steps", "8")
    assert fixed == (
        "python train.py --per-device-train-batch-size 4 --learning-rate 1e-5 "
        "--gradient-accumulation-steps 8\n"
    )
    assert _values_after(fixed)["gradient-accumulation-steps"] == ("8",)


def test_insert_a_value_with_blanks_is_quoted() -> None:
    text = "python train.py --lr 1\n"
    fixed = insert(text, "run_name", "my run")
    assert fixed == "python train.py --lr 1 --run_name 'my run'\n"
    assert _values_after(fixed)["run_name"] == ("my run",)


def test_insert_after_the_last_flag_keeps_a_trailing_tee_intact() -> None:
    text = "python train.py --lr 1 --seed 42 | tee train.log\n"
    fixed = insert(text, "save_steps", "500")
    assert fixed == "python train.py --lr 1 --seed 42 --save_steps 500 | tee train.log\n"
    assert _values_after(fixed)["save_steps"] == ("500",)


def test_insert_after_the_last_flag_keeps_redirection_and_background_intact() -> None:
    text = "nohup python train.py --lr 1 --bf16 > log/train.log 2>&1 &\n"
    fixed = insert(text, "save_steps", "500")
    assert fixed == "nohup python train.py --lr 1 --bf16 --save_steps 500 > log/train.log 2>&1 &\n"
    assert _values_after(fixed)["save_steps"] == ("500",)


def test_insert_after_the_last_flag_before_a_redirection_line() -> None:
    text = (
        "deepspeed --num_gpus 8 train.py \\\n"
        "    --lr 1 \\\n"
        "    --seed 42 \\\n"
        "    > log/train.log 2>&1 &\n"
    )
    fixed = insert(text, "save_steps", "500")
    assert fixed == (
        "deepspeed --num_gpus 8 train.py \\\n"
        "    --lr 1 \\\n"
        "    --seed 42 \\\n"
        "    --save_steps 500 \\\n"
        "    > log/train.log 2>&1 &\n"
    )
    assert _values_after(fixed)["save_steps"] == ("500",)


def test_insert_after_a_last_flag_piped_to_tee_keeps_one_flag_per_line() -> None:
    text = (
        "torchrun --nproc_per_node 2 train.py \\\n"
        "    --model_name_or_path qwen \\\n"
        "    --save_strategy epoch \\\n"
        "    --fp16 | tee train.log\n"
    )
    fixed = insert(text, "eval_strategy", "epoch")
    assert fixed == (
        "torchrun --nproc_per_node 2 train.py \\\n"
        "    --model_name_or_path qwen \\\n"
        "    --save_strategy epoch \\\n"
        "    --fp16 \\\n"
        "    --eval_strategy epoch | tee train.log\n"
    )
    assert _values_after(fixed)["eval_strategy"] == ("epoch",)


def test_insert_in_a_crlf_file_writes_crlf() -> None:
    text = "python train.py \\\r\n    --lr 1 \\\r\n    --bf16\r\n"
    fixed = insert(text, "save_steps", "500")
    assert (
        fixed == "python train.py \\\r\n    --lr 1 \\\r\n    --bf16 \\\r\n    --save_steps 500\r\n"
    )
    assert _values_after(fixed)["save_steps"] == ("500",)


def test_insert_in_the_middle_of_a_crlf_block_writes_crlf() -> None:
    text = "python train.py \\\r\n    --lr 1 \\\r\n    --bf16\r\n"
    fixed = insert(text, "seed", "42", after="lr")
    assert fixed == "python train.py \\\r\n    --lr 1 \\\r\n    --seed 42 \\\r\n    --bf16\r\n"
    assert "\n" not in fixed.replace("\r\n", "")


def test_insert_into_a_launch_without_flags_appends_to_the_command() -> None:
    text = "python train.py | tee log\n"
    fixed = insert(text, "do_train", "True")
    assert fixed == "python train.py --do_train True | tee log\n"
    assert _values_after(fixed)["do_train"] == ("True",)


# ----------------------------------------------------------------------------- set_value


def test_set_value_replaces_only_the_value() -> None:
    fixed = set_value(ONE_PER_LINE, "evaluation_strategy", "evaluation_strategy", "epoch")
    assert fixed == ONE_PER_LINE.replace("--evaluation_strategy no", "--evaluation_strategy epoch")
    assert _values_after(fixed)["evaluation_strategy"] == ("epoch",)


def test_set_value_on_a_quoted_value_keeps_the_quotes() -> None:
    text = 'python train.py --evaluation_strategy "no" --save_strategy "epoch" --output_dir "out"\n'
    fixed = set_value(text, "evaluation_strategy", "evaluation_strategy", "epoch")
    assert fixed == (
        'python train.py --evaluation_strategy "epoch" --save_strategy "epoch" --output_dir "out"\n'
    )
    assert _values_after(fixed)["evaluation_strategy"] == ("epoch",)


def test_set_value_in_equals_style() -> None:
    text = "python run_clm.py --learning_rate=5e-5 --output_dir=out\n"
    fixed = set_value(text, "learning_rate", "learning_rate", "2e-5")
    assert fixed == "python run_clm.py --learning_rate=2e-5 --output_dir=out\n"
    assert _values_after(fixed)["learning_rate"] == ("2e-5",)


def test_set_value_false_on_a_bare_flag_writes_an_explicit_value() -> None:
    text = "python train.py --lr 1 --fp16 > log 2>&1 &\n"
    fixed = set_value(text, "fp16", "fp16", False)
    assert fixed == "python train.py --lr 1 --fp16 False > log 2>&1 &\n"
    assert _values_after(fixed)["fp16"] == ("False",)


def test_set_value_true_on_a_bare_flag_changes_nothing() -> None:
    text = "python train.py --do_train --do_eval\n"
    launch = _launch(text)
    assert render.set_value(text, launch, _arg(launch, "do_eval"), "do_eval", True) == []


def test_set_value_on_a_negated_flag_writes_the_positive_flag() -> None:
    text = "python train.py --no_remove_unused_columns --lr 1\n"
    fixed = set_value(text, "no_remove_unused_columns", "remove_unused_columns", True)
    assert fixed == "python train.py --remove_unused_columns True --lr 1\n"
    assert _values_after(fixed)["remove_unused_columns"] == ("True",)


def test_set_value_of_a_list_flag_replaces_every_word() -> None:
    text = "python train.py --report_to wandb tensorboard --seed 1\n"
    fixed = set_value(text, "report_to", "report_to", "none")
    assert fixed == "python train.py --report_to none --seed 1\n"
    assert _values_after(fixed)["report_to"] == ("none",)


# ----------------------------------------------------------------------------- remove_flag


def test_remove_a_flag_alone_on_its_line_takes_the_line() -> None:
    fixed = remove(ONE_PER_LINE, "evaluation_strategy")
    assert fixed == ONE_PER_LINE.replace("    --evaluation_strategy no \\\n", "")
    assert "evaluation_strategy" not in _values_after(fixed)


def test_remove_the_last_flag_of_a_block_removes_the_preceding_backslash() -> None:
    fixed = remove(ONE_PER_LINE, "fp16")
    assert fixed == (
        "torchrun --nproc_per_node 2 src/finetune.py \\\n"
        "    --model_name_or_path baichuan-inc/Baichuan2-7B-Base \\\n"
        "    --evaluation_strategy no \\\n"
        "    --save_strategy epoch\n"
    )
    assert list(_values_after(fixed)) == [
        "model_name_or_path",
        "evaluation_strategy",
        "save_strategy",
    ]


def test_remove_the_last_flag_of_a_crlf_block() -> None:
    text = "python train.py \\\r\n    --lr 1 \\\r\n    --bf16\r\n"
    fixed = remove(text, "bf16")
    assert fixed == "python train.py \\\r\n    --lr 1\r\n"
    assert _values_after(fixed) == {"lr": ("1",)}


def test_remove_an_inline_flag_and_its_blank() -> None:
    text = "python train.py --lr 1 --fp16 --seed 42 > log 2>&1 &\n"
    fixed = remove(text, "fp16")
    assert fixed == "python train.py --lr 1 --seed 42 > log 2>&1 &\n"
    assert _values_after(fixed) == {"lr": ("1",), "seed": ("42",)}


def test_remove_the_last_inline_flag_keeps_the_tee() -> None:
    text = "python train.py --lr 1 --evaluation_strategy no | tee log\n"
    fixed = remove(text, "evaluation_strategy")
    assert fixed == "python train.py --lr 1 | tee log\n"


def test_remove_the_last_flag_of_a_block_piped_to_tee_moves_the_pipe_up() -> None:
    text = (
        "torchrun --nproc_per_node 2 train.py \\\n"
        "    --model_name_or_path qwen \\\n"
        "    --save_strategy epoch \\\n"
        "    --fp16 | tee train.log\n"
    )
    fixed = remove(text, "fp16")
    assert fixed == (
        "torchrun --nproc_per_node 2 train.py \\\n"
        "    --model_name_or_path qwen \\\n"
        "    --save_strategy epoch | tee train.log\n"
    )
    assert list(_values_after(fixed)) == ["model_name_or_path", "save_strategy"]


# ----------------------------------------------------------------------------- rename_flag


def test_rename_keeps_the_value_and_layout() -> None:
    fixed = rename(ONE_PER_LINE, "evaluation_strategy", "eval_strategy")
    assert fixed == ONE_PER_LINE.replace("--evaluation_strategy no", "--eval_strategy no")
    assert _values_after(fixed)["eval_strategy"] == ("no",)


def test_rename_an_equals_flag() -> None:
    text = "python train.py --evaluation_strategy=steps --eval_steps=100\n"
    fixed = rename(text, "evaluation_strategy", "eval_strategy")
    assert fixed == "python train.py --eval_strategy=steps --eval_steps=100\n"


def test_rename_writes_exactly_the_spelling_the_rule_asks_for() -> None:
    # Dashed spellings only exist from transformers 4.46: the rule picks the spelling.
    text = "python train.py --evaluation-strategy steps\n"
    fixed = rename(text, "evaluation-strategy", "eval_strategy")
    assert fixed == "python train.py --eval_strategy steps\n"
    assert _values_after(fixed)["eval_strategy"] == ("steps",)


# ----------------------------------------------------------------------------- repair_continuation


def test_repair_comment_line_moves_the_comment_above_the_launch() -> None:
    text = """\
set -e
torchrun --nproc_per_node 2 train.py \\
    --model_name_or_path baichuan \\
    # --deepspeed ds.json \\
    --save_strategy epoch \\
    --fp16
"""
    fixed = repair(text)
    assert fixed == (
        "set -e\n"
        "    # --deepspeed ds.json \\\n"
        "torchrun --nproc_per_node 2 train.py \\\n"
        "    --model_name_or_path baichuan \\\n"
        "    --save_strategy epoch \\\n"
        "    --fp16\n"
    )
    assert list(_values_after(fixed)) == ["model_name_or_path", "save_strategy", "fp16"]


def test_repair_removes_the_blank_after_the_backslash() -> None:
    text = "python train.py \\\n    --lr 1 \\ \n    --save_strategy epoch \\\n    --bf16\n"
    fixed = repair(text)
    assert fixed == "python train.py \\\n    --lr 1 \\\n    --save_strategy epoch \\\n    --bf16\n"
    assert list(_values_after(fixed)) == ["lr", "save_strategy", "bf16"]


def test_repair_adds_the_missing_backslash() -> None:
    text = "python train.py \\\n    --lr 1\n    --save_strategy epoch \\\n    --bf16\n"
    fixed = repair(text)
    assert fixed == "python train.py \\\n    --lr 1 \\\n    --save_strategy epoch \\\n    --bf16\n"
    assert list(_values_after(fixed)) == ["lr", "save_strategy", "bf16"]


def test_repair_adds_the_missing_backslash_in_a_crlf_file() -> None:
    text = "python train.py \\\r\n    --lr 1\r\n    --bf16\r\n"
    fixed = repair(text)
    assert fixed == "python train.py \\\r\n    --lr 1 \\\r\n    --bf16\r\n"
    assert list(_values_after(fixed)) == ["lr", "bf16"]


def test_repair_separates_a_glued_backslash_from_its_value() -> None:
    text = "python train.py \\\n    --warmup_ratio 0.03\\\n--fp16 \\\n    --seed 42\n"
    fixed = repair(text)
    assert fixed == "python train.py \\\n    --warmup_ratio 0.03 \\\n--fp16 \\\n    --seed 42\n"
    assert _values_after(fixed) == {"warmup_ratio": ("0.03",), "fp16": (), "seed": ("42",)}
