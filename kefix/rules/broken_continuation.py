"""KF003 broken-continuation: flags a broken ``\\`` continuation cuts off from their launch."""

from __future__ import annotations

from collections.abc import Iterator

from kefix.config import Settings
from kefix.model import (
    Applicability,
    BreakKind,
    EffectiveConfig,
    Finding,
    Fix,
    RepairContinuation,
    Severity,
    Span,
)
from kefix.resolve import training_field_name
from kefix.rules.base import Rule

_CONSEQUENCES = {
    BreakKind.COMMENT_LINE: "a comment line inside the continuation ends the command",
    BreakKind.SPACE_AFTER_BACKSLASH: "a blank after the trailing backslash ends the command",
    BreakKind.MISSING_BACKSLASH: "a line without a trailing backslash ends the command",
    BreakKind.GLUED_BACKSLASH: "a backslash glued to the value before it joins the line into "
    "that value",
    BreakKind.TRAILING_COMMENT: "a comment at the end of the line before them ends the command "
    "(a backslash after `#` is part of the comment)",
}
_REPAIRS = {
    BreakKind.COMMENT_LINE: "move the comment line above the launch",
    BreakKind.SPACE_AFTER_BACKSLASH: "remove the blank after the backslash",
    BreakKind.MISSING_BACKSLASH: "add the missing backslash",
    BreakKind.GLUED_BACKSLASH: "put a blank before the backslash",
    BreakKind.TRAILING_COMMENT: "move the comment above the launch and continue the line",
}


class BrokenContinuation(Rule):
    """## What it does
    Finds launches whose `\\`-continued flags never reach the training script: a comment line
    inside the block, a comment at the end of one of its lines (`--lr 1 # note \\`, or
    `--lr 1 \\  # note`), a blank after the backslash, a line that lacks its backslash, or a
    backslash glued to a value when the next line starts at column 0.

    ## Why it matters
    Bash ends the command at the first unescaped newline. The flags below it run as a separate
    command (`--save_strategy: command not found`, easy to miss in a log) and training starts
    without them; a glued backslash joins the next flag into the value (`0.03--fp16`). No error
    from transformers: the run is just not the one the script describes.

    ## Example
    ```bash
    torchrun train.py \\
        --learning_rate 2e-5 \\
        # --deepspeed ds.json \\
        --save_strategy epoch
    ```
    Use instead:
    ```bash
    # --deepspeed ds.json \\
    torchrun train.py \\
        --learning_rate 2e-5 \\
        --save_strategy epoch
    ```

    ## Fix safety
    Safe: the repair keeps every character the user wrote (a comment moves above the launch, a
    trailing one without the backslash it swallowed) and gives the launch the flags its script
    spells out.
    """

    code = "KF003"
    name = "broken-continuation"
    severity = Severity.ERROR
    summary = (
        "flags a comment line or trailing comment, a blank after `\\`, a missing `\\` or a glued "
        "`\\` cut off from their launch"
    )
    fix_summary = "repair the continuation (safe)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        for detached in config.launch.detached:
            training = [name for name in detached.names if training_field_name(name)]
            lost = ", ".join("--" + name for name in (training or list(detached.names)))
            verb = "reaches" if len(detached.names) == 1 else "reach"
            repair = Fix(
                _REPAIRS[detached.kind], (RepairContinuation(detached),), Applicability.SAFE
            )
            yield self.finding(
                config,
                f"{lost} never {verb} this launch: {_CONSEQUENCES[detached.kind]}",
                span=Span(detached.at.start, detached.at.start),
                fix=repair,
                subject=f"{detached.kind.name}:{','.join(detached.names)}",
            )
