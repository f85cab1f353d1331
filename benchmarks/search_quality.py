"""Measure search and `ask` against the question sets in tests/data/.

    python benchmarks/search_quality.py [--verbose]

The sets that measure are in tests/data/blind/, written blind (from the article alone, never the
handbook) in readers' own words: `tune` (tuned on: a guard, not a measure), `dev` (looked at while
tuning), `final` and `extra` (each scored once before it was tuned on) and `final-2` (scored once,
never tuned on: the measure). The older sets, written from the entries (questions.yaml,
questions-readers.yaml, ask.yaml), are reported after them as what they are: sets tuned on in
earlier rounds.

For search, over the questions with an answer: recall@1 and recall@3 (an entry that holds the answer
among the first 1 or 3 hits), the mean reciprocal rank over the first ten, and how many came back
empty. For `ask`: right (answered, and the answer holds every stem the set expects, "a|b" either),
wrong (answered, and it does not) and declined; and how many of the questions the handbook cannot
answer were declined. The answer judged is what `ask` prints before "From:": its text, the
supporting sentence it gives (Context), what is outside the article, and who the claim is
attributed to. Needs only the installed package (and PyYAML, which it depends on).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from coalition_cli.build.loader import load_handbook
from coalition_cli.lookup.ask import Asker
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.model.errors import NotFound
from coalition_cli.store.builder import build_store
from coalition_cli.store.tables import Store

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
BLIND = {
    "tune": DATA / "blind" / "tune.yaml",
    "dev": DATA / "blind" / "dev.yaml",
    "final": DATA / "blind" / "final.yaml",
    "extra": DATA / "blind" / "extra.yaml",
    "final-2": DATA / "blind" / "final-2.yaml",
}
ROLES = {
    "tune": "tuned on",
    "dev": "looked at while tuning",
    "final": "scored once, then tuned on",
    "extra": "scored once, then tuned on",
    "final-2": "never tuned on",
}
# The older sets, written from the entries' titles or words in earlier rounds, and tuned on then.
OLDER_SEARCH = {"entries' words": DATA / "questions.yaml", "readers' words": DATA / "questions-readers.yaml"}
OLDER_ASK = DATA / "ask.yaml"


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


@dataclass
class Asked:
    question: str
    answers: list[str]
    expect: list[str]
    answer: str | None  # what ask printed before "From:", or None if it declined
    entry: str | None

    @property
    def right(self) -> bool:
        """Answered, and holding each expected stem (of "a|b", either), ignoring case."""
        if self.answer is None:
            return False
        text = self.answer.lower()
        return all(any(word.lower() in text for word in expected.split("|")) for expected in self.expect)

    @property
    def wrong(self) -> bool:
        return self.answer is not None and not self.right


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, list), path
    return data


def load_set(path: Path) -> dict[str, list[dict[str, object]]]:
    """A blind set: its `search` and `ask` questions."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict) and set(data) == {"search", "ask"}, path
    return data


@contextmanager
def shipped_store() -> Iterator[Store]:
    with build_store(load_handbook(), sqlite3.connect(":memory:")) as store:
        yield store


def evaluate(questions: list[dict[str, object]], index: SearchIndex | None = None) -> list[Outcome]:
    if index is None:
        with shipped_store() as store:
            return evaluate(questions, SearchIndex(store))
    outcomes = []
    for item in questions:
        question, answers = str(item["q"]), [str(a) for a in item["answers"]]  # type: ignore[attr-defined]
        try:
            ranked = [hit.entry.id for hit in index.search(question, limit=10).hits]
        except NotFound:
            ranked = []
        outcomes.append(Outcome(question, answers, ranked))
    return outcomes


def evaluate_ask(questions: list[dict[str, object]], store: Store | None = None) -> list[Asked]:
    if store is None:
        with shipped_store() as opened:
            return evaluate_ask(questions, opened)
    asker = Asker(store)
    results = []
    for item in questions:
        question = str(item["q"])
        answers, expect = list(item["answers"]), list(item["expect"])  # type: ignore[call-overload]
        try:
            found = asker.ask(question)
        except NotFound:
            results.append(Asked(question, answers, expect, None, None))
            continue
        text = " ".join(part for part in (found.text, found.basis, found.outside, found.said_by) if part)
        results.append(Asked(question, answers, expect, text, found.entry.id))
    return results


def recall(outcomes: list[Outcome], k: int) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.found_within(k) for o in answerable) / len(answerable)


def mrr(outcomes: list[Outcome]) -> float:
    answerable = [o for o in outcomes if o.answerable]
    return sum(o.reciprocal_rank() for o in answerable) / len(answerable)


def report_search(name: str, outcomes: list[Outcome], verbose: bool) -> None:
    answerable = [o for o in outcomes if o.answerable]
    empty = sum(not o.ranked for o in answerable)
    print(
        f"search, {name}: {len(answerable)} questions with an answer, recall@1 {recall(outcomes, 1):.1%},"
        f" recall@3 {recall(outcomes, 3):.1%}, MRR {mrr(outcomes):.3f}; {empty} came back empty"
    )
    for o in answerable:
        if not o.found_within(3) or (verbose and not o.found_within(1)):
            said = "MISS" if not o.found_within(3) else "not first"
            print(f"  {said}: {o.question!r} -> {o.ranked[:3]} (want {o.answers})")


def report_ask(name: str, asked: list[Asked], verbose: bool) -> None:
    answerable = [a for a in asked if a.answers]
    unanswerable = [a for a in asked if not a.answers]
    right = sum(a.right for a in answerable)
    wrong = sum(a.wrong for a in answerable)
    declined = sum(a.answer is None for a in unanswerable)
    print(
        f"ask, {name}: {len(answerable)} questions with an answer: {right} right ({right / len(answerable):.1%}),"
        f" {wrong} wrong, {len(answerable) - right - wrong} declined;"
        f" {declined}/{len(unanswerable)} without an answer declined"
    )
    for a in asked:
        if a.answers and a.wrong:
            print(f"  WRONG: {a.question!r} -> {a.answer!r} (want {a.expect})")
        elif not a.answers and a.answer is not None:
            print(f"  ANSWERED, none expected: {a.question!r} -> {a.answer!r}")
        elif verbose and a.answers and a.answer is None:
            print(f"  declined: {a.question!r} (want {a.expect})")


def main() -> int:
    verbose = "--verbose" in sys.argv[1:]
    with shipped_store() as store:
        index = SearchIndex(store)
        for name, path in BLIND.items():
            if not path.exists():
                print(f"{name}: {path.relative_to(DATA.parents[1])} is not there yet")
                continue
            questions = load_set(path)
            label = f"blind {name} set ({ROLES[name]})"
            report_search(label, evaluate(questions["search"], index), verbose)
            report_ask(label, evaluate_ask(questions["ask"], store), verbose)
        for name, path in OLDER_SEARCH.items():
            report_search(f"older set, {name} (tuned on)", evaluate(load(path), index), verbose)
        report_ask("older set (tuned on)", evaluate_ask(load(OLDER_ASK), store), verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
