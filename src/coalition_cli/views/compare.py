"""`compare`: two or more entries side by side, field by field, with the links they share and the
links only one of them has.

Every value is the handbook's own (the article's comparison of Russia and Iran is the actors'
`differences` field); nothing is computed that the entries do not say. terminal.py draws the view
as a table.
"""

from __future__ import annotations

from coalition_cli.lookup.relations import MAX_LINKS, TYPED, link_type, wording
from coalition_cli.model.handbook import FIELD_LABELS, KIND_FIELDS, Entry
from coalition_cli.model.inert import md
from coalition_cli.views.render import View, brief_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from coalition_cli.store.tables import Store

MAX_COMPARED = 6  # entries side by side: more would not fit beside each other on a screen
Value = str | tuple[str, ...] | None


class Field:
    """One compared field: its label and each entry's value (None where an entry has none)."""

    def __init__(self, key: str, label: str, values: dict[str, Value]) -> None:
        self.key = key
        self.label = label
        self.values = values


class Comparison:
    """The entries, the fields any of them has, and their neighbours: shared by all, or one's own."""

    def __init__(self, entries: list[Entry], fields: list[Field], shared: list[Entry], own: dict[str, list[Entry]]):
        self.entries = entries
        self.fields = fields
        self.shared = shared
        self.own = own


def _shown(value: object) -> Value:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return tuple(str(item) for item in value) or None
    return str(value) if value not in (None, "") else None


def compare(store: Store, entries: list[Entry]) -> Comparison:
    """Each field of the entries' kinds, their typed links and dated facts, and their neighbours."""
    neighbours: dict[str, dict[str, list[str]]] = {}  # entry: neighbour: link types
    for entry in entries:
        found: dict[str, list[str]] = {}
        for source, target, relation in store.links(entry.id, MAX_LINKS):
            outward = source == entry.id
            link = link_type(relation, outward)
            other = target if outward else source
            if link is not None and other != entry.id:
                found.setdefault(other, []).append(link)
        neighbours[entry.id] = found
    known = store.by_ids({other for found in neighbours.values() for other in found})

    kinds: dict[str, Value] = {e.id: e.kind for e in entries}
    fields = [Field("kind", "Kind", kinds)] if len(set(kinds.values())) > 1 else []
    keys = [key for e in entries for key in KIND_FIELDS[e.kind] if key not in ("value", "unit", "qualifier")]
    for key in dict.fromkeys(keys):
        values = {e.id: _shown(e.details.get(key)) for e in entries}
        if key in ("who", "said_by", "mentions"):
            values = {i: _titles(v, known, store) for i, v in values.items()}
        fields.append(Field(key, FIELD_LABELS.get(key, key), values))
    if any(e.quantity for e in entries):
        fields.append(Field("figure", "Figure", {e.id: e.quantity for e in entries}))

    typed: dict[str, Value] = {}
    sections: dict[str, Value] = {}
    for e in entries:
        grouped: dict[str, list[str]] = {}
        for other, links in neighbours[e.id].items():
            for link in links:
                if link in TYPED and other in known:
                    grouped.setdefault(link, []).append(known[other].title)
        typed[e.id] = tuple(f"{wording(link)}: {', '.join(titles)}" for link, titles in grouped.items()) or None
        named = [known[o].title for o, links in neighbours[e.id].items() if "mentioned-in" in links and o in known]
        sections[e.id] = tuple(named) or None
    fields.append(Field("links", "Typed links", typed))
    dated: dict[str, Value] = {
        e.id: tuple(
            f"{known[other].date}  {known[other].title}"
            for other in sorted(neighbours[e.id], key=lambda o: (known[o].date or "") if o in known else "")
            if other in known and known[other].date
        )
        or None
        for e in entries
    }
    fields.append(Field("dated", "Dated facts", dated))
    fields.append(Field("mentioned_in", "Sections naming it", sections))
    fields = [field for field in fields if any(value is not None for value in field.values.values())]

    compared = {e.id for e in entries}
    counts: dict[str, int] = {}  # entries (not sections: their own field says which name them)
    for found in neighbours.values():
        for other in found:
            if other in known and known[other].kind != "section":
                counts[other] = counts.get(other, 0) + 1
    shared = [known[o] for o, n in counts.items() if n == len(entries) and o in known and o not in compared]
    own = {e.id: [known[o] for o in neighbours[e.id] if counts.get(o) == 1 and o not in compared] for e in entries}
    return Comparison(entries, fields, shared, own)


def _titles(value: Value, known: dict[str, Entry], store: Store) -> Value:
    """Ids as the titles of their entries."""
    if value is None:
        return None
    ids = value if isinstance(value, tuple) else (value,)
    missing = [i for i in ids if i not in known]
    found = {**known, **store.by_ids(missing)} if missing else known
    return ", ".join(found[i].title if i in found else i for i in ids)


def names(entries: list[Entry]) -> str:
    return ", ".join(f"{e.title} ({e.id})" for e in entries) or "none"


class CompareView(View):
    """Entries side by side: `compare`."""

    def __init__(self, comparison: Comparison) -> None:
        self.comparison = comparison

    def plain(self) -> str:
        """Aligned blocks: each field's label, then one line per entry (more for lists)."""
        c = self.comparison
        width = max(len(e.title) for e in c.entries)
        lines = [" \u00b7 ".join(f"{e.title} ({e.kind}: {e.id})" for e in c.entries), ""]
        for field in c.fields:
            lines.append(field.label)
            for entry in c.entries:
                lines += _block(entry.title, width, field.values[entry.id])
        if c.shared:
            lines += [shared_label(c.entries), f"  {names(c.shared)}"]
        for entry in c.entries:
            lines += [f"Links only {entry.title} has", f"  {names(c.own[entry.id])}"]
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        c = self.comparison
        lines = ["| | " + " | ".join(f"**{md(e.title)}**" for e in c.entries) + " |"]
        lines.append("|---" * (len(c.entries) + 1) + "|")
        for field in c.fields:
            cells = [_cell(field.values[e.id]) for e in c.entries]
            lines.append(f"| {md(field.label)} | " + " | ".join(cells) + " |")
        lines.append("")
        if c.shared:
            lines += [f"**{shared_label(c.entries)}:** {md(names(c.shared))}", ""]
        lines += [f"**Links only {md(e.title)} has:** {md(names(c.own[e.id]))}\n" for e in c.entries]
        return "\n".join(lines) + "\n"

    def data(self) -> Any:
        c = self.comparison
        return {
            "entries": [brief_json(e) for e in c.entries],
            "fields": [
                {"field": f.key, "label": f.label, "values": {i: _json(v) for i, v in f.values.items()}}
                for f in c.fields
            ],
            "shared": [brief_json(e) for e in c.shared],
            "only": {e.id: [brief_json(o) for o in c.own[e.id]] for e in c.entries},
        }


def shared_label(entries: list[Entry]) -> str:
    return "Links both have" if len(entries) == 2 else "Links all have"


def _block(name: str, width: int, value: Value) -> list[str]:
    items = value if isinstance(value, tuple) else ("\u2014" if value is None else value,)
    return [f"  {name if i == 0 else '':<{width}}  {item}" for i, item in enumerate(items)]


def _cell(value: Value) -> str:
    if value is None:
        return "\u2014"
    return md(" ".join(value) if isinstance(value, tuple) else value)  # list items are sentences


def _json(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value
