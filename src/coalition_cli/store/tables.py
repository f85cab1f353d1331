"""The handbook as commands read it: SQLite tables of entries, names, links and the search index,
queried a few rows at a time. cache.py builds them and keeps them between runs.

Everything read is checked as it is decoded (an entry's row by rows.py, the other columns here): a
table of the wrong shape raises CacheCorrupt, and the run rebuilds rather than trusts it.
"""

from __future__ import annotations

from coalition_cli.model.errors import AmbiguousName, NotFound
from coalition_cli.model.handbook import (
    KINDS,
    LEAD,
    LEAD_TITLE,
    RELATIONS,
    Entry,
    Handbook,
    Quote,
    both_ways,
    fold,
    label,
)
from coalition_cli.model.origins import Origin, SourceInfo, origin_in, section_quoting
from coalition_cli.store.rows import (
    ENTRY_COLUMNS,
    CacheCorrupt,
    as_str,
    as_text,
    as_texts,
    as_word,
    decode_entry,
    decode_origin,
)
from coalition_cli.store.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

SCHEMA = 18  # bump when the tables change
ROLE_NAME, ROLE_ID, ROLE_INDEX = 0, 1, 2  # what a name is to its entry (the name table's `role`)
MAX_LISTED = 8  # candidates named in an "ambiguous" message
MAX_NAME = 500  # characters of a name worth looking up: no entry's name is longer
MAX_VARIABLES = 500  # ids per query: SQLite allows only so many parameters
KIND_COUNTS = "SELECT rank, count(*) FROM entry GROUP BY rank"
TYPED_LINK = "relation NOT IN ('related', 'mentions')"  # the links link_relation indexes (builder.py)


def kind_counts(rows: Iterable[tuple[Any, Any]]) -> dict[str, int]:
    """How many entries of each kind, from the rows of KIND_COUNTS: counted by rank (KINDS order),
    which the rank index holds, so a large handbook's table is not read."""
    counts = dict.fromkeys(KINDS, 0)
    for rank, count in rows:
        if not isinstance(rank, int) or not 0 <= rank < len(KINDS):
            raise CacheCorrupt("an entry has no kind's rank")
        counts[KINDS[rank]] = int(count)
    return counts


def where_in(column: str, values: list[Any]) -> Iterator[tuple[str, list[Any]]]:
    """`WHERE column IN (...)` over any number of values, MAX_VARIABLES at a time."""
    for start in range(0, len(values), MAX_VARIABLES):
        chunk = values[start : start + MAX_VARIABLES]
        yield f"WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk


def _id(value: object) -> str:
    """An id column: what the loader lets through as an id, nothing else (ids reach the screen)."""
    if not isinstance(value, str) or not is_id(value):
        raise CacheCorrupt("expected an id")
    return value


def is_id(text: str) -> bool:
    """What the loader lets through as an id: lowercase ASCII letters and digits, in words joined
    by single hyphens. (Written without `re`, which a lookup would otherwise import for this.)"""
    return bool(text) and text.isascii() and all(word.isalnum() and word == word.lower() for word in text.split("-"))


def _kind(value: object) -> str:
    if value not in KINDS:
        raise CacheCorrupt("expected a kind")
    return str(value)


def _relation_name(value: object) -> str:
    if value not in RELATIONS and value not in ("related", "mentions"):
        raise CacheCorrupt("expected a relation")
    return str(value)


class Store:
    """A handbook read from SQLite, a few rows at a time."""

    def __init__(self, db: sqlite3.Connection, file: str | None = None) -> None:
        self.db = db
        self.file = file  # the cache file it was opened from, if any
        try:
            meta = {as_text(name): as_str(value) for name, value in db.execute("SELECT name, value FROM meta")}
            lists: dict[str, list[str]] = {}
            for name, value in db.execute(
                "SELECT name, value FROM listing WHERE name IN ('files', 'warnings', 'search_parts')"
                " ORDER BY name, position"
            ):
                lists.setdefault(as_text(name), []).append(as_str(value))
            self.title = as_text(meta["title"])
            lead, note = meta.get("source_lead"), meta.get("source_note")
            self.source = SourceInfo(as_text(meta["source_title"]), lead and as_text(lead), note and as_text(note))
            self._meta = meta
            self.path = meta["path"]
            self.entry_count = int(meta["entries"])
            self.files = tuple(lists.get("files", []))
            self.warnings = tuple(as_text(warning) for warning in lists.get("warnings", []))
            self.search_parts = tuple(lists.get("search_parts", [""]))
            rows = db.execute("SELECT file, shipped, source FROM origin ORDER BY position").fetchall()
            self.origins = tuple(decode_origin(tuple(row)) for row in rows)
            if [origin.file for origin in self.origins] != list(self.files) or meta.get("origins") != str(len(rows)):
                raise CacheCorrupt("origins are not the files")
            if not all(part == "" or (part[:1] == "_" and part[1:].isdigit()) for part in self.search_parts):
                raise CacheCorrupt("search parts")
            self.format = 1
        except (sqlite3.Error, KeyError, ValueError) as error:
            raise CacheCorrupt(f"meta: {error}") from None
        self._entries: tuple[Entry, ...] | None = None
        self._groups: dict[str, Any] | None = None
        self._shipped_quotes: tuple[Quote, ...] | None = None

    def _words(self) -> dict[str, Any]:
        """The spelling variants and the thesaurus as written: for an export, which writes them
        back out. A search looks up only its own words (word_group)."""
        if self._groups is None:
            try:
                lists: dict[str, list[tuple[str, ...]]] = {"variants": [], "thesaurus": []}
                for name, value in self.db.execute(
                    "SELECT name, value FROM listing WHERE name IN ('variants', 'thesaurus') ORDER BY name, position"
                ):
                    lists[as_text(name)].append(as_texts(value))
            except (sqlite3.Error, KeyError, ValueError) as error:
                raise CacheCorrupt(f"variants: {error}") from None
            self._groups = {k: tuple(v) for k, v in lists.items()}
        return self._groups

    @property
    def variants(self) -> tuple[tuple[str, ...], ...]:
        return self._words()["variants"]  # type: ignore[no-any-return]

    @property
    def thesaurus(self) -> tuple[tuple[str, ...], ...]:
        return self._words()["thesaurus"]  # type: ignore[no-any-return]

    def word_group(self, kind: str, key: str) -> tuple[str, ...] | None:
        """The group a word or phrase belongs to: by a spelling's stem, its spellings ("variant");
        by a word's stem, the words readers use for it ("synonym"); by a phrase's words (unaccented,
        one space apart), the thesaurus group it is in ("phrase"). None if it has none."""
        rows = self.query("SELECT words FROM variant WHERE stem = ? AND kind = ?", (key, kind))
        if len(rows) > 1:
            raise CacheCorrupt("word groups")
        return as_texts(rows[0][0]) if rows else None

    @property
    def longest_phrase(self) -> int:
        """How many words the thesaurus's longest phrase has."""
        try:
            return int(self._meta["longest_phrase"])
        except (KeyError, ValueError):
            raise CacheCorrupt("longest phrase") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Rows of any query; a database that is not what this program wrote raises CacheCorrupt."""
        return self._query(sql, params)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as error:
            raise CacheCorrupt(str(error)) from None

    def _numbered(
        self, where: str = "", params: Iterable[Any] = (), order: str = "rank, rowid"
    ) -> list[tuple[int, Entry]]:
        """Entries (with their rowids) from the rows the condition selects."""
        rows = self._query(f"SELECT rowid, {ENTRY_COLUMNS} FROM entry {where} ORDER BY {order}", params)
        return [(int(row[0]), decode_entry(row[1:])) for row in rows]

    def _rows(self, where: str = "", params: Iterable[Any] = (), order: str = "rank, rowid") -> list[Entry]:
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
        found = {rowid: e for where, chunk in where_in("rowid", wanted) for rowid, e in self._numbered(where, chunk)}
        if len(found) != len(set(wanted)):
            raise CacheCorrupt("rows named by the store's own tables are missing")
        return found

    def by_ids(self, entry_ids: Iterable[str]) -> dict[str, Entry]:
        return {e.id: e for where, chunk in where_in("id", list(entry_ids)) for e in self._rows(where, chunk)}

    def of_kind(self, kind: str) -> list[Entry]:
        return [decode_entry(row) for row in self._of_kind(kind, ENTRY_COLUMNS)]

    def ids_of_kind(self, kind: str) -> list[str]:
        """The ids of one kind's entries, in handbook order: a sample can be drawn from them."""
        return [_id(row[0]) for row in self._of_kind(kind, "id")]

    def _of_kind(self, kind: str, columns: str) -> list[tuple[Any, ...]]:
        """These columns of one kind's rows, in handbook order, read by rank (the rank index holds
        it), which the row's checksum does not cover: a rank that is not its row's kind, or a row
        missing from the counts, is damage (a listing of a kind is where a lost row would hide)."""
        rows = self._query(f"SELECT kind, {columns} FROM entry WHERE rank = ? ORDER BY rowid", (KINDS.index(kind),))
        if any(row[0] != kind for row in rows):
            raise CacheCorrupt("an entry's rank is not its kind")
        return [tuple(row[1:]) for row in rows]

    def counts(self) -> dict[str, int]:
        return kind_counts(self._query(KIND_COUNTS))

    def origin_counts(self) -> dict[str, int]:
        found = dict(self._query("SELECT origin, count(*) FROM entry GROUP BY origin"))
        return {file: int(found.get(file, 0)) for file in self.files}

    def links(self, entry_id: str, limit: int = -1) -> list[tuple[str, str, str]]:
        """Every (source, target, relation) touching an entry, either way (related and mentions), or
        the first `limit` of them."""
        rows = self._query(
            "SELECT source, target, relation FROM link WHERE source = ? OR target = ? ORDER BY rowid LIMIT ?",
            (entry_id, entry_id, limit),
        )
        return [(_id(s), _id(t), _relation_name(r)) for s, t, r in rows]

    def linked(self, entry: Entry) -> set[str]:
        """The ids of every entry linked to this one, either way, by any kind of link or field."""
        links = self.links(entry.id)
        found = {target for _, target, _ in links} | {source for source, _, _ in links}
        who = entry.details.get("who", ())
        said_by = entry.details.get("said_by")
        return found | set(who if isinstance(who, tuple) else ()) | ({said_by} if isinstance(said_by, str) else set())

    def links_of(self, relation: str, limit: int) -> list[tuple[str, str]]:
        """The first `limit` (source, target) links of one typed relation (RELATIONS), in handbook
        order. Only typed links are indexed by relation (link_relation): the rest are most links."""
        rows = self._query(
            f"SELECT source, target FROM link WHERE relation = ? AND {TYPED_LINK} ORDER BY rowid LIMIT ?",
            (relation, limit),
        )
        return [(_id(source), _id(target)) for source, target in rows]

    def vectors(self) -> dict[int, tuple[float, bytes]]:
        """Every entry's vector (meaning.py) with its norm, by rowid: those of files under
        meaning.MAX_BYTES, at most meaning.MAX_ENTRIES of them (builder.py)."""
        from coalition_cli.store.meaning import DIMENSIONS, MAX_ENTRIES

        found: dict[int, tuple[float, bytes]] = {}
        for rowid, norm, vector in self._query("SELECT rowid, norm, vector FROM entry_vector LIMIT ?", (MAX_ENTRIES,)):
            if not (isinstance(vector, bytes) and len(vector) == DIMENSIONS and isinstance(norm, float)):
                raise CacheCorrupt("an entry's vector")
            if not 0 < norm < float("inf"):
                raise CacheCorrupt("an entry's vector")
            found[int(rowid)] = (norm, vector)
        return found

    def word_vectors(self) -> list[tuple[str, float, bytes]]:
        """The index's commonest words with their vectors (meaning.py) and norms."""
        from coalition_cli.store.meaning import DIMENSIONS, MAX_WORDS

        rows = self._query("SELECT word, norm, vector FROM word_vector LIMIT ?", (MAX_WORDS,))
        found = []
        for word, norm, vector in rows:
            if not (isinstance(word, str) and isinstance(vector, bytes) and len(vector) == DIMENSIONS):
                raise CacheCorrupt("a word's vector")
            if not (isinstance(norm, float) and 0 < norm < float("inf")):
                raise CacheCorrupt("a word's vector")
            found.append((word, norm, vector))
        return found

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM entry")[0][0])

    def dated_facts(self) -> list[Entry]:
        """Facts and events that carry a date, oldest first (ISO dates sort as text; ties keep file order)."""
        return self._rows("WHERE kind IN ('fact', 'event') AND date IS NOT NULL", order="date, rowid")

    def origin_of(self, entry: Entry) -> Origin:
        return origin_in(self.origins, entry.origin)

    def article_section(self, text: str) -> str | None:
        if self._shipped_quotes is None:
            shipped = [origin.file for origin in self.origins if origin.shipped]
            rows = []
            for where, chunk in where_in("origin", shipped):
                query = f"SELECT quote_text, quote_section FROM entry {where} AND quote_text IS NOT NULL"
                rows += self._query(query, chunk)
            self._shipped_quotes = tuple(Quote(as_word(text), _id(section)) for text, section in rows)
        return section_quoting(self._shipped_quotes, text)

    def source_title(self, source_id: str) -> str:
        if source_id == LEAD:
            return LEAD_TITLE
        rows = self._query("SELECT title FROM entry WHERE id = ? AND kind = 'section'", (source_id,))
        return as_word(rows[0][0]) if rows else source_id

    def materialize(self) -> Handbook:
        """The whole handbook in memory, for output that shows every entry with its relations."""
        return Handbook(
            self.title,
            self.source,
            self.entries,
            self.path,
            1,
            self.variants,
            self.files,
            thesaurus=self.thesaurus,
            origins=self.origins,
        )

    def batches(self, kind: str | None = None, size: int = 500) -> Iterator[list[Entry]]:
        """Every entry (of one kind, if given) in handbook order, `size` at a time, read as they are
        written out: an export or a listing of a large handbook never holds it whole."""
        where, params = ("WHERE rank = ?", (KINDS.index(kind),)) if kind else ("", ())
        try:
            cursor = self.db.execute(f"SELECT {ENTRY_COLUMNS} FROM entry {where} ORDER BY rank, rowid", params)
            while rows := cursor.fetchmany(size):
                batch = [decode_entry(tuple(row)) for row in rows]
                if kind and any(entry.kind != kind for entry in batch):
                    raise CacheCorrupt("an entry's rank is not its kind")
                yield batch
        except sqlite3.Error as error:
            raise CacheCorrupt(str(error)) from None

    def linked_to(self, ids: list[str]) -> dict[str, list[str]]:
        """For each of these entries, the entries that link to it (related or typed), in handbook
        order: what related_of reads for one entry, for many in a few queries."""
        found: dict[str, list[str]] = {}
        for where, chunk in where_in("link.target", ids):
            rows = self._query(
                "SELECT link.target, link.source FROM link JOIN entry ON entry.id = link.source"
                f" {where} AND link.relation != 'mentions' ORDER BY entry.rank, entry.rowid",
                chunk,
            )
            for target, source in rows:
                found.setdefault(_id(target), []).append(_id(source))
        return found

    def related_of(self, entry: Entry) -> tuple[str, ...]:
        """The entry's links, then the entries that link to it, related or typed (handbook.both_ways)."""
        rows = self._query(
            "SELECT link.source FROM link JOIN entry ON entry.id = link.source"
            " WHERE link.target = ? AND link.relation != 'mentions' ORDER BY entry.rank, entry.rowid",
            (entry.id,),
        )
        return both_ways(entry, (_id(source) for (source,) in rows))

    # -- names ---------------------------------------------------------------------------------

    def find_entry(self, name: str, kind: str | None = None) -> Entry:
        """Resolve a reader's name to one entry: by id, then title or alias, then unique prefix,
        then a word within a name.

        Matching ignores case, accents and punctuation. A stage that matches several entries is
        ambiguous and raises, rather than guessing; no match at all raises NotFound with suggestions.
        """
        query = fold(name[: MAX_NAME + 1])
        what = f'no {kind or "entry"} named "{name if len(name) <= 80 else name[:77] + "..."}"'
        if not query or len(query) > MAX_NAME:
            raise NotFound(what)
        stages = [
            ("role = 1 AND folded = ?", (query,)),
            ("role < 2 AND folded = ?", (query,)),
            ("role < 2 AND folded >= ? AND folded < ?", (query, query + "\U0010ffff")),
            ("role = 2 AND folded = ?", (query,)),  # an index term: a reader's own word for it
            ("role < 2 AND instr(' ' || folded, ?) > 0", (" " + query,)),
        ]
        kind_filter = " AND entry.kind = ?" if kind else ""
        for condition, params in stages:
            rowids = [
                int(rowid)
                for rowid, _ in self._query(
                    "SELECT DISTINCT name.entry, entry.rank FROM name JOIN entry ON entry.rowid = name.entry"
                    f" WHERE {condition}{kind_filter} ORDER BY entry.rank, name.entry LIMIT {MAX_LISTED + 1}",
                    (*params, *([kind] if kind else [])),
                )
            ]
            if len(rowids) == 1:
                found = self.by_rowids(rowids)
                if rowids[0] not in found:
                    raise CacheCorrupt("a name of no entry")
                return found[rowids[0]]
            if rowids:
                shown = self.by_rowids(rowids[:MAX_LISTED])
                labels = [label(shown[rowid], kind) for rowid in rowids[:MAX_LISTED]]
                if len(rowids) > MAX_LISTED:
                    labels.append("and more")
                raise AmbiguousName(name, labels)
        raise NotFound(what, self.suggest_names(query, kind))

    def named(self, key: str, kinds: list[str]) -> dict[int, str]:
        """The entries (rowid: search part) with a name whose key (search_index.name_key) is `key`:
        the entries a query names. At most MAX_LISTED: a key that many entries share names none."""
        kind_filter = f" AND entry.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self._query(
            "SELECT DISTINCT entry.rowid, entry.part FROM name JOIN entry ON entry.rowid = name.entry"
            f" WHERE name.key = ?{kind_filter} ORDER BY entry.rank, entry.rowid LIMIT {MAX_LISTED + 1}",
            (key, *kinds),
        )
        if len(rows) > MAX_LISTED:
            return {}
        if any(part not in self.search_parts for _, part in rows):
            raise CacheCorrupt("an entry in no search part")  # it would name a table
        return {int(rowid): str(part) for rowid, part in rows}

    def contenders(self, name: str, entry: Entry) -> list[Entry]:
        """Entries of other files that a reader asking for `name` might have meant instead of
        `entry` (contested.py): those with the same name, and, when `entry` comes from a layer
        above the first, those whose name the asked one begins (which it answered before)."""
        query = fold(name[: MAX_NAME + 1])
        if len(self.files) < 2 or not query or len(query) > MAX_NAME:
            return []
        upper = query + "\U0010ffff" if entry.origin != self.files[0] else query + "\x00"
        rows = self._query(
            "SELECT DISTINCT entry.rowid FROM name JOIN entry ON entry.rowid = name.entry"
            " WHERE name.role < 2 AND name.folded >= ? AND name.folded < ? AND entry.id != ? AND entry.origin != ?"
            f" ORDER BY entry.rank, entry.rowid LIMIT {MAX_LISTED}",
            (query, upper, entry.id, entry.origin),
        )
        found = self.by_rowids(int(rowid) for (rowid,) in rows)
        return list(found.values())

    def verify(self) -> None:
        """That every table of a cache holds the rows it was built with (a name deleted by hand made
        "iran" ambiguous): checked as a cache is opened; raises CacheCorrupt if not."""
        kinds = kind_counts(self._query(KIND_COUNTS))
        counted = {
            **{f"count_{kind}": kinds[kind] for kind in KINDS},
            **{
                name: self._query(f"SELECT count(*) FROM {table}")[0][0]
                for name, table in [
                    ("entries", "entry"),
                    ("names", "name"),
                    ("links", "link"),
                    ("vectors", "entry_vector"),
                    ("word_vectors", "word_vector"),
                ]
            },
            "indexed": sum(
                self._query(f"SELECT count(*) FROM entries{part}_docsize")[0][0] for part in self.search_parts
            ),
        }
        missing = [name for name, count in counted.items() if str(count) != self._meta.get(name)]
        if missing:
            raise CacheCorrupt(f"rows are missing ({', '.join(missing)})")

    def suggest_names(self, query: str, kind: str | None = None) -> list[str]:
        """The entries whose names are spelled most like the query, best first."""
        import difflib

        rows = self._query(
            "SELECT name.folded, entry.rowid FROM name JOIN entry ON entry.rowid = name.entry"
            " WHERE substr(name.folded, 1, 1) = ? AND length(name.folded) BETWEEN ? AND ?"
            + (" AND entry.kind = ?" if kind else "")
            + " LIMIT 5000",
            (query[:1], len(query) - 3, len(query) + 3, *([kind] if kind else [])),
        )
        owners: dict[str, int] = {}
        for folded, rowid in rows:
            owners.setdefault(str(folded), int(rowid))
        close = difflib.get_close_matches(query, list(owners), n=6, cutoff=0.6)
        rowids = list(dict.fromkeys(owners[name] for name in close))[:3]
        entries = self.by_rowids(rowids)
        return [label(entries[rowid], kind) for rowid in rowids]

    def names_starting(self, folded: str, kind: str | None, limit: int) -> list[tuple[str, str, str, str]]:
        """(id, kind, title, name as written) for names whose folded form starts with `folded`, in
        handbook order, each entry's id first, then its title and aliases: for completion."""
        rows = self._query(
            "SELECT entry.id, entry.kind, entry.title, name.written FROM name JOIN entry ON entry.rowid = name.entry"
            " WHERE name.role < 2 AND name.folded >= ? AND name.folded < ?"
            + (" AND entry.kind = ?" if kind else "")
            + " ORDER BY entry.rank, entry.rowid, name.rowid LIMIT ?",
            (folded, folded + "\U0010ffff", *([kind] if kind else []), limit * 4),
        )
        return [(_id(i), _kind(k), as_word(t), as_word(w)) for i, k, t, w in rows]
