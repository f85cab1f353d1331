"""Rank a handbook's entries against a free-text query, with a highlighted snippet for each.

SQLite's FTS5, from Python's own sqlite3, does the work: bm25 ranking with titles and aliases
weighted above body text, the porter stemmer, accent folding, and snippets. Queries are reduced to
quoted words before they reach FTS5, so no input is ever a query-syntax error.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from coalition_cli.errors import NotFound
from coalition_cli.handbook import Entry, Handbook

# Snippets mark matched words with these control characters; renderers turn them into bold,
# **markdown**, or nothing. They cannot occur in handbook text (YAML refuses control characters).
MARK_START = "\x02"
MARK_END = "\x03"
NAME_WEIGHT = 4.0
BODY_WEIGHT = 1.0
SNIPPET_TOKENS = 24
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    """One search result: the entry, its relevance (higher is better) and a marked snippet."""

    entry: Entry
    score: float
    snippet: str


def entry_names(entry: Entry) -> str:
    """The names column: title, aliases and the id's words."""
    return "\n".join([entry.title, *entry.aliases, entry.id.replace("-", " ")])


def entry_text(entry: Entry) -> str:
    """Everything searchable in an entry besides its names, one paragraph per field."""
    parts = [entry.summary]
    for key, value in entry.details.items():
        if key == "mentions":
            continue
        if isinstance(value, tuple):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(f"{value} {value:,}")
    if entry.quote is not None:
        parts.append(entry.quote.text)
    if entry.note:
        parts.append(entry.note)
    return "\n".join(parts)


def strip_marks(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


class SearchIndex:
    """An in-memory FTS5 index of one handbook."""

    def __init__(self, handbook: Handbook) -> None:
        self.handbook = handbook
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE entries USING fts5("
            "kind UNINDEXED, entry_id UNINDEXED, names, body,"
            " tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.db.executemany(
            "INSERT INTO entries (kind, entry_id, names, body) VALUES (?, ?, ?, ?)",
            ((e.kind, e.id, entry_names(e), entry_text(e)) for e in handbook.entries),
        )

    def search(self, query: str, kinds: Iterable[str] = (), limit: int = 10) -> list[Hit]:
        """The best entries for the query, best first; raise NotFound with nearby words if none."""
        words = _WORD.findall(query)
        if not words:
            raise NotFound(f'nothing to search for in "{query}"')
        match = " OR ".join('"' + word + '"' for word in words)
        kinds = list(kinds)
        kind_filter = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self.db.execute(
            "SELECT entry_id, -bm25(entries, 0, 0, ?, ?),"
            " snippet(entries, -1, ?, ?, '...', ?)"
            f" FROM entries WHERE entries MATCH ?{kind_filter}"
            " ORDER BY bm25(entries, 0, 0, ?, ?) LIMIT ?",
            (
                NAME_WEIGHT,
                BODY_WEIGHT,
                MARK_START,
                MARK_END,
                SNIPPET_TOKENS,
                match,
                *kinds,
                NAME_WEIGHT,
                BODY_WEIGHT,
                limit,
            ),
        ).fetchall()
        hits = []
        for entry_id, score, snippet in rows:
            entry = self.handbook.get(entry_id)
            if entry is not None:
                hits.append(Hit(entry=entry, score=round(score, 4), snippet=" ".join(snippet.split())))
        if not hits:
            raise NotFound(f'no entry matches "{query}"', self.nearest_words(words))
        return hits

    def nearest_words(self, words: list[str]) -> list[str]:
        """Words the handbook does contain that are spelled like the query's."""
        vocabulary = {w.casefold() for e in self.handbook.entries for w in _WORD.findall(f"{e.title} {entry_text(e)}")}
        nearest: list[str] = []
        for word in words:
            for close in difflib.get_close_matches(word.casefold(), sorted(vocabulary), n=3, cutoff=0.7):
                if close not in nearest:
                    nearest.append(close)
        return nearest[:5]


def search_entries(handbook: Handbook, query: str, kinds: Iterable[str] = (), limit: int = 10) -> list[Hit]:
    """Search a handbook once (builds its index)."""
    return SearchIndex(handbook).search(query, kinds, limit)
