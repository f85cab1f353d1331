"""Search and `ask` measured against the question sets in tests/data/ (benchmarks/search_quality.py).

The blind sets were written from the article alone (tests/data/blind/*.yaml). The tune set was
tuned on, so what is asserted of it is a floor that guards against going backwards, not a score
to report; the final set is the measure, scored once, and is held to the issue's targets. The
older sets, written from the entries, guard the behaviours they were written for.
"""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks import search_quality as quality
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.model.handbook import Handbook
from coalition_cli.store.tables import Store

FORMS = ("who", "what", "when", "where", "how-many", "why", "how", "yes-no")


@pytest.fixture(scope="module")
def tune() -> dict[str, list[dict[str, object]]]:
    return quality.load_set(quality.BLIND["tune"])


def test_the_blind_sets_cover_what_readers_ask(handbook: Handbook) -> None:
    ids = {entry.id for entry in handbook.entries}
    for name in ("tune", "dev", "final", "extra"):
        questions = quality.load_set(quality.BLIND[name])
        search, ask = questions["search"], questions["ask"]
        assert len([q for q in search if q["answers"]]) >= 40 and len([q for q in search if not q["answers"]]) >= 10
        tags = Counter(tag for item in search for tag in item["tags"])  # type: ignore[attr-defined]
        for tag in ("typo", "capital", "demonym", "paraphrase", "number", "none"):
            assert tags[tag] >= 3, (name, tag)
        tags_of = (str(tag).replace(" ", "-").replace("/", "-") for item in ask for tag in item["tags"])  # type: ignore[attr-defined]
        forms = Counter(tag for tag in tags_of if tag in FORMS)
        assert all(forms[form] >= 4 for form in FORMS), (name, forms)
        assert len([q for q in ask if not q["answers"]]) >= 10
        answers = {str(a) for item in search + ask for a in item["answers"]}  # type: ignore[attr-defined]
        assert answers <= ids, answers - ids


@pytest.mark.slow
def test_search_finds_readers_questions_on_the_tune_set(tune: dict[str, list[dict[str, object]]]) -> None:
    outcomes = quality.evaluate(tune["search"])
    misses = [(o.question, o.ranked[:3]) for o in outcomes if o.answerable and not o.found_within(3)]
    assert quality.recall(outcomes, 3) >= 0.92, misses
    firsts = [(o.question, o.ranked[:1]) for o in outcomes if o.answerable and not o.found_within(1)]
    assert quality.recall(outcomes, 1) >= 0.82, firsts
    assert not [o.question for o in outcomes if o.answerable and not o.ranked]  # search never goes blank


@pytest.mark.slow
def test_ask_on_the_tune_set(tune: dict[str, list[dict[str, object]]]) -> None:
    """Right on most of what the handbook answers, at most one answer the set calls wrong (a
    sentence of the right entry that lacks the set's words), and every question the article does
    not answer declined."""
    asked = quality.evaluate_ask(tune["ask"])
    answerable = [a for a in asked if a.answers]
    assert sum(a.right for a in answerable) / len(answerable) >= 0.55, [a.question for a in answerable if not a.right]
    assert sum(a.wrong for a in answerable) <= 1, [(a.question, a.answer) for a in answerable if a.wrong]
    assert [(a.question, a.answer) for a in asked if not a.answers and a.answer is not None] == []


def test_ask_on_the_older_set_is_never_confidently_wrong() -> None:
    """The older set holds the article's traps (a later count read as the peak, a comparison read
    as the thing compared, a claim's reporter read as its subject): none is answered wrongly."""
    asked = quality.evaluate_ask(quality.load(quality.OLDER_ASK))
    answerable = [a for a in asked if a.answers]
    assert sum(a.right for a in answerable) / len(answerable) >= 0.85
    assert [(a.question, a.answer) for a in answerable if a.wrong] == []
    assert [(a.question, a.answer) for a in asked if not a.answers and a.answer is not None] == []


@pytest.mark.slow
def test_an_entry_named_comes_first(store: Store, handbook: Handbook) -> None:
    """By construction: a query that is an entry's id, title, alias or index term puts that entry
    (or, for a name two entries share, one of them) first, every time."""
    index = SearchIndex(store)
    wrong = []
    for entry in handbook.entries:
        for name in (entry.id, entry.title, *entry.aliases, *entry.index):
            hits = index.search(name, limit=5).hits
            named = [hit.entry.id for hit in hits if hit.named]
            if not hits[0].named or entry.id not in named:
                wrong.append((name, entry.id, [hit.entry.id for hit in hits[:3]]))
    assert wrong == []


@pytest.mark.parametrize("query", ["iran", "iraq", "irgc", "airspace", "who led the coalition", "28500", "ship goods"])
def test_scores_mean_something(store: Store, query: str) -> None:
    """Higher is better, and every hit has a score above nothing (none is 0.0)."""
    scores = [hit.score for hit in SearchIndex(store).search(query).hits]
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
