"""Render one file's change as a git-style unified diff that `git apply` and `patch -p1` accept.

The patch must reproduce the fixed file byte for byte, so lines are split on "\\n" only: a "\\r"
(CRLF files) or any other Unicode line separator stays part of the line, and a missing final
newline gets the `\\ No newline at end of file` marker that difflib never emits.
"""

from __future__ import annotations

import re

NO_NEWLINE_MARKER = "\\ No newline at end of file"

# Characters git's quote_c_style escapes in a path; anything else (spaces, non-ASCII) is written
# as is, which git apply and GNU patch both read back unchanged.
_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f"}
_C_ESCAPES |= {"\r": "\\r", '"': '\\"', "\\": "\\\\"}
# A name holding none of these is written as is (the escapes above are all among them).
_QUOTED = re.compile(r'[\x00-\x1f\x7f"\\]')


def unified_diff(path: str, old: str, new: str, *, context: int = 3) -> str:
    """Git-style unified diff of one file; '' when old == new.

    `path` is repo-relative and POSIX-style (forward slashes): git apply and patch -p1 strip
    the `a/`/`b/` prefix, and a backslash would be read as part of a file name.
    """
    if old == new:
        return ""
    if context < 0:
        raise ValueError(f"context must be >= 0, got {context}")
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    # autojunk would treat frequent lines (blank lines, `\`) as junk in files over 200 lines
    # and produce needlessly large hunks.
    from difflib import SequenceMatcher  # only files with fixes are diffed

    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    old_name, new_name = _quote_path("a/" + path), _quote_path("b/" + path)
    out = [f"diff --git {old_name} {new_name}\n", f"--- {old_name}\n", f"+++ {new_name}\n"]
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        old_range = _hunk_range(first[1], last[2])
        new_range = _hunk_range(first[3], last[4])
        out.append(f"@@ -{old_range} +{new_range} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_body_line(" ", line) for line in old_lines[i1:i2])
                continue
            out.extend(_body_line("-", line) for line in old_lines[i1:i2])
            out.extend(_body_line("+", line) for line in new_lines[j1:j2])
    return "".join(out)


def split_lines(text: str) -> list[str]:
    """Split on "\\n" only, keeping each line's terminator; the last line may lack one.

    str.splitlines() would also break on "\\r", "\\x0c", "\\u2028" and friends, which neither
    git nor patch treat as line ends.
    """
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _body_line(prefix: str, line: str) -> str:
    if line.endswith("\n"):
        return prefix + line
    return f"{prefix}{line}\n{NO_NEWLINE_MARKER}\n"


def _hunk_range(start: int, stop: int) -> str:
    """GNU range syntax: 1-based start, `,count` omitted for one line, empty range names the
    line before it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    if length == 0:
        return f"{start},0"
    return f"{start + 1},{length}"


def _quote_path(name: str) -> str:
    """Quote like git (core.quotePath=false) when the name holds characters a header can't."""
    if _QUOTED.search(name) is None:
        return name
    quoted = []
    for char in name:
        if char in _C_ESCAPES:
            quoted.append(_C_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            quoted.append(f"\\{ord(char):03o}")
        else:
            quoted.append(char)
    return '"' + "".join(quoted) + '"'
