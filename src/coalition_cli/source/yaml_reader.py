"""YAML to plain data, one parser event at a time, refusing what a handbook never needs.

PyYAML (its C parser when built) yields events; this module turns them into dicts, lists and
scalars by hand, so that no tag can build a Python object, duplicate keys are caught (PyYAML keeps
the last silently), aliases cannot expand without bound, and no tree of nodes is ever held. The
items of the entry lists can be handed over one by one as each is complete, so a large handbook
never sits in memory whole. Problems are located by a second pass over the events (`locate`),
again without a tree, and only when there are problems.

Plain scalars resolve as in YAML 1.2's core schema where YAML 1.1 (PyYAML's default) surprises:
`no`, `on` and `2020-01-03` stay text rather than false, true and a date. Numbers with leading zeros
(`0299`, `010`) stay text too, and an exponent needs its sign: that is what PyYAML's own writer
assumes, so a handbook it writes reads back unchanged. This is the only module that imports yaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Any, Protocol

import yaml

from coalition_cli.model.errors import MAX_PROBLEMS, HandbookError, Problem

MAX_DEPTH = 64  # a handbook nests five levels deep; far deeper is an attack or an accident
MAX_DIGITS = 4_300  # Python reads no longer integer; no handbook number comes near it
ALIAS_ALLOWANCE = 100_000  # values that aliases may add beyond the file's own (stops "billion laughs")
_TOO_MANY_ALIASES = "aliases expand to more than {:,} values; refusing (a handbook never needs this)"

Path = tuple[str | int, ...]  # where a value sits in the document: keys and list positions
Stream = Callable[[str, int, Any], None]  # (top-level key, position in its list, the item)
Progress = Callable[[str, int, int], None]  # (stage, done, total): how far a read has come


class Readable(Protocol):
    """A document read a piece at a time (parallel.Pieces), as PyYAML reads a file."""

    def __len__(self) -> int: ...
    def read(self, size: int = -1) -> bytes: ...


_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = _TAG + "seq", _TAG + "map"
_NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE_WORDS = frozenset(("true", "True", "TRUE"))
_FALSE_WORDS = frozenset(("false", "False", "FALSE"))
_NUMBER_START = frozenset("-+.0123456789")
# First characters of plain scalars that may not be text: null (~, n, N), booleans (t, T, f, F), numbers.
_SPECIAL_START = frozenset("~nNtTfF-+.0123456789")
_INT_PATTERN = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT_PATTERN = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z")
_NO_KEY = object()  # a mapping waiting for its next key
_SKIP = object()  # a mapping entry to drop (duplicate or unusable key)


class Streamed:
    """Stands in the data for a list whose items were handed over one by one."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


@cache
def _loader_class() -> Any:
    """PyYAML's safe loader (its C version when built) with no implicit types: the reader resolves
    plain scalars itself."""
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("_Loader", (base,), {"yaml_implicit_resolvers": {}})


def _mark(event: Any) -> tuple[int | None, int | None]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _position(source: bytes, index: int) -> tuple[int, int]:
    """1-based line and column of a byte index."""
    line = source.count(b"\n", 0, index) + 1
    return line, index - (source.rfind(b"\n", 0, index) + 1) + 1


def yaml_problem(error: yaml.YAMLError, source: bytes | Readable, name: str) -> HandbookError:
    """PyYAML's errors as one located problem."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return HandbookError([Problem(name, f"YAML syntax: {message}", line, column)])
    if isinstance(error, yaml.reader.ReaderError):
        # A document in pieces is a large file read in parts, read again whole to tell its problems.
        line, column = _position(source, error.position) if isinstance(source, bytes) else (None, None)
        character = error.character if isinstance(error.character, str) else chr(error.character)
        message = f"YAML cannot hold the character {ord(character):#04x} here"
        return HandbookError([Problem(name, message, line, column)])
    return HandbookError([Problem(name, f"YAML: {str(error).splitlines()[0]}")])


def _events(source: bytes, name: str) -> Iterable[Any]:
    """The document's parser events; YAML errors become located problems."""
    loader = _loader_class()(source)
    try:
        while True:
            event = loader.get_event()
            yield event
            if type(event) is yaml.StreamEndEvent:
                return
    except yaml.YAMLError as error:
        raise yaml_problem(error, source, name) from None
    finally:
        loader.dispose()


class _Collection:
    """A sequence or mapping being filled while its events arrive."""

    __slots__ = ("value", "is_mapping", "key", "first_marks", "size", "anchor", "event", "streaming", "count")

    def __init__(self, value: list[Any] | dict[str, Any], anchor: str | None, event: Any) -> None:
        self.value = value
        self.is_mapping = isinstance(value, dict)
        self.key: Any = _NO_KEY
        self.first_marks: dict[str, Any] = {}  # each key's position, for "duplicate key" messages
        self.size = 1  # values in this collection's subtree, aliases expanded, itself included
        self.anchor = anchor
        self.event = event
        self.streaming: str | None = None  # the top-level key whose items are handed over
        self.count = 0


class YamlReader:
    """Reads one file's YAML into plain data, collecting the problems it can see on the way."""

    def __init__(self, name: str, progress: Progress | None = None) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.unlisted = 0  # problems beyond MAX_PROBLEMS: counted, not kept
        self.progress = progress

    def _problem(self, event: Any, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.unlisted += 1  # counted, not kept: a million problems are not held to be told
            return
        self.problems.append(Problem(self.name, message, *_mark(event)))

    def _refuse(self, event: Any, message: str) -> HandbookError:
        return HandbookError([Problem(self.name, message, *_mark(event))])

    def read(self, source: bytes | Readable, stream: Stream | None = None, streamed: Collection[str] = ()) -> Any:
        """The document as plain data. Items of the top-level lists named in `streamed` go to
        `stream` as each is complete, and their lists become `Streamed` counts.

        One loop, with the common cases inline: for a large handbook this loop runs millions of
        times, and method calls per event would double its cost.
        """
        stack: list[_Collection] = []
        root: list[Any] = []
        anchors: dict[str, tuple[Any, int]] = {}
        open_anchors: set[str] = set()
        documents = distinct = expanded = scalars = 0
        length = len(source)
        progress = self.progress
        plain_tags = (None, "!")
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        starts = {yaml.MappingStartEvent: True, yaml.SequenceStartEvent: False}
        ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        loader = _loader_class()(source)
        get_event = loader.get_event
        try:
            while True:
                event = get_event()
                kind = event.__class__
                value: Any
                size = 1
                if kind is scalar_event:
                    # A value weighs one, and one more per 64 characters: an alias to a long text
                    # costs what copying the text would (20,000 aliases of one long key point).
                    size = 1 + (len(event.value) >> 6)
                    distinct += size
                    expanded += size
                    scalars += 1
                    if progress is not None and not scalars % 20_000:
                        progress("reading", event.start_mark.index, length)
                    top = stack[-1] if stack else None
                    if top is not None and top.key is _NO_KEY and top.is_mapping:
                        if event.tag not in (None, "!", _STR):
                            self._problem(event, f"the YAML tag {_short_tag(event.tag)} is not allowed on a key")
                        key = event.value
                        if key in top.first_marks:
                            self._key_text(top, key, event)  # a duplicate: told there
                        else:
                            top.first_marks[key] = event.start_mark
                            top.key = key
                        continue
                    text = event.value
                    if event.tag in plain_tags and (len(text) <= MAX_DIGITS or not event.implicit[0]):
                        special = not text or text[0] in _SPECIAL_START
                        value = _plain(text) if special and event.implicit[0] else text
                    else:  # a tag, or text as long as a number too long to read: looked at closely
                        value = self._scalar(event)
                    if event.anchor:
                        anchors[event.anchor] = (value, size)
                elif kind in starts:
                    distinct += 1
                    expanded += 1
                    self._open(stack, event, starts[kind], streamed if stream is not None else ())
                    if event.anchor:
                        open_anchors.add(event.anchor)
                    continue
                elif kind in ends:
                    done = stack.pop()
                    value = Streamed(done.count) if done.streaming else done.value
                    size = done.size
                    if done.anchor:
                        anchors[done.anchor] = (value, size)
                        open_anchors.discard(done.anchor)
                elif kind is alias_event:
                    value, size = self._alias(event, anchors, open_anchors)
                    expanded += size
                    if expanded > 2 * distinct + ALIAS_ALLOWANCE:
                        raise self._refuse(event, _TOO_MANY_ALIASES.format(expanded))
                    if self._alias_as_key(stack, value, event):
                        continue
                elif kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise self._refuse(event, "holds more than one YAML document")
                    continue
                elif kind is yaml.StreamEndEvent:
                    break
                else:
                    continue
                # Attach the finished value to its parent.
                if not stack:
                    root.append(value)
                    continue
                parent = stack[-1]
                parent.size += size
                if parent.streaming is not None:
                    stream(parent.streaming, parent.count, value)  # type: ignore[misc]
                    parent.count += 1
                elif parent.is_mapping:
                    if parent.key is not _SKIP:
                        parent.value[parent.key] = value
                    parent.key = _NO_KEY
                else:
                    parent.value.append(value)  # type: ignore[union-attr]
        except yaml.YAMLError as error:
            raise yaml_problem(error, source, self.name) from None
        finally:
            loader.dispose()
        if not root:
            raise HandbookError([Problem(self.name, "holds no YAML document, only comments or blank lines")])
        return root[0]

    def _alias(self, event: Any, anchors: dict[str, tuple[Any, int]], open_anchors: set[str]) -> tuple[Any, int]:
        """The value an alias names and its size, aliases within it counted, never expanded (a
        "billion laughs" is refused by its count). Aliases are rare: kept out of the loop."""
        if event.anchor in open_anchors:
            raise self._refuse(event, "an alias refers to a value that contains it")
        if event.anchor not in anchors:
            raise self._refuse(event, f'the alias "*{event.anchor}" names no anchor')
        return anchors[event.anchor]

    def _alias_as_key(self, stack: list[_Collection], value: Any, event: Any) -> bool:
        """Whether an alias stands where a key goes (then it is that key, if it is text)."""
        top = stack[-1] if stack else None
        if top is None or top.key is not _NO_KEY or not top.is_mapping:
            return False
        if isinstance(value, str):
            self._key_text(top, value, event)
        else:
            self._problem(event, "a key must be plain text, not a list or mapping")
            top.key = _SKIP
        return True

    def _open(self, stack: list[_Collection], event: Any, is_mapping: bool, streamed: Collection[str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise self._refuse(event, f"nested more than {MAX_DEPTH} levels deep")
        if event.tag not in (None, "!", _MAP if is_mapping else _SEQ):
            self._problem(event, f"the YAML tag {_short_tag(event.tag)} is not allowed in a handbook")
        top = stack[-1] if stack else None
        if top is not None and top.key is _NO_KEY and top.is_mapping:
            self._problem(event, "a key must be plain text, not a list or mapping")
            top.key = _SKIP
        collection = _Collection({} if is_mapping else [], event.anchor, event)
        if not is_mapping and len(stack) == 1 and stack[0].key in streamed:
            collection.streaming = stack[0].key
        stack.append(collection)

    def _key_text(self, mapping: _Collection, key: str, event: Any) -> None:
        first = mapping.first_marks.get(key)
        if first is not None:
            self._problem(event, f'duplicate key "{key}" (first at line {first.line + 1})')
            mapping.key = _SKIP
        else:
            mapping.first_marks[key] = event.start_mark
            mapping.key = key

    def _scalar(self, event: Any) -> Any:
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return text
            if len(text) > MAX_DIGITS and _INT_PATTERN.match(text):  # Python reads no longer integer
                self._problem(event, f"a number of {len(text):,} digits is longer than any a handbook holds")
                return None
            return _plain(text)
        try:
            if tag == _STR:
                return text
            if tag == _INT:
                if len(text) > MAX_DIGITS:
                    self._problem(event, f"a number of {len(text):,} digits is longer than any a handbook holds")
                    return None
                return int(text.replace("_", ""), 10)
            if tag == _FLOAT:
                return float(text)
            if tag == _BOOL and text.lower() in ("true", "false"):
                return text.lower() == "true"
            if tag == _NULL and text in _NULL_WORDS:
                return None
        except ValueError:
            pass
        if tag.startswith(_TAG) and tag[len(_TAG) :] in ("int", "float", "bool", "null"):
            self._problem(event, f'"{text}" is not a valid {tag[len(_TAG) :]}')
        else:
            self._problem(
                event, f"the YAML tag {_short_tag(tag)} is not allowed in a handbook (tags never run code here)"
            )
        return None


def _plain(text: str) -> Any:
    """An untagged, unquoted scalar's value (empty text, and text starting as a number, null or
    boolean might start, are all that need looking at)."""
    if text in _NULL_WORDS:
        return None
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    if text[0] in _NUMBER_START:
        if _INT_PATTERN.match(text):
            return int(text)
        if _FLOAT_PATTERN.match(text):
            return float(text)
    return text


def locate(source: bytes, name: str, wanted: Iterable[tuple[Path, bool]]) -> dict[tuple[Path, bool], tuple[int, int]]:
    """Line and column of each wanted (path, at the key?) in the document, or of its nearest
    ancestor that exists, found in one more pass over the events, without building a tree."""
    wanted = list(wanted)
    targets = {
        (path[:length], at_key and length == len(path)) for path, at_key in wanted for length in range(len(path) + 1)
    }
    found: dict[tuple[Path, bool], tuple[int, int]] = {}
    # Each open collection: [its path, mapping?, the key awaiting its value (mapping) or the next
    # index (sequence), is the collection itself a key?].
    stack: list[list[Any]] = []
    starts = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)

    def record(path: Path, at_key: bool, event: Any) -> None:
        if (path, at_key) in targets and (path, at_key) not in found:
            line, column = _mark(event)
            if line is not None and column is not None:
                found[(path, at_key)] = (line, column)

    for event in _events(source, name):
        kind = type(event)
        if kind in starts:
            opens = kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent
            parent = stack[-1] if stack else None
            is_key = parent is not None and parent[1] and parent[2] is _NO_KEY
            if parent is None:
                path: Path = ()
            elif is_key:
                key = event.value if kind is yaml.ScalarEvent else None
                parent[2] = key if isinstance(key, str) else _SKIP
                if isinstance(key, str):
                    record((*parent[0], key), True, event)
                path = (*parent[0], "\x00")  # a key that is itself a collection: nothing to find in it
            elif parent[1]:
                path = (*parent[0], parent[2] if isinstance(parent[2], str) else "\x00")
            else:
                path = (*parent[0], parent[2])
                parent[2] += 1
            if not is_key:
                record(path, False, event)
            if opens:
                stack.append(
                    [path, kind is yaml.MappingStartEvent, _NO_KEY if kind is yaml.MappingStartEvent else 0, is_key]
                )
            elif parent is not None and parent[1] and not is_key:
                parent[2] = _NO_KEY  # the value is complete: the next scalar is a key
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            if stack and stack[-1][1]:
                stack[-1][2] = _SKIP if done[3] else _NO_KEY
    result: dict[tuple[Path, bool], tuple[int, int]] = {}
    for path, at_key in wanted:
        for length in range(len(path), -1, -1):
            mark = found.get((path[:length], at_key and length == len(path)))
            if mark is not None:
                result[(path, at_key)] = mark
                break
    return result
