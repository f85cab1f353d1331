"""Where an entry's claim comes from, written for notes: plain, markdown and JSON. The formats of
reference managers (BibTeX, CSL-JSON, RIS) are in references.py.

An entry of the shipped handbook is cited as the article, at the section it rests on. An entry of a
reader's own file is cited as theirs: as the source their file names (a top-level `source:`), or
as "Your notes, FILE"; never as the article, whose sections it may still point to. Its quote is
the article's only when the shipped handbook quotes those words verbatim.
"""

from __future__ import annotations

from coalition_cli.model.handbook import LEAD, Entry
from coalition_cli.model.inert import md
from coalition_cli.model.origins import Origin
from coalition_cli.model.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from coalition_cli.model.handbook import HandbookView
    from coalition_cli.model.origins import SourceInfo


class Citation(Record):
    """The document, its section(s), and the quote if any, for one entry; and whose they are."""

    __slots__ = (
        "document",
        "sections",
        "titles",
        "quote",
        "entry",
        "origin",
        "linked",
        "quote_section",
        "quote_title",
        "quote_theirs",
    )

    def __init__(
        self,
        document: str,
        sections: tuple[str, ...],
        titles: tuple[str, ...],
        quote: str | None,
        entry: Entry,
        origin: Origin | None = None,
        linked: tuple[str, ...] = (),
        quote_section: str | None = None,
        quote_title: str | None = None,
        quote_theirs: bool = False,
    ) -> None:
        self.document = document
        self.sections = sections  # ids; LEAD for the opening paragraph
        self.titles = titles
        self.quote = quote
        self.entry = entry
        self.origin = origin or Origin("", True)
        self.linked = linked  # a reader's entry: titles of the article's sections it points to
        self.quote_section = quote_section  # a reader's quote: the article's section that says it, if any
        self.quote_title = quote_title  # ... and that section's title
        self.quote_theirs = quote_theirs  # a reader's quote from a section of their own file

    @property
    def yours(self) -> bool:
        """Whether the entry is the reader's own (from a file other than the shipped handbook)."""
        return not self.origin.shipped

    @property
    def source(self) -> SourceInfo | None:
        """The source a reader's file names for itself, if any."""
        return self.origin.source if self.yours else None


def citation_of(handbook: HandbookView, entry: Entry) -> Citation:
    """The quote's section when there is a quote, else every section the entry rests on; for a
    reader's entry, its own file's sections, and the article's it points to as `linked`."""
    origin = handbook.origin_of(entry)
    quote = entry.quote.text if entry.quote is not None else None
    if origin.shipped:
        ids = (entry.quote.section,) if entry.quote is not None else entry.source
        titles = tuple(handbook.source_title(section) for section in ids)
        return Citation(handbook.source.title or handbook.title, tuple(ids), titles, quote, entry, origin)

    def theirs(section: str) -> bool:
        if section == LEAD:  # the opening paragraph of the source the file names, else of the article
            return origin.source is not None
        found = handbook.get(section)
        return found is not None and not handbook.origin_of(found).shipped

    sections = [(section, theirs(section)) for section in entry.source]  # each looked up once
    quote_theirs = entry.quote is not None and theirs(entry.quote.section)
    own = tuple(section for section, is_theirs in sections if is_theirs)
    if entry.quote is not None and quote_theirs:
        own = (entry.quote.section,)  # as for the article: where the quote is, when there is one
    linked = tuple(handbook.source_title(section) for section, is_theirs in sections if not is_theirs)
    quote_section = handbook.article_section(quote) if quote is not None else None
    quote_title = handbook.source_title(quote_section) if quote_section is not None else None
    document = origin.source.title if origin.source is not None else f"Your notes, {origin.name}"
    titles = tuple(handbook.source_title(section) for section in own)
    return Citation(document, own, titles, quote, entry, origin, linked, quote_section, quote_title, quote_theirs)


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


def source_details(citation: Citation) -> list[str]:
    """What a reader's own source gives besides its title: author, publisher, date, address."""
    source = citation.source
    if source is None:
        return []
    return [value for value in (source.author, source.publisher, source.date, source.url) if value]


def linked(citation: Citation, quote: Callable[[str], str]) -> str:
    """For a reader's entry that points to the article's sections: which, as theirs to say."""
    if not citation.linked:
        return ""
    what = "section " if len(citation.linked) == 1 else "sections "
    return f"you link it to the article's {what}{_and([quote(title) for title in citation.linked])}"


def provenance(citation: Citation, quote: Callable[[str], str]) -> str:
    """For a reader's entry: whose it is (when a source of theirs is named before it), and which of
    the article's sections they point it to."""
    if not citation.yours:
        return ""
    parts = [f"from your notes, {citation.origin.name}"] if citation.source is not None else []
    return "; ".join([*parts, *filter(None, [linked(citation, quote)])])


def quote_origin(citation: Citation, quote: Callable[[str], str]) -> str:
    """For a reader's quote: whether the article says it (and where), or only their notes do."""
    if not citation.yours or citation.quote is None:
        return ""
    if citation.quote_title is not None:
        return f"the article's words, section {quote(citation.quote_title)}"
    if citation.source is not None and citation.quote_theirs:
        return ""  # the words of the source their file names, as they give them
    return "in your notes; not among the article's quotes"


def _sentence(citation: Citation, quote: Callable[[str], str], doc: str, with_quote: bool = True) -> str:
    text = ", ".join([doc, *source_details(citation)])
    place = where(citation, quote)
    text += f", {place}" if place else ""
    mark = provenance(citation, quote)
    text += f" ({mark})" if mark else ""
    if citation.quote and with_quote:
        said = quote_origin(citation, quote)
        text += f": {quote(citation.quote)}" + (f" ({said})" if said else "")
    return text


def citation_plain(citation: Citation, with_quote: bool = True) -> str:
    named = not citation.yours or citation.source is not None  # a title in quotes; "Your notes" as it is
    document = f'"{citation.document}"' if named else citation.document
    return _sentence(citation, lambda text: f'"{text}"', document, with_quote)


def citation_markdown(citation: Citation) -> str:
    return _sentence(citation, lambda text: f'"{md(text)}"', f"*{md(citation.document)}*")


def citation_json(citation: Citation) -> dict[str, Any]:
    """The same shape as everywhere: kind, id, title; `quote` an object with text and section;
    `origin` the file the entry came from. For a reader's entry, `source` is what their file says
    of its own source, and `quote_in_article` where the article says their quote's words, if it does."""
    entry = citation.entry
    data: dict[str, Any] = {
        "kind": entry.kind,
        "id": entry.id,
        "title": entry.title,
        "origin": citation.origin.to_json(),
        "document": citation.document,
        "sections": [{"id": s, "title": t} for s, t in zip(citation.sections, citation.titles, strict=True)],
    }
    if citation.source is not None:
        data["source"] = citation.source.to_data()
    if citation.linked:
        data["linked_sections"] = list(citation.linked)
    if entry.quote is not None:  # left out when there is none, as in `show`
        data["quote"] = {"text": entry.quote.text, "section": entry.quote.section}
        if citation.yours:  # whether the article says those words too, and where
            found = citation.quote_section
            data["quote_in_article"] = None if found is None else {"section": found, "title": citation.quote_title}
    data["citation"] = citation_plain(citation)
    return data


# -- marks and lines for the views (render.py, card.py) -------------------------------------------


YOURS = "your notes, {}; not the article"  # how a reader's own entry is marked in every view


def yours(handbook: HandbookView, entry: Entry) -> str:
    """The mark of an entry from a reader's own file ("your notes, FILE; not the article"); empty
    for an entry of the shipped handbook, whose words are the article's."""
    origin = handbook.origin_of(entry)
    return "" if origin.shipped else YOURS.format(origin.name)


def quote_place(handbook: HandbookView, entry: Entry) -> str:
    """Where an entry's quote comes from: the article's section, or for a reader's quote the
    article's section only where the article says those words, else their notes."""
    if entry.quote is None:
        return ""
    citation = citation_of(handbook, entry)
    if not citation.yours:
        return handbook.source_title(entry.quote.section)
    said = quote_origin(citation, lambda title: f'"{title}"')
    section = handbook.source_title(entry.quote.section)
    return said or f'"{citation.document}", section "{section}", as your notes give it'


def entry_source(handbook: HandbookView, entry: Entry) -> str:
    """The Source line: the article's sections, or a reader's citation (citations.py)."""
    citation = citation_of(handbook, entry)
    if not citation.yours:
        return "; ".join(handbook.source_title(section) for section in entry.source)
    return citation_plain(citation, with_quote=False)
