"""Which files a handbook stack is: the shipped handbook and the reader's own, each once.

Every command asks this first, and a lookup served from the cache needs nothing else of the
loader's (reading, checking, layering): kept apart, it is all a lookup imports.
"""

from __future__ import annotations

import os

from coalition_cli.model.errors import HandbookError, Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def bundled_path() -> str:
    """The handbook shipped with the program: inside the package, or at a checkout's top level."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # coalition_cli/
    for candidate in (os.path.join(package, "handbook.yaml"), os.path.join(package, "..", "..", "handbook.yaml")):
        # A wheel puts it in the package; an editable install or a checkout imports from src/.
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    raise HandbookError([Problem("handbook.yaml", "the bundled handbook is missing from this installation")])


def stack_files(paths: Sequence[Path | str | None]) -> list[Path | str]:
    """The files of a handbook stack as they are read: the shipped handbook (None) first, beneath
    everything, however often and wherever it was named (`::`, a trailing `:`); then each file
    once, at its first place (the same file named twice, or by two routes, is one layer)."""
    bundled = bundled_path()
    shipped = _identity(bundled)
    named = [(_identity(path), path) for path in paths if path is not None]
    first = [(shipped, bundled)] if None in paths or any(same == shipped for same, _ in named) else []
    files: dict[object, Path | str] = {}
    for same, path in first + named:
        files.setdefault(same, path)
    return list(files.values())


def _identity(path: Path | str) -> object:
    """What makes two names one file: its device and inode (a hard link, a symlink, `./x`), or, for
    a file that cannot be looked at (missing: the error comes when it is read), its real path."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return os.path.realpath(path)
    return (found.st_dev, found.st_ino)


def bundled_handbook_path() -> Path:
    from pathlib import Path

    return Path(bundled_path())
