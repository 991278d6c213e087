"""Regenerate kefix/knowledge/frameworks.json from released LLaMA-Factory, ms-swift, TRL and
axolotl packages, read statically.

Each release is downloaded (``pip download --no-deps``: a wheel, or an sdist where PyPI has no
wheel, as for axolotl before 0.18) and read with ``kefix.knowledge.framework_source`` -- the same
reader kefix uses on an installed or vendored copy -- never imported. For every command of the
framework's CLI it records the parser's classes, the transformers class they extend, and each
field the framework declares (including the TrainingArguments fields it overrides) with its
default when that default is a literal.

    python scripts/generate_framework_knowledge.py [--cache DIR] [--output PATH]
                                                   [--only FRAMEWORK==VERSION,...]

``--cache`` (default ``$KEFIX_WHEEL_CACHE`` or ``~/.cache/kefix/wheels``) keeps the downloads so
a second run needs no network. ``--only`` reads just those releases and prints their data
instead of writing the file (the consistency test uses it).

The releases read are chosen by hand, a few per framework spanning recent history (``RELEASES``):
the data is per release read; a release between two read ones is not modelled, and kefix says so.
Output is deterministic: one line per field, segments over consecutive releases read.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.version import Version

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from kefix.knowledge.framework_source import (  # noqa: E402
    FRAMEWORK_RECIPES,
    CommandModel,
    NonLiteral,
    SourceTree,
    commands_in,
)

DEFAULT_OUTPUT = REPOSITORY / "kefix" / "knowledge" / "frameworks.json"
DEFAULT_CACHE = pathlib.Path(
    os.environ.get("KEFIX_WHEEL_CACHE", "~/.cache/kefix/wheels")
).expanduser()

# PyPI distribution name and the releases read, oldest first.
RELEASES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "llamafactory": ("llamafactory", ("0.8.3", "0.9.0", "0.9.2", "0.9.3", "0.9.4", "0.9.5")),
    "ms-swift": ("ms-swift", ("2.6.1", "3.0.3", "3.5.3", "3.9.3", "3.12.6", "4.0.4", "4.6.0")),
    "trl": ("trl", ("0.12.2", "0.19.1", "0.24.0", "0.29.1", "1.0.0", "1.16.0")),
    "axolotl": ("axolotl", ("0.8.1", "0.10.0", "0.13.2", "0.18.0", "0.19.0")),
}


def download(requirements: Sequence[str], cache: pathlib.Path, *, binary_only: bool) -> None:
    """``pip download --no-deps`` of several releases in one run (``name==version`` each)."""
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(cache)]
    if binary_only:
        command.append("--only-binary=:all:")
    subprocess.run([*command, *requirements], check=True)


def archive_path(distribution: str, version: str, cache: pathlib.Path) -> pathlib.Path:
    """The cached wheel (or sdist) of a release, downloaded first when the cache lacks it."""
    stem = distribution.replace("-", "_")

    def cached() -> list[pathlib.Path]:
        found = [
            *cache.glob(f"{stem}-{version}-*.whl"),
            *cache.glob(f"{distribution}-{version}-*.whl"),
            *cache.glob(f"{stem}-{version}.tar.gz"),
            *cache.glob(f"{distribution}-{version}.tar.gz"),
        ]
        return sorted(set(found), key=lambda path: (not path.name.endswith(".whl"), path.name))

    found = cached()
    if found:
        return found[0]
    download([f"{distribution}=={version}"], cache, binary_only=False)
    found = cached()
    if not found:
        raise FileNotFoundError(f"pip download left no archive for {distribution} {version}")
    return found[0]


def _default(value: Any) -> dict[str, Any]:
    """A field's default as stored: ``{"default": v}`` for a literal, ``{"computed": text}``
    for one made at run time, ``{"required": true}`` without default."""
    if isinstance(value, NonLiteral):
        return {"computed": value.expression[:40]}
    if isinstance(value, dict) and value == {"required": True}:
        return {"required": True}
    return {"default": value}


def release_data(framework: str, version: str, cache: pathlib.Path) -> dict[str, CommandModel]:
    distribution, _ = RELEASES[framework]
    tree = SourceTree.from_archive(archive_path(distribution, version, cache))
    return commands_in(tree, framework)


def build_document(
    read: Mapping[str, Mapping[str, Mapping[str, CommandModel]]],
) -> dict[str, Any]:
    """``read[framework][version][command]`` as the knowledge document.

    Per framework: ``commands`` -- per command, segments of its parser (classes, transformers
    base); ``fields`` -- per option name, segments ``{"from", "to", default, "in"}`` over the
    releases read, where ``in`` lists the commands that have the option with that default
    (left out when every command of those releases has it). Commands share most options
    (``swift sft``/``pt``/``rlhf``), so an option is stored once, not per command.
    """
    frameworks: dict[str, Any] = {}
    for framework, by_version in read.items():
        versions = sorted(by_version, key=Version)
        commands: dict[str, list[dict[str, Any]]] = {}
        fields: dict[str, list[dict[str, Any]]] = {}
        for version in versions:
            models = by_version[version]
            for command, model in sorted(models.items()):
                parser = {"classes": list(model.classes), "training_base": model.training_base}
                _extend(commands.setdefault(command, []), version, parser, versions)
            names = sorted({name for model in models.values() for name in model.fields})
            for name in names:
                groups: dict[str, list[str]] = {}
                for command, model in sorted(models.items()):
                    fact = model.fields.get(name)
                    if fact is not None:
                        key = json.dumps(_default(fact.default), sort_keys=True)
                        groups.setdefault(key, []).append(command)
                for key, having in groups.items():
                    entry = json.loads(key)
                    if len(having) < len(models):
                        entry["in"] = having
                    _extend(fields.setdefault(name, []), version, entry, versions)
        frameworks[framework] = {
            "distribution": RELEASES[framework][0],
            "package": FRAMEWORK_RECIPES[framework].package,
            "versions": versions,
            "commands": commands,
            "fields": fields,
        }
    return {"frameworks": frameworks}


def _extend(
    segments: list[dict[str, Any]], version: str, entry: dict[str, Any], versions: Sequence[str]
) -> None:
    """Add ``version`` to a segment holding the same entry up to the previous release read,
    else open a new segment."""
    position = versions.index(version)
    previous = versions[position - 1] if position else None
    for segment in segments:
        same = {key: value for key, value in segment.items() if key not in ("from", "to")}
        if same == entry and segment["to"] == previous:
            segment["to"] = version
            return
    segments.append({"from": version, "to": version, **entry})


def render(document: Mapping[str, Any]) -> str:
    """Deterministic JSON, one line per option, so a regeneration diff reads option by option."""
    lines = ["{", '  "frameworks": {']
    frameworks = document["frameworks"]
    for position, (framework, data) in enumerate(sorted(frameworks.items())):
        lines.append(f"    {json.dumps(framework)}: {{")
        lines.append(f'      "distribution": {json.dumps(data["distribution"])},')
        lines.append(f'      "package": {json.dumps(data["package"])},')
        lines.append(f'      "versions": {json.dumps(data["versions"])},')
        lines.append('      "commands": {')
        commands = sorted(data["commands"].items())
        for index, (command, parsers) in enumerate(commands):
            comma = "," if index < len(commands) - 1 else ""
            lines.append(
                f"        {json.dumps(command)}: {json.dumps(parsers, sort_keys=True)}{comma}"
            )
        lines.append("      },")
        lines.append('      "fields": {')
        names = sorted(data["fields"])
        for index, name in enumerate(names):
            comma = "," if index < len(names) - 1 else ""
            entry = json.dumps(data["fields"][name], sort_keys=True)
            lines.append(f"        {json.dumps(name)}: {entry}{comma}")
        lines.append("      }")
        lines.append("    }" + ("," if position < len(frameworks) - 1 else ""))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=pathlib.Path, default=DEFAULT_CACHE)
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--only",
        help="FRAMEWORK==VERSION,...: read only these releases and print their data as JSON",
    )
    options = parser.parse_args(argv)
    if options.only:
        printed: dict[str, dict[str, Any]] = {}
        for item in options.only.split(","):
            framework, _, version = item.partition("==")
            models = release_data(framework, version, options.cache)
            printed.setdefault(framework, {})[version] = {
                command: {
                    "classes": list(model.classes),
                    "training_base": model.training_base,
                    "fields": {
                        name: {"owner": fact.owner, **_default(fact.default)}
                        for name, fact in model.fields.items()
                    },
                }
                for command, model in models.items()
            }
        print(json.dumps(printed, indent=1, sort_keys=True))
        return 0
    read = {
        framework: {
            version: release_data(framework, version, options.cache) for version in versions
        }
        for framework, (_, versions) in RELEASES.items()
    }
    text = render(build_document(read))
    options.output.write_text(text, encoding="utf-8")
    print(f"wrote {options.output} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
