"""The card `show` draws for a person at a terminal: the entry in a rounded frame, its title in the
top edge and `kind: id` in the bottom one, each label in bold beside its value, values wrapped in a
column of their own. Below NARROW columns there is no frame (it takes four columns), and labels go
above their values, so no id is ever cut.

Drawn with ansi.py, not rich: `show` is the commonest lookup and importing rich would cost it about
three times the interpreter's start. The card is what rich's Panel would draw, byte for byte;
tests/test_card.py draws every entry both ways and compares. terminal.py uses it for `export`.
"""

from __future__ import annotations

from coalition_cli.model.handbook import OUTSIDE_MARKER
from coalition_cli.terminal.ansi import (
    KIND_STYLES,
    PLAIN,
    Ink,
    Run,
    Styled,
    cells,
    combine,
    fit,
    screen_size,
    style,
    width_of,
)
from coalition_cli.views.citations import entry_source, quote_place, yours
from coalition_cli.views.render import entry_rows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.model.handbook import Entry, HandbookView
    from coalition_cli.terminal.ansi import Style
    from coalition_cli.views.render import EntryView

NARROW = 60  # columns below which labels go above values
INDENTED = 40  # columns below which values are not indented under their labels
GAP = 2  # columns between the longest label and the values
ROUNDED = ("\u256d", "\u2500", "\u256e", "\u2502", "\u2570", "\u256f")  # corners, edges: rich's ROUNDED
ASCII = ("+", "-", "+", "|", "+", "+")  # for a stream that cannot write the box characters


def draw_card(view: EntryView, size: tuple[int, int], stream: object) -> tuple[str, int]:
    """The entry drawn for a terminal of `size` (columns, lines) written to `stream`, and the
    height the pager compares it with, as terminal.draw returns them for other views."""
    width, height = screen_size(*size)
    return card(view.handbook, view.entry, width, Ink.of(stream)), height


def card(handbook: HandbookView, entry: Entry, width: int, ink: Ink) -> str:
    """The card of one entry, `width` columns wide, in the codes `ink` allows."""
    kind_style = KIND_STYLES.get(entry.kind, "white")
    rows = _rows(handbook, entry)
    if width < NARROW:
        lines = _stacked(entry, rows, kind_style, width)
    else:
        lines = _framed(entry, rows, kind_style, width, ASCII if ink.ascii_only else ROUNDED)
    return "".join("".join(ink.paint(text, look) for text, look in line) + "\n" for line in lines)


def _rows(handbook: HandbookView, entry: Entry) -> list[tuple[str, Styled]]:
    """Each label and its value, in the order every format shows them."""
    rows: list[tuple[str, Styled]] = []
    mark = yours(handbook, entry)
    if mark:
        rows.append(("From", Styled(mark, "yellow")))
    for label, value in entry_rows(entry, handbook):
        rows.append((label, Styled("\n".join(f"- {item}" for item in value) if isinstance(value, tuple) else value)))
    if entry.quote is not None:
        quote = Styled(f"\u201c{entry.quote.text}\u201d", "italic")
        rows.append(("Quote", quote.append(f"\n{quote_place(handbook, entry)}", "dim")))
    if entry.note:
        rows.append(("Note", Styled(entry.note, "yellow")))
    if entry.outside:
        rows.append((OUTSIDE_MARKER, Styled(entry.outside, "dim")))
    related_ids = handbook.related_of(entry)
    if related_ids:
        related = Styled()
        for index, entry_id in enumerate(related_ids):
            other = handbook.get(entry_id)
            related.append(", " if index else "")
            related.append(entry_id, KIND_STYLES.get(other.kind, "") if other is not None else "")
        rows.append(("Related", related))
    rows.append(("Source", Styled(entry_source(handbook, entry), "dim")))
    return rows


def _stacked(entry: Entry, rows: list[tuple[str, Styled]], kind_style: str, width: int) -> list[list[Run]]:
    """No frame: the title, `kind: id`, the summary, then each label above its value."""
    indent = 2 if width >= INDENTED else 0
    lines = Styled(entry.title, f"bold {kind_style}").lines(width)
    lines += Styled(f"{entry.kind}: {entry.id}", kind_style).lines(width)
    lines += [[], *Styled(entry.summary).lines(width)]
    for label, value in rows:
        lines += [[], *Styled(label, "bold").lines(width)]
        for line in value.lines(width - indent):  # padded to the width, as rich pads what it indents
            spaces = " " * (width - indent - width_of(line))
            lines.append([*([(" " * indent, PLAIN)] if indent else []), *line, *([(spaces, PLAIN)] if spaces else [])])
    return lines


def _framed(
    entry: Entry, rows: list[tuple[str, Styled]], kind_style: str, width: int, box: tuple[str, ...]
) -> list[list[Run]]:
    """The frame: the title in its top edge, the summary, the labelled rows, `kind: id` at the bottom."""
    top_left, edge, top_right, side, bottom_left, bottom_right = box
    border = style(kind_style)
    inner = width - 4  # a side and a space of padding on each hand
    body = [*Styled(entry.summary).lines(inner), []]
    label_width = max((len(label) for label, _ in rows), default=0) + GAP
    bold = style("bold")
    for label, value in rows:
        for number, line in enumerate(value.lines(max(inner - label_width, 1))):
            body.append([(label.ljust(label_width), bold) if number == 0 else (" " * label_width, PLAIN), *line])
    title = _edge_text(entry.title, combine(border, style(f"bold {kind_style}")), inner)
    ident = _edge_text(f"{entry.kind}: {entry.id}", combine(border, style(kind_style)), inner)
    top_rest = [(edge * (inner - cells(title[0])), border)] if cells(title[0]) < inner else []
    bottom_rest = [(edge * (inner - cells(ident[0])), border)] if cells(ident[0]) < inner else []
    lines = [[(top_left + edge, border), title, *top_rest, (edge + top_right, border)]]
    for line in body:
        spaces = " " * (inner - width_of(line) + 1)
        lines.append([(side, border), (" ", PLAIN), *line, (spaces, PLAIN), (side, border)])
    lines.append([(bottom_left + edge, border), *bottom_rest, ident, (edge + bottom_right, border)])
    return lines


def _edge_text(text: str, look: Style, width: int) -> Run:
    """Text set into an edge of the frame: a space each side, cut to the width it has."""
    padded = f" {text} "
    kept, spaces = fit(padded, width)
    return padded[:kept] + " " * spaces, look
