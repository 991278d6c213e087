"""KF203 deepspeed-precision-mismatch: the DeepSpeed config's fp16/bf16 against the launch's."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule
from kefix.rules.deepspeed_match import check_file, check_launch


class DeepSpeedPrecisionMismatch(Rule):
    """## What it does
    Reads the DeepSpeed config a launch passes (`--deepspeed ds_z2.json`, or `deepspeed:` in a
    training config) and checks its precision against the launch's: `fp16.enabled` must equal
    `fp16 or fp16_full_eval`, `bf16.enabled` must equal `bf16 or bf16_full_eval` (and before
    transformers 5.0, `amp.enabled`/`amp.opt_level` must match apex fp16). `"auto"`, a missing
    key or `null` always agrees.

    ## Why it matters
    transformers fills `"auto"` values from the launch and compares the rest; at the start of
    training it refuses to go on:

        ValueError: Please correct the following DeepSpeed config values that mismatch
        TrainingArguments values:
        - ds fp16.enabled=True vs hf fp16|fp16_full_eval=False
        The easiest method is to set these DeepSpeed config values to 'auto'.

    It happens when a launch moves to `--bf16` (Baichuan 2, Qwen, Llama 3) and keeps the ZeRO
    config it had for fp16. The error comes after the model is loaded, minutes into the job.

    ## Example
    `ds_z2.json`, passed by `deepspeed train.py --deepspeed ds_z2.json --bf16`:
    ```json
    {"fp16": {"enabled": true}, "zero_optimization": {"stage": 2}}
    ```
    Use instead:
    ```json
    {"fp16": {"enabled": "auto"}, "zero_optimization": {"stage": 2}}
    ```

    ## Fix safety
    Safe. The fix keeps the choice the user wrote. When the launch writes its precision (a flag,
    or a key of its training config), the DeepSpeed file gets `"auto"`: every launch that runs
    with that file today already has the file's value, so `"auto"` changes none of them, and
    this one runs with the precision it asks for. The finding is then reported on the DeepSpeed
    file (kefix checks the files that launches pass). When the launch leaves precision to the
    defaults, the launch gets the DeepSpeed file's value as a flag (`--fp16 True`).
    """

    code = "KF203"
    name = "deepspeed-precision-mismatch"
    severity = Severity.ERROR
    summary = (
        "the DeepSpeed config's `fp16.enabled`/`bf16.enabled` disagree with the launch's "
        "`--fp16`/`--bf16` (transformers raises when training starts)"
    )
    fix_summary = '`"auto"` in the DeepSpeed file, or the file\'s value as a flag (safe)'
    checks_deepspeed_files = True

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        yield from check_launch(self, config, precision=True)
        yield from check_file(self, config, precision=True)
