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

from coalition_cli import __version__
from coalition_cli.model.inert import shown_path
from coalition_cli.source.stack import bundled_path, stack_files
from coalition_cli.store import cache_folder as cachedir
from coalition_cli.store.cache_folder import CacheFile, digest
from coalition_cli.store.rows import CacheCorrupt
from coalition_cli.store.sql import sqlite3
from coalition_cli.store.tables import SCHEMA, Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from coalition_cli.build.loader import Source
    from coalition_cli.source.yaml_reader import Progress
    from coalition_cli.store.builder import StoreBuilder

    Key = list[tuple[bytes, int, int, int, int, int, str]]

RACY_NS = 2_000_000_000  # a file changed this close to the build may change again unseen: hash it
SQLITE_IOERR, SQLITE_FULL = 10, 13  # SQLite's primary result codes for a failed write and a full disk
FUTURE_NS = 86_400 * 10**9  # a cache built more than a day ahead of the clock is not trusted
PRUNE_AT_MOST = 200  # cache files looked at for pruning after a build

_distrusted: set[str] = set()  # cache files found corrupt during this run: never opened again
_opened: list[Store] = []  # stores opened during this run, to distrust if one proves corrupt


def cache_name(files: Sequence[Path | str]) -> str:
    """One cache per stack of handbook files (NUL between them: the one byte no path holds)."""
    joined = b"\0".join(os.fsencode(os.path.realpath(file)) for file in files)
    return digest(joined, 10) + cachedir.SUFFIX


def open_store(paths: Sequence[Path | str | None] | None = None, progress: Progress | None = None) -> Store:
    """The handbooks at paths, layered in order (None is the bundled one, and the default), from
    the cache when it is current, else built (and cached when possible)."""
    files = stack_files(paths or [None])
    folder = cachedir.trusted_folder(create=False)
    name = cache_name(files)
    if folder is not None:
        target = os.path.join(folder, name)
        if target not in _distrusted:
            cached = _open_cached(target, files)
            if cached is not None:
                return cached
    folder = cachedir.trusted_folder(create=True)
    if folder is None:
        return _build(files, None, None, progress)
    target = os.path.join(folder, name)
    waiting = None if progress is None else lambda: progress("waiting", 0, sum(_sizes(files)))
    turn = cachedir.Turn(folder, waiting)
    try:
        if turn.waited and target not in _distrusted:
            cached = _open_cached(target, files)  # built by the run whose turn it was
            if cached is not None:
                return cached
        return _build(files, folder, target, progress)
    finally:
        turn.release()


def _sizes(files: Sequence[Path | str]) -> list[int]:
    sizes = []
    for file in files:
        try:
            sizes.append(os.stat(file).st_size)
        except OSError:
            sizes.append(0)
    return sizes


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


def _open_cached(path: str, files: Sequence[Path | str] | None = None) -> Store | None:
    """The cached store if it is this user's own file, reads cleanly, was built from these files
    (when given) and is current; else None."""
    descriptor = cachedir.open_private(path)
    if descriptor is None:
        return None
    db = None
    try:
        db = sqlite3.connect(cachedir.sqlite_uri(path, descriptor), uri=True)
        settle: list[bool] = []
        if not _current(db, files, settle):
            db.close()
            return None
        store = Store(db, file=path)
        store.verify()
        if settle and all(settle):
            proc = f"/proc/self/fd/{descriptor}"  # the file that was checked, not one swapped in since
            _settle(proc if os.path.exists(proc) else path)
        _opened.append(store)
        return store
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError, CacheCorrupt, OSError):
        # Corrupt, truncated, or from another version of this program: build it again.
        if db is not None:
            db.close()
        return None
    finally:
        os.close(descriptor)


def _current(
    db: sqlite3.Connection, files: Sequence[Path | str] | None = None, settle: list[bool] | None = None
) -> bool:
    """Whether the cache was built from these files (a file renamed into another stack's place is
    not this stack's cache), and every file it was built from is still as it was read."""
    meta = dict(db.execute("SELECT name, value FROM meta WHERE name IN ('schema', 'version', 'built_ns')"))
    if meta.get("schema") != str(SCHEMA) or meta.get("version") != __version__:
        return False
    built = int(meta["built_ns"])
    if not 0 < built <= time.time_ns() + FUTURE_NS:
        return False  # built before 1970 or in the future: a clock or a file gone wrong, so doubt it
    recorded = db.execute("SELECT path, dev, ino, size, mtime_ns, ctime_ns, hash FROM source_file").fetchall()
    if files is not None:
        wanted = [os.fsencode(os.path.realpath(file)) for file in files]
        paths = [row[0] for row in recorded]
        beneath = [os.fsencode(os.path.realpath(bundled_path()))]  # a notes file's `base: bundled`
        if paths != wanted and paths != beneath + wanted:
            return False
    return bool(recorded) and all(_unchanged(built, *file, settle=settle) for file in recorded)


def _unchanged(built: int, path: object, *recorded: object, settle: list[bool] | None = None) -> bool:
    """Whether one file the cache was built from still looks as it did. A file changed just before
    the build is checked by its content too, and `settle` says whether it has been still long
    enough since for the cache to say so (then later runs need not read it)."""
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
                same = content_hash(handle.read()) == recorded[5]
        except OSError:
            return False
        if settle is not None:
            settle.append(same and max(now.st_mtime_ns, now.st_ctime_ns) < time.time_ns() - RACY_NS)
        return same
    return True


def _settle(file: str) -> None:
    """Record that the files of a cache built just after they changed are, read again, the same,
    and have been still since: the cache counts as built now, so later runs trust their times
    alone. Only the build time changes; a failure changes nothing but the next run's work."""
    try:
        db = sqlite3.connect(file)
        try:
            db.execute("UPDATE meta SET value = ? WHERE name = 'built_ns'", (str(time.time_ns()),))
            db.commit()
        finally:
            db.close()
    except sqlite3.Error:
        pass


def content_hash(data: bytes) -> str:
    """A file's bytes, hashed: SHA-256 (OpenSSL's, with the CPU's own instructions where it has
    them) takes half blake2b's time, and only a build, or a file touched just before one, pays
    for loading it."""
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]


def _key(sources: list[Source], built_ns: int) -> Key | None:
    """What the cache records of the files it was built from, or None if one cannot be cached
    (a pipe, or a file that changed while it was read). A file's content hash only if it changed
    within RACY_NS of the build: for any other, `_unchanged` never reads it (the same times say
    the same), and hashing 80 MB cost a large build a twentieth of a second on one core."""
    files = []
    for source in sources:
        if not source.steady or source.before is None:
            return None
        before = source.before
        path = os.fsencode(os.path.realpath(source.path))
        racy = max(before.st_mtime_ns, before.st_ctime_ns) >= built_ns - RACY_NS
        hashed = content_hash(source.raw) if racy else ""
        files.append(
            (path, before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns, hashed)
        )
    return files


def _build(files: Sequence[Path | str], folder: str | None, target: str | None, progress: Progress | None) -> Store:
    """Read the files into a new store: a temporary file renamed onto the cache when it can be
    cached, else a private temporary database. Temporaries go on any ending but SIGKILL's."""
    from coalition_cli.build.signals import Unwinding

    with Unwinding():
        return _build_unwinding(files, folder, target, progress)


def _build_unwinding(
    files: Sequence[Path | str], folder: str | None, target: str | None, progress: Progress | None
) -> Store:
    from coalition_cli.build.loader import load_stack
    from coalition_cli.store.builder import StoreBuilder  # a build's own: a lookup from the cache needs neither

    temporary: cachedir.Temporary | None = None
    cachedir.sweep(folder)
    if folder is not None:
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
        key = _key(loaded.sources, built_ns)
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
    except (OSError, sqlite3.Error) as error:
        if builder is not None:
            builder.db.close()
        if temporary is None:
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the extended code's low byte is the primary
            if code in (SQLITE_FULL, SQLITE_IOERR):
                from coalition_cli.model.errors import OutputFailed

                where = os.environ.get("SQLITE_TMPDIR") or os.environ.get("TMPDIR") or "/tmp"
                raise OutputFailed(
                    f"cannot build the handbook's index in a temporary database: {error}"
                    f" (is {where} full? free some space, or point TMPDIR elsewhere)"
                ) from None
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
        built = int(meta.get("built_ns", 0))
        found.built_ns = built if 0 < built <= time.time_ns() + FUTURE_NS else 0  # shown as "?" otherwise
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


def survey() -> tuple[str | None, list[CacheFile], int, int]:
    """The cache folder (None when caching is off), its cache files, the bytes of temporaries, and
    how many other files are there (not this program's: never touched)."""
    folder = cachedir.folder_path()
    if folder is None:
        return None, [], 0, 0
    trusted = cachedir.trusted_folder(create=False)
    if trusted is None:
        return folder, [], 0, 0
    found = [describe(path, info.st_size) for path, info in cachedir.cache_files(trusted)]
    pending = sum(info.st_size for _, info in cachedir.temporaries(trusted))
    return folder, found, pending, cachedir.others(trusted)


def clear() -> tuple[str | None, int, int, int, int]:
    """Remove every cache file, and every temporary left by a killed build: how many caches, how
    many temporaries, their bytes in all, and how many other files were left alone."""
    folder = cachedir.trusted_folder(create=False)
    swept, swept_size = cachedir.sweep(folder)
    if folder is None:
        return cachedir.folder_path(), 0, swept, swept_size, 0
    removed = [info.st_size for path, info in cachedir.cache_files(folder) if cachedir.remove(path)]
    return folder, len(removed), swept, sum(removed) + swept_size, cachedir.others(folder)


def _prune(folder: str, keep: str) -> None:
    """After a build: remove caches of handbooks that no longer exist, and unreadable ones."""
    for path, info in cachedir.cache_files(folder)[:PRUNE_AT_MOST]:
        if path != keep and describe(path, info.st_size).state in ("orphaned", "unreadable"):
            cachedir.remove(path)
