"""KF202 bf16-native-model: fp16 training of a model family known to overflow in fp16."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kefix.config import Settings
from kefix.model import (
    Applicability,
    EffectiveConfig,
    Finding,
    Fix,
    Intent,
    RenameArg,
    SetArg,
    Severity,
)
from kefix.rules.base import Rule

if TYPE_CHECKING:
    from kefix.knowledge.model_families import FamilyMatch

# Flags that name the trained model, strongest signal first; then framework hints that only
# name a chat template or architecture (weak: used only when no model name says anything).
_MODEL_FLAGS = ("model_name_or_path", "model_name", "base_model", "model_id", "model_path")
_TEMPLATE_FLAGS = ("template", "template_name", "model_type")


class Bf16NativeModel(Rule):
    """## What it does
    Checks launches that train with `--fp16` a model family released in bfloat16 and known to
    overflow in float16 (Baichuan 2, Qwen 2/2.5/3, Llama 3, Mistral, Gemma, T5/mT5/Flan-T5,
    Falcon, DeepSeek-V2, ...). The family comes from `--model_name_or_path` (or `--model_name`,
    `--base_model`), or, when the path says nothing, from `--template`/`--model_type`.

    ## Why it matters
    Nothing fails at start-up: the loss turns to 0 or NaN some steps in, or the model silently
    learns nothing (Baichuan2 LoRA with fp16: all-zero loss, hiyouga/LlamaFactory#950; Qwen2 fp16
    SFT: NaN, QwenLM/Qwen3#670). Maintainers of these families ask for bf16.

    ## Example
    ```bash
    torchrun src/finetune.py --model_name_or_path baichuan-inc/Baichuan2-7B-Chat --fp16
    ```
    Use instead:
    ```bash
    torchrun src/finetune.py --model_name_or_path baichuan-inc/Baichuan2-7B-Chat --bf16
    ```

    ## Fix safety
    Unsafe: bf16 needs an Ampere or newer GPU (transformers refuses `--bf16` elsewhere; train
    in fp32 there). bf16 removes the known fp16 overflow, not every instability.
    """

    code = "KF202"
    name = "bf16-native-model"
    severity = Severity.WARNING
    summary = "`--fp16` training of a family released in bf16 and known to overflow in fp16"
    fix_summary = "`--bf16` (unsafe: Ampere+)"

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        if config.value("fp16") is not True or config.value("bf16") is True:
            return
        # The family table (~6 ms of rows and regexes) is read only for fp16 launches.
        from kefix.knowledge.model_families import Risk

        match = model_family(config)
        if match is None or match.family.risk is Risk.NONE:
            return
        family = match.family
        yield self.finding(
            config,
            f"fp16 training of {family.name} (`{match.matched}`): the family was released in "
            f"{family.released_dtype} and is known to overflow in fp16; use --bf16 on Ampere or "
            "newer GPUs, fp32 otherwise",
            at=("fp16",),
            origin_note=f"evidence ({family.risk.value}): {family.evidence}",
            fix=Fix("train in bf16 instead of fp16", _to_bf16(config), Applicability.UNSAFE),
        )


def model_family(config: EffectiveConfig) -> FamilyMatch | None:
    """The family of the trained model, from the launch's model flags, then its template hints."""
    from kefix.knowledge.model_families import family_from_model_name, family_from_template

    values = {
        arg.name.replace("-", "_"): arg.values[0]
        for arg in config.launch.args
        if len(arg.values) == 1 and isinstance(arg.values[0], str)
    }
    for name in _MODEL_FLAGS:
        if name in values and (match := family_from_model_name(values[name])) is not None:
            return match
    for name in _TEMPLATE_FLAGS:
        if name in values and (match := family_from_template(values[name])) is not None:
            return match
    return None


def _to_bf16(config: EffectiveConfig) -> tuple[Intent, ...]:
    if config.is_explicit("fp16"):
        return (RenameArg("fp16", "bf16"),)
    return (SetArg("fp16", False), SetArg("bf16", True, near=("fp16",)))
