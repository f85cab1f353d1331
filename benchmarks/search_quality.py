"""Measure search and `ask` against the question sets in tests/data/.

    python benchmarks/search_quality.py [--verbose]

For search, per set and for their union: recall@1 and recall@3 over the answerable questions, the
mean reciprocal rank (MRR, over the first ten results), and how the unanswerable ones fared (one
passes when search says nothing matches). For `ask`: how many answers hold the words they must,
and how many unanswerable questions were declined. Needs only the installed package.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from coalition_cli.ask import Asker
from coalition_cli.builder import build_store
from coalition_cli.errors import NotFound
from coalition_cli.loader import load_handbook
from coalition_cli.search import SearchIndex
from coalition_cli.store import Store

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# Written from the entries' own words (the first version), and blind, in readers' own words.
SETS = {"entries' words": DATA / "questions.yaml", "readers' words": DATA / "questions-readers.yaml"}
ASK = DATA / "ask.yaml"


@dataclass
class Outcome:
    question: str
    answers: list[str]
    ranked: list[str]

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def found_within(self, k: int) -> bool:
        return any(entry_id in self.answers for entry_id in self.ranked[:k])

    def reciprocal_rank(self) -> float:
        return next((1 / rank for rank, entry_id in enumerate(self.ranked, 1) if entry_id in self.answers), 0.0)

    @property
    def declined(self) -> bool:
        """For an unanswerable question: search said nothing matches it."""
        return not self.ranked


@dataclass
class Asked:
    question: str
    answers: list[str]
    expect: list[str]
    answer: str | None  # the answer's text with what it adds (outside the article, attribution)
    entry: str | None

    @property
    def right(self) -> bool:
        """Answered, and holding each expected word (of "a|b", either), ignoring case."""
        if self.answer is None:
            return False
        text = self.answer.lower()
        return all(any(word.lower() in text for word in expected.split("|")) for expected in self.expect)


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, list), path
    return data


def load_questions() -> list[dict[str, object]]:
    """Every search question, of every set."""
    return [item for path in SETS.values() for item in load(path)]


@contextmanager
def shipped_store() -> Iterator[Store]:
    with build_store(load_handbook(), sqlite3.connect(":memory:")) as store:
        yield store


def evaluate(index: SearchIndex | None = None, questions: list[dict[str, object]] | None = None) -> list[Outcome]:
    if index is None:
        with shipped_store() as store:
            return evaluate(SearchIndex(store), questions)
    outcomes = []
    for item in load_questions() if questions is None else questions:
        question, answers = str(item["q"]), [str(a) for a in item["answers"]]  # type: ignore[attr-defined]
        try:
            ranked = [hit.entry.id for hit in index.search(question, limit=10).hits]
        except NotFound:
            ranked = []
        outcomes.append(Outcome(question, answers, ranked))
    return outcomes


def evaluate_ask(store: Store | None = None) -> list[Asked]:
    if store is None:
        with shipped_store() as opened:
            return evaluate_ask(opened)
    asker = Asker(store)
    results = []
    for item in load(ASK):
        question = str(item["q"])
        try:
            found = asker.ask(question)
            text = " ".join(part for part in (found.text, found.outside, found.said_by) if part)
            results.append(Asked(question, list(item["answers"]), list(item["expect"]), text, found.entry.id))  # type: ignore[call-overload]
        except NotFound:
            results.append(Asked(question, list(item["answers"]), list(item["expect"]), None, None))  # type: ignore[call-overload]
    return results


def recall(outcomes: list[Outcome], k: int) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.found_within(k) for o in answerable) / len(answerable)


def mrr(outcomes: list[Outcome]) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.reciprocal_rank() for o in answerable) / len(answerable)


def report(name: str, outcomes: list[Outcome], verbose: bool) -> None:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    declined = sum(o.declined for o in unanswerable)
    print(
        f"search, {name}: {len(answerable)} questions, recall@1 {recall(outcomes, 1):.1%},"
        f" recall@3 {recall(outcomes, 3):.1%}, MRR {mrr(outcomes):.3f};"
        f" {declined}/{len(unanswerable)} without an answer declined"
    )
    for o in outcomes:
        miss = (o.answerable and not o.found_within(3)) or (not o.answerable and not o.declined)
        if miss or (verbose and o.answerable and not o.found_within(1)):
            print(f"  {'MISS' if miss else 'not first'}: {o.question!r} -> {o.ranked[:3]} (want {o.answers})")


def main() -> int:
    verbose = "--verbose" in sys.argv[1:]
    union: list[Outcome] = []
    for name, path in SETS.items():
        outcomes = evaluate(questions=load(path))
        union += outcomes
        report(name, outcomes, verbose)
    report("both sets", union, False)
    asked = evaluate_ask()
    answerable = [a for a in asked if a.answers]
    unanswerable = [a for a in asked if not a.answers]
    right = sum(a.right for a in answerable)
    declined = sum(a.answer is None for a in unanswerable)
    print(
        f"ask: {right}/{len(answerable)} answered right ({right / len(answerable):.1%});"
        f" {declined}/{len(unanswerable)} without an answer declined"
    )
    for a in asked:
        if (a.answers and not a.right) or (not a.answers and a.answer is not None):
            print(f"  {'WRONG' if a.answer else 'DECLINED'}: {a.question!r} -> {a.answer!r} (want {a.expect})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
