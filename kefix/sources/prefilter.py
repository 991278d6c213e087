"""Which files are worth checking: a cheap look at a file's text, by kind, before any parse.

Each kind's adapter makes the same test first (a file that fails it has no launch, no problem
and no comment a directive could sit in: no result). Asked where files are discovered, the test
spares a monorepo's thousands of unrelated files everything after their hash: the trip to a
worker, the cache entry, a warm run's lookup. A Python file's answer also rests on the project's
subclass index (``FinetuneArguments(...)`` names no ingredient): those facts are what the
caller's ``filesystem.observing()`` records.
"""

from __future__ import annotations

import os

from kefix.write import ENCODING, ERRORS


def may_hold_launch(kind: str, path: str, raw: bytes) -> bool:
    """False when the bytes ``raw`` (of ``kind``, the file at the absolute ``path``) can give
    no result."""
    if kind == "bash":  # on the bytes: most scripts are then never decoded
        from kefix.sources.bash import may_hold_launch as may_hold_bash_launch

        return may_hold_bash_launch(raw)
    text = raw.decode(ENCODING, ERRORS)
    if "kefix:" in text:
        return True  # a directive is checked, if only to say it suppresses nothing
    if kind in ("yaml", "json"):
        from kefix.sources.config.schema import may_hold_config

        return may_hold_config(text, kind)
    if kind == "python":
        from kefix.sources.python.reader import may_hold_launch as may_hold_python_launch
        from kefix.sources.python.subclasses import subclasses_around

        # The project's classes (reader.project_classes, for a file known to be there).
        return may_hold_python_launch(text, subclasses_around(os.path.dirname(path)))
    if kind == "notebook":
        from kefix.sources.notebook.reading import may_hold_launch as may_hold_notebook_launch

        return may_hold_notebook_launch(path, text)
    return True  # a kind without a test of its own is always checked
