"""KF032 load-best-without-checkpoints: load_best_model_at_end with no evaluation and no saving."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Layer, Severity
from kefix.resolve import spelled_for
from kefix.rules.base import Rule
from kefix.rules.steps_ignored import misspelled_for_release

# A True the user wrote (on the command line or in a config file), not a project's default.
_WRITTEN = (Layer.COMMAND_LINE, Layer.CONFIG_FILE)


class LoadBestWithoutCheckpoints(Rule):
    """## What it does
    Checks launches that ask for `--load_best_model_at_end` while both `eval_strategy` and
    `save_strategy` are `"no"`.

    ## Why it matters
    The strategies match, so `TrainingArguments` accepts it (KF001 does not apply), on every
    release from 4.28 to 5.25. But nothing is ever evaluated or saved during training, so
    `Trainer` never records a best checkpoint and silently skips the reload: the model at the
    end is the last one, not the best one the script asks for.

    A `True` that only comes from a default of the launched project's own dataclass is not
    reported: the script did not ask for the best model, and turning evaluation off is then a
    deliberate choice.

    ## Example
    ```bash
    python train.py --load_best_model_at_end --eval_strategy no --save_strategy no
    ```
    Use instead:
    ```bash
    python train.py --load_best_model_at_end --eval_strategy epoch --save_strategy epoch
    ```

    ## Fix safety
    No fix. Both strategies are usually written as `"no"` on purpose; restoring the best-model
    reload means choosing an evaluation and save schedule (time, disk, an evaluation set), and
    dropping `--load_best_model_at_end` would only hide that the script does not get what it asks.
    """

    code = "KF032"
    name = "load-best-without-checkpoints"
    severity = Severity.WARNING
    summary = (
        "`--load_best_model_at_end` with both strategies `no`: nothing to load, the last "
        "model is kept"
    )

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        load_best = config.get("load_best_model_at_end")
        if load_best is None or load_best.value is not True:
            return
        if load_best.origin.layer not in _WRITTEN:
            return
        if config.value("eval_strategy") != "no" or config.value("save_strategy") != "no":
            return
        if misspelled_for_release(config, "eval_strategy"):
            return  # KF101 reports the flag; its value is not the default kefix sees
        flag = spelled_for("eval_strategy", config.version)
        yield self.finding(
            config,
            f"load_best_model_at_end=True does nothing: {flag} and save_strategy are both 'no', "
            "so no checkpoint is ever evaluated or saved, and the model at the end is the last "
            "one, not the best",
            at=("load_best_model_at_end", "eval_strategy", "save_strategy"),
        )
