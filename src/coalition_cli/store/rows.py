"""An entry as a row of the entry table, both ways: the columns a build writes (encode_entry) and
the same columns read back (decode_entry), bound by a checksum.

Lists are joined by a control character no handbook text can hold, so nothing is decoded by
anything but `str.split` and `int`; and a cache's bytes are not trusted, so every value read back
is checked as the loader checked it: a row of the wrong shape raises CacheCorrupt, and the run
rebuilds rather than trusts it.
"""

from __future__ import annotations

from coalition_cli.model.handbook import KIND_FIELDS, KINDS, RELATIONS, Entry, Quote
from coalition_cli.model.inert import is_safe
from coalition_cli.model.origins import Origin, SourceInfo
from coalition_cli.store.cache_folder import digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

SEP = "\x1f"  # between the items of a list in a column
FIELD_SEP = "\x1e"  # between a detail's name, type and value
DETAIL_SEP = "\x1d"  # between details
ENTRY_COLUMNS = (
    "kind, id, title, summary, related, source, aliases, quote_text, quote_section, note, details, origin,"
    " index_terms, outside, relations, checksum"
)


class CacheCorrupt(Exception):
    """The tables are not what this program writes: rebuild them."""


def checksum(columns: tuple[object, ...]) -> str:
    """An entry's columns as written, digested: damage that leaves a value that reads well (a list
    emptied, a word changed) must still mean a rebuild, not a wrong answer."""
    # Each column as its length and text (so no two rows read alike), in one join: repr() of the
    # row was a third of writing it, on a large handbook.
    text = "\x00".join([f"{len(v)}:{v}" if type(v) is str else "-" if v is None else f"?{v!r}" for v in columns])
    return digest(text.encode("utf-8", "backslashreplace"), 8)


def encode_entry(entry: Entry) -> tuple[str | None, ...]:
    """An entry as the entry table's columns (ENTRY_COLUMNS, in order)."""
    details = []
    for key, value in entry.details.items():
        if isinstance(value, bool):
            kind, text = "b", "1" if value else "0"
        elif isinstance(value, int):
            kind, text = "i", str(value)
        elif isinstance(value, float):
            kind, text = "f", repr(value)
        elif isinstance(value, tuple):
            kind, text = "l", SEP.join(value)
        else:
            kind, text = "s", value
        details.append(f"{key}{FIELD_SEP}{kind}{FIELD_SEP}{text}")
    quote = entry.quote
    columns = (
        entry.kind,
        entry.id,
        entry.title,
        entry.summary,
        SEP.join(entry.related),
        SEP.join(entry.source),
        SEP.join(entry.aliases),
        quote.text if quote is not None else None,
        quote.section if quote is not None else None,
        entry.note,
        DETAIL_SEP.join(details),
        entry.origin,
        SEP.join(entry.index),
        entry.outside,
        SEP.join(f"{relation} {target}" for relation, target in entry.relations),
    )
    return (*columns, checksum(columns))


def as_str(value: object) -> str:
    """A column that must be text: a file name, which may hold anything a file name can."""
    if not isinstance(value, str):
        raise CacheCorrupt("expected text")
    return value


def as_text(value: object) -> str:
    """A text column, refused if it is not text or holds what the loader never lets through."""
    if not isinstance(value, str) or not is_safe(value):
        raise CacheCorrupt("expected text")
    return value


def split_list(text: str) -> tuple[str, ...]:
    return tuple(text.split(SEP)) if text else ()


def as_texts(value: object) -> tuple[str, ...]:
    """A list column: text joined by SEP, each item checked as `_word` checks one."""
    if not isinstance(value, str):
        raise CacheCorrupt("expected a list")
    return tuple(as_word(item) for item in split_list(value))


def as_word(value: object) -> str:
    """A text column the loader never leaves empty: an id, a title, a summary, an item of a list."""
    text = as_text(value)
    if not text:
        raise CacheCorrupt("expected text, found it empty")
    return text


_DECODERS: dict[str, Callable[[str], str | bool | int | float | tuple[str, ...]]] = {
    "s": lambda text: as_word(text),
    "b": {"1": True, "0": False}.__getitem__,
    "i": int,
    "f": float,
    "l": lambda text: as_texts(text),
}


def decode_entry(row: tuple[object, ...]) -> Entry:
    """An entry from its columns, checked field by field: the cache is not trusted."""
    if len(row) != 16 or row[15] != checksum(row[:15]):
        raise CacheCorrupt("entry: not the columns this program wrote")
    kind, entry_id, title, summary, related, source, aliases, quote_text, quote_section, note = row[:10]
    details, origin, index_terms, outside, relations = row[10:15]
    kind = as_text(kind)
    if kind not in KINDS:
        raise CacheCorrupt(f"entry: unknown kind {kind!r}")
    values: dict[str, str | bool | int | float | tuple[str, ...]] = {}
    written = as_str(details)
    for item in written.split(DETAIL_SEP) if written else []:
        try:
            key, code, text = item.split(FIELD_SEP)
            if key not in KIND_FIELDS[kind]:
                raise ValueError(key)
            values[key] = _DECODERS[code](text)
        except (ValueError, KeyError, OverflowError) as error:
            raise CacheCorrupt(f"entry: detail {error}") from None
    quote = None
    if quote_text is not None or quote_section is not None:
        quote = Quote(as_word(quote_text), as_word(quote_section))
    return Entry(
        kind=kind,
        id=as_word(entry_id),
        title=as_word(title),
        summary=as_word(summary),
        related=as_texts(related),
        source=as_texts(source),
        aliases=as_texts(aliases),
        quote=quote,
        note=None if note is None else as_word(note),
        details=values,
        origin=as_str(origin),
        index=as_texts(index_terms),
        outside=None if outside is None else as_word(outside),
        relations=tuple(_relation(item) for item in as_texts(relations)),
    )


SOURCE_FIELDS = ("title", "author", "date", "url", "publisher", "lead", "note")


def encode_source(source: SourceInfo) -> str:
    """A file's own source as one column: its fields in SOURCE_FIELDS order, empty when not given."""
    return FIELD_SEP.join(getattr(source, name) or "" for name in SOURCE_FIELDS)


def decode_origin(row: tuple[object, ...]) -> Origin:
    """A row of the origin table: (file, shipped, source), checked as the loader checked them."""
    file, shipped, source = row
    if shipped not in (0, 1):
        raise CacheCorrupt("origin: shipped is neither 0 nor 1")
    if source is None:
        return Origin(as_str(file), bool(shipped))
    values = [as_text(value) for value in as_str(source).split(FIELD_SEP)]
    if len(values) != len(SOURCE_FIELDS) or not values[0]:
        raise CacheCorrupt("origin: not the source this program wrote")
    fields = {name: value or None for name, value in zip(SOURCE_FIELDS[1:], values[1:], strict=True)}
    return Origin(as_str(file), bool(shipped), SourceInfo(values[0], **fields))


def _relation(item: str) -> tuple[str, str]:
    """One typed link of the relations column: "relation target", a known relation."""
    relation, _, target = item.partition(" ")
    if relation not in RELATIONS or not target:
        raise CacheCorrupt(f"entry: relation {relation!r}")
    return relation, target
