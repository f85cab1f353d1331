"""`coalition ask`: one direct answer to a reader's question, then where it comes from.

An answer is read off the handbook, never composed. In order:
1. a typed link, when the question's verb names one and the question names one of its ends ("who
   commanded the Quds Force", "who killed Soleimani", "whose airspace did Russia use", "who are the
   members of the 4+1");
2. a field of the one actor or figure the question names, when it asks for that field ("what did
   Iraq provide": its contributions; "who was Qassem Soleimani": his role);
3. a field of an entry search finds, for the questions fields answer: a fact's date ("when") or
   number ("how many"), the actors a fact names as having done it ("who"), the place it is linked
   to ("where"), a term's expansion ("what is");
4. otherwise (why, how, did, what happened...), the handbook sentence that best answers it: from the
   summaries, fields, key points and notes of the entries search finds, scored by how much of the
   question's weight it holds (rare words count most) and by how alike in meaning it is (meaning.py).
A field's answer comes with the sentence of its entry that best supports it.

Never a confident wrong answer, so the handbook declines (exit 1) when:
- the question names something no entry mentions ("Turkey", "Wagner");
- the entry's note says the article does not give what is asked ("does not say who attended");
- a field's entry or a sentence does not hold enough of the question, in its own words: the entry
  covers at least ASK_CONFIDENT of the question's weight, a sentence scores at least SENTENCE_ENOUGH;
- an actor, figure or place the question names is not the entry, linked to it, in its title or
  in the sentence ("how many U.S. troops are in Iraq and Syria" is not the troops in South Korea),
  and what a number counts is what the question counts ("how many Russian advisers" is not 47);
- the answer would be the question's own subject ("who took over the Quds Force after Soleimani"
  is not Soleimani), or a name where the question asks why or how.
A declined question says what search found first, to read instead.
"""

from __future__ import annotations

import re

from coalition_cli.lookup.query import check_query, quoted
from coalition_cli.lookup.question import HOW_MANY, NAMES, WHEN, WHERE, Question, in_title, named_in
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.lookup.sentence_answers import SentenceReader, words_of
from coalition_cli.model.errors import NotFound
from coalition_cli.model.handbook import Entry, fold
from coalition_cli.model.records import Record
from coalition_cli.model.words import sentences
from coalition_cli.store.search_index import MONTHS, STOPWORDS, name_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.lookup.search import Hit
    from coalition_cli.store.tables import Store

ASK_CONFIDENT = 0.6  # the share of the question's weight a field's entry must cover
CANDIDATES = 6  # search hits considered, best first
SENTENCE_ENTRIES = 2  # of which the first this many are read for a sentence that answers
MAX_ANSWERS = 8  # entries one answer may list: more would be a list, not an answer
MAX_LINKS = 500  # links of one kind read for one question
SENTENCE_ENOUGH = 0.9  # the score (sentence_answers.py) a sentence needs to be an answer...
WHY_ENOUGH = 1.15  # ...to a "why": a sentence on the subject is more often no reason for it
_YEAR = re.compile(r"\b\d{4}\b")
# What a note says the article leaves out, and the words that tie it to a kind of question.
_UNSAID = re.compile(
    r"\b(?:does not|do not|did not|doesn't|never|without)\s+(?:say|says|saying|give|gives|giving|name|names|"
    r"naming|date|dates|dating|state|states|stating)\b|\bgives? no\b|\bno (?:number|date|day|figure|name)\b|"
    r"\bnot (?:at|from|in|the)\b",
    re.IGNORECASE,
)
_FORM_WORDS = {
    **dict.fromkeys(WHEN, frozenset(("when", "date"))),
    **dict.fromkeys(HOW_MANY, frozenset(("number", "figure"))),
    **dict.fromkeys(WHERE, frozenset(("where",))),
    **dict.fromkeys(NAMES, frozenset(("who", "whom", "whose"))),
}
# Words that ask for a particular kind of thing ("on what day", "in which city"): a note that says
# the article leaves that out answers the question too.
_SPECIFIC = frozenset("day month year city country worth value size count total".split())


class Answer(Record):
    """One direct answer: its text, the entry it was read from, the section and quote it rests on,
    who the article attributes it to, any of it that is from outside the article, and the
    handbook's sentence it rests on when the answer is a field's value."""

    __slots__ = ("question", "text", "entry", "section", "quote", "said_by", "outside", "note", "basis")

    def __init__(
        self,
        question: str,
        text: str,
        entry: Entry,
        section: str | None,
        quote: str | None,
        said_by: str | None = None,
        outside: str | None = None,
        basis: str | None = None,
    ) -> None:
        self.question = question
        self.text = text
        self.entry = entry
        self.section = section
        self.quote = quote
        self.said_by = said_by
        self.outside = outside
        self.note = entry.note  # the editor's caution on what the article says here, if any
        self.basis = basis


def format_date(date: str) -> str:
    """An ISO date at the precision the handbook has it: "2015-09" is "September 2015"."""
    parts = date.split("-")
    if len(parts) == 1:
        return date
    month = MONTHS[int(parts[1]) - 1]
    return f"{int(parts[2])} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def first_sentence(text: str) -> str:
    found = sentences(text.strip())
    return found[0] if found else text.strip()


_SMALL = "zero one two three four five six seven eight nine".split()


def spelled(quantity: str) -> str:
    """A quantity with a number below ten in words, as prose writes it: "5 decades" is "five decades"."""
    head, _, rest = quantity.partition(" ")
    return f"{_SMALL[int(head)]} {rest}".strip() if head.isdigit() and int(head) < 10 else quantity


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Asker:
    """Answers questions from one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = SearchIndex(store)
        self.sentences = SentenceReader(store, self.index)

    def ask(self, text: str) -> Answer:
        """The answer to a question, or NotFound saying that the handbook has none."""
        check_query(text)
        declined = f"the handbook has no answer to {quoted(text)}"
        question = Question(text, self.index.parse(text), self.store, self.index.meaning.informative)
        if not question.topical:
            raise NotFound(declined + ": it asks about nothing in particular")
        if question.strangers:
            unknown = ", ".join(f'"{word}"' for word in question.strangers)
            raise NotFound(declined + f": no entry mentions {unknown}")
        try:
            hits = self.index.search(text, limit=CANDIDATES).hits
        except NotFound:
            unknown = ", ".join(f'"{word}"' for word in question.parsed.unmatched)
            raise NotFound(declined + (f": no entry mentions {unknown}" if unknown else "")) from None
        entries = [hit.entry for hit in hits]
        answer = self._typed(question, hits) if question.form not in ("why", "how", "yes-no") else None
        if answer is None:
            answer = self._definition(question) or self._described_as(question)
        if answer is None and question.asked not in HOW_MANY:  # a number is a field's, never a sentence's
            answer = self._by_sentence(question, entries[:SENTENCE_ENTRIES])
        # What the entries the question is most about say the article leaves out, before any answer.
        about = [hit.entry for hit in hits if hit.coverage >= ASK_CONFIDENT][:3]
        for entry in ([answer.entry] if answer is not None else []) + about:
            unsaid = self._unsaid(question, entry)
            if unsaid is not None:
                raise NotFound(f"{declined}: {unsaid} (try: coalition show {entry.id})")
        if answer is not None:
            return answer
        raise NotFound(f"{declined} (try: coalition show {entries[0].id})")

    # -- answers from fields and links ---------------------------------------------------------

    def _typed(self, question: Question, hits: list[Hit]) -> Answer | None:
        """An answer from a typed link or a field, with the sentence that supports it."""
        answer = self._by_relation(question) or self._by_field(question)
        if answer is None:
            for hit in hits:
                if hit.coverage < ASK_CONFIDENT:
                    break
                if not self._about(hit.entry, question) or question.own_coverage(hit.entry) < ASK_CONFIDENT:
                    continue
                answer = self._from_fields(question, hit.entry)
                if answer is not None or question.asked is None:
                    break  # a question of no known form is answered by the best entry or not at all
        if answer is None:
            return None
        if question.form in NAMES and self._restates(question, answer):
            return None
        best = self.sentences.best(question, [answer.entry], typed=False)
        if best is not None and best.sentence.text != answer.text:
            answer.basis = best.sentence.text
        return answer

    def _restates(self, question: Question, answer: Answer) -> bool:
        """Whether a name answer is only what the question already names (the question's subject)."""
        named = {fold(name) for entry in question.named.values() for name in entry.names()}
        return all(fold(part) in named for part in re.split(r", | and ", answer.text))

    def _about(self, entry: Entry, question: Question) -> bool:
        """Whether every actor, figure and place the question names is the entry, linked to it or
        in its title; and whatever a number counts is in its title."""
        linked = self.store.linked(entry) | {entry.id}
        if not all(i in linked or in_title(entry, named) for i, named in question.things.items()):
            return False
        return all(i == entry.id or in_title(entry, named) for i, named in question.counted.items())

    def _answer(
        self, question: Question, text: str, entry: Entry, outside: str | None = None, basis: str | None = None
    ) -> Answer:
        quote = entry.quote
        section = quote.section if quote is not None else (entry.source[0] if entry.source else None)
        said_by = entry.details.get("said_by")
        who_said = None
        if isinstance(said_by, str):
            speaker = self.store.get(said_by)
            who_said = speaker.title if speaker is not None else said_by
        return Answer(question.text, text, entry, section, quote.text if quote else None, who_said, outside, basis)

    def _names(self, ids: tuple[str, ...]) -> str:
        found = self.store.by_ids(ids)
        return _listed([found[i].title if i in found else i for i in ids])

    def _by_relation(self, question: Question) -> Answer | None:
        """Read off the typed links the question's verb names. "Who commanded the Quds Force": what
        has a `commanded` link to it. "Who was killed by the U.S.", "whose airspace did Russia use",
        "what kind of forces did Iran back": what the named entry's links point to (narrowed to
        those whose title says what is asked for). "Who was killed": the one such link, if only one."""
        for relation in question.relations:
            links = self.store.links_of(relation, MAX_LINKS + 1)
            if len(links) > MAX_LINKS:
                continue  # a relation this common answers nothing in particular
            # "Who commanded X": what links to X; a group's members, however asked, link to it.
            inbound = (question.asked == "who" and not question.passive) or relation == "member-of"
            for entry in question.named.values():
                if inbound:
                    ends = tuple(s for s, t in links if t == entry.id)
                else:
                    ends = tuple(t for s, t in links if s == entry.id)
                ends = self._described(ends, question.asked_for)
                if not 0 < len(ends) <= MAX_ANSWERS or question.number not in (None, len(ends)):
                    continue  # none, too many for one answer, or not as many as asked ("which two states")
                if question.asked in HOW_MANY:  # "how many members": the links counted
                    answer = self._linked_answer(question, ends, entry)
                    answer.text = f"{spelled(str(len(ends)))}: {answer.text}"
                    return answer
                return self._linked_answer(question, ends, entry)
            if question.passive and len(links) == 1:  # "who was killed (in the drone strike)"
                source, target = links[0]
                found = self.store.get(target)
                if found is not None and set(question.named) <= self.store.linked(found) | {source, target}:
                    return self._linked_answer(question, (target,), found)
        return None

    def _described(self, ids: tuple[str, ...], words: list[str]) -> tuple[str, ...]:
        """The entries among `ids` whose title holds every word asked for (all, if none is)."""
        if not words or not ids:
            return ids
        found = self.store.by_ids(ids)
        titles = {i: set(fold(found[i].title).split()) for i in ids if i in found}
        stems = [word[:5] for word in words]  # "forces" and "force": a word's start will do here
        return tuple(i for i in ids if i in titles and all(any(t.startswith(s) for t in titles[i]) for s in stems))

    def _linked_answer(self, question: Question, ends: tuple[str, ...], entry: Entry) -> Answer:
        answer = self._answer(question, self._names(ends), entry)
        answer.quote = None  # the link is the handbook's reading of the article, not a quoted claim
        return answer

    def _by_field(self, question: Question) -> Answer | None:
        """The one actor or figure a question names, and the field it asks for: its contributions,
        role or differences; for "who was Qassem Soleimani", with nothing else asked, its role."""
        people = [e for e in question.things.values() if e.kind in ("actor", "figure")]
        if len(people) != 1:
            return None
        entry = people[0]
        if question.unnamed:
            return None  # "what role did Turkey play in the Syrian war" is not Syria's role
        wanted = question.fields or (["role"] if question.identity and not question.about else [])
        for field in wanted:
            value = entry.details.get(field)
            if isinstance(value, tuple) and value:
                return self._answer(question, " ".join(value), entry)
            if isinstance(value, str):
                return self._answer(question, value, entry)
        if question.identity and not question.about:
            return self._answer(question, first_sentence(entry.summary), entry)
        return None

    def _from_fields(self, question: Question, entry: Entry) -> Answer | None:
        """The field of the entry that answers this kind of question, if it has it."""
        asked = question.asked
        if asked in WHEN:
            if entry.date:
                return self._answer(question, format_date(entry.date), entry)
            if entry.kind in ("event", "fact") and entry.outside and _YEAR.search(entry.outside):
                raise NotFound(
                    f"the handbook has no answer to {quoted(question.text)}: the article gives no date"
                    f" (outside the article: {entry.outside})"
                )
            return None
        if asked in HOW_MANY:
            return self._answer(question, spelled(entry.quantity), entry) if entry.quantity else None
        if asked in NAMES:
            who = entry.details.get("who")
            if asked == "who" and isinstance(who, tuple) and who and not question.passive:
                return self._answer(question, self._names(who), entry)
            # "Who is the +1": a person or actor whose own role says it. Only a "who is" question:
            # a deed mentioned in a role is not done by its owner (the man who reported a claim).
            role = entry.details.get("role")
            if question.identity and isinstance(role, str) and entry.id not in question.named:
                if question.own_coverage(Entry(entry.kind, entry.id, entry.title, role)) >= ASK_CONFIDENT:
                    return self._answer(question, entry.title, entry)
            return None
        if asked in WHERE:
            places = tuple(t for s, t, r in self.store.links(entry.id) if s == entry.id and r == "located-in")
            if places:
                return self._answer(question, self._names(places), entry)
            if entry.kind == "place" and entry.id not in question.named:
                return self._answer(question, entry.title, entry)
            return None
        if entry.kind == "section":
            return None  # a section is a whole part of the article: `show` it, it is no one answer
        stands_for = entry.details.get("stands_for")
        if entry.kind == "term" and isinstance(stands_for, str):
            return self._answer(question, f"{entry.title}: {stands_for}", entry, entry.outside)
        return None

    # -- answers from sentences ----------------------------------------------------------------

    def _by_sentence(self, question: Question, entries: list[Entry]) -> Answer | None:
        """The handbook sentence that best answers the question, if one answers it well enough: for
        a yes-or-no question, only when that sentence settles it."""
        best = self.sentences.best(question, entries, typed=True)
        if best is None or best.score < (WHY_ENOUGH if question.form == "why" else SENTENCE_ENOUGH):
            return None
        sentence = best.sentence
        entry = sentence.entry
        options = self.sentences.options(question)
        if options:
            chosen = self.sentences.chosen(options, sentence)
            if chosen is None:
                return None
            answer = self._answer(question, chosen.title, entry)
            answer.basis = sentence.text
            return answer
        if question.form == "yes-no":
            verdict = self.sentences.verdict(question, sentence)
            if verdict is None:
                return None
            return self._answer(question, f"{verdict}: {sentence.text}", entry)
        if self.sentences.answers_by_name(question, entry):
            if question.number not in (None, 1):
                return None  # "which two states": one name is not the answer
            answer = self._answer(question, entry.title, entry)
            answer.basis = sentence.text
            return answer
        return self._answer(question, sentence.text, entry)

    def _described_as(self, question: Question) -> Answer | None:
        """ "What military rank does the article give Soleimani": the one entry the words asked for
        name ("military rank" is Lieutenant General's index term), told by its title, with the first
        sentence of its summary as its support."""
        if question.form not in ("what", "which") or not question.described:
            return None
        key = name_key(" ".join(question.described))
        rowids = self.store.named(key, []) if key else {}
        if len(rowids) != 1:
            return None
        entry = next(iter(self.store.by_rowids(rowids).values()))
        told = sentences(entry.summary)
        return self._answer(question, entry.title, entry, basis=told[0] if told else None)

    def _definition(self, question: Question) -> Answer | None:
        """ "What is the Axis of Resistance", "who was Soleimani": the one entry the question names
        and asks nothing else about, told by the first sentence of its summary (an actor's or
        figure's role, if it has one), with the next one as its support."""
        if not question.identity or question.about or question.parsed.unmatched or len(question.named) != 1:
            return None
        entry = next(iter(question.named.values()))
        if re.search(r"\bstands?\s+for\b", question.text, re.IGNORECASE):  # "what does IRGC stand for"
            stands_for = entry.details.get("stands_for")
            if isinstance(stands_for, str):
                return self._answer(question, stands_for, entry)
            if entry.outside:  # "MOD": the article does not expand it; a general gloss, marked
                return self._answer(question, "The article does not expand it.", entry, entry.outside)
            if fold(entry.title) not in question.naming_words:
                return self._answer(question, entry.title, entry)
            return None
        told = sentences(entry.summary)
        role = entry.details.get("role")
        if isinstance(role, str):
            return self._answer(question, role, entry, basis=told[0] if told else None)
        if not told:
            return None
        outside = entry.outside if entry.kind == "term" else None  # a general gloss, marked as such
        return self._answer(question, told[0], entry, outside, basis=told[1] if len(told) > 1 else None)

    def _unsaid(self, question: Question, entry: Entry) -> str | None:
        """The entry's note's sentence, when it says the article does not give what the question
        asks ("does not say where the agreement was reached or who attended"): the part it says is
        left out names the kind of thing asked (where, who, a number; a day, a city, if the question
        asks for one) and something the question asks about. None otherwise."""
        form = question.asked or question.form
        if not entry.note or form not in _FORM_WORDS:
            return None
        asked = set(question.words)
        topic = asked - STOPWORDS - (set() if question.identity else question.naming_words)
        # ...and the other forms and words of those ("deal": agreement).
        topic |= {
            word
            for term in question.parsed.terms
            if set(term.text.split()) & topic
            for form in term.alternatives
            for word in form.split()
        }
        kind = _FORM_WORDS[form] | (asked & _SPECIFIC)
        for sentence in sentences(entry.note):
            for found in _UNSAID.finditer(sentence):
                clause = re.split(r";|, but\b", sentence[found.start() :])[0]  # within its sentence
                words = words_of(clause)
                # A clause about something the question does not name is not about what it asks.
                others = set(named_in(self.store, fold(clause).split())[0]) - set(question.named) - {entry.id}
                denied = found.group().lower().startswith("not ")
                if denied:  # "not at the peak": the question asks "at the peak"
                    said = words_of(re.split(r"[,;]", clause)[0]) - {"not", "the", "a", "an"}
                    if said and said <= asked and not others:
                        return sentence[0].lower() + sentence[1:] if sentence[:4] == "The " else sentence
                elif words & kind and words & topic and not others:
                    return sentence[0].lower() + sentence[1:] if sentence[:4] == "The " else sentence
        return None


def ask(store: Store, question: str) -> Answer:
    """Answer one question from a store."""
    return Asker(store).ask(question)
