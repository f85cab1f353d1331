"""What a reader's question asks for, told by its first words ("who", "how many", "in which
year"), and the kinds of entry that hold such answers. Search ranks those kinds first, `ask` reads
its answer off them, and `validate` warns of a reader's index term shaped like a question.
"""

from __future__ import annotations

from coalition_cli.model.handbook import unaccent
from coalition_cli.model.words import words as find_words

# What a question asks for, told by its first words ("who", "how many", "in which year"), and the
# kinds of entry that hold such answers: a figure's name, a fact's date or number, a place.
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("how many", ("fact",)),
    ("how much", ("fact",)),
    ("how long", ("fact",)),
    ("what number", ("fact",)),
    ("what year", ("fact", "event")),
    ("which year", ("fact", "event")),
    ("what date", ("fact", "event")),
    ("what day", ("fact", "event")),
    ("which day", ("fact", "event")),
    ("what month", ("fact", "event")),
    ("which month", ("fact", "event")),
    ("what stage", ("fact", "event")),
    ("what point", ("fact", "event")),
    ("what time", ("fact", "event")),
    ("when", ("fact", "event")),
    ("whose", ("actor", "figure")),
    ("who", ("figure", "actor")),
    ("where", ("place", "fact", "event")),
    ("which country", ("place", "actor")),
    ("what country", ("place", "actor")),
    ("which city", ("place",)),
    ("which sea", ("place",)),
    ("what is", ("term",)),
    ("what are", ("term",)),
    ("what was", ("term",)),
    ("what does", ("term",)),
)
_LEADING = frozenset(
    "in on from at to and so but of by through across for with since after before during under over"
    " exactly roughly approximately about just precisely then".split()
)


def question_of(query: str) -> str | None:
    """The question a query asks ("how many", "who", "where"...), from its first words (after a
    preposition: "in which year", "from which sea"), or None if it is not such a question."""
    words = [unaccent(word) for word in find_words(query)[:4]]
    while words and words[0] in _LEADING:
        words = words[1:]
    opening = " ".join(words)
    for question, _ in QUESTIONS:
        if opening == question or opening.startswith(question + " "):
            return question
    return None


def answer_kinds(question: str | None) -> tuple[str, ...]:
    """The kinds of entry that answer a question (QUESTIONS); none for a query that is not one."""
    return next((kinds for asked, kinds in QUESTIONS if asked == question), ())
