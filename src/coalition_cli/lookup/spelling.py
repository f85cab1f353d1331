"""Misspelt words, and the handbook's words they were meant to be: corrections made only when they
are confident, and suggestions for "did you mean".

A word the handbook lacks is corrected:
- never when it is a word of English ("president" is no misspelt "present");
- to the word it slipped from: one letter off in a word of up to nine letters, two beyond, where
  a neighbouring key or another vowel is a slip ("soleimany") and any other letter counts two,
  and the word is far more common than any other as near;
- or, for a long word, to the only word within CLEAR_DISTANCE letters, by edits and then by length
  ("alliense": "alliance", not "allies").
"""

from __future__ import annotations

from coalition_cli.store.search_index import STOPWORDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from coalition_cli.store.tables import Store

MIN_CORRECTED = 5  # shorter words have too many near neighbours to correct safely ("won" -> "own")
MIN_CLEAR = 7  # a word this long, no English word, is corrected to the one word within CLEAR_DISTANCE
CLEAR_DISTANCE = 2
MAX_NEAR = 20_000  # words read from the index as candidates for one misspelt word
RIVAL_RATIO = 2  # a correction's word must be this many times as common as any word as near

# Letters next to each other on a QWERTY keyboard: typing one for the other is a slip, where "c" for
# "n" is another word ("planes" is not a misspelling of "places").
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    (a, b)
    for row, below in zip(_ROWS, (*_ROWS[1:], ""), strict=True)
    for i, a in enumerate(row)
    for b in (row[i - 1 : i] + row[i + 1 : i + 2] + below[max(i - 1, 0) : i + 1])
}
_NEIGHBOURS |= {(b, a) for a, b in _NEIGHBOURS}
_VOWELS = frozenset("aeiouy")


def _substitution(a: str, b: str) -> int:
    """One letter typed for another costs one when it is a slip (a neighbouring key, or one vowel
    for another: "soleimany"), two otherwise."""
    return 1 if (a, b) in _NEIGHBOURS or (a in _VOWELS and b in _VOWELS) or not (a + b).isascii() else 2


def edit_distance(a: str, b: str, limit: int, slips: bool = True) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts one; a letter typed for
    another one, or with `slips` two unless `_substitution` finds it a slip), or limit+1 if above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else (_substitution(ca, cb) if slips else 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(word: str) -> int:
    """Letters a misspelling may be off by: one up to nine letters ("solemani"), two beyond. Two in
    a shorter word turns real words into other real words ("weapons" into "reasons")."""
    return 1 if len(word) <= 9 else 2


class Speller:
    """Corrections and suggestions for the words of one store."""

    def __init__(self, store: Store, stem: Callable[[str], str], is_english: Callable[[str], bool]) -> None:
        self.store = store
        self.parts = store.search_parts
        self.stem = stem
        self.is_english = is_english

    def near(self, word: str, limit: int) -> list[tuple[str, int]]:
        """The handbook's words (folded, unstemmed) that could be within `limit` edits of a word,
        with the number of entries holding each: those of its first letter and of a length that
        could be, read from the index by SQLite, at most MAX_NEAR of them. (A slip in the first
        letter is rare; reading every word of a large handbook for each unknown word is not.)"""
        counts: dict[str, int] = {}
        for part in self.parts:
            rows = self.store.query(
                f"SELECT term, doc FROM entries_vocab{part} WHERE term >= ? AND term < ?"
                " AND length(term) BETWEEN ? AND ? LIMIT ?",
                (word[:1], word[:1] + "\U0010ffff", len(word) - limit, len(word) + limit, MAX_NEAR),
            )
            for term, docs in rows:
                counts[term] = counts.get(term, 0) + docs
        # Numbers are never "corrected", and common words make poor suggestions.
        return [(t, d) for t, d in counts.items() if t.isalpha() and len(t) > 2 and t not in STOPWORDS]

    def correct(self, word: str) -> str | None:
        """The handbook's word nearest a misspelling, if that is a confident guess: never for a
        word of English ("president" is not a misspelt "present"); within `allowed_typos` and far
        more common than any other word as near; or, for a long word, the only word within
        CLEAR_DISTANCE ("alliense": "alliance")."""
        if self.is_english(word):
            return None
        return self._slipped(word) or (self._clearly_nearest(word) if len(word) >= MIN_CLEAR else None)

    def _clearly_nearest(self, word: str) -> str | None:
        # Nearest by edits, then by length: letters typed for others ("alliense") before letters
        # left out or added ("allies").
        near = sorted(
            (edit_distance(word, term, CLEAR_DISTANCE, slips=False), abs(len(term) - len(word)), term)
            for term, _ in self.near(word, CLEAR_DISTANCE)
        )
        near = [item for item in near if item[0] <= CLEAR_DISTANCE]
        if not near:
            return None
        best = near[0]
        if any(item[:2] == best[:2] and self.stem(item[2]) != self.stem(best[2]) for item in near[1:]):
            return None  # two words as near: not a clear guess
        return best[2]

    def _slipped(self, word: str) -> str | None:
        limit = allowed_typos(word)
        near: list[tuple[int, int, str]] = []
        for term, docs in self.near(word, limit):
            distance = edit_distance(word, term, limit)
            if distance <= limit:
                near.append((distance, -docs, term))
        if not near:
            return None
        near.sort()
        best = near[0]
        rivals = [other for other in near[1:] if other[0] == best[0] and self.stem(other[2]) != self.stem(best[2])]
        if rivals and -best[1] < RIVAL_RATIO * -rivals[0][1]:
            return None
        return best[2]

    def nearest_words(self, words: Iterable[str]) -> list[str]:
        """Words the handbook has that are spelled like the given ones, for "did you mean"."""
        nearest: list[str] = []
        for word in list(words)[:3]:
            limit = allowed_typos(word) + 1
            scored = sorted(
                (edit_distance(word, term, limit, slips=False), -docs, term) for term, docs in self.near(word, limit)
            )
            nearest += [term for distance, _, term in scored[:3] if distance <= limit and term not in nearest]
        return nearest[:5]
