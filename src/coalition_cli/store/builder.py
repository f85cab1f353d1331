"""Writing a store: the tables a handbook is read into, a batch of entries at a time.

The cache (cache.py) and the processes that read a large handbook in parts (parallel.py) both
write stores this way; the store (store.py) reads them. A store is the handbook's entries as rows,
every name each answers to (for `show` and completion), the links between them, and the search
index (search_index.py).
"""

from __future__ import annotations

import os

from coalition_cli import __version__
from coalition_cli.model.errors import NotInParts
from coalition_cli.model.handbook import KINDS, LEAD, Entry, fold, unaccent
from coalition_cli.model.origins import Extension, extended
from coalition_cli.store.cache_folder import APPLICATION_ID
from coalition_cli.store.rows import ENTRY_COLUMNS, SEP, decode_entry, encode_entry, encode_source
from coalition_cli.store.sql import sqlite3
from coalition_cli.store.tables import (
    KIND_COUNTS,
    ROLE_ID,
    ROLE_INDEX,
    ROLE_NAME,
    SCHEMA,
    TYPED_LINK,
    Store,
    kind_counts,
    where_in,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, Protocol

    from coalition_cli.model.origins import Origin, SourceInfo
    from coalition_cli.store.meaning import Encoder

    class Stack(Protocol):
        """What a handbook stack says besides its entries (loader.Loaded, or a Handbook)."""

        @property
        def title(self) -> str: ...
        @property
        def source(self) -> SourceInfo: ...
        @property
        def variants(self) -> Sequence[Sequence[str]]: ...
        @property
        def thesaurus(self) -> Sequence[Sequence[str]]: ...
        @property
        def files(self) -> Sequence[str]: ...
        @property
        def warnings(self) -> Sequence[object]: ...
        @property
        def origins(self) -> Sequence[Origin]: ...

    Key = list[tuple[bytes, int, int, int, int, int, str]]

BATCH = 500  # entries written to SQLite at a time


class StoreBuilder:
    """Writes entries into a new store's tables as the loader hands them over, a batch at a time."""

    def __init__(self, db: sqlite3.Connection, path: str = "", first_rowid: int = 0) -> None:
        from coalition_cli.store.search_index import create_search_tables

        self.db = db
        self.path = path  # the database file, if it has one; parts read beside it are written next to it
        self.parts = [""]  # the search tables' suffixes: more than one when read in parts
        # The ids of the files read before the one being read, for it to refer to (loader.py).
        self.ids: set[str] = set()
        self.sections: set[str] = set()
        self.pending: list[tuple[int, Entry]] = []
        self.rowid = first_rowid
        # Before the first table: an entry's row is about 1 KB, and 8 KB pages cost writing a large
        # handbook 7% less than SQLite's 4 KB (16 and 64 KB did no better).
        db.execute("PRAGMA page_size = 8192")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # the mark the cache folder is swept by
        db.executescript(
            """
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE listing (name TEXT, position INTEGER, value TEXT);
            CREATE TABLE origin (position INTEGER PRIMARY KEY, file TEXT, shipped INTEGER, source TEXT);
            CREATE TABLE variant (kind TEXT, stem TEXT, words TEXT);
            CREATE TABLE source_file (path BLOB, dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER,
                                      ctime_ns INTEGER, hash TEXT);
            CREATE TABLE entry (rowid INTEGER PRIMARY KEY, kind TEXT, id TEXT UNIQUE, title TEXT, summary TEXT,
                                related TEXT, source TEXT, aliases TEXT, quote_text TEXT, quote_section TEXT,
                                note TEXT, details TEXT, origin TEXT, index_terms TEXT, outside TEXT,
                                relations TEXT, checksum TEXT, date TEXT, rank INTEGER, part TEXT DEFAULT '');
            CREATE TABLE name (folded TEXT, written TEXT, entry INTEGER, role INTEGER, key TEXT);
            CREATE TABLE link (source TEXT, target TEXT, relation TEXT);
            CREATE TABLE entry_vector (rowid INTEGER PRIMARY KEY, norm REAL, vector BLOB);
            CREATE TABLE word_vector (word TEXT PRIMARY KEY, norm REAL, vector BLOB);
            """
        )
        create_search_tables(db)
        self._encoder: Encoder | None | bool = False  # made on the first batch; None without the table
        # Whether the entries being read get vectors (with_vectors), and how many have them so far
        # (at most meaning.MAX_ENTRIES).
        self.meaning = True
        self.vectors = 0

    def with_vectors(self, wanted: bool) -> None:
        """Whether the entries added from now on get vectors (loader.py: those of a file under
        meaning.MAX_BYTES); the entries waiting to be written keep what was said for them."""
        if wanted != self.meaning:
            self._flush()
            self.meaning = wanted

    def add(self, entry: Entry) -> None:
        self.rowid += 1
        self.pending.append((self.rowid, entry))
        if len(self.pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        from coalition_cli.store.search_index import index_entries

        rows = self.pending
        self.pending = []
        self.db.executemany(
            f"INSERT INTO entry (rowid, {ENTRY_COLUMNS}, date, rank) VALUES ({', '.join('?' * 19)})",
            ((rowid, *encode_entry(e), e.date, KINDS.index(e.kind)) for rowid, e in rows),
        )
        self._names_and_links(rows)
        texts = index_entries(self.db, rows)
        if self.meaning:
            self._vectors(texts)

    def _vectors(self, texts: list[tuple[int, str]]) -> None:
        """Each entry's vector (meaning.py), for search to rank it by meaning as well as words. An
        installation without the table of word pieces ranks by words alone."""
        from coalition_cli.store import meaning

        if self._encoder is False:
            try:
                self._encoder = meaning.Encoder(meaning.PieceTable(), everything=True)
            except meaning.MeaningUnavailable:
                self._encoder = None
        if not isinstance(self._encoder, meaning.Encoder):
            return
        rows = []
        for rowid, text in texts:
            if self.vectors >= meaning.MAX_ENTRIES:
                break
            vector = meaning.quantised(*self._encoder.sum_of(text))
            if vector is not None:
                rows.append((rowid, meaning.norm(meaning.int8(vector)), vector))
                self.vectors += 1
        self.db.executemany("INSERT INTO entry_vector VALUES (?, ?, ?)", rows)

    def _names_and_links(self, rows: list[tuple[int, Entry]]) -> None:
        """Every name of each entry, with its role (store.ROLE_*): its id, a title or alias, or an
        index term (the reader's own word for it); and its links."""
        from coalition_cli.store.search_index import name_key

        names = []
        for rowid, e in rows:
            for name, role in _roles(e).items():
                folded = fold(name)
                names.append((folded, name, rowid, role, name_key(name, folded)))
        self.db.executemany("INSERT INTO name VALUES (?, ?, ?, ?, ?)", names)
        links = []
        for _, e in rows:
            links += [(e.id, target, "related") for target in e.related]
            links += [(e.id, target, "mentions") for target in e.mentions]
        # Typed links after a batch's others: their rowids keep the order they have always had.
        links += [(e.id, target, relation) for _, e in rows for relation, target in e.relations]
        self.db.executemany("INSERT INTO link VALUES (?, ?, ?)", links)

    def extend(self, extension: Extension) -> None:
        """Add a later handbook's aliases, note and links to an entry already written."""
        from coalition_cli.store.search_index import reindex_entry

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
        text = reindex_entry(self.db, rowid, old, new, part)
        if self.db.execute("DELETE FROM entry_vector WHERE rowid = ?", (rowid,)).rowcount:
            self.vectors -= 1
            self._vectors([(rowid, text)])  # the entry had a vector: it has its extended one

    def close_part(self, items: int, unresolved: Iterable[tuple[str, str]]) -> None:
        """In a process reading part of a handbook: what the parent needs to join it in, then close."""
        self._flush()
        self.db.execute("CREATE TABLE part_items (items INTEGER)")
        self.db.execute("INSERT INTO part_items VALUES (?)", (items,))
        self.db.execute("CREATE TABLE unresolved (target TEXT, what TEXT)")
        self.db.executemany("INSERT INTO unresolved VALUES (?, ?)", unresolved)
        self.db.commit()
        self.db.close()

    def merge_part(self, file: str, number: int) -> int:
        """Join a part read by another process: its rows, its search tables copied whole as a search
        part of their own, and the references it could not resolve alone (checked once every part
        is in: parts_resolve). Returns how many items it read. Raises NotInParts if an id is
        already taken."""
        from coalition_cli.store.search_index import create_search_tables

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
            self.db.execute("INSERT INTO entry_vector SELECT * FROM part.entry_vector")
            create_search_tables(self.db, part, copied=True)
            shadows = self.db.execute(
                "SELECT name FROM part.sqlite_master WHERE type = 'table' AND name LIKE 'entries!_%' ESCAPE '!'"
            ).fetchall()
            for (shadow,) in shadows:
                table, _, suffix = str(shadow).partition("_")
                self.db.execute(f"DELETE FROM main.{table}{part}_{suffix}")
                self.db.execute(f"INSERT INTO main.{table}{part}_{suffix} SELECT * FROM part.{shadow}")
            items = int(self.db.execute("SELECT items FROM part.part_items").fetchone()[0])
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS unresolved (target TEXT, what TEXT)")
            self.db.execute("INSERT INTO temp.unresolved SELECT target, what FROM part.unresolved")
            self.db.commit()
        finally:
            self.db.commit()
            self.db.execute("DETACH DATABASE part")
        self.parts.append(part)
        return items

    def parts_resolve(self) -> bool:
        """Whether every reference the parts could not resolve alone points to an entry (a section,
        or the lead, where a section is wanted) of the joined store: asked of SQLite, so that a
        large file's hundreds of thousands of such references are never held here."""
        self._flush()
        unresolved = self.db.execute(
            "SELECT 1 FROM temp.unresolved AS u WHERE NOT EXISTS (SELECT 1 FROM entry WHERE entry.id = u.target"
            " AND (u.what != 'section' OR entry.kind = 'section')) AND NOT (u.what = 'section' AND u.target = ?)"
            " LIMIT 1",
            (LEAD,),
        ).fetchone()
        self.db.execute("DROP TABLE temp.unresolved")
        return unresolved is None

    def entries_among(self, ids: Iterable[str]) -> tuple[set[str], set[str]]:
        """Which of these ids the store holds, and which of those are sections. A file read in
        parts resolves its references across parts by these few (`ids` and `sections` hold only
        the files read before: reading a part's 50,000 ids back cost its joining a fifth)."""
        self._flush()
        found: set[str] = set()
        sections: set[str] = set()
        for where, chunk in where_in("id", sorted(set(ids))):
            for entry_id, kind in self.db.execute(f"SELECT id, kind FROM entry {where}", chunk):
                found.add(entry_id)
                if kind == "section":
                    sections.add(entry_id)
        return found, sections

    def finish(self, loaded: Stack, key: Key, built_ns: int = 0) -> Store:
        """Index the tables, write what the stack said besides its entries, and open the store."""
        from coalition_cli.store.search_index import create_vocabulary_table, variant_map

        self._flush()
        for part in self.parts:
            create_vocabulary_table(self.db, part)
        self.db.executescript(
            """
            CREATE INDEX entry_rank ON entry (rank, rowid);
            CREATE INDEX name_folded ON name (folded);
            CREATE INDEX name_key ON name (key);
            CREATE INDEX link_source ON link (source);
            CREATE INDEX link_target ON link (target);
            """
        )
        # Kinds are read by rank (KINDS order), and links by relation only when typed: indexing
        # every entry's kind and every link's relation cost a large handbook 0.17 s of its build.
        self.db.execute(f"CREATE INDEX link_relation ON link (relation) WHERE {TYPED_LINK}")
        self._word_vectors()
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
            "origins": str(len(loaded.origins)),
            "entries": str(int(self.db.execute("SELECT count(*) FROM entry").fetchone()[0])),
            "names": str(int(self.db.execute("SELECT count(*) FROM name").fetchone()[0])),
            "links": str(int(self.db.execute("SELECT count(*) FROM link").fetchone()[0])),
            "vectors": str(int(self.db.execute("SELECT count(*) FROM entry_vector").fetchone()[0])),
            "word_vectors": str(int(self.db.execute("SELECT count(*) FROM word_vector").fetchone()[0])),
            **{f"count_{kind}": str(count) for kind, count in kind_counts(self.db.execute(KIND_COUNTS)).items()},
            "indexed": str(sum(_indexed(self.db, part) for part in self.parts)),
            "longest_phrase": str(max((len(m.split()) for g in loaded.thesaurus for m in g), default=0)),
        }
        self.db.executemany("INSERT INTO meta VALUES (?, ?)", ((k, v) for k, v in meta.items() if v is not None))
        lists = {
            "files": loaded.files,
            "warnings": [str(warning) for warning in loaded.warnings],
            "search_parts": self.parts,
            "variants": [SEP.join(group) for group in loaded.variants],
            "thesaurus": [SEP.join(group) for group in loaded.thesaurus],
        }
        self.db.executemany(
            "INSERT INTO listing VALUES (?, ?, ?)",
            ((name, position, value) for name, values in lists.items() for position, value in enumerate(values)),
        )
        for kind, groups in (("variant", loaded.variants), ("synonym", loaded.thesaurus)):
            self.db.executemany(
                "INSERT INTO variant VALUES (?, ?, ?)",
                ((kind, stem, SEP.join(group)) for stem, group in variant_map(self.db, groups).items()),
            )
        # The thesaurus's phrases ("head of state"), by their words: a search looks up only its own.
        phrases = {" ".join(unaccent(m).split()): g for g in loaded.thesaurus for m in g if len(m.split()) > 1}
        rows = ((phrase, SEP.join(group)) for phrase, group in phrases.items())
        self.db.executemany("INSERT INTO variant VALUES ('phrase', ?, ?)", rows)
        self.db.execute("CREATE INDEX variant_stem ON variant (stem, kind)")
        self.db.executemany("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?)", key)
        origins = [(o.file, int(o.shipped), o.source and encode_source(o.source)) for o in loaded.origins]
        self.db.executemany("INSERT INTO origin VALUES (?, ?, ?, ?)", ((n, *row) for n, row in enumerate(origins)))
        self.db.commit()
        return Store(self.db)

    def _word_vectors(self) -> None:
        """The vectors of the index's commonest words (meaning.py), for the words of a query it
        lacks to find their nearest in meaning ("goods": "commerce", "exports")."""
        from coalition_cli.store import meaning
        from coalition_cli.store.search_index import STOPWORDS

        if not isinstance(self._encoder, meaning.Encoder):
            return
        counts: dict[str, int] = {}
        for part in self.parts:
            for word, docs in self.db.execute(f"SELECT term, doc FROM entries_vocab{part}"):
                if len(word) > 2 and word.isalpha() and word.isascii() and word not in STOPWORDS:
                    counts[word] = counts.get(word, 0) + int(docs)
        common = sorted(counts, key=lambda word: (-counts[word], word))[: meaning.MAX_WORDS]
        rows = []
        for word in common:
            vector = meaning.quantised(*self._encoder.sum_of(word))
            if vector is not None:
                rows.append((word, meaning.norm(meaning.int8(vector)), vector))
        self.db.executemany("INSERT INTO word_vector VALUES (?, ?, ?)", rows)


def _roles(entry: Entry) -> dict[str, int]:
    """Each name of an entry with its role, id first, then title and aliases, then index terms."""
    roles: dict[str, int] = {}
    for name in entry.names():
        roles.setdefault(name, ROLE_ID if name == entry.id else ROLE_NAME)
    for term in entry.index:
        roles.setdefault(term, ROLE_INDEX)
    return roles


def _indexed(db: sqlite3.Connection, part: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM entries{part}_docsize").fetchone()[0])


def build_store(handbook: Any, db: sqlite3.Connection | None = None) -> Store:
    """A store from a handbook already in memory (tests, benchmarks)."""
    builder = StoreBuilder(db or sqlite3.connect(":memory:"))
    for entry in handbook.entries:
        builder.add(entry)
    return builder.finish(handbook, [])
