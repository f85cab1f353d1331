"""Read handbook files (found by stack.py), each once within limits, and layer them, entry by entry,
into a sink.

A handbook's entries go to a sink as they are read and checked (the SQLite store that commands
read, an in-memory collection for tests and `export`, or a counter for `validate`), so a large
handbook is never held whole. Files are layered in order, each on the ones before it; one that
says `base: bundled` gets the shipped handbook beneath the whole stack.
"""

from __future__ import annotations

import os
import stat

from coalition_cli.model.errors import HandbookError, NotInParts, Problem, capped
from coalition_cli.model.handbook import KINDS, PLURALS, Entry, Handbook
from coalition_cli.model.inert import shown_path
from coalition_cli.model.origins import Extension, Origin, SourceInfo, extended
from coalition_cli.source.stack import bundled_handbook_path

TYPE_CHECKING = False  # typing, pathlib and the rest are not imported by a run served from the cache
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path
    from typing import Any, Protocol, TypeVar

    from coalition_cli.source.contested import NamesBeneath
    from coalition_cli.source.validate import Header, Rules
    from coalition_cli.source.yaml_reader import Progress, Stream, YamlReader

MAX_BYTES = 128 * 1024 * 1024  # documented in docs/handbook-format.md: larger files are refused unread


class Source:
    """One handbook file as read: its bytes, and what it looked like before and after reading
    (a file edited while it was read is not cached under either version)."""

    __slots__ = ("path", "raw", "before", "steady")

    def __init__(self, path: Path | str, raw: bytes, before: os.stat_result | None, steady: bool) -> None:
        self.path = path
        self.raw = raw
        self.before = before
        self.steady = steady  # a regular file, unchanged while it was read: its content can be cached


def read_source(path: Path | str) -> Source:
    """A handbook file's bytes, read once: refusing folders, missing files and anything over
    MAX_BYTES, and taking pipes and devices (/dev/stdin, <(...)) as they come."""
    name = shown_path(path)
    limit = f"handbooks are limited to {MAX_BYTES // 1024 // 1024} MB"

    def fail(message: str) -> HandbookError:
        return HandbookError([Problem(name, message)])

    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail("is a folder, not a handbook file") from None
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror or error}") from None
    try:
        before = os.fstat(descriptor)
        if stat.S_ISDIR(before.st_mode):
            raise fail("is a folder, not a handbook file")
        regular = stat.S_ISREG(before.st_mode)
        if regular and before.st_size > MAX_BYTES:
            raise fail(f"is {before.st_size / 1024 / 1024:.0f} MB; {limit}")
        raw = _read_at_most(descriptor, MAX_BYTES + 1, waits=not regular, expected=before.st_size if regular else 0)
        if len(raw) > MAX_BYTES:
            raise fail(f"is more than {MAX_BYTES // 1024 // 1024} MB; {limit}")
        after = os.fstat(descriptor)
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    unchanged = (before.st_size, before.st_mtime_ns, before.st_ctime_ns) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ctime_ns,
    )
    steady = regular and unchanged and before.st_size == len(raw)
    return Source(path, raw, before if regular else None, steady)


def _read_at_most(descriptor: int, limit: int, waits: bool = False, expected: int = 0) -> bytes:
    """The bytes, but never more than limit: a device or pipe (/dev/zero) has no size to check.
    Read in pieces, because one read of the whole limit would set it all aside for a small file;
    a regular file of the `expected` size in one piece (and one byte more, to see its end), which
    is not then copied into one: an 80 MB file in half the time.

    A pipe or FIFO (`waits`) may keep us waiting for its writer: there we wait in short spells
    before each read. Ctrl-C arriving just before a blocking read would otherwise be noticed only
    when the read returns (Python acts on a signal between its own steps, and the read has not
    begun when it lands), and a writer that never writes would hold us for good."""
    pieces = []
    total = 0
    while total < limit:
        if waits:
            _wait_readable(descriptor)
        piece = os.read(descriptor, min(max(expected + 1 - total, 1 << 20), limit - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)


def _wait_readable(descriptor: int) -> None:
    """Until the descriptor has something to read (or its end), in spells of a quarter second:
    between spells Python acts on any signal that came in meanwhile."""
    import select

    try:
        while not select.select([descriptor], [], [], 0.25)[0]:
            pass
    except (OSError, ValueError):  # a descriptor select cannot watch: the read alone must do
        return


def check_text(source: Source) -> None:
    """Refuse a file that is not UTF-8 text, or holds nothing, naming where (without decoding it whole)."""
    import codecs

    name, raw = shown_path(source.path), source.raw
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, 0 if raw.isascii() else len(raw), 1 << 20):  # ASCII is UTF-8: one scan in C
        pending = decoder.getstate()[0]  # the start of a character cut at the last boundary
        if not pending and raw[start : start + (1 << 20)].isascii():
            continue  # ASCII is UTF-8, and a check for it is a scan in C
        try:
            decoder.decode(raw[start : start + (1 << 20)], final=start + (1 << 20) >= len(raw))
        except UnicodeDecodeError as error:
            at = start - len(pending) + error.start
            line = raw.count(b"\n", 0, at) + 1
            column = at - (raw.rfind(b"\n", 0, at) + 1) + 1
            byte = raw[at : at + 1].hex()
            raise HandbookError([Problem(name, f"is not UTF-8 text (byte 0x{byte})", line, column)]) from None
    first = _first_visible(raw, 0)
    if first >= 0 and raw.startswith(codecs.BOM_UTF8, first):
        first = _first_visible(raw, first + len(codecs.BOM_UTF8))
    if first < 0:
        raise HandbookError([Problem(name, "is empty")])


def _first_visible(raw: bytes, start: int) -> int:
    """Where the first byte from `start` that is not whitespace is, or -1: found in pieces, as
    stripping a large file whole would copy it."""
    for at in range(start, len(raw), 1 << 16):
        piece = raw[at : at + (1 << 16)]
        rest = piece.lstrip()
        if rest:
            return at + len(piece) - len(rest)
    return -1


if TYPE_CHECKING:

    class Sink(Protocol):
        """Where entries go as they are read: the ids and sections so far (of a file read in parts,
        those its own process read), and two ways to add."""

        ids: set[str]
        sections: set[str]

        def add(self, entry: Entry) -> None: ...

        def extend(self, extension: Extension) -> None: ...

    S = TypeVar("S", bound=Sink)


class Loaded:
    """What a stack of handbooks said besides its entries (which went to the sink)."""

    def __init__(self) -> None:
        self.title = ""
        self.source = SourceInfo(title="")
        self.variants: tuple[tuple[str, ...], ...] = ()
        self.thesaurus: tuple[tuple[str, ...], ...] = ()
        self.files: list[str] = []
        self.origins: list[Origin] = []  # each file's, in the order of files
        self.sources: list[Source] = []
        self.warnings: list[Problem] = []
        self.problems: list[Problem] = []


class _Restart(Exception):
    """Start again with a new sink: a file turned out to say `base: bundled` in a way the quick look
    missed (so the shipped handbook goes beneath), or reading a large file in parts did not work
    (so it is read in one process, which reports any problem)."""

    def __init__(self, **changes: bool) -> None:
        super().__init__()
        self.changes = changes


def load_stack(
    paths: Sequence[Path | str], make_sink: Callable[[], S], progress: Progress | None = None
) -> tuple[Loaded, S]:
    """Handbook files layered in order into a new sink; raise HandbookError with every problem."""
    loaded, sink = _load_fresh(paths, make_sink, progress)
    if loaded.problems:
        raise HandbookError(loaded.problems)
    return loaded, sink


def _load_fresh(paths: Sequence[Path | str], make_sink: Callable[[], S], progress: Progress | None) -> tuple[Loaded, S]:
    options = {"with_bundled": False, "in_parts": True}
    while True:
        sink = make_sink()
        try:
            return _load(paths, sink, progress, **options), sink
        except _Restart as restart:
            if all(options[name] == value for name, value in restart.changes.items()):
                raise AssertionError("a restart that changes nothing") from None
            options.update(restart.changes)


def _load(
    paths: Sequence[Path | str], sink: Sink, progress: Progress | None, with_bundled: bool, in_parts: bool
) -> Loaded:
    from coalition_cli.build.parallel import PARALLEL_BYTES
    from coalition_cli.source.contested import NamesBeneath
    from coalition_cli.source.validate import Rules
    from coalition_cli.source.yaml_reader import YamlReader
    from coalition_cli.store.meaning import MAX_BYTES as MEANING_BYTES

    loaded = Loaded()
    sources: list[Source] = []
    for path in paths:
        try:
            sources.append(read_source(path))
        except HandbookError as error:
            loaded.problems += error.problems
    bundled = bundled_handbook_path()
    has_bundled = any(_same_file(source.path, bundled) for source in sources)
    if (with_bundled or _wants_bundled(sources)) and not has_bundled:
        sources.insert(0, read_source(bundled))
        has_bundled = True
    # Names of the entries beneath each file, to warn of names a file takes over (contested.py).
    beneath = NamesBeneath() if len(sources) > 1 else None
    for position, source in enumerate(sources):
        name = shown_path(source.path)
        below = beneath if position else None
        last = position == len(sources) - 1
        # A file with files above it is read in one process: its names must all reach `beneath`.
        parted = in_parts and last and len(source.raw) >= PARALLEL_BYTES and hasattr(sink, "merge_part")
        rules = Rules(name, set(sink.ids), set(sink.sections), below, every_reference=not parted)
        reader = YamlReader(name, progress)
        staged = beneath if beneath is not None and not last else None

        def stream(plural: str, index: int, item: object, rules: Rules = rules, staged: Any = staged) -> None:
            checked = rules.entry(plural, index, item)
            if isinstance(checked, Entry):
                sink.add(checked)
                if staged is not None:
                    staged.stage(checked)
            elif isinstance(checked, Extension):
                sink.extend(checked)

        try:
            header: Header | None = None
            if hasattr(sink, "with_vectors"):
                sink.with_vectors(len(source.raw) < MEANING_BYTES)  # a larger file is searched by its words
            try:
                check_text(source)
                if parted:
                    data = _read_in_parts(source, rules, reader, sink, stream, progress, below)
                else:
                    data = reader.read(source.raw, stream, PLURALS.values())
                header = rules.header(data)
            except NotInParts:
                raise _Restart(in_parts=False) from None
            except HandbookError as error:
                if parted:
                    raise _Restart(in_parts=False) from None
                loaded.problems += capped(name, reader.problems + error.problems, reader.unlisted)
                _remember(sink, rules, last)
                continue
            if parted and (reader.problems or rules.pending):
                raise _Restart(in_parts=False)  # problems are told by reading in one process
            _remember(sink, rules, last)
            located = rules.located(source.raw)
            found = reader.problems + [p for p in located if not p.warning]
            loaded.problems += capped(name, found, reader.unlisted + rules.unlisted[0])
            loaded.warnings += capped(name, [p for p in located if p.warning], rules.unlisted[1], warning=True)
            if header is None or header.title is None:
                continue
            if header.base == "bundled" and not has_bundled:
                raise _Restart(with_bundled=True)
            for extension in header.extensions:
                sink.extend(extension)
            if not loaded.files:
                loaded.title, loaded.source = header.title, header.source
            loaded.variants += header.variants
            loaded.thesaurus += header.thesaurus
            loaded.files.append(name)
            loaded.origins.append(Origin(name, _is_shipped(source, bundled), header.source))
            if beneath is not None:
                beneath.settle()
        finally:
            rules.close()  # its scratch databases, if a large file needed them
    loaded.sources = sources
    if loaded.problems:
        order = {shown_path(source.path): index for index, source in enumerate(sources)}
        loaded.problems.sort(key=lambda p: (order.get(p.file, -1), p.unlisted > 0, p.line or 0, p.column or 0))
    return loaded


def _read_in_parts(
    source: Source,
    rules: Rules,
    reader: YamlReader,
    sink: Sink,
    stream: Stream,
    progress: Progress | None,
    beneath: NamesBeneath | None,
) -> object:
    """A large file read by several processes at once (parallel.py); the parent reads what lies
    outside the parts and returns it as data. Raises NotInParts when that cannot work."""
    import gc

    from coalition_cli.build.parallel import Workers, cut, head_document

    count = os.cpu_count() or 1
    parts = cut(source.raw, min(count, 8))
    if not parts:
        raise NotInParts
    total = len(source.raw)
    workers = Workers(shown_path(source.path), source.raw, parts, sink, set(sink.ids), set(sink.sections), beneath)  # type: ignore[arg-type]
    try:
        head = head_document(source.raw, parts)  # while the workers start on theirs
        if progress is not None:
            reported = progress

            def both(stage: str, done: int, _: int) -> None:
                reported(stage, min(done + workers.progress(), total), total)

            reader.progress = both
        collecting = gc.isenabled()
        gc.disable()  # as in the workers: a part's entries make no cycles, and collecting cost it 3%
        try:
            data = reader.read(head, stream, PLURALS.values())
        finally:
            if collecting:
                gc.enable()
        if not workers.wait(None if progress is None else lambda read: progress("reading", len(head) + read, total)):
            raise NotInParts
        for number, (part, file) in enumerate(zip(parts, workers.files, strict=True), 1):
            if sink.merge_part(file, number) != part.items:  # type: ignore[attr-defined]
                raise NotInParts  # a cut fell inside a text: the part read as something else
        # The references that wait on another process's entries are looked up in the joined store:
        # the parts' now, this process's when the file's checks end (rules.know).
        if not sink.parts_resolve():  # type: ignore[attr-defined]
            raise NotInParts
        rules.know(sink.entries_among)  # type: ignore[attr-defined]
        return data
    finally:
        workers.stop()


def _wants_bundled(sources: list[Source]) -> bool:
    """Whether a file declares `base: bundled`, seen without parsing it (the key may come after the
    entries, and the shipped handbook must be read first, beneath them)."""
    import re  # the loader reads YAML: this costs nothing a cached lookup pays

    # After a newline (or at the start): a pattern led by a literal is searched fast, one led by ^
    # tries every byte of a large file.
    pattern = re.compile(rb"\n(?:base|\"base\"|'base')[ \t]*:[ \t]*[\"']?bundled\b")
    return any(pattern.search(b"\n" + source.raw[:100]) or pattern.search(source.raw) for source in sources)


def _is_shipped(source: Source, bundled: Path) -> bool:
    """Whether a file is the handbook that ships with the program (or a copy of it, byte for byte):
    the one file whose words are the article's."""
    if _same_file(source.path, bundled):
        return True
    try:
        return bundled.stat().st_size == len(source.raw) and bundled.read_bytes() == source.raw
    except OSError:
        return False


def _same_file(path: Path | str, other: Path | str) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


class MemorySink:
    """Entries kept in memory, in order: for tests, `export` and generated handbooks."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.ids: set[str] = set()
        self.sections: set[str] = set()

    def add(self, entry: Entry) -> None:
        self.entries[entry.id] = entry

    def extend(self, extension: Extension) -> None:
        self.entries[extension.id] = extended(self.entries[extension.id], extension)


def _remember(sink: Sink, rules: Rules, last: bool) -> None:
    """Hand the sink the ids of a file read, for the files above it to refer to. (Not the last
    file's: a large file holds a million, and its checks already hold them, in bounded memory.)"""
    if not last:
        sink.ids.update(rules.ids)
        sink.sections.update(rules.sections)


class CountingSink:
    """Only a count, for `validate`: the entries themselves are checked and let go, and the links
    between them counted in bounded memory (scratch.py)."""

    def __init__(self) -> None:
        self.count = 0
        self.ids: set[str] = set()
        self.sections: set[str] = set()
        from coalition_cli.store.scratch import ScratchSet

        self.links = ScratchSet()  # pairs of linked entries ("a b", in order), however written

    def add(self, entry: Entry) -> None:
        self.count += 1
        self._link(entry.id, (*entry.related, *(target for _, target in entry.relations)))

    def extend(self, extension: Extension) -> None:
        self._link(extension.id, extension.related)

    def _link(self, entry_id: str, targets: Iterable[str]) -> None:
        for target in targets:
            if target != entry_id:
                self.links.add(f"{entry_id} {target}" if entry_id < target else f"{target} {entry_id}")


class Checked:
    """What `validate` reports of a clean stack: its entries, the links between them (each shown
    from both ends, whichever end wrote it), its files and its warnings."""

    def __init__(self, entries: int, files: list[str], warnings: list[Problem], links: int = 0) -> None:
        self.entries = entries
        self.files = files
        self.warnings = warnings
        self.links = links


def check_stack(paths: Sequence[Path | str]) -> tuple[Checked | None, list[Problem]]:
    """Every problem in a stack of handbook files; the summary when there is none."""
    loaded, sink = _load_fresh(paths, CountingSink, None)
    links = len(sink.links)
    sink.links.close()
    if loaded.problems or not loaded.files:
        return None, loaded.problems
    return Checked(sink.count, loaded.files, loaded.warnings, links), []


def check_handbook(path: Path | str) -> tuple[Checked | None, list[Problem]]:
    """Every problem in one handbook file (read on the bundled one if it says `base: bundled`)."""
    return check_stack([path])


def load_handbook(path: Path | str | None = None) -> Handbook:
    """A handbook (the bundled one by default, with whatever it layers on) held in memory."""
    return load_memory([path or bundled_handbook_path()])


def load_memory(paths: Sequence[Path | str]) -> Handbook:
    """A stack of handbooks held in memory; raise HandbookError if any is invalid."""
    loaded, sink = load_stack(paths, MemorySink)
    return Handbook(
        loaded.title,
        loaded.source,
        tuple(sorted(sink.entries.values(), key=lambda entry: KINDS.index(entry.kind))),
        path=os.pathsep.join(loaded.files),
        variants=loaded.variants,
        thesaurus=loaded.thesaurus,
        files=tuple(loaded.files),
        warnings=tuple(str(warning) for warning in loaded.warnings),
        origins=tuple(loaded.origins),
    )
