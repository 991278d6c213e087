"""Measure how many real launch statements kefix parses and resolves.

Usage: python scripts/measure_corpus.py CORPUS_DIR [--failures N]

CORPUS_DIR holds repositories (one directory each) with their shell scripts and Python files
at their original relative paths. Prints per-repository counts: scripts, launches found,
statements kefix could not parse (KF901), launches whose entry script was found and whose
TrainingArguments were resolved. Nothing from the corpus is committed; this reads it in place.
"""

from __future__ import annotations

import argparse
import collections
import time
from pathlib import Path

from kefix.config import Settings
from kefix.resolve import Resolver
from kefix.resolve.entry_script import locate_entry
from kefix.rules import RULES
from kefix.sources.bash import parse_launch_script
from kefix.write import read_source


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--failures", type=int, default=20)
    options = parser.parse_args()
    totals: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    findings: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for repo in sorted(p for p in options.corpus.iterdir() if p.is_dir()):
        counts: collections.Counter[str] = collections.Counter()
        resolver = Resolver([repo])
        for script in sorted([*repo.rglob("*.sh"), *repo.rglob("*.bash")]):
            source = read_source(script)
            parsed = parse_launch_script(str(script), source.text)
            counts["scripts"] += 1
            counts["launches"] += len(parsed.launches)
            counts["unparsed"] += len(parsed.problems)
            failures.extend(
                f"{p.path}: {source.text[p.span.start : p.span.end][:120]!r}"
                for p in parsed.problems
            )
            for launch in parsed.launches:
                if launch.entry_kind == "cli":
                    counts["cli"] += 1
                elif locate_entry(launch, script, [repo]) is not None:
                    counts["entry_found"] += 1
                config = resolver.resolve(launch, script, source.text)
                if config is not None:
                    counts["resolved"] += 1
                    for rule in RULES:
                        for finding in rule.check(config, Settings()):
                            findings[finding.code] += 1
        totals.update(counts)
        print(f"{repo.name:45} " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    elapsed = time.perf_counter() - started
    statements = totals["launches"] + totals["unparsed"]
    print(f"\nTOTAL {dict(sorted(totals.items()))}")
    if statements:
        print(
            f"launch statements parsed: {totals['launches']}/{statements} "
            f"= {100 * totals['launches'] / statements:.2f}%"
        )
    print(f"findings by rule: {dict(sorted(findings.items()))}")
    print(f"time: {elapsed:.1f}s")
    for failure in failures[: options.failures]:
        print("KF901", failure)


if __name__ == "__main__":
    main()
