"""`list`: how many entries of each kind (and from each file), or one kind's entries as a table,
written a batch at a time when piped: a handbook of a million entries is never held whole."""

from __future__ import annotations

from coalition_cli.model.handbook import PLURALS, Entry
from coalition_cli.model.inert import md, one_line
from coalition_cli.views.render import View, brief_json, detail_of, json_array_chunks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from coalition_cli.store.tables import Store


class EntriesView(View):
    """A table of entries of one kind: `list KIND`; with the file each came from when it is not
    only the shipped handbook (`origins`), so a reader's own entries are told apart. Written a
    batch at a time when piped; held whole only for a terminal's table."""

    def __init__(self, handbook: Store, kind: str) -> None:
        self.handbook = handbook
        self.kind = kind
        self.origins = len(handbook.files) > 1 or not all(origin.shipped for origin in handbook.origins)

    @property
    def entries(self) -> list[Entry]:
        return self.handbook.of_kind(self.kind)

    def chunks(self, fmt: str) -> Iterator[str]:
        if fmt == "json":
            return json_array_chunks(entry_rows_json(self.handbook, self.kind))
        batches = self.handbook.batches(self.kind)
        if fmt == "markdown":
            return self._markdown_chunks(batches)
        return (self._plain_line(entry) for batch in batches for entry in batch)

    def _plain_line(self, entry: Entry) -> str:
        """One entry per line, tab-separated (id, title, detail, and the file), like `gh` when piped."""
        detail = detail_of(entry)
        if self.origins:
            return "\t".join([entry.id, entry.title, detail, one_line(entry.origin)]) + "\n"
        return "\t".join([entry.id, entry.title, *([detail] if detail else [])]) + "\n"

    def _markdown_chunks(self, batches: Iterator[list[Entry]]) -> Iterator[str]:
        tail = ["file"] if self.origins else []
        yield "| " + " | ".join(["id", "title", "detail", *tail]) + " |\n" + "|" + " --- |" * (len(tail) + 3) + "\n"
        for batch in batches:
            for entry in batch:
                cells = [f"`{entry.id}`", md(entry.title), md(detail_of(entry))]
                yield "| " + " | ".join(cells + ([md(entry.origin)] if self.origins else [])) + " |\n"

    def plain(self) -> str:
        return "".join(self.chunks("plain"))

    def markdown(self) -> str:
        return "".join(self.chunks("markdown"))

    def data(self) -> Any:
        return list(entry_rows_json(self.handbook, self.kind))


def entry_rows_json(store: Store, kind: str | None = None) -> Iterator[dict[str, Any]]:
    """Each entry (of one kind, if given) as a row of `list`'s JSON, read a batch at a time."""
    for batch in store.batches(kind):
        for entry in batch:
            yield {**brief_json(entry), "detail": detail_of(entry), "origin": store.origin_of(entry).to_json()}


class CountsView(View):
    """Every kind with its count, and each file's count when several are in use: `list`. As JSON,
    every entry (the counts follow from it)."""

    def __init__(self, handbook: Store) -> None:
        self.handbook = handbook
        self.counts = [(PLURALS[kind], count) for kind, count in handbook.counts().items()]
        self.files = list(handbook.origin_counts().items()) if len(handbook.files) > 1 else []

    def plain(self) -> str:
        text = "".join(f"{plural}\t{count}\n" for plural, count in self.counts)
        return text + "".join(f"file\t{one_line(file)}\t{count}\n" for file, count in self.files)

    def markdown(self) -> str:
        text = "| kind | count |\n| --- | --- |\n" + "".join(f"| {p} | {c} |\n" for p, c in self.counts)
        if self.files:
            text += "\n| file | entries |\n| --- | --- |\n" + "".join(f"| {md(f)} | {c} |\n" for f, c in self.files)
        return text

    def chunks(self, fmt: str) -> Iterator[str] | None:
        """As JSON, every entry: written a batch at a time."""
        if fmt != "json":
            return None
        return json_array_chunks(entry_rows_json(self.handbook))

    def data(self) -> Any:
        return list(entry_rows_json(self.handbook))
