"""`show`'s card, drawn by card.py without rich, against what rich draws from the same entry.

The reference below is the panel rich drew before card.py existed (rich's Panel, Group, Padding
and Text, with labels beside values as a two-column grid would set them). Every entry of the
bundled handbook, and entries written to stress the wrapping (wide characters, combining marks,
words longer than a line), is drawn both ways at many widths and in every kind of ink, and the
two must be the same to the byte.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.text import Text

from coalition_cli.build.loader import load_handbook
from coalition_cli.model.handbook import OUTSIDE_MARKER, Entry, Handbook
from coalition_cli.terminal.ansi import KIND_STYLES, Ink, Styled, cells
from coalition_cli.terminal.card import card
from coalition_cli.views.citations import entry_source, quote_place, yours
from coalition_cli.views.render import entry_rows
from tests.helpers import TerminalStream, imported_modules, run_in_terminal

WIDTHS = (20, 33, 39, 40, 41, 59, 60, 61, 73, 80, 100, 137, 200)


class _LabelledRows:
    def __init__(self, rows: list[tuple[str, Text]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        label_width = max((len(label) for label, _ in self.rows), default=0) + 2
        inner = options.update(width=max(options.max_width - label_width, 1), height=None)
        bold = console.get_style("bold")
        for label, value in self.rows:
            value.overflow = "fold"
            for number, line in enumerate(console.render_lines(value, inner, pad=False)):
                yield Segment((label if number == 0 else "").ljust(label_width), bold if number == 0 else None)
                yield from line
                yield Segment.line()


def rich_panel(handbook: Handbook, entry: Entry, width: int) -> RenderableType:
    """The card as rich drew it (terminal.entry_panel before card.py)."""
    style = KIND_STYLES.get(entry.kind, "white")
    rows: list[tuple[str, Text]] = []
    if yours(handbook, entry):
        rows.append(("From", Text(yours(handbook, entry), style="yellow")))
    for label, value in entry_rows(entry, handbook):
        rows.append((label, Text("\n".join(f"- {item}" for item in value) if isinstance(value, tuple) else value)))
    if entry.quote is not None:
        quote = Text(f"\u201c{entry.quote.text}\u201d", style="italic")
        quote.append(f"\n{quote_place(handbook, entry)}", style="dim")
        rows.append(("Quote", quote))
    if entry.note:
        rows.append(("Note", Text(entry.note, style="yellow")))
    if entry.outside:
        rows.append((OUTSIDE_MARKER, Text(entry.outside, style="dim")))
    related_ids = handbook.related_of(entry)
    if related_ids:
        related = Text()
        for index, entry_id in enumerate(related_ids):
            other = handbook.get(entry_id)
            related.append(", " if index else "")
            related.append(entry_id, style=KIND_STYLES.get(other.kind, "") if other is not None else "")
        rows.append(("Related", related))
    rows.append(("Source", Text(entry_source(handbook, entry), style="dim")))
    ident = Text(f"{entry.kind}: {entry.id}", style=style)
    if width < 60:
        indent = 2 if width >= 40 else 0
        parts: list[RenderableType] = [Text(entry.title, style=f"bold {style}"), ident, Text(""), Text(entry.summary)]
        for label, shown in rows:
            parts += [Text(""), Text(label, style="bold"), Padding(shown, (0, 0, 0, indent))]
        return Group(*parts)
    return Panel(
        Group(Text(entry.summary), Text(""), _LabelledRows(rows)),
        title=Text(entry.title, style=f"bold {style}"),
        title_align="left",
        subtitle=ident,
        subtitle_align="right",
        border_style=style,
    )


# (environment, stream encoding): colour, 256 colours, NO_COLOR (bold but no colour), a dumb
# terminal (no codes), not a terminal (no codes), and a stream that can only write ASCII.
INKS = {
    "colour": ({"TERM": "xterm"}, "utf-8"),
    "256": ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "utf-8"),
    "no-colour": ({"TERM": "xterm", "NO_COLOR": "1"}, "utf-8"),
    "dumb": ({"TERM": "dumb"}, "utf-8"),
    "not-a-terminal": ({"TERM": "xterm", "TTY_COMPATIBLE": "0"}, "utf-8"),
    "ascii": ({"TERM": "xterm"}, "ascii"),
}


def both(handbook: Handbook, entry: Entry, width: int, ink: str) -> tuple[str, str]:
    environ, encoding = INKS[ink]
    stream = TerminalStream(encoding)
    screen = Console(file=stream, width=width, height=50, highlight=False, emoji=False, markup=False, _environ=environ)
    with screen.capture() as captured:
        screen.print(rich_panel(handbook, entry, width))
    return card(handbook, entry, width, Ink.of(stream, environ)), captured.get()


@pytest.mark.slow
@pytest.mark.parametrize("ink", sorted(INKS))
def test_every_entry_is_drawn_as_rich_draws_it(handbook: Handbook, ink: str) -> None:
    widths = WIDTHS if ink in ("colour", "no-colour") else (20, 45, 60, 100)
    compared = 0
    for entry in handbook.entries:
        for width in widths:
            ours, rich = both(handbook, entry, width, ink)
            assert ours == rich, f"{entry.kind} {entry.id} at {width} columns in {ink} ink"
            compared += 1
    assert compared >= len(handbook.entries) * len(widths) > 100


ODD = """\
format: 1
title: Odd text
source:
  title: An article
sections:
  - id: wide
    title: 東京と北京の漢字で書かれた長い題名はここで折り返されるべきです
    summary: 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 and then, Latin words.
  - id: marks
    title: Combining marks
    summary: e\u0301e\u0301e\u0301 and a\u0300 with عَرَبِيّ words, e\u0301tude résumé naïve, again until it wraps.
  - id: long-words
    title: A title that is long enough to be cut short by the top edge of a narrow frame, surely by now
    summary: Supercalifragilisticexpialidocious-supercalifragilisticexpialidocious-and-then-some-more-words-again.
actors:
  - id: an-actor-whose-identifier-runs-on-for-longer-than-many-lines-would-be-wide
    name: Somebody with a name
    type: state
    summary: Short.
    related: [wide, marks, long-words]
    source: [wide, marks]
"""


def test_odd_text_is_drawn_as_rich_draws_it(write_handbook) -> None:  # type: ignore[no-untyped-def]
    handbook = load_handbook(write_handbook(ODD))
    for entry in handbook.entries:
        for width in (20, 21, 25, 31, 40, 59, 60, 61, 64, 71, 100):
            for ink in ("colour", "ascii"):
                ours, rich = both(handbook, entry, width, ink)
                assert ours == rich, f"{entry.id} at {width} columns in {ink} ink"


def test_widths_in_cells_agree_with_rich() -> None:
    from rich.cells import cell_len

    samples = ["plain", "漢字", "e\u0301", "عَرَبِيّ", "Иран", "ｆｕｌｌ", "\u200c", "한국어", "ไทย", "\u0915\u094d\u0937"]
    for sample in samples:
        assert cells(sample) == cell_len(sample), sample


def test_wrapping_agrees_with_rich_on_awkward_lines() -> None:
    for text in ("   leading spaces", "trailing spaces   ", "a  b   c", "x" * 50, "short " + "y" * 30 + " end"):
        for width in (1, 2, 5, 9, 10, 29, 30, 31):
            reference = Console(width=width, file=io.StringIO(), _environ={"TERM": "dumb"})
            with reference.capture() as captured:
                reference.print(Text(text))
            ours = "".join("".join(run for run, _ in line) + "\n" for line in Styled(text).lines(width))
            assert ours == captured.get(), (text, width)


def test_show_on_a_terminal_does_not_import_rich(coalition_bin: str) -> None:
    """The point of card.py: a card on a terminal costs no rich (the list of modules is read
    from the process itself, at its end)."""
    probe = (
        "import runpy, sys, atexit\n"
        "atexit.register(lambda: sys.__stderr__.write('RICH' if 'rich' in sys.modules else 'NO-RICH'))\n"
        f"sys.argv = [{coalition_bin!r}, 'show', 'actor', 'iran']\n"
        f"runpy.run_path({coalition_bin!r}, run_name='__main__')\n"
    )
    code, screen = run_in_terminal([sys.executable, "-c", probe])
    assert code == 0
    assert "\u256d" in screen and "actor: iran" in screen and "\x1b[32m" in screen
    assert "NO-RICH" in screen
    list_code, list_screen = run_in_terminal([sys.executable, "-c", probe.replace("'show', 'actor', 'iran'", "'list'")])
    assert list_code == 0 and "RICH" in list_screen and "NO-RICH" not in list_screen  # the probe can tell


@pytest.mark.parametrize("rows", [50, 20])  # the card fits; it is taller than the screen, and PAGER=cat
def test_a_card_on_a_terminal_imports_neither_re_nor_a_pager(coalition_bin: str, rows: int) -> None:
    """Iran's card draws Hezbollah among its related entries, whose Arabic name holds a zero-width
    non-joiner: the fast check clears it without `re` (inert.py). A reader whose PAGER is cat runs
    no pager, and pays nothing for one (pager.py)."""
    run_in_terminal([coalition_bin, "show", "actor", "iran"])  # the cache is warm
    env = {"PYTHONPROFILEIMPORTTIME": "1"}
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], columns=100, rows=rows, env=env)
    imported = imported_modules(screen)
    assert code == 0 and "coalition_cli.terminal.card" in imported and "actor: iran" in screen
    assert ("coalition_cli.terminal.pager" in imported) == (rows == 20)  # the probe can tell
    assert not imported & {"re", "subprocess", "shlex", "rich"}


def test_export_on_a_terminal_draws_the_same_cards(invoke, handbook: Handbook) -> None:  # type: ignore[no-untyped-def]
    env = {"FORCE_COLOR": "1", "TERM": "xterm", "COLORTERM": "", "COLUMNS": "90", "NO_COLOR": ""}
    shown = invoke("show", "actor", "iran", "--format", "rich", env=env).stdout
    exported = invoke("export", "--format", "rich", env=env).stdout
    assert shown and shown in exported
    for entry in handbook.entries:
        assert f" {entry.kind}: {entry.id} " in exported


def test_ink_follows_the_environment_as_rich_does() -> None:
    cases = [(environ, TerminalStream(encoding)) for environ, encoding in INKS.values()]
    cases += [
        ({"FORCE_COLOR": "", "TERM": "xterm"}, TerminalStream("utf-8")),  # empty: not a terminal, to rich
        ({"TERM": "xterm"}, io.StringIO()),  # not a tty
        ({"FORCE_COLOR": "1", "TERM": "xterm"}, io.StringIO()),  # forced
        ({"TTY_COMPATIBLE": "1", "TERM": "unknown"}, io.StringIO()),  # a terminal, but a dumb one
        ({"FORCE_COLOR": "1", "TERM": "xterm", "NO_COLOR": "1"}, io.StringIO()),
    ]
    for environ, stream in cases:
        ours = Ink.of(stream, environ)
        reference = Console(file=stream, _environ=environ)
        assert ours.codes == (reference.color_system is not None), environ
        assert ours.colour == (ours.codes and not reference.no_color), environ
        assert ours.ascii_only == (not reference.encoding.startswith("utf")), environ


def test_a_card_in_a_real_terminal_fits_and_is_coloured(coalition_bin: str) -> None:
    for columns in (45, 100):
        code, screen = run_in_terminal([coalition_bin, "show", "soleimani"], columns=columns)
        assert code == 0 and "\x1b[35m" in screen  # a figure's colour
        widths = {len(line) for line in _plain(screen).splitlines() if line}
        assert max(widths) <= columns


def _plain(screen: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", screen).replace("\r", "")


def test_no_colour_keeps_bold_in_a_real_terminal(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], env={**os.environ, "NO_COLOR": "1"})
    assert code == 0
    # NO_COLOR makes the piped, plain format the default (output.choose_format) even on a terminal.
    assert "\x1b[32m" not in screen


def test_dumb_terminal_gets_no_codes(coalition_bin: str) -> None:
    done = subprocess.run(
        [coalition_bin, "show", "actor", "iran", "--format", "rich"],
        capture_output=True,
        env={**os.environ, "TERM": "dumb", "FORCE_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 0 and b"\x1b[" not in done.stdout and "\u256d".encode() in done.stdout
