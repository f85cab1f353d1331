"""`coalition ask`: one direct answer first, then where it comes from; a plain "no answer" otherwise."""

from __future__ import annotations

import json

import pytest

from coalition_cli.lookup.ask import Asker, format_date
from coalition_cli.model.errors import NotFound
from coalition_cli.model.words import sentences
from coalition_cli.store.tables import Store
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


# -- answers from the handbook's sentences --------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "holds"),
    [
        ("why was trade with iraq vital to syria", "survival"),
        ("why did the coalition keep assad in power", "collapse"),
        ("how did iran keep its influence with so few advisers", "MOD"),
        ("what did the late-2015 deal prepare the ground for", "intervention"),
    ],
)
def test_why_and_how_are_answered_with_the_sentence_that_says_so(store: Store, question: str, holds: str) -> None:
    """When no field answers the question, the answer is the handbook sentence that does, whole:
    never a name on its own."""
    answer = Asker(store).ask(question)
    assert holds in f"{answer.text} {answer.basis or ''}"
    sentence = answer.basis or answer.text
    assert sentence.endswith((".", '"')) and len(sentence.split()) > 5
    assert sentence in " ".join(answer.entry.summary.split() + [str(v) for v in answer.entry.details.values()]) or (
        sentence.split()[0] in answer.entry.summary
    )


@pytest.mark.parametrize(
    "question",
    [
        "why did russia use iraqi airspace",
        "why did iran back hezbollah",
        "why was soleimani important",
        "why is it called the 4+1",
    ],
)
def test_a_why_question_is_never_answered_with_a_name(store: Store, question: str) -> None:
    try:
        answer = Asker(store).ask(question)
    except NotFound:
        return
    names = {name.lower() for entry in store.entries for name in entry.names()}
    assert answer.text.lower() not in names and len(answer.text.split()) > 5, answer.text


def test_sentences_are_split_around_abbreviations() -> None:
    assert sentences("He was killed by a U.S. drone strike near Baghdad. The article says so.") == [
        "He was killed by a U.S. drone strike near Baghdad.",
        "The article says so.",
    ]
    assert sentences("Lt. Gen. Soleimani led it. Then what?") == ["Lt. Gen. Soleimani led it.", "Then what?"]
    assert sentences("The U.S. keeps troops. Russia, e.g. its air force, does too.") == [
        "The U.S. keeps troops.",
        "Russia, e.g. its air force, does too.",
    ]
    assert sentences('It said "no." Then it ended. J. Smith agreed!') == [
        'It said "no."',
        "Then it ended.",
        "J. Smith agreed!",
    ]


def test_an_answer_is_not_cut_at_an_abbreviation(store: Store) -> None:
    answer = Asker(store).ask("how did soleimani get killed")
    text = f"{answer.text} {answer.basis or ''}"
    assert "U.S. drone" in text and "airport" in text


def test_a_declined_question_says_what_to_read_instead(invoke: Invoke) -> None:
    result = invoke("ask", "how", "did", "the", "coalition", "pay", "for", "the", "war")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith('coalition: the handbook has no answer to "how did the coalition pay')
    hint = result.stderr.rsplit("(try: coalition show ", 1)[1].rstrip(")\n")
    assert invoke("show", hint).exit_code == 0  # the hint names an entry that exists


@pytest.mark.parametrize(
    ("question", "note"),
    [
        ("who attended the september 2015 meeting", "who attended"),
        ("in which city was the 4+1 agreement signed", "where"),
        ("how many russian advisers worked with the regular syrian forces", "no number for the Russian"),
        ("how many iranian advisers were in syria at the peak", "not at the peak"),
        ("who is carlos antonio alcala cordones", "does not say who"),
    ],
)
def test_what_the_article_leaves_out_is_declined_with_the_note(store: Store, question: str, note: str) -> None:
    """The editor's note says what the article does not give; a question that asks for just that
    is declined with the note, not answered from the nearest field."""
    with pytest.raises(NotFound) as declined:
        Asker(store).ask(question)
    assert note in str(declined.value)


def test_a_note_about_something_else_does_not_decline(store: Store) -> None:
    """The 47's note says the article gives no number for the Russian advisers: a question about
    the troops in South Korea, or about the Iranians after the peak, is still answered."""
    asker = Asker(store)
    assert asker.ask("how many us troops are in south korea").text == "28,500 troops"
    assert (
        asker.ask("how many iranian advisers did the regular syrian forces have after the peak").text == "47 advisers"
    )


def test_a_choice_is_answered_by_what_the_comparison_puts_first(store: Store) -> None:
    asker = Asker(store)
    assert asker.ask("who had more advisers with the regular army, the russians or the iranians").text == "Russia"
    assert asker.ask("who had more advisers with the regular army, the iranians or the russians").text == "Russia"


def test_yes_or_no_only_when_a_sentence_settles_it(store: Store) -> None:
    """No, when the best sentence puts another place where the question puts one; never yes from a
    sentence that merely holds the question's words ("is Hezbollah a state member of the coalition":
    "four states ... plus Hezbollah")."""
    asker = Asker(store)
    answer = asker.ask("was soleimani killed in damascus")
    assert answer.text.startswith("No: ") and "Baghdad" in answer.text
    for question in ("was soleimani killed in baghdad", "is hezbollah a state member of the coalition"):
        with pytest.raises(NotFound):
            asker.ask(question)


def test_an_answer_never_restates_the_questions_subject(store: Store) -> None:
    """ "Who commanded the Quds Force" is Soleimani; "who took over the Quds Force after Soleimani"
    asks for someone else, whom the handbook does not name."""
    with pytest.raises(NotFound):
        Asker(store).ask("who took over the quds force after soleimani")


def test_numbers_below_ten_are_words_and_counts_of_links_are_numbers(store: Store) -> None:
    asker = Asker(store)
    assert asker.ask("how long did the assad family rule syria").text == "five decades"
    assert asker.ask("how many members make up the 4+1").text.startswith("five: ")
    with pytest.raises(NotFound):
        asker.ask("which two states joined the axis of resistance")  # it has three members; two were not asked of it


def test_a_field_answer_comes_with_the_sentence_it_rests_on(invoke: Invoke) -> None:
    plain = invoke("ask", "where", "was", "soleimani", "killed").stdout.splitlines()
    assert plain[0] == "Baghdad" and plain[1].startswith("Context: ") and "airport" in plain[1]
    data = json.loads(invoke("ask", "where", "was", "soleimani", "killed", "-f", "json").stdout)
    assert data["answer"] == "Baghdad" and "airport" in data["context"]
