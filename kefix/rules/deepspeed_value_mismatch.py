"""KF021 deepspeed-value-mismatch: DeepSpeed batch, clipping and optimizer values against the
launch's."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule
from kefix.rules.deepspeed_match import check_file, check_launch


class DeepSpeedValueMismatch(Rule):
    """## What it does
    Reads the DeepSpeed config a launch passes and checks the values transformers compares with
    TrainingArguments: `train_micro_batch_size_per_gpu` (`per_device_train_batch_size`),
    `gradient_accumulation_steps`, `gradient_clipping` (`max_grad_norm`), `optimizer.params.lr`
    and `scheduler.params.warmup_max_lr` (`learning_rate`), `optimizer.params.betas`
    (`adam_beta1`, `adam_beta2`), `optimizer.params.eps` (`adam_epsilon`),
    `optimizer.params.weight_decay` (`weight_decay`), and `train_batch_size` when it is no
    multiple of micro batch x accumulation steps (then no number of GPUs makes it match).
    `"auto"`, a missing key or `null` always agrees; batch sizes are not compared under
    `--auto_find_batch_size`.

    ## Why it matters
    At the start of training transformers refuses to go on:

        ValueError: Please correct the following DeepSpeed config values that mismatch
        TrainingArguments values:
        - ds gradient_accumulation_steps=4 vs hf gradient_accumulation_steps=1
        The easiest method is to set these DeepSpeed config values to 'auto'.

    ## Example
    `ds_config.json`: `{"gradient_accumulation_steps": 4, "zero_optimization": {"stage": 2}}`,
    passed by
    ```bash
    deepspeed train.py --deepspeed ds_config.json --output_dir out
    ```
    Use instead:
    ```bash
    deepspeed train.py --deepspeed ds_config.json --output_dir out \\
        --gradient_accumulation_steps 4
    ```

    ## Fix safety
    Safe. When the launch does not write the value, it gets the DeepSpeed file's value as a flag
    (the run does what the DeepSpeed file says). When it writes it, the DeepSpeed file gets
    `"auto"`, reported on that file: launches that run with the file today keep their values.
    A `train_batch_size` that fits no world size is always set to `"auto"`.
    """

    code = "KF021"
    name = "deepspeed-value-mismatch"
    severity = Severity.ERROR
    summary = (
        "the DeepSpeed config's batch size, accumulation, clipping or optimizer values disagree "
        "with the launch's (transformers raises when training starts)"
    )
    fix_summary = '`"auto"` in the DeepSpeed file, or the file\'s value as a flag (safe)'
    checks_deepspeed_files = True

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        yield from check_launch(self, config, precision=False)
        yield from check_file(self, config, precision=False)
