"""The bash adapter as the fix engine sees it (``kefix.sources.SourceAdapter``)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from kefix.model import Arg, DetachedArgs, Edit, Intent, Launch
from kefix.sources import ParsedSource
from kefix.sources.bash import parse_launch_script

# render and verify (with crosscheck) are imported on the first fix: most scripts a pre-commit
# run checks need none.


class BashAdapter(msgspec.Struct, frozen=True):
    kind: str = "bash"

    def parse(self, path: str, text: str) -> ParsedSource:
        return parse_launch_script(path, text)

    def set_value(
        self, text: str, launch: Launch, arg: Arg, name: str, value: str | bool
    ) -> list[Edit]:
        from kefix.sources.bash import render

        return render.set_value(text, launch, arg, name, value)

    def insert_arg(
        self, text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
    ) -> list[Edit]:
        from kefix.sources.bash import render

        return render.insert_flag(text, launch, anchor, name, value)

    def remove_arg(self, text: str, launch: Launch, arg: Arg) -> list[Edit]:
        from kefix.sources.bash import render

        return render.remove_flag(text, launch, arg)

    def rename_arg(self, text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
        from kefix.sources.bash import render

        return render.rename_flag(text, launch, arg, new_name)

    def repair(self, text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
        from kefix.sources.bash import render

        return render.repair_continuation(text, launch, detached)

    def verify(
        self,
        before_text: str,
        after_text: str,
        old_launch: Launch,
        new_launch: Launch,
        intents: Sequence[Intent],
    ) -> str:
        from kefix.sources.bash.verify import structural_difference

        return structural_difference(before_text, after_text, old_launch, new_launch, intents)


BASH = BashAdapter()
