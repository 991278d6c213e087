"""The ``kefix`` command: check launch scripts, show the fixes as a diff, or apply them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kefix import __version__
from kefix.analyze import describe_versions
from kefix.config import Settings, StrategyFix
from kefix.knowledge.training_args import known_versions
from kefix.report.effective import config_text, json_document, launch_records, launches_text
from kefix.report.text import colorize_diff, render_findings
from kefix.rules import DIAGNOSTICS, RULES, rule_by_code
from kefix.runner import RunResult, run
from kefix.target import TargetVersionError, target_versions

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--apply", "apply_fixes", is_flag=True, help="Write the safe fixes to the files.")
@click.option(
    "--diff", "diff_only", is_flag=True, help="Print only the diff of the fixes --apply would make."
)
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply fixes that change what training does."
)
@click.option(
    "--strategy-fix",
    type=click.Choice([choice.value for choice in StrategyFix]),
    default=StrategyFix.AUTO.value,
    show_default=True,
    help="Fix for KF001: keep what the launch writes (auto), align the strategies, "
    "or stop loading the best model.",
)
@click.option(
    "--target-transformers",
    metavar="VERSION",
    help="Check against this transformers release or range (e.g. 4.40, '>=4.40,<4.46'); "
    "default: the project's pins, else the newest release kefix knows.",
)
@click.option("--explain", metavar="CODE", help="Print the documentation of a rule and exit.")
@click.option(
    "--show-launches",
    is_flag=True,
    help="List every launch found: entry point, parser dataclasses, or why it is not checked.",
)
@click.option(
    "--show-config",
    metavar="FILE[:LINE]",
    help="Show the effective TrainingArguments of the launches in FILE (at LINE), with origins.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format of --show-launches and --show-config.",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the output (default: only on a terminal)."
)
@click.version_option(__version__, prog_name="kefix")
def main(
    paths: tuple[Path, ...],
    apply_fixes: bool,
    diff_only: bool,
    unsafe_fixes: bool,
    strategy_fix: str,
    target_transformers: str | None,
    explain: str | None,
    show_launches: bool,
    show_config: str | None,
    output_format: str,
    color: bool | None,
) -> None:
    """Find and fix inconsistent HuggingFace Trainer launch configurations in PATHS."""
    if explain is not None:
        sys.exit(_explain(explain))
    if show_config is not None:
        path, line = _file_and_line(show_config)
        paths = (*paths, path)
    if target_transformers is not None:
        try:
            target_versions(Path.cwd(), known_versions(), target_transformers)
        except TargetVersionError as error:
            raise click.BadParameter(str(error), param_hint="--target-transformers") from None
    if output_format == "json" and not (show_launches or show_config):
        raise click.UsageError("--format json applies to --show-launches and --show-config")
    if show_launches or show_config is not None:
        settings = Settings(
            strategy_fix=StrategyFix(strategy_fix), target_transformers=target_transformers
        )
        result = run(list(paths), settings, apply=False)
        analyses = [file.analysis for file in result.files]
        if show_config is not None:
            analyses = [a for a in analyses if a.path.resolve() == path.resolve()]
            records = launch_records(analyses, line)
        else:
            records = launch_records(analyses)
        if output_format == "json":
            document = json_document(records, with_values=show_config is not None)
            click.echo(json.dumps(document, indent=2))
        else:
            click.echo(config_text(records, show_config) if show_config else launches_text(records))
        for problem in result.errors:
            click.echo(problem, err=True)
        sys.exit(EXIT_ERROR if result.errors else EXIT_CLEAN)
    if not paths:
        raise click.UsageError("give at least one file or directory to check")
    if apply_fixes and diff_only:
        raise click.UsageError("--apply and --diff cannot be combined")
    settings = Settings(
        strategy_fix=StrategyFix(strategy_fix),
        unsafe_fixes=unsafe_fixes,
        target_transformers=target_transformers,
    )
    result = run(list(paths), settings, apply=apply_fixes)
    use_color = sys.stdout.isatty() if color is None else color
    if diff_only:
        _write_exact("".join(file.diff for file in result.files))
    else:
        _print_report(result, apply_fixes=apply_fixes, color=use_color)
    for problem in result.errors:
        click.echo(problem, err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if result.remaining else EXIT_CLEAN)


def _file_and_line(argument: str) -> tuple[Path, int | None]:
    """``run.sh`` or ``run.sh:12``; a usage error when the file does not exist."""
    path, line = Path(argument), None
    if not path.exists() and ":" in argument:
        head, _, tail = argument.rpartition(":")
        if tail.isdigit():
            path, line = Path(head), int(tail)
    if not path.is_file():
        raise click.BadParameter(f"no such file: {path}", param_hint="--show-config")
    return path, line


def _write_exact(text: str) -> None:
    """Write text with the bytes it was read from (undecodable bytes included): a diff piped to
    ``git apply`` must match the files byte for byte."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


def _print_report(result: RunResult, *, apply_fixes: bool, color: bool) -> None:
    blocks: list[str] = []
    headers = dict.fromkeys(
        f"transformers {describe_versions(file.target.versions)}: {file.target.reason}"
        for file in result.files
        if file.analysis.findings
    )
    if headers:
        blocks.append("\n".join(f"Checked against {header}" for header in headers))
    for file in result.files:
        if file.analysis.findings:
            blocks.append(render_findings(file.reported(), applied=apply_fixes, color=color))
    # The report masks secrets (tokens in env-var prefixes); --diff cannot: a patch is exact.
    diffs = "".join(file.shown_diff for file in result.files)
    unsafe = "".join(file.shown_unsafe_diff for file in result.files)
    if diffs and not apply_fixes:
        blocks.append("Fixes --apply would make:\n" + (colorize_diff(diffs) if color else diffs))
    if unsafe:
        blocks.append(
            "Unsafe fixes, applied only with --unsafe-fixes:\n"
            + (colorize_diff(unsafe) if color else unsafe)
        )
    blocks.append(_summary(result, apply_fixes=apply_fixes))
    click.echo("\n\n".join(block.rstrip("\n") for block in blocks), color=color)


def _summary(result: RunResult, *, apply_fixes: bool) -> str:
    total = result.findings
    if total == 0:
        return "All checks passed."
    fixable = sum(1 for file in result.files for reported in file.reported() if reported.fixed)
    unsafe_only = sum(
        1
        for file in result.files
        for reported in file.reported()
        if reported.finding.fix is not None and not reported.fixed and not reported.fix_dropped
    )
    plural = "s" if total != 1 else ""
    if apply_fixes:
        return f"Found {total} finding{plural} ({fixable} fixed, {result.remaining} remaining)."
    text = f"Found {total} finding{plural}; {fixable} fixable with --apply"
    if unsafe_only:
        text += f", {unsafe_only} more with --unsafe-fixes"
    return text + "."


def _explain(code: str) -> int:
    rule = rule_by_code(code.upper())
    if rule is not None:
        click.echo(f"# {rule.name} ({rule.code})\n\n{rule.documentation()}")
        return EXIT_CLEAN
    if code.upper() in DIAGNOSTICS:
        click.echo(f"# {DIAGNOSTICS[code.upper()]} ({code.upper()})\n\nkefix's own diagnostic.")
        return EXIT_CLEAN
    known = ", ".join(rule.code for rule in RULES)
    click.echo(f"kefix: unknown rule {code!r} (known: {known})", err=True)
    return EXIT_ERROR
