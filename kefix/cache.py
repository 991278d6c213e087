"""The persistent cache: each file's result, kept until the file or anything it depends on changes.

Like ruff's cache, an entry is keyed by the file's content hash, kefix's version (and the size
and modification time of each of its own code and knowledge files, so a development checkout
never trusts results of other code), the versions of the bash parsers, the settings, the Python
version, how the file is shown and the transformers releases it is checked against. A result
also depends on other files: a launch's entry script, the modules holding the dataclasses, the
config and DeepSpeed files it names, which candidate paths exist at all, the framework release
it runs (pins, the installed or vendored copy), and for Python the project's subclass index.
Checking a file records every question it asked (``kefix.resolve.filesystem``); the entry holds
those answers, and serves its result only while every question still gets the same answer. So
an edited ``src/utils/args.py`` re-checks every script that launches ``src/finetune.py``, and
a subclass added anywhere re-checks the Python files that may call it.

A DeepSpeed file is checked once more against the launches that pass it (the run's last pass):
that result is kept under the file's entry for those users, named by their results' tokens.

The whole result is kept, not just "nothing found": a warm run reports the same findings, fixes
and diffs as a cold one, in every format, and ``--apply`` writes the same text (the entry is for
exactly the bytes on disk). Entries are JSON, never pickle: a cache directory committed to a
repository must not be able to run code. They live in 256 shard files, each written atomically
(a temporary file, then ``os.replace``), so concurrent runs can share a cache: a reader sees an
old shard or a new one, never half of one. Anything unreadable is a miss; the cache never fails
a run. (Like any tool's cache it is trusted local state: a cache crafted by hand could hide
findings.)
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib.util
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from msgspec.structs import astuple, replace

from kefix import __version__, model
from kefix.analyze import FileAnalysis
from kefix.config import Settings
from kefix.digests import sha256
from kefix.fix import DroppedFix, FixOutcome
from kefix.resolve import filesystem
from kefix.resolve.filesystem import Facts, Observation
from kefix.runner import CheckJob, FileResult, RunResult, TargetCache, run_notes, search_roots
from kefix.target import TargetVersions
from kefix.witness import Witness
from kefix.write import read_source

if TYPE_CHECKING:  # a run on a few files starts no pool, nor imports one
    from concurrent.futures import Executor, Future

_FORMAT = 6  # bump when the layout of an entry changes
# A file's stamp is trusted only when it was recorded this long after the file last changed:
# within the clock's resolution the file could change again and keep its stamp (git's "racily
# clean" files). Measured from the run's start, so a record is never younger than its file.
_SETTLED_NS = 2_000_000_000
_INLINE_FACTS = 12  # fact groups up to this size are kept in each entry, not shared

# Every type a result holds, by name: decoding builds only these (and never runs other code).
_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        model.Span,
        model.Unknown,
        model.TypedValue,
        model.ConfigRef,
        model.ArgStyle,
        model.Arg,
        model.Launch,
        model.BreakKind,
        model.DetachedArgs,
        model.SetArg,
        model.RemoveArg,
        model.RenameArg,
        model.RepairContinuation,
        model.ReplaceText,
        model.Applicability,
        model.Fix,
        model.Severity,
        model.Finding,
        model.Edit,
        DroppedFix,
    )
}


_T = TypeVar("_T")


class _Invalid(Exception):
    """An entry kefix cannot use (another layout, a damaged file): a miss."""


# Field names of each record, in declaration order; none has a __post_init__, so an instance
# is its fields (see _filled).
_FIELD_NAMES = {
    name: cls.__struct_fields__ for name, cls in _TYPES.items() if issubclass(cls, msgspec.Struct)
}


class _Encoder:
    """Values as JSON data: a dataclass as ``{"Name": [fields...]}``, an enum as
    ``{"Name": value}``, a tuple as a list; each launch once per entry, then by its index (every
    finding of a launch carries it)."""

    def __init__(self) -> None:
        self.launches: list[Any] = []
        self._launch_index: dict[model.Launch, int] = {}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):  # NaN and infinities are not JSON: spelt out
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, tuple):
            return [self.encode(item) for item in value]
        if isinstance(value, model.Launch):
            index = self._launch_index.get(value)
            if index is None:
                index = self._launch_index[value] = len(self.launches)
                self.launches.append(_launch_data(value, self.encode))
            return {"#": index}
        if isinstance(value, enum.Enum):
            return {type(value).__name__: value.value}
        if type(value).__name__ in _TYPES:
            return {type(value).__name__: self._fields(value)}
        raise TypeError(f"kefix.cache cannot store {type(value).__name__}")

    def _fields(self, value: Any) -> list[Any]:
        return [self.encode(getattr(value, name)) for name in _FIELD_NAMES[type(value).__name__]]


_SCALARS = frozenset({str, int, bool, float, type(None)})


class _Decoder:
    def __init__(self, launches: list[Any]) -> None:
        self._encoded = launches
        self._launches: dict[int, model.Launch] = {}

    def decode(self, data: Any) -> Any:
        if isinstance(data, list):
            # Most items (a finding's code, message, line) are JSON scalars: taken as they are,
            # without a call each (a warm run decodes ~100,000 values).
            return tuple(
                [item if item.__class__ in _SCALARS else self.decode(item) for item in data]
            )
        if not isinstance(data, dict):
            return data
        ((name, value),) = data.items()
        if name == "Span":  # the commonest value (every finding, edit and fix has one)
            return _span_from(value)
        if name == "float":
            return float(value)
        if name == "#":
            launch = self._launches.get(value)
            if launch is None:
                launch = self._launches[value] = _launch_from(self._encoded[value], self.decode)
            return launch
        cls = _TYPES.get(name)
        if cls is None:
            raise _Invalid(f"unknown type {name!r}")
        if issubclass(cls, enum.Enum):
            return cls(value)
        return _build(name, self.decode(value))


_FIELDS_OF = {_TYPES[name]: names for name, names in _FIELD_NAMES.items()}


def _build(name: str, values: tuple[Any, ...]) -> Any:
    """The record ``name`` holding ``values`` (a warm run builds ~100,000: msgspec's
    ``__init__`` is C, as fast as setting the fields directly)."""
    names = _FIELD_NAMES[name]
    if len(values) != len(names):
        raise _Invalid(f"{name} takes {len(names)} fields, not {len(values)}")
    return _filled(_TYPES[name], names, values)


# Launches, the bulk of an entry (every flag with its spans), have a compact form of their own:
# positions as [start, end], enums by value, an Unknown word as {"?": expression}; a typed
# value (a Python keyword's) in the general form. Every field is kept (``_build`` refuses a
# wrong count, and a test round-trips a launch with every field set).


def _launch_data(launch: model.Launch, encode: Callable[[Any], Any]) -> list[Any]:
    return [
        launch.path,
        _span_data(launch.span),
        launch.launcher,
        launch.entry,
        launch.entry_kind,
        [
            [
                arg.name,
                [_word_data(word) for word in arg.values],
                arg.style.value,
                _span_data(arg.span),
                _span_data(arg.flag_span),
                [_span_data(span) for span in arg.value_spans],
                encode(arg.typed),
            ]
            for arg in launch.args
        ],
        launch.ordinal,
        list(launch.workdir_hints),
        [_span_data(span) for span in launch.opaque],
        [
            [detached.kind.name, _span_data(detached.at), list(detached.names)]
            for detached in launch.detached
        ],
        [[ref.path, _span_data(ref.span), ref.flag] for ref in launch.config_files],
    ]


def _span_data(span: model.Span) -> list[int]:
    return [span.start, span.end]


def _word_data(word: str | model.Unknown) -> Any:
    return word if isinstance(word, str) else {"?": word.expression}


def _launch_from(data: list[Any], decode: Callable[[Any], Any]) -> model.Launch:
    path, span, launcher, entry, kind, args, ordinal, hints, opaque, detached, refs = data
    return _new(
        model.Launch,
        path,
        _span_from(span),
        launcher,
        entry,
        kind,
        tuple(
            _new(
                model.Arg,
                name,
                tuple(
                    word if isinstance(word, str) else _new(model.Unknown, word["?"])
                    for word in values
                ),
                model.ArgStyle(style),
                _span_from(arg_span),
                _span_from(flag_span),
                tuple(_span_from(value_span) for value_span in value_spans),
                decode(typed),
            )
            for name, values, style, arg_span, flag_span, value_spans, typed in args
        ),
        ordinal,
        tuple(hints),
        tuple(_span_from(item) for item in opaque),
        tuple(
            _new(model.DetachedArgs, model.BreakKind[kind], _span_from(at), tuple(names))
            for kind, at, names in detached
        ),
        tuple(_new(model.ConfigRef, path, _span_from(at), flag) for path, at, flag in refs),
    )


def _span_from(data: list[int]) -> model.Span:
    start, end = data  # a warm run builds ~40,000 of these: no _build
    return model.Span(start, end)


def _new(cls: type[_T], *values: Any) -> _T:
    names = _FIELDS_OF[cls]
    if len(values) != len(names):
        raise _Invalid(f"{cls.__name__} takes {len(names)} fields, not {len(values)}")
    return _filled(cls, names, values)


def _filled(cls: type[_T], names: tuple[str, ...], values: tuple[Any, ...]) -> _T:
    """An instance of the record ``cls`` holding ``values`` in the order of ``names``."""
    return cls(*values)


def encode_result(result: FileResult | None) -> Any:
    """A detached result as JSON data (the file's own text, path and target are not stored:
    they are what the entry is keyed by)."""
    if result is None:
        return None
    analysis, final = result.analysis, result.outcome.final
    encoder = _Encoder()
    findings = encoder.encode(analysis.findings)
    final_findings = encoder.encode(final.findings)
    data = {
        "display": analysis.display,
        "versions": list(analysis.versions),
        "findings": findings,
        "final_text": None if final.text == analysis.text else final.text,
        # None: the same as ``findings`` (no fix applied: most results), kept and decoded once
        "final_findings": None if final_findings == findings else final_findings,
        "applied": _applied_data(result.outcome.applied, analysis.findings, encoder),
        "dropped": encoder.encode(result.outcome.dropped),
        "diff": result.diff,
        "unsafe_diff": result.unsafe_diff,
        "fix_edits": encoder.encode(result.fix_edits),
        "cells": _cell_locations(analysis),
        "named": list(result.named),
        "deepspeed_files": list(result.deepspeed_files),
        "notes": list(result.notes),
        "token": result.token,
    }
    data["launches"] = encoder.launches
    return data


def _applied_data(
    applied: tuple[model.Finding, ...], findings: tuple[model.Finding, ...], encoder: _Encoder
) -> list[Any]:
    """The applied fixes' findings, one equal to a finding of the text as read (the first fix
    applied is) as ``{"@": its index}``: stored and decoded once (a warm run decoded each twice)."""
    index: dict[tuple[str, int, str], int] = {}
    for at, finding in enumerate(findings):
        index.setdefault(finding.key, at)
    data: list[Any] = []
    for finding in applied:
        found = index.get(finding.key)
        same = found is not None and findings[found] == finding
        data.append({"@": found} if same else encoder.encode(finding))
    return data


def _applied_from(data: list[Any], findings: tuple[Any, ...], decoder: _Decoder) -> tuple[Any, ...]:
    applied = []
    for item in data:
        at = item.get("@")
        if at is None:
            applied.append(decoder.decode(item))
        elif isinstance(at, int) and 0 <= at < len(findings):
            applied.append(findings[at])
        else:
            raise _Invalid(f"no finding {at!r}")
    return tuple(applied)


def decode_result(data: Any, job: CheckJob) -> FileResult | None:
    """The result ``encode_result`` stored, for the file ``job`` read."""
    if data is None:
        return None
    try:
        decoder = _Decoder(data["launches"])
        source = job.source
        versions = tuple(data["versions"])
        located = data["cells"]
        cells = None if located is None else _StoredCellLines(source.text, located)
        findings = decoder.decode(data["findings"])
        analysis = FileAnalysis(
            source.path, data["display"], source.text, (), (), findings, versions, job.kind, cells
        )
        final_text = source.text if data["final_text"] is None else data["final_text"]
        if located is not None and final_text != source.text:
            cells = _StoredCellLines(final_text, {})  # the stored offsets are the read text's
        final = FileAnalysis(
            source.path, data["display"], final_text, (), (),
            findings if data["final_findings"] is None else decoder.decode(data["final_findings"]),
            versions, job.kind, cells,
        )  # fmt: skip
        outcome = FixOutcome(
            analysis,
            final,
            _applied_from(data["applied"], findings, decoder),
            decoder.decode(data["dropped"]),
        )
        return FileResult(
            source,
            analysis,
            outcome,
            data["diff"],
            data["unsafe_diff"],
            job.target,
            fix_edits=decoder.decode(data["fix_edits"]),
            kind=job.kind,
            named=tuple(data["named"]),
            deepspeed_files=tuple(data["deepspeed_files"]),
            notes=tuple(data["notes"]),
            token=data["token"],
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise _Invalid(str(error)) from None


def _cell_locations(analysis: FileAnalysis) -> Any:
    """Where a notebook's findings start, as reports show them ({offset: [cell, line, column]}
    for the text as read; None for a file that is no notebook)."""
    if analysis.cells is None:
        return None
    found = {}
    for finding in analysis.findings:
        location = analysis.cells.cell_location(finding.span.start)
        found[str(finding.span.start)] = None if location is None else list(astuple(location))
    return found


class _StoredCellLines:
    """A cached notebook's ``CellLines``: the cell locations reports ask for (where each finding
    starts) as stored; anything else is read from the text on first use."""

    def __init__(self, text: str, located: dict[str, list[int] | None]) -> None:
        self._text = text
        self._located = located
        self._lines: model.CellLines | None = None

    def cell_location(self, offset: int) -> model.CellLocation | None:
        if self._lines is None and str(offset) in self._located:
            stored = self._located[str(offset)]
            return None if stored is None else model.CellLocation(*stored)
        return self._read().cell_location(offset)

    def location(self, offset: int) -> model.Location:
        return self._read().location(offset)

    def line_start(self, line: int) -> int:
        return self._read().line_start(line)

    def line_end(self, line: int) -> int:
        return self._read().line_end(line)

    def _read(self) -> model.CellLines:
        if self._lines is None:
            from kefix.sources.notebook.cell_text import read_cell_text
            from kefix.sources.notebook.json_cells import read_notebook_json
            from kefix.sources.notebook.lines import NotebookLines

            notebook = read_notebook_json(self._text)
            text = self._text
            cells = tuple(
                read_cell_text(text, cell, notebook.ensure_ascii) for cell in notebook.cells
            )
            self._lines = NotebookLines(len(text), cells)
        return self._lines


# ----------------------------------------------------------------------------- the store


@functools.cache
def code_fingerprint() -> str:
    """kefix's version and the state of its own code and data: any change to either (a new
    release, an edited rule, regenerated knowledge) starts a fresh cache. Files count by size
    and modification time, as Python's own bytecode cache does."""
    digest = sha256(f"{__version__}\0{_FORMAT}\0{sys.version_info[:2]}".encode())
    package = os.path.dirname(os.path.realpath(__file__))
    stamps = sorted(_package_files(package, ""))
    digest.update(
        "".join(f"{name}\0{size}\0{mtime_ns}\n" for name, size, mtime_ns in stamps).encode()
    )
    for name in ("tree_sitter", "tree_sitter_bash", "bashlex"):
        digest.update(f"{name}={_distribution_version(name)}".encode())
    return digest.hexdigest()[:24]


def _package_files(directory: str, relative: str) -> Iterator[tuple[str, int, int]]:
    """Each code and data file under ``directory`` (bytecode caches aside) as its path in the
    package, size and modification time. Plain strings and os.scandir: every run reads these
    ~140 stamps, and os.walk with a Path for each took ~3 ms of a one-script run."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir():
                if entry.name != "__pycache__" and not entry.is_symlink():  # as os.walk
                    yield from _package_files(entry.path, f"{relative}{entry.name}/")
            elif entry.name.endswith((".py", ".json")):
                stat = entry.stat()
                yield f"{relative}{entry.name}", stat.st_size, stat.st_mtime_ns


def _distribution_version(name: str) -> str:
    """The installed distribution of the parser ``name`` (its ``.dist-info`` directory's name);
    importlib.metadata would cost more than a whole cached run."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return "?"
    origin = Path(spec.origin)
    site = origin.parent.parent if spec.submodule_search_locations else origin.parent
    prefix = name.lower() + "-"
    try:
        listing = _site_listing(str(site))
    except OSError:
        return "?"
    return next(
        (
            found
            for found in listing
            if found.lower().startswith(prefix) and found.endswith(".dist-info")
        ),
        "?",
    )


@functools.lru_cache(maxsize=4)
def _site_listing(site: str) -> list[str]:
    """A site directory's entries, sorted: listed once for the three parsers installed in it."""
    return sorted(os.listdir(site))


class ResultCache:
    """Results of earlier runs under ``directory``, for one set of settings and search roots.

    Entries live in 256 shard files (by a hash of the file's path), each holding its entries
    and the fact groups they share. A run reads the shards it needs once; ``put`` only gathers
    new entries (in a worker process too: ``pending``/``absorb`` bring them to the parent), and
    ``flush`` writes each touched shard once at the end, merged with what the file holds then:
    hundreds of file creations instead of one per checked file. Two runs flushing one shard at
    once may lose each other's new entries (those files are checked again next time), never
    mix them. Entries of files that no longer exist are dropped when their shard is written.
    """

    def __init__(self, directory: Path, settings: Settings, paths: Sequence[Path]) -> None:
        self.root = directory
        self.directory = directory / code_fingerprint()
        # Everything besides the file that decides its result: the settings (where the cache
        # lives is not one of them) and where entry scripts are looked for.
        context = (
            replace(settings, cache_dir=None),
            [os.path.abspath(root) for root in search_roots(paths)],
        )
        self._context = sha256(repr(context).encode("utf-8", "surrogatepass")).hexdigest()
        self._named_in_context = sha256(f"{self._context}\0".encode())
        self._shards: dict[str, dict[str, Any]] = {}  # read this run
        self._pending: dict[str, dict[str, Any]] = {}  # new entries and groups, by shard
        self._pending_count = 0  # entries in _pending
        self._pending_stamps = 0  # stamps in _pending
        # One list for each set of facts stamps rest on (the same for every Python file of a
        # directory): a monorepo's stamps wait for ``flush`` in memory.
        self._fact_lists: dict[tuple[tuple[tuple[str, str], object], ...], list[list[Any]]] = {}
        self._group_texts: dict[str, str] = {}  # shared fact groups as written, by name
        self._answers: dict[tuple[str, str], object] = {}  # facts checked this run
        self._groups: dict[tuple[str, str], bool] = {}  # (shard, group) checked: still true?
        # What derived answers keep between runs (e.g. the classes of each Python file).
        filesystem.restore_kept(_read_kept(self.directory / "kept.json"))
        self._settled = time.time_ns() - _SETTLED_NS
        self._last_named: tuple[tuple[str, str], tuple[str, str]] = (("", "\0"), ("", ""))
        self.hits = 0
        self.misses = 0
        # Every fact this run's results depend on, once (for the run's record), and whether
        # every result's facts are among them.
        self._run_facts: dict[tuple[str, str], object] = {}
        self._run_complete = True
        self._groups_taken: set[tuple[str, str]] = set()

    # -- lookup

    def known_hash(self, path: str, stat: os.stat_result) -> tuple[str, bool] | None:
        """The content hash of the file at the absolute ``path`` and whether it may hold a
        launch, as recorded by an earlier run, when the file still has the stamp it had then
        (size, times, inode: as git's index trusts a file). None when it must be read."""
        try:
            record = self._shard(self._names_of(path, "")[0])["stamps"].get(path)
            # [*stamp, digest, may hold a launch, the facts a "no" rests on]
            *recorded, digest, launches, facts = record
            if recorded != filesystem.stamp(stat) or not isinstance(digest, str):
                return None
            if facts:
                if not self._facts_hold(facts):
                    return None  # e.g. a class it names is now a TrainingArguments subclass
                self._take_facts(facts)
        except Exception:  # absent, or a damaged shard: read the file
            return None
        return digest, launches is True

    def remember_hash(
        self, path: str, stat: os.stat_result, digest: str, launches: bool, rests_on: Facts
    ) -> None:
        """Record that the file at ``path``, stamped ``stat`` (taken before it was read), held
        bytes hashing to ``digest``, and whether it may hold a launch (``launches``; the answer
        ``rests_on`` these facts besides the bytes). ``digest`` is '' for a file that may hold
        none: nothing looks it up by its hash. A file that changed too recently to trust its
        stamp is not recorded: it is read again next time."""
        facts = _NO_FACTS
        if rests_on:
            kind = tuple(rests_on.items())
            if kind not in self._fact_lists:
                self._fact_lists[kind] = _fact_list(rests_on)
            facts = self._fact_lists[kind]
            self._take_facts(facts)  # the run's record rests on them too
        if max(stat.st_mtime_ns, stat.st_ctime_ns) >= self._settled:
            return
        shard_name = self._names_of(path, "")[0]
        pending = self._pending.setdefault(shard_name, _empty_pending())
        pending["stamps"][path] = [*filesystem.stamp(stat), digest, launches, facts]
        self._pending_stamps += 1
        self._flush_if_large()

    def get_unread(
        self, path: str, display: str, target: TargetVersions, kind: str, digest: str
    ) -> bool:
        """Whether the file at the absolute ``path``, known (``known_hash``) to hash to
        ``digest``, has an entry saying it has nothing to report that still holds: then it
        need not be read at all. False when it must be read (and ``get`` asked)."""
        try:
            shard_name, name = self._names_of(path, "")
            shard = self._shard(shard_name)
            entry = shard["entries"].get(name)
            if entry is None or entry["result"] is not None:
                return False
            key = self._key_of("", kind, display, target, digest)
            if entry["key"] != key or not self._still_true(shard_name, shard, entry):
                return False
            del shard["entries"][name]
            if not shard["entries"]:
                shard["groups"] = {}
        except Exception:
            return False
        self.hits += 1
        return True

    def get(self, job: CheckJob, variant: str = "") -> tuple[bool, FileResult | None]:
        """(True, the stored result) when an entry for exactly this file (checked as
        ``variant`` says) and everything it depends on exists; (False, None) otherwise."""
        try:
            shard_name, name = self._names(job, variant)
            shard = self._shard(shard_name)
            # Each file's entry is asked for once a run: let it go once read (a monorepo's
            # shards would otherwise stay in memory, as Python objects, to the end).
            entry = shard["entries"].pop(name)
            if entry["key"] != self._key(job, variant) or not self._still_true(
                shard_name, shard, entry
            ):
                raise _Invalid("stale")
            if not shard["entries"]:
                shard["groups"] = {}  # every entry read: its shared facts are settled
            result = decode_result(entry["result"], job)
        except Exception:  # absent, damaged, stale or another layout: a miss, never a failure
            self.misses += 1
            return False, None
        self.hits += 1
        return True, result

    def _shard(self, shard_name: str) -> dict[str, Any]:
        if shard_name not in self._shards:
            self._shards[shard_name] = _read_shard(self.directory / f"{shard_name}.json")
        return self._shards[shard_name]

    def _still_true(self, shard_name: str, shard: dict[str, Any], entry: dict[str, Any]) -> bool:
        for group in entry["groups"]:
            checked = (shard_name, group)
            if checked not in self._groups:
                self._groups[checked] = self._facts_hold(shard["groups"][group])
            if not self._groups[checked]:
                return False
        if not self._facts_hold(entry["facts"]):
            return False
        for group in entry["groups"]:
            if (shard_name, group) not in self._groups_taken:
                self._groups_taken.add((shard_name, group))
                self._take_facts(shard["groups"][group])
        self._take_facts(entry["facts"])
        return True

    def _take_facts(self, facts: list[list[Any]]) -> None:
        run_facts = self._run_facts
        for question, path, recorded in facts:
            key = (question, path)
            if run_facts.setdefault(key, recorded) != recorded:
                self._run_complete = False  # two answers to one question: record nothing

    def _facts_hold(self, facts: list[list[Any]]) -> bool:
        for question, path, recorded in facts:
            key = (question, path)
            if key not in self._answers:
                self._answers[key] = _kept(filesystem.recheck(question, path))
            if self._answers[key] != recorded:
                return False
        return True

    # -- storing

    def put(
        self, job: CheckJob, result: FileResult | None, seen: Observation, variant: str = ""
    ) -> None:
        """Keep ``result`` until ``flush``; never raises (an entry that cannot be encoded is
        just not kept)."""
        try:
            shard_name, name = self._names(job, variant)
            pending = self._pending.setdefault(shard_name, _empty_pending())
            # Large groups (an entry script's reading) are stored once per shard and named;
            # small ones (where an entry was found) go into the entry itself.
            shared: list[str] = []
            inline = dict(seen.facts)
            for group, facts in seen.groups.items():
                if len(facts) > _INLINE_FACTS:
                    # The same group (an entry script read once) comes with many entries:
                    # written out, and taken for the run's facts, once.
                    text = self._group_texts.get(group)
                    if text is None:
                        fact_list = _fact_list(facts)
                        text = self._group_texts[group] = _compact(fact_list)
                        self._take_facts(fact_list)
                    pending["groups"][group] = text
                    shared.append(group)
                else:
                    inline.update(facts)
            entry = {
                "path": os.path.abspath(job.source.path),
                "key": self._key(job, variant),
                "groups": sorted(shared),
                "facts": _fact_list(inline),
                "result": encode_result(result),
            }
            # Kept as JSON text until ``flush``: a monorepo's entries as Python lists and dicts
            # would take several times the memory (and cost more to send from a worker).
            pending["entries"][name] = (entry["groups"], _compact(entry))
            self._pending_count += 1
            self._take_facts(entry["facts"])
            self._flush_if_large()
        except Exception:  # a result the cache cannot hold is just not kept
            self._run_complete = False
            return

    def pending(self) -> dict[str, Any]:
        """The entries ``put`` gathered since the last call, the facts their results depend
        on, and what derived answers keep if that changed (a worker sends them back)."""
        pending = self._take_pending()
        facts = [[*key, answer] for key, answer in self._run_facts.items()]
        complete, self._run_facts, self._run_complete = self._run_complete, {}, True
        kept = filesystem.changed_kept()
        derived = filesystem.inputs()
        inputs = dict(derived)
        derived.clear()
        return {
            "shards": pending,
            "facts": facts,
            "complete": complete,
            "kept": kept,
            "inputs": inputs,
        }

    def absorb(self, pending: dict[str, Any]) -> None:
        """Entries a worker gathered, to be written by ``flush``; what its derived answers
        rest on serves the run's record as this process's own would."""
        filesystem.inputs().update(pending.get("inputs") or {})
        for shard_name, new in pending["shards"].items():
            mine = self._pending.setdefault(shard_name, _empty_pending())
            for part in ("entries", "groups", "stamps"):
                mine[part].update(new[part])
            self._pending_count += len(new["entries"])
        self._take_facts(pending["facts"])
        self._run_complete = self._run_complete and pending["complete"]
        # What a worker's scans keep (the project's subclass index) is written by ``flush``,
        # as the parent's own: without it, the next run would scan the project again.
        for question, state in (pending.get("kept") or {}).items():
            filesystem.keep(question, state)
        self._flush_if_large()

    def finish(
        self,
        paths: Sequence[Path],
        result: RunResult,
        witness: Witness | None,
        targets: TargetCache,
        pool: Executor | None = None,
    ) -> None:
        """Write what the run learnt: its record (``record_run``, for a check with a
        ``witness``), the shards, the kept state. The ``pool``'s workers, idle once every file
        is checked, write the shards while this process writes the record (at 10,000 files the
        two took a quarter of a second after the last check, one after the other)."""
        taken = self._stamps_taken() if witness is not None else {}
        writing = self._write_shards_in(pool) if pool is not None else []
        if witness is not None:
            self.record_run(paths, result, witness, targets, taken)
        self.flush()
        for future in writing:
            future.exception()  # waited for; a shard a worker could not write is no cache

    def _stamps_taken(self) -> dict[str, list[int]]:
        """The stamps ``remember_hash`` keeps for the shards (not yet written), by path: each
        taken before the file was read, of a file that had settled then."""
        return {
            path: kept[:-3]  # [*stamp, digest, may hold a launch, the facts a "no" rests on]
            for shard in self._pending.values()
            for path, kept in shard["stamps"].items()
        }

    def _write_shards_in(self, pool: Executor) -> list[Future[None]]:
        pending = self._take_pending()
        if not pending:
            return []
        try:
            self._prepare()
        except OSError:
            return []
        shards = sorted(pending.items())
        parts = [shards[start::_SHARD_WRITERS] for start in range(_SHARD_WRITERS)]
        return [pool.submit(_write_shard_files, self.directory, part) for part in parts if part]

    def flush(self) -> None:
        """Write every shard that has new entries, and what derived answers keep if it changed;
        never raises (a full disk or a read-only directory just means no cache)."""
        kept = filesystem.changed_kept()
        if not self._pending and kept is None:
            return
        try:
            self._prepare()
            if kept is not None:
                _write_json(self.directory / "kept.json", kept)
            self._write_shards()
        except Exception:  # a full disk, a read-only directory: no cache, never a failure
            return

    def _flush_if_large(self) -> None:
        """Write the shards early once ``_PENDING_LIMIT`` entries wait: a monorepo's entries
        all held until the end of the run took ~50 MB of the parent at 50,000 files."""
        # A stamp (a list of a few numbers) takes about a quarter of an entry's memory.
        if self._pending_count + self._pending_stamps // 4 < _PENDING_LIMIT:
            return
        try:
            self._prepare()
            self._write_shards()
        except Exception:  # as flush: no cache, never a failure
            return

    def _write_shards(self) -> None:
        _write_shard_files(self.directory, sorted(self._take_pending().items()))

    def _take_pending(self) -> dict[str, dict[str, Any]]:
        """The entries, groups and stamps waiting to be written, by shard; none wait after."""
        pending, self._pending = self._pending, {}
        self._pending_count = self._pending_stamps = 0
        return pending

    # -- the run's record

    def served_run(self, paths: Sequence[Path]) -> RunResult | None:
        """The result of the last run over ``paths`` (in this working directory, with these
        settings), when it still holds: every directory it walked and every file it found or
        read keeps its stamp, and every fact its results depend on gets the same answer (each
        asked once). Nothing is listed, matched against excludes or looked up per file. None
        when anything differs: the run then checks as usual, with the per-file cache."""
        try:
            record_path = self._run_path(paths)
            record = _read_json(record_path)
            # One snapshot: a path is stat'ed once, for its stamp and for the facts rechecked.
            with filesystem.snapshot():
                if not _stamps_hold(record["stamps"]):
                    return None
                for path, existed in record["exists"]:
                    if os.path.exists(path) != existed:
                        return None
                for question, path, recorded in record["facts"]:
                    if _kept(filesystem.recheck(question, path)) != recorded:
                        return None
            files: list[FileResult] = []
            # The files of a directory share their target: one TargetVersions (and Path) each.
            targets: dict[tuple[tuple[str, ...], str, str | None], TargetVersions] = {}
            for stored in record["results"]:
                source = read_source(Path(stored["path"]))  # stamped: the bytes checked
                versions, reason, where = stored["target"]
                key = (tuple(versions), reason, where)
                target = targets.get(key)
                if target is None:
                    source_path = None if where is None else Path(where)
                    target = targets[key] = TargetVersions(key[0], reason, source_path)
                job = CheckJob(source, stored["display"], target, stored["kind"], stored["digest"])
                found = decode_result(stored["result"], job)
                if found is None:
                    return None
                files.append(found)
        except Exception:  # absent, damaged, another layout: check as usual
            return None
        self.hits += len(files)
        self.flush()  # what derived answers keep, if rechecking a fact changed it
        with contextlib.suppress(OSError):
            os.utime(record_path)  # used: the last to be pruned (see _prune_run_records)
        return RunResult(files=files, notes=run_notes(files))

    def record_run(
        self,
        paths: Sequence[Path],
        result: RunResult,
        witness: Witness,
        targets: TargetCache,
        taken: Mapping[str, list[int]],
    ) -> None:
        """Keep ``result`` as the record of this run over ``paths`` (see ``served_run``), when
        everything it depends on is known and settled; otherwise drop any older record.
        ``taken``: stamps taken during the run, before the files were read. Never raises."""
        try:
            where = self._run_path(paths)
            record = self._run_record(result, witness, targets, taken)
            if record is None:
                with contextlib.suppress(OSError):
                    os.unlink(where)
                return
            self._prepare()
            _write_parts(where, record)
            _prune_run_records(self.directory, keep=where)
        except _Unsettled:
            with contextlib.suppress(OSError):
                os.unlink(where)
        except Exception:  # a full disk, a result the cache cannot hold: no record
            return

    def _run_record(
        self,
        result: RunResult,
        witness: Witness,
        targets: TargetCache,
        taken: Mapping[str, list[int]],
    ) -> Iterator[str] | None:
        """The record's JSON text in parts, each result encoded only as it is written (a
        monorepo's results at once, as Python data and then as one string, took ~80 MB at
        50,000 files); None when the run cannot be recorded. Writing the parts raises
        ``_Unsettled`` when a path changed too recently to be vouched for."""
        if witness.unsure or result.errors or not self._run_complete:
            return None
        if any(file_result.written for file_result in result.files):
            return None
        paths = sorted(witness.directories | witness.files | targets.searched() | targets.read)
        stamped = set(paths)
        nearest: dict[str, str | None] = {}
        facts = [
            [*key, answer]
            for key, answer in sorted(self._run_facts.items())
            # What the stamps answer is not asked again.
            if not _vouched_for(*key, answer, stamped, nearest)
        ]
        exists = sorted([path, existed] for path, existed in witness.exists.items())

        def parts() -> Iterator[str]:
            # A file's stamp taken before the run read it, when there is one: a change since
            # shows next time, as a different stamp (at 10,000 files, 9,000 stats fewer after
            # the last check; a stat took 5-10 us on this machine). Others are taken now, after
            # the run read everything: a path changed since the run began (or just before: a
            # stamp cannot tell then) has a time past ``_settled``.
            # Encoded a few thousand at once: one json.dumps per stamp was most of the time, all
            # at once held a 50,000-file tree's stamps in memory.
            yield '{"stamps":['
            for start in range(0, len(paths), _STAMPS_AT_ONCE):
                stamps = []
                for path in paths[start : start + _STAMPS_AT_ONCE]:
                    stamp = taken.get(path) or _stamp_now(path)
                    if stamp is not None and max(stamp[1], stamp[2]) >= self._settled:
                        raise _Unsettled(path)
                    stamps.append([path, stamp])
                yield ("," if start else "") + _compact(stamps)[1:-1]
            yield f'],"exists":{_compact(exists)},"facts":{_compact(facts)},"results":['
            for index, file_result in enumerate(result.files):
                target = file_result.target
                stored = {
                    "path": os.fspath(file_result.source.path),
                    "kind": file_result.kind,
                    "display": file_result.analysis.display,
                    "target": [
                        list(target.versions),
                        target.reason,
                        None if target.source is None else os.fspath(target.source),
                    ],
                    "digest": filesystem.content_hash(file_result.source.raw),
                    "result": encode_result(file_result),
                }
                yield ("," if index else "") + _compact(stored)
            yield "]}"

        return parts()

    def _run_path(self, paths: Sequence[Path]) -> Path:
        """Where the record of a run over ``paths`` from this working directory lives."""
        named = (self._context, os.getcwd(), [os.fspath(path) for path in paths])
        digest = sha256(repr(named).encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"run-{digest[:24]}.json"

    def _prepare(self) -> None:
        """A ``.gitignore`` holding ``*`` at the top of the cache, as ruff writes: git, and
        kefix's own discovery through it, leave the cache alone."""
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            _write_text(ignore, "# Automatically created by kefix.\n*\n")

    # -- names

    def _key(self, job: CheckJob, variant: str) -> str:
        digest = job.digest or filesystem.content_hash(job.source.raw)
        return self._key_of(variant, job.kind, job.display, job.target, digest)

    def _key_of(
        self, variant: str, kind: str, display: str, target: TargetVersions, digest: str
    ) -> str:
        parts = (self._context, variant, kind, display, target.versions, target.reason, digest)
        return sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def _names(self, job: CheckJob, variant: str) -> tuple[str, str]:
        return self._names_of(os.path.abspath(job.source.path), variant)

    def _names_of(self, path: str, variant: str) -> tuple[str, str]:
        """The shard and the name of the entry of the file at the absolute ``path``: one entry
        per file (settings and variant), so a new version of the file replaces the old entry."""
        if self._last_named[0] == (path, variant):  # a file's stamp, then its entry
            return self._last_named[1]
        digest = self._named_in_context.copy()
        digest.update(f"{path}\0{variant}".encode("utf-8", "surrogateescape"))
        name = digest.hexdigest()
        self._last_named = ((path, variant), (name[:2], name))
        return name[:2], name


# Questions a path's unchanged stamp answers as before (size, times, inode: the same file, of
# the same type, with the same bytes, as the cache trusts everywhere) and, for an absent path,
# the stamp of the directory it would be in; whether a path is reached through symlinks
# ("real") is not among them.
_STAMPED_ANSWERS = frozenset({"hash", "file", "dir", "exists"})


def _vouched_for(
    question: str, path: str, found: object, stamped: set[str], nearest: dict[str, str | None]
) -> bool:
    """Whether the stamps of a run's record (of the paths ``stamped``) answer a fact (whose
    answer was ``found``) alone: a question about a stamped path or an absent one in a
    stamped directory; a directory's project root when every directory whose markers decided
    it is (a directory's times change with its entries); a derived answer whose deriving named
    the paths it rests on (``filesystem.inputs``: the project's subclass index, a framework's
    pins) when they all are. ``nearest``: the record's memo of ``_nearest_directory``."""
    if question in _STAMPED_ANSWERS:
        if path in stamped:
            return True
        if found is not False or not os.path.isabs(path) or os.path.normpath(path) != path:
            return False  # "a/../b": which directory holds it is not the lexical parent
        if os.path.lexists(path):
            return False  # there after all (a directory asked whether it is a file)
        parent = os.path.dirname(path)
        if parent not in nearest:
            nearest[parent] = _nearest_directory(parent)
        return nearest[parent] in stamped
    if question == "project":
        from kefix.sources.python.subclasses import project_inputs

        chain = project_inputs(path)
        return chain is not None and all(where in stamped for where in chain)
    derived = filesystem.inputs().get((question, path))
    return derived is not None and all(where in stamped for where in derived)


def _nearest_directory(path: str) -> str | None:
    """``path`` or its nearest ancestor that is a directory (None: a file, or a dangling
    symlink, stands where a directory would be)."""
    while not os.path.isdir(path):
        above = os.path.dirname(path)
        if os.path.lexists(path) or above == path:
            return None
        path = above
    return path


_NO_FACTS: list[list[Any]] = []  # what the stamp of a file that may hold a launch rests on

# Stamps of a run record encoded at once (see _run_record).
_STAMPS_AT_ONCE = 4096

# Workers a run's shards are shared among at its end (see ``finish``): the pool has as many
# as there are cores; two keep the parent's share of the machine for the run's record.
_SHARD_WRITERS = 2

# Entries waiting for ``flush`` before the shards are written early (see _flush_if_large).
_PENDING_LIMIT = 8_192


class _Unsettled(Exception):
    """A path a run record rests on changed too recently for its stamp to vouch for it."""


# Run records kept in a cache: one per set of paths, directory and settings, so a pre-commit hook
# (a different list of files each commit) would otherwise add one per commit forever.
RUN_RECORDS_KEPT = 16


def _prune_run_records(directory: Path, keep: Path) -> None:
    """Delete all but the ``RUN_RECORDS_KEPT`` most recently written or served run records
    (``keep``, just written, always stays)."""
    records = sorted(
        (
            (entry.stat().st_mtime_ns, entry.path)
            for entry in os.scandir(directory)
            if entry.name.startswith("run-") and entry.name.endswith(".json")
        ),
        reverse=True,
    )
    for _, path in records[RUN_RECORDS_KEPT:]:
        if path != os.fspath(keep):
            with contextlib.suppress(OSError):  # another run pruned it first
                os.unlink(path)


class _EntryHead(msgspec.Struct):
    """What merging a shard needs of an entry: whether its file is still there, and the fact
    groups it uses."""

    path: object = None
    groups: object = ()


class _ShardHeads(msgspec.Struct):
    entries: dict[str, _EntryHead]
    groups: dict[str, msgspec.Raw]
    stamps: dict[str, msgspec.Raw]


class _ShardRaw(msgspec.Struct):
    entries: dict[str, msgspec.Raw]
    groups: dict[str, msgspec.Raw]
    stamps: dict[str, Any]


def _write_shard_files(directory: Path, pending: list[tuple[str, dict[str, Any]]]) -> None:
    """Merge the pending entries into their shards as they are on disk now, and write."""
    for shard_name, new in pending:
        path = directory / f"{shard_name}.json"
        # As it is now: another run (or this one, writing early) may have written it.
        entries, groups, stamps_before = _shard_texts(path)
        entries.update(new["entries"])
        groups.update(new["groups"])
        used = {group for uses, _ in entries.values() for group in uses}
        stamps = {
            where: record
            for where, record in stamps_before.items()
            if where not in new["stamps"] and os.path.exists(where)
        }
        stamps.update(new["stamps"])
        _write_text(path, _shard_text(entries, groups, used, stamps))


def _shard_texts(
    path: Path,
) -> tuple[dict[str, tuple[Any, str]], dict[str, str], dict[str, Any]]:
    """A shard on disk as merging uses it: its entries whose files are still there, with the
    groups each uses, and its groups, each as the JSON text it is written in; and its stamps.

    The texts are taken as written, not decoded and encoded again: a run that writes its shards
    early (``_flush_if_large``) merges into what it wrote before, and re-encoding every entry
    each time made a 50,000-file cold run ~45% slower than one without a cache. A shard
    msgspec cannot take apart so (a lone surrogate, a damaged entry) goes through json.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return {}, {}, {}
    try:
        heads = msgspec.json.decode(data, type=_ShardHeads)
        raw = msgspec.json.decode(data, type=_ShardRaw)
    except msgspec.DecodeError:
        shard = _read_shard(path)
        entries = {
            name: (entry.get("groups", ()), _compact(entry))
            for name, entry in shard["entries"].items()
            if isinstance(entry, dict) and os.path.exists(str(entry.get("path")))
        }
        groups = {group: _compact(facts) for group, facts in shard["groups"].items()}
        return entries, groups, shard["stamps"]
    entries = {
        name: (head.groups, bytes(raw.entries[name]).decode("utf-8"))
        for name, head in heads.entries.items()
        if os.path.exists(str(head.path))
    }
    groups = {group: bytes(text).decode("utf-8") for group, text in raw.groups.items()}
    return entries, groups, raw.stamps


def _read_shard(path: Path) -> dict[str, Any]:
    """A shard's entries, groups and stamps; an empty shard when it is absent or damaged."""
    try:
        document = _read_json(path)
        parts = {part: document.get(part) for part in ("entries", "groups", "stamps")}
        if all(isinstance(value, dict) for value in parts.values()):
            return parts
    except (OSError, ValueError, AttributeError):
        pass
    return _empty_pending()


def _empty_pending() -> dict[str, Any]:
    return {"entries": {}, "groups": {}, "stamps": {}}


def _stamp_now(path: str) -> list[int] | None:
    """The stamp of whatever is at ``path`` now (following symlinks); None when nothing is.
    Not from the run's snapshot, nor kept in it (a record stamps every path once, when the run
    has read everything: 50,000 stat results kept took ~15 MB)."""
    try:
        return filesystem.stamp(os.stat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _stamps_hold(stamps: list[list[Any]]) -> bool:
    """Whether every path of a run's record still has the stamp it recorded (None: nothing
    there). Each is stat'ed into the run's snapshot (facts asked next may stat it again), in
    one loop: through ``filesystem.stat`` one by one, a warm run's 10,000 took ~20% longer."""
    taken = filesystem.run_memo("stat")
    for path, recorded in stamps:
        try:
            found = taken[path] = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            if recorded is not None:
                return False
            continue
        if filesystem.stamp(found) != recorded:
            return False
    return True


def _read_kept(path: Path) -> dict[str, Any]:
    try:
        kept = _read_json(path)
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _read_json(path: Path) -> Any:
    """A JSON file as Python data: msgspec decodes a run record in half the time json takes,
    but refuses a lone surrogate (json.dumps writes one for a name that is not UTF-8), which
    json then reads. A damaged file raises ValueError either way."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError:
        return json.loads(data)


def _fact_list(facts: Facts) -> list[list[Any]]:
    return [[question, path, _kept(answer)] for (question, path), answer in sorted(facts.items())]


def _kept(answer: object) -> object:
    """An answer as an entry keeps it: a long one (the project's subclass index, in every
    Python file's entry) by its hash, as ["sha256", digest] (no answer is a list)."""
    if isinstance(answer, str) and len(answer) > 64:
        digest = sha256(answer.encode("utf-8", "surrogatepass")).hexdigest()
        return ["sha256", digest]
    return answer


def _compact(data: Any) -> str:
    """``data`` as compact JSON: by msgspec (a 50,000-file run's record took 0.4 s in json's
    encoder, most of the time after the last check), or by json where msgspec refuses (a lone
    surrogate: a path that is not UTF-8). No float here is NaN or infinite, which msgspec
    writes as null (``_Encoder`` spells those out)."""
    try:
        return msgspec.json.encode(data).decode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":"))


def _shard_text(
    entries: dict[str, tuple[Any, str]],
    groups: dict[str, str],
    used: set[str],
    stamps: dict[str, Any],
) -> str:
    """A shard document from its entries and groups already written as JSON text (only the
    groups some entry uses), and its files' stamps."""
    entry_items = ",".join(f"{_key_text(name)}:{text}" for name, (_, text) in entries.items())
    group_items = ",".join(
        f"{_key_text(group)}:{groups[group]}" for group in sorted(used) if group in groups
    )
    return f'{{"entries":{{{entry_items}}},"groups":{{{group_items}}},"stamps":{_compact(stamps)}}}'


def _key_text(name: str) -> str:
    """A shard's key as JSON: entry and group names are hex digests, which need no escaping
    (a shard's tens of thousands of keys, each through json.dumps, were most of writing it)."""
    return f'"{name}"' if name.isascii() and name.isalnum() else _compact(name)


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically: concurrent readers see the old file or the new."""
    _write_text(path, _compact(data))


_temporary_names = itertools.count()


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file named by process and counter (unique among concurrent
    writers, and cheaper than tempfile's random names), then rename it into place."""
    _write_parts(path, (text,))


def _write_parts(path: Path, parts: Iterable[str]) -> None:
    """``_write_text`` of the concatenated ``parts``, each written as it comes."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{next(_temporary_names)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part.encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
