"""``python -m kefix`` and the ``kefix`` command: import the CLI, then run it."""

import gc
import os
import sys


def main() -> None:
    """Run the CLI (``run``), then end the process without tearing the interpreter down."""
    try:
        run()
    except SystemExit as done:
        _exit_now(done)
        raise


def run() -> None:
    """Run the CLI, imported with the cyclic garbage collector paused, then frozen out of its way.

    Start-up builds thousands of objects that live as long as the process (classes and their
    generated methods, knowledge tables) and next to no garbage: every collection would walk
    them again and free nothing (~20 ms of CPU of a one-file run, measured).
    """
    gc.disable()
    try:
        from kefix.cli import main as cli
    finally:
        gc.freeze()
        gc.enable()
    cli()


def _exit_now(done: SystemExit) -> None:
    """End the process with ``done``'s status without tearing the interpreter down: freeing
    every module, class and table one by one is ~4 ms of a one-script run, for nothing (as mypy
    does). Only once nothing is left to do at exit: output flushed, no worker processes or
    threads (whose clean-up runs at exit); otherwise, and for a status Python prints, return."""
    code = done.code
    if code is not None and not isinstance(code, int):
        return
    if "multiprocessing" in sys.modules or "concurrent.futures" in sys.modules:
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # the interpreter's own flush reports it, as without this shortcut
    os._exit(code or 0)


if __name__ == "__main__":
    main()
