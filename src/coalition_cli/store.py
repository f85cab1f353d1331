"""The handbook as commands read it: SQLite tables of entries, names and the search index, kept in
the user's cache folder between runs.

Why: reading YAML costs 15 ms of imports before parsing, and for a 10,000-entry handbook parsing
and indexing take seconds; but a command needs only a few entries. So a handbook is parsed and
indexed once into SQLite, and later runs open that file and read only the rows they need.

The cache is one file per handbook path, in $XDG_CACHE_HOME/coalition (else ~/.cache/coalition).
It is used only while the handbook's path, size, modification time and content hash, the cache's
schema and the program's version all match what it records; it is written to a temporary file
and renamed into place, so readers never see half a file; loading it cannot run code (SQLite rows
and marshal of plain data); a corrupt or unreadable cache is ignored and rebuilt; and when the
folder cannot be written, or COALITION_NO_CACHE=1, the same tables are built in memory instead.
"""

from __future__ import annotations

import difflib
import hashlib
import marshal
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from coalition_cli import __version__
from coalition_cli.errors import AmbiguousName, NotFound
from coalition_cli.handbook import KINDS, LEAD, LEAD_TITLE, Entry, Handbook, SourceInfo, fold, label

SCHEMA = 2  # bump when the tables change
CACHE_ENV = "COALITION_NO_CACHE"
MAX_LISTED = 8  # candidates named in an "ambiguous" message

Progress = Callable[[str, int, int], None]  # (stage, done, total): for a progress bar while building


def cache_folder() -> Path | None:
    """Where caches live, or None when caching is turned off."""
    if os.environ.get(CACHE_ENV, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "coalition"


def open_store(paths: Sequence[Path | None] | None = None, progress: Progress | None = None) -> Store:
    """The handbooks at paths, layered in order (None is the bundled one, and the default), from
    the cache when it is current."""
    from coalition_cli.loader import bundled_handbook_path, load_stack, read_handbook_bytes

    bundled = bundled_handbook_path()
    files = [path or bundled for path in paths or [None]]
    keys = [_file_key(path, read_handbook_bytes(path)) for path in files]
    if all(path.resolve() != bundled.resolve() for path in files):
        # A file may put the bundled handbook beneath it (base: bundled), so its content counts too.
        keys.append(_file_key(bundled, read_handbook_bytes(bundled)))
    key = {"files": keys, "schema": SCHEMA, "version": __version__}
    folder = cache_folder()
    cache_file = None
    if folder is not None:
        name = os.pathsep.join(str(k["path"]) for k in keys)
        cache_file = folder / f"{hashlib.blake2b(name.encode(), digest_size=10).hexdigest()}.sqlite3"
        cached = _open_cached(cache_file, key)
        if cached is not None:
            return cached

    handbook = load_stack(files, progress)
    if cache_file is not None:
        written = _write_cache(cache_file, handbook, key, progress)
        if written is not None:
            return written
    return build_store(handbook, sqlite3.connect(":memory:"), key, progress)


def _file_key(path: Path, raw: bytes) -> dict[str, Any]:
    stat = path.stat()
    return {
        "path": str(path.resolve()),
        "size": len(raw),
        "mtime_ns": stat.st_mtime_ns,
        "hash": hashlib.blake2b(raw, digest_size=16).hexdigest(),
    }


def _open_cached(cache_file: Path, key: dict[str, Any]) -> Store | None:
    """The cached store if it exists, is readable and matches the key; otherwise None."""
    if not cache_file.is_file():
        return None
    db = None
    try:
        db = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True)
        row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        if row is None or marshal.loads(row[0]) != key:
            db.close()
            return None
        return Store(db)
    except (sqlite3.Error, ValueError, EOFError, TypeError, KeyError):
        # Corrupt, truncated, or from another version of this program: rebuild it.
        if db is not None:
            db.close()
        return None


def _write_cache(cache_file: Path, handbook: Handbook, key: dict[str, Any], progress: Progress | None) -> Store | None:
    """Build the store into a temporary file beside the cache and rename it into place."""
    import tempfile

    temporary = None
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".building-", suffix=".sqlite3", dir=cache_file.parent)
        os.close(handle)
        db = sqlite3.connect(temporary)
        db.execute("PRAGMA journal_mode = OFF")  # a temporary file: the rename is what makes it safe
        db.execute("PRAGMA synchronous = OFF")
        build_store(handbook, db, key, progress)
        db.close()
        os.replace(temporary, cache_file)
        temporary = None
        return _open_cached(cache_file, key)
    except (OSError, sqlite3.Error):
        return None  # a read-only or full disk: work from memory instead
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def build_store(
    handbook: Handbook, db: sqlite3.Connection, key: dict[str, Any] | None = None, progress: Progress | None = None
) -> Store:
    """Write a handbook's tables into an empty database and return the store reading them."""
    from coalition_cli.search import create_search_tables, variant_map

    db.executescript(
        """
        CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB);
        CREATE TABLE entry (rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT UNIQUE, title TEXT, date TEXT,
                            origin TEXT, data BLOB);
        CREATE INDEX entry_kind ON entry (kind);
        CREATE TABLE name (folded TEXT, written TEXT, entry INTEGER, is_id INTEGER);
        CREATE INDEX name_folded ON name (folded);
        CREATE TABLE link (source TEXT, target TEXT, relation TEXT);
        CREATE INDEX link_source ON link (source);
        CREATE INDEX link_target ON link (target);
        """
    )
    entries = handbook.entries
    db.executemany(
        "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (rowid, e.kind, e.id, e.title, e.date, e.origin, marshal.dumps(e.to_data()))
            for rowid, e in enumerate(entries, 1)
        ),
    )
    db.executemany(
        "INSERT INTO name VALUES (?, ?, ?, ?)",
        (
            (fold(name), name, rowid, int(name == e.id))
            for rowid, e in enumerate(entries, 1)
            for name in dict.fromkeys(e.names())
        ),
    )
    db.executemany(
        "INSERT INTO link VALUES (?, ?, ?)",
        (
            (e.id, target, relation)
            for e in entries
            for relation, targets in (("related", e.related), ("mentions", e.mentions))
            for target in targets
        ),
    )
    create_search_tables(db, entries, progress)
    source = handbook.source
    meta: dict[str, Any] = {
        "key": key or {},
        "title": handbook.title,
        "source": (source.title, source.lead, source.note),
        "variants": handbook.variants,
        "variant_map": variant_map(db, handbook.variants),
        "format": handbook.format,
        "path": handbook.path,
        "files": handbook.files or (handbook.path,),
        "warnings": tuple(str(warning) for warning in handbook.warnings),
    }
    db.executemany("INSERT INTO meta VALUES (?, ?)", ((name, marshal.dumps(value)) for name, value in meta.items()))
    db.commit()
    return Store(db)


class Store:
    """A handbook read from SQLite, a few rows at a time."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        meta = {name: marshal.loads(value) for name, value in db.execute("SELECT name, value FROM meta")}
        self.title: str = meta["title"]
        self.source = SourceInfo(*meta["source"])
        self.variants: tuple[tuple[str, ...], ...] = meta["variants"]
        self.variant_map: dict[str, tuple[str, ...]] = meta["variant_map"]
        self.format: int = meta["format"]
        self.path: str = meta["path"]
        self.files: tuple[str, ...] = meta["files"]
        self.warnings: tuple[str, ...] = meta["warnings"]
        self._entries: tuple[Entry, ...] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _numbered(self, where: str = "", params: Iterable[Any] = (), order: str = "rowid") -> list[tuple[int, Entry]]:
        """Entries (with their rowids) from the rows the condition selects."""
        rows = self.db.execute(f"SELECT rowid, kind, origin, data FROM entry {where} ORDER BY {order}", tuple(params))
        return [(rowid, Entry.from_data(kind, marshal.loads(data), origin)) for rowid, kind, origin, data in rows]

    def _rows(self, where: str = "", params: Iterable[Any] = (), order: str = "rowid") -> list[Entry]:
        return [entry for _, entry in self._numbered(where, params, order)]

    @property
    def entries(self) -> tuple[Entry, ...]:
        if self._entries is None:
            self._entries = tuple(self._rows())
        return self._entries

    def get(self, entry_id: str) -> Entry | None:
        found = self._rows("WHERE id = ?", (entry_id,))
        return found[0] if found else None

    def by_rowids(self, rowids: Iterable[int]) -> dict[int, Entry]:
        wanted = list(rowids)
        return dict(self._numbered(f"WHERE rowid IN ({', '.join('?' * len(wanted))})", wanted))

    def by_ids(self, entry_ids: Iterable[str]) -> dict[str, Entry]:
        wanted = list(entry_ids)
        found = self._rows(f"WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
        return {entry.id: entry for entry in found}

    def of_kind(self, kind: str) -> list[Entry]:
        return self._rows("WHERE kind = ?", (kind,))

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT kind, count(*) FROM entry GROUP BY kind").fetchall())
        return {kind: found.get(kind, 0) for kind in KINDS}

    def origin_counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT origin, count(*) FROM entry GROUP BY origin").fetchall())
        return {file: found.get(file, 0) for file in self.files}

    def links(self, entry_id: str) -> list[tuple[str, str, str]]:
        """Every (source, target, relation) touching an entry, either way: related and mentions."""
        rows = self.db.execute(
            "SELECT source, target, relation FROM link WHERE source = ? OR target = ? ORDER BY rowid",
            (entry_id, entry_id),
        )
        return [(str(s), str(t), str(r)) for s, t, r in rows]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entry").fetchone()[0])

    def dated_facts(self) -> list[Entry]:
        """Facts that carry a date, oldest first (ISO dates sort as text; ties keep file order)."""
        return self._rows("WHERE kind = 'fact' AND date IS NOT NULL", order="date, rowid")

    def source_title(self, source_id: str) -> str:
        if source_id == LEAD:
            return LEAD_TITLE
        row = self.db.execute("SELECT title FROM entry WHERE id = ? AND kind = 'section'", (source_id,)).fetchone()
        return str(row[0]) if row else source_id

    def materialize(self) -> Handbook:
        """The whole handbook in memory, for output that shows every entry with its relations."""
        return Handbook(self.title, self.source, self.entries, self.path, self.format, self.variants, files=self.files)

    # -- names ---------------------------------------------------------------------------------

    def find_entry(self, name: str, kind: str | None = None) -> Entry:
        """Resolve a reader's name to one entry: by id, then title or alias, then unique prefix.

        Matching ignores case, accents and punctuation. A stage that matches several entries is
        ambiguous and raises, rather than guessing; no match at all raises NotFound with suggestions.
        """
        query = fold(name)
        what = f'no {kind or "entry"} named "{name}"'
        if not query:
            raise NotFound(what)
        pattern = "% " + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stages = [
            ("is_id AND folded = ?", (query,)),
            ("folded = ?", (query,)),
            ("folded >= ? AND folded < ?", (query, query + "\U0010ffff")),
            ("(' ' || folded) LIKE ? ESCAPE '\\'", (pattern,)),
        ]
        kind_filter = " AND entry.kind = ?" if kind else ""
        for condition, params in stages:
            rowids = [
                rowid
                for (rowid,) in self.db.execute(
                    "SELECT DISTINCT name.entry FROM name JOIN entry ON entry.rowid = name.entry"
                    f" WHERE {condition}{kind_filter} ORDER BY name.entry",
                    (*params, *([kind] if kind else [])),
                )
            ]
            if len(rowids) == 1:
                return self.by_rowids(rowids)[rowids[0]]
            if rowids:
                shown = self.by_rowids(rowids[:MAX_LISTED])
                labels = [label(shown[rowid], kind) for rowid in rowids[:MAX_LISTED]]
                if len(rowids) > MAX_LISTED:
                    labels.append(f"and {len(rowids) - MAX_LISTED} more")
                raise AmbiguousName(name, labels)
        raise NotFound(what, self.suggest_names(query, kind))

    def names_starting(self, folded: str, kind: str | None, limit: int) -> list[tuple[str, str, str, str]]:
        """(id, kind, title, name as written) for names whose folded form starts with `folded`, in
        handbook order, each entry's id first, then its title and aliases: for completion."""
        rows = self.db.execute(
            "SELECT entry.id, entry.kind, entry.title, name.written FROM name JOIN entry ON entry.rowid = name.entry"
            " WHERE name.folded >= ? AND name.folded < ?"
            + (" AND entry.kind = ?" if kind else "")
            + " ORDER BY entry.rowid, name.rowid LIMIT ?",
            (folded, folded + "\U0010ffff", *([kind] if kind else []), limit * 4),
        )
        return [(str(i), str(k), str(t), str(w)) for i, k, t, w in rows]

    def suggest_names(self, query: str, kind: str | None = None) -> list[str]:
        """The entries whose names are spelled most like the query, best first."""
        rows = self.db.execute(
            "SELECT name.folded, entry.rowid FROM name JOIN entry ON entry.rowid = name.entry"
            " WHERE substr(name.folded, 1, 1) = ? AND length(name.folded) BETWEEN ? AND ?"
            + (" AND entry.kind = ?" if kind else ""),
            (query[:1], len(query) - 3, len(query) + 3, *([kind] if kind else [])),
        ).fetchall()
        owners: dict[str, int] = {}
        for folded, rowid in rows:
            owners.setdefault(folded, rowid)
        close = difflib.get_close_matches(query, list(owners), n=6, cutoff=0.6)
        rowids = list(dict.fromkeys(owners[name] for name in close))[:3]
        entries = self.by_rowids(rowids)
        return [label(entries[rowid], kind) for rowid in rowids]
