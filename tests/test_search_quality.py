"""The question set: readers' questions must find their answer in the first three results."""

from __future__ import annotations

from collections import Counter

from benchmarks import search_quality as quality


def test_question_set_covers_what_readers_do() -> None:
    questions = quality.load_questions()
    assert len(questions) >= 40
    tags = Counter(tag for item in questions for tag in item["tags"])
    for tag in ("typo", "variant", "number", "date", "quote", "note", "phrase", "none"):
        assert tags[tag] >= 1, tag
    answer_ids = {answer for item in questions for answer in item["answers"]}
    from coalition_cli.loader import load_handbook

    assert answer_ids <= {entry.id for entry in load_handbook().entries}


def test_recall_at_3_is_at_least_95_percent() -> None:
    outcomes = quality.evaluate()
    misses = [(o.question, o.ranked[:3]) for o in outcomes if o.answerable and not o.found_within(3)]
    assert quality.recall(outcomes, 3) >= 0.95, misses


def test_questions_without_an_answer_are_declined() -> None:
    outcomes = quality.evaluate()
    confident = [(o.question, o.ranked[:1], o.top_coverage) for o in outcomes if not o.answerable and not o.declined]
    assert confident == []
