"""The ``kefix`` command: check launch scripts, show the fixes as a diff, or apply them.

Exit codes, as ruff's: 0 nothing remains to fix (or ``--exit-zero``); 1 findings remain (or,
with ``--exit-non-zero-on-fix``, ``--apply`` changed a file); 2 a usage error, a file ``--apply``
could not write, or, with ``--strict``, a file kefix could not read (KF902) or a launch it could
not parse (KF901). Without ``--strict`` those are reported and the run goes on: KF901 is a
finding like any other, KF902 a line on stderr.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from msgspec.structs import replace

from kefix import __version__
from kefix.analyze import describe_versions
from kefix.config import (
    CACHE_DIRECTORY,
    ConfigError,
    PathPatterns,
    PerFileIgnore,
    Settings,
    StrategyFix,
    find_config_file,
    load_settings,
)
from kefix.knowledge.training_args import known_versions
from kefix.report.text import ReportedFinding, colorize_diff, render_findings
from kefix.runner import RunResult, run
from kefix.target import TargetVersionError, target_versions

# The report modules of each format are imported where that format is printed: a pre-commit run
# on one file pays only for the output it asked for (see tests/test_lazy_imports.py).

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

FORMATS = ("text", "concise", "diff", "json", "sarif", "github", "markdown")
_SHOW_FORMATS = ("text", "json")
_STATISTICS_FORMATS = ("text", "concise", "json")


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
    default=None,
    help="Fix for KF001: keep what the launch writes (auto, the default), align the "
    "strategies, or stop loading the best model.",
)
@click.option("--select", metavar="CODES", help="Only these rule codes or prefixes (KF001,KF1).")
@click.option("--extend-select", metavar="CODES", help="Rule codes or prefixes to add.")
@click.option("--ignore", metavar="CODES", help="Rule codes or prefixes to leave out.")
@click.option(
    "--per-file-ignores",
    metavar="PATTERN:CODES",
    multiple=True,
    help="Leave out rule codes for the files a gitignore-style pattern matches "
    "(scripts/legacy/*.sh:KF101,KF102); repeatable; replaces the file's per-file-ignores.",
)
@click.option(
    "--exclude",
    metavar="PATTERNS",
    help="gitignore-style patterns of paths not to check (comma-separated); replaces the "
    "default list and the file's exclude.",
)
@click.option(
    "--extend-exclude", metavar="PATTERNS", help="gitignore-style patterns to exclude as well."
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply the excludes to paths named on the command line too (for pre-commit).",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip files .gitignore ignores (default: yes).",
)
@click.option(
    "--target-transformers",
    metavar="VERSION",
    help="Check against this transformers release or range (e.g. 4.40, '>=4.40,<4.46'); "
    "default: the project's pins, else the newest release kefix knows.",
)
@click.option(
    "--target-framework",
    "target_frameworks",
    metavar="NAME==VERSION",
    multiple=True,
    help="Check framework CLI launches against this release (ms-swift==3.12.6, "
    "llamafactory==0.9.3, trl==0.19.1); repeatable; default: the project's pin, else the "
    "installed package, else the newest release kefix knows.",
)
@click.option(
    "--explain",
    metavar="CODE|NAME",
    help="Print the documentation of a rule (KF001 or strategy-mismatch) and exit.",
)
@click.option(
    "--list-rules",
    is_flag=True,
    help="List every rule: code, name, severity, whether it has a fix and how safe it is.",
)
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
    "--output-format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How findings are printed: text (with the fix diff), concise (one line each), diff "
    "(as --diff), json, sarif (GitHub code scanning), github (workflow annotations), markdown "
    "(a pull-request body). --show-launches, --show-config and --list-rules take text or json.",
)
@click.option(
    "--statistics", is_flag=True, help="Print how many findings each rule has, instead of them."
)
@click.option(
    "--exit-zero", is_flag=True, help="Exit 0 even when findings remain (errors still exit 2)."
)
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="Exit 1 when --apply changed a file, even if no findings remain.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 when a file cannot be read (KF902) or a launch cannot be parsed (KF901).",
)
@click.option(
    "--color/--no-color", default=None, help="Colour the output (default: only on a terminal)."
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="KEFIX_NO_CACHE",
    help="Check every file afresh and keep no results (env KEFIX_NO_CACHE).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KEFIX_CACHE_DIR",
    help="Where results are kept between runs (default: .kefix_cache in the project root; "
    "env KEFIX_CACHE_DIR).",
)
@click.version_option(__version__, prog_name="kefix")
def main(
    paths: tuple[Path, ...],
    apply_fixes: bool,
    diff_only: bool,
    unsafe_fixes: bool,
    strategy_fix: str | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    per_file_ignores: tuple[str, ...],
    exclude: str | None,
    extend_exclude: str | None,
    force_exclude: bool,
    respect_gitignore: bool | None,
    target_transformers: str | None,
    target_frameworks: tuple[str, ...],
    explain: str | None,
    list_rules: bool,
    show_launches: bool,
    show_config: str | None,
    output_format: str,
    statistics: bool,
    exit_zero: bool,
    exit_non_zero_on_fix: bool,
    strict: bool,
    color: bool | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Find and fix inconsistent HuggingFace Trainer launch configurations in PATHS."""
    with _closed_pipe_is_not_an_error():
        if explain is not None:
            sys.exit(_explain(explain))
        if list_rules:
            from kefix.report.rule_docs import rules_list_json, rules_list_text

            _require_format(output_format, _SHOW_FORMATS, "--list-rules")
            if output_format == "json":
                click.echo(json.dumps(rules_list_json(), indent=2))
            else:
                click.echo(rules_list_text())
            sys.exit(EXIT_CLEAN)
        if show_config is not None:
            path, line = _file_and_line(show_config)
            paths = (*paths, path)
        if target_transformers is not None:
            try:
                target_versions(Path.cwd(), known_versions(), target_transformers)
            except TargetVersionError as error:
                raise click.BadParameter(str(error), param_hint="--target-transformers") from None
        if target_frameworks:
            from kefix.resolve.framework import FrameworkTargetError, parse_framework_targets

            try:
                parse_framework_targets(target_frameworks)
            except FrameworkTargetError as error:
                raise click.BadParameter(str(error), param_hint="--target-framework") from None
        if show_launches or show_config is not None:
            option = "--show-config" if show_config is not None else "--show-launches"
            _require_format(output_format, _SHOW_FORMATS, option)
            settings = _settings(
                paths, strategy_fix, False, target_transformers, select, extend_select, ignore
            )
            if target_frameworks:
                settings = replace(settings, target_frameworks=target_frameworks)
            settings = _file_settings(
                settings,
                per_file_ignores,
                exclude,
                extend_exclude,
                force_exclude,
                respect_gitignore,
            )
            from kefix.report.effective import (
                config_text,
                json_document,
                launch_records,
                launches_text,
            )

            result = run(list(paths), settings, apply=False, keep_resolutions=True)
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
                click.echo(
                    config_text(records, show_config) if show_config else launches_text(records)
                )
            for problem in result.errors:
                click.echo(problem, err=True)
            for note in result.notes:
                click.echo(f"note: {note}", err=True)
            sys.exit(EXIT_ERROR if strict and result.errors else EXIT_CLEAN)
        if not paths:
            raise click.UsageError("give at least one file or directory to check")
        if diff_only:
            if output_format not in ("text", "diff"):
                raise click.UsageError(f"--diff cannot be combined with --format {output_format}")
            output_format = "diff"
        if apply_fixes and output_format == "diff":
            raise click.UsageError("--apply and --diff cannot be combined")
        if statistics:
            _require_format(output_format, _STATISTICS_FORMATS, "--statistics")
        settings = _settings(
            paths, strategy_fix, unsafe_fixes, target_transformers, select, extend_select, ignore
        )
        if target_frameworks:
            settings = replace(settings, target_frameworks=target_frameworks)
        settings = _file_settings(
            settings, per_file_ignores, exclude, extend_exclude, force_exclude, respect_gitignore
        )
        cache = None
        if not no_cache:
            from kefix.cache import ResultCache

            cache = ResultCache(cache_dir or _cache_dir(paths, settings), settings, paths)
        result = run(list(paths), settings, apply=apply_fixes, cache=cache)
        use_color = sys.stdout.isatty() if color is None else color
        if statistics:
            _print_statistics(result, apply_fixes=apply_fixes, as_json=output_format == "json")
        else:
            _print_findings(result, output_format, apply_fixes=apply_fixes, color=use_color)
        for problem in result.errors:
            click.echo(problem, err=True)
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        sys.exit(
            exit_code(
                result,
                strict=strict,
                exit_zero=exit_zero,
                exit_non_zero_on_fix=exit_non_zero_on_fix,
            )
        )


def exit_code(
    result: RunResult, *, strict: bool, exit_zero: bool, exit_non_zero_on_fix: bool
) -> int:
    """The run's exit status (see the module docstring)."""
    not_written = [line for line in result.errors if _is_write_failure(line)]
    if not_written:
        return EXIT_ERROR  # --apply was asked to write and could not: never a silent success
    unparsed = any(f.code == "KF901" for file in result.files for f in file.analysis.findings)
    if strict and (unparsed or result.errors):
        return EXIT_ERROR
    if exit_zero:
        return EXIT_CLEAN
    if exit_non_zero_on_fix and any(file.written for file in result.files):
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.remaining else EXIT_CLEAN


def _is_write_failure(error_line: str) -> bool:
    return ": KF902 not written" in error_line


@contextmanager
def _closed_pipe_is_not_an_error() -> Iterator[None]:
    """``kefix ... | head`` closes stdout early: stop quietly, as other command-line tools do."""
    try:
        yield
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail
        sys.exit(EXIT_ERROR)


def _require_format(output_format: str, allowed: tuple[str, ...], option: str) -> None:
    if output_format not in allowed:
        raise click.UsageError(
            f"{option} prints {' or '.join(allowed)}, not --format {output_format}"
        )


def _print_findings(
    result: RunResult, output_format: str, *, apply_fixes: bool, color: bool
) -> None:
    if output_format == "diff":
        _write_exact("".join(file.diff for file in result.files))
        return
    if output_format == "text":
        _print_report(result, apply_fixes=apply_fixes, color=color)
        return
    from kefix.report.records import run_records

    if output_format == "concise":
        from kefix.report.concise import concise_report

        lines = concise_report(run_records(result, apply=apply_fixes, with_errors=False))
        click.echo(
            "\n".join(part for part in (lines, _summary(result, apply_fixes=apply_fixes)) if part)
        )
        return
    records = run_records(result, apply=apply_fixes)
    document: Any
    if output_format == "json":
        from kefix.report.json_report import json_report

        document = json_report(records, apply=apply_fixes)
    elif output_format == "sarif":
        from kefix.report.repo_paths import repository_root
        from kefix.report.sarif import sarif_report

        document = sarif_report(records, repository_root())
    elif output_format == "github":
        from kefix.report.github import github_report
        from kefix.report.repo_paths import repository_root

        click.echo(github_report(records, repository_root()))
        return
    else:
        from kefix.report.markdown import markdown_report

        click.echo(markdown_report(records, result.files, apply=apply_fixes), nl=False)
        return
    from kefix.json_text import dumps_indented

    click.echo(dumps_indented(document))


def _print_statistics(result: RunResult, *, apply_fixes: bool, as_json: bool) -> None:
    from kefix.report.records import run_records
    from kefix.report.statistics import statistics_json, statistics_text

    records = run_records(result, apply=apply_fixes)
    if as_json:
        click.echo(json.dumps(statistics_json(records), indent=2))
    else:
        click.echo(statistics_text(records))


def _settings(
    paths: Sequence[Path],
    strategy_fix: str | None,
    unsafe_fixes: bool,
    target_transformers: str | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
) -> Settings:
    """[tool.kefix] of the nearest configuration file, then the flags given on the command line."""
    settings = Settings()
    config = find_config_file(paths[0] if paths else Path.cwd())
    if config is not None:
        try:
            settings = load_settings(config, settings)
        except ConfigError as error:
            raise click.UsageError(str(error)) from None
    changes: dict[str, Any] = {}
    if strategy_fix is not None:
        changes["strategy_fix"] = StrategyFix(strategy_fix)
    if unsafe_fixes:
        changes["unsafe_fixes"] = True
    if target_transformers is not None:
        changes["target_transformers"] = target_transformers
    if select is not None:
        # An explicit selection on the command line starts afresh: the file's ignores go too.
        changes["select"] = _codes(select)
        changes["ignore"] = ()
    if extend_select is not None:
        changes["select"] = (*changes.get("select", settings.select), *_codes(extend_select))
    if ignore is not None:
        changes["ignore"] = _codes(ignore)
    return replace(settings, **changes)


def _cache_dir(paths: Sequence[Path], settings: Settings) -> Path:
    """``cache-dir`` of the configuration file, else .kefix_cache in the project root (the
    configuration file's directory, or the working directory), as ruff places its cache."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    config = find_config_file(paths[0] if paths else Path.cwd())
    return (config.parent if config is not None else Path.cwd()) / CACHE_DIRECTORY


def _file_settings(
    settings: Settings,
    per_file_ignores: Sequence[str],
    exclude: str | None,
    extend_exclude: str | None,
    force_exclude: bool,
    respect_gitignore: bool | None,
) -> Settings:
    """``settings`` with the command line's choice of files; its patterns are relative to the
    working directory (the file's, to the file's directory)."""
    here = Path.cwd().resolve()
    changes: dict[str, Any] = {}
    if per_file_ignores:
        entries: list[PerFileIgnore] = []
        for argument in per_file_ignores:
            pattern, colon, codes = argument.rpartition(":")
            if not colon or not pattern or not _codes(codes):
                raise click.BadParameter(
                    f"{argument!r} is not PATTERN:CODES (scripts/legacy/*.sh:KF101,KF102)",
                    param_hint="--per-file-ignores",
                )
            entries.append(PerFileIgnore(PathPatterns((pattern,), here), _codes(codes)))
        changes["per_file_ignores"] = tuple(entries)
    if exclude is not None:
        changes["exclude"] = (PathPatterns(_patterns(exclude), here),)
    if extend_exclude is not None:
        changes["extend_exclude"] = (
            *settings.extend_exclude,
            PathPatterns(_patterns(extend_exclude), here),
        )
    if force_exclude:
        changes["force_exclude"] = True
    if respect_gitignore is not None:
        changes["respect_gitignore"] = respect_gitignore
    return replace(settings, **changes)


def _patterns(text: str) -> tuple[str, ...]:
    return tuple(pattern.strip() for pattern in text.split(",") if pattern.strip())


def _codes(text: str) -> tuple[str, ...]:
    return tuple(code.strip().upper() for code in text.split(",") if code.strip())


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
    checked = [file for file in result.files if file.analysis.findings]
    # Files share a few sets of releases: each described once, not once per file.
    described = functools.lru_cache(maxsize=None)(describe_versions)
    headers = dict.fromkeys(
        f"transformers {described(file.target.versions)}: {file.target.reason}" for file in checked
    )
    if headers:
        blocks.append("\n".join(f"Checked against {header}" for header in headers))
    reports = [file.reported() for file in checked]
    for reported in reports:
        blocks.append(render_findings(reported, applied=apply_fixes, color=color))
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
    blocks.append(_summary(result, apply_fixes=apply_fixes, reports=reports))
    click.echo("\n\n".join(block.rstrip("\n") for block in blocks), color=color)


def _summary(
    result: RunResult,
    *,
    apply_fixes: bool,
    reports: Sequence[Sequence[ReportedFinding]] | None = None,
) -> str:
    """The closing line; ``reports``: each file's reported findings, when already built (a file
    without findings reports none)."""
    total = result.findings
    if total == 0:
        return "All checks passed."
    if reports is None:
        reports = [file.reported() for file in result.files if file.analysis.findings]
    fixable = sum(1 for reported in reports for one in reported if one.fixed)
    unsafe_only = sum(
        1
        for reported in reports
        for one in reported
        if one.finding.fix is not None and not one.fixed and not one.fix_dropped
    )
    plural = "s" if total != 1 else ""
    if apply_fixes:
        return f"Found {total} finding{plural} ({fixable} fixed, {result.remaining} remaining)."
    text = f"Found {total} finding{plural}; {fixable} fixable with --apply"
    if unsafe_only:
        text += f", {unsafe_only} more with --unsafe-fixes"
    return text + "."


def _explain(code: str) -> int:
    from kefix.report.rule_docs import explain_text, find_rule_info, rule_infos

    info = find_rule_info(code)
    if info is not None:
        click.echo(explain_text(info))
        return EXIT_CLEAN
    known = ", ".join(info.code for info in rule_infos())
    click.echo(f"kefix: unknown rule {code!r} (known: {known})", err=True)
    return EXIT_ERROR
