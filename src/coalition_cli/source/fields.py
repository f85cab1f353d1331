"""The grammar of a handbook's values: each field's check, and how a problem is reported.

`FieldChecks` is the half of validate.Rules that knows one value at a time: text (settled on one
line, no control or invisible characters), ids, dates, numbers, quotes, types and typed links.
Each check returns the value as the model keeps it, or reports a problem at the value's path (to be
located, with every other, in one pass when the file is read) and returns None.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from functools import lru_cache
from typing import Any

from coalition_cli.model.errors import MAX_PROBLEMS, Problem
from coalition_cli.model.handbook import INVERSES, PLURALS, RELATIONS, TYPES, Quote
from coalition_cli.model.inert import is_safe, unsafe
from coalition_cli.source.yaml_reader import Path, Streamed, locate

MAX_QUOTE_WORDS = 40
MAX_SUGGESTIONS = 100  # "did you mean" for this many problems; beyond, a hint costs more than it helps
MAX_SUGGESTED_LENGTH = 64  # no "did you mean" for a longer name: no id or key is that long
ACTOR_TYPES = TYPES["actor"]
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z, not $: "iran\n" is no id
DATE_PATTERN = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")  # ASCII digits only: they sort
MAX_TEXT = 20_000  # characters in one text field: a paragraph is a few hundred; far more is an accident


def _settled(text: str) -> bool:
    """Text that needs no closer look (most of it): not empty or too long, no line break, tab or
    character that inert.py keeps from a terminal, no doubled space and no space at either end.
    Each test is one scan in C."""
    return (
        0 < len(text) <= MAX_TEXT
        and not text[0].isspace()
        and not text[-1].isspace()
        and "  " not in text
        and ((text.isascii() and text.isprintable()) or is_safe(text, one_line=True))  # most text: ASCII, printable
    )


def _character(char: str) -> str:
    import unicodedata

    kind = "control" if unicodedata.category(char) == "Cc" else "invisible"
    name = unicodedata.name(char, "")
    return f"the {kind} character U+{ord(char):04X}" + (f" ({name})" if name else "")


_ID_LIST = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*\n)*\Z")
KIND_OF_PLURAL = {plural: kind for kind, plural in PLURALS.items()}


MAX_MESSAGE = 1_000  # characters of one problem's message: a 5 MB id is quoted by its start


def shortened(message: str) -> str:
    """A message cut to MAX_MESSAGE characters, its end kept (where it says what to do)."""
    if len(message) <= MAX_MESSAGE:
        return message
    return message[: MAX_MESSAGE - 203] + " [...] " + message[-196:]


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | Streamed):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def clean(text: str) -> str:
    """One line per paragraph, single spaces: stable, reflowable output from any YAML style."""
    if "\n" not in text and "  " not in text and "\t" not in text and text == text.strip():
        return text  # the common case, and worth the shortcut on a large handbook
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


@lru_cache(maxsize=8192)
def _is_date(text: str) -> bool:
    """An ISO 8601 date at year, month or day precision that the calendar has (dates repeat: cached)."""
    match = DATE_PATTERN.match(text)
    if match is None:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def cut_name(text: str, most: int = 80) -> str:
    """A name from the file as a message quotes it: whole, or its start when it is very long."""
    return text if len(text) <= most else text[: most - 3] + "..."


@lru_cache(maxsize=1024)
def _close_key(key: str, allowed: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    return close[0] if close else None


class FieldChecks:
    """Checks values and keeps the problems found, until `located` says where they are."""

    def __init__(self, name: str) -> None:
        self.name = name
        # Problems wait here as (path, message, at the key?, path whose line the message names,
        # only a warning?) until `located` finds them all in one pass.
        self.pending: list[tuple[Path, str, bool, Path | None, bool]] = []
        self.unlisted = [0, 0]  # problems and warnings beyond MAX_PROBLEMS: counted, not kept
        # ((plural, index), id) of the entry being read (or told of), to name it in messages.
        self.current: tuple[tuple[str, int], str] | None = None
        self.suggested = 0

    # -- reporting ---------------------------------------------------------------------------

    def problem(
        self, path: Path, message: str, *, at_key: bool = False, naming: Path | None = None, warning: bool = False
    ) -> None:
        if len(self.pending) >= MAX_PROBLEMS:
            self.unlisted[warning] += 1
            return
        self.pending.append((path, message, at_key, naming, warning))

    def located(self, source: bytes) -> list[Problem]:
        """The pending problems with their lines and columns (one more pass, only if there are any)."""
        if not self.pending:
            return []
        wanted = [(path, at_key) for path, _, at_key, _, _ in self.pending]
        wanted += [(named, False) for _, _, _, named, _ in self.pending if named is not None]
        marks = locate(source, self.name, wanted)
        problems = []
        for path, message, at_key, named, warning in self.pending:
            if named is not None:
                message = message.format(line=marks.get((named, False), ("?",))[0])
            line, column = marks.get((path, at_key), (None, None))
            problems.append(Problem(self.name, shortened(message), line, column, warning=warning))
        return problems

    def _unknown_keys(self, mapping: dict[str, Any], allowed: tuple[str, ...], path: Path, what: str | None) -> None:
        """Report keys the format does not know (`what` prefixes the message; None: the entry's)."""
        for key in mapping:
            if key in allowed:
                continue
            close = None
            if self.suggested < MAX_SUGGESTIONS and len(key) <= MAX_SUGGESTED_LENGTH:
                self.suggested += 1
                close = _close_key(key, allowed)
            hint = f' (did you mean "{close}"?)' if close else f" (known keys: {', '.join(allowed)})"
            prefix = self.where(path) if what is None else what
            self.problem((*path, key), f'{prefix}unknown key "{cut_name(key)}"{hint}', at_key=True)

    def _expect(self, path: Path, expected: str, value: Any) -> None:
        hint = " (put it in quotes)" if isinstance(value, int | float | bool) and expected == "text" else ""
        self.problem(path, f"{self.where(path)}expected {expected}, got {describe(value)}{hint}")

    def where(self, path: Path) -> str:
        """'actor iran: related: ' style prefix naming the entry and field a path points into."""
        if len(path) >= 2 and path[0] in KIND_OF_PLURAL and isinstance(path[1], int):
            at = (str(path[0]), path[1])
            entry_id = self.current[1] if self.current is not None and self.current[0] == at else None
            kind = KIND_OF_PLURAL[str(path[0])]
            head = f"{kind} {entry_id}" if entry_id else f"{path[0]}[{path[1]}]"
            tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")
            return f"{head}: {tail}: " if tail else f"{head}: "
        steps = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        return f"{steps}: " if steps else ""

    # -- values: each check returns the normalised value, or None after reporting -------------

    def _text(self, value: Any, path: Path) -> str | None:
        if type(value) is str and _settled(value):
            return value
        if not isinstance(value, str):
            self._expect(path, "text", value)
            return None
        if not value.strip():
            self.problem(path, f"{self.where(path)}is empty")
            return None
        if len(value) > MAX_TEXT:
            self.problem(path, f"{self.where(path)}is {len(value):,} characters; a text holds at most {MAX_TEXT:,}")
            return None
        found = unsafe(value)
        if found is not None:
            self.problem(
                path,
                f"{self.where(path)}holds {_character(found)} at character {value.index(found) + 1},"
                " which could drive a terminal or hide text",
            )
            return None
        return clean(value)

    def _texts(self, value: Any, path: Path) -> tuple[str, ...] | None:
        if type(value) is list and all(type(v) is str and _settled(v) for v in value):
            return tuple(value)
        if not isinstance(value, list):
            self._expect(path, "a list of text", value)
            return None
        items = [self._text(item, (*path, i)) for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def _id(self, value: Any, path: Path) -> str | None:
        if not isinstance(value, str):
            self._expect(path, "an id", value)
            return None
        if not ID_PATTERN.match(value):
            self.problem(path, f'{self.where(path)}"{value}" is not a valid id (lowercase letters, digits, hyphens)')
            return None
        return value

    def _ids(self, value: Any, path: Path) -> tuple[str, ...] | None:
        joined = "\n".join(value) + "\n" if type(value) is list and all(type(v) is str for v in value) else ""
        if joined and joined.count("\n") == len(value) and _ID_LIST.match(joined):
            return tuple(value)
        if not isinstance(value, list):
            self._expect(path, "a list of ids", value)
            return None
        items = [self._id(item, (*path, i)) for i, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def _relations(self, value: Any, path: Path) -> tuple[tuple[str, str], ...] | None:
        """Typed links: a mapping of relation (handbook.RELATIONS) to the ids it links to."""
        if not isinstance(value, dict):
            self._expect(path, f"a mapping of relations ({', '.join(RELATIONS)}) to lists of ids", value)
            return None
        links: list[tuple[str, str]] = []
        for relation, targets in value.items():
            if relation not in RELATIONS:
                inverse = INVERSES.get(str(relation))
                hint = (
                    f' (write it on the other entry, as "{inverse}")'
                    if inverse
                    else f" (known relations: {', '.join(RELATIONS)})"
                )
                self.problem(
                    (*path, relation),
                    f'{self.where(path)}unknown relation "{cut_name(str(relation))}"{hint}',
                    at_key=True,
                )
                continue
            ids = self._ids(targets, (*path, relation))
            links += [(str(relation), target) for target in ids or ()]
        return tuple(links)

    def _bool(self, value: Any, path: Path) -> bool | None:
        if not isinstance(value, bool):
            self._expect(path, "true or false", value)
            return None
        return value

    def _number(self, value: Any, path: Path) -> int | float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._expect(path, "a number (write 28500, not 28,500)", value)
            return None
        if isinstance(value, float) and not math.isfinite(value):
            # JSON has no such number, and no source gives one: NaN or infinity is a mistake.
            self.problem(path, f"{self.where(path)}must be a finite number, not {value}")
            return None
        return value

    def _type(self, value: Any, path: Path) -> str | None:
        """An actor's or a place's type, from the kind's own list."""
        allowed = TYPES[KIND_OF_PLURAL[str(path[0])]]
        if value not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self.problem(path, f"{self.where(path)}must be one of: {', '.join(allowed)}{hint}")
            return None
        return str(value)

    def _date(self, value: Any, path: Path) -> str | None:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str) and _is_date(text):
            return text
        self.problem(path, f'{self.where(path)}"{value}" is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)')
        return None

    def _quote(self, value: Any, path: Path) -> Quote | None:
        if not isinstance(value, dict):
            self._expect(path, "a mapping with text and section", value)
            return None
        self._unknown_keys(value, ("text", "section"), path, None)
        text = self._text(value.get("text"), (*path, "text")) if "text" in value else None
        section = self._id(value.get("section"), (*path, "section")) if "section" in value else None
        for key in ("text", "section"):
            if key not in value:
                self.problem(path, f'{self.where(path)}missing "{key}"')
        if text is not None and len(text.split()) > MAX_QUOTE_WORDS:
            self.problem(
                (*path, "text"), f"{self.where(path)}is {len(text.split())} words; quotes are at most {MAX_QUOTE_WORDS}"
            )
        if text is None or section is None:
            return None
        return Quote(text=text, section=section)

    # -- one entry ----------------------------------------------------------------------------
