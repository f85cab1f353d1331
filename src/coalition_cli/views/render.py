"""What each command shows, as views that write themselves as plain text, markdown or JSON.

A view holds what a command found; `output.deliver` asks it for the one format the reader chose.
Plain, markdown and JSON are built here as strings without rich, so piped output has no ANSI codes,
no box drawing and no terminal-width wrapping, and costs no rich import. terminal.py draws the same
views with rich for a terminal.
"""

from __future__ import annotations

from coalition_cli.model.handbook import FIELD_LABELS, OUTSIDE_MARKER, Entry
from coalition_cli.model.inert import md, md_marked, one_line, strip_marks
from coalition_cli.views.citations import (
    citation_json,
    citation_markdown,
    citation_of,
    citation_plain,
    entry_source,
    quote_origin,
    quote_place,
    yours,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any

    from coalition_cli.lookup.ask import Answer
    from coalition_cli.lookup.search import Hit
    from coalition_cli.model.errors import Problem
    from coalition_cli.model.handbook import HandbookView
    from coalition_cli.store.cache_folder import CacheFile
    from coalition_cli.views.anchors import Anchors


def dump_json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def json_array_chunks(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array as dump_json writes it, an item at a time: for output too large to hold."""
    import json

    first = True
    for item in items:
        yield ("[\n  " if first else ",\n  ") + json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def brief_json(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "id": entry.id, "title": entry.title}


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as a JSON object: kind first, then the file's fields with `title` for every kind."""
    return {"kind": entry.kind, **entry.to_data()}


def entry_rows(entry: Entry, handbook: HandbookView | None = None) -> list[tuple[str, str | tuple[str, ...]]]:
    """The labelled fields of an entry after its summary, in the order every format shows them;
    fields that name other entries (who, said_by) by their titles when the handbook is given."""
    rows: list[tuple[str, str | tuple[str, ...]]] = []
    for key, value in entry.details.items():
        if key in ("value", "unit", "qualifier"):
            continue
        if key in ("who", "said_by") and handbook is not None:
            ids = value if isinstance(value, tuple) else (str(value),)
            rows.append((FIELD_LABELS[key], ", ".join(title_of(handbook, entry_id) for entry_id in ids)))
        elif isinstance(value, bool):
            rows.append((FIELD_LABELS.get(key, key), "yes" if value else "no"))
        elif key == "mentions" and isinstance(value, tuple):
            rows.append((FIELD_LABELS[key], ", ".join(value)))
        elif isinstance(value, str | tuple):
            rows.append((FIELD_LABELS.get(key, key), value))
    quantity = entry.quantity
    if quantity:
        rows.append(("Figure", quantity))
    if entry.aliases:
        rows.append(("Also called", ", ".join(entry.aliases)))
    return rows


def detail_of(entry: Entry) -> str:
    """A short description for tables: an actor's type, a fact's date or figure, a term's expansion."""
    if entry.kind == "actor":
        kind = str(entry.details.get("type", ""))
        return f"{kind}, member" if entry.details.get("member") else kind
    if entry.kind == "fact":
        return entry.date or entry.quantity or ""
    return str(entry.details.get("stands_for") or entry.details.get("role") or "")


def source_titles(handbook: HandbookView, section_ids: Iterable[str]) -> str:
    return "; ".join(handbook.source_title(section_id) for section_id in section_ids)


def title_of(handbook: HandbookView, entry_id: str) -> str:
    entry = handbook.get(entry_id)
    return entry.title if entry is not None else entry_id


class View:
    """One command's output, in every format but rich (see terminal.py)."""

    def chunks(self, fmt: str) -> Iterator[str] | None:  # noqa: ARG002 - the views that stream use it
        """The output in plain, markdown or json a piece at a time, for a view too large to hold
        whole (export); None for the rest, which are built whole."""
        return None

    def plain(self) -> str:
        raise NotImplementedError

    def markdown(self) -> str:
        return self.plain()

    def data(self) -> Any:
        raise NotImplementedError


class EntryView(View):
    """One entry in full: `show`."""

    def __init__(self, handbook: HandbookView, entry: Entry) -> None:
        self.handbook = handbook
        self.entry = entry

    def plain(self) -> str:
        handbook, entry = self.handbook, self.entry
        lines = [f"{entry.title} ({entry.kind}: {entry.id})", "", entry.summary, ""]
        mark = yours(handbook, entry)
        if mark:
            lines.insert(1, f"From: {mark}")
        for label, value in entry_rows(entry, handbook):
            if isinstance(value, tuple):
                lines.append(f"{label}:")
                lines.extend(f"  - {item}" for item in value)
            else:
                lines.append(f"{label}: {value}")
        if entry.quote is not None:
            lines.append(f'Quote: "{entry.quote.text}" ({quote_place(handbook, entry)})')
        if entry.note:
            lines.append(f"Note: {entry.note}")
        if entry.outside:
            lines.append(f"{OUTSIDE_MARKER}: {entry.outside}")
        related = handbook.related_of(entry)
        if related:
            lines.append(f"Related: {', '.join(related)}")
        lines.append(f"Source: {entry_source(handbook, entry)}")
        return "\n".join(lines) + "\n"

    def markdown(self, level: int = 2, anchors: Anchors | None = None) -> str:
        """A note: a heading, the summary, the key facts, related entries as links to their
        headings (they land in an export, or in notes that collect several entries: anchors.py),
        the note, and a citation line; it ends with a blank line, so notes appended to one file
        stay apart."""
        from coalition_cli.views.anchors import Anchors

        handbook, entry = self.handbook, self.entry
        anchors = anchors or Anchors(())
        title = anchors.heading(entry)
        lines = [f"{'#' * level} {md(title)}", ""]
        if title != entry.title:
            lines += [f"**{md(entry.title)}**", ""]
        lines += [f"*{entry.kind}* `{entry.id}`", ""]
        mark = yours(handbook, entry)
        if mark:
            lines += [f"*From {md(mark)}.*", ""]
        lines += [md(entry.summary), ""]
        for label, value in entry_rows(entry, handbook):
            if isinstance(value, tuple):
                lines.append(f"- **{label}:**")
                lines.extend(f"  - {md(item)}" for item in value)
            else:
                lines.append(f"- **{label}:** {md(value)}")
        related = handbook.related_of(entry)
        if related:
            names = [f"[{md(title_of(handbook, r))}](#{anchors.target(r, handbook.get(r))})" for r in related]
            lines.append(f"- **Related:** {', '.join(names)}")
        if entry.note:
            lines += ["", f"**Note:** {md(entry.note)}"]
        if entry.outside:
            lines += ["", f"**{OUTSIDE_MARKER}:** {md(entry.outside)}"]
        lines += ["", f"Source: {citation_markdown(citation_of(handbook, entry))}"]
        return "\n".join(lines) + "\n\n"

    def data(self) -> Any:
        """The entry in its file's shape, but with its links from both ends, as shown."""
        entry = self.entry
        origin = self.handbook.origin_of(entry).to_json()
        return {**entry_json(entry), "related": list(self.handbook.related_of(entry)), "origin": origin}


class HitsView(View):
    """Search results, best first, each with its snippet and, for a reader's own entry, its mark:
    `search`."""

    def __init__(self, handbook: HandbookView, hits: Sequence[Hit]) -> None:
        self.hits = hits
        self.marks = [yours(handbook, hit.entry) for hit in hits]
        self.origins = [handbook.origin_of(hit.entry) for hit in hits]

    def plain(self) -> str:
        lines = []
        for hit, mark in zip(self.hits, self.marks, strict=True):
            lines.append(f"{hit.entry.title} ({hit.entry.kind}: {hit.entry.id})" + (f" - {mark}" if mark else ""))
            lines.append(f"  {strip_marks(hit.snippet)}")
        return "".join(line + "\n" for line in lines)

    def markdown(self) -> str:
        lines = []
        for hit, mark in zip(self.hits, self.marks, strict=True):
            snippet = md_marked(hit.snippet)
            where = f"{hit.entry.kind} `{hit.entry.id}`" + (f"; *{md(mark)}*" if mark else "")
            lines.append(f"- **{md(hit.entry.title)}** ({where}): {snippet}")
        return "".join(line + "\n" for line in lines)

    def data(self) -> Any:
        return [
            {
                **brief_json(hit.entry),
                "score": hit.score,
                "snippet": strip_marks(hit.snippet),
                "matched": list(hit.matched),
                "coverage": hit.coverage,
                "origin": origin.to_json(),
            }
            for hit, origin in zip(self.hits, self.origins, strict=True)
        ]


CONTEXT_MARKER = "Context"  # the handbook's sentence an answer's name, date or number rests on


class AnswerView(View):
    """One direct answer, then where it comes from: `ask`. An answer from a reader's own entry says
    so on its first line, and cites their notes, not the article."""

    def __init__(self, handbook: HandbookView, answer: Answer) -> None:
        self.answer = answer
        self.origin = handbook.origin_of(answer.entry)
        self.mark = yours(handbook, answer.entry)
        self.citation = citation_of(handbook, answer.entry)
        self.section_title = handbook.source_title(answer.section) if answer.section else None

    def attribution(self) -> str:
        reported = "as your notes report" if self.mark else "as the article reports"
        return f"according to {self.answer.said_by}, {reported}" if self.answer.said_by else ""

    def headline(self) -> str:
        """The answer, who said it, and whose notes it comes from: the line `head -1` keeps."""
        answer = self.answer
        line = answer.text + (f" ({self.attribution()})" if answer.said_by else "")
        return line + (f" (from {self.mark})" if self.mark else "")

    def quote_note(self) -> str:
        return quote_origin(self.citation, lambda title: f'"{title}"')

    def plain(self) -> str:
        answer = self.answer
        lines = [self.headline()]
        if answer.basis:
            lines.append(f"{CONTEXT_MARKER}: {answer.basis}")
        if answer.outside:
            lines.append(f"{OUTSIDE_MARKER}: {answer.outside}")
        if answer.note:
            lines.append(f"Note: {answer.note}")
        lines += ["", f"From: {answer.entry.title} ({answer.entry.kind}: {answer.entry.id})"]
        if self.mark:
            lines.append(f"Source: {citation_plain(self.citation, with_quote=False)}")
        elif self.section_title:
            lines.append(f"Section: {self.section_title}")
        if answer.quote:
            said = self.quote_note()
            lines.append(f'Quote: "{answer.quote}"' + (f" ({said})" if said else ""))
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        answer = self.answer
        lines = [f"**{md(answer.text)}**" + (f" ({md(self.attribution())})" if answer.said_by else "")]
        if self.mark:
            lines[0] += f" *(from {md(self.mark)})*"
        if answer.basis:
            lines += ["", f"*{CONTEXT_MARKER}:* {md(answer.basis)}"]
        if answer.outside:
            lines += ["", f"*{OUTSIDE_MARKER}:* {md(answer.outside)}"]
        if answer.note:
            lines += ["", f"*Note:* {md(answer.note)}"]
        if answer.quote:
            said = self.quote_note()
            lines += ["", f"> {md(answer.quote)}" + (f" *({md(said)})*" if said else "")]
        if self.mark:
            lines += ["", f"From {md(answer.entry.title)} (`{answer.entry.id}`): {citation_markdown(self.citation)}."]
        else:
            where = f", section *{md(self.section_title)}*" if self.section_title else ""
            lines += ["", f"From {md(answer.entry.title)} (`{answer.entry.id}`){where}."]
        return "\n".join(lines) + "\n\n"

    def data(self) -> Any:
        answer = self.answer
        section = {"id": answer.section, "title": self.section_title} if answer.section else None
        quote = {"text": answer.quote, "section": answer.section} if answer.quote else None
        mine: dict[str, Any] = {}
        if self.mark:
            found = self.citation.quote_section
            in_article = None if found is None else {"section": found, "title": self.citation.quote_title}
            mine = {"citation": citation_plain(self.citation), **({"quote_in_article": in_article} if quote else {})}
        return {
            "question": answer.question,
            "answer": answer.text,
            "context": answer.basis,
            "according_to": answer.said_by,
            "outside": answer.outside,
            "note": answer.note,
            "entry": brief_json(answer.entry),
            "origin": self.origin.to_json(),
            "section": section,
            "quote": quote,
            **mine,
        }


class TimelineView(View):
    """The dated facts, oldest first: `timeline`."""

    def __init__(self, facts: Sequence[Entry]) -> None:
        self.facts = facts

    def plain(self) -> str:
        return "".join(f"{fact.date or '':<10}  {fact.title} ({fact.id})\n" for fact in self.facts)

    def markdown(self) -> str:
        return "".join(f"- **{fact.date}**: {md(fact.title)} (`{fact.id}`)\n" for fact in self.facts)

    def data(self) -> Any:
        return [{**brief_json(fact), "date": fact.date} for fact in self.facts]


class CitationView(View):
    """Only where an entry's claim comes from, to paste under a note: `cite`."""

    def __init__(self, handbook: HandbookView, entry: Entry) -> None:
        self.citation = citation_of(handbook, entry)

    def plain(self) -> str:
        return citation_plain(self.citation) + "\n"

    def markdown(self) -> str:
        return citation_markdown(self.citation) + "\n\n"

    def data(self) -> Any:
        return citation_json(self.citation)


class ProblemsView(View):
    """`validate`: problems and warnings, one `file:line:col: message` per line, or JSON for tools."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = problems

    def plain(self) -> str:
        return "".join(f"{problem}\n" for problem in self.problems)

    def data(self) -> Any:
        return [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "severity": "warning" if p.warning else "error",
            }
            for p in self.problems
        ]


def size_text(size: int) -> str:
    """Bytes as a reader says them: 512 B, 14 KB, 3.2 MB."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            amount = size / scale
            return f"{amount:.1f} {unit}" if amount < 10 else f"{amount:.0f} {unit}"
    return f"{size} B"


class CacheView(View):
    """`coalition cache`: the folder, what it holds, and whether each cache is still of use."""

    def __init__(
        self, folder: str | None, caches: Sequence[CacheFile], pending: int, caution: str | None, others: int = 0
    ) -> None:
        from coalition_cli.model.inert import shown_path

        self.folder = None if folder is None else shown_path(folder)
        self.caches = caches
        self.pending = pending  # bytes of temporaries: builds under way, or killed
        self.caution = caution
        self.others = others  # files in the folder that are not coalition's, left alone
        self.size = sum(cache.size for cache in caches) + pending

    def summary(self) -> str:
        if self.folder is None:
            return "caching is off (COALITION_NO_CACHE is set): every run reads the handbook afresh"
        count = len(self.caches)
        line = f"{self.folder}: {size_text(self.size)} in {count} cache{'s' if count != 1 else ''}"
        if self.pending:
            line += f" (and {size_text(self.pending)} of unfinished builds)"
        if self.others:
            line += f"; {self.others} other file{'s' if self.others != 1 else ''} there, not coalition's: left alone"
        return line + (f"; {self.caution}" if self.caution else "")

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """Per cache: state, size, entries, when it was built, the handbooks it was built from."""
        import time

        rows = []
        for cache in self.caches:
            built = time.strftime("%Y-%m-%d %H:%M", time.localtime(cache.built_ns / 1e9)) if cache.built_ns else "?"
            rows.append((cache.state, size_text(cache.size), str(cache.entries), built, ", ".join(cache.handbooks)))
        return rows

    def plain(self) -> str:
        lines = [one_line(self.summary())]
        for state, size, entries, built, handbooks in self.rows():
            lines.append(f"  {state:<10} {size:>7}  {entries:>7} entries  built {built}  {one_line(handbooks)}")
        return "".join(line + "\n" for line in lines)

    def markdown(self) -> str:
        lines = [md(self.summary()), ""]
        for state, size, entries, built, handbooks in self.rows():
            lines.append(f"- {state}, {size}, {entries} entries, built {built}: {md(handbooks)}")
        return "".join(line + "\n" for line in lines)

    def data(self) -> Any:
        return {
            "folder": self.folder,
            "enabled": self.folder is not None and self.caution is None,
            "size": self.size,
            "unfinished": self.pending,
            "others": self.others,
            "caches": [
                {
                    "file": cache.path,
                    "state": cache.state,
                    "size": cache.size,
                    "entries": cache.entries,
                    "built_ns": cache.built_ns,
                    "handbooks": cache.handbooks,
                }
                for cache in self.caches
            ],
        }
