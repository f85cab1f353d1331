"""Where a command's output goes: the format, the writing, and the ways writing can fail.

Every byte a command prints to stdout passes through `write`, so a reader who stops reading, a full
disk and a closed stdout each end the run the documented way (see `commands.conclude`) instead of
surfacing as a traceback, or as an error that click catches before we see it.
"""

from __future__ import annotations

import os
import sys

from coalition_cli.model.errors import OutputFailed, ReaderGone
from coalition_cli.model.inert import json_safe, visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from coalition_cli.views.render import View


class Format:
    """Output formats every printing command accepts, as plain strings: the typer app makes its
    choices of these (cli.py), and the core never imports `enum`, which costs a lookup milliseconds."""

    rich = "rich"
    plain = "plain"
    markdown = "markdown"
    json = "json"
    ALL = (rich, plain, markdown, json)


WRITE_CHUNK = 64 * 1024  # characters of a streamed view gathered into one write
CHECK_FORMATS = (Format.plain, Format.json)  # `validate`: lines for people and editors, or JSON for tools
REFERENCE_FORMATS = ("bib", "csl-json", "ris")  # for reference managers (references.py)
CITE_FORMATS = (*Format.ALL, *REFERENCE_FORMATS)  # `cite` and `export` also speak BibTeX, CSL-JSON, RIS


def is_terminal(stream: object) -> bool:
    """Whether a stream is a terminal; a closed or missing one is not."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):  # None, not a file (CliRunner), or closed
        return False


def stdout_is_terminal() -> bool:
    return is_terminal(sys.stdout)


def choose_format(requested: str | None) -> str:
    """The format asked for; else rich on a terminal or with FORCE_COLOR, and plain when piped,
    with NO_COLOR (which wins over FORCE_COLOR) or on a dumb terminal (TERM=dumb)."""
    if requested is not None:
        return requested
    if os.environ.get("TERM") == "dumb":
        return Format.plain
    forced = bool(os.environ.get("FORCE_COLOR")) and not os.environ.get("NO_COLOR")
    return Format.rich if stdout_is_terminal() or forced else Format.plain


class GuardedStdout:
    """sys.stdout for the length of a run: the ways writing can fail become our own exceptions, which
    click does not swallow (it turns a broken pipe into exit 1), and `commands.conclude` ends the run
    with. Everything else is the real stream's."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def _call(self, method: str, *args: str) -> int | None:
        if self.stream is None:
            raise OutputFailed("cannot write the output: standard output is closed")
        try:
            result: int | None = getattr(self.stream, method)(*args)
            return result
        except BrokenPipeError:
            raise ReaderGone() from None
        except OSError as error:
            raise OutputFailed(f"cannot write the output: {error.strerror or error}") from None
        except ValueError:  # "I/O operation on closed file"
            raise OutputFailed("cannot write the output: standard output is closed") from None

    def write(self, text: str) -> int:
        return self._call("write", text) or 0

    def flush(self) -> None:
        self._call("flush")

    def isatty(self) -> bool:
        return is_terminal(self.stream)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def write(text: str) -> None:
    """Write to stdout now; failures surface as ReaderGone or OutputFailed.

    To a real file the bytes go straight to its descriptor, each write checked: Python's buffered
    stream reports a write cut short by a full disk as a short count that its text layer drops,
    so a file would end half written with nothing said and exit 0."""
    stream = sys.stdout if isinstance(sys.stdout, GuardedStdout) else GuardedStdout(sys.stdout)
    descriptor = _descriptor(stream.stream)
    if descriptor is None:
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # whatever was written before goes first
    encoding = getattr(stream.stream, "encoding", None) or "utf-8"
    data = memoryview(text.encode(encoding, errors="replace"))
    while data:
        try:
            written = os.write(descriptor, data)
        except BrokenPipeError:
            raise ReaderGone() from None
        except InterruptedError:
            continue
        except OSError as error:
            raise OutputFailed(f"cannot write the output: {error.strerror or error}") from None
        data = data[written:]


def _descriptor(stream: object) -> int | None:
    """The descriptor under a real file stream, or None (no stream, or not a file: CliRunner)."""
    try:
        descriptor = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return None
    return descriptor if isinstance(descriptor, int) else None


def terminal_rows(pager: bool) -> int | None:
    """The terminal's height when long output should go through a pager, else None."""
    if not pager or not stdout_is_terminal():
        return None
    return terminal_size()[1]


def terminal_size() -> tuple[int, int]:
    """Columns and lines: COLUMNS and LINES when they are numbers, else the terminal's, else 80x24,
    as shutil.get_terminal_size says (shutil itself imports compression modules a lookup never uses)."""
    size = [0, 0]
    for index, name in enumerate(("COLUMNS", "LINES")):
        value = os.environ.get(name, "").strip()
        if value.isascii() and value.isdigit() and len(value) < 12:
            size[index] = int(value)
    if not all(size):
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                found = os.get_terminal_size(stream.fileno())  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                continue
            size = [size[0] or found.columns, size[1] or found.lines]
            break
    return size[0] or 80, size[1] or 24


def _drawn(view: View) -> tuple[str, int]:
    """A view drawn for a terminal, and its height: an entry by card.py (no rich to import for the
    commonest lookup), every other view by terminal.py."""
    from coalition_cli.views.render import EntryView

    if type(view) is EntryView:
        from coalition_cli.terminal.card import draw_card

        return draw_card(view, terminal_size(), sys.stdout)
    from coalition_cli.terminal.rich_views import draw

    return draw(view, terminal_size())


def deliver(view: View, fmt: str, *, pager: bool = True) -> None:
    """Write one view in the chosen format (only that one is built), through a pager on a terminal
    when it is taller than the screen."""
    rows: int | None
    screen = terminal_rows(pager)  # the screen's height when paging is possible, else None
    chunks = view.chunks(fmt) if fmt != Format.rich and screen is None else None
    if chunks is not None:  # written as it is made: a large export is never held whole
        safe = json_safe if fmt == Format.json else visible
        pending: list[str] = []
        size = 0
        for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            if size >= WRITE_CHUNK:
                write(safe("".join(pending)))
                pending, size = [], 0
        write(safe("".join(pending)))
        return
    if fmt == Format.rich:
        text, height = _drawn(view)
        rows = height if screen is not None else None
    elif fmt == Format.markdown:
        text, rows = visible(view.markdown()), screen
    elif fmt == Format.json:
        from coalition_cli.views.render import dump_json

        text, rows = json_safe(dump_json(view.data())), screen
    else:
        text, rows = visible(view.plain()), screen
    if rows is not None and text.count("\n") >= rows:
        from coalition_cli.terminal.pager import page

        if page(text):
            return
    write(text)
