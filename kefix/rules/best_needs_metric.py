"""KF020 best-needs-metric: save_strategy "best" with no metric to compare checkpoints by."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import Applicability, EffectiveConfig, Finding, Fix, SetArg, Severity, Unknown
from kefix.rules.base import Rule, release

_BEST_FROM = Version("4.47.0")
# TrainingArguments sets metric_for_best_model to "loss" itself for these schedulers.
_METRIC_DEFAULTING_SCHEDULERS = {
    "reduce_lr_on_plateau": Version("4.29.0"),
    "greedy": Version("5.4.0"),
}


class BestNeedsMetric(Rule):
    """## What it does
    Checks that a launch saving only its best checkpoints (`save_strategy="best"`, 4.47+) says
    which metric makes a checkpoint the best: `metric_for_best_model`.

    transformers fills in `"loss"` itself when `load_best_model_at_end` is on, or the scheduler is
    `reduce_lr_on_plateau` (or `greedy`, 5.4+), so only launches with none of those are reported.

    ## Why it matters
    `TrainingArguments` accepts the configuration, so `HfArgumentParser` parses it without a
    word; the error comes a moment later, when the script creates its `Trainer`:

        ValueError: `args.metric_for_best_model` must be provided when using 'best'
        save_strategy or if `args.load_best_model_at_end` is set to `True`.

    ## Example
    ```bash
    python train.py --output_dir out --eval_strategy epoch --save_strategy best
    ```
    Use instead:
    ```bash
    python train.py --output_dir out --eval_strategy epoch --save_strategy best \\
        --metric_for_best_model eval_loss
    ```

    ## Fix safety
    Unsafe: kefix adds `--metric_for_best_model eval_loss`, the metric transformers picks itself
    for `load_best_model_at_end` (lower is better), but "best" may have meant accuracy or another
    metric of the script. When `eval_strategy` is `"no"` there is no fix: `best` saves only after
    an evaluation, so the run would start and never save.
    """

    code = "KF020"
    name = "best-needs-metric"
    severity = Severity.ERROR
    summary = (
        "`save_strategy best` (4.47+) with no `metric_for_best_model` (Trainer raises when "
        "created; TrainingArguments accepts it)"
    )
    fix_summary = "`--metric_for_best_model eval_loss` (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        version = release(config.version)
        if version < _BEST_FROM or config.value("save_strategy") != "best":
            return
        if config.value("metric_for_best_model") is not None:
            return
        load_best = config.value("load_best_model_at_end")
        scheduler = config.value("lr_scheduler_type")
        if load_best is not False or isinstance(scheduler, Unknown):
            return  # True (or maybe True): transformers defaults the metric to "loss"
        since = _METRIC_DEFAULTING_SCHEDULERS.get(str(scheduler))
        if since is not None and version >= since:
            return
        evaluation = config.value("eval_strategy")
        fix = None
        if evaluation != "no" and not isinstance(evaluation, Unknown):
            fix = Fix(
                "set --metric_for_best_model eval_loss (lower is better)",
                (SetArg("metric_for_best_model", "eval_loss", near=("save_strategy",)),),
                Applicability.UNSAFE,
            )
        yield self.finding(
            config,
            "save_strategy 'best' needs metric_for_best_model to compare checkpoints; "
            "TrainingArguments accepts it, but Trainer raises ValueError when it is created",
            at=("save_strategy", "metric_for_best_model"),
            fix=fix,
        )
