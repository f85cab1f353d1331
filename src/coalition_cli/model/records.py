"""Small values treated as immutable, the model's building block (handbook.py, origins.py)."""

from __future__ import annotations


class Record:
    """A small value treated as immutable: its fields in `__slots__`, equality and repr from them.

    Not a dataclass: importing dataclasses (and the inspect module it needs) costs more than a
    whole cached lookup.
    """

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"
