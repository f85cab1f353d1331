"""Collections that move to a temporary SQLite file once they grow large, so that checking a
file of a million entries holds a bounded amount of it in memory.

Checking a handbook remembers every id it has seen (for duplicates and references), every
reference not yet resolved, and, for `validate`, every pair of linked entries. A handbook of
ordinary size keeps them in Python; past `LIMIT` items each moves, in batches, to a table of its
own in a private temporary database, which SQLite deletes when it is closed. Should that database
fail (a full disk), the collection stays in memory: slower to fail than to refuse a valid file.
"""

from __future__ import annotations

from coalition_cli.store.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import TypeVar

    Path = tuple[str | int, ...]  # as yaml_reader.Path
    Row = TypeVar("Row")

LIMIT = 100_000  # items kept in Python (15 to 20 MB of them) before the rest move to disk
_BITS = (1 << 25) - 1  # 4 MB of bits: one key in 20 of a million-key map is looked for in vain
_HOT = 4_096  # keys found on disk remembered, for a section or hub that thousands refer to


class _KeyBits:
    """A bit per hash of each key moved to disk (a Bloom filter of one hash): a key whose bit is
    clear is certainly not there, and the disk is not asked."""

    def __init__(self) -> None:
        self.bits = bytearray((_BITS + 1) // 8)

    def add(self, key: str) -> None:
        bit = hash(key) & _BITS
        self.bits[bit >> 3] |= 1 << (bit & 7)

    def __contains__(self, key: str) -> bool:
        bit = hash(key) & _BITS
        return bool(self.bits[bit >> 3] & (1 << (bit & 7)))


def _database() -> sqlite3.Connection | None:
    """A private temporary database (an empty name: SQLite makes the file and deletes it on close)."""
    try:
        db = sqlite3.connect("")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        return db
    except sqlite3.Error:
        return None


class ScratchMap:
    """Text keys to whole numbers, each key added once; iterated in the order keys were added
    while in memory, then in key order."""

    INSERT = "INSERT INTO items VALUES (?, ?)"

    def __init__(self, limit: int | None = None) -> None:
        self.limit = LIMIT if limit is None else limit
        self.memory: dict[str, int] = {}
        self.db: sqlite3.Connection | None = None
        self.on_disk = 0
        self.failed = False  # the disk failed: what is in memory stays there
        self._hot: dict[str, int] = {}
        self._on_disk: _KeyBits | None = None  # made with the database

    def get(self, key: str) -> int | None:
        value = self.memory.get(key)
        if value is not None or self.db is None:
            return value
        return self._from_disk(key)

    def _from_disk(self, key: str) -> int | None:
        value = self._hot.get(key)
        if value is not None or self.db is None or self._on_disk is None:
            return value
        if key not in self._on_disk:
            return None  # most keys asked for are new ones
        row = self.db.execute("SELECT value FROM items WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if len(self._hot) >= _HOT:
            self._hot.clear()
        self._hot[key] = row[0]
        return int(row[0])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def add(self, key: str, value: int = 0) -> None:
        """Add a key not yet present."""
        self.memory[key] = value
        if len(self.memory) >= self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.db is None or self._on_disk is None:
            self.db = _database()
            if self.db is None:
                self.limit = 1 << 62  # no disk to move to: memory it is
                return
            self.db.execute("CREATE TABLE items (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID")
            self._on_disk = _KeyBits()
        try:
            added = self.db.executemany(self.INSERT, self.memory.items()).rowcount
        except sqlite3.Error:
            self.limit, self.failed = 1 << 62, True
            # Keys both in memory and on disk (a set takes a key twice) are kept only on disk.
            self.memory = {key: value for key, value in self.memory.items() if self._from_disk(key) is None}
            return
        for key in self.memory:
            self._on_disk.add(key)
        self.on_disk += added
        self.memory = {}  # a new dict: the old one's table is freed, not kept at its largest

    def __len__(self) -> int:
        return self.on_disk + len(self.memory)

    def __iter__(self) -> Iterator[str]:
        if self.db is not None:
            for (key,) in self.db.execute("SELECT key FROM items"):
                yield key
        yield from list(self.memory)

    def first_keys(self, prefix: str, keep: Callable[[str], bool], limit: int) -> list[str]:
        """The first `limit` keys in order that start with `prefix` and that `keep` keeps."""
        found = sorted(key for key in self.memory if key.startswith(prefix) and keep(key))[:limit]
        if self.db is not None:
            taken: list[str] = []
            for (key,) in self.db.execute("SELECT key FROM items WHERE key >= ? ORDER BY key", (prefix,)):
                if not key.startswith(prefix) or len(taken) >= limit:
                    break
                if keep(key):
                    taken.append(key)
            found = sorted(found + taken)[:limit]
        return found

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class ScratchSet(ScratchMap):
    """Text keys, for membership and a count; a key may be added more than once (the disk keeps
    one: nothing is looked up as it is added)."""

    INSERT = "INSERT OR IGNORE INTO items VALUES (?, ?)"

    def add(self, key: str, value: int = 0) -> None:
        if self.failed and key in self:
            return  # on disk already, and what is in memory can no longer move there
        super().add(key, value)

    def __len__(self) -> int:
        if self.db is not None and self.memory and not self.failed:
            self._spill()  # the keys in memory that are also on disk are counted once
        return self.on_disk + len(self.memory)


class WaitingReferences:
    """References to entries not yet seen, each let go as soon as its target appears (most point a
    little way ahead, or to sections listed last); those still waiting at the end are what was
    never there. Past `LIMIT` waiting, they move to disk."""

    def __init__(self, limit: int | None = None, every: bool = True) -> None:
        self.limit = LIMIT if limit is None else limit
        # Whether each reference is kept, or only the first to each target (enough to know which
        # targets never came, when no problem is told from here: parallel.py).
        self.every = every
        # (target, "entry" or "section") -> (order, path, the id of the entry it is in) of each
        self.memory: dict[tuple[str, str], list[tuple[int, Path, str | None]]] = {}
        self.in_memory = 0
        self.db: sqlite3.Connection | None = None
        self.on_disk = 0
        self.order = 0
        self._targets_on_disk: _KeyBits | None = None  # made with the database

    def wait(self, path: Path, target: str, what: str, entry_id: str | None) -> None:
        self.order += 1
        waiting = self.memory.get((target, what))
        if waiting is None:
            self.memory[(target, what)] = [(self.order, path, entry_id)]
        elif self.every:
            waiting.append((self.order, path, entry_id))
        else:
            return
        self.in_memory += 1
        if self.in_memory >= self.limit:
            self._spill()

    def arrived(self, entry_id: str, section: bool) -> None:
        """An entry with this id is here: the references to it resolve (and to it as a section,
        if it is one)."""
        memory = self.memory
        if memory:
            waiting = memory.pop((entry_id, "entry"), None)
            if waiting is not None:
                self.in_memory -= len(waiting)
            if section:
                waiting = memory.pop((entry_id, "section"), None)
                if waiting is not None:
                    self.in_memory -= len(waiting)
        if self._targets_on_disk is not None and self.db is not None:
            if entry_id in self._targets_on_disk:
                kinds = "('entry', 'section')" if section else "('entry')"
                try:
                    gone = self.db.execute(f"DELETE FROM items WHERE target = ? AND what IN {kinds}", (entry_id,))
                    self.on_disk -= gone.rowcount
                except sqlite3.Error:
                    pass  # they stay, and are found known at the end (validate.Rules._known)

    def _spill(self) -> None:
        import json  # only a large file's checks come here

        if self.db is None or self._targets_on_disk is None:
            self.db = _database()
            if self.db is None:
                self.limit = 1 << 62
                return
            self.db.execute(
                "CREATE TABLE items (position INTEGER PRIMARY KEY, target TEXT, what TEXT, path TEXT, entry TEXT)"
            )
            self.db.execute("CREATE INDEX items_target ON items (target)")
            self._targets_on_disk = _KeyBits()
        rows = (
            (order, target, what, json.dumps(path), entry_id)
            for (target, what), waiting in self.memory.items()
            for order, path, entry_id in waiting
        )
        try:
            self.db.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error:
            self.limit = 1 << 62
            return
        for target, _ in self.memory:
            self._targets_on_disk.add(target)
        self.on_disk += self.in_memory
        self.memory, self.in_memory = {}, 0

    def __len__(self) -> int:
        return self.on_disk + self.in_memory

    def __iter__(self) -> Iterator[tuple[Path, str, str, str | None]]:
        """(path, target, what, entry id) of each reference still waiting, in the order given."""
        import heapq

        in_memory = sorted(
            (order, path, target, what, entry_id)
            for (target, what), waiting in self.memory.items()
            for order, path, entry_id in waiting
        )
        for _, path, target, what, entry_id in heapq.merge(self._from_disk(), in_memory):
            yield path, target, what, entry_id

    def _from_disk(self) -> Iterator[tuple[int, Path, str, str, str | None]]:
        if self.db is None:
            return
        import json

        for order, target, what, path, entry_id in self.db.execute("SELECT * FROM items ORDER BY position"):
            yield order, tuple(json.loads(path)), target, what, entry_id

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def chunks(rows: Iterable[Row], size: int = 10_000) -> Iterator[list[Row]]:
    """Rows a batch at a time."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
