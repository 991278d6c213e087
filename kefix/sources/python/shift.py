"""Launches read from a command string moved to where the string sits in the Python text (and
back, for verification)."""

from __future__ import annotations

import msgspec

from kefix.model import Arg, Launch, Span


def shifted(span: Span, offset: int) -> Span:
    return Span(span.start + offset, span.end + offset)


def shift_launch(launch: Launch, offset: int) -> Launch:
    def arg(item: Arg) -> Arg:
        return msgspec.structs.replace(
            item,
            span=shifted(item.span, offset),
            flag_span=shifted(item.flag_span, offset),
            value_spans=tuple(shifted(span, offset) for span in item.value_spans),
        )

    return msgspec.structs.replace(
        launch,
        span=shifted(launch.span, offset),
        args=tuple(arg(item) for item in launch.args),
        opaque=tuple(shifted(span, offset) for span in launch.opaque),
        detached=tuple(
            msgspec.structs.replace(d, at=shifted(d.at, offset)) for d in launch.detached
        ),
    )
