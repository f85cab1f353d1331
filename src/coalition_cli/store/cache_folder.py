"""The cache folder: where it is, whether it can be trusted, and the files being built in it.

Why: a cache is read on every run, and what it says is shown to the reader as the handbook's own
words. On a shared machine (XDG_CACHE_HOME on a world-writable folder) another user could put a
file where we look, under the name our handbook's cache would have. So, as ssh does with its
keys: the folder is created private (0700), and a folder or file that another user owns or can
write is never read; the program then works without a cache and says why. Files are opened
without following symbolic links (but for a link of the user's own in place of the
folder), and SQLite is pointed at the descriptor that was checked.

A build writes to a temporary file, locked for as long as its builder lives (it is named as a
temporary only once locked). A builder killed outright (SIGKILL, SIGQUIT, a power cut) leaves it
behind; the next build sweeps temporaries that no live process holds, and `coalition cache clear`
does too. Builds of one folder take turns (a lock on the folder): ten cold runs at once build
once, and the others read what the first built.

The folder may be shared (a link to a folder of other caches is supported): only files named as
ours and marked as ours (SQLite's application_id, which every store we write carries) are ever
removed; anything else is left alone, and `coalition cache` says so.
"""

from __future__ import annotations

import os
import stat
import time

try:  # every run names its cache by a hash: imported once, not per call (which cost as much as hashing a row)
    from _blake2 import blake2b  # hashlib would load OpenSSL first, which costs a lookup its time
except ImportError:  # pragma: no cover - CPython always builds it
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

CACHE_ENV = "COALITION_NO_CACHE"
SUFFIX = ".sqlite3"
TEMPORARIES = (".building-", ".part-")  # a store being built, and a part read by a worker
UNLOCKED = ".new"  # a temporary just made, before its lock is taken: swept only once old
STALE_SECONDS = 10  # an unlocked new temporary older than this belongs to no live build
NAME_DIGITS = 20  # hex digits in a cache's name (cache.cache_name)
APPLICATION_ID = 0x436F616C  # "Coal": SQLite's application_id of every store this program writes
_HEADER = b"SQLite format 3\x00"  # how an SQLite database file begins (sqlite.org/fileformat.html)
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def digest(data: bytes, size: int) -> str:
    """A short hash: of a stack's paths (the cache's name), a file's bytes, an entry row's columns."""
    return blake2b(data, digest_size=size).hexdigest()


cautions: list[str] = []  # why the cache is not used, said once by the session that opened it


def folder_path() -> str | None:
    """Where caches live, or None when caching is turned off."""
    if os.environ.get(CACHE_ENV, "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "coalition")


def _caution(message: str) -> None:
    if message not in cautions:
        cautions.append(message)


def trusted_folder(create: bool) -> str | None:
    """The cache folder if it is this user's alone (made so, or created, when `create`), else None:
    caching off, not there yet, not creatable, or someone else's (with a caution saying so)."""
    path = folder_path()
    if path is None:
        return None
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return None
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.mkdir(path, 0o700)
            info = os.lstat(path)
        except OSError:
            return None  # a read-only home, or someone made it first: no cache this time
    except OSError:
        return None
    return path if _private_folder(path, info) else None


def _private_folder(path: str, info: os.stat_result) -> bool:
    """Whether the folder is this user's and no one else can write it. A symbolic link there (a
    dotfiles setup) must be this user's too, and what it points to is checked as the folder."""
    from coalition_cli.model.inert import shown_path

    shown = shown_path(path)
    try:
        if stat.S_ISLNK(info.st_mode) and info.st_uid == os.getuid():
            info = os.stat(path)
    except OSError:
        return False
    if info.st_uid != os.getuid():
        _caution(f"the cache folder {shown} belongs to another user; working without a cache")
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False  # a file of the user's own where the folder would be: work without a cache
    if info.st_mode & 0o077:
        try:
            os.chmod(path, 0o700)  # the user's own, but open to others: make it private
        except OSError:
            if info.st_mode & 0o022:
                _caution(f"the cache folder {shown} can be written by others; working without a cache")
                return False
    return True


def open_private(path: str) -> int | None:
    """A descriptor of the file at path if it is a regular file of this user's that no one else
    can write, never through a symbolic link; None otherwise."""
    try:
        descriptor = os.open(path, _READ)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
    except OSError:
        info = None
    if info is None or not _own_file(info):
        os.close(descriptor)
        return None
    return descriptor


def _own_file(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def sqlite_uri(path: str, descriptor: int) -> str:
    """A file: URI for SQLite that opens the file read-only and never writes beside it; on Linux,
    the very file behind `descriptor`, so a file swapped in after the checks is never read."""
    proc = f"/proc/self/fd/{descriptor}"
    target = proc if os.path.exists(proc) else path
    escaped = target.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{escaped}?mode=ro&immutable=1"


def scratch_folder() -> str | None:
    """Where temporaries go when there is no cache folder (caching off, or not to be trusted): a
    folder of this user's own in the system's temporary folder, so that what a killed build leaves
    there is found and swept as in the cache folder. None if it cannot be made private."""
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"coalition-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(path)
    except OSError:
        return None
    # Only a real folder of this user's that no one else can enter (no caution: nothing is read).
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
        return path
    return None


def is_cache_name(name: str) -> bool:
    """Whether a file name is one this program gives a cache: NAME_DIGITS hex digits and SUFFIX."""
    digits = name[: -len(SUFFIX)]
    return name.endswith(SUFFIX) and len(digits) == NAME_DIGITS and all(c in "0123456789abcdef" for c in digits)


def is_temporary_name(name: str) -> bool:
    """Whether a file name is one a build gives its temporaries (tempfile's eight characters)."""
    middle = next((name[len(p) : -len(SUFFIX)] for p in TEMPORARIES if name.startswith(p)), "")
    return name.endswith(SUFFIX) and len(middle) == 8 and all(c.isalnum() or c == "_" for c in middle)


def marked(descriptor: int) -> bool:
    """Whether an open file is a store this program wrote: SQLite's header, with our application_id
    (its bytes 68 to 71, big-endian)."""
    try:
        header = os.pread(descriptor, 100, 0)
    except OSError:
        return False
    return header.startswith(_HEADER) and int.from_bytes(header[68:72], "big") == APPLICATION_ID


class Temporary:
    """A file being built (in the cache folder, or the scratch folder), locked while the process
    that made it, or a worker it forked, lives. Made under a name of its own (UNLOCKED) and given
    its temporary's name only once locked: a sweep never takes a new file for a killed build's."""

    def __init__(self, folder: str | None, prefix: str) -> None:
        import fcntl
        import tempfile

        folder = folder or scratch_folder()
        self.descriptor, fresh = tempfile.mkstemp(prefix=prefix, suffix=SUFFIX + UNLOCKED, dir=folder)
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            self.path = fresh[: -len(UNLOCKED)]
            os.rename(fresh, self.path)
        except OSError:
            os.close(self.descriptor)
            remove(fresh)
            raise

    def empty(self) -> None:
        """Start the file again from nothing (a restarted build)."""
        os.ftruncate(self.descriptor, 0)

    def keep_as(self, target: str) -> None:
        """Put the finished file in place (an atomic rename) and let go of it."""
        os.replace(self.path, target)
        self._close()

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        if self.descriptor >= 0:
            os.close(self.descriptor)
            self.descriptor = -1


def sweep(folder: str | None) -> tuple[int, int]:
    """Remove temporaries left by builds that were killed: this user's, named and marked as ours
    (or still empty), and locked by no one; in the folder given and in the scratch folder. How
    many went, and their bytes."""
    import fcntl

    now = time.time()
    count = size = 0
    for place in dict.fromkeys(p for p in (folder, scratch_folder()) if p is not None):
        try:
            names = os.listdir(place)
        except OSError:
            continue
        for name in names:
            new = name.endswith(UNLOCKED) and is_temporary_name(name[: -len(UNLOCKED)])
            if not (new or is_temporary_name(name)):
                continue
            path = os.path.join(place, name)
            descriptor = open_private(path)
            if descriptor is None:
                continue
            try:
                info = os.fstat(descriptor)
                if new and now - info.st_mtime < STALE_SECONDS:
                    continue  # just made: its builder is about to lock it
                if info.st_size and not marked(descriptor):
                    continue  # a name like ours, but not a file of ours
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(path)
                count, size = count + 1, size + info.st_size
            except OSError:
                pass  # a live build holds it
            finally:
                os.close(descriptor)
    return count, size


def cache_files(folder: str) -> list[tuple[str, os.stat_result]]:
    """The cache files in the folder: this user's, named and marked as this program's."""
    return [(path, info) for path, info in _own_files(folder, is_cache_name) if _marked_file(path)]


def temporaries(folder: str) -> list[tuple[str, os.stat_result]]:
    """Temporaries in the folder that are this user's (live builds', and killed builds'): named as
    ours, and marked as ours or not yet written."""
    named = _own_files(folder, lambda name: is_temporary_name(name.removesuffix(UNLOCKED)))
    return [(path, info) for path, info in named if not info.st_size or _marked_file(path)]


def others(folder: str) -> int:
    """How many files in the folder are not this program's (left alone, whatever they are)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    ours = {os.path.basename(path) for path, _ in cache_files(folder) + temporaries(folder)}
    return sum(1 for name in names if name not in ours and name != LOCK)


def _marked_file(path: str) -> bool:
    descriptor = open_private(path)
    if descriptor is None:
        return False
    try:
        return marked(descriptor)
    finally:
        os.close(descriptor)


def _own_files(folder: str, wanted: Callable[[str], bool]) -> list[tuple[str, os.stat_result]]:
    found = []
    try:
        names = sorted(name for name in os.listdir(folder) if wanted(name))
    except OSError:
        return []
    for name in names:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if _own_file(info):
            found.append((path, info))
    return found


LOCK = ".lock"  # the file whose lock makes builds in the folder take turns


class Turn:
    """A build's turn in the folder: held from before it looks again for a current cache until
    its cache is in place, so that runs started together build once. `waited` says whether
    another build held it first."""

    def __init__(self, folder: str, waiting: Callable[[], object] | None = None) -> None:
        import fcntl

        self.descriptor = -1
        self.waited = False
        try:
            self.descriptor = os.open(
                os.path.join(folder, LOCK), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
            )
        except OSError:
            return  # no turn to take (a read-only folder): build anyway, as before
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.waited = True
            if waiting is not None:
                waiting()  # say why nothing seems to happen: another run is building
            try:
                fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            except OSError:
                pass

    def release(self) -> None:
        if self.descriptor >= 0:
            os.close(self.descriptor)  # closing lets go of the lock
            self.descriptor = -1


def remove(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


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
