"""The YAML/JSON readers and edit primitives: exact spans, and edits that change nothing else."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kefix.fix import apply_edits
from kefix.sources.config import render
from kefix.sources.config.adapter import JSON, YAML, read_document
from kefix.sources.config.document import ConfigSyntaxError, Document, Node, NodeKind
from kefix.sources.config.json_reader import read_json
from kefix.sources.config.launches import leaf_entries
from kefix.sources.config.yaml_reader import read_yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# The fixtures people write (fuzz inputs are garbage on purpose; the corpus test replays them).
CONFIG_FILES = sorted(
    path
    for path in FIXTURES.rglob("*")
    if path.suffix in (".yaml", ".yml", ".json")
    and path.is_file()
    and "fuzz_corpus" not in path.parts
)

_scalars = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False)
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)


def _nodes(node: Node) -> list[Node]:
    found = [node]
    for child in (*node.items, *(entry.value for entry in node.entries)):
        found.extend(_nodes(child))
    return found


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@settings(max_examples=200, deadline=None)
@given(_values, st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_json_reader_reads_what_json_loads_reads_with_exact_spans(
    value: object, indent: int | str | None, ascii_only: bool
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    document = read_json(text)
    assert document.root.data == json.loads(text)
    for node in _nodes(document.root):
        assert json.loads(text[node.span.start : node.span.end]) == node.data
        for entry in node.entries:
            assert json.loads(text[entry.key_span.start : entry.key_span.end]) == entry.key


@pytest.mark.parametrize(
    "text",
    ['{"a": 1,}', "[1 2]", '{"a" 1}', "{'a': 1}", '{"a": 01}', '"\x01"', "", "[", '{"a": 1} x'],
)
def test_json_reader_rejects_what_json_loads_rejects(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(ConfigSyntaxError):
        read_json(text)


def test_json_reader_accepts_tabs_nan_and_infinity_as_json_load_does() -> None:
    text = '{\n\t"lr":\t1e-5,\n\t"x": NaN, "y": -Infinity}'
    assert not math.isnan(read_json(text).root.data["lr"])  # type: ignore[index]
    with pytest.raises(yaml.YAMLError):
        yaml.compose(text, Loader=yaml.SafeLoader)  # why JSON has a reader of its own


def test_yaml_spans_cover_keys_and_values_as_written() -> None:
    text = (
        "# recipe\n"
        "learning_rate: 1.0e-4   # peak\n"
        "output_dir: 'saves/x'\n"
        'report_to: ["wandb", tensorboard]\n'
        "lora_target:\n"
        "  - q_proj\n"
        "  - v_proj\n"
        "fsdp_config: {min_num_params: 0}\n"
        "base: &b 1\n"
        "copy: *b\n"
    )
    (document,) = read_yaml(text)
    written = {e.key: text[e.value.span.start : e.value.span.end] for e in document.top_entries()}
    assert written == {
        "learning_rate": "1.0e-4",
        "output_dir": "'saves/x'",
        "report_to": '["wandb", tensorboard]',
        "lora_target": "- q_proj\n  - v_proj",
        "fsdp_config": "{min_num_params: 0}",
        "base": "&b 1",
        "copy": "&b 1",
    }
    editable = {e.key: e.value.editable for e in document.top_entries()}
    assert editable["base"] is False and editable["copy"] is False
    assert editable["output_dir"] is True


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_fixture_reads_as_its_loader_reads_it(path: Path) -> None:
    text = path.read_text()
    syntax = "json" if path.suffix == ".json" else "yaml"
    document = read_document(text, syntax)
    if syntax == "json":
        assert isinstance(document, Document)
        assert document.root.data == json.loads(text)
        return
    try:
        expected = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        assert isinstance(document, ConfigSyntaxError)
        return
    except Exception:
        pytest.skip("safe_load cannot construct a custom tag; compose still reads it")
    if len(expected) == 1:
        assert isinstance(document, Document)
        if "<<" not in text:
            assert document.root.data == expected[0]


def _edits_then_data(document: Document, edits: list) -> tuple[str, object]:  # type: ignore[type-arg]
    text = apply_edits(document.text, edits)
    after = read_document(text, document.syntax)
    assert isinstance(after, Document), text
    return text, after.root.data


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_removing_renaming_and_resetting_each_key_changes_only_that_key(path: Path) -> None:
    syntax = "json" if path.suffix == ".json" else "yaml"
    document = read_document(path.read_text(), syntax)
    if not isinstance(document, Document) or document.root.kind is not NodeKind.MAPPING:
        pytest.skip("no single mapping to edit")
    data = document.root.data
    assert isinstance(data, dict)
    for dotted, entry in leaf_entries(document.root):
        holder = document.root.find(dotted)[1]
        assert holder is not None
        if not entry.value.editable or list(data).count(dotted.split(".")[0]) != 1:
            continue
        _, renamed = _edits_then_data(document, render.rename_key(document, entry, "kefix_new"))
        _, removed = _edits_then_data(document, render.remove_entry(document, holder, entry))
        if "." not in dotted:
            assert isinstance(renamed, dict) and isinstance(removed, dict)
            assert renamed["kefix_new"] == data[dotted]
            assert {k: v for k, v in renamed.items() if k != "kefix_new"} == {
                k: v for k, v in data.items() if k != dotted
            }
            assert removed == {k: v for k, v in data.items() if k != dotted}
        if entry.value.kind is NodeKind.SCALAR and isinstance(entry.value.data, str):
            edits = render.set_value(document, entry, "kefix_free_text", "no")
            text, _ = _edits_then_data(document, edits)
            after = read_document(text, syntax)
            assert isinstance(after, Document)
            assert after.root.find(dotted)[0].value.data == "no"  # type: ignore[union-attr]


def _edit(adapter_text: str, syntax: str, op: str, key: str, value: str | bool = "") -> str:
    document = read_document(adapter_text, syntax)
    assert isinstance(document, Document)
    entry = next(e for e in document.top_entries() if e.key == key)
    if op == "set":
        edits = render.set_value(document, entry, key, value)
    elif op == "insert":
        assert isinstance(value, tuple)
        edits = render.insert_entry(document, document.root, entry, value[0], value[1])
    elif op == "remove":
        edits = render.remove_entry(document, document.root, entry)
    else:
        edits = render.rename_key(document, entry, str(value))
    return apply_edits(adapter_text, edits)


def test_a_string_yaml_would_read_as_a_boolean_is_quoted_as_the_neighbours_quote() -> None:
    text = "output_dir: 'out'\nsave_strategy: epoch\n"
    assert _edit(text, "yaml", "set", "save_strategy", "no") == (
        "output_dir: 'out'\nsave_strategy: 'no'\n"
    )


def test_a_new_key_copies_the_block_indentation_line_ending_and_boolean_spelling() -> None:
    text = "model:\r\n  fp16: True\r\n  output_dir: out  # here\r\nother: 1\r\n"
    document = read_document(text, "yaml")
    assert isinstance(document, Document)
    model = document.root.get("model")
    assert model is not None
    anchor = model.entries[1]
    edits = render.insert_entry(document, model, anchor, "bf16", False)
    assert apply_edits(text, edits) == (
        "model:\r\n  fp16: True\r\n  output_dir: out  # here\r\n  bf16: False\r\nother: 1\r\n"
    )


def test_json_edits_copy_the_separators_of_the_object() -> None:
    text = '{\n    "fp16": true,\n    "output_dir": "out"\n}\n'
    document = read_document(text, "json")
    assert isinstance(document, Document)
    last = document.root.entries[-1]
    inserted = apply_edits(text, render.insert_entry(document, document.root, last, "bf16", True))
    assert inserted == '{\n    "fp16": true,\n    "output_dir": "out",\n    "bf16": true\n}\n'
    first = document.root.entries[0]
    removed = apply_edits(text, render.remove_entry(document, document.root, first))
    assert removed == '{\n    "output_dir": "out"\n}\n'
    removed_last = apply_edits(text, render.remove_entry(document, document.root, last))
    assert removed_last == '{\n    "fp16": true\n}\n'
    numbers = apply_edits(text, render.set_value(document, first, "save_steps", "500"))
    assert numbers == '{\n    "fp16": 500,\n    "output_dir": "out"\n}\n'


def test_yaml_float_values_get_the_dot_pyyaml_needs() -> None:
    text = "output_dir: out\nlearning_rate: 1.0e-4\n"
    assert _edit(text, "yaml", "set", "learning_rate", "2e-5") == (
        "output_dir: out\nlearning_rate: 2.0e-5\n"
    )


def test_an_anchored_value_is_not_edited() -> None:
    document = read_document("a: &x 1\noutput_dir: out\n", "yaml")
    assert isinstance(document, Document)
    entry = document.root.entries[0]
    with pytest.raises(render.CannotRender):
        render.set_value(document, entry, "a", "2")


def test_the_adapters_read_only_training_configs() -> None:
    assert YAML.parse("x.yaml", "name: ci\non: push\n").launches == ()
    assert JSON.parse("x.json", '{"name": "ui", "version": "1"}').launches == ()
    broken = YAML.parse("x.yaml", "output_dir: out\nfp16: [true\n")
    assert [p.code for p in broken.problems] == ["KF901"]
    assert YAML.parse("x.yaml", "title: [unclosed\n").problems == ()


def test_hostile_yaml_is_read_in_linear_time_or_reported_not_crashed() -> None:
    laughs = ["lol0: &l0 [a, a, a, a, a, a, a, a, a]"]
    for level in range(1, 12):
        previous = f"*l{level - 1}"
        laughs.append(f"lol{level}: &l{level} [" + ", ".join([previous] * 9) + "]")
    text = "output_dir: out\nfp16: true\n" + "\n".join(laughs) + "\n"
    parsed = YAML.parse("laughs.yaml", text)  # 9**12 leaves if aliases were expanded
    assert len(parsed.launches) == 1
    deep = "output_dir: out\nfp16: true\nx: " + "[" * 5000 + "]" * 5000 + "\n"
    problems = YAML.parse("deep.yaml", deep).problems
    assert [p.code for p in problems] == ["KF901"]
    assert [
        p.code
        for p in JSON.parse(
            "deep.json", '{"output_dir": "o", "fp16": ' + "[" * 5000 + "]" * 5000 + "}"
        ).problems
    ] == ["KF901"]


def test_fixing_a_config_reads_each_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Planning and verifying a fix read the texts the analysis has just read: from memory.
    from kefix.analyze import analyze_text
    from kefix.config import Settings
    from kefix.fix import fix_file
    from kefix.resolve import Resolver
    from kefix.sources.config import yaml_reader

    path = tmp_path / "train.yaml"
    text = "output_dir: out\nevaluation_strategy: steps\nsave_strategy: steps\n"
    path.write_text(text)
    read_document.cache_clear()
    read: list[str] = []
    read_yaml = yaml_reader.read_yaml
    monkeypatch.setattr(yaml_reader, "read_yaml", lambda t: read.append(t) or read_yaml(t))
    resolver, settings = Resolver([tmp_path]), Settings()
    analysis = analyze_text(path, "train.yaml", text, resolver, settings, kind="yaml")
    outcome = fix_file(analysis, resolver, settings, include_unsafe=False)
    assert outcome.final.text == text.replace("evaluation_strategy", "eval_strategy")
    assert sorted(read) == sorted([text, outcome.final.text])
