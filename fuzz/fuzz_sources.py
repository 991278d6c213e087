"""Coverage-guided fuzz target for every source adapter: bytes in, no crash, fixes hold.

One target per adapter kind (bash, and every kind registered in ``kefix.sources``). Run with
atheris installed (the first directory collects what it finds, the second seeds it):

    python fuzz/fuzz_sources.py --kind bash -atheris_runs=100000 /tmp/kefix-fuzz \
        fixtures/robustness/fuzz_corpus

Run without atheris (random mutations of the corpus and of every fixture of that kind):

    python fuzz/fuzz_sources.py --kind python --runs 20000

Each input is read the way kefix reads a file (UTF-8, undecodable bytes kept), analysed, fixed
with safe and with unsafe fixes, and checked: nothing raises; the fixed text parses no worse than
the input; a second fix pass changes nothing. Inputs that fail are written to
``fixtures/robustness/fuzz_corpus/crash-<hash><suffix>`` (the suffix names the kind); the test
suite replays that directory (``tests/test_reliability_corpus.py``), so add them to the
repository once fixed.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kefix.analyze import analyze_text  # noqa: E402
from kefix.config import Settings  # noqa: E402
from kefix.fix import fix_file  # noqa: E402
from kefix.resolve import Resolver  # noqa: E402
from kefix.sources import SUFFIX_KINDS, ParserCrashed  # noqa: E402

CORPUS = ROOT / "fixtures" / "robustness" / "fuzz_corpus"
RULES = ROOT / "fixtures" / "rules"
MAX_INPUT = 16 * 1024
_RESOLVER = Resolver([RULES])
# Entry scripts resolve against fixtures/rules/src.
_FUZZED_DIRECTORY = RULES / "KF001"


class FixBrokeAPromise(AssertionError):
    """A fix made the text parse worse, or a second pass still had something to fix."""


def suffix_of(kind: str) -> str:
    """The file suffix kefix reads as ``kind`` (the first one registered)."""
    return next(suffix for suffix, known in SUFFIX_KINDS.items() if known == kind)


def check(data: bytes, kind: str = "bash") -> None:
    """The property every input must satisfy; raises on a violation."""
    text = data[:MAX_INPUT].decode("utf-8", "surrogateescape")
    name = "fuzzed" + suffix_of(kind)
    for unsafe in (False, True):
        settings = Settings(unsafe_fixes=unsafe)
        try:
            analysis = analyze_text(
                _FUZZED_DIRECTORY / name, name, text, _RESOLVER, settings, kind=kind
            )
        except ParserCrashed:
            return  # the parser crashed in the guard's child: kefix reports it (KF902)
        outcome = fix_file(analysis, _RESOLVER, settings, include_unsafe=unsafe)
        if not outcome.changed:
            continue
        unparsed_before = sum(f.code == "KF901" for f in analysis.findings)
        unparsed_after = sum(f.code == "KF901" for f in outcome.final.findings)
        if unparsed_after > unparsed_before:
            raise FixBrokeAPromise("a fix made a launch unparsable")
        again = fix_file(outcome.final, _RESOLVER, settings, include_unsafe=unsafe)
        if again.changed:
            raise FixBrokeAPromise("a second fix pass changed the text again")
        # The fixed text must survive the round trip a write makes.
        outcome.final.text.encode("utf-8", "surrogateescape")


def _save_crash(data: bytes, kind: str) -> Path:
    CORPUS.mkdir(parents=True, exist_ok=True)
    path = CORPUS / f"crash-{hashlib.sha1(data).hexdigest()[:12]}{suffix_of(kind)}"
    path.write_bytes(data)
    return path


def input_tester(kind: str) -> Callable[[bytes], None]:
    """The atheris entry point for ``kind``."""

    def test_one_input(data: bytes) -> None:
        try:
            check(data, kind)
        except Exception:
            print(f"saved {_save_crash(data, kind)}", file=sys.stderr)
            raise

    return test_one_input


_TOKENS = [
    b"\\\n",
    b" \\ \n",
    b"\n",
    b"\r\n",
    b"#",
    b'"',
    b"'",
    b"$(",
    b")",
    b"${",
    b"}",
    b"--fp16 ",
    b"--bf16 True ",
    b"--load_best_model_at_end ",
    b"--eval_strategy no ",
    b"--save_strategy epoch ",
    b"--save_steps 300 ",
    b"--eval_steps 200 ",
    b"torchrun --nproc_per_node 2 src/train.py ",
    b"deepspeed src/train_best.py ",
    b"llamafactory-cli train ",
    b"python -m torch.distributed.run ",
    b"=",
    # Python, YAML, JSON and notebook shapes (harmless noise in a bash script, and vice versa).
    b"TrainingArguments(",
    b"SFTConfig(",
    b'eval_strategy="steps", ',
    b"load_best_model_at_end=True, ",
    b"**kwargs",
    b'subprocess.run(["torchrun", "train.py", "--bf16"])',
    b"eval_strategy: steps\n",
    b"save_strategy: epoch\n",
    b"load_best_model_at_end: true\n",
    b"- ",
    b": ",
    b"&anchor ",
    b"*anchor",
    b'{"fp16": true, ',
    b'"source": [',
    b'"cell_type": "code", ',
    b"!torchrun ",
    b"%%bash\n",
    b"\\n",
    b"\\u00e9",
    b"\xff",
    b"\x00",
    b"\xef\xbb\xbf",
    "中文".encode(),
    "中文".encode("gbk"),
]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        position = rng.randint(0, len(out))
        if choice < 0.4:
            out[position:position] = rng.choice(_TOKENS)
        elif choice < 0.6 and out:
            end = min(len(out), position + rng.randint(1, 16))
            del out[position:end]
        elif choice < 0.8 and out:
            start = rng.randint(0, len(out) - 1)
            chunk = out[start : start + rng.randint(1, 64)]
            out[position:position] = chunk
        else:
            out[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(out[:MAX_INPUT])


def seeds(kind: str) -> list[bytes]:
    """Every file of ``kind`` under fixtures/ (the kept corpus included)."""
    suffixes = {suffix for suffix, known in SUFFIX_KINDS.items() if known == kind}
    paths = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.suffix in suffixes)
    return [path.read_bytes() for path in paths if path.is_file()] or [b""]


def random_loop(kind: str, runs: int, seed: int) -> None:
    """A plain mutation fuzzer for machines without atheris."""
    rng = random.Random(seed)
    pool = seeds(kind)
    started = time.monotonic()
    failures = 0
    for run in range(1, runs + 1):
        data = _mutate(rng.choice(pool), rng)
        try:
            check(data, kind)
        except Exception as error:
            failures += 1
            saved = _save_crash(data, kind)
            print(f"run {run}: {type(error).__name__}: {error}; saved {saved}")
        if run % 1000 == 0:
            print(f"{run} runs, {failures} failures, {time.monotonic() - started:.0f} s")
    elapsed = time.monotonic() - started
    print(f"done: {runs} runs, {failures} failures, {elapsed:.0f} s")
    if failures:
        sys.exit(1)


def _option(args: list[str], name: str, default: str) -> str:
    """The value of ``name`` in ``args``, removed from them (atheris gets the rest)."""
    if name not in args:
        return default
    at = args.index(name)
    value = args[at + 1]
    del args[at : at + 2]
    return value


def main() -> None:
    args = sys.argv[1:]
    kind = _option(args, "--kind", "bash")
    if kind not in set(SUFFIX_KINDS.values()):
        sys.exit(f"unknown --kind {kind}; one of: {', '.join(sorted(set(SUFFIX_KINDS.values())))}")
    if "--runs" in args:
        runs = int(_option(args, "--runs", "0"))
        seed = int(_option(args, "--seed", "0"))
        random_loop(kind, runs, seed)
        return
    try:
        import atheris  # type: ignore[import-not-found]
    except ImportError:
        print("atheris is not installed; running the plain mutation loop", file=sys.stderr)
        random_loop(kind, 20000, 0)
        return
    check(b"", kind)  # load the adapter (imported lazily) so that it is instrumented too
    atheris.instrument_all()  # kefix, tree-sitter's Python side, bashlex: coverage feedback
    atheris.Setup([sys.argv[0], *args], input_tester(kind))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
