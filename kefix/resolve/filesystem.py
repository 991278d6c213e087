"""The file-system questions resolution asks, answered here so a run can remember them.

A launch's configuration depends on files other than its script: the entry script, the modules
holding its dataclasses, the config files it names, and which candidate paths exist at all (a new
``src/train.py`` nearer the script would be found first). Every such question goes through this
module, and so do questions whose answer kefix derives from many files or from the installation
(``derived``: the project's subclass index, a framework's pins). Inside ``observing()`` each
question and its answer are recorded; a cached result stays valid only while every recorded
question still gets the same answer (see ``kefix.cache``). A memo of work that asked questions
(``remembered``) records them again on every use.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from kefix.digests import sha256
from kefix.write import read_bytes as read_file

# (question, path) -> answer: "file"/"dir"/"exists" -> bool, "real" -> str, "hash" -> str | None,
# and the answers of the derived questions below (``_DERIVED``), each a string.
Facts = Mapping[tuple[str, str], object]

# Questions whose answer is a value kefix derives from many files or from the installation (the
# project's subclass index, an installed framework's release): asked again by calling the
# function named here with the recorded subject. Named, not imported, so that a cache check
# imports only what its entries depend on.
_DERIVED = {
    "subclasses": "kefix.sources.python.subclasses:index_answer",
    "project": "kefix.sources.python.subclasses:project_answer",
    "installed": "kefix.resolve.framework:installed_answer",
    "pins": "kefix.resolve.framework:pins_answer",
    "tree": "kefix.resolve.filesystem:tree_hash",
    # A note the check said (once per run, e.g. an unknown framework release): not a question
    # about the world, so it always holds; kept so that a cached result says it again.
    "note": "kefix.resolve.filesystem:said",
}

# Derived questions whose answers a run's processes share (``answers_to``): the project's
# subclass index reads every Python file of the project.
_SHARED = frozenset({"subclasses"})

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class Observation(msgspec.Struct):
    """What one unit of work (a file's check, an entry script's reading) asked and learnt.

    ``groups`` are observations shared by many units (an entry script read once per run), kept
    whole so that a cache can store them once.
    """

    facts: dict[tuple[str, str], object] = msgspec.field(default_factory=dict)
    groups: dict[str, Facts] = msgspec.field(default_factory=dict)

    def all_facts(self) -> dict[tuple[str, str], object]:
        merged: dict[tuple[str, str], object] = {}
        for group in self.groups.values():
            merged.update(group)
        merged.update(self.facts)
        return merged


# State derived answers keep between runs (``kept``), by question: loaded and saved by a cache
# (``kefix.cache``), empty without one. Only ever a shortcut its owner checks against the file
# system (the classes a Python file defines, by its size and times), never an answer itself.
_kept: dict[str, Any] = {}
_kept_changed: set[str] = set()


def kept(question: str) -> Any:
    """The state ``question`` kept between runs (an empty dict when there is none)."""
    return _kept.get(question, {})


def keep(question: str, state: Any) -> None:
    """Replace what ``question`` keeps between runs (JSON data)."""
    _kept[question] = state
    _kept_changed.add(question)


def restore_kept(state: dict[str, Any]) -> None:
    """Start from the state a cache kept (replacing this process's)."""
    _kept.clear()
    _kept.update(state)
    _kept_changed.clear()


def inherit_kept() -> None:
    """Count the kept state as unchanged: a forked worker's is its parent's, which the parent
    writes (sent back whole, it was ~0.5 MB per worker for a 10,000-file project)."""
    _kept_changed.clear()


def changed_kept() -> dict[str, Any] | None:
    """All the kept state when some of it changed since ``restore_kept``, else None."""
    if not _kept_changed:
        return None
    _kept_changed.clear()
    return dict(_kept)


_observing: list[Observation] = []
# Answers of the run under way (see ``snapshot``); None outside one.
_answers: dict[tuple[str, str], object] | None = None


# Memos of the run under way (see ``run_memo``); None outside one.
_memos: dict[str, dict[Any, Any]] | None = None


@contextmanager
def snapshot() -> Iterator[None]:
    """Answer each question once for the rest of the block: a run reads the project as it was
    when the run began (it writes fixes only after every check), and a monorepo's launches ask
    the same questions about the same directories thousands of times."""
    global _answers, _memos
    outer, outer_memos = _answers, _memos
    _answers = {} if outer is None else outer
    _memos = {} if outer_memos is None else outer_memos
    try:
        yield
    finally:
        _answers, _memos = outer, outer_memos


def answers_to(question: str) -> dict[tuple[str, str], object]:
    """The run's answers to ``question`` (one of ``_SHARED``) so far, for another process of
    the run to adopt."""
    return dict(run_memo(f"shared {question}"))


def adopt_answers(answers: Mapping[tuple[str, str], object]) -> None:
    """Take answers another process of the run got (``answers_to``) for those not asked yet:
    the project as that process read it, within the run's reading of it."""
    if _answers is not None:
        for key, found in answers.items():
            _answers.setdefault(key, found)


def run_memo(name: str) -> dict[Any, Any]:
    """A memo named ``name`` for deriving an answer (``_DERIVED``) that shares reads between
    subjects, kept as long as the run's snapshot: within a run the project is read as it was
    when the run began, as every answer is. Outside a run, a fresh dict: nothing is kept."""
    if _memos is None:
        return {}
    return _memos.setdefault(name, {})


def inputs() -> dict[tuple[str, str], list[str] | None]:
    """The paths whose stamps alone decide a derived answer, by (question, subject), for the
    answers this process derived in the run whose deriving says so (None: it cannot say). A
    run's record leaves such facts out when it stamps those paths (``kefix.cache``)."""
    return run_memo("inputs")


def observing() -> _Observing:
    """Record every question asked until the block ends (nested blocks record separately)."""
    return _Observing()


class _Observing:
    """``observing``'s block: a class, not a generator-based context manager (every file
    discovered opens one, ~12,800 at 10,000 files; the class cut a run's instructions 0.3%)."""

    __slots__ = ()

    def __enter__(self) -> Observation:
        observation = Observation()
        _observing.append(observation)
        return observation

    def __exit__(self, *exc: object) -> None:
        _observing.pop()


def remembered(
    memo: MutableMapping[_K, tuple[_V, str, Facts]], key: _K, compute: Callable[[], _V]
) -> _V:
    """``compute()``, once per ``key`` for ``memo``'s lifetime, with what it asked recorded as a
    shared group on *every* use: the tenth launch that reads a config file depends on it as much
    as the first, which alone asked."""
    if key not in memo:
        with observing() as seen:
            value = compute()
        asked = seen.all_facts()
        memo[key] = (value, group_id(asked), asked)
    found, facts_id, facts = memo[key]
    include(facts_id, facts)
    return found


def derived(question: str, subject: str) -> str:
    """The answer to a derived question (see ``_DERIVED``): once per snapshot, recorded."""
    return str(_ask(question, subject))


def recheck(question: str, path: str) -> object:
    """``answer``, from the run's snapshot when there is one (a cache checking its facts asks
    what the run's checks ask); nothing is noted."""
    if _answers is None:
        return answer(question, path)
    found = _answers.get((question, path), _MISSING)
    if found is _MISSING:
        found = _answers[(question, path)] = answer(question, path)
        if question in _SHARED:
            run_memo(f"shared {question}")[(question, path)] = found
    return found


def said(note: str) -> str:
    return ""


def notes(facts: Facts) -> list[str]:
    """The notes among ``facts`` (see ``_DERIVED``), sorted: the same for a check and a hit."""
    return sorted(path for question, path in facts if question == "note")


def tree_hash(directory: str) -> str:
    """The names and contents of the ``.py`` files under ``directory`` (a vendored copy of a
    framework, which kefix reads its options from), as one hash."""
    import hashlib  # OpenSSL's, the fastest: a framework's tree is megabytes

    digest = hashlib.sha256()
    for path in sorted(Path(directory).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        digest.update(f"{path.as_posix()}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.hexdigest()


def include(group_id: str, facts: Facts) -> None:
    """Add a shared group of facts (learnt earlier, e.g. reading an entry script) to the
    observation under way."""
    if _observing:
        _observing[-1].groups[group_id] = facts


def group_id(facts: Facts) -> str:
    """A name for a group of facts, the same for the same facts in any process."""
    digest = sha256()
    for (question, path), answer in sorted(facts.items(), key=lambda item: item[0]):
        digest.update(f"{question}\0{path}\0{answer!r}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _note(question: str, path: Path | str, answer: object) -> None:
    if _observing:
        _observing[-1].facts[(question, str(path))] = answer


def _ask(question: str, path: Path | str) -> object:
    """The answer to ``question``, from the run's snapshot when there is one; noted."""
    subject = str(path)
    found = recheck(question, subject)
    if _observing:
        _observing[-1].facts[(question, subject)] = found
    return found


_MISSING = object()


def is_file(path: Path) -> bool:
    return _ask("file", path) is True


def is_dir(path: Path) -> bool:
    return _ask("dir", path) is True


def exists(path: Path | str) -> bool:
    return _ask("exists", path) is True


def realpath(path: Path) -> Path:
    """``path`` with every symlink resolved (``Path.resolve()``, which never raises here): one
    Path per answer and run (entry-script searches ask for the same few roots per launch)."""
    answer = str(_ask("real", path))
    made = run_memo("real paths")
    found = made.get(answer)
    if found is None:
        found = made[answer] = Path(answer)
    return found


def read_text(path: Path) -> str:
    """The file's text as ``Path.read_text(encoding="utf-8", errors="surrogateescape")`` reads
    it; an OSError propagates."""
    text = read_bytes(path).decode("utf-8", errors="surrogateescape")
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as Path.read_text gives it


def read_bytes(path: Path) -> bytes:
    """The file's bytes; an OSError propagates (and is remembered as "unreadable")."""
    try:
        data = read_file(path)
    except OSError:
        _note("hash", path, None)
        raise
    _note("hash", path, content_hash(data))
    return data


def note_read(path: Path, digest: str | None) -> None:
    """Record a read answered from memory (a module parsed earlier in this process)."""
    _note("hash", path, digest)


def stat(path: str) -> os.stat_result:
    """``os.stat(path)``, once per run's snapshot: a warm run stamps every path its record rests
    on, then rechecks the project's subclass index over the same files. An OSError propagates
    (and is asked again next time)."""
    memo = run_memo("stat")
    found = memo.get(path)
    if found is None:
        found = memo[path] = os.stat(path)
    return found


def stamp(stat: os.stat_result) -> list[int]:
    """What says a file or directory is unchanged without reading it, as git's index keeps it
    (a directory's times change when an entry is added, removed or renamed in it)."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


def content_hash(data: bytes) -> str:
    return sha256(data).hexdigest()


def _realpath(path: str, memo: dict[str, tuple[str, bool]]) -> str:
    """``os.path.realpath(path)`` through ``memo``: the directories of absolute paths are
    resolved once for the run (os.path.realpath checks every component of every path, and a
    warm run re-asks hundreds under the same few directories). Where a symlink is on the way,
    os.path.realpath itself answers (loops and all)."""
    return _resolved(path, memo)[0]


def _resolved(path: str, memo: dict[str, tuple[str, bool]]) -> tuple[str, bool]:
    """The real path, and whether no component on the way is a symlink."""
    found = memo.get(path)
    if found is None:
        head, name = os.path.split(path)
        if path == "/":
            found = (path, True)
        elif not name or not os.path.isabs(path):  # relative, or a trailing slash: as it is
            found = (os.path.realpath(path), False)
        else:
            base, plain = _resolved(head, memo)
            candidate = os.path.join(base, name)
            if not plain or os.path.islink(candidate):
                found = (os.path.realpath(path), False)
            elif name == ".":
                found = (base, True)
            elif name == "..":
                found = (os.path.dirname(base), True)
            else:
                found = (candidate, True)
        memo[path] = found
    return found


def answer(question: str, path: str) -> object:
    """Ask ``question`` about ``path`` again, now (to check a recorded fact; nothing is noted:
    a derived answer is the fact, not the questions deriving it asked)."""
    if question in _DERIVED:
        module, _, name = _DERIVED[question].partition(":")
        derive = getattr(importlib.import_module(module), name)
        global _observing
        outer, _observing = _observing, []
        try:
            found: object = derive(path)
        finally:
            _observing = outer
        return found
    # os.path, not pathlib: a warm run re-asks thousands of these (Path objects were half the
    # time). ``path`` is already a Path's string (no "." parts, no trailing slash).
    if question == "file":
        return os.path.isfile(path)
    if question == "dir":
        return os.path.isdir(path)
    if question == "exists":
        return os.path.exists(path)
    if question == "real":
        return _realpath(path, run_memo("real"))
    if question == "hash":
        try:
            return content_hash(read_file(path))
        except OSError:
            return None
    raise ValueError(f"unknown question {question!r}")
