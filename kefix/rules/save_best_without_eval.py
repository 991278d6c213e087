"""KF031 save-best-without-eval: ``save_strategy="best"`` in a run that never evaluates."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Layer, Severity, Unknown
from kefix.resolve import spelled_for
from kefix.rules.base import Rule, release
from kefix.rules.steps_ignored import misspelled_for_release

_BEST_FROM = Version("4.47.0")


class SaveBestWithoutEval(Rule):
    """## What it does
    Checks launches with `--save_strategy best` (transformers 4.47+) whose `eval_strategy` is
    `"no"`, while a metric to judge "best" is set (`metric_for_best_model`, or
    `load_best_model_at_end`, which defaults it to `"loss"`).

    ## Why it matters
    With `"best"`, `Trainer` saves only after an evaluation that finds a new best metric
    (`_maybe_log_save_evaluate`: `should_save = is_new_best_metric`), and unlike `"steps"` it
    does not save at the last step either. Without evaluation the run trains to the end and
    writes no checkpoint at all; a job killed halfway cannot resume. transformers accepts the
    configuration (4.48+ even exempts `"best"` from the strategy match of KF001).

    Without any metric, `Trainer` refuses to start instead (`args.metric_for_best_model must be
    provided when using 'best' save_strategy ...`); that is an error of its own and this rule
    stays silent.

    ## Example
    ```bash
    python train.py --save_strategy best --metric_for_best_model accuracy
    ```
    Use instead:
    ```bash
    python train.py --save_strategy best --metric_for_best_model accuracy --eval_strategy epoch
    ```

    ## Fix safety
    No fix: the remedy is an evaluation schedule (`epoch`, or `steps` with an interval), which
    costs time and needs an evaluation set, or another save strategy; only the author can pick.
    """

    code = "KF031"
    name = "save-best-without-eval"
    severity = Severity.WARNING
    summary = (
        "`--save_strategy best` with `eval_strategy` `no` and a metric set: no checkpoint is "
        "ever written (4.47+)"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if release(config.version) < _BEST_FROM:
            return
        if config.value("save_strategy") != "best":
            return
        evaluation = config.get("eval_strategy")
        if evaluation is None or evaluation.value != "no":
            return  # evaluates (or Unknown)
        if misspelled_for_release(config, "eval_strategy"):
            return
        load_best = config.value("load_best_model_at_end")
        metric = config.value("metric_for_best_model")
        if isinstance(metric, Unknown) or (metric is None and load_best is not True):
            return  # unknown, or Trainer raises at start-up for want of a metric
        judged = f"metric {metric!r}" if isinstance(metric, str) else "metric 'loss'"
        flag = spelled_for("eval_strategy", config.version)
        default = " (the default)" if evaluation.origin.layer is Layer.TRANSFORMERS_DEFAULT else ""
        consequence = "the run writes no checkpoint at all"
        if load_best is True:
            consequence += " and load_best_model_at_end has nothing to load"
        yield self.finding(
            config,
            f"save_strategy 'best' saves only when an evaluation improves the {judged}, but "
            f"{flag} is 'no'{default}: {consequence} (transformers 4.47+)",
            at=("save_strategy", "eval_strategy"),
            origin_note=f"{flag}='no' comes from {evaluation.origin.describe()}",
        )
