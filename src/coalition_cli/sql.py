"""SQLite for the store: the C module alone.

The `sqlite3` package imports datetime and registers adapters this program never uses, which
costs a lookup a tenth of its time; `_sqlite3` is the same module without that, in every CPython.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
else:
    try:
        import _sqlite3 as sqlite3
    except ImportError:  # pragma: no cover - an interpreter that builds the package differently
        import sqlite3

__all__ = ["sqlite3"]
