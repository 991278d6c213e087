"""Code cells split as IPython runs them: ``%%bash`` cells and ``!`` commands are bash, the rest
is Python; each piece is a view of the cell with the same offsets."""

from __future__ import annotations

import ast

from kefix.model import Span
from kefix.sources.notebook.cell_code import has_interpolation, python_comments, split_cell


def _owned_text(text: str, spans: tuple[Span, ...]) -> list[str]:
    return [text[span.start : span.end] for span in spans]


def test_a_bash_cell_magic_makes_the_whole_body_bash() -> None:
    text = "%%bash\ncd LLaMA-Factory\nllamafactory-cli train sft.yaml\n"
    (piece,) = split_cell(text).pieces
    assert piece.kind == "bash" and not piece.interpolated
    assert piece.view == "      \ncd LLaMA-Factory\nllamafactory-cli train sft.yaml\n"
    assert _owned_text(text, piece.owned) == ["cd LLaMA-Factory\nllamafactory-cli train sft.yaml\n"]


def test_sh_and_script_bash_are_bash_cells_too() -> None:
    for magic in ("%%sh", "%%script bash", "%%script bash --bg", "\n%%bash"):
        (piece,) = split_cell(f"{magic}\npython train.py --fp16").pieces
        assert piece.kind == "bash"


def test_cells_of_other_languages_or_files_are_not_read() -> None:
    for magic in ("%%writefile train.sh", "%%html", "%%script python3", "%%javascript"):
        assert split_cell(f"{magic}\npython train.py --fp16\n").pieces == ()


def test_a_timing_cell_magic_keeps_a_python_body() -> None:
    (piece,) = split_cell("%%time\nargs = TrainingArguments(output_dir='out')").pieces
    assert piece.kind == "python"
    assert piece.view == "0     \nargs = TrainingArguments(output_dir='out')"


def test_shell_escapes_are_bash_pieces_and_zero_in_the_python_view() -> None:
    text = (
        "lr = 2e-4\n"
        "!torchrun --nproc_per_node 2 train.py \\\n"
        "    --learning_rate {lr} --fp16\n"
        "for seed in (1, 2):\n"
        "    !python train.py --seed $seed\n"
        "files = !ls outputs\n"
        "%env WANDB_DISABLED=true\n"
    )
    python, torchrun, loop, listing = split_cell(text).pieces
    assert [p.kind for p in (python, torchrun, loop, listing)] == ["python", "bash", "bash", "bash"]
    ast.parse(python.view)  # Python reads its view without the shell lines
    assert python.view.splitlines() == [
        "lr = 2e-4",
        "0" + " " * 38,
        " " * 31,
        "for seed in (1, 2):",
        "    0" + " " * 28,
        "files = 0" + " " * 10,
        "0" + " " * 23,
    ]
    assert _owned_text(text, torchrun.owned) == [
        "torchrun --nproc_per_node 2 train.py \\\n    --learning_rate {lr} --fp16"
    ]
    assert torchrun.interpolated
    # IPython substitutes {lr}: bash reads a variable of the same length instead.
    assert " --learning_rate $___ --fp16" in torchrun.view
    assert _owned_text(text, loop.owned) == ["python train.py --seed $seed"]
    assert _owned_text(text, listing.owned) == ["ls outputs"]
    for piece in (python, torchrun, loop, listing):
        assert len(piece.view) == len(text)
    assert "!" not in "".join(_owned_text(text, python.owned))


def test_bang_and_percent_inside_brackets_strings_and_continuations_are_python() -> None:
    lines = ["ok = (a", "      != b)", 'doc = """', "!not a command", '"""']
    text = "\n".join([*lines, "total = a \\", "    % b", ""])
    (python,) = split_cell(text).pieces
    assert python.view == text


def test_static_cd_magics_are_remembered_for_entry_scripts() -> None:
    code = split_cell("%cd LLaMA-Factory\n%cd $HOME\n!llamafactory-cli train sft.yaml")
    assert code.directories == ((0, "LLaMA-Factory"),)


def test_interpolation_is_what_ipython_substitutes() -> None:
    assert has_interpolation("{lr}") and has_interpolation("$LR") and has_interpolation("x{a.b}")
    assert not has_interpolation("{{literal}}") and not has_interpolation("2e-4")


def test_python_comments_are_found_even_in_a_view_python_cannot_finish() -> None:
    view = "# kefix: ignore[KF001]\n0                \nargs = f(  # why\n"
    comments = list(python_comments(view))
    assert [view[c.start : c.end] for c in comments] == ["# kefix: ignore[KF001]", "# why"]
