"""Time kefix on generated monorepo trees, side by side with shellcheck (issue 8).

Usage: python scripts/benchmark.py [--sizes 1000,10000] [--runs 3] [--seed 0]

For each size, builds a tree with make_benchmark_tree.py in a temporary directory and measures a
cold ``python -m kefix TREE`` (wall clock, median of --runs; peak RSS of the child), and
``shellcheck`` on the tree's launch scripts alone when shellcheck is installed. Then a cold
single-file run against ``python -c "import click"``. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_benchmark_tree import make_tree


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock seconds of ``command`` over ``runs``, and the largest child RSS in MB.

    Each run is measured in a fresh helper process, so ru_maxrss of RUSAGE_CHILDREN is that run's
    peak alone and not the maximum over everything this script started before it."""
    seconds: list[float] = []
    peak_mb = 0.0
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "elapsed = time.perf_counter() - start\n"
        "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True
        ).stdout.split()
        seconds.append(float(out[0]))
        peak_mb = max(peak_mb, int(out[1]) / 1024)  # ru_maxrss is in KiB on Linux
    return statistics.median(seconds), peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    shellcheck = shutil.which("shellcheck")
    kefix = [sys.executable, "-m", "kefix"]
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="kefix-bench-") as temp:
        single = None
        for size in (int(s) for s in options.sizes.split(",")):
            tree = Path(temp) / f"tree_{size}"
            counts = make_tree(tree, size, options.seed)
            launches = sorted(str(p) for p in tree.rglob("run_*.sh"))
            single = single or launches[0]
            seconds, peak = timed([*kefix, "--exit-zero", str(tree)], options.runs)
            row = [f"{size}", f"{counts['launch']}", f"{seconds:.2f}", f"{peak:.0f}"]
            if shellcheck:
                sc_seconds, _ = timed([shellcheck, "-f", "gcc", *launches], options.runs)
                row += [f"{sc_seconds:.2f}", f"{seconds / sc_seconds:.2f}"]
            else:
                row += ["n/a", "n/a"]
            rows.append(tuple(row))
        header = ("files", "launches", "kefix s", "kefix MB", "shellcheck s", "kefix/sc")
        _print_table(header, rows)
        if not shellcheck:
            print("shellcheck is not installed: its column is n/a")
        assert single is not None
        one, _ = timed([*kefix, "--exit-zero", single], max(options.runs, 5))
        click_only, _ = timed([sys.executable, "-c", "import click"], max(options.runs, 5))
        parse = _parse_seconds(single)
        print()
        _print_table(
            ("single file", "seconds"),
            [
                ("kefix one_script.sh", f"{one:.3f}"),
                ('python -c "import click"', f"{click_only:.3f}"),
                ("parse alone (in-process)", f"{parse:.4f}"),
                ("ratio kefix / (click + parse)", f"{one / (click_only + parse):.2f}"),
            ],
        )


def _parse_seconds(script: str) -> float:
    """The bash parse of one script, measured warm inside this process."""
    from kefix.sources.bash import parse_launch_script

    text = Path(script).read_text(encoding="utf-8")
    parse_launch_script(script, text)  # warm: the grammar loads once
    start = time.perf_counter()
    parse_launch_script(script, text)
    return time.perf_counter() - start


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
