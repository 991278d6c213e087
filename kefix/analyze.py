"""One file through the pipeline: parse -> resolve -> rules, giving its findings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kefix.config import Settings
from kefix.model import EffectiveConfig, Finding, Launch
from kefix.resolve import Resolution, Resolver
from kefix.rules import RULES
from kefix.sources.bash import parse_launch_script


@dataclass(frozen=True)
class FileAnalysis:
    """Everything kefix learnt from one version of one file's text."""

    path: Path
    display: str
    text: str
    launches: tuple[Launch, ...]
    resolutions: tuple[Resolution, ...]
    findings: tuple[Finding, ...]

    @property
    def configs(self) -> tuple[EffectiveConfig, ...]:
        """Configurations of the launches that run a Trainer."""
        return tuple(r.config for r in self.resolutions if r.config is not None)

    def config_of(self, launch: Launch) -> EffectiveConfig | None:
        """The configuration of the launch with the same ordinal (stable across fixes)."""
        return next((c for c in self.configs if c.launch.ordinal == launch.ordinal), None)


def analyze_text(
    path: Path, display: str, text: str, resolver: Resolver, settings: Settings
) -> FileAnalysis:
    """Findings of a bash script's text; ``path`` locates the entry scripts its launches run."""
    parsed = parse_launch_script(display, text)
    resolutions = tuple(resolver.resolve_launch(launch, path, text) for launch in parsed.launches)
    findings = list(parsed.problems)
    for resolution in resolutions:
        if resolution.config is not None:
            for rule in RULES:
                findings.extend(rule.check(resolution.config, settings))
    findings.sort(key=lambda finding: (finding.span.start, finding.code))
    return FileAnalysis(path, display, text, parsed.launches, resolutions, tuple(findings))
