"""`quiz`: every question made from the handbook's fields, answers checked, the same seed the same quiz.

The answers are checked here against the entries themselves, apart from the code that made them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from coalition_cli.cli.commands import MAX_ECHO
from coalition_cli.lookup.ask import format_date
from coalition_cli.model.handbook import Entry, Handbook, fold
from coalition_cli.views.quiz import QUESTION_KINDS, Question, iso_date
from tests.helpers import Invoke, Run

LETTERS = "abcd"


def questions(invoke: Invoke, *args: str) -> list[dict[str, object]]:
    result = invoke("quiz", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_every_answer_is_the_entrys_own(invoke: Invoke, handbook: Handbook) -> None:
    asked = questions(invoke, "--count", "500", "--seed", "1")
    by_id = {entry.id: entry for entry in handbook.entries}
    assert {q["kind"] for q in asked} >= {"date", "number", "who", "term", "member"}
    for question in asked:
        entry = by_id[question["entry"]["id"]]  # type: ignore[index]
        answer, prompt, kind = str(question["answer"]), str(question["question"]), question["kind"]
        if kind == "date":
            assert entry.date and answer == format_date(entry.date) and entry.date[:4] not in prompt
        elif kind == "number":
            assert answer == f"{entry.details['value']:,}" and answer not in prompt and entry.quantity
        elif kind == "who":
            (doer,) = entry.details["who"]  # type: ignore[misc]
            assert answer == by_id[doer].title
            assert all(f" {fold(n)} " not in f" {fold(prompt)} " for n in by_id[doer].names())
        elif kind == "term":
            linked = {t for _, t in entry.relations} | set(entry.related)
            linked |= {e.id for e in handbook.entries if entry.id in (*e.related, *(t for _, t in e.relations))}
            assert any(by_id[i].title == answer for i in linked) and entry.kind == "term"
        elif kind == "member":
            assert answer == entry.title and entry.details.get("member") is True
            assert entry.title not in prompt
        choices = question["choices"]
        assert isinstance(choices, list) and answer in choices and 2 <= len(choices) <= 4
        assert len({fold(c) for c in choices}) == len(choices)  # no choice twice
        if entry.quote is not None:
            assert question["quote"] == {"text": entry.quote.text, "section": entry.quote.section}


def test_the_same_seed_asks_the_same_questions(invoke: Invoke) -> None:
    first = questions(invoke, "--seed", "42", "--count", "8")
    assert first == questions(invoke, "--seed", "42", "--count", "8")
    others = [questions(invoke, "--seed", str(seed), "--count", "8") for seed in (1, 2, 3)]
    assert any(other != first for other in others)
    assert len(first) == 8 and len({q["question"] for q in first}) == 8


@pytest.mark.parametrize("kind", QUESTION_KINDS)
def test_kind_and_count(invoke: Invoke, handbook: Handbook, kind: str) -> None:
    result = invoke("quiz", "--kind", kind, "--count", "2", "--seed", "5", "-f", "json")
    if kind == "abbreviation" and not any(e.details.get("stands_for") for e in handbook.entries):
        assert result.exit_code == 1 and result.stderr == (
            "coalition: no questions of kind abbreviation can be made from this handbook\n"
        )
        return
    asked = json.loads(result.stdout)
    assert {q["kind"] for q in asked} == {kind} and len(asked) <= 2


def test_fewer_questions_than_asked_for_is_said(invoke: Invoke) -> None:
    result = invoke("quiz", "--kind", "date", "--count", "100", "-f", "json")
    assert result.exit_code == 0 and result.stderr.startswith("coalition: only ")
    assert len(json.loads(result.stdout)) < 100


def test_a_quiz_answered_at_the_prompt(run: Run) -> None:
    asked = json.loads(run("quiz", "--seed", "9", "--count", "4", "-f", "json").stdout)
    right = [LETTERS[q["choices"].index(q["answer"])] for q in asked]
    wrong = next(c for c in "abcd" if c != right[1])
    replies = f"{right[0]}\n{wrong}\n\n{asked[3]['answer']}\n"
    done = run("quiz", "--seed", "9", "--count", "4", input=replies.encode())
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert out.count("\nRight: ") == 2 and out.count("\nNot quite: ") == 1 and out.count("\nSkipped: ") == 1
    assert f"1/4  {asked[0]['question']}\n" in out
    assert "Score: 2 of 4.\nThe same questions again: coalition quiz --seed 9\n" in out
    assert f"  {asked[0]['entry']['title']} ({asked[0]['entry']['kind']}: {asked[0]['entry']['id']})" in out


def test_the_end_of_input_ends_the_quiz(run: Run) -> None:
    done = run("quiz", "--seed", "9", "--count", "4", input=b"a\n")
    out = done.stdout.decode()
    assert done.returncode == 0 and "2/4" in out and "3/4" not in out and "Score: " in out and " of 1." in out


def test_typed_answers_in_any_written_form(run: Run) -> None:
    asked = json.loads(run("quiz", "--kind", "date", "--typed", "--seed", "2", "-f", "json").stdout)
    assert all(q["choices"] == [] for q in asked)
    replies = []
    for question in asked:  # "3 January 2020" typed as "January 3, 2020" or 2020-01-03
        iso = iso_date(str(question["answer"]))
        assert iso is not None
        replies.append(iso)
    done = run("quiz", "--kind", "date", "--typed", "--seed", "2", input="\n".join(replies).encode() + b"\n")
    assert f"Score: {len(asked)} of {len(asked)}." in done.stdout.decode()


def _question(kind: str, answer: str, choices: tuple[str, ...], entry: Entry) -> Question:
    from coalition_cli.views.quiz import _accepted

    return Question(kind, "?", answer, choices, _accepted(answer, *entry.names()[:1]), entry)


@pytest.mark.parametrize(
    ("reply", "right"),
    [("b", True), ("B", True), ("2", True), ("a", False), ("5", False), ("september 2015", True),
     ("Sept 2015", True), ("2015-09", True), ("2015", False), ("", False)],
)  # fmt: skip
def test_a_reply_is_checked_as_a_reader_writes_it(handbook: Handbook, reply: str, right: bool) -> None:
    entry = handbook.get("agreement-2015")
    assert entry is not None
    question = _question("date", "September 2015", ("2010", "September 2015", "3 January 2020"), entry)
    assert question.is_right(reply) is right


def test_a_number_is_right_with_or_without_its_separators(handbook: Handbook) -> None:
    entry = handbook.get("us-troops-south-korea")
    assert entry is not None
    question = _question("number", "28,500", ("28,500", "47"), entry)
    assert question.is_right("28500") and question.is_right("28,500 troops") and not question.is_right("2850")


def test_a_worksheet_in_markdown(invoke: Invoke) -> None:
    out = invoke("quiz", "--seed", "3", "--count", "3", "-f", "markdown").stdout
    tokens = MarkdownIt("commonmark").parse(out)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Questions", "Answers"]
    assert out.count("   - a) ") == 3


def test_a_quiz_from_a_readers_own_handbook(invoke: Invoke, tmp_path: Path) -> None:
    book = tmp_path / "own.yaml"
    book.write_text(
        "format: 1\ntitle: Own\nsections:\n  - {id: s, title: S, summary: S.}\nfacts:\n"
        "  - {id: f1, title: First thing, date: '1999-05', summary: A., source: [s]}\n"
        "  - {id: f2, title: Second thing, date: '2001', summary: B., source: [s]}\n",
        encoding="utf-8",
    )
    result = invoke("--handbook", str(book), "quiz", "--kind", "date", "-f", "json")
    asked = json.loads(result.stdout)
    assert sorted(q["answer"] for q in asked) == ["2001", "May 1999"]
    nothing = invoke("--handbook", str(book), "quiz", "--kind", "member")
    assert nothing.exit_code == 1 and "no questions of kind member" in nothing.stderr


@pytest.mark.parametrize(
    ("text", "iso"),
    [("3 January 2020", "2020-01-03"), ("January 3rd, 2020", "2020-01-03"), ("2020-01-03", "2020-01-03"),
     ("the 3rd of January 2020", "2020-01-03"), ("Sept 2015", "2015-09"), ("2015-09", "2015-09"), ("2010", "2010"),
     ("agreement-2015", None), ("in 2015 maybe 9", None), ("2020-13", None), ("2020-01-32", None), ("Iran", None)],
)  # fmt: skip
def test_a_date_however_written(text: str, iso: str | None) -> None:
    assert iso_date(text) == iso


def test_a_typed_reply_is_echoed_inert_and_cut_short(run: Run) -> None:
    # A transcript (input piped in) shows each reply after its prompt: what was typed, not what it
    # would do to a terminal, and not a line of megabytes.
    escape = "\x1b]0;owned\x07\x1b[2J"
    replies = f"{escape}\n{'x' * 100_000}\nb\n"
    done = run("quiz", "--seed", "9", "--count", "3", "--typed", input=replies.encode())
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned\\x07\\x1b[2J" in out
    echoed = [line for line in out.splitlines() if line.startswith("> ")]
    assert len(echoed) == 3 and max(len(line) for line in echoed) <= len("> ") + MAX_ECHO + len("...")
    assert "3/3" in out and "Score: " in out and " of 3." in out  # the long line was one reply
