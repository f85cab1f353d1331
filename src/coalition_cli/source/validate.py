"""The handbook format's rules: plain data in, entries and located problems out.

`Rules` checks one file, an entry at a time as the reader hands them over, so a large handbook is
never held whole. Problems wait with the path of the value they concern ("actors", 3, "related", 1)
until the file is read; `located` then finds every line and column in one more pass (yaml_reader).
References may point forward in the file, so those not yet satisfied are checked at the end.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Set
from typing import TYPE_CHECKING, Any

from coalition_cli.model.handbook import (
    KIND_FIELDS,
    KINDS,
    LEAD,
    PLURALS,
    RELATIONS,
    TITLE_KEYS,
    Entry,
    Quote,
    fold,
)
from coalition_cli.model.origins import Extension, SourceInfo
from coalition_cli.source.fields import (
    KIND_OF_PLURAL,
    MAX_SUGGESTED_LENGTH,
    MAX_SUGGESTIONS,
    FieldChecks,
    cut_name,
    describe,
)
from coalition_cli.source.yaml_reader import Path, Streamed
from coalition_cli.store.scratch import ScratchMap, ScratchSet, WaitingReferences, chunks

if TYPE_CHECKING:
    from coalition_cli.source.contested import NamesBeneath

# Bounds on one entry (each text alone is held to fields.MAX_TEXT): a long article's entry is a few
# thousand characters; these are thirty times that, and keep any search that touches it quick.
MAX_ITEMS = 200
MAX_URL = 2_000  # characters of a source's web address; browsers and managers take no longer
MAX_ENTRY_TEXT = 100_000
PLURAL_ORDER = tuple(KIND_OF_PLURAL)  # the entry lists, in an order `Rules.ids` numbers them by
_INDEX = (1 << 40) - 1
_ID_FIELDS = frozenset(("id", "related", "relations", "source", "mentions", "who", "said_by"))
COMMON_KEYS = ("id", "aliases", "index", "summary", "related", "relations", "source", "quote", "note", "outside")
# For each kind and the title key an item uses: the keys it may have, and those it must.
_FIELDS = {
    (kind, title): (*COMMON_KEYS, title, *KIND_FIELDS[kind]) for kind in KINDS for title in ("title", TITLE_KEYS[kind])
}
_REQUIRED = {
    (kind, title): tuple(
        ["id", title, "summary"] + ([] if kind == "section" else ["source"]) + (["type"] if kind == "actor" else [])
    )
    for kind in KINDS
    for title in ("title", TITLE_KEYS[kind])
}
_REQUIRED_SET = {key: frozenset(required) for key, required in _REQUIRED.items()}
# Every key an entry of each kind may have (either title key included), to check a whole item at once.
_ALLOWED = {kind: frozenset((*COMMON_KEYS, "title", TITLE_KEYS[kind], *KIND_FIELDS[kind])) for kind in KINDS}


class Header:
    """What a file says besides its entries."""

    def __init__(
        self,
        title: str | None,
        source: SourceInfo,
        variants: tuple[tuple[str, ...], ...],
        base: str | None,
        extensions: list[Extension],
        thesaurus: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        self.title = title
        self.source = source
        self.variants = variants
        self.thesaurus = thesaurus
        self.base = base
        self.extensions = extensions


class Rules(FieldChecks):
    """Checks one handbook file against the format, on top of the handbooks beneath it."""

    TOP_KEYS = ("format", "title", "source", "base", "variants", "thesaurus", "extend", *PLURALS.values())
    EXTEND_KEYS = ("id", "aliases", "index", "note", "related")
    SOURCE_KEYS = ("title", "author", "date", "publisher", "url", "lead", "note")
    COMMON = COMMON_KEYS

    def __init__(
        self,
        name: str,
        base_ids: set[str] | None = None,
        base_sections: set[str] | None = None,
        beneath: NamesBeneath | None = None,
        every_reference: bool = True,
    ) -> None:
        super().__init__(name)
        self.base_ids = base_ids or set()
        self.base_sections = base_sections or set()
        self.beneath = beneath  # the names of the entries beneath, to warn of names taken over
        # id -> where it was first given in this file, as one number (the list's place in PLURAL_ORDER,
        # then the index). A large file holds a million ids: past a size they move to disk (scratch.py).
        self.ids = ScratchMap()
        self.sections = ScratchSet()
        # References to entries not yet seen: told at the end if still unknown then. Read in parts,
        # any problem means reading again in one process, so one reference to each target will do.
        self.forward = WaitingReferences(every=every_reference)
        self.entries = 0
        # Which ids other processes read (parallel.py), and which are sections: see know().
        self.lookup: Callable[[set[str]], tuple[set[str], set[str]]] | None = None
        self.checks: dict[str, Callable[[Any, Path], Any]] = {
            "id": self._id,
            "aliases": self._texts,
            "index": self._texts,
            "outside": self._text,
            "summary": self._text,
            "related": self._ids,
            "relations": self._relations,
            "who": self._ids,
            "said_by": self._id,
            "source": self._ids,
            "note": self._text,
            "title": self._text,
            "name": self._text,
            "key_points": self._texts,
            "mentions": self._ids,
            "type": self._type,
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

    def entry(self, plural: str, index: int, item: Any) -> Entry | Extension | None:
        """One item of an entry list, checked: an entry, an extension (its id is already in a
        handbook beneath: a collision, told as a warning), or None when it has problems."""
        kind = KIND_OF_PLURAL[plural]
        path: Path = (plural, index)
        self.entries += 1
        if not isinstance(item, dict):
            self._expect(path, f"a mapping (one {kind})", item)
            return None
        given_id = item.get("id")
        duplicate = False
        self.current = ((plural, index), given_id) if isinstance(given_id, str) else None
        if isinstance(given_id, str):
            first = self.ids.get(given_id)
            if first is not None:
                duplicate = True  # told, and never handed on: the first entry of that id stands
                message = f'duplicate id "{cut_name(given_id)}" (first at line {{line}})'
                self.problem((*path, "id"), message, naming=(PLURAL_ORDER[first >> 40], first & _INDEX, "id"))
            else:
                self.ids.add(given_id, PLURAL_ORDER.index(plural) << 40 | index)
                if kind == "section":
                    self.sections.add(given_id)
                self.forward.arrived(given_id, kind == "section")
        # Actors and figures have a `name` in a file written by hand, every kind a `title` in an
        # export; either is read.
        title_key = "title" if "title" in item or TITLE_KEYS[kind] == "title" else TITLE_KEYS[kind]
        allowed = _FIELDS[(kind, title_key)]
        if TITLE_KEYS[kind] == "title" and "name" in item:
            self.problem((*path, "name"), f'{self.where(path)}{plural} take "title", not "name"', at_key=True)
        elif "title" in item and "name" in item:
            self.problem((*path, "name"), f'{self.where(path)}give "title" or "name", not both', at_key=True)
        if not item.keys() <= _ALLOWED[kind]:
            self._unknown_keys({k: v for k, v in item.items() if k not in ("title", "name")}, allowed, path, None)

        required = _REQUIRED[(kind, title_key)]
        if not item.keys() >= _REQUIRED_SET[(kind, title_key)]:
            for key in required:
                if key not in item:
                    self.problem(path, f'{self.where(path)}missing "{key}"')
        values: dict[str, Any] = {}
        checks = self.checks
        for key, value in item.items():
            if key == "quote":
                values[key] = self._quote(value, (*path, key))
            elif key in allowed and value is not None:
                values[key] = checks[key](value, (*path, key))
        if "value" in values and "unit" not in item:
            self.problem(path, f'{self.where(path)}a value needs a "unit"')
        if "unit" in item and "value" not in item:
            self.problem(path, f'{self.where(path)}a unit needs a "value"')
        self._references(path, item, given_id if isinstance(given_id, str) else None)
        if not self._bounded(path, values):
            return None
        if duplicate or any(values.get(key) is None for key in required):
            return None
        details = {key: values[key] for key in KIND_FIELDS[kind] if values.get(key) is not None}
        source = values.get("source") or ((values["id"],) if kind == "section" else ())
        entry = Entry(
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
            index=values.get("index") or (),
            outside=values.get("outside"),
            relations=values.get("relations") or (),
        )
        aliases: list[tuple[str | tuple[str, int], str]] = [(("aliases", i), a) for i, a in enumerate(entry.aliases)]
        if entry.id in self.base_ids:
            if self.beneath is not None:
                self._contest(path, entry.id, aliases)  # only its aliases are added: its name is not
            message = (
                f'{kind} "{entry.id}" is already in a handbook beneath this one: its aliases, note and'
                " related ids are added there and its other fields ignored (to add on purpose, use extend:)"
            )
            self.problem((*path, "id"), message, warning=True)
            return Extension(entry.id, entry.aliases, entry.note, entry.related, self.name)
        if self.beneath is not None:
            terms: list[tuple[str | tuple[str, int], str]] = [(("index", i), t) for i, t in enumerate(entry.index)]
            self._contest(path, entry.id, [("id", entry.id), (title_key, entry.title), *aliases])
            self._contest(path, entry.id, terms, starts=False)
        return entry

    def _bounded(self, path: Path, values: dict[str, Any]) -> bool:
        """Whether an entry is within the bounds that keep work on it bounded: MAX_ITEMS in a list,
        MAX_ENTRY_TEXT characters in all (each text alone is held to MAX_TEXT)."""
        total = 0
        for key, value in values.items():
            if key in _ID_FIELDS:
                continue  # links are not text: a hub may link to thousands (searches read none of them)
            items = value if isinstance(value, tuple) else (value,)
            if isinstance(value, tuple) and len(value) > MAX_ITEMS:
                self.problem(
                    (*path, key),
                    f"{self.where((*path, key))}has {len(value):,} items; a list holds at most {MAX_ITEMS}",
                )
                return False
            total += sum(len(item) for item in items if isinstance(item, str))
            if isinstance(value, Quote):
                total += len(value.text)
        if total > MAX_ENTRY_TEXT:
            message = f"{self.where(path)}holds {total:,} characters of text; an entry holds at most {MAX_ENTRY_TEXT:,}"
            self.problem(path, message)
            return False
        return True

    def _contest(
        self, path: Path, entry_id: str, names: list[tuple[str | tuple[str, int], str]], starts: bool = True
    ) -> None:
        """Warn of each name that takes over, or looks like, a name of another entry beneath, and
        of each that reads as a question (which `ask` would then answer from this entry)."""
        assert self.beneath is not None
        told: set[str] = set()
        for where, name in names:
            folded = fold(name)
            if folded in told:
                continue  # `usa` and `USA` are one name to a reader
            told.add(folded)
            at = (*path, *where) if isinstance(where, tuple) else (*path, where)
            clash = self.beneath.clash(name, entry_id, folded, starts)
            if clash is not None:
                from coalition_cli.source.contested import clash_message  # here: an import statement costs each entry

                self.problem(at, f"{self.where(path)}{clash_message(name, *clash)}", warning=True)
            elif " " in folded:  # a question is several words: a one-word name is asked nothing
                from coalition_cli.model.questions import question_of

                asked = question_of(name)
                if asked is not None:
                    from coalition_cli.source.contested import question_message

                    about = self.beneath.named_in(" ".join(folded.split()[len(asked.split()) :]))
                    self.problem(at, f"{self.where(path)}{question_message(name, asked, about)}", warning=True)

    def _references(self, path: Path, item: dict[str, Any], entry_id: str | None) -> None:
        """Every reference of one item, checked now when its target is known, else at the end."""
        for below, what, values in self._reference_lists(item):
            known, beneath = (self.sections, self.base_sections) if what == "section" else (self.ids, self.base_ids)
            # A loop, not all(...), and the ids in memory asked first: a large handbook runs this a
            # million times.
            in_memory, on_disk = known.memory, known.db is not None
            for target in values:
                if (
                    type(target) is not str
                    or target == entry_id
                    or (target not in in_memory and target not in beneath and (not on_disk or target not in known))
                ):
                    break
            else:
                continue  # the common case: every target already seen
            for position, target in enumerate(values):
                if not isinstance(target, str):
                    continue
                at = (*path, *below) if below[-1] == "said_by" else (*path, *below, position)
                if target == entry_id and below[0] != "source":
                    self.problem(at, f"{self.where((*path, *below))}lists the entry itself")
                else:
                    self._reference(at, target, what)
        quote = item.get("quote")
        section = quote.get("section") if isinstance(quote, dict) else None
        if isinstance(section, str):
            self._reference((*path, "quote", "section"), section, "section")

    @staticmethod
    def _reference_lists(item: dict[str, Any]) -> list[tuple[Path, str, list[Any]]]:
        """The item's lists of references: (the path to the list below the item, what they name, the
        list); `said_by`, a single id, as a list of one."""
        lists: list[tuple[Path, str, list[Any]]] = []
        for key, what in (("related", "entry"), ("mentions", "entry"), ("who", "entry"), ("source", "section")):
            if isinstance(item.get(key), list):
                lists.append(((key,), what, item[key]))
        if isinstance(item.get("said_by"), str):
            lists.append((("said_by",), "entry", [item["said_by"]]))
        relations = item.get("relations")
        if isinstance(relations, dict):
            for relation, targets in relations.items():
                if relation in RELATIONS and isinstance(targets, list):
                    lists.append((("relations", relation), "entry", targets))
        return lists

    def _reference(self, path: Path, target: str, what: str) -> None:
        if not self._known(target, what):  # its entry is named when the reference is told, at the end
            self.forward.wait(path, target, what, self.current[1] if self.current is not None else None)

    # -- the whole file -----------------------------------------------------------------------

    def header(self, data: Any) -> Header | None:
        """The file's top level, checked once its entries have all been seen; also checks the
        references that pointed forward."""
        if not isinstance(data, dict):
            message = f"the top level must be a mapping of format, title, source and entries, not {describe(data)}"
            self.problem((), message)
            return None
        self._unknown_keys(data, self.TOP_KEYS, (), "")
        fmt = data.get("format")
        if fmt != 1:
            message = (
                'missing "format: 1"'
                if fmt is None
                else f"format {fmt!r} is not supported (this program reads format 1)"
            )
            self.problem(("format",) if "format" in data else (), message)
        title = self._text(data["title"], ("title",)) if "title" in data else None
        if "title" not in data:
            self.problem((), 'missing "title"')
        source = self._source(data.get("source"))
        variants = self._groups("variants", data["variants"]) if data.get("variants") is not None else ()
        thesaurus = self._groups("thesaurus", data["thesaurus"]) if data.get("thesaurus") is not None else ()
        base = data.get("base")
        if base is not None and base != "bundled":
            self.problem(("base",), 'base: the only base is "bundled" (the handbook shipped with the program)')
        extensions = list(self._extend(data["extend"])) if data.get("extend") is not None else []
        for kind in KINDS:
            items = data.get(PLURALS[kind])
            if items is not None and not isinstance(items, Streamed | list):
                self._expect((PLURALS[kind],), f"a list of {PLURALS[kind]}", items)
        if not self.entries and not extensions and not self.pending:
            self.problem((), f"has no entries: add a list of {', '.join(PLURALS.values())}")
        self._check_forward()
        return Header(title, source, variants, base if isinstance(base, str) else None, extensions, thesaurus)

    def close(self) -> None:
        """Let go of what the checks remembered on disk (scratch.py)."""
        self.ids.close()
        self.sections.close()
        self.forward.close()

    def know(self, lookup: Callable[[set[str]], tuple[set[str], set[str]]]) -> None:
        """Entries of this file that other processes read: references to them resolve. `lookup`
        tells which of some ids are such entries, and which of those are sections; it is asked at
        the end, for the references still unresolved then (those of `extend:` items included)."""
        self.lookup = lookup

    def _check_forward(self) -> None:
        """Each reference that pointed forward: resolved by the end, or told. A batch at a time, so
        that a large file's hundreds of thousands of them are never all in memory."""
        for batch in chunks(self.forward):
            elsewhere: set[str] = set()  # entries other processes read, among those still unresolved
            elsewhere_sections: set[str] = set()
            if self.lookup is not None:
                unknown = {target for _, target, what, _ in batch if not self._known(target, what)}
                if unknown:
                    elsewhere, elsewhere_sections = self.lookup(unknown)
            for path, target, what, entry_id in batch:
                if not self._known(target, what, elsewhere, elsewhere_sections):
                    at = (str(path[0]), int(path[1])) if len(path) >= 2 else None
                    self.current = (at, entry_id) if at is not None and entry_id is not None else None
                    self._dangling(path, target, what, elsewhere_sections if what == "section" else elsewhere)
        self.current = None
        self.forward.close()

    def _known(
        self, target: str, what: str, elsewhere: Set[str] = frozenset(), sections: Set[str] = frozenset()
    ) -> bool:
        """Whether a reference's target is an entry (a section, where one is wanted) of this file,
        of those beneath, or (`elsewhere`, `sections`) of the other processes reading this file."""
        here, beneath, others = (
            (self.sections, self.base_sections, sections) if what == "section" else (self.ids, self.base_ids, elsewhere)
        )
        return (
            target in here.memory  # asked first: this runs for most references of a large file
            or target in beneath
            or (what == "section" and target == LEAD)
            or target in others
            or (here.db is not None and target in here)
        )

    def _dangling(self, path: Path, target: str, what: str, elsewhere: set[str]) -> None:
        hint = ""
        if self.suggested < MAX_SUGGESTIONS and len(target) <= MAX_SUGGESTED_LENGTH:
            self.suggested += 1
            first = target[:1]

            def near(known: str) -> bool:
                return abs(len(known) - len(target)) <= 3

            here, beneath = (
                (self.sections, self.base_sections | {LEAD}) if what == "section" else (self.ids, self.base_ids)
            )
            others = [c for c in (*beneath, *elsewhere) if c.startswith(first) and near(c)]
            candidates = sorted({*here.first_keys(first, near, 5000), *others})[:5000]
            close = difflib.get_close_matches(target, candidates, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
        self.problem(path, f'{self.where(path[:-1])}no {what} with id "{target}"{hint}')

    def _extend(self, value: Any) -> Iterable[Extension]:
        """`extend:` items: aliases, a note and related ids for entries of the handbooks beneath."""
        if not isinstance(value, list):
            self._expect(("extend",), "a list of entries to extend", value)
            return
        for index, item in enumerate(value):
            path: Path = ("extend", index)
            if not isinstance(item, dict):
                self._expect(path, "a mapping with an id", item)
                continue
            self._unknown_keys(item, self.EXTEND_KEYS, path, f"extend[{index}]: ")
            entry_id = self._id(item["id"], (*path, "id")) if "id" in item else None
            if "id" not in item:
                self.problem(path, f'extend[{index}]: missing "id"')
            elif entry_id is not None and entry_id not in self.base_ids:
                where = (
                    "in the handbooks beneath this one"
                    if self.base_ids
                    else "beneath it: nothing is read before this file (list the handbook it extends first,"
                    " or say base: bundled if that is the shipped one)"
                )
                self.problem((*path, "id"), f'extend[{index}]: no entry "{entry_id}" {where}')
                entry_id = None
            aliases = self._texts(item["aliases"], (*path, "aliases")) if item.get("aliases") is not None else ()
            note = self._text(item["note"], (*path, "note")) if item.get("note") is not None else None
            related = self._ids(item["related"], (*path, "related")) if item.get("related") is not None else ()
            index_terms = self._texts(item["index"], (*path, "index")) if item.get("index") is not None else ()
            given = item.get("related")
            for position, target in enumerate(given if isinstance(given, list) else []):
                if isinstance(target, str):
                    self._reference((*path, "related", position), target, "entry")
            if entry_id is not None:
                if self.beneath is not None:
                    self._contest(path, entry_id, [(("aliases", i), alias) for i, alias in enumerate(aliases or ())])
                yield Extension(entry_id, aliases or (), note, related or (), self.name, index_terms or ())

    def _groups(self, key: str, value: Any) -> tuple[tuple[str, ...], ...]:
        """Groups of words search treats as one: spellings of a word (`variants`: [adviser,
        advisor]) or words readers use interchangeably (`thesaurus`: [deal, pact, accord])."""
        path: Path = (key,)
        if not isinstance(value, list):
            self._expect(path, "a list of lists of words", value)
            return ()
        groups = []
        for index, group in enumerate(value):
            words = self._texts(group, (*path, index))
            if words is None:
                continue
            if len(words) < 2:
                self.problem((*path, index), f"{key}[{index}]: a group needs at least two words")
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
            self.problem(("source",), 'source: missing "title"')
        checks = {"date": self._date, "url": self._url}
        found = {
            key: checks.get(key, self._text)(value[key], ("source", key))
            for key in self.SOURCE_KEYS
            if value.get(key) is not None
        }
        return SourceInfo(title=found.pop("title", None) or "", **found)

    def _url(self, value: Any, path: Path) -> str | None:
        """A web address to cite: http or https, written whole, with no spaces (a reference
        manager would cut it there, and a terminal could be made to open something else)."""
        text = self._text(value, path)
        if text is None:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", text) or len(text) > MAX_URL:
            self.problem(path, f'{self.where(path)}"{cut_name(text)}" is not a web address (https://...)')
            return None
        return text
