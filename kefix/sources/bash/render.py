"""Fix operations rendered in a launch's own bash style.

A new flag copies its neighbours: one flag per ``\\``-continued line with the same indentation,
or inline when flags share lines; ``--k=v`` or ``--k v``; quoted values when the launch quotes;
bare booleans when the launch writes them bare; dashes in names when the launch uses them. Edits
only touch the launch's own words, so a pipe or redirection after the last flag stays intact.
"""

from __future__ import annotations

import re
from collections import Counter

from kefix.model import Arg, ArgStyle, BreakKind, DetachedArgs, Edit, Launch, Span

_LINE_CONTINUATION = re.compile(r"[ \t]*\\\r?$")
_NUMBER_OR_BOOL = re.compile(r"-?[\d.]+(e-?\d+)?|(?i:true|false)")
_SAFE_BARE_WORD = re.compile(r"[A-Za-z0-9_./:@%+,=-]+")


class LaunchStyle:
    """How the flags of one launch are written, learnt from the launch itself."""

    def __init__(self, text: str, launch: Launch) -> None:
        self.text = text
        self.launch = launch
        styles = Counter(arg.style for arg in launch.args)
        self.equals = styles[ArgStyle.EQUALS] > styles[ArgStyle.SPACE]
        self.bare_bools = bare_bools_preferred(launch)
        self.dashes = _dashes_preferred(launch)
        self.quote = _quote_preferred(text, launch)
        self.true_word, self.false_word = bool_words(launch)
        # llamafactory-cli after its YAML reads OmegaConf ``key=value`` overrides, not flags.
        self.overrides = any(arg.style is ArgStyle.OVERRIDE for arg in launch.args) or (
            bool(launch.config_files) and launch.launcher in ("llamafactory-cli train", "lmf train")
        )

    def flag(self, name: str) -> str:
        return "--" + (name.replace("_", "-") if self.dashes else name)

    def value(self, value: str | bool) -> str:
        if isinstance(value, bool):
            return self.true_word if value else self.false_word
        if self.quote and not _SAFE_BARE_WORD.fullmatch(value):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if self.quote:
            return f'"{value}"'
        if _SAFE_BARE_WORD.fullmatch(value):
            return value
        return "'" + value.replace("'", "'\\''") + "'"

    def flag_text(self, name: str, value: str | bool) -> str:
        if self.overrides:
            word = ("true" if value else "false") if isinstance(value, bool) else value
            return f"{name}={self.value(word)}"
        if value is True and self.bare_bools:
            return self.flag(name)
        separator = "=" if self.equals else " "
        return self.flag(name) + separator + self.value(value)

    def line_of(self, offset: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return start, len(self.text) if end == -1 else end

    def alone_on_line(self, arg: Arg) -> bool:
        """The arg is the only flag on its line, apart from indentation and a trailing ``\\``.

        What follows the launch itself (``| tee log``, ``> log 2>&1 &``) does not count: it
        stays after whatever ends up last.
        """
        start, end = self.line_of(arg.span.start)
        before = self.text[start : arg.span.start]
        after = self.text[arg.span.end : min(end, max(self.launch.span.end, arg.span.end))]
        return before.strip() == "" and (
            after.strip() == "" or bool(_LINE_CONTINUATION.fullmatch(after))
        )

    def indentation(self, arg: Arg) -> str:
        start, _ = self.line_of(arg.span.start)
        line = self.text[start : arg.span.start]
        return line[: len(line) - len(line.lstrip(" \t"))]


def bare_bools_preferred(launch: Launch) -> bool:
    """Whether the launch writes switches bare (``--fp16``) rather than with a value."""
    bare = sum(1 for arg in launch.args if arg.style is ArgStyle.BARE)
    valued = sum(
        1
        for arg in launch.args
        if len(arg.values) == 1
        and isinstance(arg.values[0], str)
        and arg.values[0].lower() in ("true", "false")
    )
    return bare > 0 and bare >= valued


def _dashes_preferred(launch: Launch) -> bool:
    dashed = sum(1 for arg in launch.args if "-" in arg.name and "_" not in arg.name)
    underscored = sum(1 for arg in launch.args if "_" in arg.name)
    return dashed > underscored


def _quote_preferred(text: str, launch: Launch) -> bool:
    """Whether the launch quotes its word values (numbers and booleans do not count)."""
    quoted = 0
    plain = 0
    for arg in launch.args:
        for value, span in zip(arg.values, arg.value_spans, strict=True):
            if not isinstance(value, str) or _NUMBER_OR_BOOL.fullmatch(value):
                continue
            if text[span.start : span.start + 1] in ('"', "'"):
                quoted += 1
            else:
                plain += 1
    return quoted > plain


def bool_words(launch: Launch) -> tuple[str, str]:
    """How the launch spells booleans in its arguments (``true``/``false`` if it ever does so,
    else Python's ``True``/``False``): a written value follows the launch's own style."""
    for arg in launch.args:
        for value in arg.values:
            if value in ("true", "false"):
                return "true", "false"
    return "True", "False"


def set_value(text: str, launch: Launch, arg: Arg, name: str, value: str | bool) -> list[Edit]:
    """Rewrite an existing flag (``arg``) so it sets ``name`` to ``value``."""
    style = LaunchStyle(text, launch)
    if arg.name.startswith("no_") or arg.name.startswith("no-") or arg.style is ArgStyle.BARE:
        # ``--no_x`` or a bare ``--x``: write the flag again with an explicit value.
        flag = text[arg.flag_span.start : arg.flag_span.end]
        if arg.name.replace("-", "_") != name:
            flag = style.flag(name)
        if (
            value is True
            and arg.style is ArgStyle.BARE
            and flag == text[arg.flag_span.start : arg.flag_span.end]
        ):
            return []
        separator = "=" if style.equals else " "
        return [Edit(arg.span, flag + separator + style.value(value))]
    first, last = arg.value_spans[0], arg.value_spans[-1]
    return [Edit(Span(first.start, last.end), style.value(value))]


def insert_flag(
    text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
) -> list[Edit]:
    """Add ``--name value`` after ``anchor`` (or after the launch's last flag)."""
    style = LaunchStyle(text, launch)
    flag_text = style.flag_text(name, value)
    if anchor is None:
        anchor = launch.args[-1] if launch.args else None
    if anchor is None:
        return [Edit(Span(launch.span.end, launch.span.end), " " + flag_text)]
    if style.alone_on_line(anchor) and _multiline(style, launch):
        newline = (
            "\r\n"
            if style.text[anchor.span.end : style.line_of(anchor.span.end)[1]].endswith("\r")
            else "\n"
        )
        continuation = " \\" + newline + style.indentation(anchor)
        return [Edit(Span(anchor.span.end, anchor.span.end), continuation + flag_text)]
    return [Edit(Span(anchor.span.end, anchor.span.end), " " + flag_text)]


def _multiline(style: LaunchStyle, launch: Launch) -> bool:
    return "\n" in style.text[launch.span.start : launch.span.end]


def remove_flag(text: str, launch: Launch, arg: Arg) -> list[Edit]:
    """Delete a flag and the blank before it; a flag alone on its line takes its line along."""
    style = LaunchStyle(text, launch)
    if style.alone_on_line(arg):
        start, end = style.line_of(arg.span.start)
        after = text[arg.span.end : end]
        if _LINE_CONTINUATION.fullmatch(after):
            return [Edit(Span(start, min(end + 1, len(text))), "")]
        # The last flag of the block: drop its line and the backslash that led to it.
        previous_end = start - 1
        previous_start, _ = style.line_of(previous_end)
        line = text[previous_start:previous_end]
        continuation = re.search(r"[ \t]*\\\r?$", line)
        if continuation is not None:
            return [Edit(Span(previous_start + continuation.start(), arg.span.end), "")]
    line_start, _ = style.line_of(arg.span.start)
    if text[line_start : arg.span.start].strip(" \t") == "":
        # First on its line, with more after it: keep the indentation, take the blanks after.
        end = arg.span.end
        while end < len(text) and text[end] in " \t":
            end += 1
        return [Edit(Span(arg.span.start, end), "")]
    start = arg.span.start
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return [Edit(Span(start, arg.span.end), "")]


def rename_flag(text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
    """Spell the flag of ``arg`` exactly as ``new_name`` (the rule knows which spelling the
    target release reads), keeping its value and layout."""
    if arg.style is ArgStyle.OVERRIDE:
        return [Edit(arg.flag_span, new_name)]
    return [Edit(arg.flag_span, "--" + new_name)]


def repair_continuation(text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
    """Reattach cut-off flags: move comments above the launch, drop stray blanks, add ``\\``."""
    if detached.kind is BreakKind.COMMENT_LINE:
        line_start = text.rfind("\n", 0, launch.span.start) + 1
        comment_block = text[detached.at.start : detached.at.end]
        return [
            Edit(Span(line_start, line_start), comment_block),
            Edit(detached.at, ""),
        ]
    if detached.kind is BreakKind.TRAILING_COMMENT:
        # The comment (a `# kefix: ignore` among them) moves above the launch, with the launch's
        # indentation; its line ends in the backslash it meant to have.
        line_start = text.rfind("\n", 0, launch.span.start) + 1
        indent = text[line_start : launch.span.start]
        indent = indent[: len(indent) - len(indent.lstrip(" \t"))]
        comment = text[detached.at.start : detached.at.end].rstrip(" \t\\").rstrip(" \t")
        start = detached.at.start
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if start > 0 and text[start - 1] == "\\":
            start -= 1  # `\  # note`: that backslash only escaped a blank
        return [
            Edit(Span(line_start, line_start), f"{indent}{comment}\n"),
            Edit(Span(start, detached.at.end), "\\" if text[start - 1 : start] in " \t" else " \\"),
        ]
    if detached.kind is BreakKind.SPACE_AFTER_BACKSLASH:
        return [Edit(detached.at, "")]
    if detached.kind is BreakKind.MISSING_BACKSLASH:
        return [Edit(detached.at, " \\")]
    return [Edit(detached.at, " ")]
