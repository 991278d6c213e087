"""One file through the pipeline: parse -> resolve -> rules -> suppressions, giving its findings.

A file is checked against every transformers release its project admits; a finding that holds
for only some of them names those releases.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import msgspec
from msgspec.structs import replace
from packaging.version import Version

from kefix.config import Settings
from kefix.knowledge.training_args import known_versions, newest_version
from kefix.lazy_pattern import LazyPattern
from kefix.model import CellLines, EffectiveConfig, Finding, Launch
from kefix.resolve import Resolution, Resolver, filesystem
from kefix.rules import RULES, UNUSED_SUPPRESSION
from kefix.rules.base import Rule
from kefix.sources import adapter_for, kind_of_suffix


class FileAnalysis(msgspec.Struct, frozen=True):
    """Everything kefix learnt from one version of one file's text."""

    path: Path
    display: str
    text: str
    launches: tuple[Launch, ...]
    resolutions: tuple[Resolution, ...]  # for the newest target release
    findings: tuple[Finding, ...]
    versions: tuple[str, ...] = ()  # the transformers releases checked against
    kind: str = "bash"  # the source adapter that read the text
    cells: CellLines | None = None  # a notebook's cell lines, for reports and suppressions

    @property
    def configs(self) -> tuple[EffectiveConfig, ...]:
        """Configurations of the launches that run a Trainer."""
        return tuple(r.config for r in self.resolutions if r.config is not None)

    def config_of(self, launch: Launch) -> EffectiveConfig | None:
        """The configuration of the launch with the same ordinal (stable across fixes)."""
        return next((c for c in self.configs if c.launch.ordinal == launch.ordinal), None)


def analyze_text(
    path: Path,
    display: str,
    text: str,
    resolver: Resolver,
    settings: Settings,
    versions: Sequence[str] = (),
    *,
    kind: str = "bash",
) -> FileAnalysis:
    """Findings of a source's text for each release in ``versions`` (default: the newest);
    ``kind`` names its adapter, ``path`` locates the entry scripts its launches run."""
    targets = _in_release_order(tuple(versions or (newest_version(),)))
    parsed = adapter_for(kind).parse(display, text)
    # Every directive spells "kefix:" (read_suppressions finds none without it): most files need
    # no suppression machinery, nor its import (~3 ms of a one-file run).
    suppressions = None
    if "kefix:" in text:
        from kefix.suppressions import read_suppressions

        suppressions = read_suppressions(text, parsed.comments, parsed.cells)
        if suppressions.skip_file:
            return FileAnalysis(path, display, text, (), (), (), targets, kind)
    left_out = settings.ignored_in(path)

    def reported(code: str) -> bool:
        return not any(code.startswith(prefix) for prefix in left_out)

    rules = checked_rules(settings, left_out)
    by_key: dict[tuple[str, int, str], tuple[Finding, list[str]]] = {}
    resolutions: tuple[Resolution, ...] = ()
    for version in targets:
        resolutions = tuple(
            resolver.resolve_launch(launch, path, text, version, cells=parsed.cells)
            for launch in parsed.launches
        )
        for resolution in resolutions:
            if resolution.config is None:
                continue
            owned = files_findings(resolution, resolver, settings, version)
            deepspeed_file = resolution.config.launch.entry_kind == "deepspeed"
            for rule in rules:
                if deepspeed_file and not rule.checks_deepspeed_files:
                    continue
                for finding in rule.check(resolution.config, settings):
                    if (finding.code, finding.subject or finding.message) in owned:
                        continue  # the config file alone causes it: reported on the file
                    finding = _in_framework_terms(resolution.config, finding)
                    _, held = by_key.get(finding.key, (finding, []))
                    # The newest release's wording (and fix) stands for the others; a key seen
                    # twice in one release (the same flag written twice) counts it once.
                    releases = held if version in held else [*held, version]
                    by_key[finding.key] = (finding, releases)
    findings = [
        _in_file_terms(_with_versions(finding, held, targets)) for finding, held in by_key.values()
    ] + [problem for problem in parsed.problems if reported(problem.code)]
    if suppressions is not None:
        from kefix.suppressions import apply_suppressions, unused_suppressions

        applied = apply_suppressions(text, findings, suppressions, parsed.cells)
        findings = list(applied.kept)
        if settings.is_selected(UNUSED_SUPPRESSION) and reported(UNUSED_SUPPRESSION):
            checked = [rule.code for rule in rules]
            checked += [code for code in ("KF901",) if reported(code)]
            known = [rule.code for rule in RULES] + ["KF901"]
            findings += unused_suppressions(
                display, text, suppressions, applied.used, checked, known, parsed.cells
            )
    findings = [_with_settled_applicability(finding, settings) for finding in findings]
    findings.sort(key=lambda finding: (finding.span.start, finding.code))
    return FileAnalysis(
        path,
        display,
        text,
        parsed.launches,
        resolutions,
        tuple(findings),
        targets,
        kind,
        parsed.cells,
    )


@functools.lru_cache(maxsize=64)
def _in_release_order(versions: tuple[str, ...]) -> tuple[str, ...]:
    # Every file of a project targets the same releases: sorted once, not per file.
    return tuple(sorted(versions, key=Version))


@functools.lru_cache(maxsize=64)
def checked_rules(settings: Settings, left_out: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules ``settings`` select, less the codes ``left_out`` (``per-file-ignores``):
    the same for nearly every file, so worked out once, not once per file."""
    return tuple(
        rule
        for rule in RULES
        if settings.is_selected(rule.code)
        and not any(rule.code.startswith(prefix) for prefix in left_out)
    )


def _in_framework_terms(config: EffectiveConfig, finding: Finding) -> Finding:
    """A fix an axolotl config cannot carry in its own keys is dropped: the finding stays."""
    if config.launch.launcher != "axolotl" or config.launch.entry_kind != "config":
        return finding
    from kefix.resolve.axolotl import axolotl_fix_writable

    return finding if axolotl_fix_writable(config, finding) else replace(finding, fix=None)


def files_findings(
    resolution: Resolution, resolver: Resolver, settings: Settings, version: str
) -> frozenset[tuple[str, str]]:
    """What checking the config files a launch names on their own reports, as (code, subject):
    a launch finding among them belongs to the file, where its fix belongs too."""
    owned: set[tuple[str, str]] = set()
    for named in resolution.named_configs:
        if named.path is None or named.launch is None:
            continue
        key = ("named", named.display, named.text, version)
        own = functools.partial(
            _own_findings, named.path, named.display, named.text, resolver, settings, version
        )
        found: set[tuple[str, str]] = filesystem.remembered(resolver.memo, key, own)
        owned.update(found)
    return frozenset(owned)


def _own_findings(
    path: Path, display: str, text: str, resolver: Resolver, settings: Settings, version: str
) -> set[tuple[str, str]]:
    kind = kind_of_suffix(path)
    if kind is None:
        return set()
    found: set[tuple[str, str]] = set()
    for launch in adapter_for(kind).parse(display, text).launches:
        config = resolver.resolve_launch(launch, path, text, version).config
        if config is None or launch.entry_kind == "deepspeed":
            continue
        for rule in checked_rules(settings, ()):
            found.update((f.code, f.subject or f.message) for f in rule.check(config, settings))
    return found


_flag = LazyPattern(r"(?<![\w-])--(?=[A-Za-z_])")


def _in_file_terms(finding: Finding) -> Finding:
    """Rules speak in flags (``--save_steps 500``); a config file names keys (``save_steps``)."""
    if finding.launch is None or finding.launch.entry_kind not in ("config", "deepspeed"):
        return finding
    fix = finding.fix
    if fix is not None:
        fix = replace(fix, description=_flag().sub("", fix.description))
    return replace(finding, message=_flag().sub("", finding.message), fix=fix)


def _with_settled_applicability(finding: Finding, settings: Settings) -> Finding:
    """``extend-safe-fixes`` / ``extend-unsafe-fixes`` applied: every later stage (which fixes
    run, what the reports call safe) sees one applicability."""
    if finding.fix is None:
        return finding
    applicability = settings.applicability(finding.code, finding.fix.applicability)
    if applicability is finding.fix.applicability:
        return finding
    return replace(finding, fix=replace(finding.fix, applicability=applicability))


def _with_versions(finding: Finding, held: list[str], targets: tuple[str, ...]) -> Finding:
    if len(held) == len(targets):
        return finding
    return replace(finding, message=f"{finding.message} (transformers {describe_versions(held)})")


def describe_versions(versions: Sequence[str]) -> str:
    """``4.41.0-4.45.2, 5.0.0`` for a set of known releases (runs of consecutive ones joined)."""
    known = known_versions()
    order = {version: index for index, version in enumerate(known)}
    ranked = sorted(versions, key=lambda v: order.get(v, -1))
    runs: list[list[str]] = []
    for version in ranked:
        if runs and order.get(version, -2) == order.get(runs[-1][-1], -10) + 1:
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
