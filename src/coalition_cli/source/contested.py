"""Names a layered handbook shares with the handbooks beneath it, or makes look alike.

Why: `show usa` answers whichever entry the name resolves to, by id, then name, then the start of
a name, then a word in one (store.py). A notes file layered on the shipped handbook can add an
actor whose id is `usa`, an alias `Carlos`, or an `Irаn` spelled with a Cyrillic `а`, and so
quietly change what a familiar name answers, or show two entries that read the same. The loader
warns of each such name when it reads the upper file, and `show` says which file an answer came
from when the name it was asked is contested.

A lookalike is found by a skeleton of the name: compatibility-normalised, case-folded, with the
Cyrillic, Greek and Armenian letters that are drawn like Latin ones mapped to those (a small part
of Unicode's confusables list, enough for the scripts handbook writers mix with English).
"""

from __future__ import annotations

import bisect
import unicodedata

from coalition_cli.model.handbook import fold, unaccent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.model.handbook import Entry

_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y",
        "ԝ": "w", "х": "x", "с": "c", "ԁ": "d",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ζ": "z", "ϲ": "c",
        # Armenian, Cherokee, and Latin letters drawn like others
        "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ℓ": "l",
        "Ꭵ": "i", "ɩ": "i",
        # Upright strokes: a capital I, a small l, a one and a bar look alike ("lran" for "Iran")
        "I": "l", "1": "l", "|": "l", "ɪ": "l", "Ι": "l", "І": "l", "Ӏ": "l", "ǀ": "l",
    }
)  # fmt: skip


# An ASCII name drawn by one table of bytes: letters in small (a capital I, a one and a bar as the
# stroke l), digits kept, all else dropped.
_ASCII_DRAWN = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ1|", b"abcdefghljklmnopqrstuvwxyzll")
_ASCII_UNDRAWN = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c) == "|"))


def skeleton(name: str) -> str:
    """What a name looks like: two names with the same skeleton read the same to a person."""
    if name.isascii():  # most names: nothing to normalise, and few letters to map
        return name.encode().translate(_ASCII_DRAWN, _ASCII_UNDRAWN).decode()
    drawn = unicodedata.normalize("NFKC", name).translate(_LOOKALIKES).casefold().translate(_LOOKALIKES)
    return "".join(char for char in unaccent(drawn) if char.isalnum())


def skeletons(name: str, folded: str | None = None) -> tuple[str, ...]:
    """The skeletons of a name as written and in small letters, in that order: "Iran" is drawn
    "lran" (a capital I is a stroke like l), and "iran" like "Ꭵran". Given the name `folded`
    (handbook.fold), an ASCII name without a capital I or a bar is drawn as its folded letters
    run together, 1 as l: a large layer checks many names, and this costs a tenth."""
    if folded is not None and name.isascii() and "I" not in name and "|" not in name:
        return (folded.replace(" ", "").replace("1", "l"),)
    drawn = skeleton(name)
    if name.isascii() and "I" not in name:
        return (drawn,)  # in small letters it is drawn the same: a large layer checks many names
    return tuple(dict.fromkeys((drawn, skeleton(name.lower()))))


class Owner:
    """The entry beneath that a name belongs to."""

    __slots__ = ("kind", "id", "file", "written")

    def __init__(self, kind: str, entry_id: str, file: str, written: str) -> None:
        self.kind, self.id, self.file, self.written = kind, entry_id, file, written


class NamesBeneath:
    """The names of every entry in the handbooks beneath the file being read, indexed the four ways
    a reader's name is resolved, and by skeleton."""

    def __init__(self) -> None:
        self.exact: dict[str, Owner] = {}
        self.drawn: dict[str, Owner] = {}
        self.words: dict[str, Owner] = {}
        self._sorted: list[str] | None = None
        self._longest = self._longest_drawn = 0  # the longest name and drawing beneath, once sorted
        self.indexed: dict[str, Owner] = {}  # index terms beneath, folded
        self._staged: list[tuple[str, str, str, list[str], tuple[str, ...]]] = []

    def stage(self, entry: Entry) -> None:
        """Keep an entry's names and index terms until its file is read (entries of one file do not
        contest)."""
        self._staged.append((entry.kind, entry.id, entry.origin, entry.names(), entry.index))

    def settle(self) -> None:
        """The file is read: its staged names are beneath the next file. An index term is found only
        as a whole (after names and their starts), so it is kept apart from the names."""
        for kind, entry_id, origin, names, index in self._staged:
            self._add(kind, entry_id, origin, names)
            for term in index:
                owner = Owner(kind, entry_id, origin, term)
                folded = fold(term)
                self.indexed.setdefault(folded, owner)
                for word in folded.split()[1:]:  # "kremlin" of "the Kremlin": a reader's word for it
                    self.words.setdefault(word, owner)
        self._staged = []
        self._sorted = None

    def _add(self, kind: str, entry_id: str, origin: str, names: list[str]) -> None:
        for name in names:
            owner = Owner(kind, entry_id, origin, name)
            folded = fold(name)
            self.exact.setdefault(folded, owner)
            for drawn in skeletons(name):
                self.drawn.setdefault(drawn, owner)
            for word in folded.split()[1:]:
                self.words.setdefault(word, owner)

    def clash(
        self, name: str, entry_id: str, folded: str | None = None, starts: bool = True
    ) -> tuple[Owner, str] | None:
        """The entry beneath (not `entry_id` itself) that `name` (folded: `folded`) would take from,
        or be mistaken for, and how: "same", "lookalike", "start" or "word" ("start" only when
        `starts`: an index term is looked up after the starts of names, so takes none of them)."""
        folded = fold(name) if folded is None else folded
        if not folded:
            return None
        owner = self.exact.get(folded) or self.indexed.get(folded)
        if owner is not None and owner.id != entry_id:
            return owner, "same"
        self._names_sorted()
        # An ASCII name is drawn as its folded letters (a bar aside): one longer than any drawn
        # beneath cannot look like one (a title in a large layer, most often).
        if not name.isascii() or "|" in name or len(folded) - folded.count(" ") <= self._longest_drawn:
            for drawn in skeletons(name, folded):
                owner = self.drawn.get(drawn)
                if owner is not None and owner.id != entry_id:
                    return owner, "lookalike"
        owner = self._starting(folded) if starts else None
        if owner is not None and owner.id != entry_id:
            return owner, "start"
        owner = self.words.get(folded) if " " not in folded else None  # a word beneath is one word
        if owner is not None and owner.id != entry_id:
            return owner, "word"
        return None

    def named_in(self, folded: str) -> Owner | None:
        """The entry beneath whose name is the longest run of words in a folded text, if any."""
        words = folded.split()
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                span = " ".join(words[start : start + size])
                owner = self.exact.get(span) or self.indexed.get(span)
                if owner is not None:
                    return owner
        return None

    def _names_sorted(self) -> list[str]:
        """The names beneath in order (and the longest name and drawing), once they are settled."""
        if self._sorted is None:
            self._sorted = sorted(self.exact)
            self._longest = max(map(len, self._sorted), default=0)
            self._longest_drawn = max(map(len, self.drawn), default=0)
        return self._sorted

    def _starting(self, folded: str) -> Owner | None:
        names = self._names_sorted()
        if len(folded) > self._longest:
            return None  # no name beneath is that long (a title in a large layer, most often)
        at = bisect.bisect_left(names, folded)
        if at < len(names) and names[at].startswith(folded):
            return self.exact[names[at]]
        return None


def question_message(name: str, asked: str, owner: Owner | None) -> str:
    """The warning for a name that reads as a question ("who led the coalition"): `ask` would
    answer that question from this entry, not the article."""
    about = f', a question about "{owner.written}" ({owner.kind} "{owner.id}" in {owner.file})' if owner else ""
    return f'the name "{name}" reads as a "{asked}" question{about}; "ask {name}" may now answer from this entry'


def clash_message(name: str, owner: Owner, how: str) -> str:
    """The warning for one contested name, saying what `show` will now do with it."""
    beneath = f'{owner.kind} "{owner.id}" in {owner.file}'
    if how == "same":
        return f'the name "{name}" is also a name of {beneath}; "show {name}" may now answer with this entry'
    if how == "lookalike":
        import unicodedata

        # The letter that is not what it seems: the first drawn like another that is not ASCII,
        # else the first that differs from the name beneath ("l" for "I").
        odd = next(
            (
                c
                for c in name
                if not c.isascii() and (c.translate(_LOOKALIKES) != c or unicodedata.normalize("NFKC", c) != c)
            ),
            "",
        )
        odd = odd or next((a for a, b in zip(name, owner.written, strict=False) if a != b), "")
        letter = f" (its {odd} is U+{ord(odd):04X} {unicodedata.name(odd, '')})" if odd else ""
        return (
            f'the name "{name}" looks like "{owner.written}", a name of {beneath}, but is spelled with'
            f" other letters{letter}; readers cannot tell them apart"
        )
    where = "the start of" if how == "start" else "a word in"
    return f'the name "{name}" is {where} "{owner.written}" ({beneath}); "show {name}" now answers with this entry'
