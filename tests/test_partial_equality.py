"""Records with fields outside their value keep what dataclasses' field(compare=False) and
field(repr=False) gave them: equality, hashing and repr without those fields."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import msgspec

from kefix.model import Arg, ArgStyle, EffectiveConfig, FrameworkUse, Launch, Span


def _launch() -> Launch:
    span = Span(0, 10)
    return Launch(
        "run.sh", span, "torchrun", "train.py", "script",
        (Arg("fp16", (), ArgStyle.SPACE, span, span, ()),), 0,
    )  # fmt: skip


def test_uncompared_fields_are_no_part_of_equality_or_the_hash() -> None:
    use = FrameworkUse("swift", "sft", "3.0", "pinned", values=MappingProxyType({}))
    other = msgspec.structs.replace(use, config_keys=MappingProxyType({"lr": "cfg.yaml:3"}))
    assert use == other
    assert not use != other  # noqa: SIM202 (!= goes through __ne__, not __eq__)
    assert hash(use) == hash(other)  # hashable although its mappings are not
    assert use != msgspec.structs.replace(use, version="3.1")
    assert use != ("swift", "sft", "3.0", "pinned")


def test_unshown_fields_are_left_out_of_repr_and_the_rest_show_as_a_record_does() -> None:
    config = EffectiveConfig(_launch(), MappingProxyType({}), read={"fp16"})
    shown = repr(config)
    assert shown.startswith("EffectiveConfig(launch=Launch(path='run.sh', ")
    assert "read=" not in shown
    assert "keeps_unknown_flags=False" in shown


def test_a_replaced_config_records_its_reads_where_the_original_does() -> None:
    config = EffectiveConfig(_launch(), MappingProxyType({}))
    moved = msgspec.structs.replace(config, version="4.46.0")
    moved.get("fp16")
    assert config.read == {"fp16"}  # the memo is shared, as dataclasses.replace shared it
    assert config == EffectiveConfig(_launch(), MappingProxyType({}))  # reads are no value


def test_a_partly_compared_record_pickles_with_every_field() -> None:
    use = FrameworkUse("swift", "sft", "3.0", "pinned", config_keys={"lr": "cfg.yaml:3"})
    again = pickle.loads(pickle.dumps(use))
    assert again == use
    assert again.config_keys == {"lr": "cfg.yaml:3"}
