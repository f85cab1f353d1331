"""Find, read and validate a handbook file, reporting every problem as file:line:col.

YAML is composed into nodes by PyYAML (its C parser when available) and converted by hand, so that
no tag can build a Python object, duplicate keys are caught (PyYAML silently keeps the last), aliases
cannot expand without bound, and every value keeps the position it came from.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from coalition_cli.errors import HandbookError, Problem
from coalition_cli.handbook import (
    KINDS,
    LEAD,
    PLURALS,
    TITLE_KEYS,
    Entry,
    Handbook,
    Quote,
    SourceInfo,
    Value,
)

MAX_BYTES = 50 * 1024 * 1024  # documented in the README: larger files are refused unread
MAX_DEPTH = 64  # a handbook nests five levels deep; far deeper is an attack or an accident
ALIAS_ALLOWANCE = 100_000  # nodes that aliases may add beyond the file's own (stops "billion laughs")
MAX_QUOTE_WORDS = 40
ACTOR_TYPES = ("state", "non-state force", "organisation", "grouping")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # written as escapes in quoted YAML
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = _TAG + "seq", _TAG + "map"

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Resolves plain scalars as YAML 1.2 does: `no` and `2020-01-03` stay text, `010` is ten."""

    yaml_implicit_resolvers: dict[Any, Any] = {}


for _tag, _pattern, _first in (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^[-+]?[0-9]+$", "-+0123456789"),
    (_FLOAT, r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


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
    handbook, problems = check_handbook(path or bundled_handbook_path())
    if problems or handbook is None:
        raise HandbookError(problems)
    return handbook


def check_handbook(path: Path) -> tuple[Handbook | None, list[Problem]]:
    """Every problem in a handbook file, in file order, with the handbook when it has none."""
    name = str(path)
    try:
        text = _read_text(path, name)
        root = _compose(text, name)
        walker = _Walker(name)
        data = walker.convert(root)
    except HandbookError as error:
        return None, error.problems
    builder = _Builder(name, root)
    handbook = builder.build(data)
    problems = sorted(walker.problems + builder.problems, key=lambda p: (p.line or 0, p.column or 0))
    return (None if problems else handbook), problems


def _read_text(path: Path, name: str) -> str:
    def fail(message: str, line: int | None = None, column: int | None = None) -> HandbookError:
        return HandbookError([Problem(name, message, line, column)])

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
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        byte = raw[error.start : error.start + 1].hex()
        raise fail(f"is not UTF-8 text (byte 0x{byte})", line, column) from None
    if not text.strip():
        raise fail("is empty")
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


def _compose(text: str, name: str) -> yaml.Node:
    loader = _Loader(text)
    try:
        root: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise HandbookError([Problem(name, f"YAML syntax: {message}", line, column)]) from None
    except yaml.reader.ReaderError as error:
        line, column = _position(text, error.position)
        character = error.character if isinstance(error.character, str) else chr(error.character)
        message = f"YAML cannot hold the character {ord(character):#04x} here"
        raise HandbookError([Problem(name, message, line, column)]) from None
    except yaml.YAMLError as error:
        raise HandbookError([Problem(name, f"YAML: {str(error).splitlines()[0]}")]) from None
    except RecursionError:
        raise HandbookError([Problem(name, "nested too deeply to be a handbook")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise HandbookError([Problem(name, "holds no YAML document, only comments or blank lines")])
    return root


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Walker:
    """Turns composed nodes into plain data, refusing what a handbook never needs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def convert(self, root: yaml.Node) -> Any:
        sizes: dict[int, int] = {}
        expanded = self._expanded_size(root, sizes, set(), 0)
        if expanded > 2 * len(sizes) + ALIAS_ALLOWANCE:
            message = f"aliases expand to {expanded:,} values; refusing (a handbook never needs this)"
            raise HandbookError([Problem(self.name, message, *_mark(root))])
        return self._value(root)

    def _expanded_size(self, node: yaml.Node, sizes: dict[int, int], open_: set[int], depth: int) -> int:
        """Values the document holds once aliases are expanded, counted without expanding them."""
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise HandbookError([Problem(self.name, "an alias refers to a value that contains it", *_mark(node))])
        if depth > MAX_DEPTH:
            raise HandbookError([Problem(self.name, f"nested more than {MAX_DEPTH} levels deep", *_mark(node))])
        open_.add(key)
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._expanded_size(child, sizes, open_, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                size += self._expanded_size(key_node, sizes, open_, depth + 1)
                size += self._expanded_size(value_node, sizes, open_, depth + 1)
        open_.discard(key)
        sizes[key] = size
        return size

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.name, message, *_mark(node)))

    def _value(self, node: yaml.Node) -> Any:
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if tag != _SEQ:
                self._problem(node, f"the YAML tag {_short_tag(tag)} is not allowed in a handbook")
            return [self._value(child) for child in node.value]
        if isinstance(node, yaml.MappingNode):
            if tag != _MAP:
                self._problem(node, f"the YAML tag {_short_tag(tag)} is not allowed in a handbook")
            mapping: dict[str, Any] = {}
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(key_node, "a key must be plain text, not a list or mapping")
                    continue
                key = str(key_node.value)
                if key in mapping:
                    self._problem(key_node, f'duplicate key "{key}" (first at line {first_line[key]})')
                    continue
                first_line[key] = _mark(key_node)[0]
                mapping[key] = self._value(value_node)
            return mapping
        self._problem(node, "unexpected YAML node")  # pragma: no cover - PyYAML has only three kinds
        return None

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        try:
            if tag in (_STR, "!"):
                return text
            if tag == _INT:
                return int(text.replace("_", ""), 10)
            if tag == _FLOAT:
                return float(text)
            if tag == _BOOL and text.lower() in ("true", "false"):
                return text.lower() == "true"
            if tag == _NULL and text in ("", "~", "null", "Null", "NULL"):
                return None
        except ValueError:
            pass
        if tag.startswith(_TAG) and tag[len(_TAG) :] in ("int", "float", "bool", "null"):
            self._problem(node, f'"{text}" is not a valid {tag[len(_TAG) :]}')
        else:
            self._problem(
                node, f"the YAML tag {_short_tag(tag)} is not allowed in a handbook (tags never run code here)"
            )
        return None


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
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


class _Builder:
    """Validates plain data against the handbook format and builds the model, collecting problems."""

    TOP_KEYS = ("format", "title", "source", "variants", *PLURALS.values())
    SOURCE_KEYS = ("title", "lead", "note")
    COMMON = ("id", "aliases", "summary", "related", "source", "quote", "note")
    KIND_FIELDS: dict[str, tuple[str, ...]] = {
        "section": ("key_points", "mentions"),
        "actor": ("type", "member", "role", "contributions", "differences"),
        "figure": ("role",),
        "fact": ("date", "value", "unit", "qualifier"),
        "term": ("stands_for",),
    }

    def __init__(self, name: str, root: yaml.Node) -> None:
        self.name = name
        self.root = root
        self.problems: list[Problem] = []
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

    def _locate(self, path: Path_, *, at_key: bool = False) -> tuple[int, int]:
        """Line and column of the value a path leads to (or of its key), or of its nearest parent."""
        node = self.root
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

    def _problem(self, path: Path_, message: str, *, at_key: bool = False) -> None:
        self.problems.append(Problem(self.name, message, *self._locate(path, at_key=at_key)))

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
        return f"{'.'.join(str(p) for p in path)}: " if path else ""

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
        if not entries and not self.problems:
            self._problem((), f"has no entries: add a list of {', '.join(PLURALS.values())}")
        self._cross_check(data)
        if title is None:
            return None
        return Handbook(title=title, source=source, entries=tuple(entries), path=self.name, format=1, variants=variants)

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
        title_key = TITLE_KEYS[kind]
        allowed = (*self.COMMON, title_key, *self.KIND_FIELDS[kind])
        for key in item:
            if key in ("title", "name") and key != title_key:
                self._problem((*path, key), f'{self._where(path)}{plural} take "{title_key}", not "{key}"', at_key=True)
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
        details = {key: values[key] for key in self.KIND_FIELDS[kind] if values.get(key) is not None}
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
                first_line = self._locate((*first[entry_id], "id"))[0]
                self._problem((plural, index, "id"), f'duplicate id "{entry_id}" (first at line {first_line})')
            else:
                first[entry_id] = (plural, index)
        ids = set(first)
        sections = {entry_id for (plural, _), entry_id in self._entry_ids.items() if plural == "sections"}
        sections.add(LEAD)

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
        close = difflib.get_close_matches(target, sorted(targets), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        self._problem(path, f'{self._where(path[:-1])}no {what} with id "{target}"{hint}')
