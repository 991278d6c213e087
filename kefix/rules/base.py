"""What every rule shares: its identity, its documentation and how it builds findings."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from typing import ClassVar

from packaging.version import Version

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Fix, FlagRecord, FlagStatus, Layer, Severity, Span


@functools.lru_cache(maxsize=64)
def release(version: str) -> Version:
    """A release's version parsed once: every rule compares each launch's release with the
    releases a check applies from, and a run has a handful of releases."""
    return Version(version)


class Rule:
    """A check of one effective configuration. The subclass docstring is the rule's documentation,
    in four sections: What it does / Why it matters / Example / Fix safety."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    # The README table's cells ("what it finds", "fix"); the docstring is the full story.
    summary: ClassVar[str] = ""
    fix_summary: ClassVar[str] = ""
    # Whether the rule also checks DeepSpeed configs on their own (``entry_kind == "deepspeed"``
    # launches, which have no TrainingArguments values); other rules never see them.
    checks_deepspeed_files: ClassVar[bool] = False

    def check(self, config: EffectiveConfig, settings: Settings) -> Iterator[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    def finding(
        self,
        config: EffectiveConfig,
        message: str,
        *,
        at: tuple[str, ...] = (),
        span: Span | None = None,
        origin_note: str = "",
        fix: Fix | None = None,
        subject: str = "",
    ) -> Finding:
        """A finding at ``span``, else at the first of the fields ``at`` that the launch writes,
        else at the launch itself (the culprit is a default)."""
        return Finding(
            code=self.code,
            name=self.name,
            message=message,
            path=config.launch.path,
            span=span if span is not None else location_span(config, at),
            severity=self.severity,
            launch=config.launch,
            origin_note=origin_note,
            fix=fix,
            subject=subject,
        )


def typed_launch(config: EffectiveConfig) -> bool:
    """The launch passes typed values (a ``TrainingArguments(...)`` call, a ``parse_dict``
    dict), not command-line words."""
    launch = config.launch
    return launch.entry_kind == "call" or any(arg.typed is not None for arg in launch.args)


def spelled(config: EffectiveConfig, name: str) -> str:
    """A flag or field name as the launch writes it: ``--name`` on a command line, ``name`` as
    a keyword or a dict key."""
    return name if typed_launch(config) else f"--{name}"


def _class_called(config: EffectiveConfig) -> str:
    return (config.launch.entry or "TrainingArguments").rsplit(".", 1)[-1]


def not_used(config: EffectiveConfig) -> str:
    """How transformers rejects a name no field of the launched parser has, in this launch."""
    if config.launch.entry_kind == "call":
        return f"{_class_called(config)}(...) raises TypeError 'got an unexpected keyword argument'"
    if typed_launch(config):
        return "parse_dict raises ValueError 'Some keys are not used by the HfArgumentParser'"
    return "HfArgumentParser raises 'Some specified arguments are not used'"


def value_rejected(config: EffectiveConfig) -> str:
    """How transformers stops on a value it rejects, in this launch."""
    if config.launch.entry_kind == "call":
        return f"{_class_called(config)}(...) raises ValueError"
    if typed_launch(config):
        return "parse_dict raises ValueError"
    return "HfArgumentParser exits before training"


def unknown_flags(config: EffectiveConfig) -> Iterator[FlagRecord]:
    """Flags no dataclass of the launched parser has, the first of each name only (a fix
    respells or removes every occurrence, so one finding per name)."""
    seen: set[str] = set()
    for record in config.flags:
        name = record.arg.name
        if name not in seen and record.status is FlagStatus.UNKNOWN:
            seen.add(name)
            yield record


def number(value: object) -> float | None:
    """A config value as a number, or None for bools, Unknowns and anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def show_number(value: float) -> str:
    """``100`` rather than ``100.0``: numbers in messages and fixes as people write them."""
    return str(int(value)) if float(value).is_integer() else str(value)


def default_origin_note(config: EffectiveConfig, name: str) -> str:
    """Where a value the launch does not write comes from (a project default, a config file);
    '' when the launch writes it or it is transformers' own default."""
    resolved = config.get(name)
    if (
        resolved is None
        or resolved.arg is not None
        or resolved.origin.layer is Layer.TRANSFORMERS_DEFAULT
    ):
        return ""
    return f"{name}={resolved.value} comes from {resolved.origin.describe()}"


def location_span(config: EffectiveConfig, fields: tuple[str, ...]) -> Span:
    for name in fields:
        resolved = config.get(name)
        if resolved is not None and resolved.arg is not None:
            return resolved.arg.span
    launch = config.launch
    return Span(launch.span.start, launch.span.start)
