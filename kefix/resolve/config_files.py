"""The config-file layer: files a launch names (``llamafactory-cli train cfg.yaml``,
``python train.py cfg.json``, ``--config cfg.yaml``), read as values between the defaults and
the launch's own flags.

Their values carry origins at the file's lines but no ``arg``: the launch does not write them,
so a fix never edits the launch to change them. A finding that the file alone causes is the
file's: it is reported when the file itself is checked (``owned_by_file``), not again on every
launch that names it.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from kefix.model import ConfigRef, Launch
from kefix.paths import display_path
from kefix.resolve import filesystem
from kefix.resolve.entry_script import locate_relative


class NamedConfig(msgspec.Struct, frozen=True):
    """A config file a launch names, as far as kefix could read it.

    ``launch`` is the file read as a config launch in the format the launcher gives it
    (None with ``problem`` saying why: not found, not parseable, not a mapping).
    """

    ref: ConfigRef
    path: Path | None
    display: str
    text: str = ""
    launch: Launch | None = None
    format: str = ""
    problem: str = ""


def read_named_config(
    ref: ConfigRef, launch: Launch, script: Path, roots: list[Path]
) -> NamedConfig:
    """Locate and read the file ``ref`` names (relative to where the launch runs)."""
    path = locate_relative(ref.path, launch, script, roots)
    if path is None:
        return NamedConfig(ref, None, ref.path, problem=f"config file {ref.path} not found")
    display = display_path(path)
    try:
        text = filesystem.read_text(path)
    except OSError as error:
        return NamedConfig(ref, path, display, problem=f"{display}: {error.strerror or error}")
    from kefix.sources.config.adapter import read_document
    from kefix.sources.config.document import ConfigSyntaxError
    from kefix.sources.config.launches import config_launch
    from kefix.sources.config.schema import named_format

    syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    document = read_document(text, syntax)
    if isinstance(document, ConfigSyntaxError):
        return NamedConfig(ref, path, display, text, problem=f"{display}: {document}")
    config_format = None if document is None else named_format(document, launch.launcher, ref.flag)
    if document is None or config_format is None:
        why = f"{display} is not a training config kefix can read"
        return NamedConfig(ref, path, display, text, problem=why)
    file_launch = config_launch(display, document, config_format)
    return NamedConfig(ref, path, display, text, file_launch, config_format.value)
