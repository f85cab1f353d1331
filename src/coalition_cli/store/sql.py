"""SQLite for the store: the C module alone, without the modules it imports only for a helper.

The `sqlite3` package imports datetime and registers adapters this program never uses, which
costs a lookup a tenth of its time; `_sqlite3` is the same module without that, in every CPython.

`_sqlite3` itself imports `functools` when it loads, for one thing: `lru_cache`, which it wraps
around each connection to keep its compiled statements. `functools` brings `collections`,
`operator`, `reprlib`, `keyword` and more with it (which, by Python version), an eighth of a
`search` and a sixth of a `show` here (side by side, 30 runs each). So, unless `functools` is already loaded,
`_sqlite3` loads with a stand-in that gives it the same cache: `_functools._lru_cache_wrapper`, the C
object `functools.lru_cache` itself returns. The stand-in is gone from `sys.modules` as soon as
`_sqlite3` has loaded, so a later `import functools` gets the real module (and it is never put
there once `threading` is loaded: another thread could meet it). Should a CPython's
`_sqlite3` ask `functools` for anything else, it fails to load with the stand-in and is loaded again
the ordinary way (c_module).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable
    from types import ModuleType


def _lru_cache(maxsize: int | None = 128, typed: bool = False) -> Callable[[Callable[..., object]], object]:
    """functools.lru_cache as `_sqlite3` calls it (with a size), making the same C cache."""
    from _functools import _lru_cache_wrapper  # type: ignore[import-not-found]

    def wrap(function: Callable[..., object]) -> object:
        return _lru_cache_wrapper(function, maxsize, typed, _cache_info)

    return wrap


def _cache_info(hits: int, misses: int, maxsize: int | None, currsize: int) -> tuple[int, int, int | None, int]:
    """What the cache's cache_info() returns (functools makes it a named tuple; nothing here asks)."""
    return hits, misses, maxsize, currsize


def c_module(name: str) -> ModuleType:
    """Import a top-level C module that imports `functools` only for `lru_cache`, without loading
    functools."""
    if "functools" in sys.modules or "threading" in sys.modules or name in sys.modules:
        return __import__(name)  # loaded anyway, or another thread could meet the stand-in
    if sys.implementation.name != "cpython":
        return __import__(name)  # the stand-in knows CPython's C cache only
    stand_in = type(sys)("functools")
    stand_in.lru_cache = _lru_cache  # type: ignore[attr-defined]
    sys.modules["functools"] = stand_in
    try:
        return __import__(name)
    except (ImportError, AttributeError):  # it wanted more than lru_cache: load it with the real one
        if sys.modules.get("functools") is stand_in:
            del sys.modules["functools"]
        return __import__(name)
    finally:
        if sys.modules.get("functools") is stand_in:
            del sys.modules["functools"]


if not TYPE_CHECKING:
    try:
        sqlite3 = c_module("_sqlite3")
    except ImportError:  # pragma: no cover - an interpreter that builds the package differently
        import sqlite3

__all__ = ["c_module", "sqlite3"]
