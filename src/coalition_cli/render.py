"""Turn entries into output: rich on a terminal, or plain text, markdown and JSON anywhere.

Plain, markdown and JSON are built as strings without rich, so piped output has no ANSI codes, no
box drawing and no terminal-width wrapping, and costs no rich import. Rich is imported only when
rendering for a terminal. Handbook text is always passed to rich as `Text`, never as markup.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

from coalition_cli.errors import Problem
from coalition_cli.handbook import FIELD_LABELS, KINDS, PLURALS, Entry, Handbook, HandbookView
from coalition_cli.search import MARK_END, MARK_START, Hit, strip_marks

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text


class Format(StrEnum):
    """Output formats every printing command accepts."""

    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    json = "json"


def choose_format(requested: Format | None, stream: TextIO | None = None) -> Format:
    """The format asked for; else rich on a terminal or with FORCE_COLOR, and plain when piped,
    with NO_COLOR (which wins over FORCE_COLOR) or on a dumb terminal (TERM=dumb)."""
    if requested is not None:
        return requested
    stream = stream or sys.stdout
    if os.environ.get("TERM") == "dumb":
        return Format.plain
    interactive = stream.isatty() if hasattr(stream, "isatty") else False
    forced = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
    return Format.rich if interactive or forced else Format.plain


MAX_IDS_SHOWN = 30  # `list` on a terminal names the ids of kinds that have no more than this
KIND_STYLES: dict[str, str] = {
    "section": "blue",
    "actor": "green",
    "figure": "magenta",
    "fact": "yellow",
    "term": "cyan",
}


def entry_rows(entry: Entry) -> list[tuple[str, str | tuple[str, ...]]]:
    """The labelled fields of an entry after its summary, in the order every format shows them."""
    rows: list[tuple[str, str | tuple[str, ...]]] = []
    for key, value in entry.details.items():
        if key in ("value", "unit", "qualifier"):
            continue
        if isinstance(value, bool):
            rows.append((FIELD_LABELS.get(key, key), "yes" if value else "no"))
        elif key == "mentions" and isinstance(value, tuple):
            rows.append((FIELD_LABELS[key], ", ".join(value)))
        elif isinstance(value, str | tuple):
            rows.append((FIELD_LABELS.get(key, key), value))
    figure = entry.figure
    if figure:
        rows.append(("Figure", figure))
    if entry.aliases:
        rows.append(("Also called", ", ".join(entry.aliases)))
    return rows


def detail_of(entry: Entry) -> str:
    """A short description for tables: an actor's type, a fact's date or figure, a term's expansion."""
    if entry.kind == "actor":
        kind = str(entry.details.get("type", ""))
        return f"{kind}, member" if entry.details.get("member") else kind
    if entry.kind == "fact":
        return entry.date or entry.figure or ""
    return str(entry.details.get("stands_for") or entry.details.get("role") or "")


def cite(handbook: HandbookView, section_ids: Iterable[str]) -> str:
    return "; ".join(handbook.source_title(section_id) for section_id in section_ids)


# -- plain -------------------------------------------------------------------------------------


def plain_entry(handbook: HandbookView, entry: Entry) -> str:
    lines = [f"{entry.title} ({entry.kind}: {entry.id})", "", entry.summary, ""]
    for label, value in entry_rows(entry):
        if isinstance(value, tuple):
            lines.append(f"{label}:")
            lines.extend(f"  - {item}" for item in value)
        else:
            lines.append(f"{label}: {value}")
    if entry.quote is not None:
        lines.append(f'Quote: "{entry.quote.text}" ({handbook.source_title(entry.quote.section)})')
    if entry.note:
        lines.append(f"Note: {entry.note}")
    if entry.related:
        lines.append(f"Related: {', '.join(entry.related)}")
    lines.append(f"Source: {cite(handbook, entry.source)}")
    return "\n".join(lines) + "\n"


def plain_table(entries: Iterable[Entry]) -> str:
    """One entry per line, tab-separated (id, title, detail), like `gh` when piped."""
    lines = []
    for entry in entries:
        detail = detail_of(entry)
        lines.append("\t".join([entry.id, entry.title, *([detail] if detail else [])]))
    return "\n".join(lines) + "\n"


def plain_hits(hits: list[Hit]) -> str:
    lines = []
    for hit in hits:
        lines.append(f"{hit.entry.title} ({hit.entry.kind}: {hit.entry.id})")
        lines.append(f"  {strip_marks(hit.snippet)}")
    return "\n".join(lines) + "\n"


def plain_timeline(facts: list[Entry]) -> str:
    return "".join(f"{fact.date or '':<10}  {fact.title} ({fact.id})\n" for fact in facts)


def plain_export(handbook: HandbookView) -> str:
    parts = [handbook.title, ""]
    if handbook.source.title:
        parts.append(f'Source: "{handbook.source.title}"')
    if handbook.source.lead:
        parts.append(f"Opening paragraph: {handbook.source.lead}")
    if handbook.source.note:
        parts.append(f"About the source: {handbook.source.note}")
    for kind in KINDS:
        entries = handbook.of_kind(kind)
        if not entries:
            continue
        parts.extend(["", PLURALS[kind].upper(), ""])
        parts.append("\n".join(plain_entry(handbook, entry) for entry in entries).rstrip("\n"))
    return "\n".join(parts) + "\n"


# -- markdown ----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})


def md(text: str) -> str:
    """Escape text so markdown shows it as written."""
    return text.translate(_MARKDOWN_SPECIAL)


def markdown_entry(handbook: HandbookView, entry: Entry, *, level: int = 2, links: bool = False) -> str:
    """An entry as markdown; with links, related ids point at anchors in the same document."""
    lines = []
    if links:
        lines.append(f'<a id="{entry.id}"></a>')
        lines.append("")
    lines += [f"{'#' * level} {md(entry.title)}", "", f"*{entry.kind}* `{entry.id}`", "", md(entry.summary), ""]
    for label, value in entry_rows(entry):
        if isinstance(value, tuple):
            lines.append(f"- **{label}:**")
            lines.extend(f"  - {md(item)}" for item in value)
        else:
            lines.append(f"- **{label}:** {md(value)}")
    if entry.related:
        if links:
            names = [f"[{md(_title(handbook, r))}](#{r})" for r in entry.related]
        else:
            names = [f"{md(_title(handbook, r))} (`{r}`)" for r in entry.related]
        lines.append(f"- **Related:** {', '.join(names)}")
    lines.append(f"- **Source:** {md(cite(handbook, entry.source))}")
    if entry.quote is not None:
        where = handbook.source_title(entry.quote.section)
        lines += ["", f"> {md(entry.quote.text)}", ">", f"> ({md(where)})"]
    if entry.note:
        lines += ["", f"**Note:** {md(entry.note)}"]
    return "\n".join(lines) + "\n"


def _title(handbook: HandbookView, entry_id: str) -> str:
    entry = handbook.get(entry_id)
    return entry.title if entry is not None else entry_id


def markdown_table(entries: Iterable[Entry], *, with_kind: bool = False) -> str:
    head = ["kind"] if with_kind else []
    lines = ["| " + " | ".join([*head, "id", "title", "detail"]) + " |", "|" + " --- |" * (len(head) + 3)]
    for entry in entries:
        cells = [*([entry.kind] if with_kind else []), f"`{entry.id}`", md(entry.title), md(detail_of(entry))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown_hits(hits: list[Hit]) -> str:
    lines = []
    for hit in hits:
        snippet = md(hit.snippet).replace(MARK_START, "**").replace(MARK_END, "**")
        lines.append(f"- **{md(hit.entry.title)}** ({hit.entry.kind} `{hit.entry.id}`): {snippet}")
    return "\n".join(lines) + "\n"


def markdown_timeline(facts: list[Entry]) -> str:
    return "".join(f"- **{fact.date}**: {md(fact.title)} (`{fact.id}`)\n" for fact in facts)


def markdown_export(handbook: HandbookView) -> str:
    lines = [f"# {md(handbook.title)}", ""]
    if handbook.source.title:
        lines += [f"Source: *{md(handbook.source.title)}*", ""]
    if handbook.source.lead:
        lines += [f"**Opening paragraph.** {md(handbook.source.lead)}", ""]
    if handbook.source.note:
        lines += [f"**About the source.** {md(handbook.source.note)}", ""]
    kinds = [kind for kind in KINDS if handbook.of_kind(kind)]
    lines += ["## Contents", ""]
    for kind in kinds:
        lines.append(f"- [{PLURALS[kind].capitalize()}](#{PLURALS[kind]})")
        lines.extend(f"  - [{md(e.title)}](#{e.id})" for e in handbook.of_kind(kind))
    for kind in kinds:
        lines += ["", f'<a id="{PLURALS[kind]}"></a>', "", f"## {PLURALS[kind].capitalize()}"]
        for entry in handbook.of_kind(kind):
            lines += ["", markdown_entry(handbook, entry, level=3, links=True).rstrip("\n")]
    return "\n".join(lines) + "\n"


# -- JSON --------------------------------------------------------------------------------------


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as a JSON object: kind first, then the file's fields with `title` for every kind."""
    return {"kind": entry.kind, **entry.to_data(uniform_title=True)}


def brief_json(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "id": entry.id, "title": entry.title}


def dump_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# -- rich --------------------------------------------------------------------------------------


def _console() -> Console:
    from rich.console import Console

    class DataConsole(Console):
        def on_broken_pipe(self) -> None:
            # Rich exits 1 here; let cli.py end a cut-short pipe the same way for every format.
            self.quiet = True
            raise BrokenPipeError

    return DataConsole(highlight=False, emoji=False, markup=False)


def _marked_text(snippet: str) -> Text:
    """Turn a search snippet's match marks into bold spans."""
    from rich.text import Text

    text = Text()
    bold = False
    for index, piece in enumerate(snippet.replace(MARK_END, MARK_START).split(MARK_START)):
        if piece:
            text.append(piece, style="bold" if bold else "")
        bold = index % 2 == 0
    return text


def rich_entry(handbook: HandbookView, entry: Entry) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    style = KIND_STYLES.get(entry.kind, "white")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in entry_rows(entry):
        shown = Text("\n".join(f"- {item}" for item in value)) if isinstance(value, tuple) else Text(value)
        table.add_row(Text(label), shown)
    if entry.quote is not None:
        quote = Text(f"\u201c{entry.quote.text}\u201d", style="italic")
        quote.append(f"\n{handbook.source_title(entry.quote.section)}", style="dim")
        table.add_row(Text("Quote"), quote)
    if entry.note:
        table.add_row(Text("Note"), Text(entry.note, style="yellow"))
    if entry.related:
        related = Text()
        for index, entry_id in enumerate(entry.related):
            related.append(", " if index else "")
            related.append(entry_id, style=KIND_STYLES.get(getattr(handbook.get(entry_id), "kind", ""), ""))
        table.add_row(Text("Related"), related)
    table.add_row(Text("Source"), Text(cite(handbook, entry.source), style="dim"))
    body = Group(Text(entry.summary), Text(""), table)
    return Panel(
        body,
        title=Text(entry.title, style=f"bold {style}"),
        title_align="left",
        subtitle=Text(f"{entry.kind}: {entry.id}", style=style),
        subtitle_align="right",
        border_style=style,
    )


def rich_table(entries: Iterable[Entry], *, with_kind: bool = False) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    if with_kind:
        table.add_column("kind")
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    table.add_column("detail", style="dim")
    for entry in entries:
        cells = [Text(entry.id, style=KIND_STYLES.get(entry.kind, "")), Text(entry.title), Text(detail_of(entry))]
        table.add_row(*([Text(entry.kind)] if with_kind else []), *cells)
    return table


def rich_counts(handbook: HandbookView) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("kind", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("ids", style="dim")
    for kind, count in handbook.counts().items():
        ids = ", ".join(e.id for e in handbook.of_kind(kind)) if count <= MAX_IDS_SHOWN else "..."
        table.add_row(Text(PLURALS[kind], style=KIND_STYLES[kind]), Text(str(count)), Text(ids))
    return table


def rich_hits(hits: list[Hit]) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    parts: list[RenderableType] = []
    for hit in hits:
        style = KIND_STYLES.get(hit.entry.kind, "")
        head = Text(hit.entry.title, style=f"bold {style}")
        head.append(f"  {hit.entry.kind}: {hit.entry.id}", style="dim")
        parts += [head, Padding(_marked_text(hit.snippet), (0, 0, 1, 2))]
    return Group(*parts)


def rich_timeline(facts: list[Entry]) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("date", style="yellow", no_wrap=True)
    table.add_column("fact")
    table.add_column("id", style="dim")
    for fact in facts:
        table.add_row(Text(fact.date or ""), Text(fact.title), Text(fact.id))
    return table


def rich_export(handbook: HandbookView) -> list[RenderableType]:
    from rich.rule import Rule
    from rich.text import Text

    parts: list[RenderableType] = [Text(handbook.title, style="bold")]
    if handbook.source.title:
        parts.append(Text(f"Source: {handbook.source.title}", style="dim"))
    for kind in KINDS:
        entries = handbook.of_kind(kind)
        if entries:
            parts.append(Rule(Text(PLURALS[kind].capitalize(), style=KIND_STYLES[kind])))
            parts.extend(rich_entry(handbook, entry) for entry in entries)
    return parts


# -- writing -----------------------------------------------------------------------------------


def _write(
    fmt: Format, plain: Callable[[], str], markdown: Callable[[], str], data: Callable[[], Any], rich: Callable[[], Any]
) -> None:
    """Produce one command's output in the chosen format; only the chosen one is built."""
    if fmt is Format.rich:
        renderables = rich()
        console = _console()
        for renderable in renderables if isinstance(renderables, list) else [renderables]:
            console.print(renderable)
        return
    builders: dict[Format, Callable[[], str]] = {
        Format.plain: plain,
        Format.markdown: markdown,
        Format.json: lambda: dump_json(data()),
    }
    sys.stdout.write(builders[fmt]())
    sys.stdout.flush()


def write_entry(handbook: HandbookView, entry: Entry, fmt: Format) -> None:
    _write(
        fmt,
        lambda: plain_entry(handbook, entry),
        lambda: markdown_entry(handbook, entry),
        lambda: entry_json(entry),
        lambda: rich_entry(handbook, entry),
    )


def write_entries(entries: list[Entry], fmt: Format, *, with_kind: bool = False) -> None:
    _write(
        fmt,
        lambda: plain_table(entries),
        lambda: markdown_table(entries, with_kind=with_kind),
        lambda: [{**brief_json(e), "detail": detail_of(e)} for e in entries],
        lambda: rich_table(entries, with_kind=with_kind),
    )


def write_counts(handbook: HandbookView, fmt: Format) -> None:
    """Every kind with its count; as JSON, every entry (the counts follow from it)."""
    counts = [(PLURALS[kind], count) for kind, count in handbook.counts().items()]
    _write(
        fmt,
        lambda: "".join(f"{plural}\t{count}\n" for plural, count in counts),
        lambda: "| kind | count |\n| --- | --- |\n" + "".join(f"| {p} | {c} |\n" for p, c in counts),
        lambda: [{**brief_json(e), "detail": detail_of(e)} for e in handbook.entries],
        lambda: rich_counts(handbook),
    )


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        **brief_json(hit.entry),
        "score": hit.score,
        "snippet": strip_marks(hit.snippet),
        "matched": list(hit.matched),
        "coverage": hit.coverage,
    }


def write_hits(hits: list[Hit], fmt: Format) -> None:
    _write(
        fmt,
        lambda: plain_hits(hits),
        lambda: markdown_hits(hits),
        lambda: [hit_json(hit) for hit in hits],
        lambda: rich_hits(hits),
    )


def write_timeline(handbook: HandbookView, fmt: Format) -> None:
    facts = handbook.dated_facts()
    _write(
        fmt,
        lambda: plain_timeline(facts),
        lambda: markdown_timeline(facts),
        lambda: [{**brief_json(f), "date": f.date} for f in facts],
        lambda: rich_timeline(facts),
    )


def write_export(view: HandbookView, fmt: Format) -> None:
    # Every entry is shown with the titles of its relations: hold them all in memory once, rather
    # than asking the store for each.
    handbook = Handbook(view.title, view.source, view.entries, view.path, view.format, view.variants)
    _write(
        fmt,
        lambda: plain_export(handbook),
        lambda: markdown_export(handbook),
        handbook.to_data,
        lambda: rich_export(handbook),
    )


def write_problems(problems: list[Problem], fmt: Format) -> None:
    """Validation problems, one `file:line:col: message` per line, or a JSON array for tools."""
    if fmt is Format.json:
        data = [{"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in problems]
        sys.stdout.write(dump_json(data))
    else:
        sys.stdout.write("".join(f"{problem}\n" for problem in problems))
    sys.stdout.flush()


class BuildProgress:
    """A progress bar on stderr while a large handbook is read and indexed for the first time.

    Nothing is shown, and rich is not imported, for a handbook small enough to build in a blink:
    the first report (reading, with the file's length) decides.
    """

    BIG = 1_000_000  # characters of YAML
    STAGES = {"reading": "Reading the handbook", "checking": "Checking entries", "indexing": "Indexing for search"}

    def __init__(self) -> None:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._off = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._off:
            return
        if self._bar is None:
            if stage != "reading" or total < self.BIG:
                self._off = True
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self._bar.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(self.STAGES.get(stage, stage), total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
