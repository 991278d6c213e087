"""A notebook's JSON to cell texts and back: every character of a cell maps to its exact place in
the file, and an edit of a cell becomes an edit of only the string literals it changes."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefix.fix import apply_edits
from kefix.model import Edit, Span
from kefix.sources.notebook.cell_text import CellText, read_cell_text
from kefix.sources.notebook.json_cells import NotANotebook, read_notebook_json

JUPYTER = """{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": [
    "# Caf\u00e9 \\"quoted\\"\\n",
    "text"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "metadata": {"tags": ["train"]},
   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["[\\"{\\"]\\n"]}],
   "source": [
    "!torchrun train.py \\\\\\n",
    "    --save_strategy \\"epoch\\" \\\\\\n",
    "    --fp16"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"""


def _cells(text: str) -> list[CellText]:
    notebook = read_notebook_json(text)
    return [read_cell_text(text, cell, notebook.ensure_ascii) for cell in notebook.cells]


def _sources(text: str) -> list[object]:
    return [cell["source"] for cell in json.loads(text)["cells"]]


def test_cell_text_is_the_decoded_source_and_every_character_maps_to_its_encoding() -> None:
    markdown, code = _cells(JUPYTER)
    assert markdown.text == '# Café "quoted"\ntext'
    assert code.text == '!torchrun train.py \\\n    --save_strategy "epoch" \\\n    --fp16'
    assert markdown.number == 1 and code.number == 2
    for cell in (markdown, code):
        for index, character in enumerate(cell.text):
            encoded = JUPYTER[cell.starts[index] : cell.ends[index]]
            assert json.loads(f'"{encoded}"') == character


def test_a_span_of_the_cell_maps_to_the_file_characters_that_encode_it() -> None:
    _, code = _cells(JUPYTER)
    start = code.text.index('"epoch"')
    span = code.file_span(Span(start, start + len('"epoch"')))
    assert JUPYTER[span.start : span.end] == '\\"epoch\\"'
    assert code.cell_offset(span.start) == start
    assert code.cell_offset(span.start + 1) == start  # inside the escape of the quote


def test_escapes_of_every_kind_decode_to_one_character_each() -> None:
    text = r'{"cells": [{"cell_type": "code", "source": ["a\/b \\ \u00e9 \ud83d\ude00 \"q\"\t"]}]}'
    (cell,) = _cells(text)
    assert cell.text == 'a/b \\ é 😀 "q"\t'
    emoji = cell.text.index("😀")
    assert text[cell.starts[emoji] : cell.ends[emoji]] == "\\ud83d\\ude00"
    slash = cell.text.index("/")
    assert text[cell.starts[slash] : cell.ends[slash]] == "\\/"


def test_an_added_line_becomes_a_new_literal_with_the_files_indentation() -> None:
    _, code = _cells(JUPYTER)
    anchor = code.text.index(" \\\n    --fp16")
    edit = code.file_edit(Edit(Span(anchor, anchor), " \\\n    --bf16"))
    # Inserted inside line 2's literal: its backslash-newline closes it, "--bf16" opens a new one.
    fixed = apply_edits(JUPYTER, [edit])
    assert _sources(fixed)[1] == [
        "!torchrun train.py \\\n",
        '    --save_strategy "epoch" \\\n',
        "    --bf16 \\\n",
        "    --fp16",
    ]
    assert '    "    --bf16 \\\\\\n",\n    "    --fp16"' in fixed


def test_removing_a_whole_line_removes_its_literal() -> None:
    _, code = _cells(JUPYTER)
    start = code.text.index("    --save")
    end = code.text.index("    --fp16")
    fixed = apply_edits(JUPYTER, [code.file_edit(Edit(Span(start, end), ""))])
    assert _sources(fixed)[1] == ["!torchrun train.py \\\n", "    --fp16"]
    assert '"!torchrun train.py \\\\\\n",\n    "    --fp16"\n' in fixed


def test_an_edit_across_lines_joins_their_literals() -> None:
    _, code = _cells(JUPYTER)
    start = code.text.index(" \\\n    --fp16")
    end = len(code.text)
    fixed = apply_edits(JUPYTER, [code.file_edit(Edit(Span(start, end), ""))])
    assert _sources(fixed)[1] == ["!torchrun train.py \\\n", '    --save_strategy "epoch"']


def test_new_text_is_escaped_as_the_file_escapes() -> None:
    _, code = _cells(JUPYTER)
    end = len(code.text)
    edit = code.file_edit(Edit(Span(end, end), ' --run_name "café"'))
    assert edit.text == ' --run_name \\"café\\"'
    ascii_text = JUPYTER.replace("Café", "Caf\\u00e9")
    _, code = _cells(ascii_text)
    edit = code.file_edit(Edit(Span(end, end), ' --run_name "café"'))
    assert edit.text == ' --run_name \\"caf\\u00e9\\"'


def test_a_string_source_stays_one_string() -> None:
    text = json.dumps(
        {"cells": [{"cell_type": "code", "source": "!python train.py \\\n  --fp16"}]}, indent=1
    )
    (cell,) = _cells(text)
    anchor = cell.text.index("  --fp16")
    fixed = apply_edits(text, [cell.file_edit(Edit(Span(anchor, anchor), "  --bf16 \\\n"))])
    assert _sources(fixed) == ["!python train.py \\\n  --bf16 \\\n  --fp16"]


def test_a_byte_order_mark_is_skipped_and_kept() -> None:
    text = "\ufeff" + JUPYTER
    _, code = _cells(text)
    assert text[code.file_span(Span(0, 9)).start :].startswith("!torchrun")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('{\n "cells": [\n  {"cell_type": "code" "source": []}\n ]\n}\n', "not valid JSON", 3),
        ("[1, 2]", "the JSON is not an object", 1),
        ('{"metadata": {}}', "it has no cells", 1),
        ('{"worksheets": [], "nbformat": 3}', "nbformat 3 notebook", 1),
        ('{"cells": [{"cell_type": "code", "source": ["a", 3]}]}', "cell 1: source is not text", 1),
    ],
)
def test_what_is_not_a_notebook_says_why_and_where(text: str, message: str, line: int) -> None:
    with pytest.raises(NotANotebook) as raised:
        read_notebook_json(text)
    assert message in str(raised.value)
    assert text.count("\n", 0, raised.value.offset) + 1 == line


def test_a_notebook_without_cells_of_interest_reads_as_no_text() -> None:
    text = '{"cells": [{"cell_type": "code", "source": []}, {"cell_type": "raw"}], "nbformat": 4}'
    code, raw = _cells(text)
    assert code.text == "" and raw.text == ""


_ALPHABET = 'ab -\\"\n\t/é😀\x1b{'


def _jupyter_lines(text: str) -> list[str]:
    """``text`` as nbformat writes a source: its lines, each with its newline."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, max_size=24),
    replacement=st.text(alphabet=_ALPHABET, max_size=8),
    bounds=st.tuples(st.integers(0, 24), st.integers(0, 24)),
    as_list=st.booleans(),
    ensure_ascii=st.booleans(),
    indent=st.sampled_from([1, 2, None]),
)
def test_any_edit_of_a_cell_is_that_edit_of_its_source_and_nothing_else(
    text: str,
    replacement: str,
    bounds: tuple[int, int],
    as_list: bool,
    ensure_ascii: bool,
    indent: int | None,
) -> None:
    source: object = _jupyter_lines(text) if as_list else text
    document = {"cells": [{"cell_type": "code", "outputs": ['{\\"}'], "source": source}], "z": 1}
    notebook = json.dumps(document, indent=indent, ensure_ascii=ensure_ascii)
    (cell,) = _cells(notebook)
    assert cell.text == text
    start, end = sorted(min(bound, len(text)) for bound in bounds)
    edited = apply_edits(notebook, [cell.file_edit(Edit(Span(start, end), replacement))])
    wanted = text[:start] + replacement + text[end:]
    (new_source,) = _sources(edited)
    if as_list:
        assert new_source == _jupyter_lines(wanted) or (wanted == "" and new_source == [""])
    else:
        assert new_source == wanted
    value = read_notebook_json(notebook).cells[0].value
    new_value = read_notebook_json(edited).cells[0].value
    assert edited[: new_value.start] == notebook[: value.start]
    assert edited[new_value.end :] == notebook[value.end :]
