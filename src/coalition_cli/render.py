"""Turn entries into output: rich on a terminal, or plain text, markdown and JSON anywhere.

Plain, markdown and JSON are built as strings without rich, so piped output has no ANSI codes, no
box drawing and no terminal-width wrapping, and costs no rich import. Rich is imported only when
rendering for a terminal. Handbook text is always passed to rich as `Text`, never as markup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

from coalition_cli.errors import Problem
from coalition_cli.handbook import FIELD_LABELS, KINDS, LEAD, PLURALS, Entry, Handbook, HandbookView
from coalition_cli.search import MARK_END, MARK_START, Hit, strip_marks

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from coalition_cli.relations import Edge, Node


class Format(StrEnum):
    """Output formats every printing command accepts."""

    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    json = "json"


class CiteFormat(StrEnum):
    """`cite` also speaks BibTeX."""

    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    json = "json"
    bib = "bib"


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


def source_titles(handbook: HandbookView, section_ids: Iterable[str]) -> str:
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
    lines.append(f"Source: {source_titles(handbook, entry.source)}")
    return "\n".join(lines) + "\n"


def plain_table(entries: Iterable[Entry], *, origins: bool = False) -> str:
    """One entry per line, tab-separated (id, title, detail, and the file when several are in use),
    like `gh` when piped."""
    lines = []
    for entry in entries:
        detail = detail_of(entry)
        if origins:
            lines.append("\t".join([entry.id, entry.title, detail, entry.origin]))
        else:
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


def markdown_entry(handbook: HandbookView, entry: Entry, *, level: int = 2) -> str:
    """An entry as a note: an anchor and heading, the summary, the key facts, related entries as
    links to their anchors (they resolve in an export, or in notes that collect several entries),
    the note, and a citation line."""
    lines = [f'<a id="{entry.id}"></a>', ""]
    lines += [f"{'#' * level} {md(entry.title)}", "", f"*{entry.kind}* `{entry.id}`", "", md(entry.summary), ""]
    for label, value in entry_rows(entry):
        if isinstance(value, tuple):
            lines.append(f"- **{label}:**")
            lines.extend(f"  - {md(item)}" for item in value)
        else:
            lines.append(f"- **{label}:** {md(value)}")
    if entry.related:
        names = [f"[{md(_title(handbook, r))}](#{r})" for r in entry.related]
        lines.append(f"- **Related:** {', '.join(names)}")
    if entry.note:
        lines += ["", f"**Note:** {md(entry.note)}"]
    lines += ["", f"Source: {citation_markdown(citation_of(handbook, entry))}"]
    return "\n".join(lines) + "\n"


def _title(handbook: HandbookView, entry_id: str) -> str:
    entry = handbook.get(entry_id)
    return entry.title if entry is not None else entry_id


def markdown_table(entries: Iterable[Entry], *, origins: bool = False) -> str:
    tail = ["file"] if origins else []
    lines = ["| " + " | ".join(["id", "title", "detail", *tail]) + " |", "|" + " --- |" * (len(tail) + 3)]
    for entry in entries:
        cells = [f"`{entry.id}`", md(entry.title), md(detail_of(entry)), *([md(entry.origin)] if origins else [])]
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
            lines += ["", markdown_entry(handbook, entry, level=3).rstrip("\n")]
    return "\n".join(lines) + "\n"


# -- citations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """Where an entry's claim comes from: the document, its section(s), and the quote if any."""

    document: str
    sections: tuple[str, ...]  # ids; LEAD for the opening paragraph
    titles: tuple[str, ...]
    quote: str | None
    entry: Entry


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


def _where(citation: Citation, quote: Callable[[str], str]) -> str:
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
    text = f'"{citation.document}", ' + _where(citation, lambda title: f'"{title}"')
    return text + (f': "{citation.quote}"' if citation.quote else "")


def citation_markdown(citation: Citation) -> str:
    text = f"*{md(citation.document)}*, " + _where(citation, lambda title: f'"{md(title)}"')
    return text + (f': "{md(citation.quote)}"' if citation.quote else "")


def _bib(text: str) -> str:
    """Escape text for a BibTeX field."""
    return re.sub(r"([{}\\&%$#_])", r"\\\1", text)


def citation_bib(citation: Citation) -> str:
    """A BibTeX-like @misc record. The article names no author or date we may give, so none appear."""
    where = _where(citation, lambda title: f"``{title}''")
    note = where[:1].upper() + where[1:]
    if citation.quote:
        note += f". Quoted: ``{citation.quote}''"
    note += f". Cited for the entry ``{citation.entry.title}'' ({citation.entry.kind} {citation.entry.id})"
    fields = [f"  title = {{{_bib(citation.document)}}},", f"  note = {{{_bib(note)}}},"]
    return "\n".join([f"@misc{{coalition-{citation.entry.id},", *fields, "}"]) + "\n"


def citation_json(citation: Citation) -> dict[str, Any]:
    return {
        **brief_json(citation.entry),
        "document": citation.document,
        "sections": [{"id": s, "title": t} for s, t in zip(citation.sections, citation.titles, strict=True)],
        "quote": citation.quote,
        "citation": citation_plain(citation),
    }


def write_citation(handbook: HandbookView, entry: Entry, fmt: Format | None) -> None:
    """Just the citation, for pasting under a note: plain, markdown, json or rich (see write_bib)."""
    citation = citation_of(handbook, entry)

    def rich() -> RenderableType:
        from rich.text import Text

        return Text(citation_plain(citation), style="italic")

    _write(
        choose_format(fmt),
        lambda: citation_plain(citation) + "\n",
        lambda: citation_markdown(citation) + "\n",
        lambda: citation_json(citation),
        rich,
    )


def write_bib(handbook: HandbookView, entry: Entry) -> None:
    sys.stdout.write(citation_bib(citation_of(handbook, entry)))
    sys.stdout.flush()


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
    table.add_row(Text("Source"), Text(source_titles(handbook, entry.source), style="dim"))
    body = Group(Text(entry.summary), Text(""), table)
    return Panel(
        body,
        title=Text(entry.title, style=f"bold {style}"),
        title_align="left",
        subtitle=Text(f"{entry.kind}: {entry.id}", style=style),
        subtitle_align="right",
        border_style=style,
    )


def rich_table(entries: Iterable[Entry], *, origins: bool = False) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    table.add_column("detail", style="dim")
    if origins:
        table.add_column("file", style="dim")
    for entry in entries:
        cells = [Text(entry.id, style=KIND_STYLES.get(entry.kind, "")), Text(entry.title), Text(detail_of(entry))]
        table.add_row(*cells, *([Text(entry.origin)] if origins else []))
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


MAX_GAP_LINES = 8  # the longest gap between two facts, in lines; the others to scale


def _date_point(date: str) -> dt.date:
    """Where a date sits on the axis: a year or a month given alone counts from its middle."""
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 7, 1)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], 15)
    return dt.date(parts[0], parts[1], parts[2])


def _duration(days: int, precision: int) -> str:
    """A gap in words, no finer than the vaguer of its two dates (1 year, 2 month, 3 day)."""
    years, rest = divmod(days, 365)
    if precision == 1:
        years = max(1, round(days / 365))
        return f"about {years} year{'s' if years != 1 else ''}"
    months = rest // 30
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    if not parts:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return ("about " if precision == 2 else "") + " ".join(parts)


def rich_timeline(facts: list[Entry]) -> RenderableType:
    """The dated facts on a vertical time axis, the gaps between them drawn to scale."""
    from rich.console import Group
    from rich.text import Text

    dates = [fact.date or "" for fact in facts]
    starts = [_date_point(date) for date in dates]
    gaps = [(later - earlier).days for earlier, later in zip(starts, starts[1:], strict=False)]
    widest = max(gaps, default=0) or 1
    lines: list[Text] = []
    for index, fact in enumerate(facts):
        line = Text(f"{dates[index]:<10}  ", style="yellow")
        line.append("\u25cf ", style="bold yellow")
        line.append(fact.title)
        line.append(f"  {fact.id}", style="dim")
        lines.append(line)
        if index < len(gaps) and gaps[index] > 0:
            count = max(1, round(gaps[index] / widest * MAX_GAP_LINES))
            precision = min(dates[index].count("-"), dates[index + 1].count("-")) + 1
            label = _duration(gaps[index], precision)
            for row in range(count):
                lines.append(Text(" " * 12 + "\u2502" + (f"  {label}" if row == count // 2 else ""), style="dim"))
    return Group(*lines)


# -- relations -----------------------------------------------------------------------------------

KIND_GROUPS = {"actor": "Actors", "figure": "People", "fact": "Facts", "term": "Terms", "section": "Sections"}


def _groups(node: Node) -> list[tuple[str, list[Node]]]:
    """A node's children by kind: actors, people, facts, terms, then sections."""
    return [
        (label, [child for child in node.children if child.entry.kind == kind])
        for kind, label in KIND_GROUPS.items()
        if any(child.entry.kind == kind for child in node.children)
    ]


def plain_relations(tree: Node) -> str:
    lines = [f"{tree.entry.title} ({tree.entry.kind}: {tree.entry.id})"]

    def add(node: Node, indent: str) -> None:
        for label, children in _groups(node):
            lines.append(f"{indent}{label}")
            for child in children:
                lines.append(f"{indent}  {child.entry.title} ({child.entry.id}): {', '.join(child.links)}")
                add(child, indent + "    ")

    add(tree, "  ")
    return "\n".join(lines) + "\n"


def markdown_relations(tree: Node) -> str:
    lines = [f"**{md(tree.entry.title)}** (*{tree.entry.kind}* `{tree.entry.id}`)", ""]

    def add(node: Node, indent: str) -> None:
        for label, children in _groups(node):
            lines.append(f"{indent}- **{label}**")
            for child in children:
                link = f"[{md(child.entry.title)}](#{child.entry.id})"
                lines.append(f"{indent}  - {link}: {', '.join(child.links)}")
                add(child, indent + "    ")

    add(tree, "")
    return "\n".join(lines) + "\n"


def relations_json(tree: Node, edges: list[Edge]) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}

    def collect(node: Node) -> None:
        nodes.setdefault(node.entry.id, brief_json(node.entry))
        for child in node.children:
            collect(child)

    collect(tree)
    return {
        "root": brief_json(tree.entry),
        "nodes": list(nodes.values()),
        "edges": [{"source": e.source, "target": e.target, "relation": e.relation} for e in edges],
    }


def rich_relations(tree: Node) -> RenderableType:
    from rich.text import Text
    from rich.tree import Tree

    def label(entry: Entry, links: tuple[str, ...] = ()) -> Text:
        text = Text(entry.title, style=f"bold {KIND_STYLES.get(entry.kind, '')}" if not links else "")
        text.append(f"  {entry.kind}: {entry.id}" if not links else f"  {entry.id}", style="dim")
        if links:
            text.append(f"  {', '.join(links)}", style="italic dim")
        return text

    def add(branch: Tree, node: Node) -> None:
        for group, children in _groups(node):
            kind_branch = branch.add(Text(group, style=KIND_STYLES.get(children[0].entry.kind, "")))
            for child in children:
                add(kind_branch.add(label(child.entry, child.links)), child)

    root = Tree(label(tree.entry))
    add(root, tree)
    return root


def write_relations(tree: Node, edges: list[Edge], fmt: Format) -> None:
    _write(
        fmt,
        lambda: plain_relations(tree),
        lambda: markdown_relations(tree),
        lambda: relations_json(tree, edges),
        lambda: rich_relations(tree),
    )


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


_paging = True


def allow_paging(allowed: bool) -> None:
    """--no-pager turns paging off for the run."""
    global _paging
    _paging = allowed


def _pager_rows() -> int | None:
    """The terminal's height when long output should go through a pager, else None."""
    if not _paging or not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().lines


def _page(text: str) -> bool:
    """Show text through $PAGER (else `less -R`); False if there is no pager to use."""
    import shlex
    import signal
    import subprocess

    command = os.environ.get("PAGER", "less -R")
    try:
        args = shlex.split(command)
    except ValueError:
        return False
    if not args or args[0] == "cat":
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does: keep colours, and leave the text on screen at the end
    try:
        pager = subprocess.Popen(args, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the pager now
    try:
        assert pager.stdin is not None
        try:
            pager.stdin.write(text.encode(encoding, errors="replace"))
            pager.stdin.close()
        except BrokenPipeError:
            pass  # the reader quit the pager before the end
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True


def _emit(text: str, rows: int | None) -> None:
    if rows is not None and text.count("\n") >= rows and _page(text):
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _write(
    fmt: Format, plain: Callable[[], str], markdown: Callable[[], str], data: Callable[[], Any], rich: Callable[[], Any]
) -> None:
    """Produce one command's output in the chosen format (only that one is built), through a pager
    on a terminal when it is taller than the screen."""
    rows = _pager_rows()
    if fmt is Format.rich:
        renderables = rich()
        console = _console()
        if rows is None:
            for renderable in renderables if isinstance(renderables, list) else [renderables]:
                console.print(renderable)
        else:
            # Drawn for this terminal, then paged if it is taller than the screen.
            with console.capture() as captured:
                for renderable in renderables if isinstance(renderables, list) else [renderables]:
                    console.print(renderable)
            _emit(captured.get(), console.height)
        return
    builders: dict[Format, Callable[[], str]] = {
        Format.plain: plain,
        Format.markdown: markdown,
        Format.json: lambda: dump_json(data()),
    }
    _emit(builders[fmt](), rows)


def write_entry(handbook: HandbookView, entry: Entry, fmt: Format) -> None:
    _write(
        fmt,
        lambda: plain_entry(handbook, entry),
        lambda: markdown_entry(handbook, entry),
        lambda: entry_json(entry),
        lambda: rich_entry(handbook, entry),
    )


def entry_row_json(entry: Entry, origins: bool) -> dict[str, Any]:
    return {**brief_json(entry), "detail": detail_of(entry), **({"origin": entry.origin} if origins else {})}


def write_entries(entries: list[Entry], fmt: Format, *, origins: bool = False) -> None:
    """A table of entries; `origins` adds the file each came from (when several files are in use)."""
    _write(
        fmt,
        lambda: plain_table(entries, origins=origins),
        lambda: markdown_table(entries, origins=origins),
        lambda: [entry_row_json(e, origins) for e in entries],
        lambda: rich_table(entries, origins=origins),
    )


def write_counts(handbook: HandbookView, fmt: Format) -> None:
    """Every kind with its count, and each file's count when several are in use; as JSON, every
    entry (the counts follow from it)."""
    counts = [(PLURALS[kind], count) for kind, count in handbook.counts().items()]
    files = list(handbook.origin_counts().items()) if len(handbook.files) > 1 else []
    plain = "".join(f"{plural}\t{count}\n" for plural, count in counts)
    plain += "".join(f"file\t{file}\t{count}\n" for file, count in files)
    markdown = "| kind | count |\n| --- | --- |\n" + "".join(f"| {p} | {c} |\n" for p, c in counts)
    if files:
        markdown += "\n| file | entries |\n| --- | --- |\n" + "".join(f"| {md(f)} | {c} |\n" for f, c in files)
    _write(
        fmt,
        lambda: plain,
        lambda: markdown,
        lambda: [entry_row_json(e, bool(files)) for e in handbook.entries],
        lambda: [rich_counts(handbook), *([rich_files(files)] if files else [])],
    )


def rich_files(files: list[tuple[str, int]]) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("file")
    table.add_column("entries", justify="right")
    for file, count in files:
        table.add_row(Text(file), Text(str(count)))
    return table


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


def write_export(handbook: Handbook, fmt: Format) -> None:
    """The whole handbook, held in memory (`Store.materialize`): every entry is shown with the
    titles of its relations, and asking a store for each would be thousands of queries."""
    _write(
        fmt,
        lambda: plain_export(handbook),
        lambda: markdown_export(handbook),
        handbook.to_data,
        lambda: rich_export(handbook),
    )


def write_problems(problems: list[Problem], warnings: list[Problem], fmt: Format) -> None:
    """Validation problems and warnings, one `file:line:col: message` per line, or JSON for tools."""
    found = problems + warnings
    if fmt is Format.json:
        data = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "severity": "warning" if p.warning else "error",
            }
            for p in found
        ]
        sys.stdout.write(dump_json(data))
    else:
        sys.stdout.write("".join(f"{problem}\n" for problem in found))
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
