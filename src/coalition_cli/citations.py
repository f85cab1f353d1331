"""Where an entry's claim comes from, written for notes: plain, markdown and JSON. The formats of
reference managers (BibTeX, CSL-JSON, RIS) are in references.py."""

from __future__ import annotations

from coalition_cli.handbook import LEAD, Entry, Record
from coalition_cli.inert import md

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from coalition_cli.handbook import HandbookView


class Citation(Record):
    """The document, its section(s), and the quote if any, for one entry."""

    __slots__ = ("document", "sections", "titles", "quote", "entry")

    def __init__(
        self, document: str, sections: tuple[str, ...], titles: tuple[str, ...], quote: str | None, entry: Entry
    ) -> None:
        self.document = document
        self.sections = sections  # ids; LEAD for the opening paragraph
        self.titles = titles
        self.quote = quote
        self.entry = entry


def citation_of(handbook: HandbookView, entry: Entry) -> Citation:
    """The quote's section when there is a quote, else every section the entry rests on."""
    ids = (entry.quote.section,) if entry.quote is not None else entry.source
    return Citation(
        document=handbook.source.title or handbook.title,
        sections=tuple(ids),
        titles=tuple(handbook.source_title(section) for section in ids),
        quote=entry.quote.text if entry.quote is not None else None,
        entry=entry,
    )


def where(citation: Citation, quote: Callable[[str], str]) -> str:
    """'section "A"', 'sections "A" and "B"', or 'the opening paragraph'."""
    pairs = zip(citation.sections, citation.titles, strict=True)
    named = [quote(title) for section, title in pairs if section != LEAD]
    parts = ["the opening paragraph"] if LEAD in citation.sections else []
    if named:
        parts.append(("section " if len(named) == 1 else "sections ") + _and(named))
    return _and(parts)


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def citation_plain(citation: Citation) -> str:
    text = f'"{citation.document}", ' + where(citation, lambda title: f'"{title}"')
    return text + (f': "{citation.quote}"' if citation.quote else "")


def citation_markdown(citation: Citation) -> str:
    text = f"*{md(citation.document)}*, " + where(citation, lambda title: f'"{md(title)}"')
    return text + (f': "{md(citation.quote)}"' if citation.quote else "")


def citation_json(citation: Citation) -> dict[str, Any]:
    """The same shape as everywhere: kind, id, title; `quote` an object with text and section."""
    entry = citation.entry
    quote = entry.quote
    data: dict[str, Any] = {
        "kind": entry.kind,
        "id": entry.id,
        "title": entry.title,
        "document": citation.document,
        "sections": [{"id": s, "title": t} for s, t in zip(citation.sections, citation.titles, strict=True)],
    }
    if quote is not None:  # left out when there is none, as in `show`
        data["quote"] = {"text": quote.text, "section": quote.section}
    data["citation"] = citation_plain(citation)
    return data
