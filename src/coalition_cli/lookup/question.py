"""A reader's question as `ask` reads it: what it asks, what it names, and what it asks about.

Worked out once per question: its parse (query.py: terms, the question words of model/questions.py), the
entries it names by a whole name in any span of its words ("the Quds Force", "Iranian"), the terms
it asks about besides those names with the weight of each (rare words count most, words the
handbook lacks as the rarest), and its form: passive ("who was killed"), an identity question
("who was Qassem Soleimani"), the thing counted ("how many Russian advisers"), the field asked for
("what did Iraq provide": its contributions), and the typed link a verb stands for ("who
commanded": `commanded`).
"""

from __future__ import annotations

import math
import re

from coalition_cli.model.handbook import Entry, fold, unaccent
from coalition_cli.store.search_index import STOPWORDS, entry_text, name_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from coalition_cli.lookup.query import Parsed
    from coalition_cli.store.tables import Store

MAX_NAMED_SPAN = 4  # words in the longest name looked for inside a question
# The forms of question (questions.QUESTIONS) that a date, a number, a place or a name answers.
DATED = ("what year", "which year", "what date", "what day", "which day", "what month", "which month")
WHEN = ("when", *DATED, "what stage", "what point", "what time")
HOW_MANY = ("how many", "how much", "how long", "what number")
WHERE = ("where", "which country", "what country", "which city", "which sea")
NAMES = ("who", "whose")
NAMED_KINDS = ("actor", "figure", "place")  # the things a question can be about beside its topic
# Verbs (and nouns) of a question, and the typed link that answers it: "who commanded the Quds
# Force" is whatever has a `commanded` link to it; "whose airspace did Russia use" whatever Russia's
# `used-airspace-of` links point to.
VERBS: dict[str, str] = {
    **dict.fromkeys(("command", "commanded", "commands", "led", "lead", "leads", "headed", "ran"), "commanded"),
    **dict.fromkeys(("kill", "killed", "kills", "assassinated", "assassinate", "murdered"), "killed"),
    **dict.fromkeys(("support", "supported", "supports", "backed", "backs", "back", "helped"), "supported"),
    **dict.fromkeys(("oppose", "opposed", "opposes", "fought", "fight", "fights", "against"), "opposed"),
    **dict.fromkeys(("member", "members", "belong", "belonged", "belongs", "joined", "comprised"), "member-of"),
    **dict.fromkeys(("airspace", "overflew", "overflights", "crossed", "cross"), "used-airspace-of"),
    **dict.fromkeys(("traded", "trade", "trading"), "traded-with"),
}
# Words that ask for one field of an actor: "what did Iraq provide" is its contributions.
FIELD_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("contribute", "contributed", "contribution", "contributions", "provide", "provided", "bring", "brought")
        + ("offer", "offered", "give", "gave"),
        "contributions",
    ),
    **dict.fromkeys(("role", "part"), "role"),
    **dict.fromkeys(("differ", "differed", "different", "difference", "differences"), "differences"),
}
_PASSIVE = re.compile(r"^\W*who\s+(?:was|were|got|is|are|has been|had been)\s+(\w+(?:ed|en)|slain|shot)\b", re.I)
# "who was Qassem Soleimani", "what does 4+1 mean"
_IDENTITY = re.compile(
    r"^\W*(?:who|what)\s+(?:is|was|are|were)\b|^\W*what\s+(?:does|do|did)\b.*\b(?:mean|means|refer|stand)", re.I
)
_MADE_UP = re.compile(r"\b(?:made|make|makes)\s+up\b|\bconsist", re.I)  # "who made up the axis": its members
_AUXILIARIES = frozenset("did do does was were is are has have had can could will would".split())
# A question that opens with one of these asks yes or no ("did Russia use Iranian airspace").
_YES_NO = _AUXILIARIES | frozenset(("should", "may", "might", "must", "shall"))
_WORD = re.compile(r"\w+")
_NUMBERS = {word: number for number, word in enumerate("zero one two three four five six seven eight nine".split())}
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b", re.IGNORECASE)


def form_of(text: str, asked: str | None) -> str | None:
    """What kind of answer a question wants: the question words of questions.QUESTIONS ("who", "how
    many", "when"...), else "why", "how", "yes-no" (it opens with an auxiliary: "did", "is"),
    "which" or "what"; None for a query that is no question."""
    if asked is not None:
        return asked
    words = [word.lower() for word in _WORD.findall(text)[:2]]
    if not words:
        return None
    if words[0] in ("why", "how", "which", "what", "who", "whose", "where", "when"):
        return str(words[0])
    if words[0] == "whom":
        return "who"
    return "yes-no" if words[0] in _YES_NO else None


def _opening(text: str) -> str:
    """A question from its question word on, past a phrase that leads it ("Besides the MOD, where
    could they be found": "where could they be found")."""
    head, comma, rest = text.partition(",")
    if comma and _WORD.findall(rest)[:1] and _WORD.findall(rest)[0].lower() in _ASKING:
        return rest
    return text


_ASKING = frozenset("who whom whose what which when where why how".split())


def _equally(_word: str) -> float:
    return 1.0


class Question:
    """One question, read."""

    def __init__(
        self, text: str, parsed: Parsed, store: Store, informative: Callable[[str], float] | None = None
    ) -> None:
        told = informative or _equally  # how much a word tells in English at large
        self.text = text
        self.parsed = parsed
        self.asked = parsed.question
        self.form = form_of(_opening(text), parsed.question)
        # Words typed with a capital letter (not the first) that no entry holds: a name the handbook
        # does not know ("Turkey", "Wagner"), so anything it answers would be about something else.
        capitals = {fold(word) for word in _WORD.findall(text)[1:] if word[:1].isupper()}
        self.strangers = [word for word in parsed.unmatched if word in capitals]
        self.capitals = capitals
        self.passive = bool(_PASSIVE.match(text))
        self.identity = bool(_IDENTITY.match(text))
        self.words = fold(_POSSESSIVE.sub("", _opening(text))).split()
        self.topical = any(word not in STOPWORDS for word in self.words)  # "who what when" asks nothing
        self.named, naming_words = named_in(store, self.words)
        self.naming_words = naming_words
        # Names typed with a capital that name no entry ("Turkey", which only a gloss mentions).
        self.unnamed = sorted(word for word in self.capitals - naming_words - STOPWORDS if len(word) > 2)
        self.things = {i: e for i, e in self.named.items() if e.kind in NAMED_KINDS}
        self.about = [t for t in parsed.terms if not set(fold(t.text).split()) <= naming_words]
        entries = store.entry_count
        self.weights = [math.log(1 + entries / (1 + term.count)) * told(term.text) for term in self.about]
        # Words the handbook lacks weigh the most a word can: no entry holds them.
        self.unknown_weights = {word: math.log(1 + entries) * told(word) for word in parsed.unmatched}
        self.unknown = sum(self.unknown_weights.values())
        # Every term's weight, names' too, for how much of the question a sentence holds.
        self.term_weights = [
            math.log(1 + entries / (1 + term.count)) * (0.5 if term.corrected else 1.0) * told(term.text)
            for term in parsed.terms
        ]
        self.relations = sorted({VERBS[word] for word in self.words if word in VERBS})
        if _MADE_UP.search(text):
            self.relations.append("member-of")
        self.fields = sorted({FIELD_WORDS[word] for word in self.words if word in FIELD_WORDS})
        self.counted = self._counted(store)
        # How many things the answer is to name, when the question says ("which two states").
        self.number = next((_NUMBERS[w] for w in self.words[1:3] if w in _NUMBERS), None)
        self.asked_for = self._asked_for(naming_words)

    def _asked_for(self, naming_words: set[str]) -> list[str]:
        """The words that describe what the answer is ("what kind of Syrian forces did Iran back":
        forces), between the question word and the first auxiliary, besides names and verbs."""
        return [word for word in self.described if word not in naming_words and word not in VERBS]

    @property
    def described(self) -> list[str]:
        """The question's words between its question word and its first auxiliary, but for common
        ones ("what military rank does the article give": military, rank); none without one."""
        words: list[str] = []
        for word in self.words[1:]:
            if word in _AUXILIARIES:
                return words
            if word not in STOPWORDS:
                words.append(word)
        return []  # no auxiliary: "who made up the axis" asks for no particular description

    def _counted(self, store: Store) -> dict[str, Entry]:
        """For "how many" and "how much": the things named in what is counted ("Russian" in "how
        many Russian advisers"), which must be what the number is of."""
        if self.asked not in ("how many", "how much"):
            return {}
        start = next((i + 2 for i, w in enumerate(self.words) if w == "how" and i + 1 < len(self.words)), 0)
        phrase: list[str] = []
        for word in self.words[start:]:
            if word in STOPWORDS or len(phrase) == 3:
                break
            phrase.append(word)
        return {i: e for i, e in named_in(store, phrase)[0].items() if e.kind in NAMED_KINDS}

    def own_coverage(self, entry: Entry) -> float:
        """The share of what the question asks about (besides what it names) that the entry's title
        or text holds: what the handbook says of it, not the index of words readers might use for
        it ("Iran-led" in an index does not make the Axis of Resistance who led anything)."""
        words = set(_WORD.findall(unaccent(f"{entry.title} {entry_text(entry)} {entry.note or ''}")))
        found = sum(
            weight
            for term, weight in zip(self.about, self.weights, strict=True)
            if any(set(form.split()) <= words for form in term.alternatives)
        )
        total = sum(self.weights) + self.unknown
        return found / total if total else 1.0


def named_in(store: Store, words: list[str]) -> tuple[dict[str, Entry], set[str]]:
    """The entries named (by a whole name: id, title, alias or index term) in any span of the
    words, by id; and the words of those names. The longest name wins its words: "the Iranian
    general" is Soleimani, not Iran as well."""
    found: dict[str, Entry] = {}
    naming: set[str] = set()
    taken: set[int] = set()
    for size in range(min(MAX_NAMED_SPAN, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            places = set(range(start, start + size))
            if places & taken or set(words[start : start + size]) <= STOPWORDS:  # "is" is no name ("IS")
                continue
            span = name_key(" ".join(words[start : start + size]))
            rowids = store.named(span, []) if span else {}
            if not rowids:
                continue
            taken |= places
            naming.update(span.split())
            for entry in store.by_rowids(rowids).values():
                found[entry.id] = entry
    return found, naming


def in_title(entry: Entry, named: Entry) -> bool:
    """Whether one of the named entry's names is in the entry's title (what the entry is about)."""
    title = f" {fold(entry.title)} "
    return any(f" {fold(name)} " in title for name in named.names())
