"""The Python adapter as the fix engine sees it (``kefix.sources.SourceAdapter``).

Rendering and verification (and the bash adapter they use for command strings) are imported
when a fix is made, not when a file is read.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from kefix.model import Arg, DetachedArgs, Edit, Intent, Launch
from kefix.sources import ParsedSource
from kefix.sources.python.reader import read_python


class PythonAdapter(msgspec.Struct, frozen=True):
    kind: str = "python"

    def parse(self, path: str, text: str) -> ParsedSource:
        return read_python(path, text).parsed

    def set_value(
        self, text: str, launch: Launch, arg: Arg, name: str, value: str | bool
    ) -> list[Edit]:
        from kefix.sources.python import render

        return render.set_value(text, launch, arg, name, value)

    def insert_arg(
        self, text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
    ) -> list[Edit]:
        from kefix.sources.python import render

        return render.insert_arg(text, launch, anchor, name, value)

    def remove_arg(self, text: str, launch: Launch, arg: Arg) -> list[Edit]:
        from kefix.sources.python import render

        return render.remove_arg(text, launch, arg)

    def rename_arg(self, text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
        from kefix.sources.python import render

        return render.rename_arg(text, launch, arg, new_name)

    def repair(self, text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
        from kefix.sources.python import render

        return render.repair(text, launch, detached)

    def verify(
        self,
        before_text: str,
        after_text: str,
        old_launch: Launch,
        new_launch: Launch,
        intents: Sequence[Intent],
    ) -> str:
        from kefix.sources.python.verify import structural_difference

        return structural_difference(before_text, after_text, old_launch, new_launch, intents)


PYTHON = PythonAdapter()
