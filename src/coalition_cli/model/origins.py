"""Where a handbook's words come from: the source a file names, and the file each entry came from.

The shipped handbook's words are the article's. Every other file is a reader's own: its entries are
marked as theirs wherever they appear, and cited as what their file names as its source, or as
their notes (citations.py); what it adds to an entry beneath (extend:) is marked with its name. A
reader's quote is the article's only where the shipped handbook quotes the same words.
"""

from __future__ import annotations

import os

from coalition_cli.model.inert import one_line
from coalition_cli.model.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from coalition_cli.model.handbook import Entry, Quote


class SourceInfo(Record):
    """The document a handbook file rests on, as its top-level `source:` gives it."""

    __slots__ = ("title", "lead", "note", "author", "date", "url", "publisher")

    def __init__(
        self,
        title: str,
        lead: str | None = None,
        note: str | None = None,
        author: str | None = None,
        date: str | None = None,
        url: str | None = None,
        publisher: str | None = None,
    ) -> None:
        self.title = title
        self.lead = lead
        self.note = note
        self.author = author
        self.date = date
        self.url = url
        self.publisher = publisher

    def to_data(self) -> dict[str, str]:
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) is not None}


class Origin(Record):
    """One file of a stack: its name as shown, whether it is the shipped handbook (whose words
    are the article's), and the source it names itself, if any. Entries of any other file are
    the reader's own, and are marked and cited as theirs."""

    __slots__ = ("file", "shipped", "source")

    def __init__(self, file: str, shipped: bool, source: SourceInfo | None = None) -> None:
        self.file = file
        self.shipped = shipped
        self.source = source if source is not None and source.title else None

    @property
    def name(self) -> str:
        """The file's own name, inert: how a mark or a citation names it."""
        return one_line(os.path.basename(self.file))

    def to_json(self) -> dict[str, Any]:
        # The shipped handbook by its own name: where a package was installed says nothing of origin.
        return {"file": "handbook.yaml" if self.shipped else self.file, "shipped": self.shipped}


def origin_in(origins: Iterable[Origin], file: str) -> Origin:
    """The origin of an entry that came from `file`: a file not among them is the reader's."""
    return next((origin for origin in origins if origin.file == file), None) or Origin(file, False)


def section_quoting(quotes: Iterable[Quote], text: str) -> str | None:
    """The section of the first of these quotes (the shipped handbook's) that holds the words as
    written, spacing aside: where the article says them. None if none does."""
    words = " ".join(text.split())
    return next((quote.section for quote in quotes if words and words in " ".join(quote.text.split())), None)


class Extension(Record):
    """What a later handbook adds to an entry defined in a handbook beneath it."""

    __slots__ = ("id", "aliases", "note", "related", "origin", "index")

    def __init__(
        self,
        id: str,
        aliases: tuple[str, ...] = (),
        note: str | None = None,
        related: tuple[str, ...] = (),
        origin: str = "",
        index: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.aliases = aliases
        self.note = note
        self.related = related
        self.origin = origin
        self.index = index


def extended(entry: Entry, extension: Extension) -> Entry:
    """An entry with what a later handbook adds to it. Extensions only add: aliases and related ids
    (each once, in order) and a note, as a paragraph of its own that names the file it came from,
    since it is the reader's and not the source's."""
    note = entry.note
    if extension.note:
        # The file's name made inert: a name may hold any character, a note may not.
        added = f"{one_line(os.path.basename(extension.origin))}: {extension.note}"
        note = f"{note}\n\n{added}" if note else added
    return entry.replace(
        aliases=tuple(dict.fromkeys(entry.aliases + extension.aliases)),
        related=tuple(dict.fromkeys(entry.related + extension.related)),
        index=tuple(dict.fromkeys(entry.index + extension.index)),
        note=note,
    )
