"""Meaning: a text's vector from the shipped table of word pieces, and how alike two vectors are.

The table (meaning.sqlite3, made by scripts/make_meaning_table.py) holds an int8 vector for each word
piece of all-MiniLM-L6-v2's vocabulary, distilled with model2vec. A text is cut into word pieces as
that model's uncased BERT tokenizer cuts it (lower case, accents stripped, punctuation apart, the
longest known piece first), and its vector is the sum of its pieces' vectors, which points the same
way as their mean: no model, no numpy and no network at run time.

Sums are taken in packed integers: a piece's vector is held as one Python int with a 32-bit lane
per dimension (each value offset by 128 so that no lane is negative), so adding two ints adds every
dimension at once, in C. A handbook's build sums millions of pieces, which this makes cheap enough
to do for every entry.
"""

from __future__ import annotations

import math

from coalition_cli.store.sql import sqlite3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from coalition_cli.store.tables import Store

DIMENSIONS = 128
MAX_PIECES = 512  # a text's first pieces only, as model2vec encodes it
MAX_WORD = 100  # a longer word is unknown, as the BERT tokenizer has it
TABLE_NAME = "meaning.sqlite3"
MAX_WORDS = 5_000  # the handbook's commonest words, whose vectors a query's unknown words are compared with
# Entries with vectors: those of files under MAX_BYTES (the shipped handbook, a reader's notes), at
# most MAX_ENTRIES in a stack. A larger file is searched by its words: a vector costs its entry as
# much as the rest of its reading, and a search compares the query with every vector.
MAX_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 5_000
# A word's informativeness (HandbookMeaning.informative): its vector's norm above PLAIN_NORM, over
# RARE_NORM_SPAN, at least COMMON_WORD. Norms run from about 45 ("the") to over 200 ("airspace").
PLAIN_NORM = 45.0
RARE_NORM_SPAN = 75.0
COMMON_WORD = 0.15
NEAR_WORD = 0.55  # how alike a handbook word must be to stand for a query's word the handbook lacks
NEAR_WORDS = 5
NEAR_INFORMATIVE = 0.5  # a word less informative than this has no near words
_LANE = 4  # bytes per dimension in a packed vector
_OFFSET = 128  # added to each int8 value in a packed vector
_FLIP = bytes(value ^ 0x80 for value in range(256))  # an int8 byte plus 128, as an unsigned byte
_CHUNK = 500  # pieces looked up per query: SQLite allows only so many parameters


class MeaningUnavailable(Exception):
    """The table of word pieces is missing or unreadable: search goes on by words alone."""


def table_path() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.abspath(__file__)), TABLE_NAME)


# -- words and pieces, as the BERT tokenizer cuts them --------------------------------------------


def _ascii_table() -> dict[int, str | None]:
    """ASCII characters as the tokenizer sees them: controls dropped, white space a space,
    punctuation set apart by spaces, letters in lower case."""
    table: dict[int, str | None] = {}
    for code in range(128):
        char = chr(code)
        if char in " \t\n\r":  # white space as BERT has it (Python's isspace takes more)
            table[code] = " "
        elif code == 0 or code < 32 or code == 127:
            table[code] = None
        elif _is_ascii_punctuation(code):
            table[code] = f" {char} "
        else:
            table[code] = char.lower()
    return table


def _is_ascii_punctuation(code: int) -> bool:
    return 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126


def bert_words(text: str) -> list[str]:
    """The words and punctuation marks BERT's uncased tokenizer splits a text into, before pieces:
    by one `str.translate`, each character looked up once (_Characters), accents taken apart
    first so that they can be dropped."""
    if not text.isascii():
        import unicodedata

        text = unicodedata.normalize("NFD", text)
    return text.translate(_CHARACTERS).split()


def _character(code: int) -> str | None:
    """What the tokenizer makes of one character that is not ASCII, in decomposed text: nothing
    (a control, an accent), a space (white space), itself set apart by spaces (punctuation, a CJK
    ideograph), or itself in lower case without accents."""
    import unicodedata

    char = chr(code)
    category = unicodedata.category(char)
    if category == "Zs":
        return " "
    if code == 0xFFFD or category in ("Cc", "Cf", "Mn"):
        return None
    if _is_cjk(code) or category.startswith("P"):
        return f" {char} "
    lowered = unicodedata.normalize("NFD", char.lower())
    return "".join(part for part in lowered if unicodedata.category(part) != "Mn")


class _Characters(dict[int, "str | None"]):
    """The translation table of bert_words: ASCII made in advance, other characters as met."""

    def __missing__(self, code: int) -> str | None:
        found = _character(code)
        if len(self) < _MAX_CHARACTERS:
            self[code] = found
        return found


_MAX_CHARACTERS = 100_000
_CHARACTERS = _Characters(_ascii_table())


def _is_cjk(code: int) -> bool:
    """CJK ideographs, which the tokenizer treats each as a word of its own."""
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def candidate_pieces(word: str) -> list[str]:
    """Every piece the longest-first cut of a word could ask about: its starts, and each later
    part with the "##" that marks a piece continuing a word."""
    if len(word) > MAX_WORD:
        return []
    found = [word[:end] for end in range(1, len(word) + 1)]
    found += ["##" + word[start:end] for start in range(1, len(word)) for end in range(start + 1, len(word) + 1)]
    return found


def word_pieces(word: str, known: dict[str, bytes]) -> list[str]:
    """A word cut into the pieces of the table, the longest known piece first (WordPiece); none if
    some part of it is no known piece, as the tokenizer then makes the whole word unknown."""
    if len(word) > MAX_WORD:
        return []
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in known:
                pieces.append(piece)
                break
            end -= 1
        else:
            return []
        start = end
    return pieces


# -- vectors --------------------------------------------------------------------------------------


def packed(vector: bytes) -> int:
    """An int8 vector as one int, a 32-bit lane per dimension, each value offset by _OFFSET."""
    lanes = bytearray(len(vector) * _LANE)
    lanes[0::_LANE] = vector.translate(_FLIP)
    return int.from_bytes(lanes, "little")


def unpacked(total: int, count: int) -> list[int]:
    """The dimensions of a sum of `count` packed vectors."""
    lanes = memoryview(total.to_bytes(DIMENSIONS * _LANE, "little")).cast("I")
    offset = _OFFSET * count
    return [lane - offset for lane in lanes]


def quantised(total: int, count: int) -> bytes | None:
    """A sum of `count` packed vectors as int8, halved as often as it takes for every value to fit
    (which keeps its direction, all a comparison reads); None for a vector of zeros.

    Done on the packed int, lane by lane at once: each lane offset so it cannot go negative, the int
    shifted, and the bits each lane takes from the next one masked off; then each lane's low byte."""
    lanes = memoryview(total.to_bytes(DIMENSIONS * _LANE, "little")).cast("I")
    offset = _OFFSET * count
    largest = max(max(lanes) - offset, offset - min(lanes))
    if largest <= 0:
        return None
    shift = max(0, largest.bit_length() - 7)
    # Each lane becomes value + 2**(shift + 7), between 0 and 2**(shift + 8): once shifted, 0 to 255.
    lifted = total + ((1 << (shift + 7)) - offset) * _ONES
    kept = (lifted >> shift) & _lane_mask(shift)
    return kept.to_bytes(DIMENSIONS * _LANE, "little")[0::_LANE].translate(_FLIP)


_ONES = int.from_bytes(bytes([1, 0, 0, 0]) * DIMENSIONS, "little")  # 1 in every lane
_MASKS: dict[int, int] = {}


def _lane_mask(shift: int) -> int:
    """The bits each lane keeps once the packed int is shifted right by `shift`."""
    if shift not in _MASKS:
        _MASKS[shift] = ((1 << (8 * _LANE - shift)) - 1) * _ONES
    return _MASKS[shift]


def int8(vector: bytes) -> memoryview:
    """A stored vector's values, as signed integers."""
    return memoryview(vector).cast("b")


def dot(first: Sequence[int], second: Sequence[int]) -> int:
    """The dot product of two integer vectors, in C: math.sumprod where Python has it (3.12)."""
    sumprod = getattr(math, "sumprod", None)
    if sumprod is not None:
        return int(sumprod(first, second))
    from operator import mul

    return sum(map(mul, first, second))


def norm(values: Sequence[int]) -> float:
    return math.sqrt(dot(values, values))


def cosine(first: Sequence[int], first_norm: float, second: Sequence[int], second_norm: float) -> float:
    """How alike two vectors are (each given with its norm): 1 the same direction, 0 unrelated."""
    if not first_norm or not second_norm:
        return 0.0
    return dot(first, second) / (first_norm * second_norm)


class Query:
    """A text's vector, compared with many stored ones (int8 bytes, each with its norm)."""

    def __init__(self, vector: list[int]) -> None:
        self.vector = vector
        self.norm = norm(vector)
        self._offset = _OFFSET * sum(vector)

    def similarity(self, stored: bytes, stored_norm: float) -> float:
        """Cosine with a stored vector: read as unsigned bytes (each value plus 128, which bytes
        give fastest), the 128s' share taken off once."""
        if not self.norm or not stored_norm:
            return 0.0
        return (dot(self.vector, stored.translate(_FLIP)) - self._offset) / (self.norm * stored_norm)


class PieceTable:
    """The shipped table of word pieces, read-only; pieces are looked up as texts need them."""

    def __init__(self, path: str | None = None) -> None:
        import os

        path = path or table_path()
        if not os.path.isfile(path):
            raise MeaningUnavailable(f"{path} is missing")
        try:
            self.db = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro&immutable=1", uri=True)
            dimensions = self.db.execute("SELECT value FROM meta WHERE name = 'dimensions'").fetchone()
        except sqlite3.Error as error:
            raise MeaningUnavailable(str(error)) from None
        if dimensions is None or dimensions[0] != str(DIMENSIONS):
            raise MeaningUnavailable(f"{path} is not a table of {DIMENSIONS} dimensions")

    def lookup(self, pieces: Iterable[str]) -> dict[str, bytes]:
        """The vectors of those of these pieces the table holds."""
        wanted = list(dict.fromkeys(pieces))
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows = self.db.execute(
                    f"SELECT text, vector FROM piece WHERE text IN ({', '.join('?' * len(chunk))})", chunk
                )
                found.update((str(text), bytes(vector)) for text, vector in rows if len(vector) == DIMENSIONS)
        except sqlite3.Error as error:
            raise MeaningUnavailable(str(error)) from None
        return found

    def everything(self) -> dict[str, bytes]:
        """Every piece's vector: for a build, which meets most of them."""
        try:
            rows = self.db.execute("SELECT text, vector FROM piece").fetchall()
        except sqlite3.Error as error:
            raise MeaningUnavailable(str(error)) from None
        return {str(text): bytes(vector) for text, vector in rows if len(vector) == DIMENSIONS}

    def close(self) -> None:
        self.db.close()


_SHARED: list[PieceTable] = []


def shared_table() -> PieceTable:
    """The table, opened once in a process (it never changes) and closed when the process ends."""
    if not _SHARED:
        table = PieceTable()
        import atexit

        atexit.register(table.close)
        _SHARED.append(table)
    return _SHARED[0]


def _uri_path(path: str) -> str:
    """A file path as the path of a SQLite URI: the characters that would end it or be read as an
    escape are escaped (urllib's quote would cost a lookup the import of `re`)."""
    return path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")


class Encoder:
    """Texts to vectors with one table, remembering each word's packed sum."""

    def __init__(self, table: PieceTable, everything: bool = False) -> None:
        self.table = table
        self.known: dict[str, bytes] = table.everything() if everything else {}
        self.everything = everything
        if everything:
            table.close()  # everything it holds is known now
        self._words: dict[str, tuple[int, int]] = {}  # word: (packed sum of its pieces, how many)

    def _learn(self, words: Iterable[str]) -> None:
        """Find the pieces of words not seen before, asking the table for all of them at once."""
        new = [word for word in dict.fromkeys(words) if word not in self._words]
        if not new:
            return
        if not self.everything:
            asked = [piece for word in new for piece in ([word] if len(word) <= MAX_WORD else [])]
            self.known.update(self.table.lookup(asked))
            parts = [piece for word in new if word not in self.known for piece in candidate_pieces(word)]
            self.known.update(self.table.lookup(parts))
        for word in new:
            pieces = [word] if word in self.known else word_pieces(word, self.known)
            self._words[word] = (sum(packed(self.known[piece]) for piece in pieces), len(pieces))

    def is_word(self, word: str) -> bool:
        """Whether the vocabulary holds the word whole (lower case, as a word of its own)."""
        self._learn([word])
        return word in self.known

    def sum_of(self, text: str) -> tuple[int, int]:
        """The packed sum of a text's first MAX_PIECES pieces, and how many there were."""
        words = bert_words(text)
        self._learn(words)
        total = count = 0
        for word in words:
            value, pieces = self._words[word]
            if count + pieces > MAX_PIECES:
                break
            total += value
            count += pieces
        return total, count

    def vector(self, text: str) -> list[int] | None:
        """A text's vector (the sum of its pieces' vectors), or None if it has no known piece."""
        total, count = self.sum_of(text)
        return unpacked(total, count) if count else None


_NEGATING = ("dis", "un", "non", "in", "im", "ir", "il", "anti", "counter")


def _negation_of(word: str, other: str) -> bool:
    """Whether one word is the other with a negating prefix ("disagreements", "agreement"): near in
    the table, which sums the pieces, and opposite in meaning."""
    for first, second in ((word, other), (other, word)):
        for prefix in _NEGATING:
            if first.startswith(prefix) and second[:4] == first[len(prefix) : len(prefix) + 4]:
                return True
    return False


class HandbookMeaning:
    """Meaning for one store: how much a word tells, the handbook's words near one it lacks, and
    how alike a text is to each entry. Everything here does without the table, as search does
    (MeaningUnavailable is caught): words then count alike and only words match."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self._encoder: Encoder | None = None

    def encoder(self) -> Encoder:
        """The encoder of texts into vectors, made on first need; MeaningUnavailable without the table."""
        if self._encoder is None:
            self._encoder = Encoder(shared_table())
        return self._encoder

    def informative(self, text: str) -> float:
        """How much a word tells in English at large, from COMMON_WORD ("first", "way") to 1
        ("airspace"): its vector's norm, which the table's weighting keeps small for common words. A
        word's rarity in the handbook alone would count "main" or "need" as much as "airspace". 1
        without the table, and for a phrase or a word it does not hold whole."""
        if " " in text:
            return 1.0
        try:
            encoder = self.encoder()
            vector = encoder.vector(text) if encoder.is_word(text) else None
        except MeaningUnavailable:
            return 1.0
        if vector is None:
            return 1.0
        return min(1.0, max(COMMON_WORD, (norm(vector) - PLAIN_NORM) / RARE_NORM_SPAN))

    def is_english(self, word: str) -> bool:
        """Whether a word is one of English: a whole word of the table's vocabulary."""
        try:
            return self.encoder().is_word(word)
        except MeaningUnavailable:
            return False

    def near_words(self, word: str) -> list[str]:
        """The handbook's words nearest in meaning to one it lacks, at least NEAR_WORD alike, best
        first, at most NEAR_WORDS of them; none for a word too common to have near ones worth
        trusting ("won": "showed")."""
        if self.informative(word) < NEAR_INFORMATIVE:
            return []
        try:
            vector = self.encoder().vector(word)
        except MeaningUnavailable:
            return []
        if vector is None or self.store is None:
            return []
        query = Query(vector)
        alike = [
            (query.similarity(stored, size), other)
            for other, size, stored in self.store.word_vectors()
            if not _negation_of(word, other)
        ]
        return [other for similarity, other in sorted(alike, reverse=True)[:NEAR_WORDS] if similarity >= NEAR_WORD]

    def entries_alike(self, text: str, known: set[str]) -> dict[int, float]:
        """How alike a text is to each entry that has a vector, by rowid. Only its words of English
        or of the handbook (`known`) count, and not the common ones: the pieces of a string of
        letters ("qwzx") would point anywhere."""
        from coalition_cli.store.search_index import STOPWORDS

        try:
            encoder = self.encoder()
            words = [
                word for word in bert_words(text) if word not in STOPWORDS and (word in known or encoder.is_word(word))
            ]
            vector = encoder.vector(" ".join(words))
        except MeaningUnavailable:
            return {}
        if vector is None or self.store is None:
            return {}
        query = Query(vector)
        return {rowid: query.similarity(stored, size) for rowid, (size, stored) in self.store.vectors().items()}
