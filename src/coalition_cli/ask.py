"""`coalition ask`: one direct answer to a reader's question, then where it comes from.

An answer is read off the handbook, never composed. In order:
1. a typed link, when the question's verb names one and the question names one of its ends ("who
   commanded the Quds Force", "who killed Soleimani", "whose airspace did Russia use", "who are the
   members of the 4+1");
2. a field of the one actor or figure the question names, when it asks for that field ("what did
   Iraq provide": its contributions; "who was Qassem Soleimani": his role);
3. a field of the entry search finds (with the kinds that answer such a question counting more):
   a fact's date ("when") or number ("how many"), the actors a fact names as having done it
   ("who"), the place it is linked to ("where"), a term's expansion or the first sentence of an
   entry's summary ("what is").
The entry search finds answers only when it is plainly what the question is about:
- search itself declines a question most of whose words the handbook does not hold;
- the entry covers at least ASK_CONFIDENT of the question's weight, in its own title and text (not
  only in index terms: "Iran-led" in an index does not make the Axis of Resistance who led anything);
- every actor, figure or place the question names is the entry, linked to it or in its title, so
  "how many U.S. troops are in Iraq and Syria" is not answered with the troops in South Korea;
- what a number counts is what the question counts ("how many Russian advisers" is not the 47
  Iranian ones).
Anything else is "the handbook has no answer" (exit 1): never a confident wrong answer.
"""

from __future__ import annotations

import re

from coalition_cli.errors import NotFound
from coalition_cli.handbook import Entry, Record, fold
from coalition_cli.query import check_query, quoted
from coalition_cli.question import Question, in_title
from coalition_cli.search import SearchIndex
from coalition_cli.search_index import MONTHS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from coalition_cli.store import Store

ASK_CONFIDENT = 0.6  # the share of the question's weight the answering entry must cover
CANDIDATES = 5  # search hits considered, best first
MAX_ANSWERS = 8  # entries one answer may list: more would be a list, not an answer
MAX_LINKS = 500  # links of one kind read for one question
WHEN = ("when", "what year", "which year", "what date")
HOW_MANY = ("how many", "how much", "how long", "what number")
WHERE = ("where", "which country", "what country", "which city", "which sea")
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")
_YEAR = re.compile(r"\b\d{4}\b")


class Answer(Record):
    """One direct answer: its text, the entry it was read from, the section and quote it rests on,
    who the article attributes it to, and any of it that is from outside the article."""

    __slots__ = ("question", "text", "entry", "section", "quote", "said_by", "outside", "note")

    def __init__(
        self,
        question: str,
        text: str,
        entry: Entry,
        section: str | None,
        quote: str | None,
        said_by: str | None = None,
        outside: str | None = None,
    ) -> None:
        self.question = question
        self.text = text
        self.entry = entry
        self.section = section
        self.quote = quote
        self.said_by = said_by
        self.outside = outside
        self.note = entry.note  # the editor's caution on what the article says here, if any


def format_date(date: str) -> str:
    """An ISO date at the precision the handbook has it: "2015-09" is "September 2015"."""
    parts = date.split("-")
    if len(parts) == 1:
        return date
    month = MONTHS[int(parts[1]) - 1]
    return f"{int(parts[2])} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def first_sentence(text: str) -> str:
    found = _FIRST_SENTENCE.match(text.strip())
    return found.group(1) if found else text.strip()


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Asker:
    """Answers questions from one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.index = SearchIndex(store)

    def ask(self, text: str) -> Answer:
        """The answer to a question, or NotFound saying that the handbook has none."""
        check_query(text)
        declined = NotFound(f"the handbook has no answer to {quoted(text)}")
        question = Question(text, self.index.parse(text), self.store)
        if not question.topical:
            raise NotFound(declined.message + ": it asks about nothing in particular")
        for route in (self._by_relation, self._by_field):
            answer = route(question)
            if answer is not None:
                return answer
        try:
            hits = self.index.search(text, limit=CANDIDATES).hits
        except NotFound:
            unknown = ", ".join(f'"{word}"' for word in question.parsed.unmatched)
            raise NotFound(declined.message + (f": no entry mentions {unknown}" if unknown else "")) from None
        for hit in hits:
            if hit.coverage < ASK_CONFIDENT:
                break
            if not self._about(hit.entry, question) or question.own_coverage(hit.entry) < ASK_CONFIDENT:
                continue
            answer = self._from_fields(question, hit.entry)
            if answer is not None:
                return answer
            if question.asked is None:
                break  # a question of no known form is answered by the best entry or not at all
        raise declined

    # -- which entry ---------------------------------------------------------------------------

    def _linked(self, entry: Entry) -> set[str]:
        """Every entry linked to this one, either way, by any kind of link or field."""
        links = self.store.links(entry.id)
        linked = {target for _, target, _ in links} | {source for source, _, _ in links}
        who = entry.details.get("who", ())
        said_by = entry.details.get("said_by")
        return linked | set(who if isinstance(who, tuple) else ()) | ({said_by} if isinstance(said_by, str) else set())

    def _about(self, entry: Entry, question: Question) -> bool:
        """Whether every actor, figure and place the question names is the entry, linked to it or
        in its title; and whatever a number counts is in its title."""
        linked = self._linked(entry) | {entry.id}
        if not all(i in linked or in_title(entry, named) for i, named in question.things.items()):
            return False
        return all(i == entry.id or in_title(entry, named) for i, named in question.counted.items())

    # -- the answer ----------------------------------------------------------------------------

    def _answer(self, question: Question, text: str, entry: Entry, outside: str | None = None) -> Answer:
        quote = entry.quote
        section = quote.section if quote is not None else (entry.source[0] if entry.source else None)
        said_by = entry.details.get("said_by")
        who_said = None
        if isinstance(said_by, str):
            speaker = self.store.get(said_by)
            who_said = speaker.title if speaker is not None else said_by
        return Answer(question.text, text, entry, section, quote.text if quote else None, who_said, outside)

    def _names(self, ids: tuple[str, ...]) -> str:
        found = self.store.by_ids(ids)
        return _listed([found[i].title if i in found else i for i in ids])

    def _by_relation(self, question: Question) -> Answer | None:
        """Read off the typed links the question's verb names. "Who commanded the Quds Force": what
        has a `commanded` link to it. "Who was killed by the U.S.", "whose airspace did Russia use",
        "what kind of forces did Iran back": what the named entry's links point to (narrowed to
        those whose title says what is asked for). "Who was killed": the one such link, if only one."""
        inbound = question.asked == "who" and not question.passive
        for relation in question.relations:
            links = self.store.links_of(relation, MAX_LINKS + 1)
            if len(links) > MAX_LINKS:
                continue  # a relation this common answers nothing in particular
            for entry in question.named.values():
                if inbound:
                    ends = tuple(s for s, t in links if t == entry.id)
                else:
                    ends = tuple(t for s, t in links if s == entry.id)
                ends = self._described(ends, question.asked_for)
                if 0 < len(ends) <= MAX_ANSWERS:
                    return self._linked_answer(question, ends, entry)
            if question.passive and len(links) == 1:  # "who was killed (in the drone strike)"
                source, target = links[0]
                found = self.store.get(target)
                if found is not None and set(question.named) <= self._linked(found) | {source, target}:
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
                return self._answer(question, "The article gives no date.", entry, entry.outside)
            return None
        if asked in HOW_MANY:
            return self._answer(question, entry.quantity, entry) if entry.quantity else None
        if asked in ("who", "whose"):
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
        return self._answer(question, first_sentence(entry.summary), entry, entry.outside)


def ask(store: Store, question: str) -> Answer:
    """Answer one question from a store."""
    return Asker(store).ask(question)
