"""Oracle matrix: kefix's per-release flag knowledge against each release's real HfArgumentParser.

For every release, a throw-away venv gets ``pip install transformers==V`` (its light
dependencies only; torch is an extra and is not installed). A seeded generator writes several
hundred launches -- TrainingArguments flags drawn from every release kefix knows (renamed,
removed, dashed, abbreviated and misspelt ones included) with valid and invalid values -- and
each launch gets two verdicts:

* the real one: ``HfArgumentParser(TrainingArguments).parse_known_args(argv)`` inside the venv:
  ``ok``, ``argparse`` (exit 2: bad value, ambiguous prefix, missing value or required flag) or
  ``unused`` (leftover words: HfArgumentParser's "Some specified arguments are not used");
* kefix's: ``field_for_option`` / ``option_strings`` / ``convert_value`` for that release, with
  argparse's prefix matching, and the release's required flags.

``__post_init__`` checks are not part of the verdict: they are rules, not flag knowledge.

    python scripts/oracle_matrix.py [--versions 4.40.2,4.46.3,5.25.0] [--launches 400]
                                    [--seed 0] [--venvs DIR] [--show 10]

``--venvs`` (default ``$KEFIX_ORACLE_VENVS`` or ``~/.cache/kefix/oracle-venvs``) keeps the
venvs between runs. Exit status 1 when any verdict differs.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from kefix.knowledge import training_args as knowledge

DEFAULT_VERSIONS = ("4.40.2", "4.46.3", "5.25.0")
DEFAULT_VENVS = pathlib.Path(
    os.environ.get("KEFIX_ORACLE_VENVS", "~/.cache/kefix/oracle-venvs")
).expanduser()

# Runs inside a release's venv: argv lists on stdin, one verdict per launch on stdout.
REAL_PARSER = r"""
import contextlib, io, json, sys
from transformers import HfArgumentParser, TrainingArguments
parser = HfArgumentParser(TrainingArguments)
verdicts = []
for argv in json.load(sys.stdin):
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            _, remaining = parser.parse_known_args(argv)
    except SystemExit:
        lines = stderr.getvalue().strip().splitlines()
        verdicts.append(["argparse", lines[-1] if lines else ""])
        continue
    verdicts.append(["unused", repr(remaining)] if remaining else ["ok", ""])
json.dump(verdicts, sys.stdout)
"""


@dataclass(frozen=True)
class Verdict:
    outcome: str  # ok | argparse | unused
    message: str = ""


# --------------------------------------------------------------------------- launches

_JUNK_FLAGS = ("--eval_strat", "--save_strat", "--learning_r", "--lr", "--no_remove", "--warmup")
_JUNK_FLAGS += ("--per_device_train", "--eval", "--num_train_epoch", "--fp", "--bogus_flag")
_JUNK_FLAGS += ("--evaluation-strategy", "--outputdir", "--no_do_eval", "--no-bf16")

_WORDS = {
    "bool": ([], ["True"], ["false"], ["YES"], ["0"], ["maybe"], ["1", "extra"], ["all"]),
    "bool_value_required": ([], ["true"], ["False"], ["nope"]),
    "int": (["10"], ["-1"], ["1.5"], ["x"], [], ["1", "2"], ["1_000"]),
    "float": (["1e-4"], ["2"], ["-0.5"], ["-1e-4"], ["abc"], [], ["0.1", "0.2"]),
    "str": (["out"], ["a", "b"], [], ["wandb"], ["none"]),
    "dict_or_str": (['{"a": 1}'], ["cfg.json"], []),
    "dict": (['{"a": 1}'], [""], ["x"]),
    "unparseable": (["x"], [""]),
}


def _union_specs(name: str) -> list[knowledge.FieldSpec]:
    specs = []
    for version in knowledge.known_versions():
        spec = knowledge.training_fields(seq2seq=False, version=version).get(name)
        if spec is not None and spec not in specs:
            specs.append(spec)
    return specs


# Values most releases accept for a kind, so that enough launches pass as a whole.
_VALID = {
    "bool": ([], ["True"], ["0"]),
    "bool_value_required": (["true"], ["False"]),
    "int": (["10"], ["-1"]),
    "float": (["1e-4"], ["-0.5"], ["2"]),
    "str": (["out"],),
    "dict_or_str": (['{"a": 1}'],),
    "dict": ([""],),
    "unparseable": (),
}


def _value_pools(specs: Sequence[knowledge.FieldSpec]) -> tuple[list[list[str]], list[list[str]]]:
    """Values a field took in some release (valid there), and every value worth trying."""
    valid: list[list[str]] = []
    pool: list[list[str]] = []
    for spec in specs:
        if spec.kind == "choice":
            valid += [[choice] for choice in spec.choices]
            pool += [[spec.choices[0].upper()], ["epochs"], []]
        elif spec.kind == "list":
            words = list(spec.choices) if spec.element == "enum" else ["labels", "wandb", "x"]
            valid += [words[:1], words[:2]]
            pool += [["bogus"], [], [",".join(words[:2])]]
        else:
            valid += [list(words) for words in _VALID[spec.kind]]
            pool += [list(words) for words in _WORDS[spec.kind]]
    return valid, valid + pool


def generate_launches(count: int, seed: int) -> list[list[str]]:
    """``count`` argv lists, the same for the same seed."""
    rng = random.Random(seed)
    names = sorted(
        {
            name
            for version in knowledge.known_versions()
            for name in knowledge.training_fields(seq2seq=False, version=version)
        }
    )
    pools = {name: _value_pools(_union_specs(name)) for name in names}
    launches = []
    for _ in range(count):
        argv: list[str] = []
        if rng.random() < 0.85:
            argv += ["--output_dir", "out"]
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.1:
                argv.append(rng.choice(_JUNK_FLAGS))
                argv += rng.choice([[], ["epoch"], ["1e-4"]])
                continue
            name = rng.choice(names)
            spelling = rng.random()
            if spelling < 0.2:
                flag = "--" + name.replace("_", "-")
            elif spelling < 0.3:
                flag = "--no_" + name
            else:
                flag = "--" + name
            valid, every = pools[name]
            words = list(rng.choice(valid if valid and rng.random() < 0.6 else every))
            if words and rng.random() < 0.2:
                argv.append(f"{flag}={words[0]}")
                argv += words[1:]
            else:
                argv += [flag, *words]
        launches.append(argv)
    return launches


# --------------------------------------------------------------------------- kefix's verdict


def _option_like(word: str) -> bool:
    # argparse: an exact or prefix match (also before '=') is an option even with a space.
    return knowledge._is_option_like(word) or (word.startswith("--") and "=" in word)


def _resolve_flag(
    word: str, version: str
) -> tuple[tuple[knowledge.FieldSpec, bool] | None, str | None, str]:
    """(field, negated) for a flag word, the attached value, and how it failed (if it did)."""
    option, equals, value = word.partition("=")
    attached = value if equals else None
    found = knowledge.field_for_option(option, seq2seq=False, version=version)
    if found is not None:
        return found, attached, ""
    # argparse's prefix matching: every option string starting with the word counts.
    matches = sorted(
        o for o in knowledge.option_strings(version, seq2seq=False) if o.startswith(option)
    )
    if len(matches) > 1:
        return None, attached, "ambiguous option: " + option
    if len(matches) == 1:
        return knowledge.field_for_option(matches[0], False, version), attached, ""
    return None, attached, "unknown"


def kefix_verdict(argv: Sequence[str], version: str) -> Verdict:
    """What kefix's knowledge of ``version`` says HfArgumentParser makes of ``argv``.

    The order of errors is argparse's: it classifies every word first (so an ambiguous prefix
    anywhere wins), then converts values left to right, then checks required flags; leftover
    words are HfArgumentParser's complaint, after all of that.
    """
    groups: list[tuple[str, list[str]]] = []
    unused: list[str] = []
    for word in argv:
        if _option_like(word):
            groups.append((word, []))
        elif groups:
            groups[-1][1].append(word)
        else:
            unused.append(word)
    resolved = []
    for word, words in groups:
        found, attached, problem = _resolve_flag(word, version)
        if problem.startswith("ambiguous"):
            return Verdict("argparse", problem)
        resolved.append((word, words, found, attached))
    seen: set[str] = set()
    for word, words, found, attached in resolved:
        if found is None:
            unused += [word, *words]
            continue
        spec, negated = found
        seen.add(spec.name)
        values = ([attached] if attached is not None else []) + words
        try:
            knowledge.convert_value(spec, values, negated=negated, attached=attached is not None)
        except knowledge.InvalidFlagValue as error:
            if not str(error).startswith("Some specified arguments are not used"):
                # argparse names an action by all its option strings.
                named = "/".join(spec.negations if negated else spec.options)
                return Verdict("argparse", f"argument {named}: {error}")
            unused.append(str(error))
    fields = knowledge.training_fields(seq2seq=False, version=version)
    missing = [f"--{name}" for name, spec in fields.items() if spec.required and name not in seen]
    if missing:
        return Verdict("argparse", "the following arguments are required: " + ", ".join(missing))
    if unused:
        return Verdict("unused", repr(unused))
    return Verdict("ok")


# --------------------------------------------------------------------------- real verdicts


def ensure_venv(version: str, root: pathlib.Path) -> pathlib.Path:
    """The python of a venv holding transformers ``version`` (created once; no torch)."""
    venv = root / f"venv-{version}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"transformers=={version}"],
            check=True,
        )
    return python


def real_verdicts(python: pathlib.Path, launches: Sequence[Sequence[str]]) -> list[Verdict]:
    result = subprocess.run(
        [str(python), "-c", REAL_PARSER],
        input=json.dumps(launches),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"},
    )
    return [Verdict(outcome, message) for outcome, message in json.loads(result.stdout)]


@dataclass(frozen=True)
class Disagreement:
    version: str
    argv: tuple[str, ...]
    real: Verdict
    ours: Verdict


def compare(
    version: str, launches: Sequence[Sequence[str]], real: Sequence[Verdict]
) -> list[Disagreement]:
    """Launches whose kefix outcome differs from the real parser's for ``version``."""
    known = knowledge.release_for(version)
    found = []
    for argv, verdict in zip(launches, real, strict=True):
        ours = kefix_verdict(argv, known)
        if ours.outcome != verdict.outcome:
            found.append(Disagreement(version, tuple(argv), verdict, ours))
    return found


def same_message(ours: Verdict, real: Verdict) -> bool:
    """For argparse errors: kefix's text is the real message (the real one adds usage/prog)."""
    return ours.outcome != "argparse" or ours.message in real.message


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--versions", default=",".join(DEFAULT_VERSIONS))
    options.add_argument("--launches", type=int, default=400)
    options.add_argument("--seed", type=int, default=0)
    options.add_argument("--venvs", type=pathlib.Path, default=DEFAULT_VENVS)
    options.add_argument("--show", type=int, default=10, help="disagreements to print per release")
    arguments = options.parse_args(argv)
    launches = generate_launches(arguments.launches, arguments.seed)
    total = disagreeing = 0
    for version in arguments.versions.split(","):
        python = ensure_venv(version.strip(), arguments.venvs)
        real = real_verdicts(python, launches)
        found = compare(version.strip(), launches, real)
        outcomes = {o: sum(v.outcome == o for v in real) for o in ("ok", "argparse", "unused")}
        known = knowledge.release_for(version.strip())
        texts = [
            same_message(kefix_verdict(argv, known), verdict)
            for argv, verdict in zip(launches, real, strict=True)
            if verdict.outcome == "argparse"
        ]
        print(
            f"{version}: {len(launches) - len(found)}/{len(launches)} agree; real {outcomes}; "
            f"argparse message identical in {sum(texts)}/{len(texts)}"
        )
        for item in found[: arguments.show]:
            print(f"  {' '.join(item.argv)}")
            print(f"    real:  {item.real.outcome} {item.real.message}")
            print(f"    kefix: {item.ours.outcome} {item.ours.message}")
        total += len(launches)
        disagreeing += len(found)
    print(f"total: {total - disagreeing}/{total} launch x release verdicts agree")
    return 1 if disagreeing else 0


if __name__ == "__main__":
    sys.exit(main())
