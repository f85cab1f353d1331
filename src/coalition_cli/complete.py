"""Candidates for shell completion: kinds, and the ids and names of entries of a kind.

Completion runs on every TAB, so it reads the cached store and nothing else, and it never fails
out loud: any problem (a broken handbook, a missing cache folder) gives no candidates, because
whatever is printed lands in the reader's prompt.
"""

from __future__ import annotations

from coalition_cli.commands import Session
from coalition_cli.handbook import KIND_WORDS, KINDS, PLURALS, unaccent

Candidate = tuple[str, str]  # (value, help shown by shells that show it)


def kind_candidates(incomplete: str, *, plural: bool = False) -> list[Candidate]:
    words = [PLURALS[kind] if plural else kind for kind in KINDS]
    return [(word, f"{PLURALS[KIND_WORDS[word]]}") for word in words if word.startswith(incomplete.lower())]


def entry_candidates(before: list[str], incomplete: str, session: Session | None = None) -> list[Candidate]:
    """After `show` (or cite, related): kinds and ids first; after a kind, that kind's ids and
    one-word names. Never raises."""
    try:
        return _entry_candidates(before, incomplete, session or Session(pager=False, quiet=True))
    except Exception:  # noqa: BLE001 - nothing may reach the prompt
        return []


def _entry_candidates(before: list[str], incomplete: str, session: Session) -> list[Candidate]:
    kind = KIND_WORDS.get(before[0].lower()) if len(before) == 1 else None
    if len(before) > (1 if kind else 0):
        return []  # a name is already there: multi-word names are typed, not completed
    typed = unaccent(incomplete)
    store = session.store()
    query = "SELECT entry.id, entry.title, entry.kind, name.folded FROM name JOIN entry ON entry.rowid = name.entry"
    rows = store.db.execute(
        query
        + " WHERE name.folded >= ? AND name.folded < ?"
        + (" AND entry.kind = ?" if kind else "")
        + " ORDER BY entry.rowid",
        (typed, typed + "\U0010ffff", *([kind] if kind else [])),
    ).fetchall()
    found: dict[str, Candidate] = {}
    for entry_id, title, entry_kind, folded in rows:
        value = entry_id if entry_id.startswith(typed) else folded
        if " " not in value:
            found.setdefault(value, (value, f"{entry_kind}: {title}"))
    candidates = [] if kind else kind_candidates(incomplete)
    return candidates + list(found.values())
