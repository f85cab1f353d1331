"""The handbook's model: entries of seven kinds, the words readers use for kinds, and name folding.

Nothing here imports typer, rich or yaml: the model is plain data that the loader builds and the
renderers read.
"""

from __future__ import annotations

from coalition_cli.model.errors import UsageProblem
from coalition_cli.model.origins import Origin, origin_in, section_quoting
from coalition_cli.model.records import Record

TYPE_CHECKING = False  # typing is not imported at run time: it costs a lookup a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any, Protocol

    from coalition_cli.model.origins import SourceInfo

KINDS: tuple[str, ...] = ("section", "actor", "figure", "fact", "term", "place", "event")
PLURALS: dict[str, str] = {
    "section": "sections",
    "actor": "actors",
    "figure": "figures",
    "fact": "facts",
    "term": "terms",
    "place": "places",
    "event": "events",
}
# Words a reader may type for a kind; "person" and "people" read better than "figure" for key people.
KIND_WORDS: dict[str, str] = {
    **{kind: kind for kind in KINDS},
    **{plural: kind for kind, plural in PLURALS.items()},
    "person": "figure",
    "people": "figure",
}
# Actors, figures and places have a `name`; the other kinds a `title`. Both end up in Entry.title.
TITLE_KEYS: dict[str, str] = {
    "section": "title",
    "actor": "name",
    "figure": "name",
    "fact": "title",
    "term": "title",
    "place": "name",
    "event": "title",
}
# The fields particular to each kind, in the order they are shown.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "section": ("key_points", "mentions"),
    "actor": ("type", "member", "role", "contributions", "differences"),
    "figure": ("role",),
    "fact": ("date", "value", "unit", "qualifier", "who", "said_by"),
    "term": ("stands_for",),
    "place": ("type",),
    "event": ("date", "who", "said_by"),
}
# Fields that hold ids of other entries, and the one (said_by) that holds a single id.
ID_FIELDS = ("mentions", "who", "said_by")
# The kinds of link an entry may have to another beyond plain `related`, each with the name of the
# same link seen from its other end. Written one way in the handbook, shown from both ends.
RELATIONS: dict[str, str] = {
    "member-of": "has-member",
    "part-of": "has-part",
    "commanded": "commanded-by",
    "killed": "killed-by",
    "supported": "supported-by",
    "opposed": "opposed-by",
    "used-airspace-of": "airspace-used-by",
    "traded-with": "traded-with",
    "took-part-in": "had-taking-part",
    "leads-to": "follows-from",
    "located-in": "location-of",
}
INVERSES: dict[str, str] = {inverse: relation for relation, inverse in RELATIONS.items()}
# The values a kind's `type` may take.
TYPES: dict[str, tuple[str, ...]] = {
    "actor": ("state", "non-state force", "organisation", "grouping", "government"),
    "place": ("city", "country", "region", "sea"),
}
# What a reader reads before an entry's `outside` text: everything in it is not the article's.
OUTSIDE_MARKER = "Outside the article"
# How each kind-specific field is labelled wherever an entry is shown or searched.
FIELD_LABELS: dict[str, str] = {
    "type": "Type",
    "member": "Coalition member",
    "role": "Role",
    "contributions": "Contributions",
    "differences": "Differs from its partners",
    "date": "Date",
    "who": "Who",
    "said_by": "According to",
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


# Letters written more than one way in Arabic and Persian, folded to one: the Persian yeh and kaf and
# the Arabic alef maksura to the Arabic yeh and kaf, teh marbuta and heh with yeh to heh, alef wasla
# to alef; tatweel (a stretch of the line) and the zero-width non-joiner (a Persian word's inner
# break) to nothing. Diacritics (harakat, hamza and madda above and below) go with the accents.
_SCRIPT_VARIANTS = str.maketrans(
    {
        "\u06cc": "\u064a",
        "\u0649": "\u064a",
        "\u06a9": "\u0643",
        "\u0629": "\u0647",
        "\u06c0": "\u0647",
        "\u0671": "\u0627",
        "\u0640": None,
        "\u200c": None,
    }
)


def unaccent(text: str) -> str:
    """Text in lower case without accents: "Qāssem" becomes "qassem", "Иран" "иран", and Arabic
    and Persian spellings of a name one spelling ("ایران" and "إيران" both "ايران")."""
    if text.isascii():
        return text.lower()  # most text, and much faster than decomposing it
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.translate(_combining()).casefold().translate(_SCRIPT_VARIANTS)


# The combining marks (accents, harakat, cantillation) of the blocks where scripts keep them, as
# Unicode 14 lists them: deleted by one pass of `str.translate` in C, where a test per character
# cost a large handbook of names in other scripts seconds. A test checks each is a combining mark.
COMBINING_MARKS = """
0300-034E 0350-036F 0483-0487 0591-05BD 05BF 05C1-05C2 05C4-05C5 05C7 0610-061A 064B-065F 0670
06D6-06DC 06DF-06E4 06E7-06E8 06EA-06ED 0711 0730-074A 07EB-07F3 07FD 0816-0819 081B-0823
0825-0827 0829-082D 0859-085B 0898-089F 08CA-08E1 08E3-08FF 093C 094D 0951-0954 09BC 09CD 09FE
0A3C 0A4D 0ABC 0ACD 0B3C 0B4D 0BCD 0C3C 0C4D 0C55-0C56 0CBC 0CCD 0D3B-0D3C 0D4D 0DCA 0E38-0E3A
0E48-0E4B 0EB8-0EBA 0EC8-0ECB 0F18-0F19 0F35 0F37 0F39 0F71-0F72 0F74 0F7A-0F7D 0F80 0F82-0F84
0F86-0F87 0FC6 1037 1039-103A 108D 135D-135F 1714-1715 1734 17D2 17DD 18A9 1939-193B 1A17-1A18
1A60 1A75-1A7C 1A7F 1AB0-1ABD 1ABF-1ACE 1B34 1B44 1B6B-1B73 1BAA-1BAB 1BE6 1BF2-1BF3 1C37
1CD0-1CD2 1CD4-1CE0 1CE2-1CE8 1CED 1CF4 1CF8-1CF9 1DC0-1DFF 20D0-20DC 20E1 20E5-20F0 2CEF-2CF1
2DE0-2DFF 302A-302F A66F A674-A67D A69E-A69F A6F0-A6F1 A8E0-A8F1 FB1E FE20-FE2F
"""
_COMBINING: dict[int, None] = {}


def _combining() -> dict[int, None]:
    """COMBINING_MARKS as a table that deletes them, made on first need."""
    if not _COMBINING:
        for item in COMBINING_MARKS.split():
            first, _, last = item.partition("-")
            _COMBINING.update(dict.fromkeys(range(int(first, 16), int(last or first, 16) + 1)))
    return _COMBINING


# ASCII folded by one table of bytes (a third of the time a table of characters takes): letters in
# small, digits kept, dots and apostrophes dropped, every other character a space (as the regular
# expressions below do, for all of Unicode).
_ASCII_FOLD = bytes(ord(chr(c).lower()) if c < 128 and chr(c).isalnum() else 32 for c in range(256))
_ASCII_DROPPED = b".'`"


_FOLDED: dict[str, str] = {}  # names folded lately: reading a handbook folds each name twice
_FOLDED_KEPT, _FOLDED_LONGEST = 4096, 256  # how many, and how long (a name is short; a hostile one may not be)


def fold(text: str) -> str:
    """Fold a name for matching: no case, no accents, no dots or apostrophes, punctuation as spaces."""
    folded = _FOLDED.get(text)
    if folded is None:
        folded = _fold(text)
        if len(text) <= _FOLDED_LONGEST:
            if len(_FOLDED) >= _FOLDED_KEPT:
                _FOLDED.clear()
            _FOLDED[text] = folded
    return folded


def _fold(text: str) -> str:
    if text.isascii():
        return " ".join(text.encode().translate(_ASCII_FOLD, _ASCII_DROPPED).decode().split())
    bare = unaccent(text)
    import re  # only for names that are not ASCII

    bare = re.sub(r"[.'\u2018\u2019`]", "", bare)
    return " ".join(re.split(r"[\W_]+", bare)).strip()


class Quote(Record):
    """Words copied exactly from the source, with the section they come from."""

    __slots__ = ("text", "section")

    def __init__(self, text: str, section: str) -> None:
        self.text = text
        self.section = section


class Entry(Record):
    """One entry of the handbook. `details` holds the fields particular to its kind, in file order."""

    __slots__ = (
        "kind",
        "id",
        "title",
        "summary",
        "related",
        "source",
        "aliases",
        "quote",
        "note",
        "details",
        "origin",
        "index",
        "outside",
        "relations",
    )

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
        index: tuple[str, ...] = (),
        outside: str | None = None,
        relations: tuple[tuple[str, str], ...] = (),
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
        self.index = index  # the reader's own words for it, which its text does not hold
        self.outside = outside  # what the entry says that is not the article's
        self.relations = relations  # typed links: (relation, target id), as written (RELATIONS)

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

    def names(self) -> list[str]:
        """Every name the entry answers to: id, title and aliases."""
        return [self.id, self.title, *self.aliases]

    def to_data(self) -> dict[str, Any]:
        """The entry as plain data in the handbook file's shape, with `title` for every kind (a
        handbook file may say `name` for actors and figures; both are read)."""
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.aliases:
            data["aliases"] = list(self.aliases)
        if self.index:
            data["index"] = list(self.index)
        for key, value in self.details.items():
            data[key] = list(value) if isinstance(value, tuple) else value
        data["summary"] = self.summary
        data["related"] = list(self.related)
        if self.relations:
            relations: dict[str, list[str]] = {}
            for relation, target in self.relations:
                relations.setdefault(relation, []).append(target)
            data["relations"] = relations
        data["source"] = list(self.source)
        if self.quote is not None:
            data["quote"] = {"text": self.quote.text, "section": self.quote.section}
        if self.note is not None:
            data["note"] = self.note
        if self.outside is not None:
            data["outside"] = self.outside
        return data


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
        thesaurus: tuple[tuple[str, ...], ...] = (),
        origins: tuple[Origin, ...] = (),
    ) -> None:
        self.title = title
        self.source = source
        self.entries = entries
        self.path = path
        self.format = format
        self.variants = variants
        self.files = files or (path,)
        if not origins:  # a handbook made, not read: none of it is the shipped file's
            origins = tuple(Origin(file, False) for file in self.files)
        self.origins = origins
        self.warnings = warnings  # collisions between layers, told on every run
        self.thesaurus = thesaurus
        self._by_id = {entry.id: entry for entry in entries}
        self._linked_from: dict[str, list[str]] | None = None

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def of_kind(self, kind: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def related_of(self, entry: Entry) -> tuple[str, ...]:
        """The entries the entry links to (related or typed), then those that link to it: links are
        shown from both ends, whichever end wrote them."""
        if self._linked_from is None:
            self._linked_from = {}
            for other in self.entries:
                for target in (*other.related, *(target for _, target in other.relations)):
                    self._linked_from.setdefault(target, []).append(other.id)
        return both_ways(entry, self._linked_from.get(entry.id, ()))

    def origin_of(self, entry: Entry) -> Origin:
        return origin_in(self.origins, entry.origin)

    def article_section(self, text: str) -> str | None:
        shipped = {origin.file for origin in self.origins if origin.shipped}
        return section_quoting((e.quote for e in self.entries if e.quote and e.origin in shipped), text)

    def source_title(self, source_id: str) -> str:
        """A section's heading, or a description of the lead, for citing where a claim comes from."""
        if source_id == LEAD:
            return LEAD_TITLE
        section = self.get(source_id)
        return section.title if section is not None else source_id

    def to_data(self) -> dict[str, Any]:
        """The whole handbook in its file's shape, so an export can be loaded back as a handbook."""
        data: dict[str, Any] = {"format": self.format, "title": self.title, "source": self.source.to_data()}
        if self.variants:
            data["variants"] = [list(group) for group in self.variants]
        if self.thesaurus:
            data["thesaurus"] = [list(group) for group in self.thesaurus]
        for kind in KINDS:
            # Links as shown, from both ends: the same `related` as `show` gives each entry.
            data[PLURALS[kind]] = [
                {**entry.to_data(), "related": list(self.related_of(entry))} for entry in self.of_kind(kind)
            ]
        return data


if TYPE_CHECKING:

    class HandbookView(Protocol):
        """What the views read: the in-memory Handbook and the cached Store alike."""

        title: str
        source: SourceInfo
        files: tuple[str, ...]
        origins: tuple[Origin, ...]

        @property
        def entries(self) -> tuple[Entry, ...]: ...

        def get(self, entry_id: str) -> Entry | None: ...

        def of_kind(self, kind: str) -> list[Entry]: ...

        def related_of(self, entry: Entry) -> tuple[str, ...]: ...

        def source_title(self, source_id: str) -> str: ...

        def origin_of(self, entry: Entry) -> Origin:
            """The file the entry came from, and whether its words are the article's."""

        def article_section(self, text: str) -> str | None:
            """The article's section where the shipped handbook quotes these words verbatim, if any."""


def both_ways(entry: Entry, linked_from: Iterable[str]) -> tuple[str, ...]:
    """An entry's own links (related, then typed), then the entries that link to it (each once)."""
    own = (*entry.related, *(target for _, target in entry.relations))
    return tuple(dict.fromkeys((*own, *(other for other in linked_from if other != entry.id))))


def label(entry: Entry, kind: str | None = None) -> str:
    """How to name an entry in a message: just the id when the kind is already given."""
    return entry.id if kind else f"{entry.kind} {entry.id}"
