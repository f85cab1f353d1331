"""Headings for entries in markdown, and the ids markdown readers give them, so links land.

Why: a link to an entry is a link to its heading's id, and readers make those ids from the heading's
text themselves, two ways: pandoc's markdown reader keeps letters, digits, `_`, `-` and `.`, and
drops everything before the first letter; GitHub's (and pandoc's gfm reader) keeps letters,
digits, `_` and `-`. Explicit anchors (`<a id>`) collide with those ids and are lost in a Word
document, so there are none: an entry's heading is its title when both ways give the title the
same id, else its kind and id ("Fact us-troops-south-korea"), whose id is the same both ways.
An export keeps every id unique, as both readers would otherwise add "-1" to the second.
"""

from __future__ import annotations

from coalition_cli.model.handbook import Entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


def _kept(text: str, extra: str) -> str:
    kept = "".join(c for c in text if c.isalnum() or c.isspace() or c in extra)
    return "".join("-" if c.isspace() else c for c in kept).lower()


def pandoc_id(text: str) -> str:
    """The id pandoc's markdown reader gives a heading (its auto_identifiers)."""
    kept = _kept(text, "_-.")
    start = next((i for i, c in enumerate(kept) if c.isalpha()), len(kept))
    return kept[start:] or "section"


def gfm_id(text: str) -> str:
    """The id GitHub, and pandoc's gfm reader, give a heading."""
    return _kept(text, "_-")


def same_both_ways(text: str) -> bool:
    return bool(text) and pandoc_id(text) == gfm_id(text)


def heading(entry: Entry) -> str:
    """The heading an entry is written under: its title, if every reader gives it the same id."""
    return entry.title if same_both_ways(entry.title) else f"{entry.kind.capitalize()} {entry.id}"


def target(entry: Entry) -> str:
    """Where a link to an entry points in a notes file: its heading's id."""
    return gfm_id(heading(entry))


class Anchors:
    """Headings and link targets for a document of several entries: every id unique."""

    def __init__(self, entries: Iterable[Entry], reserved: Iterable[str] = ()) -> None:
        self.taken = set(reserved)
        self.headings: dict[str, str] = {}  # only the entries whose heading is not heading(entry)
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry) -> None:
        """The next entry of the document: its heading, made unique against those before it."""
        text = heading(entry)
        if gfm_id(text) in self.taken:
            text = f"{entry.kind.capitalize()} {entry.id}"  # unique: ids are
            self.headings[entry.id] = text
        self.taken.add(gfm_id(text))

    def heading(self, entry: Entry) -> str:
        return self.headings.get(entry.id) or heading(entry)

    def target(self, entry_id: str, entry: Entry | None) -> str:
        """The link target of an entry: its heading's id."""
        if entry_id in self.headings:
            return gfm_id(self.headings[entry_id])
        return target(entry) if entry is not None else entry_id
