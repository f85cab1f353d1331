"""The handbook's sentences as answers: which sentence of an entry best answers a question, and
whether it can be the kind of answer asked for.

A sentence is scored by how much of what the question asks about (besides the things it names) it
holds, its words or words near them in meaning (meaning.py), rare words weighing most; plus how alike
in meaning the two are as wholes. Only sentences that fit are scored: every entry the question
names is the sentence's entry, linked to it, or named in it; a "when" sentence holds a date, a "who"
one a name the question does not, a "where" one a place. A yes-or-no question is settled by the
best sentence only when it plainly says yes (every word and name of the question, nothing negative)
or no (another place where the question puts one, "non-" of a word it asks, a comparison the other
way round); a question that asks to choose ("the Russians or the Iranians") by the one a comparing
sentence puts first.
"""

from __future__ import annotations

import re

from coalition_cli.lookup.question import DATED, HOW_MANY, NAMES, WHEN, WHERE, Question, in_title, named_in
from coalition_cli.model.handbook import Entry, fold
from coalition_cli.model.records import Record
from coalition_cli.model.words import sentences, without_possessives
from coalition_cli.store.search_index import MONTHS, STOPWORDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.lookup.search import SearchIndex
    from coalition_cli.store.meaning import Encoder
    from coalition_cli.store.tables import Store

# A sentence answers when its coverage of the question's weight plus SENTENCE_MEANING times its
# similarity in meaning (cosine) reaches SENTENCE_ENOUGH (ask.py), with at least SENTENCE_COVERAGE
# covered. Chosen on the blind question sets tune, dev and final (tests/data/blind), for the most
# right answers with the fewest wrong ones.
SENTENCE_MEANING = 0.5
SENTENCE_COVERAGE = 0.4
SOFT_FLOOR = 0.3  # a sentence's word less alike in meaning to a question's than this stands for nothing of it
FORM_BONUS = 0.1  # a sentence that gives a reason, for "why", or a means, for "how"
FIRST_ENTRY_BONUS = 0.1  # a sentence of the entry search puts first
MAX_OPTION_WORDS = 4  # words on either side of "or" that may name what a question asks to choose from
_YEAR = re.compile(r"\b\d{4}\b")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand"
    " million dozen decade decades half".split()
)
_MONTHS = frozenset(month.lower() for month in MONTHS)
_TIME_WORDS = frozenset(("peak", "height"))  # when, besides a date: at what stage
# Words that give a reason or a means: what "why" and "how" ask for.
_NAMING = frozenset("called call name named names mean means meaning stand stands".split())
_FORM_MARKERS = {
    "why": frozenset(
        "because reason reasons since so hence therefore due order aim aims aimed goal sake why sought seek seeking"
        " purpose intent meant vital".split()
    ),
    "how": frozenset("by through using via means way ways".split()),
}


class Sentence(Record):
    """A sentence of an entry, and the field it is from ("summary", "role", "key_points"...)."""

    __slots__ = ("text", "entry", "field")

    def __init__(self, text: str, entry: Entry, field: str) -> None:
        self.text = text
        self.entry = entry
        self.field = field


class Candidate(Record):
    """A sentence scored for a question: its score, and the two measures it is made of."""

    __slots__ = ("sentence", "score", "coverage", "similarity")

    def __init__(self, sentence: Sentence, score: float, coverage: float, similarity: float) -> None:
        self.sentence = sentence
        self.score = score
        self.coverage = coverage  # the share of the question's weight the sentence holds (0 to 1)
        self.similarity = similarity  # cosine of the question's vector and the sentence's


def entry_sentences(entry: Entry) -> list[Sentence]:
    """The sentences an answer may be: the summary's and each field's, in that order. Not the
    note's (the editor's remark on the article, not what it says), nor what is outside the article
    (a field's answer brings it, marked as such)."""
    found = [Sentence(text, entry, "summary") for text in sentences(entry.summary)]
    for key in ("role", "contributions", "differences", "key_points", "stands_for"):
        value = entry.details.get(key)
        items = value if isinstance(value, tuple) else (value,) if isinstance(value, str) else ()
        found += [Sentence(text, entry, key) for item in items for text in sentences(item)]
    return found


def _alike(entry: Entry, other: Entry) -> bool:
    """Whether two things can stand in each other's place in a question: of the same kind, or each
    a place or a state (where something happened, a city or a country either way)."""
    return entry.kind == other.kind or (_somewhere(entry) and _somewhere(other))


def _somewhere(entry: Entry) -> bool:
    return entry.kind == "place" or (entry.kind == "actor" and entry.details.get("type") == "state")


def words_of(text: str) -> set[str]:
    """A text's words as names are compared with them: folded, without possessives."""
    return set(fold(without_possessives(text)).split())


class SentenceReader:
    """Scores the sentences of a store's entries against questions."""

    def __init__(self, store: Store, index: SearchIndex) -> None:
        self.store = store
        self.index = index
        self._vectors: dict[str, tuple[list[int], float] | None] = {}

    def best(self, question: Question, entries: list[Entry], typed: bool) -> Candidate | None:
        """The best-scoring sentence of these entries for the question; with `typed`, only
        sentences that can be the kind of answer the question asks for. A sentence is scored by
        how much of what the question asks about (besides the things it names) it holds, plus
        SENTENCE_MEANING times how alike in meaning the two are."""
        from coalition_cli.store import meaning

        encoder = self._encoder()
        scored: list[tuple[float, int, Candidate]] = []
        query_vector = encoder.vector(question.text) if encoder is not None else None
        query_norm = meaning.norm(query_vector) if query_vector else 0.0
        for order, entry in enumerate(entries):
            linked = self.store.linked(entry) | {entry.id}
            for position, sentence in enumerate(entry_sentences(entry)):
                words = words_of(sentence.text)
                if typed and question.form == "why" and entry.kind == "term" and not position:
                    if not words_of(question.text) & _NAMING:
                        continue  # a term's definition is why it is called so, not why anything was done
                if not self._names_fit(question, entry, linked, words):
                    continue
                if typed and not self._fits_form(question, sentence, words):
                    continue
                coverage = self.coverage(question, words)
                if coverage < SENTENCE_COVERAGE:
                    continue
                similarity = 0.0
                if query_vector is not None and encoder is not None:
                    vector = encoder.vector(f"{entry.title}. {sentence.text}")
                    if vector is not None:
                        similarity = meaning.cosine(query_vector, query_norm, vector, meaning.norm(vector))
                bonus = FORM_BONUS if words & _FORM_MARKERS.get(question.form or "", frozenset()) else 0.0
                bonus += FIRST_ENTRY_BONUS if order == 0 else 0.0
                score = coverage + SENTENCE_MEANING * similarity + bonus
                scored.append((score, -order, Candidate(sentence, score, coverage, similarity)))
        if not scored:
            return None
        return max(scored, key=lambda item: (item[0], item[1]))[2]

    def coverage(self, question: Question, words: set[str], soft: bool = True) -> float:
        """The share of what the question asks about, besides the things it names, that the words
        hold: each term's weight (rare and telling words weigh most, words the handbook lacks the
        most), in full where the words hold it, else (with `soft`) in the measure that a word of
        theirs is near it in meaning: nothing at a cosine of SOFT_FLOOR, all of it at 1. A question
        that only names things holds nothing else to find: 1."""
        total = sum(question.weights) + question.unknown
        if not total:
            return 1.0
        found = 0.0
        for term, weight in zip(question.about, question.weights, strict=True):
            weight *= 0.5 if term.corrected else 1.0
            if any(set(form.split()) <= words for form in term.alternatives):
                found += weight
            elif soft:
                found += weight * self._nearness(term.text, words)
        if soft:
            found += sum(weight * self._nearness(word, words) for word, weight in question.unknown_weights.items())
        return found / total

    def _nearness(self, text: str, words: set[str]) -> float:
        """How near in meaning the nearest of the words is to the term's, from 0 (SOFT_FLOOR or
        less alike) to 1 (the same direction)."""
        from coalition_cli.store import meaning

        term = self._word_vector(text)
        if term is None:
            return 0.0
        nearest = SOFT_FLOOR
        for word in words - STOPWORDS:
            other = self._word_vector(word)
            if other is not None:
                nearest = max(nearest, meaning.cosine(term[0], term[1], other[0], other[1]))
        return (nearest - SOFT_FLOOR) / (1 - SOFT_FLOOR)

    def verdict(self, question: Question, sentence: Sentence) -> str | None:
        """ "No" for a yes-or-no question when the sentence that best answers it contradicts it:
        it puts another thing of the same kind where the question puts one ("killed in Damascus":
        Baghdad), says "non-" of a word the question asks ("a state member": a non-state one), or
        compares the other way round. None otherwise: a sentence holding every word of a question
        does not say yes to it ("is Hezbollah a state member": "four states plus Hezbollah")."""
        words = words_of(sentence.text)
        text = fold(without_possessives(sentence.text))
        for thing_id, thing in question.named.items():
            if self.mentions(thing, words) or thing_id == sentence.entry.id:
                continue
            rivals = named_in(self.store, text.split())[0]
            if any(_alike(rival, thing) and rival_id not in question.named for rival_id, rival in rivals.items()):
                return "No"
            return None
        topic = {word for term in question.about for word in term.text.split()}
        if any(f"non {word}" in text for word in topic):
            return "No"
        if " than " in f" {fold(question.text)} " and " than " in f" {text} ":
            before = [
                i
                for i in question.things
                if self.mentions(question.things[i], words_of(fold(question.text).split(" than ")[0]))
            ]
            after = [i for i in question.things if self.mentions(question.things[i], words_of(text.split(" than ")[0]))]
            return "No" if before != after else None
        return None

    def options(self, question: Question) -> list[Entry]:
        """The things a question asks to choose between ("the Russians or the Iranians"), if any."""
        text = fold(question.text)
        if " or " not in f" {text} ":
            return []
        before, _, after = text.rpartition(" or ")
        first = named_in(self.store, before.split()[-MAX_OPTION_WORDS:])[0]
        second = named_in(self.store, after.split()[:MAX_OPTION_WORDS])[0]
        if len(first) < 1 or len(second) < 1:
            return []
        return [*first.values(), *second.values()]

    def chosen(self, options: list[Entry], sentence: Sentence) -> Entry | None:
        """Which of the options a sentence that compares them puts first ("Russia had more advisers
        than Iran": Russia); None if it does not compare them so."""
        text = fold(without_possessives(sentence.text))
        if " than " not in f" {text} ":
            return None
        before = words_of(text.split(" than ")[0])
        after = words_of(text.split(" than ", 1)[1])
        ahead = [o for o in options if self.mentions(o, before) and not self.mentions(o, after)]
        behind = [o for o in options if self.mentions(o, after)]
        return ahead[0] if len(ahead) == 1 and behind else None

    def answers_by_name(self, question: Question, entry: Entry) -> bool:
        """Whether the entry a sentence is of is itself the answer: an actor, figure or place the
        question does not name, for a question that asks who, which or where."""
        asked = question.asked or question.form
        if entry.id in question.named:
            return False
        if question.form == "what" and question.asked_for and entry.kind == "term":
            return True  # "what rank does the article give him": the term that is that rank
        by_name = asked in NAMES or asked in WHERE or question.form == "which"
        return by_name and entry.kind in ("actor", "figure", "place")

    def mentions(self, entry: Entry, words: set[str]) -> bool:
        return any(set(fold(name).split()) <= words for name in (*entry.names(), *entry.index) if fold(name))

    def _names_fit(self, question: Question, entry: Entry, linked: set[str], words: set[str]) -> bool:
        """Whether every entry the question names is the entry, linked to it, or named in the
        sentence ("was Soleimani killed in Damascus" is about the killing, wherever its words are)."""
        for thing_id, thing in question.named.items():
            if thing_id in linked or in_title(entry, thing):
                continue
            if question.form == "yes-no" and thing.kind in ("place", "actor"):
                continue  # "killed in Damascus?": the sentence may say where instead
            if not any(set(fold(name).split()) <= words for name in (*thing.names(), *thing.index) if name):
                return False
        return True

    def _fits_form(self, question: Question, sentence: Sentence, words: set[str]) -> bool:
        """Whether a sentence can be the kind of answer asked for: a time for "when", a number for
        "how many", a name of another entry for "who" and "where" (not only the question's own)."""
        form = question.form
        asked = question.asked or form
        text = fold(without_possessives(sentence.text))
        options = self.options(question)
        if options:  # "the Russians or the Iranians": a sentence that compares them
            return " than " in f" {text} " and sum(self.mentions(o, words) for o in options) >= 2
        if asked in WHEN:
            dated = bool(_YEAR.search(sentence.text)) or bool(words & _MONTHS)
            return dated if asked in DATED else dated or bool(words & _TIME_WORDS)
        if asked in HOW_MANY:
            numbers = {word for word in words if word.isdigit() or word in _NUMBER_WORDS}
            return bool(numbers - set(question.words))
        if asked in WHERE:
            named = named_in(self.store, text.split())[0]
            if self.answers_by_name(question, sentence.entry):
                named[sentence.entry.id] = sentence.entry
            return any(self._is_place(entry, asked) and i not in question.named for i, entry in named.items())
        if form == "which" and question.asked_for:
            described = words | words_of(" ".join((*sentence.entry.names(), *sentence.entry.index)))
            if not any(any(word.startswith(asked[:5]) for word in described) for asked in question.asked_for):
                return False  # "which air base": a sentence of no air base
        if asked in NAMES or form == "which":
            # A name the question does not hold: the sentence's entry, or one it names.
            if self.answers_by_name(question, sentence.entry):
                return True
            return bool(set(named_in(self.store, text.split())[0]) - set(question.named))
        return True

    def _is_place(self, entry: Entry, asked: str) -> bool:
        """Whether an entry can answer "where" (a place, or a state), "which city" or "which sea"."""
        if asked in ("which city", "which sea"):
            return entry.kind == "place" and entry.details.get("type") == asked.split()[1]
        return entry.kind == "place" or (entry.kind == "actor" and entry.details.get("type") == "state")

    def _word_vector(self, word: str) -> tuple[list[int], float] | None:
        from coalition_cli.store import meaning

        if word not in self._vectors:
            encoder = self._encoder()
            vector = encoder.vector(word) if encoder is not None else None
            self._vectors[word] = (vector, meaning.norm(vector)) if vector else None
        return self._vectors[word]

    def _encoder(self) -> Encoder | None:
        from coalition_cli.store.meaning import MeaningUnavailable

        try:
            return self.index.meaning.encoder()
        except MeaningUnavailable:
            return None
