"""The values transformers' DeepSpeed integration checks against TrainingArguments, as a table.

``HfTrainerDeepSpeedConfig.trainer_config_process`` (transformers/integrations/deepspeed.py, the
same in every release 4.28-5.25 but for apex) calls ``fill_match(ds_key, hf_value)`` for each row:
a DeepSpeed value ``"auto"`` is replaced by the TrainingArguments value, a missing key (or
``null``) is left alone, and any other value that differs (Python ``!=``) is recorded; at the
start of training ``trainer_config_finalize`` raises

    ValueError: Please correct the following DeepSpeed config values that mismatch
    TrainingArguments values:
    - ds fp16.enabled=True vs hf fp16|fp16_full_eval=False
    The easiest method is to set these DeepSpeed config values to 'auto'.

Which side a fix edits: the side the user did not write. When the launch writes the value (a
flag, a key of the training config), the DeepSpeed file gets ``"auto"``: every launch that runs
with that file today already has the file's value, so ``"auto"`` changes none of them. When the
launch does not write it, the launch gets a flag with the DeepSpeed file's value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec
from packaging.version import Version

from kefix.model import (
    Applicability,
    DeepSpeedConfig,
    EffectiveConfig,
    FieldValue,
    Finding,
    Fix,
    SetArg,
    Span,
    Unknown,
)
from kefix.rules.base import Rule, release

_APEX_REMOVED = Version("5.0.0")  # 4.x also checks amp.* and leaves fp16.enabled to amp
_PRECISION = ("fp16", "fp16_full_eval", "bf16", "bf16_full_eval")
_RAISES = (
    "transformers raises ValueError when training starts ('Please correct the following "
    "DeepSpeed config values that mismatch TrainingArguments values')"
)


class Missing(Exception):
    """A TrainingArguments value the check needs is unknown."""


Values = Callable[[str], FieldValue]


def _known(values: Values, name: str) -> FieldValue:
    value = values(name)
    if isinstance(value, Unknown):
        raise Missing(name)
    return value


def _either(first: str, second: str) -> Callable[[Values, str], object]:
    def hf(values: Values, version: str) -> object:
        return bool(_known(values, first) or _known(values, second))

    return hf


def _fp16(values: Values, version: str) -> object:
    on = bool(_known(values, "fp16") or _known(values, "fp16_full_eval"))
    if release(version) < _APEX_REMOVED:
        return on and _known(values, "fp16_backend") != "apex"
    return on


def _amp(values: Values, version: str) -> object:
    on = bool(_known(values, "fp16") or _known(values, "fp16_full_eval"))
    return on and _known(values, "fp16_backend") == "apex"


def _field(name: str) -> Callable[[Values, str], object]:
    return lambda values, version: _known(values, name)


def _betas(values: Values, version: str) -> object:
    return [_known(values, "adam_beta1"), _known(values, "adam_beta2")]


class Check(msgspec.Struct, frozen=True):
    """One ``fill_match`` row: the DeepSpeed key, transformers' name for the HF side, how the HF
    value is computed, and the fields that make it up (written fields decide the fix side)."""

    ds_key: str
    hf_label: str
    hf_value: Callable[[Values, str], object]
    fields: tuple[str, ...]
    precision: bool = False
    batch: bool = False  # not checked under auto_find_batch_size (4.37+)
    before: str | None = None  # only releases before this one check it


CHECKS: tuple[Check, ...] = (
    Check(
        "train_micro_batch_size_per_gpu",
        "per_device_train_batch_size",
        _field("per_device_train_batch_size"),
        ("per_device_train_batch_size",),
        batch=True,
    ),
    Check(
        "gradient_accumulation_steps",
        "gradient_accumulation_steps",
        _field("gradient_accumulation_steps"),
        ("gradient_accumulation_steps",),
    ),
    Check("gradient_clipping", "max_grad_norm", _field("max_grad_norm"), ("max_grad_norm",)),
    Check("optimizer.params.lr", "learning_rate", _field("learning_rate"), ("learning_rate",)),
    Check(
        "optimizer.params.betas",
        "adam_beta1+adam_beta2",
        _betas,
        ("adam_beta1", "adam_beta2"),
    ),
    Check("optimizer.params.eps", "adam_epsilon", _field("adam_epsilon"), ("adam_epsilon",)),
    Check(
        "optimizer.params.weight_decay", "weight_decay", _field("weight_decay"), ("weight_decay",)
    ),
    Check(
        "scheduler.params.warmup_max_lr",
        "learning_rate",
        _field("learning_rate"),
        ("learning_rate",),
    ),
    Check("fp16.enabled", "fp16|fp16_full_eval", _fp16, _PRECISION, precision=True),
    Check(
        "bf16.enabled",
        "bf16|bf16_full_eval",
        _either("bf16", "bf16_full_eval"),
        _PRECISION,
        precision=True,
    ),
    Check(
        "amp.enabled",
        "fp16+fp16_backend(apex)",
        _amp,
        (*_PRECISION, "fp16_backend"),
        precision=True,
        before="5.0.0",
    ),
    Check(
        "amp.opt_level",
        "fp16_opt_level",
        _field("fp16_opt_level"),
        ("fp16_opt_level",),
        precision=True,
        before="5.0.0",
    ),
)


class Mismatch(msgspec.Struct, frozen=True):
    """A DeepSpeed value transformers would reject for this launch, and who should change."""

    check: Check
    ds_value: object
    hf_value: object
    launch_writes_it: bool  # the launch writes the HF side: the DeepSpeed file gets "auto"


def mismatches(
    config: EffectiveConfig, deepspeed: DeepSpeedConfig, precision: bool
) -> Iterator[Mismatch]:
    """Rows of the table (precision ones or the others) where ``deepspeed`` disagrees with
    the launch's TrainingArguments values, as transformers compares them."""
    version = config.version
    for check in CHECKS:
        if check.precision is not precision:
            continue
        if check.before is not None and release(version) >= release(check.before):
            continue
        if check.batch and _auto_batch(config):
            continue
        ds_value = deepspeed.values.get(check.ds_key)
        if ds_value is None or ds_value == "auto":
            continue
        try:
            hf_value = check.hf_value(config.value, version)
        except Missing:
            continue
        if ds_value != hf_value:
            written = any(config.is_explicit(name) for name in check.fields)
            yield Mismatch(check, ds_value, hf_value, written)
    if not precision:
        yield from _train_batch_size(config, deepspeed)


def _auto_batch(config: EffectiveConfig) -> bool:
    value = config.value("auto_find_batch_size")
    return value is not False and release(config.version) >= release("4.37.0")


_TRAIN_BATCH = Check(
    "train_batch_size",
    "train_batch_size (calculated)",
    _field("per_device_train_batch_size"),
    ("per_device_train_batch_size", "gradient_accumulation_steps"),
    batch=True,
)


def _train_batch_size(config: EffectiveConfig, deepspeed: DeepSpeedConfig) -> Iterator[Mismatch]:
    """``train_batch_size`` must be world size x micro batch x accumulation: the world size is
    not in the launch, but a value that is no multiple of the other two fails for every one."""
    total = deepspeed.values.get("train_batch_size")
    if total is None or total == "auto" or _auto_batch(config):
        return
    micro, steps = (
        config.value("per_device_train_batch_size"),
        config.value("gradient_accumulation_steps"),
    )
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (micro, steps)):
        return
    assert isinstance(micro, int) and isinstance(steps, int)
    if isinstance(total, bool) or not isinstance(total, int) or total % (micro * steps) != 0:
        yield Mismatch(_TRAIN_BATCH, total, f"N x {micro} x {steps}", True)


def json_text(value: object) -> str:
    """A DeepSpeed value as its file writes it."""
    import json

    return json.dumps(value)


def flag_word(value: object) -> str | bool:
    """A DeepSpeed value as the flag word that gives TrainingArguments the same value."""
    if isinstance(value, bool):
        return value
    return str(value)


def launch_fix(mismatch: Mismatch) -> Fix | None:
    """Write the DeepSpeed file's value into the launch (it did not write its own)."""
    check, value = mismatch.check, mismatch.ds_value
    if check.ds_key == "optimizer.params.betas":
        if not (isinstance(value, list) and len(value) == 2):
            return None
        intents = tuple(
            SetArg(name, str(beta), near=("deepspeed",))
            for name, beta in zip(("adam_beta1", "adam_beta2"), value, strict=True)
        )
    elif check.ds_key in ("fp16.enabled", "bf16.enabled"):
        if not isinstance(value, bool):
            return None
        prefix = check.ds_key.split(".")[0]
        names = (prefix,) if value else (prefix, f"{prefix}_full_eval")
        intents = tuple(SetArg(name, value, near=("deepspeed",)) for name in names)
    elif check.hf_label in ("fp16+fp16_backend(apex)", "train_batch_size (calculated)"):
        return None
    elif isinstance(value, (bool, int, float, str)):
        intents = (SetArg(check.fields[0], flag_word(value), near=("deepspeed",)),)
    else:
        return None
    shown = ", ".join(f"--{i.name} {i.value}" for i in intents)
    return Fix(f"take the DeepSpeed config's value: {shown}", intents, Applicability.SAFE)


def check_launch(rule: Rule, config: EffectiveConfig, precision: bool) -> Iterator[Finding]:
    """Findings on a launch that passes a DeepSpeed config: mismatches the launch should fix
    (it does not write the value), and those in an inline config (no file to fix)."""
    deepspeed = config.deepspeed
    if deepspeed is None or config.launch.entry_kind == "deepspeed":
        return
    for mismatch in mismatches(config, deepspeed, precision):
        if mismatch.launch_writes_it and deepspeed.path is not None:
            continue  # the DeepSpeed file's: reported there, where "auto" goes
        where = deepspeed.written or deepspeed.path or "the inline DeepSpeed config"
        line = deepspeed.lines.get(mismatch.check.ds_key)
        at = f"{where}:{line}" if line and deepspeed.path else where
        fix = None if mismatch.launch_writes_it else launch_fix(mismatch)
        yield rule.finding(
            config,
            f"{at} sets {mismatch.check.ds_key}={json_text(mismatch.ds_value)}, but the launch "
            f"has {mismatch.check.hf_label}={_hf_text(mismatch.hf_value)}; {_RAISES}",
            at=("deepspeed", *mismatch.check.fields),
            fix=fix,
            subject=mismatch.check.ds_key,
        )


def check_file(rule: Rule, config: EffectiveConfig, precision: bool) -> Iterator[Finding]:
    """Findings on a DeepSpeed config checked on its own: values that a launch passing it
    writes otherwise. The fix sets them to "auto" (every launch that runs today keeps its
    value)."""
    deepspeed = config.deepspeed
    if config.launch.entry_kind != "deepspeed" or deepspeed is None:
        return
    for user in config.deepspeed_users:
        for mismatch in mismatches(_as_user(user, config), deepspeed, precision):
            if not mismatch.launch_writes_it:
                continue  # the launch's: reported there
            key = mismatch.check.ds_key
            resolved = config.values.get(key)
            if resolved is None or resolved.arg is None:
                continue
            yield rule.finding(
                config,
                f"{key}={json_text(mismatch.ds_value)} here, but {_where(user)} has "
                f"{mismatch.check.hf_label}={_hf_text(mismatch.hf_value)}; {_RAISES}",
                span=Span(resolved.arg.span.start, resolved.arg.span.end),
                fix=Fix(f'set {key} to "auto"', (SetArg(key, "auto"),), Applicability.SAFE),
                subject=key,
            )


def _as_user(user: EffectiveConfig, file_config: EffectiveConfig) -> EffectiveConfig:
    """The user's configuration checked with the file's release (the file is checked against
    each of its project's releases in turn)."""
    if user.version == file_config.version:
        return user
    return msgspec.structs.replace(user, version=file_config.version)


def _where(user: EffectiveConfig) -> str:
    """``the launch at scripts/train.sh:12``: the line of its ``--deepspeed`` (or ``deepspeed:``
    key), else its first written value."""
    resolved = user.values.get("deepspeed")
    line = resolved.origin.line if resolved is not None and resolved.arg is not None else None
    if line is None:
        written = [r.origin.line for r in user.values.values() if r.arg and r.origin.line]
        line = min(written, default=1)
    return f"the launch at {user.launch.path}:{line}"


def _hf_text(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
