"""A second reading of a launch statement by an independent bash parser (bashlex).

tree-sitter-bash is what kefix reads scripts with, because it never loses a whole file. But its
word boundaries differ from bash's in corners (it reads ``0.03\\<newline>--fp16`` as two words),
and a fix written on a misread launch would be wrong. bashlex rejects a quarter of whole real
scripts, yet parses 884 of 887 real launch statements on their own; so every launch a fix
rewrites is read again by bashlex, and a disagreement on its flags drops the fix.
"""

from __future__ import annotations

from typing import Any

from kefix.model import Launch


def flags_read_by_bashlex(statement: str) -> list[str] | None:
    """The ``--flag`` words bashlex reads in ``statement``; None when bashlex cannot parse it."""
    # Imported here: bashlex costs ~0.1 s to import and is needed only when a fix is verified.
    import bashlex

    try:
        trees = bashlex.parse(statement)
    except Exception:  # bashlex raises assorted errors (and asserts) on valid bash
        return None
    flags: list[str] = []

    def visit(node: Any) -> None:
        if node.kind == "word" and node.word.startswith("--"):
            flags.append(node.word.split("=", 1)[0])
        elif node.kind == "commandsubstitution":
            return
        for part in getattr(node, "parts", ()):
            visit(part)

    for tree in trees:
        visit(tree)
    return flags


def disagreement(text: str, launch: Launch) -> str:
    """Why bashlex reads the launch's flags otherwise than kefix; '' if it agrees or abstains."""
    theirs = flags_read_by_bashlex(text[launch.span.start : launch.span.end])
    if theirs is None:
        return ""
    written = (text[arg.flag_span.start : arg.flag_span.end] for arg in launch.args)
    ours = [flag for flag in written if flag.startswith("--")]
    # Flags before the entry point belong to the launcher; compare the training flags only.
    tail = theirs[len(theirs) - len(ours) :] if len(theirs) >= len(ours) else theirs
    if tail != ours:
        return f"bash reads the flags as {' '.join(theirs) or 'nothing'}"
    return ""
