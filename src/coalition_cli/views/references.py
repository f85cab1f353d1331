"""Citations as reference managers import them: BibTeX, CSL-JSON and RIS, one item per entry.

An entry of the shipped handbook cites the one source article, at the section the entry rests on,
with its quote when it has one. What the article does not give is left out rather than invented: it
names no author, no date and no publisher, and each item says so in its note. An entry of a reader's
own file cites what that file names as its source (title, author, date, publisher, address), or
"your notes, FILE"; its note says whose it is (citations.py). Checked in the tests with the real
tools (bibtex with several styles, citeproc-py, rispy).
"""

from __future__ import annotations

from coalition_cli.views.citations import Citation, linked, quote_origin, where

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

UNKNOWN = "The article gives no author, date or publisher."
FORMATS = ("bib", "csl-json", "ris")  # what `cite` and `export` write for reference managers


def item_id(citation: Citation) -> str:
    return f"coalition-{citation.entry.id}"


def _note(citation: Citation, quote: tuple[str, str]) -> str:
    """Whose words these are, where in the document, the quote, what the item is cited for, and
    what is not known."""

    def quoted(text: str) -> str:
        return f"{quote[0]}{text}{quote[1]}"

    parts = []
    if citation.yours:
        parts.append(f"From {citation.origin.name}, the reader's own notes, not the article")
        pointed = linked(citation, quoted)
        if pointed:
            parts.append(pointed[:1].upper() + pointed[1:])
    place = where(citation, quoted)
    if place:
        parts.append(place[:1].upper() + place[1:])
    if citation.quote:
        said = quote_origin(citation, quoted)
        parts.append(f"Quoted: {quoted(citation.quote)}" + (f" ({said})" if said else ""))
    entry = citation.entry
    parts.append(f"Cited for the entry {quoted(entry.title)} ({entry.kind} {entry.id})")
    if not citation.yours:
        parts.append(UNKNOWN.rstrip("."))
    return ". ".join(parts) + "."


# -- BibTeX --------------------------------------------------------------------------------------


def _bib(text: str) -> str:
    """Text for a BibTeX field: its special characters escaped, and braces written as LaTeX's
    commands for them: BibTeX counts every brace, escaped or not, so a lone "}" (even as "\\}")
    would end the field, and what follows would be read as fields of its own."""
    replaced = []
    for char in text:
        if char == "{":
            replaced.append("\\textbraceleft{}")
        elif char == "}":
            replaced.append("\\textbraceright{}")
        elif char == "\\":
            replaced.append("\\textbackslash{}")
        elif char in "&%$#_":
            replaced.append("\\" + char)
        elif char == "~":
            replaced.append("\\textasciitilde{}")
        elif char == "^":
            replaced.append("\\textasciicircum{}")
        else:
            replaced.append(char)
    return "".join(replaced)


def bibtex(citation: Citation) -> str:
    """A @misc record, the type BibTeX's standard styles give a web page: the title's capitals
    kept (in braces: styles lowercase titles), a `key` to sort by (there is no author), what it is
    in `howpublished`, and the rest in `note`."""
    title = _bib(citation.document)
    source = citation.source
    fields = [("key", _bib(citation.document)), ("title", f"{{{title}}}")]
    if source is not None and source.author:
        fields.append(("author", f"{{{_bib(source.author)}}}"))  # one name as written, not split up
    if source is not None and source.publisher:
        fields.append(("publisher", _bib(source.publisher)))
    if source is not None and source.date:
        fields += [("year", source.date[:4]), ("date", source.date)]
    if source is not None and source.url:
        fields.append(("url", _bib(source.url)))
    fields.append(("howpublished", "Reader's notes" if citation.yours and source is None else "Web article"))
    fields.append(("note", _bib(_note(citation, ("``", "''")))))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@misc{{{item_id(citation)},\n{body}}}\n"


# -- CSL-JSON (Zotero, Pandoc's citeproc, most managers) -----------------------------------------


def csl_item(citation: Citation) -> dict[str, Any]:
    """One CSL-JSON item: a web page, its section and its note. The quote goes in the note, not
    in `abstract`: it is a sentence of the article, not a summary of it."""
    source = citation.source
    item: dict[str, Any] = {
        "id": item_id(citation),
        "type": "document" if citation.yours and source is None else "webpage",
        "title": citation.document,
        "section": "; ".join(title for title in citation.titles),
        "note": _note(citation, ("\u201c", "\u201d")),
        "language": "en",
    }
    if source is not None and source.author:
        item["author"] = [{"literal": source.author}]
    if source is not None and source.publisher:
        item["publisher"] = source.publisher
    if source is not None and source.date:
        item["issued"] = {"date-parts": [[int(part) for part in source.date.split("-")]]}
    if source is not None and source.url:
        item["URL"] = source.url
    return item


# -- RIS (EndNote, Mendeley, Zotero) -------------------------------------------------------------


def ris(citation: Citation) -> str:
    """One RIS record: an electronic source (ELEC), its title, section and note (with the quote:
    AB would file it as the article's abstract)."""
    source = citation.source
    tags = [
        ("TY", "GEN" if citation.yours and source is None else "ELEC"),
        ("ID", item_id(citation)),
        ("TI", citation.document),
    ]
    if source is not None and source.author:
        tags.append(("AU", source.author))
    if source is not None and source.publisher:
        tags.append(("PB", source.publisher))
    if source is not None and source.date:
        tags += [("PY", source.date[:4]), ("DA", source.date.replace("-", "/"))]
    if source is not None and source.url:
        tags.append(("UR", source.url))
    tags += [("SE", "; ".join(citation.titles)), ("LA", "en"), ("N1", _note(citation, ("\u201c", "\u201d")))]
    lines = [f"{tag}  - {' '.join(value.split())}" for tag, value in tags]
    # Lines end with LF, which every reader takes: a CR would not be inert on a terminal.
    return "\n".join([*lines, "ER  - "]) + "\n"


def render(citations: Iterable[Citation], fmt: str) -> str:
    """Citations in one of FORMATS: records one after another (a blank line between BibTeX and RIS
    records), or one JSON array."""
    items = list(citations)
    if fmt == "bib":
        return "\n".join(bibtex(citation) for citation in items)
    if fmt == "ris":
        return "\n".join(ris(citation) for citation in items)
    import json

    return json.dumps([csl_item(citation) for citation in items], ensure_ascii=False, indent=2) + "\n"
