"""The cache folder: where it is, whether it can be trusted, and the files being built in it.

Why: a cache is read on every run, and what it says is shown to the reader as the handbook's own
words. On a shared machine (XDG_CACHE_HOME on a world-writable folder) another user could put a
file where we look, under the name our handbook's cache would have. So, as ssh does with its
keys: the folder is created private (0700), and a folder or file that another user owns or can
write is never read; the program then works without a cache and says why. Files are opened
without following symbolic links (but for a link of the user's own in place of the
folder), and SQLite is pointed at the descriptor that was checked.

A build writes to a temporary file, locked for as long as its builder lives. A builder killed
outright (SIGKILL, a power cut) leaves it behind; a later build sweeps temporaries that no live
process holds.
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
STALE_SECONDS = 10  # an unlocked temporary older than this belongs to no live build
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
    from coalition_cli.inert import shown_path

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


class Temporary:
    """A file being built (in the cache folder, or the scratch folder), locked while the process
    that made it, or a worker it forked, lives."""

    def __init__(self, folder: str | None, prefix: str) -> None:
        import fcntl
        import tempfile

        folder = folder or scratch_folder()
        self.descriptor, self.path = tempfile.mkstemp(prefix=prefix, suffix=SUFFIX, dir=folder)
        fcntl.flock(self.descriptor, fcntl.LOCK_EX)

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
    """Remove temporaries left by builds that were killed: old, this user's, and locked by no one;
    in the folder given and in the scratch folder. How many went, and their bytes."""
    import fcntl

    now = time.time()
    count = size = 0
    for place in dict.fromkeys(p for p in (folder, scratch_folder()) if p is not None):
        try:
            names = [name for name in os.listdir(place) if name.startswith(TEMPORARIES) and name.endswith(SUFFIX)]
        except OSError:
            continue
        for name in names:
            path = os.path.join(place, name)
            descriptor = open_private(path)
            if descriptor is None:
                continue
            try:
                info = os.fstat(descriptor)
                if now - info.st_mtime < STALE_SECONDS:
                    continue  # just made: its builder may not hold the lock yet
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(path)
                count, size = count + 1, size + info.st_size
            except OSError:
                pass  # a live build holds it
            finally:
                os.close(descriptor)
    return count, size


def cache_files(folder: str) -> list[tuple[str, os.stat_result]]:
    """The finished cache files in the folder that are this user's, with what lstat says of them."""
    return _own_files(folder, lambda name: not name.startswith("."))


def temporaries(folder: str) -> list[tuple[str, os.stat_result]]:
    """Temporaries in the folder that are this user's: live builds', and killed builds'."""
    return _own_files(folder, lambda name: name.startswith(TEMPORARIES))


def _own_files(folder: str, wanted: Callable[[str], bool]) -> list[tuple[str, os.stat_result]]:
    found = []
    try:
        names = sorted(name for name in os.listdir(folder) if name.endswith(SUFFIX) and wanted(name))
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
