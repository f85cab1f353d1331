"""Answer readers' questions: rank entries against a free-text query, with a highlighted snippet each.

Why SQLite FTS5 (from Python's own sqlite3) rather than a hand-written index: it gives bm25
ranking with per-column weights (names count more than body text), accent folding, phrase queries
and snippets, in C, with no dependency; and the same tables can live in a file, so a large
handbook's index can be kept between runs.

What FTS5 does not do, this module adds around it:
- Queries are parsed here, never handed to FTS5 as syntax: words and "quoted phrases" are passed
  as quoted strings, so no input is a syntax error.
- Common words ("who", "the", "how many") are dropped, so they neither help nor hurt.
- Words match their other forms (killed, killing, kills): the index holds words as written, and a
  query word is widened to the words of the index that share its porter stem, which FTS5 itself
  computes through a scratch table. Indexing words as written costs a large handbook a third less
  time than stemming them, and the same index is the vocabulary spelling correction draws on.
- Spelling variants come from the handbook (`variants:`) and are matched the same way.
- A word that matches nothing is corrected to the nearest word the handbook has (edit distance).
- Numbers and dates match however written: 28,500 and 28500; 2020-01-03, January 3, 2020 and
  3 January 2020.
"""

from __future__ import annotations

import itertools
import math
import re

from coalition_cli.errors import NotFound, UsageProblem
from coalition_cli.handbook import FIELD_LABELS, Entry, Record, unaccent
from coalition_cli.inert import MARK_END, MARK_START
from coalition_cli.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

if TYPE_CHECKING:
    from coalition_cli.store import Store

# bm25 weights for the columns (kind, entry_id, names, body, extra): names are title, aliases and id.
WEIGHTS = (0.0, 0.0, 4.0, 1.0, 1.0)
COLUMN_WEIGHTS = {"names": 4.0, "body": 1.0, "extra": 1.0}
K1, B = 1.2, 0.75  # bm25's usual constants, as FTS5 uses them
SNIPPET_TOKENS = 24
RERANKED = 50  # bm25's best this many are re-scored by how much of the query they cover
COVERAGE_BASE = 0.5  # score = bm25 * (0.5 + coverage): an entry matching all the query counts 3x one matching none
NAMING_BOOST = 2.0  # an entry named by the query (its title or alias) counts up to three times
CORRECTED_WEIGHT = 0.5  # a corrected word is a guess: it counts half towards coverage
MIN_CORRECTED = 5  # shorter words have too many near neighbours to correct safely ("won" -> "own")
TOKENIZER = "unicode61 remove_diacritics 2"  # the index: words as written, accents and case folded
STEMMER = "porter unicode61 remove_diacritics 2"  # the scratch table that tells a word's stem
MAX_FORMS = 24  # a query word matches at most this many of the index's words
MAX_PHRASES = 16  # a phrase is tried in at most this many combinations of its words' forms
# Bounds on what one search may cost, documented in the README: a longer query is refused (it is
# pasted text, not a question); past MAX_CORRECTED unknown words, the rest are not corrected.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 64
MAX_CORRECTED = 8

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


class Hit(Record):
    """One search result: the entry, its relevance (higher is better), a marked snippet, and which
    of the query's words it matched, with the share of the query's weight they carry (0 to 1)."""

    __slots__ = ("entry", "score", "snippet", "matched", "coverage")

    def __init__(
        self, entry: Entry, score: float, snippet: str, matched: tuple[str, ...] = (), coverage: float = 1.0
    ) -> None:
        self.entry = entry
        self.score = score
        self.snippet = snippet
        self.matched = matched
        self.coverage = coverage


class SearchResult(Record):
    """The hits, and what was done to the query: words corrected, and words that matched nothing."""

    __slots__ = ("hits", "corrections", "unmatched")

    def __init__(
        self, hits: list[Hit], corrections: dict[str, str] | None = None, unmatched: tuple[str, ...] = ()
    ) -> None:
        self.hits = hits
        self.corrections = corrections if corrections is not None else {}
        self.unmatched = unmatched


class _Term:
    """One thing the query asks for: a word (with its variants) or a phrase."""

    def __init__(self, text: str, alternatives: tuple[str, ...], required: bool = False) -> None:
        self.text = text
        self.alternatives = alternatives
        self.required = required
        self.count = 0  # entries holding it

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


def _phrase_count(words: list[str], places: dict[tuple[str, int, str], set[int]], rowid: int, column: str) -> int:
    """How often the words stand side by side, in order, in one column of one entry."""
    first = places.get((words[0], rowid, column), set())
    if len(words) == 1:
        return len(first)
    rest = [places.get((word, rowid, column), set()) for word in words[1:]]
    return sum(all(offset + step in later for step, later in enumerate(rest, 1)) for offset in first)


def _allowed_typos(word: str) -> int:
    return 1 if len(word) <= 6 else 2


def create_search_tables(db: sqlite3.Connection, part: str = "") -> None:
    """The FTS5 table for a store: `entries`, rowids matching the store's. A large handbook is
    indexed in parts, one per process that read it, each with a table of its own (suffix `part`)."""
    db.execute(
        f"CREATE VIRTUAL TABLE entries{part} USING fts5("
        f"kind UNINDEXED, entry_id UNINDEXED, names, body, extra, tokenize = '{TOKENIZER}')"
    )


def create_vocabulary_table(db: sqlite3.Connection, part: str = "") -> None:
    """Views of the index: its words with how many entries hold each (for forms and spelling), and
    every occurrence of each word (for scoring)."""
    db.execute(f"CREATE VIRTUAL TABLE entries_vocab{part} USING fts5vocab(entries{part}, 'row')")
    db.execute(f"CREATE VIRTUAL TABLE entries_instance{part} USING fts5vocab(entries{part}, 'instance')")


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, as FTS5 keeps its counts of rows and tokens."""
    values: list[int] = []
    index = 0
    while index < len(blob):
        value = 0
        for position in range(9):
            byte = blob[index]
            index += 1
            if position == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


def _columns(entry: Entry) -> tuple[str, str, str]:
    body = entry_text(entry)
    return entry_names(entry), body, entry_extra(entry, body)


def index_entries(db: sqlite3.Connection, numbered: Iterable[tuple[int, Entry]]) -> None:
    """Add entries (with their store rowids) to the search table."""
    rows = [(rowid, entry.kind, entry.id, *_columns(entry)) for rowid, entry in numbered]
    db.executemany("INSERT INTO entries (rowid, kind, entry_id, names, body, extra) VALUES (?,?,?,?,?,?)", rows)


def reindex_entry(db: sqlite3.Connection, rowid: int, new: Entry, part: str = "") -> None:
    """Replace an entry's row in the search table of the part that holds it."""
    db.execute(f"DELETE FROM entries{part} WHERE rowid = ?", (rowid,))
    names, body, extra = _columns(new)
    db.execute(
        f"INSERT INTO entries{part} (rowid, kind, entry_id, names, body, extra) VALUES (?,?,?,?,?,?)",
        (rowid, new.kind, new.id, names, body, extra),
    )


def stems(db: sqlite3.Connection, texts: Sequence[str]) -> list[str]:
    """The porter stems FTS5 gives each text (words joined by spaces), computed by FTS5 itself."""
    db.executescript(
        f"""
        CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5(text, tokenize = '{STEMMER}');
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
        self.entry_count = store.entry_count
        self._variants = store.variant_map
        self._vocabulary: list[tuple[str, int]] | None = None
        self._forms: dict[str, tuple[str, ...]] = {}
        self._stem_cache: dict[str, str] = {}

    # -- words ---------------------------------------------------------------------------------

    def vocabulary(self) -> list[tuple[str, int]]:
        """Every word the handbook holds (folded, unstemmed) with the number of entries holding it."""
        if self._vocabulary is None:
            counts: dict[str, int] = {}
            for part in self.parts:
                for term, docs in self.store.query(f"SELECT term, doc FROM entries_vocab{part}"):
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
        for word in list(words)[:3]:
            limit = _allowed_typos(word) + 1
            scored = sorted((edit_distance(word, term, limit), -docs, term) for term, docs in self.vocabulary())
            nearest += [term for distance, _, term in scored[:3] if distance <= limit and term not in nearest]
        return nearest[:5]

    # -- queries -------------------------------------------------------------------------------

    def _stems(self, texts: Sequence[str]) -> list[str]:
        """Porter stems, each text computed once per search (the scratch table costs a query)."""
        from coalition_cli.store import CacheCorrupt

        missing = [text for text in dict.fromkeys(texts) if text not in self._stem_cache]
        if missing:
            try:
                self._stem_cache.update(zip(missing, stems(self.db, missing), strict=True))
            except sqlite3.Error as error:
                raise CacheCorrupt(str(error)) from None
        return [self._stem_cache[text] for text in texts]

    def _count(self, term: _Term) -> int:
        """How many entries hold the term (counted by SQLite, never collected: it may be thousands)."""
        return sum(
            int(
                self.store.query(f"SELECT count(*) FROM entries{p} WHERE entries{p} MATCH ?", (term.expression(),))[0][
                    0
                ]
            )
            for p in self.parts
        )

    def _statistics(self) -> tuple[int, float]:
        """How many entries the index holds, and their average length in words, over every part."""
        rows = words = 0
        for part in self.parts:
            found = self.store.query(f"SELECT block FROM entries{part}_data WHERE id = 1")
            counts = _varints(bytes(found[0][0])) if found else [0]
            rows += counts[0]
            words += sum(counts[1:])
        return rows, words / rows if rows else 1.0

    def _occurrences(self, terms: list[_Term], candidates: dict[int, str]) -> dict[tuple[int, int], tuple[float, bool]]:
        """For each (term, candidate): its occurrences weighted by column, and whether it is in the
        entry's names. Read from the index's own record of where each word stands, so phrases are
        counted where their words stand side by side."""
        found: dict[tuple[int, int], tuple[float, bool]] = {}
        by_part: dict[str, list[int]] = {}
        for rowid, part in candidates.items():
            by_part.setdefault(part, []).append(rowid)
        for part, rowids in by_part.items():
            words = sorted(
                {word for term in terms for alternative in term.alternatives for word in alternative.split()}
            )
            places: dict[tuple[str, int, str], set[int]] = {}
            rows = self.store.query(
                f"SELECT term, doc, col, offset FROM entries_instance{part}"
                f" WHERE term IN ({', '.join('?' * len(words))}) AND doc IN ({', '.join('?' * len(rowids))})",
                (*words, *rowids),
            )
            for word, doc, column, offset in rows:
                places.setdefault((word, doc, column), set()).add(offset)
            for index, term in enumerate(terms):
                for rowid in rowids:
                    weight, named = 0.0, False
                    for column, column_weight in COLUMN_WEIGHTS.items():
                        count = sum(_phrase_count(alt.split(), places, rowid, column) for alt in term.alternatives)
                        weight += column_weight * count
                        named = named or (column == "names" and count > 0)
                    if weight:
                        found[(index, rowid)] = (weight, named)
        return found

    def _bm25(
        self, terms: list[_Term], candidates: dict[int, str], occurrences: dict[tuple[int, int], tuple[float, bool]]
    ) -> dict[int, float]:
        """Each candidate's bm25 over the whole handbook, however many parts its index is in: every
        part's own bm25 counts only that part, so it is computed here from the index's counts."""
        total, average = self._statistics()
        sizes: dict[int, int] = {}
        by_part: dict[str, list[int]] = {}
        for rowid, part in candidates.items():
            by_part.setdefault(part, []).append(rowid)
        for part, rowids in by_part.items():
            rows = self.store.query(
                f"SELECT id, sz FROM entries{part}_docsize WHERE id IN ({', '.join('?' * len(rowids))})", rowids
            )
            sizes.update((int(rowid), sum(_varints(bytes(size)))) for rowid, size in rows)
        scores = {}
        for rowid in candidates:
            length = sizes.get(rowid, average) / (average or 1.0)
            score = 0.0
            for index, term in enumerate(terms):
                weight = occurrences.get((index, rowid), (0.0, False))[0]
                if weight:
                    idf = max(math.log((total - term.count + 0.5) / (term.count + 0.5)), 1e-6)
                    score += idf * weight * (K1 + 1) / (weight + K1 * (1 - B + B * length))
            scores[rowid] = score
        return scores

    def _snippets(self, rowids: list[int], match: str) -> dict[int, str]:
        """A marked snippet for each of the final hits only (snippets of every match would cost more
        than the search): from the body, else the names, else the hidden spellings."""
        marks = (MARK_START, MARK_END, "...", SNIPPET_TOKENS)
        found: dict[int, str] = {}
        places = ", ".join("?" * len(rowids))
        for part in self.parts:
            table = f"entries{part}"
            rows = self.store.query(
                f"SELECT rowid, snippet({table}, 3, ?, ?, ?, ?), snippet({table}, 2, ?, ?, ?, ?),"
                f" snippet({table}, 4, ?, ?, ?, ?) FROM {table} WHERE {table} MATCH ? AND rowid IN ({places})",
                (*marks, *marks, *marks, match, *rowids),
            )
            for rowid, *snippets in rows:
                snippet = next((s for s in snippets if MARK_START in s), snippets[0])
                found[rowid] = " ".join(snippet.split())
        return found

    def learn_forms(self, words: Iterable[str]) -> None:
        """Find, for each (folded) word, the index's words that share its stem (killed: kill,
        killed, killing, kills), in one pass for all of them. A word the index lacks keeps itself
        alone, and matches nothing."""
        wanted = [word for word in dict.fromkeys(words) if word and word not in self._forms]
        if not wanted:
            return
        wanted_stems = self._stems(wanted)
        candidates: set[str] = set()
        for stem in wanted_stems:
            prefix = stem[:4]
            for part in self.parts:
                rows = self.store.query(
                    f"SELECT term FROM entries_vocab{part} WHERE term >= ? AND term < ?",
                    (prefix, prefix + "\U0010ffff"),
                )
                candidates.update(term for (term,) in rows)
        ordered = sorted(candidates)
        by_stem: dict[str, list[str]] = {}
        for term, stem in zip(ordered, self._stems(ordered), strict=True):
            by_stem.setdefault(stem, []).append(term)
        for word, stem in zip(wanted, wanted_stems, strict=True):
            found = sorted(by_stem.get(stem, []), key=lambda term: (term != word, len(term), term))
            self._forms[word] = tuple(found[:MAX_FORMS]) or (word,)

    def forms(self, text: str) -> tuple[str, ...]:
        """The forms a word or phrase is searched as: a word's forms, or a phrase in up to
        MAX_PHRASES combinations of its words' forms (the words as typed first)."""
        words = text.split()
        self.learn_forms(words)
        if len(words) == 1:
            return self._forms[words[0]]
        combinations = itertools.islice(itertools.product(*(self._forms[word] for word in words)), MAX_PHRASES)
        return tuple(" ".join(combination) for combination in combinations)

    def _word_term(self, word: str, stem: str) -> _Term:
        spellings = self._variants.get(stem, (word,))
        alternatives = [form for spelling in spellings for form in self.forms(unaccent(spelling))]
        return _Term(text=word, alternatives=tuple(dict.fromkeys(alternatives)))

    def parse(self, query: str) -> tuple[list[_Term], dict[str, str], list[str]]:
        """Terms for a query, the corrections made, and the words that matched nothing."""
        text = _POSSESSIVE.sub("", _THOUSANDS.sub("", query))
        terms: list[_Term] = []
        loose = _PHRASE.sub(" ", text)
        compounds = [unaccent(c) for c in _COMPOUND.findall(loose)]
        words = [w for c in compounds for w in _WORD.findall(c)]
        quoted_words = [w for phrase in _PHRASE.findall(text) for w in _WORD.findall(unaccent(phrase))]
        self.learn_forms([*words, *quoted_words])  # one pass for every word of the query
        for phrase in _PHRASE.findall(text):
            phrase_words = _WORD.findall(unaccent(phrase))
            if phrase_words:
                joined = " ".join(phrase_words)
                terms.append(_Term(text=joined, alternatives=self.forms(joined), required=True))
        content = {w for w in words if w not in STOPWORDS} or set(words)

        singles: list[str] = []
        for compound in compounds:
            parts = _WORD.findall(compound)
            if len(parts) > 1:
                phrase = _Term(text=compound, alternatives=self.forms(" ".join(parts)))
                phrase.count = self._count(phrase)
                if phrase.count:
                    terms.append(phrase)
                    continue
            singles += [part for part in parts if part in content and part not in singles]

        for term in terms:
            term.count = term.count or self._count(term)
        corrections: dict[str, str] = {}
        unmatched: list[str] = []
        tries = 0
        for word, stem in zip(singles, self._stems(singles), strict=True):
            term = self._word_term(word, stem)
            term.count = self._count(term)
            if not term.count and word.isalpha() and len(word) >= MIN_CORRECTED and tries < MAX_CORRECTED:
                tries += 1
                fixed = self.correct(word)
                if fixed is not None:
                    term = self._word_term(fixed, self._stems([fixed])[0])
                    term.count = self._count(term)
                    corrections[word] = fixed
            if term.count:
                terms.append(term)
            else:
                unmatched.append(word)
        return terms, corrections, unmatched

    def _idf(self, term: _Term) -> float:
        return math.log(1 + self.entry_count / (1 + term.count))

    def search(self, query: str, kinds: Iterable[str] = (), limit: int = 10) -> SearchResult:
        """The best entries for the query, best first; raise NotFound with nearby words if none."""
        check_query(query)
        limit = max(1, min(limit, self.entry_count))  # more than every entry is every entry
        terms, corrections, unmatched = self.parse(query)
        if not terms or any(t.required and not t.count for t in terms):
            missing = [t.text for t in terms if t.required and not t.count] or unmatched
            if not missing and not _WORD.search(query):
                raise NotFound(f"nothing to search for in {quoted(query)}")
            self.store.verify()
            raise NotFound(f"no entry matches {quoted(query)}", self.nearest_words(unmatched))

        required = [f"({t.expression()})" for t in terms if t.required]
        anything = "(" + " OR ".join(f"({t.expression()})" for t in terms) + ")"
        match = " AND ".join([*required, anything])
        kinds = list(kinds)
        kind_filter = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        # Candidates: each part's best by its own bm25; then every candidate scored the same way.
        candidates: dict[int, str] = {}
        for part in self.parts:
            table = f"entries{part}"
            rows = self.store.query(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ?{kind_filter}"
                f" ORDER BY bm25({table}, ?, ?, ?, ?, ?) LIMIT ?",
                (match, *kinds, *WEIGHTS, max(limit, RERANKED)),
            )
            candidates.update((int(rowid), part) for (rowid,) in rows)
        occurrences = self._occurrences(terms, candidates)
        bm25 = self._bm25(terms, candidates, occurrences)

        weights = {id(t): self._idf(t) * (CORRECTED_WEIGHT if t.text in corrections.values() else 1.0) for t in terms}
        total = sum(weights.values()) + sum(math.log(1 + self.entry_count) for _ in unmatched)
        scored = []
        for rowid in candidates:
            matched = [t for index, t in enumerate(terms) if (index, rowid) in occurrences]
            named = [t for index, t in enumerate(terms) if occurrences.get((index, rowid), (0.0, False))[1]]
            coverage = sum(weights[id(t)] for t in matched) / total if total else 0.0
            naming = sum(weights[id(t)] for t in named) / total if total else 0.0
            score = round(bm25[rowid] * (COVERAGE_BASE + coverage) * (1 + NAMING_BOOST * naming), 4)
            scored.append((-score, rowid, score, tuple(t.text for t in matched), round(coverage, 3)))
        best = sorted(scored, key=lambda item: item[:2])[:limit]  # ties: the handbook's order
        found = self.store.by_rowids(rowid for _, rowid, *_ in best)
        snippets = self._snippets([rowid for _, rowid, *_ in best], match)
        hits = [
            Hit(entry=found[rowid], score=score, snippet=snippets[rowid], matched=matched, coverage=coverage)
            for _, rowid, score, matched, coverage in best
        ]
        if not hits:
            self.store.verify()
            raise NotFound(f"no {' or '.join(kinds)} entry matches {quoted(query)}")
        return SearchResult(hits=hits, corrections=corrections, unmatched=tuple(unmatched))


def check_query(query: str) -> None:
    """Refuse a query too long to be a question, before any work is done on it."""
    advice = "search for its key words"
    if len(query) > MAX_QUERY_CHARS:
        raise UsageProblem(
            f"the query is {len(query):,} characters; a query holds at most {MAX_QUERY_CHARS:,} ({advice})"
        )
    words = len(_WORD.findall(query))
    if words > MAX_QUERY_WORDS:
        raise UsageProblem(f"the query has {words} words; a query holds at most {MAX_QUERY_WORDS} ({advice})")


def search_entries(store: Store, query: str, kinds: Iterable[str] = (), limit: int = 10) -> SearchResult:
    """Search a store once."""
    return SearchIndex(store).search(query, kinds, limit)
