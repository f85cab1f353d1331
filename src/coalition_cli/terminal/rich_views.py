"""The views drawn for a person at a terminal: panels, tables, trees, a time axis.

The one module that imports rich, and only when something is drawn for a terminal: piped output
never pays for it. Handbook text always reaches rich as `Text`, never as markup. Below NARROW
columns, labels go above their values instead of beside them, so no id is ever cut short.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.text import Text

from coalition_cli.lookup.relations import TYPED, Node, type_groups, wording
from coalition_cli.model.handbook import KINDS, OUTSIDE_MARKER, PLURALS, Entry
from coalition_cli.model.inert import MARK_END, MARK_START, one_line
from coalition_cli.terminal.ansi import KIND_STYLES, Ink, screen_size
from coalition_cli.terminal.card import INDENTED, NARROW, card
from coalition_cli.views.citations import citation_plain
from coalition_cli.views.compare import CompareView, names, shared_label
from coalition_cli.views.export import ExportView
from coalition_cli.views.listing import CountsView, EntriesView
from coalition_cli.views.relation_views import ChainView, RelationsView
from coalition_cli.views.render import (
    AnswerView,
    CacheView,
    CitationView,
    EntryView,
    HitsView,
    TimelineView,
    View,
    detail_of,
)

MAX_IDS_SHOWN = 30  # `list` names the ids of kinds that have no more than this
MAX_GAP_LINES = 8  # the longest gap between two facts on the time axis, in lines; the others to scale

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from coalition_cli.model.handbook import HandbookView


def console(columns: int, lines: int) -> Console:
    """A console for data on stdout, decided once from the terminal's size (output.terminal_size:
    COLUMNS and LINES first, as ansi.screen_size takes them), NO_COLOR, FORCE_COLOR and TERM."""
    width, height = screen_size(columns, lines)
    return Console(
        file=sys.stdout or io.StringIO(), highlight=False, emoji=False, markup=False, width=width, height=height
    )


def draw(view: View, size: tuple[int, int]) -> tuple[str, int]:
    """The view drawn for a terminal of `size` (columns, lines), and its height (for the pager)."""
    screen = console(*size)
    drawer = DRAWERS[type(view)]
    with screen.capture() as captured:
        for renderable in drawer(view, screen.width):
            screen.print(renderable)
    return captured.get(), screen.height


def _kind_style(entry: Entry | None) -> str:
    return KIND_STYLES.get(entry.kind, "") if entry is not None else ""


def _marked_text(snippet: str) -> Text:
    """A search snippet's match marks as bold spans."""
    text = Text()
    bold = False
    for index, piece in enumerate(snippet.replace(MARK_END, MARK_START).split(MARK_START)):
        if piece:
            text.append(piece, style="bold" if bold else "")
        bold = index % 2 == 0
    return text


def _entry(view: EntryView, width: int) -> list[RenderableType]:
    return [_card(view.handbook, view.entry, width)]


def _card(handbook: HandbookView, entry: Entry, width: int) -> Text:
    """An entry's card (card.py draws it without rich, for `show`), as rich text among other views."""
    return Text.from_ansi(card(handbook, entry, width, Ink(True, True, Ink.of(sys.stdout).ascii_only)).rstrip("\n"))


def _entries(view: EntriesView, width: int) -> list[RenderableType]:
    from rich.table import Table  # not for `show`: imported by what draws tables

    if width < NARROW:
        parts: list[RenderableType] = []
        indent = 2 if width >= INDENTED else 0
        for entry in view.entries:
            parts.append(Text(entry.id, style=_kind_style(entry)))
            for extra in (entry.title, detail_of(entry), one_line(entry.origin) if view.origins else ""):
                if extra:  # wrapped inside its indent, not back at column 0
                    parts.append(Padding(Text(extra, style="" if extra == entry.title else "dim"), (0, 0, 0, indent)))
        return parts
    table = Table(show_edge=False, header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    table.add_column("detail", style="dim")
    if view.origins:
        table.add_column("file", style="dim")
    for entry in view.entries:
        cells = [Text(entry.id, style=_kind_style(entry)), Text(entry.title), Text(detail_of(entry))]
        table.add_row(*cells, *([Text(one_line(entry.origin))] if view.origins else []))
    return [table]


def _counts(view: CountsView, width: int) -> list[RenderableType]:
    from rich.table import Table  # not for `show`: imported by what draws tables

    handbook = view.handbook
    listed = [
        (kind, count, ", ".join(e.id for e in handbook.of_kind(kind)) if count <= MAX_IDS_SHOWN else "...")
        for kind, count in handbook.counts().items()
    ]
    parts: list[RenderableType] = []
    if width < NARROW:  # each kind above its ids, which keep the whole width (never cut)
        for kind, count, ids in listed:
            head = Text(PLURALS[kind], style=f"bold {KIND_STYLES[kind]}")
            head.append(f" ({count})", style="bold")
            parts += [head, Text(ids, style="dim")]
    else:
        table = Table(show_edge=False, header_style="bold")
        table.add_column("kind", no_wrap=True)
        table.add_column("count", justify="right", no_wrap=True)
        table.add_column("ids", style="dim", overflow="fold")
        for kind, count, ids in listed:
            table.add_row(Text(PLURALS[kind], style=KIND_STYLES[kind]), Text(str(count)), Text(ids))
        parts.append(table)
    if view.files:
        files = Table(show_edge=False, header_style="bold")
        files.add_column("file", overflow="fold")
        files.add_column("entries", justify="right")
        for file, entries in view.files:
            files.add_row(Text(one_line(file)), Text(str(entries)))
        parts.append(files)
    return parts


def _hits(view: HitsView, _width: int) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for hit, mark in zip(view.hits, view.marks, strict=True):
        head = Text(hit.entry.title, style=f"bold {_kind_style(hit.entry)}")
        head.append(f"  {hit.entry.kind}: {hit.entry.id}", style="dim")
        if mark:
            head.append(f"  {mark}", style="yellow")
        parts += [head, Padding(_marked_text(hit.snippet), (0, 0, 1, 2))]
    return parts


def _answer(view: AnswerView, _width: int) -> list[RenderableType]:
    answer = view.answer
    head = Text(answer.text, style="bold")
    if answer.said_by:
        head.append(f"  ({view.attribution()})", style="italic")
    if view.mark:
        head.append(f"  (from {view.mark})", style="yellow")
    parts: list[RenderableType] = [head]
    if answer.outside:
        parts.append(Text(f"{OUTSIDE_MARKER}: {answer.outside}", style="dim"))
    if answer.note:
        parts.append(Text(f"Note: {answer.note}", style="yellow"))
    source = Text("From ", style="dim")
    source.append(answer.entry.title, style=_kind_style(answer.entry))
    source.append(f"  {answer.entry.kind}: {answer.entry.id}", style="dim")
    if view.mark:
        source.append(f"\nSource: {citation_plain(view.citation, with_quote=False)}", style="dim")
    elif view.section_title:
        source.append(f"\nSection: {view.section_title}", style="dim")
    parts.append(Padding(source, (1, 0, 0, 0)))
    if answer.quote:
        quote = Text(f"\u201c{answer.quote}\u201d", style="italic")
        said = view.quote_note()
        if said:
            quote.append(f"  ({said})", style="dim")
        parts.append(Padding(quote, (0, 0, 0, 2)))
    return parts


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


def _timeline(view: TimelineView, _width: int) -> list[RenderableType]:
    """The dated facts on a vertical time axis, the gaps drawn to scale; titles wrap in their column."""
    from rich.table import Table  # not for `show`: imported by what draws tables

    facts = view.facts
    dates = [fact.date or "" for fact in facts]
    starts = [_date_point(date) for date in dates]
    gaps = [(later - earlier).days for earlier, later in zip(starts, starts[1:], strict=False)]
    widest = max(gaps, default=0) or 1
    axis = Table.grid(padding=(0, 1))
    axis.add_column(width=10, no_wrap=True, style="yellow")
    axis.add_column(width=1, no_wrap=True)
    axis.add_column(overflow="fold")
    for index, fact in enumerate(facts):
        text = Text(fact.title)
        text.append(f"  {fact.id}", style="dim")
        axis.add_row(Text(dates[index]), Text("\u25cf", style="bold yellow"), text)
        if index < len(gaps) and gaps[index] > 0:
            count = max(1, round(gaps[index] / widest * MAX_GAP_LINES))
            precision = min(dates[index].count("-"), dates[index + 1].count("-")) + 1
            label = _duration(gaps[index], precision)
            for row in range(count):
                beside = Text(label if row == count // 2 else "", style="dim")
                axis.add_row(Text(""), Text("\u2502", style="dim"), beside)
    return [axis]


def _relations(view: RelationsView, _width: int) -> list[RenderableType]:
    from rich.tree import Tree

    def label(entry: Entry, also: tuple[str, ...] = (), root: bool = False) -> Text:
        text = Text(entry.title, style=f"bold {_kind_style(entry)}" if root else _kind_style(entry))
        text.append(f"  {entry.kind}: {entry.id}" if root else f"  {entry.id}", style="dim")
        if also:
            text.append(f"  also {', '.join(also)}", style="italic dim")
        return text

    def add(branch: Tree, node: Node) -> None:
        for link, children in type_groups(node):
            group = branch.add(Text(wording(link), style="bold" if link in TYPED else "italic"))
            for child in children:
                add(group.add(label(child.entry, child.links[1:])), child)

    root = Tree(label(view.tree.entry, root=True))
    add(root, view.tree)
    return [root, Text(view.left_out_line(), style="dim")] if view.left_out else [root]


def _chain(view: ChainView, _width: int) -> list[RenderableType]:
    text = Text(view.chain.start.title, style=f"bold {_kind_style(view.chain.start)}")
    for step in view.steps:
        text.append(f" \u2014{wording(step.link)}\u2192 ", style="italic" if step.link in TYPED else "italic dim")
        text.append(step.end.title, style=f"bold {_kind_style(step.end)}")
    return [text]


def _compare(view: CompareView, _width: int) -> list[RenderableType]:
    from rich.table import Table  # not for `show`: imported by what draws tables

    comparison = view.comparison
    table = Table(show_lines=True, header_style="bold")
    table.add_column("", style="bold", no_wrap=True)
    for entry in comparison.entries:
        table.add_column(Text(entry.title, style=f"bold {_kind_style(entry)}"), ratio=1)
    for field in comparison.fields:
        cells = [field.values[entry.id] for entry in comparison.entries]
        table.add_row(field.label, *(_cell_text(cell) for cell in cells))
    own = [names(comparison.own[entry.id]) for entry in comparison.entries]
    table.add_row("Links only this one has", *(Text(text, style="dim") for text in own))
    parts: list[RenderableType] = [table]
    if comparison.shared:
        shared = Text(f"{shared_label(comparison.entries)}: ", style="bold")
        parts.append(shared.append(names(comparison.shared), style=""))
    return parts


def _cell_text(value: str | tuple[str, ...] | None) -> Text:
    if value is None:
        return Text("\u2014", style="dim")
    return Text("\n".join(f"\u2022 {item}" for item in value) if isinstance(value, tuple) else value)


def _export(view: ExportView, width: int) -> list[RenderableType]:
    from rich.rule import Rule

    handbook = view.handbook
    parts: list[RenderableType] = [Text(handbook.title, style="bold")]
    if handbook.source.title:
        parts.append(Text(f"Source: {handbook.source.title}", style="dim"))
    for kind in KINDS:
        entries = handbook.of_kind(kind)
        if entries:
            parts.append(Rule(Text(PLURALS[kind].capitalize(), style=KIND_STYLES[kind])))
            parts.extend(_card(handbook, entry, width) for entry in entries)
    return parts


def _citation(view: CitationView, _width: int) -> list[RenderableType]:
    return [Text(view.plain().rstrip("\n"), style="italic")]


def _cache(view: CacheView, _width: int) -> list[RenderableType]:
    from rich.table import Table  # not for `show`: imported by what draws tables

    table = Table(box=None, show_header=bool(view.caches), pad_edge=False)
    for column in ("state", "size", "entries", "built", "handbooks"):
        table.add_column(column, justify="right" if column in ("size", "entries") else "left", overflow="fold")
    for state, size, entries, built, handbooks in view.rows():
        style = {"current": "green", "outdated": "yellow"}.get(state, "red")
        table.add_row(Text(state, style=style), size, entries, built, Text(one_line(handbooks)))
    return [Text(one_line(view.summary()), style="bold"), table] if view.caches else [Text(one_line(view.summary()))]


DRAWERS: dict[type, Callable[[Any, int], list[RenderableType]]] = {
    CacheView: _cache,
    EntryView: _entry,
    EntriesView: _entries,
    CountsView: _counts,
    HitsView: _hits,
    AnswerView: _answer,
    TimelineView: _timeline,
    RelationsView: _relations,
    ChainView: _chain,
    CompareView: _compare,
    ExportView: _export,
    CitationView: _citation,
}
