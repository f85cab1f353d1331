"""Styled text for a terminal without rich: styles as SGR codes, widths in cells, and words wrapped
the way rich wraps them, for card.py.

rich draws every view but one. `show` is the commonest lookup, and importing rich.console alone
costs it about three times the interpreter's start, so its card is drawn here, byte for byte as
rich would draw it (tests/test_card.py compares the two). `Ink.of` decides colour as rich's Console
does, from the stream and the environment, so the card and the other views always agree.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

MIN_WIDTH, MAX_WIDTH = 20, 1_000  # the widths drawn for; COLUMNS beyond is taken as the nearest
MIN_HEIGHT, MAX_HEIGHT = 5, 10_000

# The colour of each kind of entry, in every view a terminal shows (terminal.py's too).
KIND_STYLES: dict[str, str] = {
    "section": "blue",
    "actor": "green",
    "figure": "magenta",
    "fact": "yellow",
    "term": "cyan",
    "place": "bright_blue",
    "event": "bright_red",
}

_ATTRIBUTES = ("bold", "dim", "italic")  # SGR 1, 2 and 3, written in this order as rich writes them
_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
_COLOURS = {name: 30 + number for number, name in enumerate(_NAMES)}
_COLOURS.update({f"bright_{name}": 90 + number for number, name in enumerate(_NAMES)})


def screen_size(columns: int, lines: int) -> tuple[int, int]:
    """A terminal's size as drawn for: a width or height outside what a terminal can be is taken
    as the nearest that it can (COLUMNS=0 would draw nothing; 10**20 would exhaust memory drawing
    spaces)."""
    return min(max(columns, MIN_WIDTH), MAX_WIDTH), min(max(lines, MIN_HEIGHT), MAX_HEIGHT)


Style = tuple[int, int]  # (attribute bits, colour's SGR code or 0)
PLAIN: Style = (0, 0)


def style(words: str) -> Style:
    """A style from rich's words for it ("bold green"), for the few words the card uses."""
    bits, colour = 0, 0
    for word in words.split():
        if word in _ATTRIBUTES:
            bits |= 1 << _ATTRIBUTES.index(word)
        else:
            colour = _COLOURS[word]
    return bits, colour


def combine(under: Style, over: Style) -> Style:
    """`over` drawn on `under`: attributes add up, the colour on top wins."""
    return under[0] | over[0], over[1] or under[1]


class Ink:
    """What the stream understands: SGR codes at all, colours among them, and box lines or only ASCII."""

    def __init__(self, codes: bool, colour: bool, ascii_only: bool) -> None:
        self.codes, self.colour, self.ascii_only = codes, colour and codes, ascii_only

    @classmethod
    def of(cls, stream: object, environ: Mapping[str, str] = os.environ) -> Ink:
        """As rich's Console decides: TTY_COMPATIBLE, else FORCE_COLOR, else whether the stream is a
        tty; no codes on a dumb terminal; no colours (but bold and italic) with NO_COLOR."""
        compatible = environ.get("TTY_COMPATIBLE", "")
        if compatible in ("0", "1"):
            terminal = compatible == "1"
        elif environ.get("FORCE_COLOR") is not None:
            terminal = environ.get("FORCE_COLOR") != ""
        else:  # as output.is_terminal asks (imported from there, it would close a loop of imports)
            try:
                terminal = bool(stream.isatty())  # type: ignore[attr-defined]
            except (AttributeError, ValueError, OSError):
                terminal = False
        codes = terminal and environ.get("TERM", "").lower() not in ("dumb", "unknown")
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower()
        return cls(codes, environ.get("NO_COLOR", "") == "", not encoding.startswith("utf"))

    def paint(self, text: str, style: Style) -> str:
        """Text wrapped in its style's codes, as one of rich's segments is written."""
        if not self.codes or not text:
            return text
        codes = [str(number + 1) for number in range(len(_ATTRIBUTES)) if style[0] >> number & 1]
        if self.colour and style[1]:
            codes.append(str(style[1]))
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text


def _char_cells(char: str) -> int:
    import unicodedata  # only for text that is not ASCII

    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 0 if unicodedata.category(char) in ("Mn", "Me", "Cf") else 1


def cells(text: str) -> int:
    """The columns text takes on a terminal: wide East Asian characters take two, combining marks
    and joiners none."""
    if text.isascii():
        return len(text)
    return sum(_char_cells(char) for char in text)


def fit(text: str, width: int) -> tuple[int, int]:
    """How many characters of text fit in `width` columns, and how many spaces make up for half a
    wide character at the cut (as rich's set_cell_size crops)."""
    if cells(text) <= width:
        return len(text), 0
    taken = 0
    for index, char in enumerate(text):
        size = cells(char)
        if taken + size > width:
            return index, width - taken
        taken += size
    return len(text), 0


def _chop(word: str, width: int) -> list[str]:
    """A word too long for any line, in pieces of at most `width` columns (rich's chop_cells)."""
    pieces: list[list[str]] = [[]]
    taken = 0
    for char in word:
        size = cells(char)
        if taken + size > width:
            pieces.append([char])
            taken = size
        else:
            pieces[-1].append(char)
            taken += size
    return ["".join(piece) for piece in pieces]


def _words(line: str) -> list[tuple[int, str]]:
    """Each word with the spaces before and after it, and where it starts (rich's `\\s*\\S+\\s*`)."""
    found: list[tuple[int, str]] = []
    start, length = 0, len(line)
    while start < length:
        end = start
        while end < length and line[end].isspace():
            end += 1
        if end == length:
            break
        while end < length and not line[end].isspace():
            end += 1
        while end < length and line[end].isspace():
            end += 1
        found.append((start, line[start:end]))
        start = end
    return found


def breaks(line: str, width: int) -> list[int]:
    """Where a line of text breaks to fit `width` columns: between words, and inside a word only
    when it is longer than a line (rich's divide_line, folding)."""
    positions: list[int] = []
    offset = 0
    for start, word in _words(line):
        length = cells(word.rstrip())
        if width - offset >= length:
            offset += cells(word)
        elif length > width:
            pieces = _chop(word, width)
            for number, piece in enumerate(pieces):
                if start:
                    positions.append(start)
                if number == len(pieces) - 1:
                    offset = cells(piece)
                else:
                    start += len(piece)
        elif offset and start:
            positions.append(start)
            offset = cells(word)
    return positions


Run = tuple[str, Style]  # a piece of a line in one style: one of rich's segments


class Styled:
    """Text and the styles of its parts: the little of rich's Text that a card needs."""

    __slots__ = ("plain", "spans", "style")

    def __init__(self, plain: str = "", words: str = "") -> None:
        self.plain = plain
        self.style = style(words)
        self.spans: list[tuple[int, int, Style]] = []

    def append(self, text: str, words: str = "") -> Styled:
        if words:
            self.spans.append((len(self.plain), len(self.plain) + len(text), style(words)))
        self.plain += text
        return self

    def _runs(self, start: int, end: int) -> list[Run]:
        """The text from start to end as runs, split wherever a span starts or ends (as rich
        renders a line of text: the line's own style under its spans, in their order)."""
        spans = [(max(a, start), min(b, end), s) for a, b, s in self.spans if a < end and b > start]
        cuts = sorted({start, end, *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
        runs: list[Run] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            current = self.style
            for span_start, span_end, span_style in spans:
                if span_start <= a and b <= span_end:
                    current = combine(current, span_style)
            runs.append((self.plain[a:b], current))
        return runs

    def lines(self, width: int) -> list[list[Run]]:
        """The text wrapped to `width` columns, as rich wraps it: at its own line breaks, then
        between words; spaces that end a line stay while they fit."""
        wrapped: list[list[Run]] = []
        start = 0
        for line in self.plain.split("\n"):
            bounds = [0, *breaks(line, width), len(line)]
            for a, b in zip(bounds, bounds[1:], strict=False):
                piece = line[a:b]
                excess = len(piece) - width  # rich's rstrip_end: only the spaces past the width go
                if excess > 0:
                    piece = piece[: len(piece) - min(len(piece) - len(piece.rstrip()), excess)]
                kept, spaces = fit(piece, width)
                runs = self._runs(start + a, start + a + kept) if kept else []
                wrapped.append(runs + [(" " * spaces, self.style)] if spaces else runs)
            start += len(line) + 1
        return wrapped


def width_of(runs: list[Run]) -> int:
    return sum(cells(text) for text, _ in runs)
