"""KF018 prefetch-without-workers: a prefetch factor with data loaded in the main process."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    RemoveArg,
    Severity,
    Unknown,
)
from kefix.rules.base import Rule, default_origin_note, release

_CHECKED_FROM = Version("4.38.0")


class PrefetchWithoutWorkers(Rule):
    """## What it does
    Checks that `dataloader_prefetch_factor` (4.38+) is only set when data is loaded by worker
    processes, i.e. when `dataloader_num_workers` is not 0 (the default).

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: --dataloader_prefetch_factor can only be set when data is loaded in a
        different process, i.e. when --dataloader_num_workers > 0.

    Releases before 5.2 say `> 1`, but one worker is enough. 4.39 to 4.47 skip the check under
    torch < 2.0 (and default the factor to 2 there); kefix assumes torch 2.

    ## Example
    ```bash
    python train.py --output_dir out --dataloader_prefetch_factor 4
    ```
    Use instead:
    ```bash
    python train.py --output_dir out
    ```

    ## Fix safety
    Safe when the launch writes the factor: kefix removes it. Batches are prefetched only by
    workers, so without workers the factor does nothing; adding workers instead would change
    how data is loaded.
    """

    code = "KF018"
    name = "prefetch-without-workers"
    severity = Severity.ERROR
    summary = (
        "`dataloader_prefetch_factor` with `dataloader_num_workers 0` (4.38+, transformers raises)"
    )
    fix_summary = "remove the factor (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if release(config.version) < _CHECKED_FROM:
            return
        factor = config.value("dataloader_prefetch_factor")
        workers = config.value("dataloader_num_workers")
        if factor is None or isinstance(factor, Unknown) or isinstance(workers, Unknown):
            return
        if workers != 0:
            return
        fix = None
        if config.is_explicit("dataloader_prefetch_factor"):
            fix = Fix(
                "remove --dataloader_prefetch_factor (no workers to prefetch)",
                (RemoveArg("dataloader_prefetch_factor"),),
                Applicability.SAFE,
            )
        yield self.finding(
            config,
            f"dataloader_prefetch_factor={factor} needs worker processes, but "
            "dataloader_num_workers is 0; transformers raises ValueError at start-up",
            at=("dataloader_prefetch_factor", "dataloader_num_workers"),
            origin_note=default_origin_note(config, "dataloader_prefetch_factor"),
            fix=fix,
        )
