"""The store kept between runs: the key that says it is current, how it is built, opened and pruned.

Why: reading YAML costs imports and parsing, and for a large handbook parsing and indexing take
seconds; a command needs only a few rows. So a handbook stack is read once into SQLite (entries,
names, links, the search index) in the cache folder (cachedir.py: $XDG_CACHE_HOME/coalition, else
~/.cache/coalition, private to the user), and later runs open that file.

A cache is used only while every file it was built from has the same device, inode, size,
modification and change times as when it was read (and, for a file changed within two seconds of
the build, the same content hash), and the schema and program version match. Each file is read
once: the key records what was read, and a file that changed while it was read (or a pipe) is not
cached. Every byte of a cache is untrusted: anything unexpected in it means it is built again. It
is written to a temporary file and renamed into place; when the folder cannot be used, or
COALITION_NO_CACHE=1, the same tables are built in a private temporary database instead.
"""

from __future__ import annotations

import os
import time

from coalition_cli import __version__, cachedir
from coalition_cli.handbook import KINDS, Entry, Extension, extended, fold
from coalition_cli.inert import shown_path
from coalition_cli.loader import Loaded, Source, load_stack, stack_files
from coalition_cli.sql import sqlite3
from coalition_cli.store import ENTRY_COLUMNS, SCHEMA, SEP, CacheCorrupt, Store, decode_entry, encode_entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from coalition_cli.progress import Progress

    Key = list[tuple[bytes, int, int, int, int, int, str]]

RACY_NS = 2_000_000_000  # a file changed this close to the build may change again unseen: hash it
BATCH = 500  # entries written to SQLite at a time
PRUNE_AT_MOST = 200  # cache files looked at for pruning after a build

_distrusted: set[str] = set()  # cache files found corrupt during this run: never opened again
_opened: list[Store] = []  # stores opened during this run, to distrust if one proves corrupt


def _blake2b(data: bytes, size: int) -> str:
    try:
        from _blake2 import blake2b  # hashlib would load OpenSSL first, which costs a lookup its time
    except ImportError:  # pragma: no cover - CPython always builds it
        from hashlib import blake2b
    return blake2b(data, digest_size=size).hexdigest()


def cache_name(files: Sequence[Path | str]) -> str:
    """One cache per stack of handbook files (NUL between them: the one byte no path holds)."""
    joined = b"\0".join(os.fsencode(os.path.realpath(file)) for file in files)
    return _blake2b(joined, 10) + cachedir.SUFFIX


def open_store(paths: Sequence[Path | str | None] | None = None, progress: Progress | None = None) -> Store:
    """The handbooks at paths, layered in order (None is the bundled one, and the default), from
    the cache when it is current, else built (and cached when possible)."""
    files = stack_files(paths or [None])
    folder = cachedir.trusted_folder(create=False)
    name = cache_name(files)
    if folder is not None:
        target = os.path.join(folder, name)
        if target not in _distrusted:
            cached = _open_cached(target)
            if cached is not None:
                return cached
    folder = cachedir.trusted_folder(create=True)
    return _build(files, folder, None if folder is None else os.path.join(folder, name), progress)


def distrust_opened() -> None:
    """A store proved corrupt while a command read it: close every store this run opened, and
    have the next open_store build afresh rather than open those files again."""
    for store in _opened:
        if store.file is not None:
            _distrusted.add(store.file)
        store.close()
    _opened.clear()


def read_from_files() -> bool:
    """Whether this run has read from a cache file (whose damage could explain an error)."""
    return any(store.file is not None for store in _opened)


def _open_cached(path: str) -> Store | None:
    """The cached store if it is this user's own file, reads cleanly and is current; else None."""
    descriptor = cachedir.open_private(path)
    if descriptor is None:
        return None
    db = None
    try:
        db = sqlite3.connect(cachedir.sqlite_uri(path, descriptor), uri=True)
        if not _current(db):
            db.close()
            return None
        store = Store(db, file=path)
        _opened.append(store)
        return store
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError, CacheCorrupt, OSError):
        # Corrupt, truncated, or from another version of this program: build it again.
        if db is not None:
            db.close()
        return None
    finally:
        os.close(descriptor)


def _current(db: sqlite3.Connection) -> bool:
    """Whether every file the cache was built from is still as it was read."""
    meta = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('schema', 'version', 'built_ns')"))
    if meta.get("schema") != str(SCHEMA) or meta.get("version") != __version__:
        return False
    built = int(meta["built_ns"])
    files = db.execute("SELECT path, dev, ino, size, mtime_ns, ctime_ns, hash FROM source_file").fetchall()
    return bool(files) and all(_unchanged(built, *file) for file in files)


def _unchanged(built: int, path: object, *recorded: object) -> bool:
    """Whether one file the cache was built from still looks as it did."""
    if not isinstance(path, bytes):
        return False
    try:
        now = os.stat(path)
    except (OSError, ValueError):
        return False
    if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns) != recorded[:5]:
        return False
    if max(now.st_mtime_ns, now.st_ctime_ns) >= built - RACY_NS:
        # Changed just before the build: an edit within the same clock tick would look the same.
        try:
            with open(path, "rb") as handle:
                return _blake2b(handle.read(), 16) == recorded[5]
        except OSError:
            return False
    return True


def _key(sources: list[Source]) -> Key | None:
    """What the cache records of the files it was built from, or None if one cannot be cached
    (a pipe, or a file that changed while it was read)."""
    files = []
    for source in sources:
        if not source.steady or source.before is None:
            return None
        before = source.before
        path = os.fsencode(os.path.realpath(source.path))
        digest = _blake2b(source.raw, 16)
        files.append(
            (path, before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns, digest)
        )
    return files


def _build(files: Sequence[Path | str], folder: str | None, target: str | None, progress: Progress | None) -> Store:
    """Read the files into a new store: a temporary file renamed onto the cache when it can be
    cached, else a private temporary database. Temporaries go on any ending but SIGKILL's."""
    from coalition_cli.signals import Unwinding

    with Unwinding():
        return _build_unwinding(files, folder, target, progress)


def _build_unwinding(
    files: Sequence[Path | str], folder: str | None, target: str | None, progress: Progress | None
) -> Store:
    temporary: cachedir.Temporary | None = None
    if folder is not None:
        cachedir.sweep(folder)
        try:
            temporary = cachedir.Temporary(folder, ".building-")
        except OSError:
            temporary = None  # a full disk: work without a cache file

    builders: list[StoreBuilder] = []

    def make_builder() -> StoreBuilder:
        for previous in builders:
            previous.db.close()  # a restart: begin again in an empty database
        if temporary is not None:
            temporary.empty()
            db = sqlite3.connect(temporary.path)
        else:
            db = sqlite3.connect("")  # private, on disk when large, gone when closed
        db.execute("PRAGMA journal_mode = OFF")  # a new file: the rename is what makes it safe
        db.execute("PRAGMA synchronous = OFF")
        builders.append(StoreBuilder(db, temporary.path if temporary else ""))
        return builders[-1]

    built_ns = time.time_ns()
    builder: StoreBuilder | None = None
    try:
        loaded, builder = load_stack(files, make_builder, progress)
        key = _key(loaded.sources)
        store = builder.finish(loaded, key or [], built_ns)
        if temporary is None or key is None or target is None or folder is None:
            builders.remove(builder)  # in use: its file (if any) goes, its open database stays
            _opened.append(store)
            return store
        store.close()
        temporary.keep_as(target)
        temporary = None
        _prune(folder, keep=target)
        cached = _open_cached(target)
        if cached is None:  # not readable as this user's own (a file system that says otherwise)
            return _build_unwinding(files, None, None, progress)
        return cached
    except (OSError, sqlite3.Error):
        if builder is not None:
            builder.db.close()
        if temporary is None:
            raise
        # Writing the cache failed (a full disk): build again without one.
        temporary.remove()
        temporary = None
        return _build_unwinding(files, None, None, progress)
    finally:
        for each in builders:  # every database but the one a returned store reads: closed, not left to GC
            each.db.close()
        if temporary is not None:
            temporary.remove()


# -- what `coalition cache` shows and clears -----------------------------------------------------


class CacheFile:
    """One cache file as `coalition cache` describes it."""

    __slots__ = ("path", "size", "built_ns", "handbooks", "entries", "state")

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.size = size
        self.built_ns = 0
        self.handbooks: list[str] = []
        self.entries = 0
        self.state = "unreadable"  # current, outdated (rebuilt on next use), orphaned, unreadable


def describe(path: str, size: int) -> CacheFile:
    """What a cache file says of itself, read as the untrusted file it is."""
    found = CacheFile(shown_path(path), size)
    descriptor = cachedir.open_private(path)
    if descriptor is None:
        return found
    try:
        db = sqlite3.connect(cachedir.sqlite_uri(path, descriptor), uri=True)
        try:
            meta = dict(db.execute("SELECT name, value FROM meta"))
            recorded = db.execute("SELECT path FROM source_file").fetchall()
            current = _current(db)
        finally:
            db.close()
        files = [file for (file,) in recorded if isinstance(file, bytes)]
        found.handbooks = [shown_path(file) for file in files]
        found.built_ns = int(meta.get("built_ns", 0))
        found.entries = int(meta.get("entries", 0))
        if len(files) != len(recorded) or not recorded:
            found.state = "unreadable"
        elif not all(os.path.exists(file) for file in files):
            found.state = "orphaned"
        else:
            found.state = "current" if current else "outdated"
    except (sqlite3.Error, ValueError, TypeError, KeyError, OSError):
        found.state = "unreadable"
    finally:
        os.close(descriptor)
    return found


def survey() -> tuple[str | None, list[CacheFile], int]:
    """The cache folder (None when caching is off), its cache files, and the bytes of temporaries."""
    folder = cachedir.folder_path()
    if folder is None:
        return None, [], 0
    trusted = cachedir.trusted_folder(create=False)
    if trusted is None:
        return folder, [], 0
    found = [describe(path, info.st_size) for path, info in cachedir.cache_files(trusted)]
    pending = sum(info.st_size for _, info in cachedir.temporaries(trusted))
    return folder, found, pending


def clear() -> tuple[str | None, int, int]:
    """Remove every cache file (and temporary left by a killed build); how many, and their bytes."""
    folder = cachedir.trusted_folder(create=False)
    if folder is None:
        return cachedir.folder_path(), 0, 0
    cachedir.sweep(folder)
    removed = [info.st_size for path, info in cachedir.cache_files(folder) if cachedir.remove(path)]
    return folder, len(removed), sum(removed)


def _prune(folder: str, keep: str) -> None:
    """After a build: remove caches of handbooks that no longer exist, and unreadable ones."""
    for path, info in cachedir.cache_files(folder)[:PRUNE_AT_MOST]:
        if path != keep and describe(path, info.st_size).state in ("orphaned", "unreadable"):
            cachedir.remove(path)


class StoreBuilder:
    """Writes entries into a new store's tables as the loader hands them over, a batch at a time."""

    def __init__(self, db: sqlite3.Connection, path: str = "", first_rowid: int = 0) -> None:
        from coalition_cli.search import create_search_tables

        self.db = db
        self.path = path  # the database file, if it has one; parts read beside it are written next to it
        self.parts = [""]  # the search tables' suffixes: more than one when read in parts
        self.ids: set[str] = set()
        self.sections: set[str] = set()
        self.pending: list[tuple[int, Entry]] = []
        self.rowid = first_rowid
        db.executescript(
            """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE listing (name TEXT, position INTEGER, value TEXT);
            CREATE TABLE variant (stem TEXT, words TEXT);
            CREATE TABLE source_file (path BLOB, dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER,
                                      ctime_ns INTEGER, hash TEXT);
            CREATE TABLE entry (rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT UNIQUE, title TEXT, summary TEXT,
                                related TEXT, source TEXT, aliases TEXT, quote_text TEXT, quote_section TEXT,
                                note TEXT, details TEXT, origin TEXT, date TEXT, rank INTEGER, part TEXT DEFAULT '');
            CREATE TABLE name (folded TEXT, written TEXT, entry INTEGER, is_id INTEGER);
            CREATE TABLE link (source TEXT, target TEXT, relation TEXT);
            """
        )
        create_search_tables(db)

    def add(self, entry: Entry) -> None:
        self.rowid += 1
        self.pending.append((self.rowid, entry))
        self.ids.add(entry.id)
        if entry.kind == "section":
            self.sections.add(entry.id)
        if len(self.pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        from coalition_cli.search import index_entries

        rows = self.pending
        self.pending = []
        self.db.executemany(
            f"INSERT INTO entry (rowid, {ENTRY_COLUMNS}, date, rank) VALUES ({', '.join('?' * 15)})",
            ((rowid, *encode_entry(e), e.date, KINDS.index(e.kind)) for rowid, e in rows),
        )
        self._names_and_links(rows)
        index_entries(self.db, rows)

    def _names_and_links(self, rows: list[tuple[int, Entry]]) -> None:
        self.db.executemany(
            "INSERT INTO name VALUES (?, ?, ?, ?)",
            ((fold(name), name, rowid, int(name == e.id)) for rowid, e in rows for name in dict.fromkeys(e.names())),
        )
        self.db.executemany(
            "INSERT INTO link VALUES (?, ?, ?)",
            (
                (e.id, target, relation)
                for _, e in rows
                for relation, targets in (("related", e.related), ("mentions", e.mentions))
                for target in targets
            ),
        )

    def extend(self, extension: Extension) -> None:
        """Add a later handbook's aliases, note and links to an entry already written."""
        from coalition_cli.search import reindex_entry

        self._flush()
        rowid, part, *columns = self.db.execute(
            f"SELECT rowid, part, {ENTRY_COLUMNS} FROM entry WHERE id = ?", (extension.id,)
        ).fetchone()
        old = decode_entry(tuple(columns))
        new = extended(old, extension)
        assignments = ", ".join(f"{column} = ?" for column in ENTRY_COLUMNS.split(", "))
        self.db.execute(f"UPDATE entry SET {assignments} WHERE rowid = ?", (*encode_entry(new), rowid))
        self.db.execute("DELETE FROM name WHERE entry = ?", (rowid,))
        self.db.execute("DELETE FROM link WHERE source = ?", (new.id,))
        self._names_and_links([(rowid, new)])
        reindex_entry(self.db, rowid, new, part)

    def close_part(self, items: int, unresolved: list[tuple[str, str]]) -> None:
        """In a process reading part of a handbook: what the parent needs to join it in, then close."""
        self._flush()
        self.db.execute("CREATE TABLE part_items (items INTEGER)")
        self.db.execute("INSERT INTO part_items VALUES (?)", (items,))
        self.db.execute("CREATE TABLE unresolved (target TEXT, what TEXT)")
        self.db.executemany("INSERT INTO unresolved VALUES (?, ?)", unresolved)
        self.db.commit()
        self.db.close()

    def merge_part(self, file: str, number: int) -> tuple[int, list[tuple[str, str]]]:
        """Join a part read by another process: its rows, and its search tables copied whole as a
        search part of their own. Returns how many items it read and the references it could not
        resolve alone. Raises NotInParts if an id is already taken."""
        from coalition_cli.parallel import NotInParts
        from coalition_cli.search import create_search_tables

        self._flush()
        self.db.commit()
        part = f"_{number}"
        self.db.execute("ATTACH DATABASE ? AS part", (file,))
        try:
            try:
                self.db.execute(
                    f"INSERT INTO entry (rowid, {ENTRY_COLUMNS}, date, rank, part)"
                    f" SELECT rowid, {ENTRY_COLUMNS}, date, rank, ? FROM part.entry",
                    (part,),
                )
            except sqlite3.IntegrityError:
                raise NotInParts from None  # the same id in two parts: told by the one-process reading
            self.db.execute("INSERT INTO name SELECT * FROM part.name")
            self.db.execute("INSERT INTO link SELECT * FROM part.link")
            create_search_tables(self.db, part)
            shadows = self.db.execute(
                "SELECT name FROM part.sqlite_master WHERE type = 'table' AND name LIKE 'entries!_%' ESCAPE '!'"
            ).fetchall()
            for (shadow,) in shadows:
                table, _, suffix = str(shadow).partition("_")
                self.db.execute(f"DELETE FROM main.{table}{part}_{suffix}")
                self.db.execute(f"INSERT INTO main.{table}{part}_{suffix} SELECT * FROM part.{shadow}")
            for entry_id, kind in self.db.execute("SELECT id, kind FROM part.entry"):
                self.ids.add(entry_id)
                if kind == "section":
                    self.sections.add(entry_id)
            items = int(self.db.execute("SELECT items FROM part.part_items").fetchone()[0])
            unresolved = [(str(t), str(w)) for t, w in self.db.execute("SELECT target, what FROM part.unresolved")]
            self.db.commit()
        finally:
            self.db.commit()
            self.db.execute("DETACH DATABASE part")
        self.parts.append(part)
        return items, unresolved

    def finish(self, loaded: Loaded, key: Key, built_ns: int = 0) -> Store:
        """Index the tables, write what the stack said besides its entries, and open the store."""
        from coalition_cli.search import create_vocabulary_table, variant_map

        self._flush()
        for part in self.parts:
            create_vocabulary_table(self.db, part)
        self.db.executescript(
            """
            CREATE INDEX entry_kind ON entry (kind);
            CREATE INDEX entry_rank ON entry (rank, rowid);
            CREATE INDEX name_folded ON name (folded);
            CREATE INDEX name_entry ON name (entry);
            CREATE INDEX link_source ON link (source);
            CREATE INDEX link_target ON link (target);
            """
        )
        source = loaded.source
        meta = {
            "schema": str(SCHEMA),
            "version": __version__,
            "built_ns": str(built_ns),
            "title": loaded.title,
            "source_title": source.title,
            "source_lead": source.lead,
            "source_note": source.note,
            "path": os.pathsep.join(loaded.files),
            "entries": str(int(self.db.execute("SELECT count(*) FROM entry").fetchone()[0])),
            "names": str(int(self.db.execute("SELECT count(*) FROM name").fetchone()[0])),
            **{f"count_{kind}": str(count) for kind, count in _kind_counts(self.db).items()},
            "indexed": str(sum(_indexed(self.db, part) for part in self.parts)),
        }
        self.db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, v) for k, v in meta.items() if v is not None))
        lists = {
            "files": loaded.files,
            "warnings": [str(warning) for warning in loaded.warnings],
            "search_parts": self.parts,
            "variants": [SEP.join(group) for group in loaded.variants],
        }
        self.db.executemany(
            "INSERT INTO listing VALUES (?, ?, ?)",
            ((name, position, value) for name, values in lists.items() for position, value in enumerate(values)),
        )
        self.db.executemany(
            "INSERT INTO variant VALUES (?, ?)",
            ((stem, SEP.join(group)) for stem, group in variant_map(self.db, loaded.variants).items()),
        )
        self.db.executemany("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?)", key)
        self.db.commit()
        return Store(self.db)


def _kind_counts(db: sqlite3.Connection) -> dict[str, int]:
    found = dict(db.execute("SELECT kind, count(*) FROM entry GROUP BY kind").fetchall())
    return {kind: int(found.get(kind, 0)) for kind in KINDS}


def _indexed(db: sqlite3.Connection, part: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM entries{part}_docsize").fetchone()[0])


def build_store(handbook: Any, db: sqlite3.Connection | None = None) -> Store:
    """A store from a handbook already in memory (tests, benchmarks)."""
    builder = StoreBuilder(db or sqlite3.connect(":memory:"))
    for entry in handbook.entries:
        builder.add(entry)
    loaded = Loaded()
    loaded.title, loaded.source, loaded.variants = handbook.title, handbook.source, handbook.variants
    loaded.files = list(handbook.files)
    return builder.finish(loaded, [])
