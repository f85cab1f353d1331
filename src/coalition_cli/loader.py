"""Find, read and validate a handbook file, reporting every problem as file:line:col.

YAML is read as a stream of parser events (PyYAML's C parser when available) and turned into plain
data by hand, so that no tag can build a Python object, duplicate keys are caught (PyYAML silently
keeps the last), aliases cannot expand without bound, and no tree of nodes is ever held for a valid
file (for a 10,000-entry handbook that tree alone took over 100 MB). Only when the data has problems
is the file composed into nodes a second time, to give each problem its line and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coalition_cli.errors import HandbookError, Problem
from coalition_cli.handbook import (
    KIND_FIELDS,
    KINDS,
    LEAD,
    PLURALS,
    TITLE_KEYS,
    Entry,
    Extension,
    Handbook,
    Quote,
    SourceInfo,
    Value,
    layered,
)

if TYPE_CHECKING:
    import yaml

    from coalition_cli.store import Progress

# PyYAML is imported only when a file is actually parsed: a run served from the cache never pays
# for it (about 15 ms).

MAX_BYTES = 50 * 1024 * 1024  # documented in the README: larger files are refused unread
MAX_DEPTH = 64  # a handbook nests five levels deep; far deeper is an attack or an accident
ALIAS_ALLOWANCE = 100_000  # values that aliases may add beyond the file's own (stops "billion laughs")
MAX_QUOTE_WORDS = 40
ACTOR_TYPES = ("state", "non-state force", "organisation", "grouping")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # written as escapes in quoted YAML
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = _TAG + "seq", _TAG + "map"

# Plain scalars resolve as in YAML 1.2's core schema, where YAML 1.1 (PyYAML's default) surprises:
# `no`, `on` and `2020-01-03` stay text rather than false, true and a date. Numbers with leading
# zeros (`0299`, `010`) stay text too, rather than 299 (1.2) or octal 8 (1.1), and an exponent needs
# its sign: that is what PyYAML's own writer assumes, so a handbook it writes reads back unchanged.
_NULL_WORDS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE_WORDS = frozenset(("true", "True", "TRUE"))
_FALSE_WORDS = frozenset(("false", "False", "FALSE"))
_NUMBER_START = frozenset("-+.0123456789")
_INT_PATTERN = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT_PATTERN = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\Z")


@cache
def _loader_class() -> Any:
    """PyYAML's safe loader (its C version when built) with no implicit types: the event reader
    resolves plain scalars itself."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return type("_Loader", (base,), {"yaml_implicit_resolvers": {}})


def bundled_handbook_path() -> Path:
    """The handbook shipped with the program: inside the package, or at a checkout's top level."""
    from importlib.resources import files

    packaged = files("coalition_cli") / "handbook.yaml"
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    # An editable install or a source checkout imports from src/, where the file is not copied.
    checkout = Path(__file__).resolve().parents[2] / "handbook.yaml"
    if checkout.is_file():
        return checkout
    raise HandbookError([Problem("handbook.yaml", "the bundled handbook is missing from this installation")])


def load_handbook(path: Path | None = None) -> Handbook:
    """Load and validate a handbook (the bundled one by default); raise HandbookError if invalid."""
    return load_stack([path or bundled_handbook_path()])


def load_stack(paths: list[Path], progress: Progress | None = None) -> Handbook:
    """Handbooks layered in order (see `check_stack`); raise HandbookError with every problem."""
    handbook, problems = check_stack(paths, progress)
    if problems or handbook is None:
        raise HandbookError(problems)
    return handbook


def check_handbook(path: Path) -> tuple[Handbook | None, list[Problem]]:
    """Every problem in one handbook file (read on the bundled one if it says `base: bundled`)."""
    return check_stack([path])


def check_stack(paths: list[Path], progress: Progress | None = None) -> tuple[Handbook | None, list[Problem]]:
    """Every problem in a stack of handbook files, each read on top of those before it.

    A file that declares `base: bundled` gets the shipped handbook beneath the whole stack, if it
    is not in it already. Returns the layered handbook when no file has a problem.
    """
    read: list[tuple[Path, str, Any]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            text = _decode(read_handbook_bytes(path), str(path))
            reader = _EventReader(str(path), progress)
            read.append((path, text, reader.read(text)))
            problems += reader.problems
        except HandbookError as error:
            problems += error.problems
    if any(isinstance(data, dict) and data.get("base") == "bundled" for _, _, data in read):
        bundled = bundled_handbook_path()
        if all(path.resolve() != bundled.resolve() for path in paths):
            text = _decode(read_handbook_bytes(bundled), str(bundled))
            read.insert(0, (bundled, text, _EventReader(str(bundled)).read(text)))

    stack: Handbook | None = None
    for path, text, data in read:
        builder = _Builder(str(path), progress, base=stack)
        layer = builder.build(data)
        located = builder.locate(text)
        problems += [p for p in located if not p.warning]
        if layer is not None:
            layer = replace(layer, warnings=tuple(p for p in located if p.warning))
            stack = layer if stack is None else layered(stack, layer)
    if problems or stack is None:
        order = {str(path): index for index, (path, _, _) in enumerate(read)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.line or 0, p.column or 0))
        return None, problems
    return stack, []


def read_handbook_bytes(path: Path) -> bytes:
    """A handbook file's bytes, refusing folders, missing files and anything over MAX_BYTES."""
    name = str(path)

    def fail(message: str) -> HandbookError:
        return HandbookError([Problem(name, message)])

    try:
        if path.is_dir():
            raise fail("is a folder, not a handbook file")
        limit = f"handbooks are limited to {MAX_BYTES // 1024 // 1024} MB"
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise fail(f"is {size / 1024 / 1024:.0f} MB; {limit}")
        raw = _read_at_most(path, MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise fail(f"is more than {MAX_BYTES // 1024 // 1024} MB; {limit}")
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror or error}") from None
    return raw


def _decode(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        byte = raw[error.start : error.start + 1].hex()
        raise HandbookError([Problem(name, f"is not UTF-8 text (byte 0x{byte})", line, column)]) from None
    if not text.strip():
        raise HandbookError([Problem(name, "is empty")])
    return text


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes, but never more than limit: a device or pipe (/dev/zero) has no size to check.

    Read in pieces, because `read(limit)` would set aside the whole limit for every small file.
    """
    data = bytearray()
    with path.open("rb") as handle:
        while len(data) < limit:
            piece = handle.read(min(1 << 20, limit - len(data)))
            if not piece:
                break
            data += piece
    return bytes(data)


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _yaml_problem(error: yaml.YAMLError, text: str, name: str) -> HandbookError:
    """PyYAML's errors as one located problem."""
    import yaml

    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return HandbookError([Problem(name, f"YAML syntax: {message}", line, column)])
    if isinstance(error, yaml.reader.ReaderError):
        line, column = _position(text, error.position)
        character = error.character if isinstance(error.character, str) else chr(error.character)
        message = f"YAML cannot hold the character {ord(character):#04x} here"
        return HandbookError([Problem(name, message, line, column)])
    return HandbookError([Problem(name, f"YAML: {str(error).splitlines()[0]}")])


def _compose(text: str, name: str) -> yaml.Node:
    """The document as PyYAML nodes, which keep positions: used only to locate problems."""
    import yaml

    loader = _loader_class()(text)
    try:
        root: yaml.Node | None = loader.get_single_node()
    except yaml.YAMLError as error:
        raise _yaml_problem(error, text, name) from None
    except RecursionError:
        raise HandbookError([Problem(name, "nested too deeply to be a handbook")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise HandbookError([Problem(name, "holds no YAML document, only comments or blank lines")])
    return root


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _mark(thing: yaml.Node | yaml.Event) -> tuple[int | None, int | None]:
    mark = thing.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


_NO_KEY = object()  # a mapping waiting for its next key
_SKIP = object()  # a mapping entry to drop (duplicate or unusable key)


class _Collection:
    """A sequence or mapping being filled while its events arrive."""

    __slots__ = ("value", "key", "first_lines", "size", "anchor", "event")

    def __init__(self, value: list[Any] | dict[str, Any], anchor: str | None, event: yaml.Event) -> None:
        self.value = value
        self.key: Any = _NO_KEY
        self.first_lines: dict[str, int] = {}
        self.size = 1  # values in this collection's subtree, aliases expanded, itself included
        self.anchor = anchor
        self.event = event


class _EventReader:
    """Turns parser events into plain data, refusing what a handbook never needs."""

    def __init__(self, name: str, progress: Progress | None = None) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.progress = progress

    def _problem(self, event: yaml.Event, message: str) -> None:
        self.problems.append(Problem(self.name, message, *_mark(event)))

    def _refuse(self, event: yaml.Event, message: str) -> HandbookError:
        return HandbookError([Problem(self.name, message, *_mark(event))])

    def read(self, text: str) -> Any:
        import yaml

        loader = _loader_class()(text)
        try:
            return self._read(loader, len(text))
        except yaml.YAMLError as error:
            raise _yaml_problem(error, text, self.name) from None
        finally:
            loader.dispose()

    def _read(self, loader: Any, length: int) -> Any:
        import yaml

        get_event = loader.get_event
        progress = self.progress
        stack: list[_Collection] = []
        anchors: dict[str, tuple[Any, int]] = {}
        open_anchors: set[str] = set()
        root: list[Any] = []
        documents = 0
        distinct = expanded = 0

        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if progress is not None and distinct % 20_000 == 0:
                    progress("reading", event.start_mark.index, length)
                distinct += 1
                expanded += 1
                if stack and stack[-1].key is _NO_KEY and isinstance(stack[-1].value, dict):
                    self._key(stack[-1], event)
                    continue
                value = self._scalar(event)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                self._attach(stack, root, value, 1, event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                distinct += 1
                expanded += 1
                if len(stack) >= MAX_DEPTH:
                    raise self._refuse(event, f"nested more than {MAX_DEPTH} levels deep")
                if event.tag not in (None, "!", _MAP if kind is yaml.MappingStartEvent else _SEQ):
                    self._problem(event, f"the YAML tag {_short_tag(event.tag)} is not allowed in a handbook")
                if stack and stack[-1].key is _NO_KEY and isinstance(stack[-1].value, dict):
                    self._problem(event, "a key must be plain text, not a list or mapping")
                    stack[-1].key = _SKIP
                if event.anchor:
                    open_anchors.add(event.anchor)
                stack.append(_Collection({} if kind is yaml.MappingStartEvent else [], event.anchor, event))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                if done.anchor:
                    anchors[done.anchor] = (done.value, done.size)
                    open_anchors.discard(done.anchor)
                self._attach(stack, root, done.value, done.size, done.event)
            elif kind is yaml.AliasEvent:
                if event.anchor in open_anchors:
                    raise self._refuse(event, "an alias refers to a value that contains it")
                if event.anchor not in anchors:
                    raise self._refuse(event, f'the alias "*{event.anchor}" names no anchor')
                value, size = anchors[event.anchor]
                expanded += size
                if expanded > 2 * distinct + ALIAS_ALLOWANCE:
                    # Counted, never expanded: each alias adds its anchor's size, nested aliases included.
                    message = f"aliases expand to more than {expanded:,} values; refusing (a handbook never needs this)"
                    raise self._refuse(event, message)
                if stack and stack[-1].key is _NO_KEY and isinstance(stack[-1].value, dict):
                    if isinstance(value, str):
                        self._key_text(stack[-1], value, event)
                    else:
                        self._problem(event, "a key must be plain text, not a list or mapping")
                        stack[-1].key = _SKIP
                    continue
                self._attach(stack, root, value, size, event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._refuse(event, "holds more than one YAML document")
            elif kind is yaml.StreamEndEvent:
                break
        if not root:
            raise HandbookError([Problem(self.name, "holds no YAML document, only comments or blank lines")])
        return root[0]

    def _attach(self, stack: list[_Collection], root: list[Any], value: Any, size: int, event: yaml.Event) -> None:
        if not stack:
            root.append(value)
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            parent.value.append(value)
        else:
            if parent.key is not _SKIP:
                parent.value[parent.key] = value
            parent.key = _NO_KEY

    def _key(self, mapping: _Collection, event: yaml.ScalarEvent) -> None:
        if event.tag not in (None, "!", _STR):
            self._problem(event, f"the YAML tag {_short_tag(event.tag)} is not allowed on a key")
        self._key_text(mapping, event.value, event)

    def _key_text(self, mapping: _Collection, key: str, event: yaml.Event) -> None:
        line = _mark(event)[0] or 0
        if key in mapping.first_lines:
            self._problem(event, f'duplicate key "{key}" (first at line {mapping.first_lines[key]})')
            mapping.key = _SKIP
        else:
            mapping.first_lines[key] = line
            mapping.key = key

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            return _plain(text) if event.implicit[0] else text
        try:
            if tag == _STR:
                return text
            if tag == _INT:
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
    """An untagged, unquoted scalar's value."""
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


Path_ = tuple[str | int, ...]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _clean(text: str) -> str:
    """One line per paragraph, single spaces: stable, reflowable output from any YAML style."""
    if "\n" not in text and "  " not in text and "\t" not in text and text == text.strip():
        return text  # the common case, and worth the shortcut on a large handbook
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _closest(word: str, candidates: set[str]) -> list[str]:
    """The candidate spelled most like word, if any is close; cheap enough for 10,000 candidates."""
    near = sorted(c for c in candidates if abs(len(c) - len(word)) <= 3 and c[:1] == word[:1])
    return difflib.get_close_matches(word, near, n=1)


def _locate(root: yaml.Node, path: Path_, *, at_key: bool = False) -> tuple[int | None, int | None]:
    """Line and column of the value a path leads to (or of its key), or of its nearest parent."""
    import yaml

    node = root
    for index, step in enumerate(path):
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step), None)
            if pair is not None:
                child = pair[0] if at_key and index == len(path) - 1 else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node = child
    return _mark(node)


class _Builder:
    """Validates plain data against the handbook format and builds the model, collecting problems."""

    TOP_KEYS = ("format", "title", "source", "base", "variants", "extend", *PLURALS.values())
    EXTEND_KEYS = ("id", "aliases", "note", "related")
    SOURCE_KEYS = ("title", "lead", "note")
    COMMON = ("id", "aliases", "summary", "related", "source", "quote", "note")

    def __init__(self, name: str, progress: Progress | None = None, base: Handbook | None = None) -> None:
        self.name = name
        self.progress = progress
        self.base = base
        self.base_ids = {entry.id for entry in base.entries} if base else set()
        self.base_sections = {entry.id for entry in base.of_kind("section")} if base else set()
        # Problems wait here as (path, message, at the key?, path whose line the message names,
        # only a warning?) until `locate` composes the file once to find them all.
        self.pending: list[tuple[Path_, str, bool, Path_ | None, bool]] = []
        self.checks: dict[str, Callable[[Any, Path_], Value | None]] = {
            "id": self._id,
            "aliases": self._texts,
            "summary": self._text,
            "related": self._ids,
            "source": self._ids,
            "note": self._text,
            "title": self._text,
            "name": self._text,
            "key_points": self._texts,
            "mentions": self._ids,
            "type": self._actor_type,
            "member": self._bool,
            "role": self._text,
            "contributions": self._texts,
            "differences": self._text,
            "date": self._date,
            "value": self._number,
            "unit": self._text,
            "qualifier": self._text,
            "stands_for": self._text,
        }

    # -- locating and reporting -------------------------------------------------------------

    def locate(self, text: str) -> list[Problem]:
        """The pending problems with their lines and columns (nodes are composed only if there are any)."""
        if not self.pending:
            return []
        root = _compose(text, self.name)
        problems = []
        for path, message, at_key, named, warning in self.pending:
            if named is not None:
                message = message.format(line=_locate(root, named)[0] or "?")
            problems.append(Problem(self.name, message, *_locate(root, path, at_key=at_key), warning=warning))
        return problems

    def _problem(
        self, path: Path_, message: str, *, at_key: bool = False, naming: Path_ | None = None, warning: bool = False
    ) -> None:
        self.pending.append((path, message, at_key, naming, warning))

    def _unknown_keys(self, mapping: dict[str, Any], allowed: tuple[str, ...], path: Path_, what: str) -> None:
        for key in mapping:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(allowed)})"
            self._problem((*path, key), f'{what}unknown key "{key}"{hint}', at_key=True)

    # -- value checks: each returns the normalised value, or None after reporting -------------

    def _expect(self, path: Path_, expected: str, value: Any) -> None:
        hint = " (put it in quotes)" if isinstance(value, int | float | bool) and expected == "text" else ""
        self._problem(path, f"{self._where(path)}expected {expected}, got {_describe(value)}{hint}")

    def _where(self, path: Path_) -> str:
        """'actor iran: related: ' style prefix naming the entry and field a path points into."""
        if len(path) >= 2 and path[0] in PLURALS.values() and isinstance(path[1], int):
            entry_id = self._entry_ids.get((str(path[0]), path[1]))
            kind = str(path[0])[:-1]
            head = f"{kind} {entry_id}" if entry_id else f"{path[0]}[{path[1]}]"
            tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
            return f"{head}: {tail}: " if tail else f"{head}: "
        steps = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        return f"{steps}: " if steps else ""

    def _text(self, value: Any, path: Path_) -> str | None:
        if not isinstance(value, str):
            self._expect(path, "text", value)
            return None
        if not value.strip():
            self._problem(path, f"{self._where(path)}is empty")
            return None
        control = _CONTROL.search(value)
        if control is not None:
            self._problem(path, f"{self._where(path)}holds the control character U+{ord(control[0]):04X}")
            return None
        return _clean(value)

    def _texts(self, value: Any, path: Path_) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self._expect(path, "a list of text", value)
            return None
        items = [self._text(item, (*path, i)) for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def _id(self, value: Any, path: Path_) -> str | None:
        if not isinstance(value, str):
            self._expect(path, "an id", value)
            return None
        if not ID_PATTERN.match(value):
            self._problem(path, f'{self._where(path)}"{value}" is not a valid id (lowercase letters, digits, hyphens)')
            return None
        return value

    def _ids(self, value: Any, path: Path_) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self._expect(path, "a list of ids", value)
            return None
        items = [self._id(item, (*path, i)) for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def _bool(self, value: Any, path: Path_) -> bool | None:
        if not isinstance(value, bool):
            self._expect(path, "true or false", value)
            return None
        return value

    def _number(self, value: Any, path: Path_) -> int | float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._expect(path, "a number (write 28500, not 28,500)", value)
            return None
        return value

    def _actor_type(self, value: Any, path: Path_) -> str | None:
        if value not in ACTOR_TYPES:
            close = difflib.get_close_matches(str(value), ACTOR_TYPES, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self._problem(path, f"{self._where(path)}must be one of: {', '.join(ACTOR_TYPES)}{hint}")
            return None
        return str(value)

    def _date(self, value: Any, path: Path_) -> str | None:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        match = DATE_PATTERN.match(text) if isinstance(text, str) else None
        if match is not None:
            year, month, day = (int(g) if g else 1 for g in match.groups())
            try:
                dt.date(year, month, day)
                return str(text)
            except ValueError:
                pass
        self._problem(path, f'{self._where(path)}"{value}" is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)')
        return None

    def _quote(self, value: Any, path: Path_) -> Quote | None:
        if not isinstance(value, dict):
            self._expect(path, "a mapping with text and section", value)
            return None
        self._unknown_keys(value, ("text", "section"), path, self._where(path))
        text = self._text(value.get("text"), (*path, "text")) if "text" in value else None
        section = self._id(value.get("section"), (*path, "section")) if "section" in value else None
        for key in ("text", "section"):
            if key not in value:
                self._problem(path, f'{self._where(path)}missing "{key}"')
        if text is not None and len(text.split()) > MAX_QUOTE_WORDS:
            self._problem(
                (*path, "text"),
                f"{self._where(path)}is {len(text.split())} words; quotes are at most {MAX_QUOTE_WORDS}",
            )
        if text is None or section is None:
            return None
        return Quote(text=text, section=section)

    # -- the whole file ------------------------------------------------------------------------

    def build(self, data: Any) -> Handbook | None:
        self._entry_ids: dict[tuple[str, int], str] = {}
        if not isinstance(data, dict):
            self._problem(
                (), f"the top level must be a mapping of format, title, source and entries, not {_describe(data)}"
            )
            return None
        self._unknown_keys(data, self.TOP_KEYS, (), "")
        fmt = data.get("format")
        if fmt != 1:
            message = (
                'missing "format: 1"'
                if fmt is None
                else f"format {fmt!r} is not supported (this program reads format 1)"
            )
            self._problem(("format",) if "format" in data else (), message)
        title = self._text(data["title"], ("title",)) if "title" in data else None
        if "title" not in data:
            self._problem((), 'missing "title"')
        source = self._source(data.get("source"))
        variants = self._variants(data["variants"]) if data.get("variants") is not None else ()
        base = data.get("base")
        if base is not None and base != "bundled":
            self._problem(("base",), 'base: the only base is "bundled" (the handbook shipped with the program)')
        extensions = list(self._extend(data["extend"])) if data.get("extend") is not None else []

        entries: list[Entry] = []
        for kind in KINDS:
            plural = PLURALS[kind]
            items = data.get(plural)
            if items is None:
                continue
            if not isinstance(items, list):
                self._expect((plural,), f"a list of {plural}", items)
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    self._entry_ids[(plural, index)] = item["id"]
            for index, item in enumerate(items):
                entry = self._entry(kind, index, item)
                if entry is not None:
                    entries.append(entry)
                if self.progress is not None and index % 1000 == 999:
                    self.progress("checking", index + 1, len(items))
        if not entries and not extensions and not self.pending:
            self._problem((), f"has no entries: add a list of {', '.join(PLURALS.values())}")
        self._cross_check(data)
        kept = []
        for entry in entries:
            if entry.id in self.base_ids:
                extensions.append(self._collision(entry))
            else:
                kept.append(entry)
        if title is None:
            return None
        return Handbook(
            title=title,
            source=source,
            entries=tuple(kept),
            path=self.name,
            format=1,
            variants=variants,
            base=base if isinstance(base, str) else None,
            extensions=tuple(extensions),
            files=(self.name,),
        )

    def _collision(self, entry: Entry) -> Extension:
        """An entry a handbook beneath already has: keep that one, add this one's names, note and links."""
        path = next(path for path, entry_id in self._entry_ids.items() if entry_id == entry.id)
        message = (
            f'{entry.kind} "{entry.id}" is already in a handbook beneath this one: its aliases, note and'
            " related ids are added there and its other fields ignored (to add on purpose, use extend:)"
        )
        self._problem((*path, "id"), message, warning=True)
        return Extension(entry.id, entry.aliases, entry.note, entry.related, self.name)

    def _extend(self, value: Any) -> Iterable[Extension]:
        """`extend:` items: aliases, a note and related ids for entries of the handbooks beneath."""
        if not isinstance(value, list):
            self._expect(("extend",), "a list of entries to extend", value)
            return
        for index, item in enumerate(value):
            path: Path_ = ("extend", index)
            if not isinstance(item, dict):
                self._expect(path, "a mapping with an id", item)
                continue
            self._unknown_keys(item, self.EXTEND_KEYS, path, f"extend[{index}]: ")
            entry_id = self._id(item["id"], (*path, "id")) if "id" in item else None
            if "id" not in item:
                self._problem(path, f'extend[{index}]: missing "id"')
            elif entry_id is not None and entry_id not in self.base_ids:
                where = "in the handbooks beneath this one" if self.base else "beneath it (add base: bundled?)"
                self._problem((*path, "id"), f'extend[{index}]: no entry "{entry_id}" {where}')
                entry_id = None
            aliases = self._texts(item["aliases"], (*path, "aliases")) if item.get("aliases") is not None else ()
            note = self._text(item["note"], (*path, "note")) if item.get("note") is not None else None
            related = self._ids(item["related"], (*path, "related")) if item.get("related") is not None else ()
            if entry_id is not None:
                yield Extension(entry_id, aliases or (), note, related or (), self.name)

    def _variants(self, value: Any) -> tuple[tuple[str, ...], ...]:
        """Groups of spellings search treats as one word: [adviser, advisor], [defence, defense]."""
        path: Path_ = ("variants",)
        if not isinstance(value, list):
            self._expect(path, "a list of lists of spellings", value)
            return ()
        groups = []
        for index, group in enumerate(value):
            words = self._texts(group, (*path, index))
            if words is None:
                continue
            if len(words) < 2:
                self._problem((*path, index), f"variants[{index}]: a group needs at least two spellings")
                continue
            groups.append(words)
        return tuple(groups)

    def _source(self, value: Any) -> SourceInfo:
        if value is None:
            return SourceInfo(title="")
        if not isinstance(value, dict):
            self._expect(("source",), "a mapping with a title", value)
            return SourceInfo(title="")
        self._unknown_keys(value, self.SOURCE_KEYS, ("source",), "source: ")
        if "title" not in value:
            self._problem(("source",), 'source: missing "title"')
        found = {key: self._text(value[key], ("source", key)) for key in self.SOURCE_KEYS if key in value}
        return SourceInfo(title=found.get("title") or "", lead=found.get("lead"), note=found.get("note"))

    def _entry(self, kind: str, index: int, item: Any) -> Entry | None:
        plural = PLURALS[kind]
        path: Path_ = (plural, index)
        if not isinstance(item, dict):
            self._expect(path, f"a mapping (one {kind})", item)
            return None
        # Actors and figures have a `name` in a file written by hand, every kind a `title` in an
        # export; either is read.
        title_key = "title" if "title" in item or TITLE_KEYS[kind] == "title" else TITLE_KEYS[kind]
        allowed = (*self.COMMON, title_key, *KIND_FIELDS[kind])
        if TITLE_KEYS[kind] == "title" and "name" in item:
            self._problem((*path, "name"), f'{self._where(path)}{plural} take "title", not "name"', at_key=True)
        elif "title" in item and "name" in item:
            self._problem((*path, "name"), f'{self._where(path)}give "title" or "name", not both', at_key=True)
        self._unknown_keys(
            {k: v for k, v in item.items() if k not in ("title", "name")}, allowed, path, self._where(path)
        )

        required = ["id", title_key, "summary"] + ([] if kind == "section" else ["source"])
        if kind == "actor":
            required.append("type")
        for key in required:
            if key not in item:
                self._problem(path, f'{self._where(path)}missing "{key}"')

        values: dict[str, Any] = {}
        for key, value in item.items():
            if key == "quote":
                values[key] = self._quote(value, (*path, key))
            elif key in allowed and value is not None:
                values[key] = self.checks[key](value, (*path, key))
        if "value" in values and "unit" not in item:
            self._problem(path, f'{self._where(path)}a value needs a "unit"')
        if "unit" in item and "value" not in item:
            self._problem(path, f'{self._where(path)}a unit needs a "value"')

        if any(values.get(key) is None for key in required):
            return None
        details = {key: values[key] for key in KIND_FIELDS[kind] if values.get(key) is not None}
        source = values.get("source") or ((values["id"],) if kind == "section" else ())
        return Entry(
            kind=kind,
            id=values["id"],
            title=values[title_key],
            summary=values["summary"],
            related=values.get("related") or (),
            source=source,
            aliases=values.get("aliases") or (),
            quote=values.get("quote"),
            note=values.get("note"),
            details=details,
            origin=self.name,
        )

    def _cross_check(self, data: dict[str, Any]) -> None:
        """Ids are unique, and every reference points to an entry (or a section, for sources).

        References are checked on every entry in the file, even one rejected for other problems,
        so that `validate` reports them all in one run.
        """
        first: dict[str, Path_] = {}
        for (plural, index), entry_id in self._entry_ids.items():
            if entry_id in first:
                message = f'duplicate id "{entry_id}" (first at line {{line}})'
                self._problem((plural, index, "id"), message, naming=(*first[entry_id], "id"))
            else:
                first[entry_id] = (plural, index)
        ids = set(first) | self.base_ids
        sections = {entry_id for (plural, _), entry_id in self._entry_ids.items() if plural == "sections"}
        sections |= self.base_sections | {LEAD}
        extend = data.get("extend")
        for index, item in enumerate(extend if isinstance(extend, list) else []):
            related = item.get("related") if isinstance(item, dict) else None
            for position, target in enumerate(related if isinstance(related, list) else []):
                if isinstance(target, str) and target not in ids:
                    self._dangling(("extend", index, "related", position), target, ids, "entry")

        for (plural, index), entry_id in self._entry_ids.items():
            path: Path_ = (plural, index)
            raw = data[plural][index]
            for key, targets, what in (
                ("related", ids, "entry"),
                ("mentions", ids, "entry"),
                ("source", sections, "section"),
            ):
                values = raw.get(key)
                if not isinstance(values, list):
                    continue
                for item, target in enumerate(values):
                    if not isinstance(target, str):
                        continue
                    if target not in targets:
                        self._dangling((*path, key, item), target, targets, what)
                    elif target == entry_id and key != "source":
                        self._problem((*path, key, item), f"{self._where((*path, key))}lists the entry itself")
            quote = raw.get("quote")
            section = quote.get("section") if isinstance(quote, dict) else None
            if isinstance(section, str) and section not in sections:
                self._dangling((*path, "quote", "section"), section, sections, "section")

    def _dangling(self, path: Path_, target: str, targets: set[str], what: str) -> None:
        close = _closest(target, targets)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        self._problem(path, f'{self._where(path[:-1])}no {what} with id "{target}"{hint}')
