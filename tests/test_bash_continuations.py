"""Broken ``\\`` continuations: flags bash cuts off from their launch are reported, not read."""

from __future__ import annotations

import pytest

from kefix.model import BreakKind, DetachedArgs, Launch
from kefix.sources.bash import parse_launch_script


def _only_launch(text: str) -> Launch:
    launches = parse_launch_script("train.sh", text).launches
    assert len(launches) == 1, [launch.entry for launch in launches]
    return launches[0]


def _names(launch: Launch) -> list[str]:
    return [arg.name for arg in launch.args]


def _break_text(text: str, detached: DetachedArgs) -> str:
    return text[detached.at.start : detached.at.end]


def test_commented_out_flag_inside_a_block_cuts_off_the_flags_below() -> None:
    text = """\
CUDA_VISIBLE_DEVICES=0,1 torchrun --nproc_per_node 2 src/finetune.py \\
    --model_name_or_path baichuan-inc/Baichuan2-7B-Base \\
    # --deepspeed ds_config.json \\
    --save_strategy epoch \\
    --fp16
"""
    launch = _only_launch(text)
    assert _names(launch) == ["model_name_or_path"]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.COMMENT_LINE
    assert detached.names == ("save_strategy", "fp16")
    assert _break_text(text, detached) == "    # --deepspeed ds_config.json \\\n"


def test_comment_line_without_backslash_also_cuts_off_the_flags_below() -> None:
    text = """\
python finetune.py \\
    --base_model decapoda/llama-7b \\
    # --resume_from_checkpoint out/ckpt-200
    --num_epochs 3
"""
    launch = _only_launch(text)
    assert _names(launch) == ["base_model"]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.COMMENT_LINE
    assert detached.names == ("num_epochs",)


def test_consecutive_comment_lines_are_one_break() -> None:
    text = """\
python train.py \\
    --lr 1 \\
    # --deepspeed ds.json \\
    # --gradient_checkpointing \\
    --bf16 \\
    --seed 42
"""
    launch = _only_launch(text)
    (detached,) = launch.detached
    assert detached.kind is BreakKind.COMMENT_LINE
    assert detached.names == ("bf16", "seed")
    assert _break_text(text, detached) == (
        "    # --deepspeed ds.json \\\n    # --gradient_checkpointing \\\n"
    )


def test_two_separate_comment_lines_are_two_breaks() -> None:
    text = """\
python train.py \\
    --lr 1 \\
    # --deepspeed ds.json \\
    --bf16 \\
    # --fp16 \\
    --seed 42
"""
    launch = _only_launch(text)
    assert [(d.kind, d.names) for d in launch.detached] == [
        (BreakKind.COMMENT_LINE, ("bf16",)),
        (BreakKind.COMMENT_LINE, ("seed",)),
    ]


def test_blank_after_the_backslash_cuts_off_the_flags_below() -> None:
    text = (
        "python train.py \\\n"
        "    --model_name_or_path qwen \\ \n"
        "    --save_strategy steps \\\n"
        "    --save_steps 500\n"
    )
    launch = _only_launch(text)
    assert _names(launch) == ["model_name_or_path"]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.SPACE_AFTER_BACKSLASH
    assert detached.names == ("save_strategy", "save_steps")
    assert _break_text(text, detached) == " "


def test_tab_after_the_backslash_is_reported_with_its_exact_span() -> None:
    text = "python train.py \\\n    --lr 1 \\\t \n    --bf16\n"
    (detached,) = _only_launch(text).detached
    assert detached.kind is BreakKind.SPACE_AFTER_BACKSLASH
    assert _break_text(text, detached) == "\t "


def test_missing_backslash_leaves_the_lines_below_as_an_orphan_command() -> None:
    text = """\
deepspeed --num_gpus 8 train.py \\
    --deepspeed ds_z3.json \\
    --output_dir out
    --evaluation_strategy steps \\
    --eval_steps 100
"""
    launch = _only_launch(text)
    assert _names(launch) == ["deepspeed", "output_dir"]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.MISSING_BACKSLASH
    assert detached.names == ("evaluation_strategy", "eval_steps")
    # The break sits where the backslash should be: right after "--output_dir out".
    assert detached.at.start == detached.at.end == text.index("out\n") + len("out")


def test_missing_backslash_in_a_crlf_file_is_found() -> None:
    text = "python train.py \\\r\n    --lr 1\r\n    --bf16\r\n"
    launch = _only_launch(text)
    assert _names(launch) == ["lr"]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.MISSING_BACKSLASH
    assert detached.names == ("bf16",)
    assert detached.at.start == text.index("1\r\n") + 1


def test_backslash_glued_to_a_value_joins_a_column_zero_flag_into_it() -> None:
    text = """\
python train.py \\
    --warmup_ratio 0.03\\
--fp16 \\
    --seed 42
"""
    launch = _only_launch(text)
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("warmup_ratio", ("0.03--fp16",)),
        ("seed", ("42",)),
    ]
    (detached,) = launch.detached
    assert detached.kind is BreakKind.GLUED_BACKSLASH
    assert detached.names == ("fp16",)
    assert detached.at.start == detached.at.end == text.index("0.03") + len("0.03")


def test_glued_backslash_before_an_equals_flag_names_the_flag_only() -> None:
    text = "python train.py \\\n    --lr 1e-5\\\n--output_dir=out\n"
    (detached,) = _only_launch(text).detached
    assert (detached.kind, detached.names) == (BreakKind.GLUED_BACKSLASH, ("output_dir",))


WELL_FORMED = {
    "one_flag_per_line": (
        "torchrun --nproc_per_node 4 train.py \\\n"
        "    --model_name_or_path llama \\\n"
        "    --bf16 True \\\n"
        "    --output_dir out\n"
    ),
    "glued_backslash_then_indented_line": (
        "python train.py \\\n    --warmup_ratio 0.03\\\n    --fp16 \\\n    --seed 42\n"
    ),
    "comment_after_the_last_line": (
        "python train.py \\\n    --lr 1 \\\n    --bf16\n# --deepspeed ds.json\n"
    ),
    "comment_at_the_end_of_the_last_flag": (
        "python train.py \\\n    --lr 1 \\\n    --bf16  # bf16\n"
    ),
    "crlf": "python train.py \\\r\n    --lr 1 \\\r\n    --bf16\r\n",
    "next_launch_on_the_next_line": "python train.py --lr 1\npython eval.py --do_eval\n",
    "blank_line_then_echo": "python train.py \\\n    --lr 1\n\necho done\n",
    "pipe_to_tee": "python train.py \\\n    --lr 1 \\\n    --bf16 2>&1 | tee log.txt\n",
    "inline_comment_line_before_launch": "# python train.py \\\npython train.py --lr 1\n",
}


@pytest.mark.parametrize("text", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_well_formed_continuations_detach_nothing(text: str) -> None:
    launches = parse_launch_script("train.sh", text).launches
    assert launches
    for launch in launches:
        assert launch.detached == ()


def test_glued_backslash_before_an_indented_line_keeps_both_flags() -> None:
    # bash drops the backslash-newline and the indentation still separates the words.
    text = "python train.py \\\n    --warmup_ratio 0.03\\\n    --fp16 \\\n    --seed 42\n"
    launch = _only_launch(text)
    assert [(arg.name, arg.values) for arg in launch.args] == [
        ("warmup_ratio", ("0.03",)),
        ("fp16", ()),
        ("seed", ("42",)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "python train.py \\\n    --lr 1 \\\n    # --x 1 \\\n    --bf16 \\\n    --seed 1\n",
        "python train.py \\\n    --lr 1 \\ \n    --bf16 \\\n    --seed 1\n",
        "python train.py \\\n    --lr 1\n    --bf16 \\\n    --seed 1\n",
    ],
    ids=["comment_line", "space_after_backslash", "missing_backslash"],
)
def test_flags_after_a_break_are_not_the_launch_arguments(text: str) -> None:
    launches = parse_launch_script("train.sh", text).launches
    assert len(launches) == 1
    assert _names(launches[0]) == ["lr"]
    assert [d.names for d in launches[0].detached] == [("bf16", "seed")]


def test_orphaned_flags_are_not_a_launch_of_their_own() -> None:
    text = "python train.py \\\n    --lr 1\n    --bf16 \\\n    --seed 1\npython eval.py --x 1\n"
    launches = parse_launch_script("train.sh", text).launches
    assert [launch.entry for launch in launches] == ["train.py", "eval.py"]
    assert launches[0].detached[0].names == ("bf16", "seed")
    assert launches[1].detached == ()
