"""The handbook's model: entries of five kinds, the words readers use for kinds, and name folding.

Nothing here imports typer, rich or yaml: the model is plain data that the loader builds and the
renderers read.
"""

from __future__ import annotations

import os
import re

from coalition_cli.errors import UsageProblem

TYPE_CHECKING = False  # typing is not imported at run time: it costs a lookup a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Protocol

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

if TYPE_CHECKING:
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
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# ASCII folded by one table: dots and apostrophes dropped, every other character that is not a
# letter or digit a space (as the regular expressions below do, for all of Unicode).
_ASCII_FOLD = str.maketrans(
    {chr(c): None if chr(c) in ".'`" else " " for c in range(128) if not chr(c).isalnum() and chr(c) != " "}
)


def fold(text: str) -> str:
    """Fold a name for matching: no case, no accents, no dots or apostrophes, punctuation as spaces."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    bare = unaccent(text)
    bare = re.sub(r"[.'\u2018\u2019`]", "", bare)
    return " ".join(re.split(r"[\W_]+", bare)).strip()


class Record:
    """A small value treated as immutable: its fields in `__slots__`, equality and repr from them.

    Not a dataclass: importing dataclasses (and the inspect module it needs) costs more than a
    whole cached lookup.
    """

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Quote(Record):
    """Words copied exactly from the source, with the section they come from."""

    __slots__ = ("text", "section")

    def __init__(self, text: str, section: str) -> None:
        self.text = text
        self.section = section


class Entry(Record):
    """One entry of the handbook. `details` holds the fields particular to its kind, in file order."""

    __slots__ = ("kind", "id", "title", "summary", "related", "source", "aliases", "quote", "note", "details", "origin")

    def __init__(
        self,
        kind: str,
        id: str,
        title: str,
        summary: str,
        related: tuple[str, ...] = (),
        source: tuple[str, ...] = (),
        aliases: tuple[str, ...] = (),
        quote: Quote | None = None,
        note: str | None = None,
        details: Mapping[str, Value] | None = None,
        origin: str = "",
    ) -> None:
        self.kind = kind
        self.id = id
        self.title = title
        self.summary = summary
        self.related = related
        self.source = source
        self.aliases = aliases
        self.quote = quote
        self.note = note
        self.details: Mapping[str, Value] = details if details is not None else {}
        self.origin = origin

    def __hash__(self) -> int:
        return hash((self.kind, self.id))

    def replace(self, **changes: object) -> Entry:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Entry(**fields)

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
        """Rebuild an entry from `to_data()` output."""
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


class SourceInfo(Record):
    """The document the handbook rests on."""

    __slots__ = ("title", "lead", "note")

    def __init__(self, title: str, lead: str | None = None, note: str | None = None) -> None:
        self.title = title
        self.lead = lead
        self.note = note


class Extension(Record):
    """What a later handbook adds to an entry defined in a handbook beneath it."""

    __slots__ = ("id", "aliases", "note", "related", "origin")

    def __init__(
        self,
        id: str,
        aliases: tuple[str, ...] = (),
        note: str | None = None,
        related: tuple[str, ...] = (),
        origin: str = "",
    ) -> None:
        self.id = id
        self.aliases = aliases
        self.note = note
        self.related = related
        self.origin = origin


def extended(entry: Entry, extension: Extension) -> Entry:
    """An entry with what a later handbook adds to it. Extensions only add: aliases and related ids
    (each once, in order) and a note, as a paragraph of its own that names the file it came from,
    since it is the reader's and not the source's."""
    note = entry.note
    if extension.note:
        added = f"{os.path.basename(extension.origin)}: {extension.note}"
        note = f"{note}\n\n{added}" if note else added
    return entry.replace(
        aliases=tuple(dict.fromkeys(entry.aliases + extension.aliases)),
        related=tuple(dict.fromkeys(entry.related + extension.related)),
        note=note,
    )


class Handbook:
    """A whole handbook held in memory, in file order, with lookups by id and kind: what `export`
    shows and tests read. Commands otherwise read the store, a few rows at a time."""

    def __init__(
        self,
        title: str,
        source: SourceInfo,
        entries: tuple[Entry, ...],
        path: str = "",
        format: int = 1,
        variants: tuple[tuple[str, ...], ...] = (),
        files: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.title = title
        self.source = source
        self.entries = entries
        self.path = path
        self.format = format
        self.variants = variants
        self.files = files or (path,)
        self.warnings = warnings  # collisions between layers, told on every run
        self._by_id = {entry.id: entry for entry in entries}

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


if TYPE_CHECKING:

    class HandbookView(Protocol):
        """What the views read: the in-memory Handbook and the cached Store alike."""

        title: str
        source: SourceInfo
        files: tuple[str, ...]

        @property
        def entries(self) -> tuple[Entry, ...]: ...

        def get(self, entry_id: str) -> Entry | None: ...

        def of_kind(self, kind: str) -> list[Entry]: ...

        def source_title(self, source_id: str) -> str: ...


def label(entry: Entry, kind: str | None = None) -> str:
    """How to name an entry in a message: just the id when the kind is already given."""
    return entry.id if kind else f"{entry.kind} {entry.id}"
