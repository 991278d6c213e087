"""KF001 strategy-mismatch: load_best_model_at_end with different eval and save strategies."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.version import Version

from kefix.config import Settings, StrategyFix
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    SetArg,
    Severity,
    Unknown,
)
from kefix.rules.base import Rule, release

_STRATEGY_FLAGS = ("save_strategy", "eval_strategy")
# save_strategy="best" exists from 4.47, but only 4.48 stopped requiring matching strategies.
_BEST_EXEMPT_FROM = Version("4.48.0")


class StrategyMismatch(Rule):
    """## What it does
    Checks that a launch which loads the best model at the end evaluates and saves on the same
    schedule: `eval_strategy` must equal `save_strategy` (unless `save_strategy` is `"best"`).

    ## Why it matters
    `TrainingArguments` refuses to start:

        ValueError: --load_best_model_at_end requires the save and eval strategy to match,
        except when --save_strategy="best", but found
        - Evaluation strategy: IntervalStrategy.NO
        - Save strategy: SaveStrategy.EPOCH

    The `True` often comes from a default the script never mentions: a `TrainingArguments`
    subclass in the launched project (DeepKE's `src/utils/args.py`) sets
    `load_best_model_at_end=True`, while the script says `--evaluation_strategy "no"`.

    ## Example
    ```bash
    torchrun src/finetune.py --evaluation_strategy "no" --save_strategy "epoch"
    ```
    Use instead:
    ```bash
    torchrun src/finetune.py --evaluation_strategy "no" --save_strategy "epoch" \\
        --load_best_model_at_end False
    ```

    ## Fix safety
    Two fixes; `--strategy-fix` picks one, and by default kefix keeps what the launch writes
    explicitly. *disable-best* (`--load_best_model_at_end False`) is safe: training does exactly
    what the script asked, minus a best-model reload that could never happen. *align* (set the
    eval strategy, and `eval_steps`, to the save schedule) is unsafe: it adds evaluation runs and
    needs an evaluation set. It is chosen when the launch itself asks for the best model.
    """

    code = "KF001"
    name = "strategy-mismatch"
    severity = Severity.ERROR
    summary = "`load_best_model_at_end` with eval strategy ≠ save strategy (transformers raises)"
    fix_summary = "disable-best (safe) or align (unsafe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        load_best = config.get("load_best_model_at_end")
        evaluation = config.value("eval_strategy")
        save = config.value("save_strategy")
        if load_best is None or load_best.value is not True:
            return
        if isinstance(evaluation, Unknown) or isinstance(save, Unknown):
            return
        if save == "best" and release(config.version) >= _BEST_EXEMPT_FROM:
            return
        if evaluation == save:
            return
        explicit_best = config.is_explicit("load_best_model_at_end")
        choice = settings.strategy_fix
        if choice is StrategyFix.AUTO:
            choice = StrategyFix.ALIGN if explicit_best else StrategyFix.DISABLE_BEST
        yield self.finding(
            config,
            f"load_best_model_at_end=True needs matching strategies, but eval_strategy is "
            f"{evaluation!r} and save_strategy is {save!r}; transformers raises ValueError "
            "at start-up",
            at=("load_best_model_at_end", "eval_strategy", "save_strategy"),
            origin_note=f"load_best_model_at_end=True comes from {load_best.origin.describe()}",
            fix=_align(config, save) if choice is StrategyFix.ALIGN else _disable_best(),
        )


def _disable_best() -> Fix:
    return Fix(
        "set --load_best_model_at_end False",
        (SetArg("load_best_model_at_end", False, near=_STRATEGY_FLAGS),),
        Applicability.SAFE,
    )


def _align(config: EffectiveConfig, save: object) -> Fix:
    intents = [SetArg("eval_strategy", str(save), near=("save_strategy",))]
    description = f"evaluate on the save schedule (--eval_strategy {save})"
    if save == "steps":
        save_steps = config.value("save_steps")
        if isinstance(save_steps, (int, float)) and not isinstance(save_steps, bool):
            steps = str(int(save_steps)) if float(save_steps).is_integer() else str(save_steps)
            intents.append(SetArg("eval_steps", steps, near=("save_steps", "eval_strategy")))
            description += f" every {steps} steps"
    return Fix(description + "; needs an evaluation set", tuple(intents), Applicability.UNSAFE)
