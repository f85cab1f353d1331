"""The whole handbook as one document: `export`, in plain text, markdown, JSON and the formats of
reference managers.

Written a window of entries at a time, as they are read from the store: a handbook of a million
entries is never held whole, and the first bytes reach a pipe at once (`export | head`). Each
window fetches what showing its entries needs (the entries they link to, and those that link to
them) in a few queries. Only a terminal's rich view, which goes to a pager whole, reads it all.
"""

from __future__ import annotations

from coalition_cli.model.handbook import KINDS, PLURALS, Entry, both_ways
from coalition_cli.model.inert import md
from coalition_cli.views.render import EntryView, View, json_array_chunks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from coalition_cli.model.handbook import Handbook
    from coalition_cli.model.origins import Origin, SourceInfo
    from coalition_cli.store.tables import Store


class Window:
    """A few of a store's entries, with the entries they name and the links to them read ahead:
    what the views ask of a handbook (HandbookView), answered for these entries from memory."""

    def __init__(self, store: Store, entries: list[Entry]) -> None:
        self.store = store
        self.entries = tuple(entries)
        self.title: str = store.title
        self.source: SourceInfo = store.source
        self.files: tuple[str, ...] = store.files
        self.origins: tuple[Origin, ...] = store.origins
        linked = store.linked_to([entry.id for entry in entries])
        self._related = {entry.id: both_ways(entry, linked.get(entry.id, ())) for entry in entries}
        named = {name for entry in entries for name in (*self._related[entry.id], *_people(entry), *entry.source)}
        self._by_id = {**store.by_ids(named), **{entry.id: entry for entry in entries}}

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id) or self.store.get(entry_id)

    def of_kind(self, kind: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == kind]

    def related_of(self, entry: Entry) -> tuple[str, ...]:
        found = self._related.get(entry.id)
        return found if found is not None else self.store.related_of(entry)

    def source_title(self, source_id: str) -> str:
        section = self._by_id.get(source_id)
        return (
            section.title if section is not None and section.kind == "section" else self.store.source_title(source_id)
        )

    def origin_of(self, entry: Entry) -> Origin:
        return self.store.origin_of(entry)

    def article_section(self, text: str) -> str | None:
        return self.store.article_section(text)


def _people(entry: Entry) -> tuple[str, ...]:
    """The ids an entry's who and said_by name, whose titles its views show."""
    ids: list[str] = []
    for key in ("who", "said_by"):
        value = entry.details.get(key)
        ids += list(value) if isinstance(value, tuple) else [value] if isinstance(value, str) else []
    return tuple(ids)


def windows(store: Store) -> Iterator[Window]:
    for batch in store.batches():
        yield Window(store, batch)


class ExportView(View):
    """The whole handbook, written as it is read (see the module's note)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def handbook(self) -> Handbook:
        """The whole handbook in memory: for the rich view, which a pager takes whole."""
        return self.store.materialize()

    def plain(self) -> str:
        return "".join(self.plain_chunks())

    def markdown(self) -> str:
        return "".join(self.markdown_chunks())

    def data(self) -> Any:
        return self.store.materialize().to_data()

    def chunks(self, fmt: str) -> Iterator[str]:
        """The document in one of plain, markdown and json, a piece at a time."""
        if fmt == "json":
            return self.json_chunks()
        return self.markdown_chunks() if fmt == "markdown" else self.plain_chunks()

    def plain_chunks(self) -> Iterator[str]:
        store = self.store
        parts = [store.title, ""]
        if store.source.title:
            parts.append(f'Source: "{store.source.title}"')
        if store.source.lead:
            parts.append(f"Opening paragraph: {store.source.lead}")
        if store.source.note:
            parts.append(f"About the source: {store.source.note}")
        yield "\n".join(parts)
        kind = None
        for window in windows(store):
            for entry in window.entries:
                text = EntryView(window, entry).plain().rstrip("\n")
                if entry.kind != kind:
                    kind = entry.kind
                    yield f"\n\n{PLURALS[kind].upper()}\n\n{text}"
                else:
                    yield f"\n\n{text}"
        yield "\n"

    def markdown_chunks(self) -> Iterator[str]:
        """A table of contents and every entry under its kind, linked by the ids markdown readers
        give headings (anchors.py): the links land under pandoc and GitHub, in HTML and Word."""
        from coalition_cli.views.anchors import Anchors, gfm_id

        store = self.store
        counts = store.counts()
        kinds = [kind for kind in KINDS if counts.get(kind)]
        anchors = Anchors((), [gfm_id(store.title), "contents", *(PLURALS[kind] for kind in kinds)])
        lines = [f"# {md(store.title)}", ""]
        if store.source.title:
            lines += [f"Source: *{md(store.source.title)}*", ""]
        if store.source.lead:
            lines += [f"**Opening paragraph.** {md(store.source.lead)}", ""]
        if store.source.note:
            lines += [f"**About the source.** {md(store.source.note)}", ""]
        yield "\n".join([*lines, "## Contents", ""])
        kind = None
        # The contents' pass gives the anchors their headings: an entry's anchor depends only on
        # the entries before it, so each link is right when written, and the body finds them all.
        for batch in store.batches():
            for entry in batch:
                anchors.add(entry)
                if entry.kind != kind:
                    kind = entry.kind
                    yield f"\n- [{PLURALS[kind].capitalize()}](#{PLURALS[kind]})"
                yield f"\n  - [{md(entry.title)}](#{anchors.target(entry.id, entry)})"
        kind = None
        for window in windows(store):
            for entry in window.entries:
                if entry.kind != kind:
                    kind = entry.kind
                    yield f"\n\n## {PLURALS[kind].capitalize()}"
                yield "\n\n" + EntryView(window, entry).markdown(level=3, anchors=anchors).rstrip("\n")
        yield "\n"

    def json_chunks(self) -> Iterator[str]:
        """The handbook in its file's shape (Handbook.to_data), one entry at a time."""
        import json

        store = self.store
        head: dict[str, Any] = {"format": 1, "title": store.title, "source": store.source.to_data()}
        if store.variants:
            head["variants"] = [list(group) for group in store.variants]
        if store.thesaurus:
            head["thesaurus"] = [list(group) for group in store.thesaurus]
        yield json.dumps(head, ensure_ascii=False, indent=2)[:-2]  # without its closing "\n}"
        written = -1  # the index in KINDS of the last kind opened
        first = True
        for window in windows(store):
            for entry in window.entries:
                rank = KINDS.index(entry.kind)
                while written < rank:  # kinds without entries are empty lists, as in to_data
                    yield ("\n  ]," if written >= 0 else ",") + f'\n  "{PLURALS[KINDS[written + 1]]}": ['
                    written += 1
                    first = True
                item = {**entry.to_data(), "related": list(window.related_of(entry))}
                text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                yield ("\n    " if first else ",\n    ") + text
                first = False
        while written < len(KINDS) - 1:
            yield ("\n  ]," if written >= 0 else ",") + f'\n  "{PLURALS[KINDS[written + 1]]}": ['
            written += 1
            first = True
        yield "\n  ]\n}\n"


def reference_chunks(store: Store, fmt: str) -> Iterator[str]:
    """Every entry's citation for a reference manager (references.FORMATS), a record at a time:
    BibTeX and RIS records a blank line apart, CSL-JSON as one array."""
    from coalition_cli.views.citations import citation_of
    from coalition_cli.views.references import bibtex, csl_item, ris

    citations = (citation_of(window, entry) for window in windows(store) for entry in window.entries)
    if fmt == "csl-json":
        yield from json_array_chunks(csl_item(citation) for citation in citations)
        return
    record = bibtex if fmt == "bib" else ris
    for number, citation in enumerate(citations):
        yield ("\n" if number else "") + record(citation)
