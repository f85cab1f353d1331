"""`coalition ask`: one direct answer first, then where it comes from; a plain "no answer" otherwise."""

from __future__ import annotations

import json

import pytest

from coalition_cli.ask import Asker, format_date
from coalition_cli.errors import NotFound
from coalition_cli.store import Store
from tests.helpers import Invoke, Run, assert_clean_plain


def test_the_answer_comes_first_then_its_source(invoke: Invoke) -> None:
    result = invoke("ask", "when", "was", "soleimani", "killed")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 January 2020"
    assert "From: Qassem Soleimani killed in a U.S. drone strike (fact: soleimani-killed)" in lines
    assert "Section: Lieutenant General Qassem Soleimani's Leadership" in lines
    assert any(line.startswith('Quote: "who was assassinated in a U.S. drone strike') for line in lines)
    assert_clean_plain(result.stdout)


def test_an_attributed_claim_says_who_makes_it(invoke: Invoke) -> None:
    first = invoke("ask", "who led the coalition").stdout.splitlines()[0]
    assert first == "Qassem Soleimani (according to Carlos Antonio Alcala Cordones, as the article reports)"


def test_json_has_the_answer_the_entry_the_section_and_the_quote(invoke: Invoke) -> None:
    data = json.loads(invoke("ask", "how many iranian advisers were there", "-f", "json").stdout)
    assert data["answer"] == "47 advisers"
    assert data["entry"] == {"kind": "fact", "id": "iranian-advisers-47", "title": data["entry"]["title"]}
    assert data["section"] == {"id": "divergent-approaches", "title": "Divergent Approaches: Russia vs. Iran in Syria"}
    assert data["quote"]["section"] == "divergent-approaches" and "47 in total" in data["quote"]["text"]
    assert "peak" in data["note"]  # the editor's caution travels with the number


@pytest.mark.parametrize(
    "question",
    [
        "who is the president of france",
        "how many russian advisers worked with the syrian army",  # the 47 are Iranian
        "how many us troops are in iraq and syria",  # the 28,500 are in South Korea
        "what did the wagner group do",
    ],
)
def test_no_answer_is_said_plainly_with_exit_1(invoke: Invoke, question: str) -> None:
    result = invoke("ask", *question.split())
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f'coalition: the handbook has no answer to "{question}"')
    declined = invoke("ask", *question.split(), "--format", "json")
    assert declined.exit_code == 1 and json.loads(declined.stdout) is None


def test_outside_the_article_is_said_as_such(invoke: Invoke) -> None:
    out = invoke("ask", "what does MOD stand for").stdout
    assert "Outside the article: " in out and "Ministry of Defence" in out.split("Outside the article: ")[1]


def test_markdown_is_a_note_to_append(invoke: Invoke) -> None:
    out = invoke("ask", "where was soleimani killed", "-f", "markdown").stdout
    assert out.startswith("**Baghdad**\n")
    assert out.endswith("\n\n") and "> who was assassinated" in out


def test_typed_links_answer_who_did_what(store: Store) -> None:
    asker = Asker(store)
    assert asker.ask("who commanded the quds force").text == "Qassem Soleimani"
    assert asker.ask("who killed soleimani").text == "United States"
    assert asker.ask("who was killed in the drone strike").text == "Qassem Soleimani"
    assert asker.ask("whose airspace did russia use").text == "Iran and Iraq"
    members = asker.ask("who are the members of the 4+1").text
    assert {"Russia", "Syria", "Iran", "Iraq", "Hezbollah"} <= set(members.replace(" and ", ", ").split(", "))


def test_a_question_with_nothing_to_ask_is_declined(store: Store) -> None:
    with pytest.raises(NotFound):
        Asker(store).ask("who what when")


@pytest.mark.parametrize(
    ("date", "said"), [("2010", "2010"), ("2015-09", "September 2015"), ("2020-01-03", "3 January 2020")]
)
def test_dates_are_said_at_the_precision_given(date: str, said: str) -> None:
    assert format_date(date) == said


def test_the_fast_path_answers_as_the_typer_app_does(run: Run) -> None:
    fast = run("ask", "when", "was", "the", "deal", "made")
    typer_path = run("--no-pager", "ask", "when was the deal made", "--format", "plain")
    assert fast.returncode == typer_path.returncode == 0
    assert fast.stdout == typer_path.stdout and fast.stdout.startswith(b"September 2015\n")
