"""A progress bar while a large handbook is read and indexed for the first time: one line on
stderr, redrawn in place at most twice a second, and cleared when the store is ready.

Drawn here, not by rich: the process that draws the bar also reads a part of the handbook, and
importing rich.progress cost it a tenth of a second, and rich's redrawing thread took turns with
the reading. The bar is styled as the card is (ansi.py): colour as rich would decide it, and ASCII
on a terminal that cannot show the bar's lines.
"""

from __future__ import annotations

import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from coalition_cli.terminal.ansi import Ink

BAR_CELLS = 40  # as wide as rich draws a bar
REDRAW_SECONDS = 0.5  # a faster redraw cost a large build time that it only shows
ERASE_LINE = "\r\x1b[K"  # back to the line's start, and clear it


class BuildProgress:
    """Reports (stage, done, total) as a bar on stderr, only for a handbook big enough to wait for.

    The first report (reading, with the file's length) decides; for a small handbook nothing is
    ever drawn.
    """

    BIG = 1_000_000  # bytes of YAML
    STAGES = {
        "reading": "Reading and indexing the handbook",
        "waiting": "Waiting for another run to finish indexing the handbook",
    }

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._decided = self._off = self._drawn = False
        self._ink: Ink | None = None  # what the stream takes, decided with the first report
        self._shown = -1  # the percent drawn last
        self._drawn_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._off:
            return
        if not self._decided:
            from coalition_cli.terminal.ansi import Ink

            self._decided = True
            self._ink = Ink.of(self._stream)
            # Nothing for a small handbook, nor on a terminal that takes no codes (TERM=dumb, an
            # editor's shell): the bar is redrawn by them, as rich's would not have been.
            if stage not in self.STAGES or total < self.BIG or not self._ink.codes:
                self._off = True
                return
        if stage == "waiting":  # nothing to measure: the words alone, until the turn comes
            self._decided = False  # the build that may follow decides afresh
            self._write(ERASE_LINE + self.STAGES[stage][: self.line_width()])
            self._drawn = True
            return
        percent = max(0, min(done * 100 // max(total, 1), 100))
        now = time.monotonic()
        if percent == self._shown or (self._drawn and now - self._drawn_at < REDRAW_SECONDS):
            return
        self._shown, self._drawn_at = percent, now
        self._write(ERASE_LINE + self.line(self.STAGES.get(stage, stage), percent))
        self._drawn = True

    def line(self, label: str, percent: int) -> str:
        """The bar as drawn: the label, the bar and the percent, within the terminal's width (the
        bar goes first, then the label is cut: a line that wrapped could not be redrawn in place)."""
        from coalition_cli.terminal.ansi import Ink, style

        ink = self._ink or Ink.of(self._stream)
        width = self.line_width()
        figure = f"{percent:>3}%"
        done = BAR_CELLS * percent // 100
        full, empty = ("#", "-") if ink.ascii_only else ("\u2501", "\u2500")
        bar = ink.paint(full * done, style("magenta")) + ink.paint(empty * (BAR_CELLS - done), style("dim"))
        if len(label) + BAR_CELLS + len(figure) + 2 <= width:
            return f"{label} {bar} {ink.paint(figure, style('magenta'))}"
        return f"{label[: max(width - len(figure) - 1, 0)]} {figure}"[:width]

    @staticmethod
    def line_width() -> int:
        from coalition_cli.terminal.ansi import screen_size
        from coalition_cli.terminal.output import terminal_size

        return screen_size(*terminal_size())[0] - 1  # the last cell would move the cursor on

    def close(self) -> None:
        """Clear the bar (the store is ready, or the build was stopped): the line is the reader's again."""
        if self._drawn:
            self._drawn = False
            self._write(ERASE_LINE)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # the terminal has gone: the build goes on without its bar
            self._off = True
