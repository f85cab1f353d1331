"""Answer readers' questions: rank entries against a free-text query, with a highlighted snippet each.

Why SQLite FTS5 (from Python's own sqlite3) rather than a hand-written index: it gives bm25
ranking with per-column weights (names count more than body text), the porter stemmer, accent
folding, phrase queries and snippets, in C, with no dependency; and the same tables can live in a
file, so a large handbook's index can be kept between runs.

What FTS5 does not do, this module adds around it:
- Queries are parsed here, never handed to FTS5 as syntax: words and "quoted phrases" are passed
  as quoted strings, so no input is a syntax error.
- Common words ("who", "the", "how many") are dropped, so they neither help nor hurt.
- Spelling variants come from the handbook (`variants:`) and are matched by porter stem, which
  FTS5 itself computes for us through a scratch table.
- A word that matches nothing is corrected to the nearest word the handbook has (edit distance).
- Numbers and dates match however written: 28,500 and 28500; 2020-01-03, January 3, 2020 and
  3 January 2020.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coalition_cli.errors import NotFound
from coalition_cli.handbook import FIELD_LABELS, Entry, unaccent
from coalition_cli.inert import MARK_END, MARK_START

if TYPE_CHECKING:
    from coalition_cli.store import Store

# bm25 weights for the columns (kind, entry_id, names, body, extra): names are title, aliases and id.
WEIGHTS = (0.0, 0.0, 4.0, 1.0, 1.0)
SNIPPET_TOKENS = 24
RERANKED = 50  # bm25's best this many are re-scored by how much of the query they cover
COVERAGE_BASE = 0.5  # score = bm25 * (0.5 + coverage): an entry matching all the query counts 3x one matching none
NAMING_BOOST = 2.0  # an entry named by the query (its title or alias) counts up to three times
CORRECTED_WEIGHT = 0.5  # a corrected word is a guess: it counts half towards coverage
MIN_CORRECTED = 5  # shorter words have too many near neighbours to correct safely ("won" -> "own")
TOKENIZER = "porter unicode61 remove_diacritics 2"

STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being but by can could did do does
    done during for from get got had happen happened happens has have he her him his how i if in into
    is it its many me much my of on or our really she should so some such tell than that the their
    them then there these they this those to too was we were what when where which who whom whose
    why will with would you your""".split()
)
MONTHS = ("January February March April May June July August September October November December").split()

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b", re.IGNORECASE)
_PHRASE = re.compile(r'"([^"]*)"')
_COMPOUND = re.compile(r"\w+(?:[^\w\s\"]\w+)*")
_WORD = re.compile(r"\w+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")  # a number written with thousands separators
_DIGIT_COMMA = re.compile(r"\d,\d")


@dataclass(frozen=True)
class Hit:
    """One search result: the entry, its relevance (higher is better), a marked snippet, and which
    of the query's words it matched, with the share of the query's weight they carry (0 to 1)."""

    entry: Entry
    score: float
    snippet: str
    matched: tuple[str, ...] = ()
    coverage: float = 1.0


@dataclass(frozen=True)
class SearchResult:
    """The hits, and what was done to the query: words corrected, and words that matched nothing."""

    hits: list[Hit]
    corrections: dict[str, str] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()


@dataclass
class _Term:
    """One thing the query asks for: a word (with its variants) or a phrase."""

    text: str
    alternatives: tuple[str, ...]
    required: bool = False
    docs: frozenset[int] = frozenset()
    named: frozenset[int] = frozenset()  # entries whose names (title, aliases, id) hold the term

    def expression(self) -> str:
        return " OR ".join('"' + alt.replace('"', '""') + '"' for alt in self.alternatives)


def quoted(text: str) -> str:
    """A reader's query inside a message: in double quotes, or single ones if it holds double."""
    text = " ".join(text.split())
    return f"'{text}'" if '"' in text else f'"{text}"'


_UNSEARCHED = frozenset(("mentions", "member", "value", "unit", "qualifier"))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?\"'" else text + "."


def entry_names(entry: Entry) -> str:
    """The names column: title, then the words of aliases and id that the title lacks.

    Each word once: aliases repeat words ("Soleimani", "Qasem Soleimani"...), and counting every
    repetition would make an entry with many aliases outrank the entry a query is really about.
    """
    seen = set(_WORD.findall(unaccent(entry.title)))
    extra = []
    for word in _WORD.findall(" ".join((*entry.aliases, entry.id.replace("-", " ")))):
        folded = unaccent(word)
        if folded not in seen:
            seen.add(folded)
            extra.append(word)
    return " ".join([entry.title, *extra])


def entry_text(entry: Entry) -> str:
    """The body column: everything a reader may search for besides the names, as labelled sentences.

    Labels are searchable too, so "what did russia contribute" finds Russia's contributions.
    """
    parts = [_sentence(entry.summary)]
    for key, value in entry.details.items():
        if key in _UNSEARCHED:
            continue
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, tuple):
            parts.append(f"{label}: " + " ".join(_sentence(item) for item in value))
        elif isinstance(value, str):
            parts.append(_sentence(f"{label}: {value}"))
    quantity = entry.quantity
    if quantity:
        parts.append(f"Figure: {quantity}.")
    if entry.quote is not None:
        parts.append(f'Quote: "{entry.quote.text}"')
    if entry.note:
        parts.append(_sentence(f"Note: {entry.note}"))
    return " ".join(parts)


def entry_extra(entry: Entry, body: str) -> str:
    """The hidden column: other spellings of the entry's numbers and dates, so they match as typed."""
    extra = [_THOUSANDS.sub("", number) for number in _GROUPED.findall(body)] if _DIGIT_COMMA.search(body) else []
    value = entry.details.get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        extra.append(str(value))
    date = entry.date
    if date and len(date) >= 7:
        month = MONTHS[int(date[5:7]) - 1]
        extra.append(f"{month} {date[:4]}")
        if len(date) == 10:
            day = str(int(date[8:10]))
            extra.append(f"{day} {month} {date[:4]} {month} {day} {date[:4]}")
    return " ".join(extra)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts one), or limit+1 if above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_typos(word: str) -> int:
    return 1 if len(word) <= 6 else 2


def create_search_tables(db: sqlite3.Connection, part: str = "") -> None:
    """The FTS5 tables for a store: `entries` for ranking (rowids match the store's), `words`
    (unstemmed) for spelling correction and suggestions. A large handbook is indexed in parts, one
    per process that read it, each with its own pair of tables (suffix `part`)."""
    db.executescript(
        f"""
        CREATE VIRTUAL TABLE entries{part} USING fts5(
            kind UNINDEXED, entry_id UNINDEXED, names, body, extra, tokenize = '{TOKENIZER}');
        CREATE VIRTUAL TABLE words{part} USING fts5(
            text, tokenize = 'unicode61 remove_diacritics 2', content = '', detail = none, columnsize = 0);
        """
    )


def create_vocabulary_table(db: sqlite3.Connection, part: str = "") -> None:
    db.execute(f"CREATE VIRTUAL TABLE words_vocab{part} USING fts5vocab(words{part}, 'row')")


SHADOW_TABLES = {"entries": ("data", "idx", "content", "docsize", "config"), "words": ("data", "idx", "config")}


def _columns(entry: Entry) -> tuple[str, str, str]:
    body = entry_text(entry)
    return entry_names(entry), body, entry_extra(entry, body)


def index_entries(db: sqlite3.Connection, numbered: Iterable[tuple[int, Entry]]) -> None:
    """Add entries (with their store rowids) to the search tables."""
    rows = [(rowid, entry.kind, entry.id, *_columns(entry)) for rowid, entry in numbered]
    db.executemany("INSERT INTO entries (rowid, kind, entry_id, names, body, extra) VALUES (?,?,?,?,?,?)", rows)
    db.executemany("INSERT INTO words (rowid, text) VALUES (?, ?)", ((r[0], " ".join(r[3:])) for r in rows))


def unindex_entry(db: sqlite3.Connection, rowid: int, entry: Entry, part: str = "") -> None:
    """Take an entry out of the search tables (the contentless `words` needs the text it was given)."""
    db.execute(f"DELETE FROM entries{part} WHERE rowid = ?", (rowid,))
    text = " ".join(_columns(entry))
    db.execute(f"INSERT INTO words{part} (words{part}, rowid, text) VALUES ('delete', ?, ?)", (rowid, text))


def reindex_entry(db: sqlite3.Connection, rowid: int, old: Entry, new: Entry, part: str = "") -> None:
    """Replace an entry's rows in the search tables of the part that holds it."""
    unindex_entry(db, rowid, old, part)
    names, body, extra = _columns(new)
    db.execute(
        f"INSERT INTO entries{part} (rowid, kind, entry_id, names, body, extra) VALUES (?,?,?,?,?,?)",
        (rowid, new.kind, new.id, names, body, extra),
    )
    db.execute(f"INSERT INTO words{part} (rowid, text) VALUES (?, ?)", (rowid, " ".join((names, body, extra))))


def stems(db: sqlite3.Connection, texts: Sequence[str]) -> list[str]:
    """The porter stems FTS5 gives each text (words joined by spaces), computed by FTS5 itself."""
    db.executescript(
        f"""
        CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5(text, tokenize = '{TOKENIZER}');
        CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer_vocab USING fts5vocab(temp, stemmer, 'instance');
        DELETE FROM temp.stemmer;
        """
    )
    db.executemany("INSERT INTO temp.stemmer (rowid, text) VALUES (?, ?)", enumerate(texts))
    found: list[list[str]] = [[] for _ in texts]
    for doc, term in db.execute("SELECT doc, term FROM temp.stemmer_vocab ORDER BY doc, offset"):
        found[doc].append(term)
    return [" ".join(words) for words in found]


def variant_map(db: sqlite3.Connection, groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each spelling's stem, mapped to its group of spellings: how search finds variants."""
    spellings = [(tuple(group), word) for group in groups for word in group]
    found = stems(db, [word for _, word in spellings])
    return {stem: group for (group, _), stem in zip(spellings, found, strict=True) if stem}


class SearchIndex:
    """Search over a store's FTS5 tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.parts = store.search_parts  # "" and, for a handbook indexed in parts, "_1", "_2"...
        self.entry_count = store.count()
        self._variants = store.variant_map
        self._vocabulary: list[tuple[str, int]] | None = None

    # -- words ---------------------------------------------------------------------------------

    def vocabulary(self) -> list[tuple[str, int]]:
        """Every word the handbook holds (folded, unstemmed) with the number of entries holding it."""
        if self._vocabulary is None:
            counts: dict[str, int] = {}
            for part in self.parts:
                for term, docs in self.db.execute(f"SELECT term, doc FROM words_vocab{part}"):
                    counts[term] = counts.get(term, 0) + docs
            # Numbers are never "corrected", and common words make poor suggestions.
            self._vocabulary = [(t, d) for t, d in counts.items() if t.isalpha() and len(t) > 2 and t not in STOPWORDS]
        return self._vocabulary

    def correct(self, word: str) -> str | None:
        """The handbook's word nearest a misspelling, preferring common words among equally near."""
        limit = _allowed_typos(word)
        best: tuple[int, int, str] | None = None
        for term, docs in self.vocabulary():
            distance = edit_distance(word, term, limit)
            if distance <= limit and (best is None or (distance, -docs, term) < best):
                best = (distance, -docs, term)
        return best[2] if best else None

    def nearest_words(self, words: Iterable[str]) -> list[str]:
        """Words the handbook has that are spelled like the given ones, for "did you mean"."""
        nearest: list[str] = []
        for word in words:
            limit = _allowed_typos(word) + 1
            scored = sorted((edit_distance(word, term, limit), -docs, term) for term, docs in self.vocabulary())
            nearest += [term for distance, _, term in scored[:3] if distance <= limit and term not in nearest]
        return nearest[:5]

    # -- queries -------------------------------------------------------------------------------

    def _docs(self, term: _Term, columns: str = "names body extra") -> frozenset[int]:
        found: set[int] = set()
        for part in self.parts:
            rows = self.db.execute(
                f"SELECT rowid FROM entries{part} WHERE entries{part} MATCH ?",
                (f"{{{columns}}}: ({term.expression()})",),
            )
            found.update(rowid for (rowid,) in rows)
        return frozenset(found)

    def _word_term(self, word: str, stem: str) -> _Term:
        return _Term(text=word, alternatives=self._variants.get(stem, (word,)))

    def parse(self, query: str) -> tuple[list[_Term], dict[str, str], list[str]]:
        """Terms for a query, the corrections made, and the words that matched nothing."""
        text = _POSSESSIVE.sub("", _THOUSANDS.sub("", query))
        terms: list[_Term] = []
        for phrase in _PHRASE.findall(text):
            words = _WORD.findall(unaccent(phrase))
            if words:
                terms.append(_Term(text=" ".join(words), alternatives=(" ".join(words),), required=True))
        loose = _PHRASE.sub(" ", text)
        compounds = [unaccent(c) for c in _COMPOUND.findall(loose)]
        words = [w for c in compounds for w in _WORD.findall(c)]
        content = {w for w in words if w not in STOPWORDS} or set(words)

        singles: list[str] = []
        for compound in compounds:
            parts = _WORD.findall(compound)
            if len(parts) > 1:
                phrase = _Term(text=compound, alternatives=(" ".join(parts),))
                phrase.docs = self._docs(phrase)
                if phrase.docs:
                    terms.append(phrase)
                    continue
            singles += [part for part in parts if part in content and part not in singles]

        for term in terms:
            term.docs = term.docs or self._docs(term)
        corrections: dict[str, str] = {}
        unmatched: list[str] = []
        for word, stem in zip(singles, stems(self.db, singles), strict=True):
            term = self._word_term(word, stem)
            term.docs = self._docs(term)
            if not term.docs and word.isalpha() and len(word) >= MIN_CORRECTED:
                fixed = self.correct(word)
                if fixed is not None:
                    term = self._word_term(fixed, stems(self.db, [fixed])[0])
                    term.docs = self._docs(term)
                    corrections[word] = fixed
            if term.docs:
                terms.append(term)
            else:
                unmatched.append(word)
        return terms, corrections, unmatched

    def _idf(self, term: _Term) -> float:
        return math.log(1 + self.entry_count / (1 + len(term.docs)))

    def search(self, query: str, kinds: Iterable[str] = (), limit: int = 10) -> SearchResult:
        """The best entries for the query, best first; raise NotFound with nearby words if none."""
        terms, corrections, unmatched = self.parse(query)
        if not terms or any(t.required and not t.docs for t in terms):
            missing = [t.text for t in terms if t.required and not t.docs] or unmatched
            if not missing and not _WORD.search(query):
                raise NotFound(f"nothing to search for in {quoted(query)}")
            raise NotFound(f"no entry matches {quoted(query)}", self.nearest_words(unmatched))

        required = [f"({t.expression()})" for t in terms if t.required]
        anything = "(" + " OR ".join(f"({t.expression()})" for t in terms) + ")"
        match = " AND ".join([*required, anything])
        kinds = list(kinds)
        kind_filter = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        marks = (MARK_START, MARK_END, "...", SNIPPET_TOKENS)
        for term in terms:
            term.named = self._docs(term, "names")
        rows = []
        for part in self.parts:
            table = f"entries{part}"
            rows += self.db.execute(
                f"SELECT rowid, bm25({table}, ?, ?, ?, ?, ?) AS rank, snippet({table}, 3, ?, ?, ?, ?),"
                f" snippet({table}, 2, ?, ?, ?, ?), snippet({table}, 4, ?, ?, ?, ?)"
                f" FROM {table} WHERE {table} MATCH ?{kind_filter} ORDER BY rank LIMIT ?",
                (*WEIGHTS, *marks, *marks, *marks, match, *kinds, max(limit, RERANKED)),
            ).fetchall()
        rows = sorted(rows, key=lambda row: row[1])[: max(limit, RERANKED)]

        weights = {id(t): self._idf(t) * (CORRECTED_WEIGHT if t.text in corrections.values() else 1.0) for t in terms}
        total = sum(weights.values()) + sum(math.log(1 + self.entry_count) for _ in unmatched)
        found = self.store.by_rowids(rowid for rowid, *_ in rows)
        hits = []
        for rowid, rank, *snippets in rows:
            matched = [t for t in terms if rowid in t.docs]
            coverage = sum(weights[id(t)] for t in matched) / total if total else 0.0
            naming = sum(weights[id(t)] for t in terms if rowid in t.named) / total if total else 0.0
            snippet = next((s for s in snippets if MARK_START in s), snippets[0])
            hits.append(
                Hit(
                    entry=found[rowid],
                    score=round(-rank * (COVERAGE_BASE + coverage) * (1 + NAMING_BOOST * naming), 4),
                    snippet=" ".join(snippet.split()),
                    matched=tuple(t.text for t in matched),
                    coverage=round(coverage, 3),
                )
            )
        hits.sort(key=lambda hit: -hit.score)
        hits = hits[:limit]
        if not hits:
            raise NotFound(f"no {' or '.join(kinds)} entry matches {quoted(query)}")
        return SearchResult(hits=hits, corrections=corrections, unmatched=tuple(unmatched))


def search_entries(store: Store, query: str, kinds: Iterable[str] = (), limit: int = 10) -> SearchResult:
    """Search a store once."""
    return SearchIndex(store).search(query, kinds, limit)
