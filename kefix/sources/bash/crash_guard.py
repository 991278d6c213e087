"""Keeps kefix alive on text that can crash tree-sitter-bash: spots it, and parses it in a child.

tree-sitter-bash (every release on PyPI, 0.21.0 to 0.25.1; tree-sitter/tree-sitter-bash#337) scans
for a brace range such as ``{1..5}`` with ``isdigit(lookahead)``, where ``lookahead`` is a
Unicode code point. ``isdigit`` is only defined up to 255: glibc looks the code point up in a
384-entry table, so a code point above U+00FF reads up to 2.1 MiB past it, which segfaults
whenever that memory happens to be unmapped (in about a third of fresh processes, depending on
the address-space layout, the locale and the code point). A segfault cannot be caught in Python,
so such text is parsed in a child process: the rest of the run survives the child's crash.

The ``isdigit`` calls are the scanner's only narrow ``<ctype.h>`` calls, and they read exactly
the characters after ``{``, its digits and a ``..`` and more digits; ``_can_crash()`` matches every
text where one of those can be above U+00FF. Real scripts almost never have one, so the common
path stays in-process and costs one regular-expression search.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING

from kefix.lazy_pattern import LazyPattern
from kefix.sources import ParserCrashed

__all__ = ["ParserCrashed", "can_crash_tree_sitter_bash", "parse_in_child"]

if TYPE_CHECKING:
    from kefix.sources.bash.syntax import BashSyntax


# "{", digits, optionally ".." and digits, then a character outside isdigit()'s domain. Lone
# surrogates (undecodable bytes, which tree-sitter reads as -1) match too: harmless, only slower.
_can_crash = LazyPattern(r"\{[0-9]*(?:\.\.[0-9]*)?[^\x00-\xff]")


# Each try is a fresh process with a fresh address-space layout: the crash is a matter of luck.
_TRIES = 5
_TIMEOUT_SECONDS = 60
# The child imports exactly the modules the parent does (same kefix, same tree-sitter).
_CHILD_PROGRAM = """\
import json, pickle, sys
sys.path[:] = json.loads(sys.argv[1])
from kefix.sources.bash.syntax import parse_bash_in_process
from kefix.lazy_pattern import LazyPattern
text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
sys.stdout.buffer.write(pickle.dumps(parse_bash_in_process(text)))
"""


def can_crash_tree_sitter_bash(text: str) -> bool:
    """Whether tree-sitter-bash may read out of bounds parsing ``text`` (and so may segfault)."""
    return not text.isascii() and _can_crash().search(text) is not None


@functools.lru_cache(maxsize=8)  # fix verification parses the same text more than once
def parse_in_child(text: str) -> BashSyntax:
    """``parse_bash_in_process(text)`` run in a child process, which may crash without harm.

    Raises ``ParserCrashed`` when every try crashed, so the caller can report the file.
    """
    # Here: only the rare text that needs a child pays for these, not kefix's start-up.
    import pickle
    import subprocess

    data = text.encode("utf-8", "surrogateescape")
    outcome, tries = "no Python interpreter to run it in", 0
    while sys.executable and tries < _TRIES:
        tries += 1
        try:
            child = subprocess.run(
                [sys.executable, "-c", _CHILD_PROGRAM, json.dumps(sys.path)],
                input=data,
                capture_output=True,
                timeout=_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            outcome = f"it did not finish in {_TIMEOUT_SECONDS} s"
            continue
        except OSError as error:
            outcome = f"it could not start: {error.strerror or error}"
            break
        if child.returncode == 0:
            syntax: BashSyntax = pickle.loads(child.stdout)
            return syntax
        outcome = _how_it_ended(child.returncode, child.stderr)
    raise ParserCrashed(
        f"tree-sitter-bash crashed parsing it ({outcome}; tries: {tries}): a character above"
        " U+00FF right after `{` triggers a known tree-sitter-bash bug"
    )


def _how_it_ended(returncode: int, stderr: bytes) -> str:
    if returncode < 0:
        import signal  # only to name the signal that ended a crashed child

        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    last_line = stderr.decode("utf-8", "replace").strip().rpartition("\n")[2]
    return f"exit code {returncode}" + (f": {last_line}" if last_line else "")
