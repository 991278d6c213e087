"""The TrainingArguments axolotl builds from one of its config files.

axolotl does not hand its YAML to ``HfArgumentParser``: its trainer builder
(``axolotl/core/builders/base.py`` and ``causal.py``) computes each TrainingArguments keyword
from its own keys -- ``micro_batch_size`` is ``per_device_train_batch_size``, ``saves_per_epoch``
a fractional ``save_steps``, ``val_set_size: 0`` no evaluation, ``load_best_model_at_end`` only
with ``save_steps`` a multiple of ``eval_steps``. This module replays that for the keys the rules
read, citing each step (``framework_conventions``), so KF001/KF002/KF030/KF035/precision rules
see what axolotl passes. Values read from a key carry their origin at the key's line and the
key as ``arg`` (a finding points at it; ``axolotl_fix_writable`` keeps a fix off a key of another
name than the field's). What depends on the dataset or the GPU (``bf16: auto``, ``max_steps``,
``logging_steps`` and ``warmup_steps`` when unset) stays ``Unknown``, as does every field the
builder sets that is not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec
from msgspec.structs import replace

from kefix.knowledge import framework_conventions as conventions
from kefix.knowledge.framework_conventions import Convention
from kefix.knowledge.frameworks import CommandOptions
from kefix.knowledge.training_args import training_fields
from kefix.model import (
    Arg,
    EffectiveConfig,
    FieldValue,
    Finding,
    Launch,
    Layer,
    LineIndex,
    Origin,
    RemoveArg,
    RenameArg,
    ResolvedValue,
    SetArg,
    Unknown,
)


class AxolotlKey(msgspec.Struct, frozen=True):
    """One key of the config as axolotl's config model holds it: written (with its ``arg`` and
    line) or its default."""

    name: str
    value: FieldValue
    arg: Arg | None = None
    line: int | None = None


class AxolotlConfig:
    """The config's keys as axolotl reads them, with defaults for the keys it leaves out."""

    def __init__(self, launch: Launch, lines: LineIndex, options: CommandOptions) -> None:
        self._path = launch.path
        self._options = options
        self._written: dict[str, AxolotlKey] = {}
        for arg in launch.args:
            line = lines.location(arg.span.start).line
            self._written[arg.name] = AxolotlKey(arg.name, yaml_value(arg), arg, line)

    def key(self, name: str) -> AxolotlKey:
        if name in self._written:
            return self._written[name]
        option = self._options.options.get(name)
        if option is None or option.required:
            return AxolotlKey(name, None)
        return AxolotlKey(name, option.default)

    def written(self, name: str) -> bool:
        return name in self._written

    def origin(self, key: AxolotlKey, convention: Convention) -> Origin:
        """Where a value read from ``key`` comes from: the key's line, or axolotl's default."""
        if key.line is not None:
            return Origin(Layer.CONFIG_FILE, self._path, key.line, detail=key.name)
        return _convention_origin(convention)


def yaml_value(arg: Arg) -> FieldValue:
    """A key's value as axolotl's config model would hold it (the words ``config_launch`` gives:
    ``True``, ``0.05``, ``auto``); a list or mapping is Unknown (no rule here reads one)."""
    if len(arg.values) != 1:
        return Unknown(" ".join(str(v) for v in arg.values)) if arg.values else True
    word = arg.values[0]
    if isinstance(word, Unknown):
        return word
    if word in ("True", "False"):
        return word == "True"
    for convert in (int, float):
        try:
            return convert(word)
        except ValueError:
            pass
    return word


def axolotl_training_arguments(
    values: dict[str, ResolvedValue],
    launch: Launch,
    lines: LineIndex,
    options: CommandOptions,
    transformers_version: str,
) -> None:
    """Set in ``values`` (every field already Unknown but the config's keys) the TrainingArguments
    axolotl builds from the config ``launch``, for a release whose builder kefix has read."""
    if conventions.AXOLOTL_SAVE_STRATEGY.holds(options.version) is not True:
        precision_unknown(values)
        return
    cfg = AxolotlConfig(launch, lines, options)
    defaults = training_fields(version=transformers_version)

    def put(name: str, value: FieldValue, origin: Origin, arg: Arg | None = None) -> None:
        previous = values.get(name)
        if previous is None and name not in defaults:
            return
        earlier: tuple[ResolvedValue, ...] = ()
        if previous is not None:
            # The key bound as a field of the same name: replaced, not overridden.
            same = previous.origin.layer is Layer.CONFIG_FILE and previous.origin == origin
            earlier = previous.overrides if same else (previous, *previous.overrides)
        values[name] = ResolvedValue(name, value, origin, arg, overrides=earlier)

    def from_key(name: str, key: AxolotlKey, convention: Convention) -> None:
        put(name, key.value, cfg.origin(key, convention), key.arg)

    def default(name: str, convention: Convention) -> None:
        """axolotl does not pass ``name``: transformers' default stands."""
        spec = defaults.get(name)
        if spec is not None:
            put(name, spec.default, _convention_origin(convention, "not passed"))

    for name in sorted(conventions.AXOLOTL_VERBATIM_KEYS - _BUILT):
        key = cfg.key(name)
        if key.value is not None:
            from_key(name, key, _passed(name))
        else:
            default(name, _passed(name))
    from_key("per_device_train_batch_size", cfg.key("micro_batch_size"), _MICRO)
    from_key("num_train_epochs", cfg.key("num_epochs"), conventions.AXOLOTL_NUM_EPOCHS)
    max_steps = cfg.key("max_steps")
    if max_steps.value:
        from_key("max_steps", max_steps, conventions.AXOLOTL_NUM_EPOCHS)
    eval_batch = cfg.key("eval_batch_size")
    if eval_batch.value:
        from_key("per_device_eval_batch_size", eval_batch, conventions.AXOLOTL_EVAL_BATCH_SIZE)
    else:
        default("per_device_eval_batch_size", conventions.AXOLOTL_EVAL_BATCH_SIZE)
    total = cfg.key("save_total_limit")
    if total.value:
        from_key("save_total_limit", total, conventions.AXOLOTL_SAVE_TOTAL_LIMIT)
    else:
        put("save_total_limit", 4, _convention_origin(conventions.AXOLOTL_SAVE_TOTAL_LIMIT))
    for name, convention in (
        ("logging_steps", conventions.AXOLOTL_LOGGING_STEPS),
        ("warmup_steps", conventions.AXOLOTL_WARMUP),
    ):
        key = cfg.key(name)
        if key.value is not None and not (name == "warmup_steps" and key.value == 1):
            from_key(name, key, convention)
        elif key.value is None:
            put(
                name, Unknown("axolotl computes it from the length of the run"), _origin(convention)
            )
        else:
            put(name, 2, cfg.origin(key, convention), key.arg)  # axolotl turns 1 into 2
    default("warmup_ratio", conventions.AXOLOTL_WARMUP)  # axolotl turns it into warmup_steps
    _scheduler(cfg, put)
    save_steps, eval_steps = _save_and_eval(cfg, put, default)
    _load_best(cfg, put, save_steps, eval_steps)
    _precision(cfg, put, default)


# Fields the steps below build (so the verbatim loop leaves them alone).
_BUILT = frozenset({"save_steps", "eval_steps", "save_strategy", "eval_strategy"})
_BUILT |= {"logging_steps", "save_total_limit"}
_MICRO = conventions.AXOLOTL_MICRO_BATCH_SIZE


def _scheduler(cfg: AxolotlConfig, put: Callable[..., None]) -> None:
    rule = conventions.AXOLOTL_LR_SCHEDULER
    key = cfg.key("lr_scheduler")
    if isinstance(key.value, Unknown):
        put("lr_scheduler_type", key.value, cfg.origin(key, rule), key.arg)
    elif not key.value or key.value in ("one_cycle", "rex"):
        origin = cfg.origin(key, rule) if key.value else _origin(rule)
        put("lr_scheduler_type", "cosine", origin, key.arg)
    else:
        put("lr_scheduler_type", key.value, cfg.origin(key, rule), key.arg)


def _per_epoch(cfg: AxolotlConfig, name: str) -> FieldValue:
    """``1 / (per_epoch * num_epochs)`` when below 1 (axolotl/utils/config), else None."""
    per_epoch, epochs = cfg.key(name).value, cfg.key("num_epochs").value
    if isinstance(per_epoch, Unknown) or isinstance(epochs, Unknown):
        return Unknown(f"{name} with num_epochs")
    if not per_epoch or not isinstance(per_epoch, (int, float)):
        return None
    if not isinstance(epochs, (int, float)) or not epochs:
        return Unknown(f"{name} with num_epochs")
    steps = 1.0 / (per_epoch * epochs)
    return steps if steps < 1.0 else None


def _save_and_eval(
    cfg: AxolotlConfig, put: Callable[..., None], default: Callable[[str, Convention], None]
) -> tuple[FieldValue, FieldValue]:
    """save_strategy/save_steps and eval_strategy/eval_steps as the builder sets them; returns
    ``cfg.save_steps`` and ``cfg.eval_steps`` after axolotl's per-epoch conversion."""
    save_rule, eval_rule = conventions.AXOLOTL_SAVE_STRATEGY, conventions.AXOLOTL_EVAL_STRATEGY
    save_key = cfg.key("save_steps")
    save_steps: FieldValue = save_key.value
    if save_steps is None and cfg.written("saves_per_epoch"):
        save_key = cfg.key("saves_per_epoch")
        save_steps = _per_epoch(cfg, "saves_per_epoch")
    if isinstance(save_steps, Unknown):
        put("save_strategy", save_steps, cfg.origin(save_key, save_rule))
        put("save_steps", save_steps, cfg.origin(save_key, save_rule))
    elif save_steps:
        put("save_strategy", "steps", cfg.origin(save_key, save_rule), save_key.arg)
        put("save_steps", save_steps, cfg.origin(save_key, save_rule), save_key.arg)
    else:
        strategy = cfg.key("save_strategy")
        if strategy.value:
            put("save_strategy", strategy.value, cfg.origin(strategy, save_rule), strategy.arg)
        else:
            put("save_strategy", "epoch", _origin(save_rule))
        default("save_steps", save_rule)

    val_set_size = cfg.key("val_set_size")
    has_eval_set = _has_eval_set(cfg)
    eval_key = cfg.key("eval_steps")
    eval_steps: FieldValue = eval_key.value
    if eval_steps is None and cfg.written("evals_per_epoch"):
        if has_eval_set is None:
            eval_steps = Unknown("evals_per_epoch with an evaluation set kefix cannot see")
        elif has_eval_set:
            eval_key = cfg.key("evals_per_epoch")
            eval_steps = _per_epoch(cfg, "evals_per_epoch")
    # axolotl reads the old spelling when the new one is absent (validation.py check_eval_strategy).
    old_name = not cfg.written("eval_strategy") and cfg.written("evaluation_strategy")
    strategy = cfg.key("evaluation_strategy" if old_name else "eval_strategy")
    if has_eval_set is None or isinstance(eval_steps, Unknown):
        why = Unknown("axolotl decides it from the evaluation set")
        for name in ("eval_strategy", "eval_steps", "eval_on_start"):
            put(name, why, _origin(eval_rule))
    elif not has_eval_set:
        put("eval_strategy", "no", cfg.origin(val_set_size, eval_rule), val_set_size.arg)
        default("eval_steps", eval_rule)
        default("eval_on_start", eval_rule)
    elif eval_steps:
        put("eval_strategy", "steps", cfg.origin(eval_key, eval_rule), eval_key.arg)
        put("eval_steps", eval_steps, cfg.origin(eval_key, eval_rule), eval_key.arg)
        put("eval_on_start", True, _origin(eval_rule))
    elif strategy.value:
        put("eval_strategy", strategy.value, cfg.origin(strategy, eval_rule), strategy.arg)
        default("eval_steps", eval_rule)
        put("eval_on_start", True, _origin(eval_rule))
    else:
        for name in ("eval_strategy", "eval_steps", "eval_on_start"):
            default(name, eval_rule)
    return save_steps, eval_steps


def _has_eval_set(cfg: AxolotlConfig) -> bool | None:
    """Whether the builder gets an evaluation dataset: ``test_datasets`` or ``val_set_size``
    above 0 (None: not a number kefix can read)."""
    if cfg.written("test_datasets"):
        return True
    size = cfg.key("val_set_size").value
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        return None if size is not None else False
    return size > 0


def _load_best(
    cfg: AxolotlConfig, put: Callable[..., None], save_steps: FieldValue, eval_steps: FieldValue
) -> None:
    """causal.py: the best model is kept only with an evaluation set and ``eval_steps`` dividing
    ``save_steps`` (both set); otherwise axolotl passes False, whatever the config says."""
    rule = conventions.AXOLOTL_LOAD_BEST
    wanted, patience = cfg.key("load_best_model_at_end"), cfg.key("early_stopping_patience")
    size = cfg.key("val_set_size").value
    tests = cfg.written("test_datasets")
    parts = (wanted.value, patience.value, size, save_steps, eval_steps)
    if any(isinstance(part, Unknown) for part in parts) or not isinstance(size, (int, float)):
        put("load_best_model_at_end", Unknown("axolotl decides it"), cfg.origin(wanted, rule))
        return
    asked = wanted.value is not False or bool(patience.value)
    has_set = (not tests and size > 0) or (tests and size == 0)
    aligned = (
        isinstance(save_steps, (int, float))
        and isinstance(eval_steps, (int, float))
        and bool(save_steps)
        and bool(eval_steps)
        and save_steps % eval_steps == 0
    )
    kept = bool(asked and has_set and aligned)
    if kept or not wanted.value:
        put("load_best_model_at_end", kept, cfg.origin(wanted, rule), wanted.arg)
    else:
        # Written true, passed false: the value is axolotl's, the key's line still says why.
        put("load_best_model_at_end", False, _convention_origin(rule, f"{wanted.name} dropped"))


def _precision(
    cfg: AxolotlConfig, put: Callable[..., None], default: Callable[[str, Convention], None]
) -> None:
    rule = conventions.AXOLOTL_PRECISION
    bf16, fp16, bfloat16 = cfg.key("bf16"), cfg.key("fp16"), cfg.key("bfloat16")
    if bf16.value == "full":
        put("bf16_full_eval", True, cfg.origin(bf16, rule))
        put("bf16", False, cfg.origin(bf16, rule))
        bf16_on: FieldValue = True
    elif isinstance(bf16.value, bool) or bf16.value is None:
        bf16_on = bf16.value or bfloat16.value or False
        source = bf16 if bf16.value or not bfloat16.value else bfloat16
        put("bf16", bf16_on, cfg.origin(source, rule), source.arg)
    else:
        auto = conventions.AXOLOTL_BF16_AUTO
        bf16_on = Unknown(
            f"axolotl derives it from bf16: {bf16.value} ({auto.source} in axolotl {auto.first})"
        )
        put("bf16", bf16_on, cfg.origin(bf16, auto), bf16.arg)
    if not fp16.value:
        put("fp16", False, cfg.origin(fp16, rule), fp16.arg)
    elif isinstance(bf16_on, Unknown) or isinstance(fp16.value, Unknown):
        put("fp16", bf16_on if isinstance(bf16_on, Unknown) else fp16.value, cfg.origin(fp16, rule))
    else:
        put("fp16", not bf16_on, cfg.origin(fp16, rule), fp16.arg)


def precision_unknown(values: dict[str, ResolvedValue]) -> None:
    """axolotl computes TrainingArguments' precision itself: ``bf16: auto`` (or anything but a
    boolean) depends on the GPU, and ``fp16`` is passed as ``fp16 and not bf16``
    (axolotl/core/builders/base.py:271 in 0.19.0), so neither value is known. Also for releases
    whose builder kefix has not read."""
    bf16 = values.get("bf16")
    if bf16 is None or isinstance(bf16.value, bool):
        return
    rule = conventions.AXOLOTL_BF16_AUTO
    why = f"axolotl derives it from bf16: auto ({rule.source} in axolotl {rule.first})"
    for name in ("bf16", "fp16"):
        resolved = values.get(name)
        if resolved is not None:
            values[name] = replace(resolved, value=Unknown(why))


def _origin(convention: Convention) -> Origin:
    return _convention_origin(convention)


def _convention_origin(convention: Convention, note: str = "") -> Origin:
    extra = f"{note}; " if note else ""
    return Origin(
        Layer.DATACLASS_DEFAULT,
        detail=f"({extra}axolotl convention: {convention.name}, {convention.source} in axolotl "
        f"{convention.first})",
    )


# --------------------------------------------------------------------------------- fixes


def axolotl_fix_writable(config: EffectiveConfig, finding: Finding) -> bool:
    """Whether ``finding``'s fix can be written in the axolotl config's own keys: every intent
    names an axolotl key that is no TrainingArguments field (a framework-aware rule's), or a
    field axolotl reads from the key of the same name as written (``save_steps``) with no key
    it derives that field from instead (``saves_per_epoch``). Otherwise kefix reports the
    finding without a fix rather than write a key axolotl reads differently."""
    from kefix.resolve import field_arg

    if finding.fix is None:
        return True
    fields = training_fields(version=config.version)
    written = {arg.name for arg in config.launch.args}
    for intent in finding.fix.intents:
        if isinstance(intent, (SetArg, RemoveArg)):
            names: tuple[str, ...] = (intent.name,)
        elif isinstance(intent, RenameArg):
            names = (intent.old, intent.new)
        else:
            return False
        for name in names:
            if name not in fields:
                continue
            if name not in conventions.AXOLOTL_VERBATIM_KEYS:
                return False
            if isinstance(intent, SetArg) and _DERIVED_FROM.get(name, frozenset()) & written:
                return False
            arg = field_arg(config, name)
            if arg is not None and arg.name != name:
                return False  # the value comes from another key (val_set_size: 0)
    return True


# Keys that decide a field instead of the key of its name (axolotl rejects some pairs).
_DERIVED_FROM: Mapping[str, frozenset[str]] = {
    "save_steps": frozenset({"saves_per_epoch"}),
    "eval_steps": frozenset({"evals_per_epoch"}),
    "save_strategy": frozenset({"saves_per_epoch", "save_steps"}),
    "eval_strategy": frozenset({"evals_per_epoch", "eval_steps"}),
}


def _passed(name: str) -> Convention:
    """The builder line that passes key ``name`` on as written."""
    if name == "metric_for_best_model":
        return conventions.AXOLOTL_METRIC
    return conventions.AXOLOTL_PASSED_AS_IS
