"""The handbook's model (entries of five kinds) and how readers' names resolve to entries.

Nothing here imports typer, rich or yaml: the model is plain data that the loader builds and the
renderers read.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from coalition_cli.errors import AmbiguousName, NotFound, UsageProblem

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

Value = str | bool | int | float | tuple[str, ...]


def parse_kind(word: str) -> str:
    """Return the kind a reader's word names (`actors`, `people`...), or raise a usage problem."""
    kind = KIND_WORDS.get(word.strip().lower())
    if kind is None:
        close = difflib.get_close_matches(word.lower(), list(KIND_WORDS), n=1)
        hint = f" (did you mean: {close[0]}?)" if close else ""
        raise UsageProblem(f'unknown kind "{word}"{hint}; kinds are: {", ".join(KINDS)}')
    return kind


def fold(text: str) -> str:
    """Fold a name for matching: no case, no accents, no dots or apostrophes, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
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
    def figure(self) -> str | None:
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

    def names(self) -> list[str]:
        """Every name the entry answers to: id, title and aliases."""
        return [self.id, self.title, *self.aliases]

    def to_data(self, *, uniform_title: bool = False) -> dict[str, Any]:
        """The entry as plain data in the handbook file's shape (`title` everywhere if uniform_title)."""
        title_key = "title" if uniform_title else TITLE_KEYS[self.kind]
        data: dict[str, Any] = {"id": self.id, title_key: self.title}
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


@dataclass
class Handbook:
    """All entries of one handbook file, in file order, with lookups by id and kind."""

    title: str
    source: SourceInfo
    entries: tuple[Entry, ...]
    path: str = ""
    format: int = 1
    variants: tuple[tuple[str, ...], ...] = ()
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
            return "opening paragraph"
        section = self.get(source_id)
        return section.title if section is not None else source_id

    def dated_facts(self) -> list[Entry]:
        """Facts that carry a date, oldest first (ISO dates sort as text; ties keep file order)."""
        dated = [entry for entry in self.of_kind("fact") if entry.date]
        return sorted(dated, key=lambda entry: entry.date or "")

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


def find_entry(handbook: Handbook, name: str, kind: str | None = None) -> Entry:
    """Resolve a reader's name to one entry: by id, then title or alias, then unique prefix.

    Matching ignores case, accents and punctuation. A stage that matches several entries is
    ambiguous and raises, rather than guessing; no match at all raises NotFound with suggestions.
    """
    pool = handbook.of_kind(kind) if kind else list(handbook.entries)
    query = fold(name)
    what = f'no {kind or "entry"} named "{name}"'
    if not query:
        raise NotFound(what)

    stages: list[Iterable[Entry]] = [
        (e for e in pool if fold(e.id) == query),
        (e for e in pool if query in {fold(n) for n in e.names()}),
        (e for e in pool if any(fold(n).startswith(query) for n in e.names())),
        (e for e in pool if any(f" {query}" in f" {fold(n)}" for n in e.names())),
    ]
    for stage in stages:
        found = list(stage)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousName(name, [_label(e, kind) for e in found])
    raise NotFound(what, suggest_names(pool, query, kind))


def suggest_names(pool: list[Entry], query: str, kind: str | None = None) -> list[str]:
    """The entries whose names are spelled most like the query, best first."""
    folded: dict[str, Entry] = {}
    for entry in pool:
        for entry_name in entry.names():
            folded.setdefault(fold(entry_name), entry)
    suggestions: list[str] = []
    for close in difflib.get_close_matches(query, list(folded), n=6, cutoff=0.6):
        label = _label(folded[close], kind)
        if label not in suggestions:
            suggestions.append(label)
    return suggestions[:3]


def _label(entry: Entry, kind: str | None) -> str:
    """How to name an entry in a message: just the id when the kind is already given."""
    return entry.id if kind else f"{entry.kind} {entry.id}"
