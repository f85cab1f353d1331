"""The handbook's model: entries of five kinds, the words readers use for kinds, and name folding.

Nothing here imports typer, rich or yaml: the model is plain data that the loader builds and the
renderers read.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from coalition_cli.errors import Problem, UsageProblem

KINDS: tuple[str, ...] = ("section", "actor", "figure", "fact", "term")
PLURALS: dict[str, str] = {
    "section": "sections",
    "actor": "actors",
    "figure": "figures",
    "fact": "facts",
    "term": "terms",
}
# Words a reader may type for a kind; "person" and "people" read better than "figure" for key people.
KIND_WORDS: dict[str, str] = {
    **{kind: kind for kind in KINDS},
    **{plural: kind for kind, plural in PLURALS.items()},
    "person": "figure",
    "people": "figure",
}
# Actors and figures have a `name`; the other kinds a `title`. Both end up in Entry.title.
TITLE_KEYS: dict[str, str] = {
    "section": "title",
    "actor": "name",
    "figure": "name",
    "fact": "title",
    "term": "title",
}
# The fields particular to each kind, in the order they are shown.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "section": ("key_points", "mentions"),
    "actor": ("type", "member", "role", "contributions", "differences"),
    "figure": ("role",),
    "fact": ("date", "value", "unit", "qualifier"),
    "term": ("stands_for",),
}
# How each kind-specific field is labelled wherever an entry is shown or searched.
FIELD_LABELS: dict[str, str] = {
    "type": "Type",
    "member": "Coalition member",
    "role": "Role",
    "contributions": "Contributions",
    "differences": "Differs from its partners",
    "date": "Date",
    "stands_for": "Stands for",
    "key_points": "Key points",
    "mentions": "Mentions",
}
# The source's opening paragraph has no heading of its own, so it is not a section; entries that rest
# on it cite this id instead.
LEAD = "lead"
LEAD_TITLE = "opening paragraph"

Value = str | bool | int | float | tuple[str, ...]


def parse_kind(word: str) -> str:
    """Return the kind a reader's word names (`actors`, `people`...), or raise a usage problem."""
    kind = KIND_WORDS.get(word.strip().lower())
    if kind is None:
        import difflib

        close = difflib.get_close_matches(word.lower(), list(KIND_WORDS), n=1)
        hint = f" (did you mean: {close[0]}?)" if close else ""
        raise UsageProblem(f'unknown kind "{word}"{hint}; kinds are: {", ".join(KINDS)}')
    return kind


def unaccent(text: str) -> str:
    """Text in lower case without accents: "Qāssem" becomes "qassem"."""
    if text.isascii():
        return text.lower()  # most text, and much faster than decomposing it
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Fold a name for matching: no case, no accents, no dots or apostrophes, punctuation as spaces."""
    bare = unaccent(text)
    bare = re.sub(r"[.'\u2018\u2019`]", "", bare)
    return " ".join(re.split(r"[\W_]+", bare)).strip()


@dataclass(frozen=True)
class Quote:
    """Words copied exactly from the source, with the section they come from."""

    text: str
    section: str


@dataclass(frozen=True)
class Entry:
    """One entry of the handbook. `details` holds the fields particular to its kind, in file order."""

    kind: str
    id: str
    title: str
    summary: str
    related: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    quote: Quote | None = None
    note: str | None = None
    details: Mapping[str, Value] = field(default_factory=dict)
    origin: str = ""

    @property
    def date(self) -> str | None:
        value = self.details.get("date")
        return value if isinstance(value, str) else None

    @property
    def quantity(self) -> str | None:
        """A fact's number with its qualifier and unit: "28,500 troops", "more than 1 decade"."""
        value = self.details.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        parts = [self.details.get("qualifier"), f"{value:,}", self.details.get("unit")]
        return " ".join(str(part) for part in parts if part)

    @property
    def mentions(self) -> tuple[str, ...]:
        value = self.details.get("mentions", ())
        return value if isinstance(value, tuple) else ()

    @classmethod
    def from_data(cls, kind: str, data: Mapping[str, Any], origin: str = "") -> Entry:
        """Rebuild an entry from `to_data()` output, which the loader has already validated."""
        quote = data.get("quote")
        details: dict[str, Value] = {}
        for key in KIND_FIELDS[kind]:
            if key in data:
                value = data[key]
                details[key] = tuple(value) if isinstance(value, list) else value
        return cls(
            kind=kind,
            id=data["id"],
            title=data["title"] if "title" in data else data[TITLE_KEYS[kind]],
            summary=data["summary"],
            related=tuple(data.get("related", ())),
            source=tuple(data.get("source", ())),
            aliases=tuple(data.get("aliases", ())),
            quote=Quote(quote["text"], quote["section"]) if quote else None,
            note=data.get("note"),
            details=details,
            origin=origin,
        )

    def names(self) -> list[str]:
        """Every name the entry answers to: id, title and aliases."""
        return [self.id, self.title, *self.aliases]

    def to_data(self) -> dict[str, Any]:
        """The entry as plain data in the handbook file's shape, with `title` for every kind (a
        handbook file may say `name` for actors and figures; both are read)."""
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.aliases:
            data["aliases"] = list(self.aliases)
        for key, value in self.details.items():
            data[key] = list(value) if isinstance(value, tuple) else value
        data["summary"] = self.summary
        data["related"] = list(self.related)
        data["source"] = list(self.source)
        if self.quote is not None:
            data["quote"] = {"text": self.quote.text, "section": self.quote.section}
        if self.note is not None:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class SourceInfo:
    """The document the handbook rests on."""

    title: str
    lead: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Extension:
    """What a later handbook adds to an entry defined in a handbook beneath it."""

    id: str
    aliases: tuple[str, ...] = ()
    note: str | None = None
    related: tuple[str, ...] = ()
    origin: str = ""


@dataclass
class Handbook:
    """All entries of one handbook file, in file order, with lookups by id and kind."""

    title: str
    source: SourceInfo
    entries: tuple[Entry, ...]
    path: str = ""
    format: int = 1
    variants: tuple[tuple[str, ...], ...] = ()
    base: str | None = None  # "bundled": this handbook adds to the shipped one
    extensions: tuple[Extension, ...] = ()  # what it adds to entries of the handbooks beneath it
    files: tuple[str, ...] = ()  # the files it was read from, bottom layer first
    warnings: tuple[Problem, ...] = ()  # collisions between layers, told on every run
    _by_id: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {entry.id: entry for entry in self.entries}

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def of_kind(self, kind: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def source_title(self, source_id: str) -> str:
        """A section's heading, or a description of the lead, for citing where a claim comes from."""
        if source_id == LEAD:
            return LEAD_TITLE
        section = self.get(source_id)
        return section.title if section is not None else source_id

    def to_data(self) -> dict[str, Any]:
        """The whole handbook in its file's shape, so an export can be loaded back as a handbook."""
        source: dict[str, Any] = {"title": self.source.title}
        if self.source.lead is not None:
            source["lead"] = self.source.lead
        if self.source.note is not None:
            source["note"] = self.source.note
        data: dict[str, Any] = {"format": self.format, "title": self.title, "source": source}
        if self.variants:
            data["variants"] = [list(group) for group in self.variants]
        for kind in KINDS:
            data[PLURALS[kind]] = [entry.to_data() for entry in self.of_kind(kind)]
        return data


def layered(bottom: Handbook, top: Handbook) -> Handbook:
    """The top handbook's entries added to the bottom's, and its extensions applied to them.

    Extensions only add: aliases and related ids (each once, in order) and a note, as a paragraph
    of its own that names the file it came from, since it is the reader's and not the source's.
    """
    entries = {entry.id: entry for entry in bottom.entries}
    for extension in top.extensions:
        entry = entries[extension.id]
        note = entry.note
        if extension.note:
            added = f"{os.path.basename(extension.origin)}: {extension.note}"
            note = f"{note}\n\n{added}" if note else added
        entries[extension.id] = replace(
            entry,
            aliases=tuple(dict.fromkeys(entry.aliases + extension.aliases)),
            related=tuple(dict.fromkeys(entry.related + extension.related)),
            note=note,
        )
    entries.update((entry.id, entry) for entry in top.entries)
    return Handbook(
        title=bottom.title,
        source=bottom.source,
        entries=tuple(entries.values()),
        path=f"{bottom.path}{os.pathsep}{top.path}",
        format=bottom.format,
        variants=bottom.variants + top.variants,
        files=(bottom.files or (bottom.path,)) + (top.files or (top.path,)),
        warnings=bottom.warnings + top.warnings,
    )


class HandbookView(Protocol):
    """What the renderers and commands read: the in-memory Handbook and the cached Store alike."""

    title: str
    source: SourceInfo
    variants: tuple[tuple[str, ...], ...]
    format: int
    path: str
    files: tuple[str, ...]

    @property
    def entries(self) -> tuple[Entry, ...]: ...

    def get(self, entry_id: str) -> Entry | None: ...

    def of_kind(self, kind: str) -> list[Entry]: ...

    def source_title(self, source_id: str) -> str: ...


def label(entry: Entry, kind: str | None = None) -> str:
    """How to name an entry in a message: just the id when the kind is already given."""
    return entry.id if kind else f"{entry.kind} {entry.id}"
