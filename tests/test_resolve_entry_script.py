"""Finding the launched file: odd module names never crash the resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefix.analyze import analyze_text
from kefix.config import Settings
from kefix.resolve import Resolver


@pytest.mark.parametrize(
    "command",
    [
        "python -m $torch.distributed.run x.py --output_dir o --fp16 --bf16",
        "python -m pkg..mod --output_dir o --fp16 --bf16",
        "python -m 1st.mod --output_dir o --fp16 --bf16",
    ],
)
def test_a_module_name_that_is_no_identifier_finds_no_entry_file(
    tmp_path: Path, command: str
) -> None:
    script = tmp_path / "run.sh"
    script.write_text(command + "\n")
    analysis = analyze_text(script, "run.sh", script.read_text(), Resolver([tmp_path]), Settings())
    assert all(config.entry_path is None for config in analysis.configs)
