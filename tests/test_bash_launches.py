"""Reading launch scripts: which entry point each launch runs, with which flags, and where."""

from __future__ import annotations

import pytest

from kefix.model import Arg, ArgStyle, Launch, Unknown
from kefix.sources.bash import parse_launch_script


def _launches(text: str) -> tuple[Launch, ...]:
    return parse_launch_script("train.sh", text).launches


def _only_launch(text: str) -> Launch:
    launches = _launches(text)
    assert len(launches) == 1, [launch.entry for launch in launches]
    return launches[0]


def _arg(launch: Launch, name: str) -> Arg:
    found = [arg for arg in launch.args if arg.name == name]
    assert len(found) == 1, [arg.name for arg in launch.args]
    return found[0]


def _names(launch: Launch) -> list[str]:
    return [arg.name for arg in launch.args]


def _source(text: str, start: int, end: int) -> str:
    return text[start:end]


# ----------------------------------------------------------------------------- launchers

LAUNCHER_CASES = {
    "python": (
        "python finetune.py --base_model llama-7b --num_epochs 3\n",
        "python",
        "finetune.py",
        "script",
        [],
    ),
    "python3_unbuffered": (
        "python3 -u src/train_bash.py --stage sft --do_train\n",
        "python",
        "src/train_bash.py",
        "script",
        ["u"],
    ),
    "absolute_python_with_version": (
        "/usr/bin/python3.10 train.py --learning_rate 2e-5\n",
        "python",
        "train.py",
        "script",
        [],
    ),
    "python_module": (
        "python -m fastchat.train.train_mem --model_name_or_path vicuna --bf16 True\n",
        "python",
        "fastchat.train.train_mem",
        "module",
        ["m"],
    ),
    "torchrun": (
        "torchrun --nproc_per_node=4 --master_port 29500 fastchat/train/train.py "
        "--model_name_or_path vicuna --bf16 True\n",
        "torchrun",
        "fastchat/train/train.py",
        "script",
        ["nproc_per_node", "master_port"],
    ),
    "torch_distributed_launch": (
        "python -m torch.distributed.launch --nproc_per_node 2 run_clm.py "
        "--output_dir out --do_train\n",
        "python -m torch.distributed.launch",
        "run_clm.py",
        "script",
        ["nproc_per_node", "m"],
    ),
    "torch_distributed_run": (
        "python -m torch.distributed.run --nnodes 1 --nproc_per_node 8 --master_port 29501 "
        "train.py --output_dir out --do_train\n",
        "python -m torch.distributed.run",
        "train.py",
        "script",
        ["nnodes", "nproc_per_node", "master_port"],
    ),
    "deepspeed_include": (
        "deepspeed --include localhost:2,3 --master_port 1234 src/train_bash.py "
        "--deepspeed ds_config.json --do_train\n",
        "deepspeed",
        "src/train_bash.py",
        "script",
        ["include", "master_port"],
    ),
    "deepspeed_num_gpus": (
        "deepspeed --num_gpus 8 train.py --deepspeed ds_z3.json --output_dir out\n",
        "deepspeed",
        "train.py",
        "script",
        ["num_gpus"],
    ),
    "accelerate_launch": (
        "accelerate launch --config_file c.yaml --num_processes 2 run_sft.py "
        "--output_dir out --do_train\n",
        "accelerate launch",
        "run_sft.py",
        "script",
        ["config_file", "num_processes"],
    ),
    "llamafactory_cli": (
        "llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml\n",
        "llamafactory-cli train",
        "llamafactory-cli train",
        "cli",
        [],
    ),
    "swift_sft": (
        "swift sft --model Qwen/Qwen2-7B --train_type lora --output_dir out\n",
        "swift sft",
        "swift sft",
        "cli",
        [],
    ),
    "uv_run": (
        "uv run python train.py --output_dir out --do_train\n",
        "python",
        "train.py",
        "script",
        [],
    ),
    "srun_torchrun": (
        "srun -N 1 --gres=gpu:8 torchrun train.py --output_dir out --do_train\n",
        "torchrun",
        "train.py",
        "script",
        ["N", "gres"],
    ),
    "nohup_background": (
        "nohup python train.py --output_dir out --do_train > train.log 2>&1 &\n",
        "python",
        "train.py",
        "script",
        [],
    ),
    "env_prefix_command": (
        "env WANDB_DISABLED=1 python train.py --output_dir out --do_train\n",
        "python",
        "train.py",
        "script",
        [],
    ),
}


@pytest.mark.parametrize(
    ("text", "launcher", "entry", "entry_kind", "launcher_options"),
    LAUNCHER_CASES.values(),
    ids=LAUNCHER_CASES.keys(),
)
def test_each_launcher_names_its_entry_point_and_keeps_its_own_options_out_of_args(
    text: str, launcher: str, entry: str, entry_kind: str, launcher_options: list[str]
) -> None:
    launch = _only_launch(text)
    assert launch.launcher == launcher
    assert launch.entry == entry
    assert launch.entry_kind == entry_kind
    names = _names(launch)
    for option in launcher_options:
        assert option not in names
    # Every training flag after the entry point is read.
    expected = [
        word[2:].split("=")[0] for word in text.split(entry, 1)[-1].split() if word[:2] == "--"
    ]
    assert names == expected


def test_swift_sft_reads_its_training_flags() -> None:
    launch = _only_launch("swift sft --model Qwen/Qwen2-7B --train_type lora\n")
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("model", ("Qwen/Qwen2-7B",)),
        ("train_type", ("lora",)),
    ]


def test_positional_config_file_of_a_cli_is_a_config_ref_and_its_overrides_are_args() -> None:
    text = "llamafactory-cli train cfg.yaml learning_rate=1e-5\n"
    launch = _only_launch(text)
    assert [(ref.path, text[ref.span.start : ref.span.end]) for ref in launch.config_files] == [
        ("cfg.yaml", "cfg.yaml")
    ]
    [override] = launch.args
    assert (override.name, override.values, override.style) == (
        "learning_rate",
        ("1e-5",),
        ArgStyle.OVERRIDE,
    )
    assert text[override.flag_span.start : override.flag_span.end] == "learning_rate"
    assert text[override.value_spans[0].start : override.value_spans[0].end] == "1e-5"


def test_key_value_words_are_overrides_only_for_llamafactory() -> None:
    launch = _only_launch("python train.py cfg.json note=x --output_dir out\n")
    assert [ref.path for ref in launch.config_files] == ["cfg.json"]
    assert [arg.name for arg in launch.args] == ["output_dir"]


def test_config_flag_names_a_config_file_and_accelerates_own_does_not() -> None:
    launch = _only_launch(
        "accelerate launch --config_file zero3.yaml scripts/sft.py --config recipe.yaml\n"
    )
    assert [ref.path for ref in launch.config_files] == ["recipe.yaml"]


def test_torchrun_module_entry_point_after_dash_m() -> None:
    launch = _only_launch("torchrun --nproc_per_node 8 -m open_instruct.finetune --lr 1\n")
    assert (launch.entry, launch.entry_kind) == ("open_instruct.finetune", "module")
    assert _names(launch) == ["lr"]


def test_torchrun_options_with_unknown_values_are_not_the_entry_point() -> None:
    launch = _only_launch(
        "torchrun --nproc_per_node $NGPU --master_port=$PORT src/train.py --seed 42\n"
    )
    assert launch.entry == "src/train.py"
    assert _names(launch) == ["seed"]


def test_entry_script_behind_an_unknown_variable_is_still_a_launch() -> None:
    launch = _only_launch('python "$ROOT/train.py" --seed 42\n')
    assert launch.entry is None
    assert launch.entry_kind == "script"
    assert _names(launch) == ["seed"]


# ----------------------------------------------------------------------------- command shapes


def test_env_prefix_and_pipe_do_not_hide_the_launch() -> None:
    launch = _only_launch(
        "CUDA_VISIBLE_DEVICES=0,1 python finetune.py --output_dir lora-alpaca | tee train.log\n"
    )
    assert launch.entry == "finetune.py"
    assert [(arg.name, arg.values) for arg in launch.args] == [("output_dir", ("lora-alpaca",))]


def test_redirection_and_background_are_not_flag_values() -> None:
    launch = _only_launch("python train.py --output_dir out > log/train.log 2>&1 &\n")
    assert [(arg.name, arg.values) for arg in launch.args] == [("output_dir", ("out",))]


def test_several_launches_in_one_file_are_numbered_in_order() -> None:
    text = (
        "python train.py --output_dir stage1\n"
        "echo done\n"
        "python train.py --output_dir stage2\n"
        "python export_model.py --ckpt stage2\n"
    )
    launches = _launches(text)
    assert [launch.ordinal for launch in launches] == [0, 1, 2]
    assert [launch.entry for launch in launches] == ["train.py", "train.py", "export_model.py"]
    assert [launch.args[0].values for launch in launches] == [("stage1",), ("stage2",), ("stage2",)]


def test_launches_inside_if_for_while_case_and_functions_are_found() -> None:
    text = """\
if [ "$MODE" = "lora" ]; then
    python lora.py --lr 1
elif [ "$MODE" = "full" ]; then
    python full.py --lr 2
else
    python other.py --lr 3
fi
for seed in 1 2 3; do
    python seeds.py --seed $seed
done
while read -r line; do
    python loop.py --lr 4
done < list.txt
case "$1" in
    small) python small.py --lr 5 ;;
    *) python big.py --lr 6 ;;
esac
train() {
    python func.py --lr 7
}
train
"""
    assert [launch.entry for launch in _launches(text)] == [
        "lora.py",
        "full.py",
        "other.py",
        "seeds.py",
        "loop.py",
        "small.py",
        "big.py",
        "func.py",
    ]


def test_python_dash_c_is_not_a_launch() -> None:
    text = 'python -c "import torch; print(torch.cuda.device_count())"\n'
    assert _launches(text) == ()


def test_python_dash_c_with_switches_before_it_is_not_a_launch() -> None:
    assert _launches("python3 -u -c 'import transformers'\n") == ()


def test_setup_script_is_found_as_a_launch_for_the_resolver_to_judge() -> None:
    launch = _only_launch("python setup.py install\n")
    assert (launch.entry, launch.entry_kind, launch.args) == ("setup.py", "script", ())


def test_job_submitter_launch_finds_the_training_script_after_double_dash() -> None:
    launch = _only_launch(
        "python mason.py --cluster ai2/jupiter --gpus 8 -- python train.py --lr 1\n"
    )
    assert launch.entry == "train.py"
    assert [(arg.name, arg.values) for arg in launch.args] == [("lr", ("1",))]


def test_job_submitter_with_nested_accelerate_launch() -> None:
    launch = _only_launch(
        "python mason.py --cluster x -- accelerate launch --num_processes 8 "
        "open_instruct/finetune.py --learning_rate 2e-5\n"
    )
    assert (launch.launcher, launch.entry) == ("accelerate launch", "open_instruct/finetune.py")
    assert _names(launch) == ["learning_rate"]


def test_text_inside_a_heredoc_is_not_a_launch() -> None:
    text = """\
cat > ds_config.json <<EOF
{"train_batch_size": 8}
python fake.py --lr 9
EOF
deepspeed train.py --deepspeed ds_config.json
"""
    launch = _only_launch(text)
    assert launch.entry == "train.py"
    assert [(arg.name, arg.values) for arg in launch.args] == [("deepspeed", ("ds_config.json",))]


# ----------------------------------------------------------------------------- flag styles


def test_space_equals_and_bare_flags_are_read_with_their_style() -> None:
    launch = _only_launch("python train.py --num_train_epochs 3 --learning_rate=2e-5 --do_train\n")
    assert [(arg.name, arg.values, arg.style) for arg in launch.args] == [
        ("num_train_epochs", ("3",), ArgStyle.SPACE),
        ("learning_rate", ("2e-5",), ArgStyle.EQUALS),
        ("do_train", (), ArgStyle.BARE),
    ]


def test_quoted_values_lose_their_quotes() -> None:
    launch = _only_launch(
        'python train.py --evaluation_strategy "no" --save_strategy \'no\' --prompt "a b"\n'
    )
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("evaluation_strategy", ("no",)),
        ("save_strategy", ("no",)),
        ("prompt", ("a b",)),
    ]


def test_same_file_variables_are_substituted_in_values() -> None:
    text = """\
output_dir='lora/baichuan'
python finetune.py \\
    --output_dir ${output_dir} \\
    --logging_dir "$output_dir/ckpt" \\
    --run_name=$output_dir
"""
    launch = _only_launch(text)
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("output_dir", ("lora/baichuan",)),
        ("logging_dir", ("lora/baichuan/ckpt",)),
        ("run_name", ("lora/baichuan",)),
    ]


def test_exported_variable_is_substituted() -> None:
    launch = _only_launch("export OUTPUT_DIR=out/qwen\npython train.py --output_dir $OUTPUT_DIR\n")
    assert _arg(launch, "output_dir").values == ("out/qwen",)


@pytest.mark.parametrize(
    "expression",
    [
        "$((1+2))",
        "$(cat steps.txt)",
        "`cat steps.txt`",
        "$UNSET_ENV_VAR",
        "${STEPS:-100}",
        "$[ 1 + 2 ]",
    ],
)
def test_values_only_known_at_run_time_are_unknown(expression: str) -> None:
    launch = _only_launch(f"python train.py --max_steps {expression} --seed 1\n")
    assert _arg(launch, "max_steps").values == (Unknown(expression),)
    assert _arg(launch, "seed").values == ("1",)


def test_loop_variable_is_unknown_in_the_loop_body() -> None:
    text = """\
for lr in 1e-5 2e-5 5e-5; do
    python train.py --learning_rate $lr --output_dir "out/$lr"
done
"""
    launch = _only_launch(text)
    assert _arg(launch, "learning_rate").values == (Unknown("$lr"),)
    assert _arg(launch, "output_dir").values == (Unknown('"out/$lr"'),)


def test_variable_assigned_inside_if_is_unknown() -> None:
    text = """\
bs=8
if [ "$GPUS" -gt 4 ]; then
    bs=4
fi
python train.py --per_device_train_batch_size $bs
"""
    launch = _only_launch(text)
    assert _arg(launch, "per_device_train_batch_size").values == (Unknown("$bs"),)


def test_variable_changed_later_in_a_while_loop_body_is_unknown_at_the_launch() -> None:
    # The second pass through the body runs the launch with i=1: no single value is right.
    text = """\
i=0
while [ $i -lt 3 ]; do
    python train.py --seed $i
    i=$((i+1))
done
"""
    launch = _only_launch(text)
    assert _arg(launch, "seed").values == (Unknown("$i"),)


def test_variable_changed_later_in_a_for_loop_body_is_unknown_at_the_launch() -> None:
    text = """\
out=runs/base
for seed in 1 2 3; do
    python train.py --output_dir $out --seed 1
    out=${out}_next
done
"""
    launch = _only_launch(text)
    assert _arg(launch, "output_dir").values == (Unknown("$out"),)


def test_variable_assigned_before_a_loop_and_not_changed_in_it_is_known() -> None:
    text = """\
out=runs/base
for seed in 1 2 3; do
    python train.py --output_dir $out --seed 1
done
"""
    assert _arg(_only_launch(text), "output_dir").values == ("runs/base",)


def test_variable_reassigned_at_top_level_takes_the_later_value() -> None:
    text = """\
lr=1e-4
lr=2e-5
python train.py --learning_rate $lr
lr=3e-5
python train.py --learning_rate $lr
"""
    first, second = _launches(text)
    assert _arg(first, "learning_rate").values == ("2e-5",)
    assert _arg(second, "learning_rate").values == ("3e-5",)


def test_launch_in_function_sees_a_variable_assigned_once_after_the_definition() -> None:
    text = """\
run_sft() {
    python train.py --output_dir $OUT --lr 1
}
OUT=checkpoints/sft
run_sft
"""
    launch = _only_launch(text)
    assert _arg(launch, "output_dir").values == ("checkpoints/sft",)


def test_launch_in_function_does_not_guess_between_two_top_level_values() -> None:
    text = """\
run_sft() {
    python train.py --output_dir $OUT
}
OUT=a
run_sft
OUT=b
run_sft
"""
    assert _arg(_only_launch(text), "output_dir").values == (Unknown("$OUT"),)


def test_arguments_passed_through_are_opaque_spans() -> None:
    text = 'python train.py --lr 1 "$@" ${EXTRA_ARGS[@]} --seed 2\n'
    launch = _only_launch(text)
    assert [_source(text, span.start, span.end) for span in launch.opaque] == [
        '"$@"',
        "${EXTRA_ARGS[@]}",
    ]
    assert [(arg.name, arg.values) for arg in launch.args] == [("lr", ("1",)), ("seed", ("2",))]


def test_flags_kept_in_a_string_variable_are_opaque() -> None:
    text = 'ARGS="--bf16 --lr 1"\npython train.py $ARGS --seed 2\n'
    launch = _only_launch(text)
    assert [_source(text, span.start, span.end) for span in launch.opaque] == ["$ARGS"]
    assert _names(launch) == ["seed"]


def test_negative_numbers_are_values_not_flags() -> None:
    launch = _only_launch("python train.py --max_steps -1 --max_grad_norm -0.5 --do_train\n")
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("max_steps", ("-1",)),
        ("max_grad_norm", ("-0.5",)),
        ("do_train", ()),
    ]


def test_list_values_give_one_value_per_word() -> None:
    launch = _only_launch("python train.py --report_to wandb tensorboard --seed 1\n")
    assert _arg(launch, "report_to").values == ("wandb", "tensorboard")
    assert _arg(launch, "seed").values == ("1",)


def test_dashed_flag_names_are_kept_as_spelled() -> None:
    launch = _only_launch("python train.py --per-device-train-batch-size 4\n")
    assert _names(launch) == ["per-device-train-batch-size"]


# ----------------------------------------------------------------------------- spans


def _assert_spans_cover_source(
    text: str, arg: Arg, whole: str, flag: str, values: list[str]
) -> None:
    assert text[arg.span.start : arg.span.end] == whole
    assert text[arg.flag_span.start : arg.flag_span.end] == flag
    assert [text[span.start : span.end] for span in arg.value_spans] == values


def test_spans_cover_exactly_the_source_text_of_each_style() -> None:
    text = (
        'python train.py --evaluation_strategy "no" --learning_rate=2e-5 --do_train '
        '--report_to wandb tensorboard --output_dir="$OUT"\n'
    )
    launch = _only_launch(text)
    _assert_spans_cover_source(
        text, _arg(launch, "evaluation_strategy"), '--evaluation_strategy "no"',
        "--evaluation_strategy", ['"no"'],
    )  # fmt: skip
    _assert_spans_cover_source(
        text, _arg(launch, "learning_rate"), "--learning_rate=2e-5", "--learning_rate", ["2e-5"]
    )
    _assert_spans_cover_source(text, _arg(launch, "do_train"), "--do_train", "--do_train", [])
    _assert_spans_cover_source(
        text, _arg(launch, "report_to"), "--report_to wandb tensorboard", "--report_to",
        ["wandb", "tensorboard"],
    )  # fmt: skip
    _assert_spans_cover_source(
        text, _arg(launch, "output_dir"), '--output_dir="$OUT"', "--output_dir", ['"$OUT"']
    )


def test_spans_are_character_offsets_after_chinese_comments() -> None:
    text = """\
# 百川模型的 LoRA 微调脚本
# 学习率 2e-5 训练 3 轮
output_dir='输出/百川'
python src/finetune.py \\
    --output_dir "$output_dir" \\
    --learning_rate 2e-5  # 学习率
"""
    launch = _only_launch(text)
    assert text[launch.span.start : launch.span.start + 6] == "python"
    _assert_spans_cover_source(
        text, _arg(launch, "output_dir"), '--output_dir "$output_dir"', "--output_dir",
        ['"$output_dir"'],
    )  # fmt: skip
    assert _arg(launch, "output_dir").values == ("输出/百川",)
    _assert_spans_cover_source(
        text, _arg(launch, "learning_rate"), "--learning_rate 2e-5", "--learning_rate", ["2e-5"]
    )


def test_crlf_line_endings_stay_out_of_values_and_spans() -> None:
    text = (
        "lr=2e-5\r\n"
        "python train.py \\\r\n"
        "    --learning_rate $lr \\\r\n"
        "    --output_dir=out \\\r\n"
        "    --report_to none\r\n"
        "python eval.py --do_eval\r\n"
    )
    first, second = _launches(text)
    assert [(arg.name, arg.values) for arg in first.args] == [
        ("learning_rate", ("2e-5",)),
        ("output_dir", ("out",)),
        ("report_to", ("none",)),
    ]
    _assert_spans_cover_source(
        text, _arg(first, "report_to"), "--report_to none", "--report_to", ["none"]
    )
    _assert_spans_cover_source(
        text, _arg(first, "output_dir"), "--output_dir=out", "--output_dir", ["out"]
    )
    _assert_spans_cover_source(text, _arg(second, "do_eval"), "--do_eval", "--do_eval", [])


def test_launch_span_covers_the_command_but_not_its_pipe() -> None:
    text = "cd ..\nCUDA_VISIBLE_DEVICES=0 python train.py --lr 1 | tee log.txt\n"
    launch = _only_launch(text)
    covered = text[launch.span.start : launch.span.end]
    assert "python train.py --lr 1" in covered
    assert "tee" not in covered


# ----------------------------------------------------------------------------- working directory


def test_cd_before_a_launch_is_a_workdir_hint() -> None:
    launch = _only_launch("cd ..\npython src/train.py --lr 1\n")
    assert launch.workdir_hints == ("..",)


def test_cd_to_the_script_directory_is_kept_symbolic() -> None:
    launch = _only_launch("cd $(dirname $0)/..\npython src/train.py --lr 1\n")
    assert launch.workdir_hints == ("$SCRIPT_DIR/..",)


def test_workdir_hints_list_the_latest_cd_first() -> None:
    text = 'cd "$(dirname "$0")"\ncd ..\npython src/train.py --lr 1\n'
    assert _only_launch(text).workdir_hints == ("..", "$SCRIPT_DIR")


def test_cd_after_the_launch_is_not_a_hint() -> None:
    assert _only_launch("python train.py --lr 1\ncd ..\n").workdir_hints == ()


# ----------------------------------------------------------------------------- bad input


BAD_INPUTS = {
    "empty": "",
    "only_comments": "#!/bin/bash\n# nothing to run here\n# 什么都没有\n",
    "binary_garbage": "\x00\x01\x7f\ufffd ))) {{{ \x1b[31m ;; esac fi\n((( done\n",
    "unterminated_double_quote": 'echo "never closed\npython train.py --lr 1\n',
    "unterminated_single_quote": "echo 'never closed\npython train.py --lr 1\n",
    "trailing_backslash_at_eof": "python train.py --lr 1 \\",
    "old_arithmetic": "n=$[ $[ 1 + 2 ] * 3 ]\npython train.py --steps $[ 1 + 1 ]\n",
    "heredoc_unterminated": "cat <<EOF\npython train.py --lr 1\n",
    "lone_closers": "fi\ndone\n}\n)\n",
}


@pytest.mark.parametrize("text", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_never_raises(text: str) -> None:
    parsed = parse_launch_script("bad.sh", text)
    assert parsed.path == "bad.sh"
    for launch in parsed.launches:
        assert 0 <= launch.span.start <= launch.span.end <= len(text)


def test_empty_and_comment_only_files_have_no_launches_and_no_problems() -> None:
    for text in BAD_INPUTS["empty"], BAD_INPUTS["only_comments"]:
        parsed = parse_launch_script("x.sh", text)
        assert (parsed.launches, parsed.problems) == ((), ())


def test_trailing_backslash_at_end_of_file_keeps_the_launch() -> None:
    launch = _only_launch("python train.py \\\n    --lr 1 \\")
    assert [(arg.name, arg.values) for arg in launch.args] == [("lr", ("1",))]


def test_launch_after_garbage_is_still_found() -> None:
    text = (
        "fi ) esac ;; }}\n\x00\x01\x7f\ufffd garbage \x1b[31m ;;\n"
        "python train.py --output_dir out\n"
    )
    launches = _launches(text)
    assert [launch.entry for launch in launches] == ["train.py"]
    assert [(arg.name, arg.values) for arg in launches[0].args] == [("output_dir", ("out",))]


def test_launch_after_old_arithmetic_is_read() -> None:
    launch = _only_launch("steps=$[ 10 * 2 ]\npython train.py --max_steps $steps --seed 3\n")
    assert _arg(launch, "max_steps").values == (Unknown("$steps"),)
    assert _arg(launch, "seed").values == ("3",)


def test_a_launch_tree_sitter_cannot_read_is_reported_not_guessed() -> None:
    text = """\
echo start
torchrun --nproc_per_node 2 train.py --output_dir "$(date +%s" --fp16
python other.py --output_dir out --do_train
"""
    parsed = parse_launch_script("run.sh", text)
    assert [problem.code for problem in parsed.problems] == ["KF901"]
    assert all(launch.entry != "train.py" for launch in parsed.launches)
