"""KF114 missing-output-dir: no --output_dir on a release that requires it."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.knowledge.training_args import training_fields
from kefix.model import EffectiveConfig, Finding, Severity
from kefix.rules.base import Rule


class MissingOutputDir(Rule):
    """## What it does
    Checks that a launch gives `--output_dir` (or that the launched script's dataclass gives it
    a default) when the target transformers release requires it: every release before 4.49.

    ## Why it matters
    argparse stops before training starts:

        error: the following arguments are required: --output_dir

    From 4.49 the field defaults to `trainer_output`, so the same script runs on a newer
    release and fails on the pinned one.

    ## Example
    ```bash
    python train.py --model_name_or_path gpt2 --do_train   # transformers 4.40
    ```
    Use instead:
    ```bash
    python train.py --model_name_or_path gpt2 --do_train --output_dir out/gpt2
    ```

    ## Fix safety
    No fix: where the checkpoints should go is the user's decision.
    """

    code = "KF114"
    name = "missing-output-dir"
    severity = Severity.ERROR
    summary = (
        "no `--output_dir` (nor a dataclass default) on a release before 4.49, where it is required"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        spec = training_fields(version=config.version).get("output_dir")
        if spec is None or not spec.required or config.value("output_dir") is not None:
            return
        yield self.finding(
            config,
            f"--output_dir is required by transformers {config.version} (optional from 4.49); "
            "argparse exits: the following arguments are required: --output_dir",
        )
