"""``python -m kefix`` and the ``kefix`` command: import the CLI, then run it."""

import gc


def main() -> None:
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


if __name__ == "__main__":
    main()
