"""Bash commands to ``Launch`` records: which entry point runs, with which flags, as written."""

from __future__ import annotations

import re
from collections.abc import Sequence

import msgspec
from msgspec.structs import replace

from kefix.lazy_pattern import LazyPattern
from kefix.model import Arg, ArgStyle, ConfigRef, Launch, Span, Unknown
from kefix.sources.bash.continuations import find_detached, merge_glued_words
from kefix.sources.bash.launchers import EntryRule, command_word, match_launcher
from kefix.sources.bash.syntax import BashSyntax, Command, Word

_NEGATIVE_NUMBER = re.compile(r"-\.?\d")
_EQUALS_FLAG = re.compile(r"(--?[A-Za-z_][\w.-]*)=")


_dirname_of_script = LazyPattern(
    r"""^"?\$\(\s*dirname\s+"?\$(?:0|\{0\}|\{BASH_SOURCE(?:\[0\])?\}|BASH_SOURCE)"?\s*\)"?(?P<rest>.*)$"""
)


_PYTHON_SWITCHES_WITH_VALUE = frozenset({"-W", "-X", "-Q"})


class _EntryPoint(msgspec.Struct, frozen=True):
    launcher: str
    entry: str | None
    kind: str
    first_flag: int  # index of the first word passed to the entry point


def find_launches(path: str, syntax: BashSyntax) -> tuple[Launch, ...]:
    """Every launch of a training entry point in a parsed script, in file order."""
    launches: list[Launch] = []
    for index, command in enumerate(syntax.commands):
        if command.has_error:
            continue  # reported as KF901 by the adapter, never analysed on a misreading
        words, glued = merge_glued_words(syntax.text, command.words)
        entry = _entry_point(words)
        if entry is None:
            continue
        entry = _nested_entry_point(words, entry.first_flag) or entry
        args, opaque = _pair_arguments(words[entry.first_flag :])
        configs, overrides = _config_files(entry, words[entry.first_flag :], args)
        if overrides:
            args = tuple(sorted((*args, *overrides), key=lambda arg: arg.span.start))
        launches.append(
            Launch(
                path=path,
                span=command.span,
                launcher=entry.launcher,
                entry=entry.entry,
                entry_kind=entry.kind,
                args=args,
                ordinal=len(launches),
                workdir_hints=_workdir_hints(syntax, command),
                opaque=opaque,
                detached=glued + find_detached(syntax, index),
                config_files=configs,
            )
        )
    return tuple(launches)


_CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
_CONFIG_FLAGS = frozenset({"config", "config_file", "config-file"})
# Launchers that read ``key=value`` words after their config file as overrides (OmegaConf).
_OVERRIDING_LAUNCHERS = frozenset({"llamafactory-cli train", "lmf train"})


_override = LazyPattern(r"([A-Za-z_][\w.]*)=")


def _config_files(
    entry: _EntryPoint, words: Sequence[Word], args: tuple[Arg, ...]
) -> tuple[tuple[ConfigRef, ...], tuple[Arg, ...]]:
    """Config files the entry point reads (a positional ``cfg.yaml`` right after it, or
    ``--config cfg.yaml``), and the ``key=value`` overrides a LLaMA-Factory launch gives after
    its file. The launcher's own ``--config_file`` (accelerate's) comes before the entry point
    and is not among ``words``."""
    refs: list[ConfigRef] = []
    overrides: list[Arg] = []
    first = _static(words[0]) if words else None
    if first is not None and first.lower().endswith(_CONFIG_SUFFIXES) and not _is_flag(first):
        refs.append(ConfigRef(first, words[0].span))
        if entry.launcher in _OVERRIDING_LAUNCHERS:
            overrides = [_override_arg(word) for word in words[1:] if _is_override(word)]
    for arg in args:
        value = arg.values[0] if len(arg.values) == 1 else None
        named = arg.name in _CONFIG_FLAGS and isinstance(value, str)
        if named and str(value).lower().endswith(_CONFIG_SUFFIXES):
            refs.append(ConfigRef(str(value), arg.value_spans[0], arg.name))
    return tuple(refs), tuple(overrides)


def _is_override(word: Word) -> bool:
    text = _static(word)
    return text is not None and not word.splat and _override().match(text) is not None


def _override_arg(word: Word) -> Arg:
    """``learning_rate=1e-5`` as an argument; the key is unquoted in every real script, so its
    length in the raw word is its length in the value."""
    text = word.value if isinstance(word.value, str) else ""
    key, _, value = text.partition("=")
    split = word.raw.find("=")
    return Arg(
        name=key,
        values=(value,),
        style=ArgStyle.OVERRIDE,
        span=word.span,
        flag_span=Span(word.span.start, word.span.start + split),
        value_spans=(Span(word.span.start + split + 1, word.span.end),),
    )


def launch_of_words(
    path: str,
    span: Span,
    words: Sequence[Word],
    ordinal: int,
    workdir_hints: tuple[str, ...] = (),
) -> Launch | None:
    """The launch a command given as words rather than bash text runs (a Python argv list:
    ``["torchrun", "train.py", "--lr", "1e-4"]``), read with the same launcher table."""
    entry = _entry_point(words)
    if entry is None:
        return None
    entry = _nested_entry_point(words, entry.first_flag) or entry
    args, opaque = _pair_arguments(words[entry.first_flag :])
    return Launch(
        path=path,
        span=span,
        launcher=entry.launcher,
        entry=entry.entry,
        entry_kind=entry.kind,
        args=args,
        ordinal=ordinal,
        workdir_hints=workdir_hints,
        opaque=opaque,
    )


def pair_arguments(words: Sequence[Word]) -> tuple[tuple[Arg, ...], tuple[Span, ...]]:
    """Flags (with their values) and opaque words of an argument list, as argparse reads it."""
    return _pair_arguments(words)


def looks_like_launch(command: Command) -> bool:
    """Whether a command starts a training entry point (used for commands kefix cannot trust)."""
    return _entry_point(command.words) is not None


def _static(word: Word) -> str | None:
    return word.value if isinstance(word.value, str) else None


def _entry_point(words: Sequence[Word]) -> _EntryPoint | None:
    position = 0
    while position < len(words):
        first = _static(words[position])
        if first is None:
            return None
        head = [command_word(first)]
        cursor = position + 1
        if head[0] == "python":
            cursor = _skip_python_switches(words, cursor)
            if cursor < len(words) and _static(words[cursor]) == "-c":
                return None
            if cursor + 1 < len(words) and _static(words[cursor]) == "-m":
                head += ["-m", _static(words[cursor + 1]) or ""]
        else:
            head += [_static(word) or "" for word in words[cursor : cursor + 2]]
        row = match_launcher(head)
        if row is None:
            return None
        after = (
            cursor + len(row.command) - 1 if head[0] == "python" else position + len(row.command)
        )
        if row.entry is EntryRule.WRAPPER:
            position = _skip_options(words, after, row.value_options, allow_assignments=True)
            continue
        if row.entry is EntryRule.CLI:
            return _EntryPoint(row.name, row.name, "cli", after)
        if row.command == ("python",) and cursor + 1 < len(words) and head[1:2] == ["-m"]:
            return _EntryPoint("python", head[2], "module", cursor + 2)
        return _script_entry(words, after, row.name, row.value_options, row.module_options)
    return None


def _nested_entry_point(words: Sequence[Word], start: int) -> _EntryPoint | None:
    """The launch a job submitter runs after ``--`` (``python mason.py ... -- python train.py``).

    The nested command may follow setup words (``source env.sh \\&\\& python train.py``).
    """
    # (an Unknown value never equals "--")
    separator = next((i for i in range(start, len(words)) if words[i].value == "--"), None)
    if separator is None:
        return None
    for position in range(separator + 1, len(words)):
        nested = _entry_point(words[position:])
        if nested is not None:
            return replace(nested, first_flag=position + nested.first_flag)
    return None


def _skip_python_switches(words: Sequence[Word], cursor: int) -> int:
    while cursor < len(words):
        text = _static(words[cursor])
        if text is None or not text.startswith("-") or text in ("-m", "-c"):
            break
        cursor += 2 if text in _PYTHON_SWITCHES_WITH_VALUE else 1
    return cursor


def _skip_options(
    words: Sequence[Word], cursor: int, value_options: frozenset[str], *, allow_assignments: bool
) -> int:
    while cursor < len(words):
        text = _static(words[cursor])
        if text is None:
            break
        if text.startswith("-"):
            cursor += 2 if text in value_options else 1
        elif allow_assignments and re.match(r"[A-Za-z_]\w*=", text):
            cursor += 1
        else:
            break
    return cursor


def _script_entry(
    words: Sequence[Word],
    cursor: int,
    launcher: str,
    value_options: frozenset[str],
    module_options: frozenset[str],
) -> _EntryPoint | None:
    while cursor < len(words):
        word = words[cursor]
        text = _static(word)
        if text is None:
            if word.raw.endswith(".py") or word.raw.endswith('.py"'):
                return _EntryPoint(launcher, None, "script", cursor + 1)
            cursor += 1
            continue
        if text.startswith("-") and len(text) > 1:
            if text in module_options and cursor + 1 < len(words):
                module = _static(words[cursor + 1])
                return _EntryPoint(launcher, module, "module", cursor + 2)
            cursor += 2 if text in value_options else 1
            continue
        if text.endswith(".py"):
            return _EntryPoint(launcher, text, "script", cursor + 1)
        cursor += 1  # the value of a launcher option kefix does not list
    return None


def _is_flag(text: str) -> bool:
    return text[:1] == "-" and text != "-" and not _NEGATIVE_NUMBER.match(text)


def _pair_arguments(words: Sequence[Word]) -> tuple[tuple[Arg, ...], tuple[Span, ...]]:
    """Group words into flags with their values the way argparse would read them.

    A flag takes the words after it until the next flag; an unknown word past the first value
    (``--a 1 $EXTRA``) or a splat (``"$@"``) may hold any flags, so it is opaque.
    """
    # Run once per launch word: attribute reads and helper calls are kept out of the loops.
    args: list[Arg] = []
    opaque: list[Span] = []
    count = len(words)
    index = 0
    while index < count:
        word = words[index]
        text = word.value if isinstance(word.value, str) else None
        if word.splat or (text is None and not _EQUALS_FLAG.match(word.raw)):
            opaque.append(word.span)
            index += 1
            continue
        flag_text = text if text is not None else word.raw
        if flag_text == "--":
            break
        if not _is_flag(flag_text):
            index += 1  # a positional (config file, key=value override): later layers read it
            continue
        equals = _EQUALS_FLAG.match(word.raw) if "=" in word.raw else None
        if equals is not None and flag_text.startswith("--"):
            args.append(_equals_arg(word, equals))
            index += 1
            continue
        values: list[Word] = []
        cursor = index + 1
        while cursor < count:
            candidate = words[cursor]
            if candidate.splat:
                break
            candidate_value = candidate.value
            if isinstance(candidate_value, str):
                if candidate_value[:1] == "-" and _is_flag(candidate_value):
                    break
            elif values or _EQUALS_FLAG.match(candidate.raw):
                break
            values.append(candidate)
            cursor += 1
        span = word.span
        end = values[-1].span.end if values else span.end
        args.append(
            Arg(
                name=flag_text.lstrip("-"),
                values=tuple([_value_of(value) for value in values]),
                style=ArgStyle.SPACE if values else ArgStyle.BARE,
                span=Span(span.start, end),
                flag_span=span,
                value_spans=tuple([value.span for value in values]),
            )
        )
        index = cursor
    return tuple(args), tuple(opaque)


def _value_of(word: Word) -> str | Unknown:
    return word.value if isinstance(word.value, str) else Unknown(word.raw)


def _equals_arg(word: Word, equals: re.Match[str]) -> Arg:
    flag = equals.group(1)
    split = word.span.start + len(flag) + 1
    raw_value = word.raw[len(flag) + 1 :]
    value: str | Unknown = (
        word.value.split("=", 1)[1] if isinstance(word.value, str) else Unknown(raw_value)
    )
    return Arg(
        name=flag.lstrip("-"),
        values=(value,),
        style=ArgStyle.EQUALS,
        span=word.span,
        flag_span=Span(word.span.start, word.span.start + len(flag)),
        value_spans=(Span(split, word.span.end),),
    )


def _workdir_hints(syntax: BashSyntax, launch: Command) -> tuple[str, ...]:
    """Directories a preceding ``cd`` moved to, latest first (``$(dirname $0)`` kept symbolic)."""
    hints: list[str] = []
    for command in syntax.commands:
        if command.span.start >= launch.span.start:
            break
        if len(command.words) != 2 or _static(command.words[0]) not in ("cd", "pushd"):
            continue
        target = command.words[1]
        dirname = _dirname_of_script().match(target.raw)
        if dirname is not None:
            hints.append("$SCRIPT_DIR" + dirname.group("rest").strip('"'))
        elif isinstance(target.value, str):
            hints.append(target.value)
    return tuple(reversed(hints))
