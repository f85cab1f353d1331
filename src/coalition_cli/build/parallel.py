"""Reading a large handbook on every core: the entry lists cut into parts, each part read, checked
and indexed by a process of its own, the parts then joined into one store.

Why: YAML is parsed in Python one event at a time, and an analyst's 100,000-entry handbook takes
tens of seconds on one core; nothing else in the program is that slow. How: the file is cut at
lines that start an item of a top-level entry list (block style, as people and PyYAML write them),
and each part becomes a small document of its own, padded with blank lines so every line keeps its
number. The parent reads everything outside the parts itself, meanwhile.

This is only a faster way to read a handbook that is in order. Anything unusual (anchors or aliases
across parts, a cut that breaks a quoted text, a duplicate id or a reference across parts that
does not resolve, any problem at all) makes the whole file be read again in one process, which is
the one place problems are reported from, so they read the same either way.
"""

from __future__ import annotations

import bisect
import gc
import os
import re
import select
import struct

from coalition_cli.model.errors import NotInParts
from coalition_cli.model.handbook import PLURALS, Entry

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

    from coalition_cli.source.contested import NamesBeneath
    from coalition_cli.source.validate import Rules
    from coalition_cli.store.builder import StoreBuilder

PARALLEL_BYTES = 4 * 1024 * 1024  # below this, one process reads a handbook before several have started
ITEM_WEIGHT = 6 * 1024  # what reading one item costs beyond its bytes, in bytes' worth (cut)
ROWIDS_PER_PART = 1 << 40  # each part numbers its entries from its own base, so rowids never clash

# A line at column 0, not blank, a comment or a list item (a handbook's entries are items, often at
# column 0: they are found per list, after). Found after its newline: a pattern that starts with a
# literal is searched for by the fast scan, one starting with ^ tries every byte (6x slower on 80 MB).
_TOP_LINE = re.compile(rb"\n(?![ \t\r\n#]|-(?:[ \t\r\n]|\Z))([^\r\n]*)")
_FIRST_LINE = re.compile(rb"(?![ \t\r\n#]|-(?:[ \t\r\n]|\Z))[^\r\n]*")
_BLOCK_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:[ \t]*(?:#[^\n]*)?\r?\Z")
_ENTRY_KEYS = frozenset(plural.encode() for plural in PLURALS.values())


class Part:
    """A run of list items read by a process of its own."""

    __slots__ = ("start", "end", "key", "items")

    def __init__(self, start: int, end: int, key: bytes, items: int) -> None:
        self.start, self.end, self.key, self.items = start, end, key, items


def cut(raw: bytes, count: int) -> list[Part]:
    """Up to `count` - 1 parts of the file's longest run of entry lists, each about 1/count of the
    file, the rest (everything before, between and after) left for the parent. Empty if the file
    has no such run."""
    opening = _FIRST_LINE.match(raw)
    lines = [(0, opening.group())] if opening is not None and opening.group() else []
    lines += [(match.start(1), match.group(1)) for match in _TOP_LINE.finditer(raw)]
    # Runs of consecutive top-level entry lists in block style: (start, end, where their items
    # start, and for each list the index of its first item and its key).
    runs: list[tuple[int, int, list[int], list[tuple[int, bytes]]]] = []
    current: tuple[list[int], list[tuple[int, bytes]]] | None = None
    run_start = 0
    for index, (offset, text) in enumerate(lines):
        block = _BLOCK_KEY.match(text)
        if block is not None and block.group(1) in _ENTRY_KEYS:
            # The list runs to the next line at column 0 that is not one of its items.
            segment_end = lines[index + 1][0] if index + 1 < len(lines) else len(raw)
            if current is None:
                current, run_start = ([], []), offset
            current[1].append((len(current[0]), block.group(1)))
            current[0].extend(_item_starts(raw, offset + len(text), segment_end))
        else:
            if current is not None:
                runs.append((run_start, offset, *current))
            current = None
    if current is not None:
        runs.append((run_start, len(raw), *current))
    if not runs or count < 2:
        return []
    start, end, positions, keys = max(runs, key=lambda run: run[1] - run[0])
    # Shares of the work, not of the bytes: an item costs about what 6 KB of its text costs (checks,
    # names, an index row), measured; a part of short items by bytes alone took twice as long. The
    # work from an item to the end falls item by item, so the item where a share starts is found by
    # bisection, not by a walk through every item.
    items = len(positions)
    share = (len(raw) + ITEM_WEIGHT * items) // count
    bounds: list[int] = []
    for k in range(1, count):
        wanted = (count - k) * share  # the work from this bound to the end
        choice = bisect.bisect_left(
            range(items), -wanted, key=lambda i: -(end - positions[i] + ITEM_WEIGHT * (items - i))
        )
        if choice == items or (bounds and positions[choice] <= bounds[-1]) or positions[choice] <= start:
            continue
        bounds.append(positions[choice])
    bounds.append(end)
    firsts = [first for first, _ in keys]
    parts: list[Part] = []
    for first, last in zip(bounds, bounds[1:], strict=False):
        low, high = bisect.bisect_left(positions, first), bisect.bisect_left(positions, last)
        if high > low:
            parts.append(Part(first, last, keys[bisect.bisect_right(firsts, low) - 1][1], high - low))
    return parts


def _item_starts(raw: bytes, start: int, end: int) -> list[int]:
    """Where the items of a block sequence between start and end begin: lines at the indentation of
    its first item that start with "- "."""
    first = re.compile(rb"^([ ]*)-(?:[ \t]|\r?$)", re.MULTILINE).search(raw, start, end)
    if first is None:
        return []
    indent = first.group(1)
    pattern = re.compile(rb"\n" + indent + rb"-(?:[ \t]|\r?$)", re.MULTILINE)  # after a newline: see _TOP_LINE
    starts = [first.start()]
    starts += [match.start() + 1 for match in pattern.finditer(raw, first.start(), end)]
    return starts


class Pieces:
    """A document made of pieces of the file (views of it, and blank lines), handed to the parser a
    piece at a time: a part of tens of megabytes is never copied whole, and a worker touches only
    the pages of the file that are its own."""

    def __init__(self, pieces: list[bytes | memoryview]) -> None:
        self.pieces = [piece for piece in pieces if len(piece)]
        self.length = sum(len(piece) for piece in self.pieces)
        self.index = 0  # the piece being read, and how far into it
        self.offset = 0

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self.index >= len(self.pieces):
            return b""
        piece = self.pieces[self.index]
        end = len(piece) if size < 0 else min(len(piece), self.offset + size)
        chunk = bytes(piece[self.offset : end])
        self.offset = end
        if end == len(piece):
            self.index, self.offset = self.index + 1, 0
        return chunk


def head_document(raw: bytes, parts: list[Part]) -> Pieces:
    """The parent's document: the parts blanked out, every line at its number."""
    view = memoryview(raw)
    head: list[bytes | memoryview] = [view[: parts[0].start]]
    for part in parts:
        head.append(b"\n" * raw.count(b"\n", part.start, part.end))
    head.append(view[parts[-1].end :])
    return Pieces(head)


def part_document(raw: bytes, part: Part, line: int) -> Pieces:
    """A part's own document, every line at its number (`line`: the part's first): its key goes
    on the line just above."""
    return Pieces([b"\n" * max(line - 2, 0), part.key, b":\n", memoryview(raw)[part.start : part.end]])


class Workers:
    """The processes reading the parts: forked, so they share the parent's memory and need nothing
    sent to them; each writes its part to a database file and says how far it has read."""

    def __init__(
        self,
        name: str,
        raw: bytes,
        parts: list[Part],
        builder: StoreBuilder,
        base_ids: set[str],
        base_sections: set[str],
        beneath: NamesBeneath | None = None,
    ) -> None:
        from coalition_cli.build.signals import in_child
        from coalition_cli.source.validate import Rules
        from coalition_cli.store.cache_folder import Temporary

        self.temporaries: list[Temporary] = []
        self.files: list[str] = []
        self.pids: list[int] = []
        self.pipes: list[int] = []
        self.read = [0] * len(parts)
        folder = os.path.dirname(builder.path) if builder.path else None
        parent = os.getpid()
        for number, part in enumerate(parts, 1):
            line = raw.count(b"\n", 0, part.start) + 1  # here: the worker touches no page before its part
            temporary = Temporary(folder, ".part-")  # locked by the parent and, once forked, the worker
            self.temporaries.append(temporary)
            self.files.append(temporary.path)
            reader, writer = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child: measured by the tests through its results
                in_child()
                gc.freeze()  # the parent's objects are never scanned here, and a part's entries make no cycles
                gc.disable()  # collecting cost a part 3% for nothing (peak memory measured the same)
                os.close(reader)
                code = 1
                try:
                    rules = Rules(name, base_ids, base_sections, beneath, every_reference=False)
                    document = part_document(raw, part, line)
                    padding = max(line - 2, 0)
                    code = _read_part(
                        name, document, padding, temporary.path, number, rules, writer, parent, builder.meaning
                    )
                finally:
                    os._exit(code)
            os.close(writer)
            self.pids.append(pid)
            self.pipes.append(reader)

    def progress(self, wait: float = 0.0) -> int:
        """Bytes the parts have read so far (reading what the workers said, waiting up to `wait`)."""
        open_pipes = [fd for fd in self.pipes if fd >= 0]
        if open_pipes:
            ready, _, _ = select.select(open_pipes, [], [], wait)
            for fd in ready:
                data = os.read(fd, 8 * 1024)
                index = self.pipes.index(fd)
                if not data:
                    os.close(fd)
                    self.pipes[index] = -1
                elif len(data) >= 8:
                    last = len(data) - len(data) % 8  # the newest whole report
                    self.read[index] = struct.unpack("<Q", data[last - 8 : last])[0]
        return sum(self.read)

    def wait(self, progress: Any = None) -> bool:
        """Wait for every worker; True if all read their part cleanly."""
        ok = True
        for pid in self.pids:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    ok = ok and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                    break
                read = self.progress(0.05)
                if progress is not None:
                    progress(read)
        for fd in self.pipes:
            if fd >= 0:
                os.close(fd)
        self.pipes = []
        return ok

    def stop(self) -> None:
        """End the workers (the run is over, or being interrupted) and remove their files."""
        import signal

        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass
        self.pids = []
        for fd in self.pipes:
            if fd >= 0:
                os.close(fd)
        self.pipes = []
        for temporary in self.temporaries:
            temporary.remove()
        self.temporaries = []


def _read_part(
    name: str,
    doc: Pieces,
    padding: int,
    file: str,
    number: int,
    rules: Rules,
    progress: int,
    parent: int,
    meaning: bool,
) -> int:
    """In a worker: read one part into its own store file; 0 if it holds no problem at all. A worker
    whose parent has gone (killed outright) stops at its next report."""
    from coalition_cli.source.yaml_reader import YamlReader
    from coalition_cli.store.builder import StoreBuilder
    from coalition_cli.store.sql import sqlite3

    db = sqlite3.connect(file)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    builder = StoreBuilder(db, first_rowid=number * ROWIDS_PER_PART)
    builder.with_vectors(meaning)  # as the parent's for the same file
    items = 0

    def stream(plural: str, index: int, item: object) -> None:
        nonlocal items
        items += 1
        checked = rules.entry(plural, index, item)
        if not isinstance(checked, Entry):
            raise NotInParts  # a problem, or a collision with a handbook beneath: read in one process
        builder.add(checked)

    def report(_stage: str, done: int, _total: int) -> None:
        if os.getppid() != parent:
            os._exit(1)
        os.write(progress, struct.pack("<Q", max(done - padding, 0)))

    reader = YamlReader(name, report)
    try:
        reader.read(doc, stream, PLURALS.values())
    except Exception:  # any failure here means: read the file in one process
        return 1
    if reader.problems or rules.pending:
        return 1
    builder.close_part(items, ((str(target), str(what)) for _, target, what, _ in rules.forward))
    return 0
