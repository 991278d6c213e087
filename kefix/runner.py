"""A kefix run over paths: read each file, analyse it, fix it, write it (the I/O edge).

Files are checked in one process, or in a pool of worker processes when there are many; results
from an earlier run come from a cache when one is given. Either way the result is the same.
"""

from __future__ import annotations

import collections
import contextlib
import copyreg
import functools
import gc
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from msgspec.structs import replace

from kefix.analyze import FileAnalysis, analyze_text
from kefix.config import Settings
from kefix.digests import sha256
from kefix.discover import (
    MAX_FILE_BYTES,
    Exclusion,
    RealDirectories,
    Roots,
    Skipped,
    SourceFile,
    discover,
)
from kefix.fix import FixOutcome, OverlappingEdits, fix_file, plan_edits
from kefix.knowledge.training_args import known_versions
from kefix.lazy_pattern import LazyPattern
from kefix.model import Edit, EffectiveConfig, Finding, Launch
from kefix.paths import display_absolute, display_path
from kefix.report.text import ReportedFinding
from kefix.resolve import Resolver, filesystem
from kefix.resolve.filesystem import Facts, Observation
from kefix.sources import QUIET_KINDS, CannotRender, ParserCrashed, kind_of_suffix
from kefix.sources.prefilter import may_hold_launch
from kefix.target import DirectoryPins, TargetVersions, recording_reads, target_versions
from kefix.witness import Witness
from kefix.write import (
    FileChangedOnDisk,
    SourceText,
    read_bytes,
    read_source,
    source_text,
    write_atomically,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future, ProcessPoolExecutor


class FileResult(msgspec.Struct, frozen=True):
    """One file's findings, the fixes that passed verification and the diffs they make.

    Results are *detached* (unless a run keeps resolutions for ``--show-launches``): the
    launches and their effective configurations, which only the checking needed, are dropped
    (findings keep their launch), so a result is small enough to come back from a worker
    process or out of the cache. What the run's later passes need of them is kept apart
    (``named``, ``deepspeed_files``, ``token``); only a result whose launches pass a DeepSpeed
    file keeps its configurations, for the DeepSpeed pass when it has to run.
    """

    source: SourceText
    analysis: FileAnalysis
    outcome: FixOutcome  # the fixes this run applies (or would apply)
    diff: str  # original -> outcome text
    unsafe_diff: str  # outcome text -> text with the unsafe fixes too ('' with --unsafe-fixes)
    target: TargetVersions  # the transformers releases the file was checked against, and why
    written: bool = False
    # The edits of each finding's fix on the text as read, by the finding's index ((): no fix,
    # or it renders only once another fix has changed the text).
    fix_edits: tuple[tuple[Edit, ...], ...] = ()
    kind: str = "bash"  # the adapter that read it (``CheckJob.kind``)
    named: tuple[str, ...] = ()  # the config files its launches name, that were found
    # The DeepSpeed file each of its configurations passes (one per configuration, in order).
    deepspeed_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what checking it said of framework releases (run notes)
    # What its configurations depend on (see ``_token``): a DeepSpeed file checked against
    # the same users' tokens gives the same result ('' when it passes no DeepSpeed file).
    token: str = ""

    @property
    def shown_diff(self) -> str:
        """``diff`` for people to read: secrets masked (``--diff`` must keep the exact bytes)."""
        return mask_secrets(self.diff)

    @property
    def shown_unsafe_diff(self) -> str:
        return mask_secrets(self.unsafe_diff)

    def reported(self) -> list[ReportedFinding]:
        applied = {finding.key for finding in self.outcome.applied}
        dropped = {drop.finding.key: drop.reason for drop in self.outcome.dropped}
        return [
            ReportedFinding(
                finding,
                self.analysis.text,
                fixed=finding.key in applied,
                fix_dropped=dropped.get(finding.key, ""),
                cells=self.analysis.cells,
            )
            for finding in self.analysis.findings
        ]

    def planned_edits(self, index: int) -> tuple[Edit, ...]:
        """The edits of finding ``index``'s fix alone, against the text as read."""
        return self.fix_edits[index] if index < len(self.fix_edits) else ()


class RunResult(msgspec.Struct):
    files: list[FileResult] = msgspec.field(default_factory=list)
    # KF902 lines: files kefix could not read
    errors: list[str] = msgspec.field(default_factory=list)
    # said once per run (an unknown framework)
    notes: list[str] = msgspec.field(default_factory=list)

    @property
    def findings(self) -> int:
        return sum(len(result.analysis.findings) for result in self.files)

    @property
    def remaining(self) -> int:
        """Findings still true after this run (all of them, unless fixes were written)."""
        return sum(
            len(result.outcome.final.findings) if result.written else len(result.analysis.findings)
            for result in self.files
        )


class CheckJob(msgspec.Struct, frozen=True):
    """A file to check: its text as read, how it is shown, the releases to check it against."""

    source: SourceText
    display: str
    target: TargetVersions
    kind: str = "bash"  # the adapter reading it (``kefix.sources``)
    digest: str = ""  # the content hash of ``source.raw``, when the run computed it already


# What checking a file gives: its result, a KF902 line (a parser crashed on it), or None
# (nothing to report).
Checked = FileResult | str | None


class _Nothing:
    """The place of a file that gives no result (or waits to be taken) in a run's results."""


_NOTHING = _Nothing()

# Kinds whose pre-filter may ask for the project's subclass index (see ``_run``).
_NEED_PROJECT_CLASSES = frozenset({"python", "notebook"})
_HELD = 4096  # such files waiting, unread, for the index to be worth reading (at most)


def _add(result: RunResult, checked: Checked) -> None:
    if isinstance(checked, str):
        result.errors.append(checked)
    elif checked is not None:
        result.files.append(checked)


class ResultStore(Protocol):
    """Where results of earlier runs are kept (``kefix.cache.ResultCache``): ``put`` gathers,
    ``pending``/``absorb`` carry what a worker gathered to the parent, ``finish`` writes."""

    def get(self, job: CheckJob, variant: str = "") -> tuple[bool, FileResult | None]: ...

    def known_hash(self, path: str, stat: os.stat_result) -> tuple[str, bool] | None: ...

    def remember_hash(
        self, path: str, stat: os.stat_result, digest: str, launches: bool, rests_on: Facts
    ) -> None: ...

    def get_unread(
        self, path: str, display: str, target: TargetVersions, kind: str, digest: str
    ) -> bool: ...

    def put(
        self, job: CheckJob, result: FileResult | None, seen: Observation, variant: str = ""
    ) -> None: ...

    def pending(self) -> Any: ...

    def absorb(self, pending: Any) -> None: ...

    def served_run(self, paths: Sequence[Path]) -> RunResult | None: ...

    def finish(
        self,
        paths: Sequence[Path],
        result: RunResult,
        witness: Witness | None,
        targets: TargetCache,
        pool: Executor | None = None,
    ) -> None: ...


# A pool pays for its start-up (forking, sending texts and results between processes) only
# when there is enough to check; measured with scripts/bench.py (see the README).
POOL_THRESHOLD = 48
_WARM_UP = 4  # files the parent checks before forking the pool
# Files sent to a worker at once: about a project's worth. A project split over both workers
# has its entry scripts and dataclass modules read by each, and every chunk costs a round trip;
# 16-file chunks cost the 10k benchmark a fifth of its cold run (scripts/bench.py).
_CHUNK = 128
_CHUNK_AT_END = 16  # ... once discovery has ended
_CHUNK_BYTES = 4 * 1024 * 1024  # ... or fewer, when their texts are this large
_CHUNKS_IN_FLIGHT = 4  # chunks per worker sent and not collected, at most


def run(
    paths: Sequence[Path],
    settings: Settings,
    *,
    apply: bool,
    cache: ResultStore | None = None,
    jobs: int | None = None,
    keep_resolutions: bool = False,
) -> RunResult:
    """Check (and with ``apply`` fix) every source under ``paths``.

    ``cache`` serves results of unchanged files and keeps the new ones; ``jobs`` is how many
    processes check files (default: every core when more than ``POOL_THRESHOLD`` files need
    checking, else one); ``keep_resolutions`` keeps each launch's effective configuration in
    the results (``--show-launches``: one process, no cache). Results come in discovery order
    whatever the number of processes.
    """
    with _fewer_collections():
        return _run(paths, settings, apply, cache, jobs, keep_resolutions)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run builds many objects that live to its end (results, the cache's shards) and few
    cycles: the cyclic collector's default, a pass every 700 allocations, walks them again and
    again (a third of a warm run's time). As mypy does, collect far less often meanwhile."""
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _run(
    paths: Sequence[Path],
    settings: Settings,
    apply: bool,
    cache: ResultStore | None,
    jobs: int | None,
    keep_resolutions: bool,
) -> RunResult:
    if keep_resolutions:
        cache, jobs = None, 1
    # A check (not --apply) over a tree whose files, directories and dependencies are all as
    # an earlier run recorded them reports what that run reported (``kefix.cache``).
    witness = None
    if cache is not None and not apply:
        served = cache.served_run(paths)
        if served is not None:
            return served
        witness = Witness()
    result = RunResult()
    roots = Roots.of(paths)
    targets = TargetCache(settings.target_transformers)
    with FileChecker(
        search_roots(paths), settings, jobs=jobs, store=cache, keep_resolutions=keep_resolutions
    ) as checker:
        intake = _Intake(result, checker, cache, targets, witness)
        found_files = (
            discover(paths, settings) if witness is None else (discover(paths, settings, witness))
        )
        for source_file in found_files:
            if isinstance(source_file, Skipped):
                display = display_path(source_file.path)
                result.errors.append(f"{display}:1:1: KF902 {source_file.reason}")
            else:
                intake.add(source_file)
        found = intake.found()
        checked = checker.results()
        for item in found:
            if not isinstance(item, _Nothing):
                _add(result, checked[item] if isinstance(item, int) else item)
        named = _check_named_configs(result, checker, settings, targets, witness)
        _check_deepspeed_files(result, checker, settings, targets, named, witness)
        result.notes.extend(run_notes(result.files))
        if cache is not None:
            cache.finish(paths, result, witness, targets, checker.pool)
    for index, file_result in enumerate(result.files):
        if apply and file_result.outcome.changed:
            display = file_result.analysis.display
            # kefix writes only inside the paths it was given: a config file a launch names is
            # checked wherever it lies, but fixed only when given too (as ruff fixes only the
            # files it is given). A symlink may also have been re-pointed since discovery.
            source_path = file_result.source.path
            if not roots.contain(source_path):
                why = (
                    "a launch names it, but it is outside the given paths (give it to fix it)"
                    if os.path.realpath(source_path) in named
                    else "it now leads outside the given paths"
                )
                result.errors.append(f"{display}:1:1: KF902 not written: {why}")
                continue
            try:
                write_atomically(file_result.source, file_result.outcome.final.text)
            except (FileChangedOnDisk, OSError) as error:
                result.errors.append(f"{display}:1:1: KF902 not written: {error}")
                continue
            result.files[index] = replace(file_result, written=True)
    return result


class _Intake:
    """Files as discovery finds them, into a run: read, pre-filtered, hashed, and sent to be
    checked or taken from the cache; each one's place in the results kept in discovery order
    (a result from the cache, the index of a file being checked, or _NOTHING). Errors go to
    the run's ``result``."""

    def __init__(
        self,
        result: RunResult,
        checker: FileChecker,
        cache: ResultStore | None,
        targets: TargetCache,
        witness: Witness | None,
    ) -> None:
        self.result, self.checker, self.cache = result, checker, cache
        self.targets, self.witness = targets, witness
        self.cwd = os.getcwd()
        self._found: list[Checked | int | _Nothing] = []
        # Python files (and notebooks) need the project's subclass index, which reads every
        # Python file of the project. With a pool, the first _HELD of them wait, unread: the
        # pool starts on the scripts found meanwhile and the index is read while its workers
        # check them (a pool that waited for the index started ~0.15 s later at 10,000 files,
        # ~0.7 s at 50,000).
        self._held: list[tuple[int, SourceFile]] = []
        self._holding = checker.may_use_pool

    def add(self, source_file: SourceFile) -> None:
        if self._holding and source_file.kind in _NEED_PROJECT_CLASSES:
            self._held.append((len(self._found), source_file))
            self._found.append(_NOTHING)
            if len(self._held) >= _HELD:
                self._take_held()
                self._holding = False
            return
        self._found.append(self._take(source_file))

    def found(self) -> list[Checked | int | _Nothing]:
        """Every file's place in the results, once discovery has ended."""
        self._take_held()
        return self._found

    def _take_held(self) -> None:
        for position, waiting in self._held:
            self._found[position] = self._take(waiting)
        self._held.clear()

    def _unread(self, display: str, quiet: bool, why: str) -> _Nothing:
        """A file the run could not read whole: said (but for a data file), never recorded."""
        if self.witness is not None:
            self.witness.unsure = True
        if not quiet:
            self.result.errors.append(f"{display}:1:1: KF902 {why}")
        return _NOTHING

    def _take(self, source_file: SourceFile) -> Checked | int | _Nothing:
        cache = self.cache
        absolute = source_file.location
        display = display_absolute(absolute, self.cwd)
        quiet = source_file.kind in QUIET_KINDS  # a data file, not a config: nothing to say
        if self.witness is not None:
            self.witness.files.add(absolute)
        try:
            stat = os.stat(absolute)
            if stat.st_size > MAX_FILE_BYTES:
                return self._unread(display, quiet, "skipped: larger than 2 MiB")
            # An unchanged file (by its stamp) need not be read: the cache knows its hash,
            # whether it may hold a launch, and maybe that it has nothing to report.
            known = None if cache is None else cache.known_hash(absolute, stat)
            if known is not None:
                digest, launches = known
                if not launches:
                    return _NOTHING
                target = self.targets.for_file(absolute)
                assert cache is not None
                if cache.get_unread(absolute, display, target, source_file.kind, digest):
                    return _NOTHING
            raw = read_bytes(absolute)
        except OSError as error:
            return self._unread(display, quiet, f"could not read: {error.strerror or error}")
        if len(raw) > MAX_FILE_BYTES:  # grew between stat and read
            return self._unread(display, quiet, "skipped: larger than 2 MiB")
        # Files that cannot give a result (most of a monorepo) stop here: not sent to a
        # worker, no cache entry; the cache keeps their stamp and what the answer rests on.
        with filesystem.observing() as seen:
            launches = may_hold_launch(source_file.kind, absolute, raw)
        digest = ""
        if cache is not None:
            # Only what may hold a launch is looked up by its hash; of the other files (most of
            # a monorepo) the cache keeps the stamp alone.
            digest = filesystem.content_hash(raw) if launches else ""
            if known is None or known[0] != digest:
                rests_on = {} if launches else seen.all_facts()
                cache.remember_hash(absolute, stat, digest, launches, rests_on)
        if not launches:
            return _NOTHING
        target = self.targets.for_file(absolute)
        source = source_text(source_file.path, raw)
        job = CheckJob(source, display, target, source_file.kind, digest)
        hit, cached = False, None
        if cache is not None:
            hit, cached = cache.get(job)
        return cached if hit else self.checker.submit(job)


def run_notes(files: Sequence[FileResult]) -> list[str]:
    """The notes a run says once (each file's, in order, without repeats)."""
    return list(dict.fromkeys(note for file_result in files for note in file_result.notes))


def search_roots(paths: Sequence[Path]) -> list[Path]:
    """Where entry scripts may be: the given directories, the given files' directories, and
    the working directory."""
    return [path if path.is_dir() else path.parent for path in paths] + [Path.cwd()]


class FileChecker:
    """Checks files as discovery finds them: in this process, or, once ``POOL_THRESHOLD`` files
    wait (any number with an explicit ``jobs``), in a pool of worker processes that is fed while
    discovery goes on. Each result is put in ``store`` by the process that checked it;
    ``results()`` gives them in the order the files were submitted."""

    def __init__(
        self,
        search_roots: Sequence[Path],
        settings: Settings,
        *,
        jobs: int | None,
        store: ResultStore | None,
        keep_resolutions: bool,
    ) -> None:
        self.search_roots = list(search_roots)
        self.settings = settings
        self.jobs = jobs
        self.store = store
        self.keep = keep_resolutions
        self.resolver = _resolver(self.search_roots, settings)
        self._waiting: list[CheckJob] = []
        self._submitted = 0
        # Results in submission order: the first files, checked here, then the pool's chunks,
        # collected in order as they finish.
        self._done: list[Checked] = []
        # Chunks sent to the pool and not collected yet, oldest first, with their files.
        self._chunks: collections.deque[tuple[list[CheckJob], Future[_ChunkResult]]] = (
            collections.deque()
        )
        self._pool: ProcessPoolExecutor | None = None
        self._exit = contextlib.ExitStack()
        self._cores = _cores()
        self._workers = 1

    def __enter__(self) -> FileChecker:
        self._exit.enter_context(filesystem.snapshot())
        return self

    def __exit__(self, *exc: object) -> None:
        global _worker
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
            _worker = None
            gc.unfreeze()
        self._exit.close()

    @property
    def pool(self) -> Executor | None:
        """The pool of workers, when one was started (idle once ``results()`` returned)."""
        return self._pool

    @property
    def may_use_pool(self) -> bool:
        """Whether this run may check files in a pool (one started, or may start)."""
        return not (self.keep or self.jobs == 1 or (self.jobs is None and self._cores < 2))

    def submit(self, job: CheckJob) -> int:
        """Queue ``job``; returns its index in ``results()``."""
        self._waiting.append(job)
        self._submitted += 1
        if self._pool is None:
            if self._wants_pool():
                self._start_pool()
        elif len(self._waiting) >= _CHUNK:
            self._send()
        return self._submitted - 1

    def check_now(self, job: CheckJob, variant: str = "", *, store: bool = True) -> Checked:
        """``job`` checked in this process, now, with the run's resolver: for the files the run
        checks once every launch is resolved (named configs, DeepSpeed files). ``variant``
        names what else the result depends on (a DeepSpeed file's users) for the cache."""
        kept = self.store if store else None
        return _check_stored(job, self.resolver, self.settings, kept, self.keep, variant)

    def cached(self, job: CheckJob, variant: str) -> tuple[bool, Checked]:
        """The stored result of ``check_now(job, variant)``, when there is one."""
        if self.store is None:
            return False, None
        return self.store.get(job, variant)

    def results(self) -> list[Checked]:
        if self._pool is None:
            self._done.extend(self._check_here(self._waiting))
            self._waiting = []
            return self._done
        # Discovery has ended: what still waits goes in small chunks, so that the workers end
        # together (with 128-file chunks one finished ~0.1 s before the other at 10k files).
        self._send(_CHUNK_AT_END)
        while self._chunks:
            self._collect_oldest()
        return self._done

    def _collect_oldest(self) -> None:
        """Wait for the oldest chunk in the pool and keep its results (with their texts)."""
        jobs, chunk = self._chunks.popleft()
        checked, pending = chunk.result()
        if self.store is not None:
            self.store.absorb(pending)
        pairs = zip(checked, jobs, strict=True)
        self._done.extend(_with_source(result, job) for result, job in pairs)

    def _wants_pool(self) -> bool:
        if not self.may_use_pool:
            return False
        needed = POOL_THRESHOLD if self.jobs is None else _WARM_UP + 1
        return len(self._waiting) >= needed

    def _check_here(self, jobs: Sequence[CheckJob]) -> list[Checked]:
        return [
            _check_stored(job, self.resolver, self.settings, self.store, self.keep) for job in jobs
        ]

    def _start_pool(self) -> None:
        global _worker
        # The first few files are checked here, before forking: the workers inherit what they
        # loaded (knowledge tables, the bash grammar, the rules' data, the file-system
        # snapshot) instead of each loading it again.
        first, self._waiting = self._waiting[:_WARM_UP], self._waiting[_WARM_UP:]
        self._done.extend(self._check_here(first))
        # Imported here: a run on a few files never starts a pool, and pays nothing for it.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # bashlex is not imported for the workers: verifying a fix reads plain words without it,
        # and a worker that needs it imports it while the other works (~0.1 s), where an import
        # here would hold every worker back that long.

        workers = self._workers = self.jobs or self._cores
        _worker = (self.resolver, self.settings, self.store)
        if sys.platform.startswith("linux"):
            # What the workers inherit stays shared with this process only while no one writes
            # to its pages: keep the cyclic collector's passes (which write to every object
            # they visit) off everything that exists before the fork.
            gc.freeze()
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=filesystem.inherit_kept,
            )
        else:  # fork is unsafe on macOS and absent on Windows: workers start afresh
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.search_roots, self.settings, self.store),
            )
        self._send()

    def _send(self, most: int = _CHUNK) -> None:
        # Chunks follow discovery order: a project's scripts mostly go to one worker, which
        # then reads their entry script once for all of them.
        assert self._pool is not None
        # The project's subclass index, as this process read it: a worker forked before it
        # was read would read the whole project again.
        known = filesystem.answers_to("subclasses")
        while self._waiting:
            count = chunk_length(self._waiting, most)
            chunk, self._waiting = self._waiting[:count], self._waiting[count:]
            self._chunks.append((chunk, self._pool.submit(_check_chunk, chunk, known)))
        # Discovery reads files faster than the workers check them: without a bound, the texts
        # of a whole monorepo would wait in memory. Beyond a few chunks per worker, collect.
        while len(self._chunks) > _CHUNKS_IN_FLIGHT * self._workers:
            self._collect_oldest()


def chunk_length(waiting: Sequence[CheckJob], most: int = _CHUNK) -> int:
    """How many of the ``waiting`` files (at least one) go to a worker together: ``most``, or
    fewer once their texts reach ``_CHUNK_BYTES`` (a pool's memory stays bounded by
    ``_CHUNKS_IN_FLIGHT`` chunks per worker even for large files)."""
    count, size = 0, 0
    while count < min(most, len(waiting)) and size < _CHUNK_BYTES:
        size += len(waiting[count].source.raw)
        count += 1
    return count


def _resolver(search_roots: Sequence[Path], settings: Settings) -> Resolver:
    if not settings.target_frameworks:
        return Resolver(search_roots)  # framework knowledge loads when a launch needs it
    from kefix.resolve.framework import parse_framework_targets

    return Resolver(search_roots, parse_framework_targets(settings.target_frameworks))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_worker: tuple[Resolver, Settings, ResultStore | None] | None = None


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(proxy),)


# Results that keep their resolutions (see ``self_contained``) come back from workers with the
# read-only mappings resolving made (framework values, dataclass defaults); pickle those as the
# dicts they wrap (registered in every process that imports the runner, workers included).
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


def _start_worker(search_roots: list[Path], settings: Settings, store: ResultStore | None) -> None:
    global _worker
    _worker = (_resolver(search_roots, settings), settings, store)


# A worker's chunk: its results and the cache entries gathered for them.
_ChunkResult = tuple[list[Checked], Any]


def _check_chunk(chunk: list[CheckJob], known: dict[tuple[str, str], object]) -> _ChunkResult:
    """The results of a worker's chunk and the cache entries it gathered for them; ``known``:
    answers the parent has that the worker may lack."""
    assert _worker is not None, "set before forking, or by the pool's initializer"
    resolver, settings, store = _worker
    with filesystem.snapshot():
        filesystem.adopt_answers(known)
        results = [_check_stored(job, resolver, settings, store, False) for job in chunk]
    pending = store.pending() if store is not None else None
    return [_without_source(result) for result in results], pending


# A result goes back to the parent without the file's bytes and text, which the parent has:
# half of what would be pickled, and unpickled by a parent that has little else to do.
_NO_TEXT = "\x00kefix: the text as read\x00"


def _without_source(result: Checked) -> Checked:
    if not isinstance(result, FileResult):
        return result
    analysis = replace(result.analysis, text=_NO_TEXT)
    final = result.outcome.final
    if final.text == result.analysis.text:
        final = replace(final, text=_NO_TEXT)
    outcome = replace(result.outcome, original=analysis, final=final)
    source = SourceText(result.source.path, _NO_TEXT, b"")
    return replace(result, source=source, analysis=analysis, outcome=outcome)


def _with_source(result: Checked, job: CheckJob) -> Checked:
    """The result as the worker had it: the text of ``job`` put back."""
    if not isinstance(result, FileResult):
        return result
    text = job.source.text
    analysis = replace(result.analysis, text=text)
    final = result.outcome.final
    if final.text == _NO_TEXT:
        final = replace(final, text=text)
    outcome = replace(result.outcome, original=analysis, final=final)
    return replace(result, source=job.source, analysis=analysis, outcome=outcome)


def _check_stored(
    job: CheckJob,
    resolver: Resolver,
    settings: Settings,
    store: ResultStore | None,
    keep: bool,
    variant: str = "",
) -> Checked:
    """``job``'s result, kept in ``store`` with every question checking it asked; a parser
    crash is the file's KF902 line."""
    try:
        with filesystem.observing() as seen:
            file_result = _check_file(job, resolver, settings, keep)
    except ParserCrashed as error:
        return f"{job.display}:1:1: KF902 skipped: {error}"
    if file_result is not None:
        facts = seen.all_facts()
        notes = tuple(filesystem.notes(facts))
        token = _token(job, facts) if file_result.deepspeed_files else ""
        if notes or token:
            file_result = replace(file_result, notes=notes, token=token)
    if store is not None:
        store.put(job, file_result, seen, variant)
    return file_result


def _token(job: CheckJob, facts: filesystem.Facts) -> str:
    """The file as checked and every answer checking it got: equal tokens, equal results (the
    cache's own premise), so a DeepSpeed file's result is kept by its users' tokens."""
    digest = sha256()
    parts = (job.display, job.kind, job.target.versions, job.target.reason)
    digest.update(repr(parts).encode("utf-8", "surrogatepass"))
    digest.update((job.digest or filesystem.content_hash(job.source.raw)).encode())
    for (question, path), answer in sorted(facts.items()):
        digest.update(f"\n{question}\0{path}\0{answer!r}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _check_file(
    job: CheckJob, resolver: Resolver, settings: Settings, keep_resolutions: bool
) -> FileResult | None:
    source, display, target = job.source, job.display, job.target
    analysis = analyze_text(
        source.path, display, source.text, resolver, settings, target.versions, kind=job.kind
    )
    if not analysis.launches and not analysis.findings:
        return None
    outcome = fix_file(analysis, resolver, settings, include_unsafe=settings.unsafe_fixes)
    from kefix.report.diff import unified_diff

    diff = unified_diff(display, analysis.text, outcome.final.text)
    unsafe_diff = ""
    # With --apply too: the report (a pull-request body) says which unsafe fixes were left out.
    if not settings.unsafe_fixes:
        with_unsafe = fix_file(outcome.final, resolver, settings, include_unsafe=True)
        unsafe_diff = unified_diff(display, outcome.final.text, with_unsafe.final.text)
    fix_edits = tuple(_planned(analysis, finding) for finding in analysis.findings)
    named = tuple(
        str(config_file.path)
        for resolution in analysis.resolutions
        for config_file in resolution.named_configs
        if config_file.path is not None
    )
    deepspeed_files = tuple(
        passed for config in outcome.final.configs if (passed := _deepspeed_passed(config))
    )
    if not keep_resolutions and not deepspeed_files:
        slim = _FindingsWithoutArguments()
        analysis = replace(
            analysis, launches=(), resolutions=(), findings=slim.all(analysis.findings)
        )
        final = replace(
            outcome.final, launches=(), resolutions=(), findings=slim.all(outcome.final.findings)
        )
        outcome = FixOutcome(
            analysis,
            final,
            slim.all(outcome.applied),
            tuple(replace(drop, finding=slim.one(drop.finding)) for drop in outcome.dropped),
        )
    return FileResult(
        source, analysis, outcome, diff, unsafe_diff, target, fix_edits=fix_edits,
        kind=job.kind, named=named, deepspeed_files=deepspeed_files,
    )  # fmt: skip


def _deepspeed_passed(config: EffectiveConfig) -> str:
    """The DeepSpeed file a launch's configuration passes and kefix read ('' for none, and for
    a DeepSpeed file checked on its own)."""
    deepspeed = config.deepspeed
    if config.launch.entry_kind == "deepspeed" or deepspeed is None or deepspeed.path is None:
        return ""
    return str(deepspeed.path)


class _FindingsWithoutArguments:
    """Findings whose launch keeps what reports and keys use (where it is, what it runs, its
    ordinal) but not its arguments: a detached result's findings are only reported, and a
    monorepo's launches, every flag with its spans, were most of what a run kept in memory and
    in the cache. One slim launch per launch, so findings of a launch still share it."""

    def __init__(self) -> None:
        self._launches: dict[int, Launch] = {}

    def all(self, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(self.one(finding) for finding in findings)

    def one(self, finding: Finding) -> Finding:
        launch = finding.launch
        if launch is None:
            return finding
        slim = self._launches.get(id(launch))
        if slim is None:
            slim = self._launches[id(launch)] = replace(
                launch, args=(), workdir_hints=(), opaque=(), detached=(), config_files=()
            )
        return replace(finding, launch=slim)


def _planned(analysis: FileAnalysis, finding: Finding) -> tuple[Edit, ...]:
    if finding.fix is None:
        return ()
    try:
        edits = plan_edits(analysis, finding)
    except (CannotRender, OverlappingEdits):
        return ()  # it only renders once another fix has changed the text
    return tuple(sorted(edits, key=lambda edit: (edit.span.start, edit.span.end)))


def _check_named_configs(
    result: RunResult,
    checker: FileChecker,
    settings: Settings,
    targets: TargetCache,
    witness: Witness | None = None,
) -> set[str]:
    """Check the config files the launches name that discovery did not give: a finding such a
    file alone causes is reported on it (``kefix.resolve.config_files``), so it is checked, and
    may be fixed, with the launches that use it. Returns their real paths. The resolver reads
    only files inside the search roots; excluded files stay out. Checked in this process (their
    results are cached as any file's: they depend on the file, not on who names it)."""
    if not any(file.named for file in result.files):
        return set()
    checked = _real_paths(file.source.path for file in result.files)
    named: set[str] = set()
    exclusion = Exclusion(settings, witness)
    looked_at = 0  # results whose named configs were collected (checking one may name more)
    while looked_at < len(result.files):
        pending: dict[str, Path] = {}
        for file in result.files[looked_at:]:
            for name in file.named:
                path = Path(name)
                real = os.path.realpath(path)
                if real in checked or real in pending or kind_of_suffix(path) is None:
                    continue
                if not exclusion.excludes(path, is_dir=False):
                    pending[real] = path
        looked_at = len(result.files)
        for real, path in sorted(pending.items()):
            checked.add(real)
            named.add(real)
            kind = kind_of_suffix(path)
            assert kind is not None
            job = _named_file_job(path, kind, targets, witness)
            if job is not None:
                _add(result, checker.check_now(job))
    return named


def _real_paths(paths: Iterable[Path]) -> set[str]:
    """``os.path.realpath`` of each path (a file's own symlink is still followed)."""
    directories = RealDirectories()
    found: set[str] = set()
    for path in paths:
        directory, name = os.path.split(os.path.abspath(path))
        joined = directories.of(directory, name)
        found.add(os.path.realpath(joined) if os.path.islink(joined) else joined)
    return found


def _named_file_job(
    path: Path, kind: str, targets: TargetCache, witness: Witness | None = None
) -> CheckJob | None:
    """A file a launch names (a config, a DeepSpeed config), read for checking; None when it
    is gone (the resolver read it moments ago: nothing to check)."""
    if witness is not None:
        witness.file(str(path))
    try:
        source = read_source(path)
    except OSError:
        return None
    return CheckJob(source, display_path(path), targets.for_file(path), kind)


def _check_deepspeed_files(
    result: RunResult,
    checker: FileChecker,
    settings: Settings,
    targets: TargetCache,
    named: set[str],
    witness: Witness | None = None,
) -> None:
    """Check the DeepSpeed configs the launches pass against those launches (as their fixes
    leave them): a value a launch writes otherwise belongs in the DeepSpeed file as "auto".
    Runs once every launch is resolved, so every user of a shared file is known; the users come
    from the results, wherever they were checked. A file's result is kept in the cache by its
    users' tokens; when it must be checked, users that came from the cache (without their
    configurations) are checked again first."""
    users: dict[str, list[int]] = {}  # real path -> the results passing it (once a config)
    paths: dict[str, Path] = {}
    for index, file_result in enumerate(result.files):
        for name in file_result.deepspeed_files:
            real = os.path.realpath(name)
            users.setdefault(real, []).append(index)
            paths.setdefault(real, Path(name))
    if not users:
        return
    checked = {os.path.realpath(r.source.path): index for index, r in enumerate(result.files)}
    exclusion = Exclusion(settings, witness)
    jobs: dict[str, tuple[CheckJob, str]] = {}
    for real in sorted(paths):
        path = paths[real]
        kind = kind_of_suffix(path)
        if kind is None or exclusion.excludes(path, is_dir=False):
            continue
        job = _named_file_job(path, kind, targets, witness)
        if job is not None:
            tokens = "\n".join(result.files[index].token for index in users[real])
            variant = "deepspeed users " + sha256(tokens.encode()).hexdigest()
            jobs[real] = (job, variant)
    done: dict[str, Checked] = {}
    for real, (job, variant) in jobs.items():
        hit, cached = checker.cached(job, variant)
        if hit:
            done[real] = cached
    if len(done) < len(jobs):
        _with_configurations(result, checker, sorted({i for r in users for i in users[r]}))
        checker.resolver.deepspeed_users = {
            real: tuple(
                config
                for index in dict.fromkeys(users[real])
                for config in result.files[index].outcome.final.configs
                if (passed := _deepspeed_passed(config)) and os.path.realpath(passed) == real
            )
            for real in users
        }
        for real, (job, variant) in jobs.items():
            if real not in done:
                done[real] = checker.check_now(job, variant)
    for real in jobs:
        checked_again = done[real]
        if isinstance(checked_again, str):
            result.errors.append(checked_again)
        elif checked_again is None:
            continue
        elif real in checked:
            result.files[checked[real]] = checked_again
        else:
            named.add(real)
            result.files.append(checked_again)


def _with_configurations(result: RunResult, checker: FileChecker, indices: list[int]) -> None:
    """Check again the results among ``indices`` that came from the cache, which keeps no
    configurations: the same results, with the configurations the DeepSpeed pass reads."""
    for index in indices:
        user = result.files[index]
        if user.outcome.final.configs:
            continue
        job = CheckJob(user.source, user.analysis.display, user.target, user.kind)
        again = checker.check_now(job, store=False)
        if isinstance(again, FileResult):
            result.files[index] = again


class TargetCache:
    """The transformers releases each file is checked against, read once per directory."""

    def __init__(self, explicit: str | None) -> None:
        self.explicit = explicit
        self._by_directory: dict[Path, TargetVersions] = {}
        self._pins: DirectoryPins = {}
        # A file's directory as named -> its releases (every file of a tree asks: strings, no
        # Path per file).
        self._by_name: dict[str, TargetVersions] = {}
        # Pin files (and such) read beyond the searched directories (``kefix.witness``).
        self.read: set[str] = set()

    def searched(self) -> set[str]:
        """The directories searched for pins (their listings and ``.git`` decided)."""
        return {os.fspath(directory) for _, directory in self._pins}

    def for_file(self, path: Path | str) -> TargetVersions:
        named = os.path.dirname(path)
        found = self._by_name.get(named)
        if found is None:
            directory = Path(named or ".").resolve()
            if directory not in self._by_directory:
                with recording_reads(self.read):
                    self._by_directory[directory] = target_versions(
                        directory, known_versions(), self.explicit, read=self._pins
                    )
            found = self._by_name[named] = self._by_directory[directory]
        return found


# Values people keep out of logs: variables and flags named like credentials, and tokens whose
# shape gives them away wherever they appear. The value is replaced, never the line, so a masked
# diff keeps its layout.
_SECRET_NAME = r"[A-Za-z0-9_]*(?:TOKEN|_KEY|APIKEY|SECRET|PASSWORD|PASSWD|CREDENTIALS?)"
_SECRET_VALUE = r"""(?:"[^"\n]*"|'[^'\n]*'|[^\s;&|)'"]+)"""


@functools.cache
def _secret_names() -> tuple[re.Pattern[str], ...]:
    """The patterns of credential-like names: compiled on the first text that holds one of
    their words (~2 ms at start-up otherwise, in a run that may never mask anything)."""
    assignment = re.compile(
        rf"(?P<name>\b{_SECRET_NAME}[A-Za-z0-9_]*=)(?P<value>{_SECRET_VALUE})", re.IGNORECASE
    )
    flag = re.compile(
        rf"(?P<name>--[A-Za-z0-9_-]*(?:token|[_-]key|apikey|secret|password|passwd)[ \t=]+)"
        rf"(?P<value>{_SECRET_VALUE})",
        re.IGNORECASE,
    )
    # ``hub_token: x`` (YAML), ``"hub_token": "x"`` (JSON), ``hub_token="x"`` (a Python keyword).
    key = re.compile(
        rf"""(?P<name>["']?\b[A-Za-z0-9_]*(?:token|_key|apikey|secret|password|passwd)["']?"""
        rf"""[ \t]*:[ \t]*)(?P<value>{_SECRET_VALUE})""",
        re.IGNORECASE,
    )
    return assignment, flag, key


_secret_shapes = LazyPattern(
    r"\b(?:hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{30,}|xox[abp]-[A-Za-z0-9-]{10,})"
)


_NOT_SECRET = frozenset({"", "true", "false", "none", "null", "0", "1"})
MASK = "***"
# Every name the three name patterns match holds one of these (matched case-insensitively); every
# shape starts with one of the others. Scanning for them first spares most texts the patterns,
# whose backtracking at every word dominated a served run's text report.
_NAME_WORDS = ("token", "key", "secret", "passw", "credential")
_SHAPE_STARTS = ("hf_", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox")


def mask_secrets(text: str) -> str:
    """``text`` with the values of credential-like variables, flags and tokens replaced by ***."""

    def masked(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in ("'", '"') else ""
        inner = value[1:-1] if quote else value
        if inner.lower() in _NOT_SECRET or inner.startswith("$"):
            return match.group(0)  # a switch or a reference to another variable: nothing leaks
        return match.group("name") + quote + MASK + quote

    # ``str.lower`` folds ASCII exactly as the patterns' IGNORECASE does; other characters (the
    # Kelvin sign matches ``k``) leave the patterns to decide.
    lowered = text.lower() if text.isascii() else None
    if lowered is None or any(word in lowered for word in _NAME_WORDS):
        for pattern in _secret_names():
            text = pattern.sub(masked, text)
    if any(start in text for start in _SHAPE_STARTS):
        text = _secret_shapes().sub(MASK, text)
    return text
