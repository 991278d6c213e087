"""KF033 do-eval-without-strategy: ``--do_eval`` taken for evaluation during training."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Layer, Severity
from kefix.resolve import spelled_for
from kefix.rules.base import Rule
from kefix.rules.steps_ignored import misspelled_for_release

# Settings read only by evaluation during training (with load_best_model_at_end off and
# save_strategy not "best"): writing one shows the script expects such evaluation.
_IN_TRAINING_EVAL = ("metric_for_best_model", "greater_is_better", "eval_delay")


class DoEvalWithoutStrategy(Rule):
    """## What it does
    Checks launches that write `--do_eval` but no evaluation strategy (so `eval_strategy` is
    the default `"no"`), together with a setting that only evaluation *during* training reads:
    `--metric_for_best_model`, `--greater_is_better` or `--eval_delay`.

    ## Why it matters
    transformers sets `do_eval=True` when `eval_strategy` is not `"no"`, never the reverse, and
    `Trainer` does not read `do_eval` at all (4.28 to 5.25); only the launched script may, for
    one `trainer.evaluate()` after training. So the run never evaluates while it trains, and the
    metric settings are never used.

    `--do_train --do_eval` alone is the normal pattern of the example scripts (train, then
    evaluate once) and is not reported. With `--eval_steps` KF030 reports the trap, and with
    `load_best_model_at_end` or `--save_strategy best` KF001, KF031 or KF032 do.

    ## Example
    ```bash
    python train.py --do_train --do_eval --metric_for_best_model accuracy
    ```
    Use instead:
    ```bash
    python train.py --do_train --do_eval --eval_strategy epoch --metric_for_best_model accuracy
    ```

    ## Fix safety
    No fix: evaluating during training costs time, and the schedule (`epoch`, or `steps` with
    an interval) is the author's choice.
    """

    code = "KF033"
    name = "do-eval-without-strategy"
    severity = Severity.WARNING
    summary = (
        "`--do_eval` with no eval strategy but metric settings that only evaluation during "
        "training reads"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("do_eval") is not True or not config.is_explicit("do_eval"):
            return
        evaluation = config.get("eval_strategy")
        if evaluation is None or evaluation.value != "no" or config.is_explicit("eval_strategy"):
            return  # evaluates, is Unknown, or the script turns evaluation off on purpose
        if misspelled_for_release(config, "eval_strategy"):
            return
        if config.value("load_best_model_at_end") is not False:
            return  # KF001/KF032 (or Unknown)
        if config.value("save_strategy") == "best" or config.is_explicit("eval_steps"):
            return  # KF031 / KF030
        written = [name for name in _IN_TRAINING_EVAL if _written(config, name)]
        if not written:
            return
        flag = spelled_for("eval_strategy", config.version)
        default = " (the default)" if evaluation.origin.layer is Layer.TRANSFORMERS_DEFAULT else ""
        used = " and ".join(f"--{name}" for name in written)
        verb = "is" if len(written) == 1 else "are"
        yield self.finding(
            config,
            f"--do_eval does not evaluate during training: {flag} is 'no'{default}, so the run "
            f"never evaluates while it trains and {used} {verb} never used; transformers does "
            f"not read do_eval (the script may, for one evaluation after training); set "
            f"--{flag} epoch or steps",
            at=("do_eval",),
            origin_note=f"{flag}='no' comes from {evaluation.origin.describe()}",
        )


def _written(config: EffectiveConfig, name: str) -> bool:
    resolved = config.get(name)
    if resolved is None or resolved.arg is None:
        return False
    value = resolved.value
    if name == "eval_delay":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    return value is not None
