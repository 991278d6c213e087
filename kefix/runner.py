"""A kefix run over paths: read each file, analyse it, fix it, write it (the I/O edge)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.discover import MAX_FILE_BYTES, Exclusion, Roots, Skipped, SourceFile, discover
from kefix.fix import FixOutcome, fix_file
from kefix.knowledge.training_args import known_versions
from kefix.model import EffectiveConfig
from kefix.paths import display_path
from kefix.report.diff import unified_diff
from kefix.report.text import ReportedFinding
from kefix.resolve import Resolver
from kefix.sources import QUIET_KINDS, ParserCrashed, kind_of_suffix
from kefix.target import TargetVersions, target_versions
from kefix.write import FileChangedOnDisk, SourceText, read_source, write_atomically


@dataclass(frozen=True)
class FileResult:
    """One file's findings, the fixes that passed verification and the diffs they make."""

    source: SourceText
    analysis: FileAnalysis
    outcome: FixOutcome  # the fixes this run applies (or would apply)
    diff: str  # original -> outcome text
    unsafe_diff: str  # outcome text -> text with the unsafe fixes too ('' with --unsafe-fixes)
    target: TargetVersions  # the transformers releases the file was checked against, and why
    written: bool = False

    @property
    def shown_diff(self) -> str:
        """``diff`` for people to read: secrets masked (``--diff`` must keep the exact bytes)."""
        return mask_secrets(self.diff)

    @property
    def shown_unsafe_diff(self) -> str:
        return mask_secrets(self.unsafe_diff)

    def reported(self) -> list[ReportedFinding]:
        applied = {finding.key for finding in self.outcome.applied}
        dropped = {drop.finding.key: drop.reason for drop in self.outcome.dropped}
        return [
            ReportedFinding(
                finding,
                self.analysis.text,
                fixed=finding.key in applied,
                fix_dropped=dropped.get(finding.key, ""),
                cells=self.analysis.cells,
            )
            for finding in self.analysis.findings
        ]


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # KF902 lines: files kefix could not read
    notes: list[str] = field(default_factory=list)  # said once per run (an unknown framework)

    @property
    def findings(self) -> int:
        return sum(len(result.analysis.findings) for result in self.files)

    @property
    def remaining(self) -> int:
        """Findings still true after this run (all of them, unless fixes were written)."""
        return sum(
            len(result.outcome.final.findings) if result.written else len(result.analysis.findings)
            for result in self.files
        )


def run(paths: Sequence[Path], settings: Settings, *, apply: bool) -> RunResult:
    """Check (and with ``apply`` fix) every source under ``paths``."""
    result = RunResult()
    roots = Roots.of(paths)
    search_roots = [path if path.is_dir() else path.parent for path in paths] + [Path.cwd()]
    from kefix.resolve.framework import parse_framework_targets

    resolver = Resolver(search_roots, parse_framework_targets(settings.target_frameworks))
    targets = TargetCache(settings.target_transformers)
    named: set[str] = set()
    for source_file in _with_named_configs(discover(paths, settings), resolver, settings, named):
        display = display_path(source_file.path)
        if isinstance(source_file, Skipped):
            result.errors.append(f"{display}:1:1: KF902 {source_file.reason}")
            continue
        try:
            if source_file.path.stat().st_size > MAX_FILE_BYTES:
                if source_file.kind not in QUIET_KINDS:  # a data file, not a config
                    result.errors.append(f"{display}:1:1: KF902 skipped: larger than 2 MiB")
                continue
            source = read_source(source_file.path)
        except OSError as error:
            if source_file.kind not in QUIET_KINDS:
                reason = error.strerror or error
                result.errors.append(f"{display}:1:1: KF902 could not read: {reason}")
            continue
        if len(source.raw) > MAX_FILE_BYTES:  # grew between stat and read
            if source_file.kind not in QUIET_KINDS:
                result.errors.append(f"{display}:1:1: KF902 skipped: larger than 2 MiB")
            continue
        target = targets.for_file(source_file.path)
        try:
            file_result = _check_file(source, source_file.kind, display, resolver, settings, target)
        except ParserCrashed as error:
            result.errors.append(f"{display}:1:1: KF902 skipped: {error}")
            continue
        if file_result is not None:
            result.files.append(file_result)
    _check_deepspeed_files(result, resolver, settings, targets, named)
    result.notes.extend(resolver.framework_notes())
    for index, file_result in enumerate(result.files):
        if apply and file_result.outcome.changed:
            display = file_result.analysis.display
            # kefix writes only inside the paths it was given: a config file a launch names is
            # checked wherever it lies, but fixed only when given too (as ruff fixes only the
            # files it is given). A symlink may also have been re-pointed since discovery.
            source_path = file_result.source.path
            if not roots.contain(source_path):
                why = (
                    "a launch names it, but it is outside the given paths (give it to fix it)"
                    if os.path.realpath(source_path) in named
                    else "it now leads outside the given paths"
                )
                result.errors.append(f"{display}:1:1: KF902 not written: {why}")
                continue
            try:
                write_atomically(file_result.source, file_result.outcome.final.text)
            except (FileChangedOnDisk, OSError) as error:
                result.errors.append(f"{display}:1:1: KF902 not written: {error}")
                continue
            result.files[index] = FileResult(
                file_result.source,
                file_result.analysis,
                file_result.outcome,
                file_result.diff,
                file_result.unsafe_diff,
                file_result.target,
                written=True,
            )
    return result


def _check_file(
    source: SourceText,
    kind: str,
    display: str,
    resolver: Resolver,
    settings: Settings,
    target: TargetVersions,
) -> FileResult | None:
    analysis = analyze_text(
        source.path, display, source.text, resolver, settings, target.versions, kind=kind
    )
    if not analysis.launches and not analysis.findings:
        return None
    outcome = fix_file(analysis, resolver, settings, include_unsafe=settings.unsafe_fixes)
    diff = unified_diff(display, analysis.text, outcome.final.text)
    unsafe_diff = ""
    # With --apply too: the report (a pull-request body) says which unsafe fixes were left out.
    if not settings.unsafe_fixes:
        with_unsafe = fix_file(outcome.final, resolver, settings, include_unsafe=True)
        unsafe_diff = unified_diff(display, outcome.final.text, with_unsafe.final.text)
    return FileResult(source, analysis, outcome, diff, unsafe_diff, target)


def _check_deepspeed_files(
    result: RunResult,
    resolver: Resolver,
    settings: Settings,
    targets: TargetCache,
    named: set[str],
) -> None:
    """Check the DeepSpeed configs the launches pass against those launches (as their fixes
    leave them): a value a launch writes otherwise belongs in the DeepSpeed file as "auto".
    Runs once every launch is resolved, so every user of a shared file is known."""
    users: dict[str, list[EffectiveConfig]] = {}
    for file_result in result.files:
        for config in file_result.outcome.final.configs:
            if config.launch.entry_kind == "deepspeed":
                continue  # the DeepSpeed file itself
            if config.deepspeed is not None and config.deepspeed.path is not None:
                users.setdefault(os.path.realpath(config.deepspeed.path), []).append(config)
    if not users:
        return
    resolver.deepspeed_users = {path: tuple(configs) for path, configs in users.items()}
    checked = {os.path.realpath(r.source.path): index for index, r in enumerate(result.files)}
    exclusion = Exclusion(settings)
    for path in resolver.deepspeed_paths():
        real = os.path.realpath(path)
        kind = kind_of_suffix(path)
        if real not in users or kind is None or exclusion.excludes(path, is_dir=False):
            continue
        try:
            source = read_source(path)
        except OSError:
            continue
        display = display_path(path)
        checked_again = _check_file(
            source, kind, display, resolver, settings, targets.for_file(path)
        )
        if real in checked:
            if checked_again is not None:
                result.files[checked[real]] = checked_again
        elif checked_again is not None:
            named.add(real)
            result.files.append(checked_again)


def _with_named_configs(
    discovered: Iterable[SourceFile | Skipped],
    resolver: Resolver,
    settings: Settings,
    named: set[str],
) -> Iterator[SourceFile | Skipped]:
    """The discovered files, then the config files their launches name that were not among
    them: a finding such a file alone causes is reported on it (``kefix.resolve.config_files``),
    so it is checked, and may be fixed, with the launches that use it. The resolver reads only
    files inside the search roots; excluded files stay out."""
    checked: set[str] = set()
    for source_file in discovered:
        if isinstance(source_file, SourceFile):
            checked.add(os.path.realpath(source_file.path))
        yield source_file
    exclusion = Exclusion(settings)
    while True:
        pending = [
            path
            for path in resolver.named_config_paths()
            if os.path.realpath(path) not in checked
            and kind_of_suffix(path) is not None
            and not exclusion.excludes(path, is_dir=False)
        ]
        if not pending:
            return
        for path in pending:
            checked.add(os.path.realpath(path))
            named.add(os.path.realpath(path))
            kind = kind_of_suffix(path)
            assert kind is not None
            yield SourceFile(path, kind)


class TargetCache:
    """The transformers releases each file is checked against, read once per directory."""

    def __init__(self, explicit: str | None) -> None:
        self.explicit = explicit
        self._by_directory: dict[Path, TargetVersions] = {}

    def for_file(self, path: Path) -> TargetVersions:
        directory = path.parent.resolve()
        if directory not in self._by_directory:
            self._by_directory[directory] = target_versions(
                directory, known_versions(), self.explicit
            )
        return self._by_directory[directory]


# Values people keep out of logs: variables and flags named like credentials, and tokens whose
# shape gives them away wherever they appear. The value is replaced, never the line, so a masked
# diff keeps its layout.
_SECRET_NAME = r"[A-Za-z0-9_]*(?:TOKEN|_KEY|APIKEY|SECRET|PASSWORD|PASSWD|CREDENTIALS?)"
_SECRET_VALUE = r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s;&|)'"]+)"""
_SECRET_ASSIGNMENT = re.compile(
    rf"(?P<name>\b{_SECRET_NAME}[A-Za-z0-9_]*=)(?P<value>{_SECRET_VALUE})", re.IGNORECASE
)
_SECRET_FLAG = re.compile(
    rf"(?P<name>--[A-Za-z0-9_-]*(?:token|[_-]key|apikey|secret|password|passwd)[ \t=]+)"
    rf"(?P<value>{_SECRET_VALUE})",
    re.IGNORECASE,
)
# ``hub_token: x`` (YAML), ``"hub_token": "x"`` (JSON), ``hub_token="x"`` (a Python keyword).
_SECRET_KEY = re.compile(
    rf"""(?P<name>["']?\b[A-Za-z0-9_]*(?:token|_key|apikey|secret|password|passwd)["']?"""
    rf"""[ \t]*:[ \t]*)(?P<value>{_SECRET_VALUE})""",
    re.IGNORECASE,
)
_SECRET_SHAPES = re.compile(
    r"\b(?:hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{30,}|xox[abp]-[A-Za-z0-9-]{10,})"
)
_NOT_SECRET = frozenset({"", "true", "false", "none", "null", "0", "1"})
MASK = "***"


def mask_secrets(text: str) -> str:
    """``text`` with the values of credential-like variables, flags and tokens replaced by ***."""

    def masked(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in ("'", '"') else ""
        inner = value[1:-1] if quote else value
        if inner.lower() in _NOT_SECRET or inner.startswith("$"):
            return match.group(0)  # a switch or a reference to another variable: nothing leaks
        return match.group("name") + quote + MASK + quote

    text = _SECRET_ASSIGNMENT.sub(masked, text)
    text = _SECRET_FLAG.sub(masked, text)
    text = _SECRET_KEY.sub(masked, text)
    return _SECRET_SHAPES.sub(MASK, text)
