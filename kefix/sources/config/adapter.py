"""The YAML and JSON adapters as the fix engine sees them (``kefix.sources.SourceAdapter``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import msgspec

from kefix.model import Arg, DetachedArgs, Edit, Finding, Intent, Launch, Span
from kefix.sources import CannotRender, ParsedSource, could_not_parse
from kefix.sources.config import render
from kefix.sources.config.document import ConfigSyntaxError, Document
from kefix.sources.config.launches import config_launch, deepspeed_launch
from kefix.sources.config.schema import (
    is_deepspeed_config,
    mentions_deepspeed_keys,
    mentions_training_keys,
    training_format,
)
from kefix.sources.config.verify import data_difference


@functools.lru_cache(maxsize=32)
def read_document(text: str, syntax: str) -> Document | ConfigSyntaxError | None:
    """The one document of ``text``; the syntax error; or None for several (or no) documents.

    Cached by text (a Document is frozen): a fix plans its edits on, and verifies against, texts
    the analysis has just read.
    """
    try:
        if syntax == "json":
            from kefix.sources.config.json_reader import read_json

            return read_json(text)
        from kefix.sources.config.yaml_reader import read_yaml

        documents = read_yaml(text)
    except ConfigSyntaxError as error:
        return error
    return documents[0] if len(documents) == 1 else None


class ConfigAdapter(msgspec.Struct, frozen=True):
    """Reads a file as a training config when it looks like one; anything else yields nothing."""

    kind: str
    syntax: str

    def parse(self, path: str, text: str) -> ParsedSource:
        comments = self._comments(text)
        training = mentions_training_keys(text, self.syntax)
        deepspeed = self.syntax == "json" and mentions_deepspeed_keys(text)
        if not training and not deepspeed:
            return ParsedSource(path, (), (), comments)
        document = read_document(text, self.syntax)
        if isinstance(document, ConfigSyntaxError):
            problems = (_could_not_parse(path, document),) if training else ()
            return ParsedSource(path, (), problems, comments)
        if document is not None and deepspeed and is_deepspeed_config(document):
            # Checked only for the launches that pass it: alone it has no findings.
            return ParsedSource(path, (deepspeed_launch(path, document),), (), comments)
        config_format = None if document is None else training_format(document)
        if document is None or config_format is None:
            return ParsedSource(path, (), (), comments)
        return ParsedSource(path, (config_launch(path, document, config_format),), (), comments)

    def _comments(self, text: str) -> tuple[Span, ...]:
        if self.syntax != "yaml":
            return ()
        from kefix.sources.config.comments import yaml_comments

        return yaml_comments(text)

    def document(self, text: str) -> Document:
        document = read_document(text, self.syntax)
        if not isinstance(document, Document):
            raise CannotRender("the file no longer reads as one document")
        return document

    def set_value(
        self, text: str, launch: Launch, arg: Arg, name: str, value: str | bool
    ) -> list[Edit]:
        document = self.document(text)
        entry, _ = render.entry_at(document, arg.flag_span)
        return render.set_value(document, entry, name, value)

    def insert_arg(
        self, text: str, launch: Launch, anchor: Arg | None, name: str, value: str | bool
    ) -> list[Edit]:
        document = self.document(text)
        anchor_entry = None if anchor is None else render.entry_at(document, anchor.flag_span)[0]
        return render.insert_entry(document, document.root, anchor_entry, name, value)

    def remove_arg(self, text: str, launch: Launch, arg: Arg) -> list[Edit]:
        document = self.document(text)
        entry, mapping = render.entry_at(document, arg.flag_span)
        return render.remove_entry(document, mapping, entry)

    def rename_arg(self, text: str, launch: Launch, arg: Arg, new_name: str) -> list[Edit]:
        document = self.document(text)
        entry, _ = render.entry_at(document, arg.flag_span)
        return render.rename_key(document, entry, new_name)

    def repair(self, text: str, launch: Launch, detached: DetachedArgs) -> list[Edit]:
        raise CannotRender("config files have no continuations to repair")

    def verify(
        self,
        before_text: str,
        after_text: str,
        old_launch: Launch,
        new_launch: Launch,
        intents: Sequence[Intent],
    ) -> str:
        before = read_document(before_text, self.syntax)
        if not isinstance(before, Document):
            return "the original file does not read as one document"
        # Keys the fix respells for the target release count as the intents' own.
        renamed = {a.name for a in old_launch.args} ^ {a.name for a in new_launch.args}
        return data_difference(
            before, read_document(after_text, self.syntax), intents, frozenset(renamed)
        )


def _could_not_parse(path: str, error: ConfigSyntaxError) -> Finding:
    return could_not_parse(path, Span(error.offset, error.offset), str(error))


YAML = ConfigAdapter("yaml", "yaml")
JSON = ConfigAdapter("json", "json")

__all__ = ["JSON", "YAML", "ConfigAdapter", "read_document"]
