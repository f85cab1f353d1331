"""Measure search against the question set in tests/data/questions.yaml.

    python benchmarks/search_quality.py [--verbose]

Prints recall@1 and recall@3 over the answerable questions, and how the unanswerable ones fared
(an unanswerable question passes when search exits "nothing found" or its best hit covers less
than half of the query). Needs only the installed package.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from coalition_cli.cache import build_store
from coalition_cli.errors import NotFound
from coalition_cli.loader import load_handbook
from coalition_cli.search import SearchIndex

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "questions.yaml"
CONFIDENT = 0.5  # a top hit covering at least this share of the query's weight is a confident answer


@dataclass
class Outcome:
    question: str
    answers: list[str]
    ranked: list[str]
    top_coverage: float

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def found_within(self, k: int) -> bool:
        return any(entry_id in self.answers for entry_id in self.ranked[:k])

    @property
    def declined(self) -> bool:
        """For an unanswerable question: nothing found, or nothing found confidently."""
        return not self.ranked or self.top_coverage < CONFIDENT


def load_questions() -> list[dict[str, object]]:
    with QUESTIONS.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, list)
    return data


def evaluate(index: SearchIndex | None = None) -> list[Outcome]:
    if index is None:
        with build_store(load_handbook(), sqlite3.connect(":memory:")) as store:
            return evaluate(SearchIndex(store))
    outcomes = []
    for item in load_questions():
        question, answers = str(item["q"]), [str(a) for a in item["answers"]]  # type: ignore[attr-defined]
        try:
            result = index.search(question, limit=10)
            ranked = [hit.entry.id for hit in result.hits]
            coverage = result.hits[0].coverage
        except NotFound:
            ranked, coverage = [], 0.0
        outcomes.append(Outcome(question, answers, ranked, coverage))
    return outcomes


def recall(outcomes: list[Outcome], k: int) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.found_within(k) for o in answerable) / len(answerable)


def main() -> int:
    outcomes = evaluate()
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    print(f"questions: {len(outcomes)} ({len(answerable)} answerable, {len(unanswerable)} without an answer)")
    print(f"recall@1: {recall(outcomes, 1):.1%}")
    print(f"recall@3: {recall(outcomes, 3):.1%}")
    declined = sum(o.declined for o in unanswerable)
    print(f"unanswerable declined: {declined}/{len(unanswerable)}")
    verbose = "--verbose" in sys.argv[1:]
    for o in outcomes:
        miss = (o.answerable and not o.found_within(3)) or (not o.answerable and not o.declined)
        if miss or (verbose and o.answerable and not o.found_within(1)):
            print(
                f"  {'MISS' if miss else 'not first'}: {o.question!r} -> {o.ranked[:3]} (want {o.answers}, "
                f"top coverage {o.top_coverage})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
