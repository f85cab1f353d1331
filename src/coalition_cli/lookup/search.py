"""Rank entries against a reader's query, each hit with a snippet that says where its words come from.

The ranking, in order of precedence:
1. An entry the query names (its id, title, alias or index term, once common words are dropped and
   misspellings corrected) comes first, by construction: "iran" is Iran, "the Kremlin" Russia.
2. The others by bm25 over the whole handbook (names count four times body text, what is outside
   the article half), scaled by how much of the query's weight each entry covers, and by how much
   of it is in the entry's names.
Scores are comparable within one search: higher is better, and a named entry's score is its own
plus the best of the rest.

Search never answers confidently from nothing: when no entry covers at least half of what the query
asks for (weighting rare words more), it says the handbook has nothing on the query, naming the
words it did not know, rather than offer the nearest noise.
"""

from __future__ import annotations

import math

from coalition_cli.lookup.query import Parsed, Term, Words, check_query, quoted
from coalition_cli.model.errors import NotFound
from coalition_cli.model.handbook import OUTSIDE_MARKER, Entry
from coalition_cli.model.inert import MARK_END, MARK_START, is_safe, strip_marks
from coalition_cli.model.questions import answer_kinds
from coalition_cli.model.records import Record
from coalition_cli.store.meaning import HandbookMeaning
from coalition_cli.store.search_index import COLUMN_WEIGHTS, COLUMNS, snippet_table, varints

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from coalition_cli.store.tables import Store

WEIGHTS = tuple(COLUMN_WEIGHTS[column] for column in COLUMNS)  # bm25's weights for the FTS5 columns
K1, B = 1.2, 0.75  # bm25's usual constants, as FTS5 uses them
SNIPPET_TOKENS = 28
RERANKED = 200  # bm25's best this many (of those holding every term, and of any) are re-scored by coverage
COVERAGE_BASE = 0.5  # score = bm25 * (0.5 + coverage): an entry matching all the query counts 3x one matching none
NAMING_BOOST = 2.0  # an entry named by the query (its title or alias) counts up to three times
CORRECTED_WEIGHT = 0.5  # a corrected word is a guess: it counts half towards coverage
OUTSIDE_WEIGHT = 0.5  # a word found only in what is outside the article counts half towards coverage
ANSWER_BOOST = 1.5  # an entry of the kind a question asks for ("who": a figure or an actor) counts more
# Meaning: an entry's similarity to the query (cosine, meaning.py) adds MEANING_WEIGHT per unit above
# MEANING_FLOOR to its score from words (scaled to the best entry's 1); an entry no word matched is
# shown only when it is at least MEANING_ALONE alike.
MEANING_WEIGHT = 0.5
MEANING_FLOOR = 0.3
MEANING_ALONE = 0.45
DEFAULT_LIMIT = 10  # results shown unless --limit says otherwise
# Where a snippet may come from, in order of preference, and what it is prefixed with: the words of a
# note or of what is outside the article must never read as the article's own claims.
SNIPPET_COLUMNS = (("body", ""), ("note", "Note: "), ("outside", f"{OUTSIDE_MARKER}: "))


class Hit(Record):
    """One search result: the entry, its relevance (higher is better), a marked snippet, which of the
    query's words it matched with the share of the query's weight they carry (0 to 1), and whether
    the query named it."""

    __slots__ = ("entry", "score", "snippet", "matched", "coverage", "named", "similarity")

    def __init__(
        self,
        entry: Entry,
        score: float,
        snippet: str,
        matched: tuple[str, ...] = (),
        coverage: float = 1.0,
        named: bool = False,
        similarity: float | None = None,
    ) -> None:
        self.entry = entry
        self.score = score
        self.snippet = snippet
        self.matched = matched
        self.coverage = coverage
        self.named = named
        self.similarity = similarity  # how alike in meaning to the query (cosine), if it was compared


class SearchResult(Record):
    """The hits, and what was done to the query: words corrected, and words that matched nothing."""

    __slots__ = ("hits", "corrections", "unmatched")

    def __init__(
        self, hits: list[Hit], corrections: dict[str, str] | None = None, unmatched: tuple[str, ...] = ()
    ) -> None:
        self.hits = hits
        self.corrections = corrections if corrections is not None else {}
        self.unmatched = unmatched


def _phrase_count(words: list[str], places: dict[tuple[str, int, str], set[int]], rowid: int, column: str) -> int:
    """How often the words stand side by side, in order, in one column of one entry."""
    first = places.get((words[0], rowid, column), set())
    if len(words) == 1:
        return len(first)
    rest = [places.get((word, rowid, column), set()) for word in words[1:]]
    return sum(all(offset + step in later for step, later in enumerate(rest, 1)) for offset in first)


class _Occurrence:
    """How one term occurs in one candidate: weighted by column, and where."""

    __slots__ = ("weight", "named", "outside_only")

    def __init__(self, weight: float, named: bool, outside_only: bool) -> None:
        self.weight, self.named, self.outside_only = weight, named, outside_only


class SearchIndex:
    """Search over a store's FTS5 tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.parts = store.search_parts  # "" and, for a handbook indexed in parts, "_1", "_2"...
        self.entry_count = store.entry_count
        self.meaning = HandbookMeaning(store)
        self.words = Words(store, self.meaning.is_english, self.meaning.near_words)

    def parse(self, query: str) -> Parsed:
        return self.words.parse(query)

    def _statistics(self) -> tuple[int, float]:
        """How many entries the index holds, and their average length in words, over every part."""
        rows = words = 0
        for part in self.parts:
            found = self.store.query(f"SELECT block FROM entries{part}_data WHERE id = 1")
            counts = varints(bytes(found[0][0])) if found else [0]
            rows += counts[0]
            words += sum(counts[1:])
        return rows, words / rows if rows else 1.0

    def _by_part(self, candidates: dict[int, str]) -> dict[str, list[int]]:
        by_part: dict[str, list[int]] = {}
        for rowid, part in candidates.items():
            by_part.setdefault(part, []).append(rowid)
        return by_part

    def _of_kinds(self, candidates: dict[int, str], kinds: tuple[str, ...]) -> list[int]:
        """The candidates of these kinds, read from the entry table (FTS5 would read each one's row)."""
        found: list[int] = []
        for rowids in self._by_part(candidates).values():
            found += [
                int(rowid)
                for (rowid,) in self.store.query(
                    f"SELECT rowid FROM entry WHERE rowid IN ({', '.join('?' * len(rowids))})"
                    f" AND kind IN ({', '.join('?' * len(kinds))})",
                    (*rowids, *kinds),
                )
            ]
        return found

    def _occurrences(self, terms: list[Term], candidates: dict[int, str]) -> dict[tuple[int, int], _Occurrence]:
        """For each (term, candidate): its occurrences weighted by column, and where they are. Read
        from the index's own record of where each word stands, so phrases are counted where their
        words stand side by side."""
        found: dict[tuple[int, int], _Occurrence] = {}
        for part, rowids in self._by_part(candidates).items():
            words = sorted({word for term in terms for form in term.forms_in(part) for word in form.split()})
            if not words:
                continue
            rows = self.store.query(
                f"SELECT term, doc, col, offset FROM entries_instance{part}"
                f" WHERE term IN ({', '.join('?' * len(words))}) AND doc IN ({', '.join('?' * len(rowids))})",
                (*words, *rowids),
            )
            places: dict[tuple[str, int, str], set[int]] = {}
            where: dict[str, set[tuple[int, str]]] = {}  # each word's (entry, column) pairs
            for word, doc, column, offset in rows:
                places.setdefault((word, doc, column), set()).add(offset)
                where.setdefault(word, set()).add((doc, column))
            for index, term in enumerate(terms):
                # Only where a term's first words stand: a large handbook's candidates are many,
                # and most hold few of the terms.
                counts: dict[tuple[int, str], int] = {}
                for form in term.forms_in(part):
                    words_of = form.split()
                    for doc, column in where.get(words_of[0], ()):
                        count = _phrase_count(words_of, places, doc, column)
                        if count:
                            counts[(doc, column)] = counts.get((doc, column), 0) + count
                weights: dict[int, float] = {}
                columns: dict[int, set[str]] = {}
                for (doc, column), count in counts.items():
                    weight = COLUMN_WEIGHTS.get(column)
                    if weight is not None:
                        weights[doc] = weights.get(doc, 0.0) + weight * count
                        columns.setdefault(doc, set()).add(column)
                for doc, weight in weights.items():
                    if weight and doc in candidates:
                        found[(index, doc)] = _Occurrence(weight, "names" in columns[doc], columns[doc] == {"outside"})
        return found

    def _bm25(
        self, terms: list[Term], candidates: dict[int, str], occurrences: dict[tuple[int, int], _Occurrence]
    ) -> dict[int, float]:
        """Each candidate's bm25 over the whole handbook, however many parts its index is in: every
        part's own bm25 counts only that part, so it is computed here from the index's counts."""
        total, average = self._statistics()
        sizes: dict[int, int] = {}
        for part, rowids in self._by_part(candidates).items():
            rows = self.store.query(
                f"SELECT id, sz FROM entries{part}_docsize WHERE id IN ({', '.join('?' * len(rowids))})", rowids
            )
            sizes.update((int(rowid), sum(varints(bytes(size)))) for rowid, size in rows)
        scores = {}
        for rowid in candidates:
            length = sizes.get(rowid, average) / (average or 1.0)
            score = 0.0
            for index, term in enumerate(terms):
                occurrence = occurrences.get((index, rowid))
                if occurrence is not None:
                    # Lucene's idf: positive even for a word most entries hold ("iran").
                    idf = math.log(1 + (total - term.count + 0.5) / (term.count + 0.5))
                    weight = occurrence.weight
                    score += idf * weight * (K1 + 1) / (weight + K1 * (1 - B + B * length))
            scores[rowid] = score
        return scores

    def _snippets(self, hits: dict[int, str], entries: dict[int, Entry], matches: dict[str, str]) -> dict[int, str]:
        """A marked snippet for each of the final hits only (snippets of every match would cost more
        than the search): from the body, else the note or what is outside the article (each said
        as such), else (an entry found by meaning alone) the start of the summary. Never from the
        names or the hidden spellings."""
        marks = (MARK_START, MARK_END, "...", SNIPPET_TOKENS)
        found: dict[int, str] = {}
        columns = [COLUMNS.index(column) for column, _ in SNIPPET_COLUMNS]
        worded = {rowid: part for rowid, part in hits.items() if part in matches}
        table = snippet_table(self.store.db, ((rowid, entries[rowid]) for rowid in worded)) if worded else ""
        for part, rowids in self._by_part(worded).items():  # each part's hits, with the part's expression
            calls = ", ".join(f"snippet({table}, {column}, ?, ?, ?, ?)" for column in columns)
            places = ", ".join("?" * len(rowids))
            rows = self.store.query(
                f"SELECT rowid, {calls} FROM {table} WHERE {table} MATCH ? AND rowid IN ({places})",
                (*marks * len(columns), matches[part], *rowids),
            )
            for rowid, *snippets in rows:
                if not all(isinstance(s, str) and is_safe(strip_marks(s)) for s in snippets):
                    from coalition_cli.store.rows import CacheCorrupt

                    raise CacheCorrupt("a snippet holds what no handbook text may")
                chosen = next(
                    (prefix + s for (_, prefix), s in zip(SNIPPET_COLUMNS, snippets, strict=True) if MARK_START in s),
                    snippets[0],
                )
                found[rowid] = " ".join(chosen.split())
        for rowid in hits:
            if rowid not in found:
                words = entries[rowid].summary.split()
                found[rowid] = " ".join(words[:SNIPPET_TOKENS]) + ("..." if len(words) > SNIPPET_TOKENS else "")
        return found

    def search(self, query: str, kinds: Iterable[str] = (), limit: int = DEFAULT_LIMIT) -> SearchResult:
        """The best entries for the query, best first, however few of its words they match; raise
        NotFound, saying why, only when nothing matches at all."""
        check_query(query)
        limit = max(1, min(limit, self.entry_count))  # more than every entry is every entry
        parsed = self.parse(query)
        terms, unmatched = parsed.terms, parsed.unmatched
        kinds = list(kinds)
        if not any(c.isalnum() for c in query):
            raise NotFound(f"nothing to search for in {quoted(query)}")
        phrases = [t.text for t in terms if t.required and not t.count]
        if phrases:  # a phrase in double quotes must match as written
            words = ", ".join(f'"{phrase}"' for phrase in phrases)
            raise NotFound(f"no entry matches {quoted(query)}: no entry holds {words} as written")
        scored, named, candidates, matches = self._by_words(parsed, kinds, limit) if terms else ({}, {}, {}, {})
        # A phrase in double quotes must match as written, so what words did not find is not shown.
        alike = {} if any(t.required for t in terms) else self._by_meaning(query, parsed, kinds)
        order = _blended(scored, named, alike)[:limit]
        if not order:
            if kinds:
                raise NotFound(f"no {' or '.join(kinds)} entry matches {quoted(query)}")
            raise NotFound(_nothing_on(query, parsed), self.words.spelling.nearest_words(unmatched))
        found = self.store.by_rowids(rowid for _, rowid in order)
        parts = {rowid: candidates[rowid] if rowid in candidates else self._part_of(rowid) for _, rowid in order}
        snippets = self._snippets(parts, found, matches)
        hits = []
        for score, rowid in order:
            _, matched, coverage = scored.get(rowid, (0.0, (), 0.0))
            similarity = alike.get(rowid)
            hits.append(
                Hit(
                    found[rowid],
                    score,
                    snippets[rowid],
                    matched,
                    1.0 if rowid in named else round(coverage, 3),
                    rowid in named,
                    None if similarity is None else round(similarity, 3),
                )
            )
        return SearchResult(hits=hits, corrections=parsed.corrections, unmatched=tuple(unmatched))

    def _by_words(
        self, parsed: Parsed, kinds: list[str], limit: int
    ) -> tuple[dict[int, tuple[float, tuple[str, ...], float]], dict[int, str], dict[int, str], dict[str, str]]:
        """Entries holding the query's words, each with its score (bm25, scaled by how much of the
        query's weight it covers and how much of that is in its names), the words it matched and
        that coverage; the entries the query names; every candidate's search part; and each part's
        match expression, for snippets."""
        terms, unmatched = parsed.terms, parsed.unmatched
        kind_filter = f" AND entry.kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        # Candidates: each part's best by its own bm25, and every entry the query names; then every
        # candidate scored the same way.
        candidates: dict[int, str] = {}
        ranked: dict[int, str] = {}  # bm25's best of each part
        answering: set[int] = set()  # candidates of the kind the question asks for ("who": figures, actors)
        wanted = answer_kinds(parsed.question)
        matches: dict[str, str] = {}  # each part's expression, for its snippets
        for part in self.parts:
            table = f"entries{part}"
            # Kinds from the entry table (the index keeps no text), looked up for each match in turn.
            kind_join = f" CROSS JOIN entry ON entry.rowid = {table}.rowid" if kinds else ""
            # Those holding every term first (coverage counts most in the end), then any term; one
            # query when the two are the same.
            expressions = _expressions(terms, part)
            if expressions:
                matches[part] = expressions[-1]
            for expression in expressions:
                # Only the rowid: FTS5 would read each match's stored `kind` before sorting (a
                # large handbook's thousands of matches); the few candidates' kinds come after.
                rows = self.store.query(
                    f"SELECT {table}.rowid FROM {table}{kind_join} WHERE {table} MATCH ?"
                    f"{kind_filter} ORDER BY bm25({table}, {', '.join('?' * len(WEIGHTS))}) LIMIT ?",
                    (expression, *kinds, *WEIGHTS, max(limit, RERANKED)),
                )
                ranked.update((int(rowid), part) for (rowid,) in rows)
        candidates.update(ranked)
        if wanted:
            answering.update(self._of_kinds(ranked, wanted))
        named: dict[int, str] = {}
        for key in parsed.keys if not any(t.required for t in terms) else ():
            named.update(self.store.named(key, kinds))
        candidates.update(named)
        occurrences = self._occurrences(terms, candidates)
        bm25 = self._bm25(terms, candidates, occurrences)

        weights = {}
        for term in terms:
            weights[id(term)] = (
                math.log(1 + self.entry_count / (1 + term.count))
                * (CORRECTED_WEIGHT if term.corrected else 1.0)
                * self.meaning.informative(term.text)
            )
        total = sum(weights.values()) + sum(
            math.log(1 + self.entry_count) * self.meaning.informative(w) for w in unmatched
        )
        scored: dict[int, tuple[float, tuple[str, ...], float]] = {}
        for rowid in candidates:
            coverage = naming = 0.0
            matched = []
            for index, term in enumerate(terms):
                occurrence = occurrences.get((index, rowid))
                if occurrence is None:
                    continue
                matched.append(term.text)
                coverage += weights[id(term)] * (OUTSIDE_WEIGHT if occurrence.outside_only else 1.0)
                naming += weights[id(term)] if occurrence.named else 0.0
            coverage, naming = (coverage / total, naming / total) if total else (0.0, 0.0)
            score = bm25[rowid] * (COVERAGE_BASE + coverage) * (1 + NAMING_BOOST * naming)
            score *= ANSWER_BOOST if rowid in answering else 1.0
            if score > 0 or rowid in named:
                scored[rowid] = (score, tuple(matched), coverage)
        return scored, named, candidates, matches

    def _by_meaning(self, text: str, parsed: Parsed, kinds: list[str]) -> dict[int, float]:
        """How alike in meaning the query is to each entry that has a vector, of the kinds asked."""
        known = {word for term in parsed.terms for form in term.alternatives for word in form.split()}
        alike = self.meaning.entries_alike(text, known)
        if kinds and alike:
            return {rowid: alike[rowid] for rowid in self._of_kinds(dict.fromkeys(alike, ""), tuple(kinds))}
        return alike

    def _part_of(self, rowid: int) -> str:
        rows = self.store.query("SELECT part FROM entry WHERE rowid = ?", (rowid,))
        part = str(rows[0][0]) if rows else ""
        if part not in self.parts:
            from coalition_cli.store.rows import CacheCorrupt

            raise CacheCorrupt("an entry in no search part")
        return part


def _blended(
    scored: dict[int, tuple[float, tuple[str, ...], float]], named: dict[int, str], alike: dict[int, float]
) -> list[tuple[float, int]]:
    """(score, rowid) of every entry words or meaning found, best first: the score from words
    scaled to the best entry's 1, plus MEANING_WEIGHT for each unit of similarity above
    MEANING_FLOOR. An entry no word matched counts only when MEANING_ALONE alike; one the query
    names comes first, by construction: its score is its own plus the best of the rest, and one.
    Rounded before sorting: sums of the same terms in another order (a handbook indexed in parts)
    must tie exactly, and ties keep the handbook's order."""
    best_words = max((item[0] for rowid, item in scored.items() if rowid not in named), default=0.0)
    blended: dict[int, float] = {}
    for rowid in {*scored, *alike}:
        words = scored[rowid][0] if rowid in scored else 0.0
        similarity = alike.get(rowid, 0.0)
        if words or rowid in named or similarity >= MEANING_ALONE:
            meaning = MEANING_WEIGHT * max(0.0, similarity - MEANING_FLOOR)
            blended[rowid] = (words / best_words if best_words else 0.0) + meaning
    best_other = max((score for rowid, score in blended.items() if rowid not in named), default=0.0)
    scores = [
        (round(score + (best_other + 1 if rowid in named else 0.0), 4), rowid) for rowid, score in blended.items()
    ]
    return sorted(scores, key=lambda pair: (-pair[0], pair[1]))


def _expressions(terms: list[Term], part: str) -> tuple[str, ...]:
    """The FTS5 expressions whose best matches in one part are candidates: those holding every
    term, then those holding every required term and any other. Only the forms the part holds
    are asked for; none when it cannot match."""
    forms = [(term, term.expression(part)) for term in terms]
    if any(term.required and not expression for term, expression in forms):
        return ()
    present = [f"({expression})" for _, expression in forms if expression]
    if not present:
        return ()
    required = [f"({expression})" for term, expression in forms if term.required]
    match = " AND ".join([*required, "(" + " OR ".join(present) + ")"])
    # The same entries when every term is required, and none when the part lacks a term.
    if len(terms) == 1 or all(term.required for term in terms) or len(present) < len(terms):
        return (match,)
    return (" AND ".join(present), match)


def _nothing_on(query: str, parsed: Parsed) -> str:
    """Why a search found nothing at all: the words the handbook does not know, if some of the
    query's words are known (when none is, the suggestions say enough)."""
    if parsed.unmatched and parsed.terms:
        words = ", ".join(f'"{word}"' for word in parsed.unmatched)
        return f"no entry matches {quoted(query)}: no entry mentions {words}"
    return f"no entry matches {quoted(query)}"


def search_entries(store: Store, query: str, kinds: Iterable[str] = (), limit: int = DEFAULT_LIMIT) -> SearchResult:
    """Search a store once."""
    return SearchIndex(store).search(query, kinds, limit)
