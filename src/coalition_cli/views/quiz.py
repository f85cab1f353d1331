"""`quiz`: questions for students, each made from one entry's own fields, never invented.

Kinds of question: when a dated fact happened (`date`), a fact's number (`number`), who a fact
names as having done it (`who`), which actor a term is linked to (`term`), which member of the 4+1
a description is of (`member`), what an abbreviation stands for (`abbreviation`). A question gives
nothing of its answer away: one whose wording holds its answer is not asked. Wrong choices are the
same fields of other entries. The same seed asks the same questions with the same choices.
"""

from __future__ import annotations

from coalition_cli.lookup.ask import format_date
from coalition_cli.lookup.relations import MAX_LINKS, link_type
from coalition_cli.model.handbook import Entry, fold
from coalition_cli.model.inert import md
from coalition_cli.model.records import Record
from coalition_cli.views.render import View, brief_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import random
    from collections.abc import Callable
    from typing import Any

    from coalition_cli.store.tables import Store

QUESTION_KINDS = ("date", "number", "who", "term", "member", "abbreviation")
DEFAULT_COUNT = 5
CHOICES = 4  # the answer and up to three others
MAX_POOL = 2_000  # entries of one kind a quiz draws from: a large handbook is sampled, not read whole
GAP = "___"


class Question(Record):
    """One question: its kind, wording, answer (as shown), the choices (the answer among them,
    shuffled), what a typed answer may be (folded), and the entry it is made from."""

    __slots__ = ("kind", "prompt", "answer", "choices", "accepted", "entry")

    def __init__(
        self, kind: str, prompt: str, answer: str, choices: tuple[str, ...], accepted: frozenset[str], entry: Entry
    ) -> None:
        self.kind = kind
        self.prompt = prompt
        self.answer = answer
        self.choices = choices
        self.accepted = accepted
        self.entry = entry

    def is_right(self, reply: str) -> bool:
        """Whether a reply is the answer: a choice's letter or number, or the answer in words (any
        of the answer entry's names, any way a date or number is written)."""
        reply = reply.strip()
        if len(reply) == 1 and self.choices:
            index = "abcdefghij".find(reply.lower()) if reply.isalpha() else int(reply) - 1 if reply.isdigit() else -1
            if 0 <= index < len(self.choices):
                return self.choices[index] == self.answer
        return bool(_forms(reply) & self.accepted)


def _forms(text: str) -> set[str]:
    """The ways a reply or an answer is compared: folded, without a leading "the", as an ISO date
    and as a bare number when it is one."""
    folded = fold(text)
    forms = {folded, folded.removeprefix("the ")}
    date = iso_date(text)
    if date:
        forms.add(date)
    digits = text.replace(",", "").split()
    if digits and digits[0].replace(".", "", 1).isdigit():
        forms.add(digits[0])
    return {form for form in forms if form}


def iso_date(text: str) -> str | None:
    """A date however a reader writes it ("3 January 2020", "January 3rd, 2020", "2020-01-03",
    "Sept 2015", "2010") as ISO at the precision given; None for anything that is not only a date
    (a name with a year in it is not a date)."""
    from coalition_cli.store.search_index import MONTHS

    words = [w.removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th") for w in fold(text).split()]
    words = [w for w in words if w not in ("the", "of", "on", "in")]
    year = next((w for w in words if len(w) == 4 and w.isdigit()), None)
    months = [i + 1 for w in words for i, m in enumerate(MONTHS) if len(w) >= 3 and m.lower().startswith(w)]
    numbers = [w for w in words if w.isdigit() and w != year]
    if year is None or len(months) > 1 or len(numbers) + len(months) + 1 != len(words):
        return None
    month = months[0] if months else None
    if month is None and numbers and text.strip()[:4] == year:  # 2020-01-03
        if not 1 <= int(numbers[0]) <= 12:
            return None
        month, numbers = int(numbers[0]), numbers[1:]
    if month is None:
        return year if not numbers else None
    day = next((int(n) for n in numbers if 1 <= int(n) <= 31), None)
    if len(numbers) > 1 or (numbers and day is None):
        return None
    return f"{year}-{month:02d}-{day:02d}" if day else f"{year}-{month:02d}"


def _pool(store: Store, kind: str, rng: random.Random) -> list[Entry]:
    """The entries of a kind, or a seeded sample of MAX_POOL of them, in handbook order."""
    ids = store.ids_of_kind(kind)
    if len(ids) > MAX_POOL:
        ids = [ids[i] for i in sorted(rng.sample(range(len(ids)), MAX_POOL))]
    found = store.by_ids(ids)
    return [found[i] for i in ids if i in found]


def _gives_away(prompt: str, names: list[str]) -> bool:
    """Whether a prompt holds one of the answer's names as words of its own ("Russia's" too)."""
    from coalition_cli.model.words import without_possessives

    words = f" {fold(without_possessives(prompt))} "
    return any(f" {fold(name)} " in words for name in names if fold(name))


def _choices(answer: str, others: list[str], rng: random.Random) -> tuple[str, ...]:
    """The answer and up to CHOICES - 1 others (each once, none the same as the answer), shuffled."""
    wrong = [o for o in dict.fromkeys(others) if fold(o) != fold(answer)]
    picked = [answer, *rng.sample(wrong, min(len(wrong), CHOICES - 1))]
    rng.shuffle(picked)
    return tuple(picked)


def _accepted(*texts: str) -> frozenset[str]:
    return frozenset(form for text in texts for form in _forms(text))


def make_questions(store: Store, kinds: list[str], count: int, rng: random.Random) -> list[Question]:
    """Up to `count` questions of the given kinds (all when none is given), in a seeded order."""
    facts = [*_pool(store, "fact", rng), *_pool(store, "event", rng)]
    actors = _pool(store, "actor", rng)
    people = [*actors, *_pool(store, "figure", rng)]
    made: list[Question] = []
    wanted = kinds or list(QUESTION_KINDS)
    if "date" in wanted:
        dates = [format_date(f.date) for f in facts if f.date]
        for fact in facts:
            if fact.date and fact.date[:4] not in fact.title:
                answer = format_date(fact.date)
                prompt = f"When, according to the handbook: {fact.title}?"
                made.append(Question("date", prompt, answer, _choices(answer, dates, rng), _accepted(answer), fact))
    if "number" in wanted:
        numbers = [f"{f.details['value']:,}" for f in facts if f.quantity]
        for fact in facts:
            if fact.quantity:
                made += _number_question(fact, numbers, rng)
    if "who" in wanted:
        made += _who_questions(store, facts, people, rng)
    if "term" in wanted:
        made += _term_questions(store, _pool(store, "term", rng), actors, rng)
    if "member" in wanted:
        made += _member_questions([a for a in actors if a.details.get("member") is True], rng)
    if "abbreviation" in wanted:
        terms = [t for t in _pool(store, "term", rng) if isinstance(t.details.get("stands_for"), str)]
        meanings = [str(t.details["stands_for"]) for t in terms]
        for term in terms:
            answer = str(term.details["stands_for"])
            prompt = f'What does "{term.title}" stand for?'
            made.append(
                Question("abbreviation", prompt, answer, _choices(answer, meanings, rng), _accepted(answer), term)
            )
    rng.shuffle(made)
    return made[:count]


def _number_question(fact: Entry, numbers: list[str], rng: random.Random) -> list[Question]:
    """The number of a fact: a gap in its title where the title holds it, else asked with its unit.
    The choices are the handbook's numbers, bare: units would tell the answer apart."""
    value = fact.details.get("value")
    answer = f"{value:,}"
    forms = sorted({answer, str(value)}, key=len, reverse=True)
    title = fact.title
    for form in forms:
        title = title.replace(form, GAP)
    if GAP in title:
        prompt = f'What number fills the gap: "{title}"?'
    else:
        qualifier, unit = fact.details.get("qualifier"), fact.details.get("unit")
        prompt = f"What number does the handbook give for: {fact.title}? ({qualifier or ''} {GAP} {unit or ''})"
        prompt = " ".join(prompt.replace("( ", "(").replace(" )", ")").split())
    if any(form in prompt.replace(GAP, "") for form in forms):
        return []
    return [Question("number", prompt, answer, _choices(answer, numbers, rng), _accepted(answer), fact)]


def _who_questions(store: Store, facts: list[Entry], people: list[Entry], rng: random.Random) -> list[Question]:
    """ "Who" from a fact that names one actor or person as having done it."""
    made: list[Question] = []
    for fact in facts:
        who = fact.details.get("who")
        if not isinstance(who, tuple) or len(who) != 1:
            continue
        doer = store.get(who[0])
        if doer is None or _gives_away(fact.title, doer.names()):
            continue
        others = [p.title for p in people if p.kind == doer.kind and p.id != doer.id]
        prompt = f"Who, according to the handbook: {fact.title}?"
        made.append(
            Question("who", prompt, doer.title, _choices(doer.title, others, rng), _accepted(*doer.names()), fact)
        )
    return made


def _term_questions(store: Store, terms: list[Entry], actors: list[Entry], rng: random.Random) -> list[Question]:
    """ "Which actor is this term linked to": any linked actor is right; the wrong choices are not linked."""
    made: list[Question] = []
    kinds = {actor.id: actor for actor in actors}
    for term in terms:
        linked = [
            kinds[other]
            for source, target, relation in store.links(term.id, MAX_LINKS)
            for other in [target if source == term.id else source]
            if other in kinds and link_type(relation, source == term.id) not in (None, "mentions", "mentioned-in")
        ]
        linked = list(dict.fromkeys(linked))
        if not 1 <= len(linked) <= 2:
            continue  # a term linked to many actors makes a question of luck
        right = linked[rng.randrange(len(linked))]
        others = [a.title for a in actors if a not in linked]
        prompt = f'Which actor does the handbook link to the term "{term.title}"?'
        accepted = _accepted(*(name for actor in linked for name in actor.names()))
        made.append(Question("term", prompt, right.title, _choices(right.title, others, rng), accepted, term))
    return made


def _member_questions(members: list[Entry], rng: random.Random) -> list[Question]:
    """ "Which member is this": a member's role or difference, its own names blanked out."""
    made: list[Question] = []
    for member in members:
        texts = [member.details.get(key) for key in ("differences", "role")]
        for text in (t for t in texts if isinstance(t, str)):
            blanked = text
            for name in sorted(member.names(), key=len, reverse=True):
                blanked = blanked.replace(name, GAP)
            if _gives_away(blanked, member.names()):
                continue
            others = [m.title for m in members if m.id != member.id]
            prompt = f'Which member of the 4+1 is this: "{blanked}"?'
            choices = _choices(member.title, others, rng)
            made.append(Question("member", prompt, member.title, choices, _accepted(*member.names()), member))
            break
    return made


# -- a worksheet, and a quiz asked at the terminal -------------------------------------------------

LETTERS = "abcdefghij"


def source_line(question: Question, section_title: Callable[[str], str]) -> str:
    """Where the answer comes from: the entry, and its quote with the quote's section."""
    entry = question.entry
    line = f"{entry.title} ({entry.kind}: {entry.id})"
    if entry.quote is not None:
        line += f': "{entry.quote.text}" ({section_title(entry.quote.section)})'
    return line


class QuizView(View):
    """The questions with their answers, without asking: for teachers making worksheets."""

    def __init__(self, questions: list[Question], typed: bool, section_title: Callable[[str], str]) -> None:
        self.questions = questions
        self.typed = typed
        self.section_title = section_title

    def _choices(self, question: Question) -> list[str]:
        return [] if self.typed else [f"{LETTERS[i]}) {choice}" for i, choice in enumerate(question.choices)]

    def plain(self) -> str:
        lines: list[str] = []
        for number, question in enumerate(self.questions, 1):
            lines += [f"{number}. {question.prompt}", *(f"   {c}" for c in self._choices(question)), ""]
        lines.append("Answers")
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. {question.answer}. {source_line(question, self.section_title)}")
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        lines = ["## Questions", ""]
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. {md(question.prompt)}")
            lines += [f"   - {md(choice)}" for choice in self._choices(question)]
        lines += ["", "## Answers", ""]
        for number, question in enumerate(self.questions, 1):
            lines.append(f"{number}. **{md(question.answer)}**. {md(source_line(question, self.section_title))}")
        return "\n".join(lines) + "\n\n"

    def data(self) -> Any:
        return [
            {
                "number": number,
                "kind": question.kind,
                "question": question.prompt,
                "choices": [] if self.typed else list(question.choices),
                "answer": question.answer,
                "entry": brief_json(question.entry),
                "quote": None
                if question.entry.quote is None
                else {"text": question.entry.quote.text, "section": question.entry.quote.section},
            }
            for number, question in enumerate(self.questions, 1)
        ]


def ask_all(
    questions: list[Question],
    typed: bool,
    section_title: Callable[[str], str],
    write: Callable[[str], None],
    read: Callable[[], str],
) -> tuple[int, int]:
    """Ask each question, check each reply, say the answer and where it comes from; stop at the
    end of input. Returns (right, asked)."""
    right = asked = 0
    how = "type the answer" if typed else "answer with a letter, or type the answer"
    write(f"{len(questions)} questions; {how}. An empty line skips one; Ctrl-D ends the quiz.\n")
    for number, question in enumerate(questions, 1):
        choices = "" if typed else "".join(f"  {LETTERS[i]}) {c}\n" for i, c in enumerate(question.choices))
        write(f"\n{number}/{len(questions)}  {question.prompt}\n{choices}> ")
        line = read()
        if not line:
            write("\n")
            break
        asked += 1
        if question.is_right(line):
            right += 1
            write(f"Right: {question.answer}.\n")
        else:
            write(f"{'Skipped' if not line.strip() else 'Not quite'}: the answer is {question.answer}.\n")
        write(f"  {source_line(question, section_title)}\n")
    write(f"\nScore: {right} of {asked}.\n")
    return right, asked
