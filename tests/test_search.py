"""Search: ranking, stemming, variants, typos, numbers, dates, phrases, filters and highlights."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coalition_cli.build.loader import load_handbook
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.lookup.spelling import edit_distance
from coalition_cli.model.errors import NotFound, UsageProblem
from coalition_cli.model.words import words
from coalition_cli.store.search_index import _grouped_numbers
from coalition_cli.store.tables import Store
from tests.helpers import MINIMAL, Invoke, memory_store


@pytest.fixture(scope="module")
def index(store: Store) -> SearchIndex:
    return SearchIndex(store)


def ids(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.entry.id for hit in index.search(query, **kwargs).hits]  # type: ignore[arg-type]


def test_common_words_neither_help_nor_hurt(index: SearchIndex) -> None:
    # (Question words are not common words: "who" asks for a person, "how many" for a number.)
    assert ids(index, "the coalition that was led by a general") == ids(index, "coalition led general")
    assert ids(index, "advisers of the iranians in syria") == ids(index, "advisers iranians syria")


def test_a_query_of_only_common_words_still_searches(index: SearchIndex) -> None:
    assert ids(index, "the")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("killing", "soleimani-killed"),
        ("kill", "soleimani-killed"),
        ("missile", "caspian-cruise-missiles"),
        ("SOLEÏMANI", "soleimani"),
        ("hezbollah's fighters", "hezbollah"),
    ],
)
def test_stems_and_folds(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in ids(index, query)[:3]


def test_handbook_variants_match_other_spellings(index: SearchIndex) -> None:
    result = index.search("advisors")
    assert result.corrections == {}
    assert "iranian-advisers-47" in [hit.entry.id for hit in result.hits[:3]]
    assert "soleimani" == ids(index, "Sulaimani")[0]


def test_variants_come_from_the_handbook(write_handbook: Callable[[str], Path]) -> None:
    # "curb" is too short to be corrected to "kerb": only the handbook's variants join them.
    text = MINIMAL.replace("A place that exists only in tests.", "Parked by the kerb.")
    with memory_store(load_handbook(write_handbook(text, "a.yaml"))) as store, pytest.raises(NotFound):
        SearchIndex(store).search("curb")
    varied = text + "variants:\n  - [kerb, curb]\n"
    with memory_store(load_handbook(write_handbook(varied, "b.yaml"))) as store:
        assert [hit.entry.id for hit in SearchIndex(store).search("curb").hits] == ["somewhere"]


def test_forms_the_index_lacks_are_not_asked_for(
    write_handbook: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # FTS5 pays for every alternative of a term on each match of the others: a spelling the
    # handbook never writes ("air space" here) must not reach the ranking, snippet or word reads.
    text = MINIMAL.replace("A place that exists only in tests.", "Closed airspace over the sea.")
    varied = text + "variants:\n  - [airspace, air space]\n"
    asked: list[list[str]] = []
    ranges: list[str] = []  # the starts of the word lists read for forms
    with memory_store(load_handbook(write_handbook(varied))) as store:
        query = store.query

        def recording(sql: str, params: tuple[object, ...] = ()) -> list[object]:
            if "bm25(" in sql or "snippet(" in sql or "_instance" in sql:
                asked.append([str(param) for param in params])
            elif "entries_vocab" in sql:
                ranges.append(str(next(iter(params))))
            return query(sql, params)

        monkeypatch.setattr(store, "query", recording)
        result = SearchIndex(store).search("airspace")
        assert [hit.entry.id for hit in result.hits] == ["somewhere"] and "airspace" in result.hits[0].snippet
    assert len(asked) == 3 and all(any("airspace" in param for param in params) for params in asked), asked
    assert not any(param in ("air", "space") or "air space" in param for params in asked for param in params), asked
    # Each word list once, and none inside another ("airs" words are among the "air" ones).
    assert sorted(ranges) == ["air", "spac"], ranges


def test_typos_are_corrected_and_said(index: SearchIndex, invoke: Invoke) -> None:
    result = index.search("airspce")
    assert result.corrections == {"airspce": "airspace"}
    assert {"iranian-iraqi-airspace", "operational-dynamics"} & {hit.entry.id for hit in result.hits[:3]}
    cli = invoke("search", "who", "comanded", "the", "quds", "force")
    assert cli.exit_code == 0
    assert cli.stderr == 'coalition: showing results for "who commanded the quds force"\n'
    assert cli.stdout.startswith("Qassem Soleimani (figure: soleimani)") or "quds-force" in cli.stdout.splitlines()[0]


def test_short_words_are_not_corrected(index: SearchIndex) -> None:
    """Under MIN_CORRECTED letters a word has too many near neighbours: "syra", "irn", "syri" and
    "assd" are each one slip from a handbook word (syria, iran, assad) and no English word, so only
    their length keeps them from being corrected (with the bound at 1, all four are)."""
    for word in ("syra", "irn", "syri", "assd", "zzzz", "won", "cup"):
        with pytest.raises(NotFound):
            index.search(word)


@pytest.mark.parametrize("query", ["28500", "28,500", "28,500 troops", "28500 troops in korea"])
def test_numbers_match_however_written(index: SearchIndex, query: str) -> None:
    assert ids(index, query)[0] == "us-troops-south-korea"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("2015", "agreement-2015"),
        ("September 2015", "agreement-2015"),
        ("2020-01-03", "soleimani-killed"),
        ("January 3, 2020", "soleimani-killed"),
        ("3 January 2020", "soleimani-killed"),
        ("2010", "iraq-export-2010"),
    ],
)
def test_dates_match_however_written(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in ids(index, query)[:3]


def test_quoted_phrases_match_as_phrases(index: SearchIndex) -> None:
    hits = index.search('"seismic geopolitical shift"').hits
    assert hits and all(
        "seismic geopolitical shift" in hit.snippet.replace("\x02", "").replace("\x03", "") for hit in hits[:1]
    )
    assert {hit.entry.id for hit in hits} <= {"fall-of-assad", "assad-regime"}
    with pytest.raises(NotFound):
        index.search('"shift geopolitical seismic"')


def test_phrase_and_words_together_require_the_phrase(index: SearchIndex) -> None:
    hits = index.search('"drone strike" airport').hits
    assert hits[0].entry.id == "soleimani-killed"
    assert all("drone" in hit.matched[0] for hit in hits)


def test_kind_filter_and_limit(invoke: Invoke) -> None:
    data = json.loads(invoke("search", "iran", "--kind", "fact", "-k", "terms", "-f", "json").stdout)
    assert data and {hit["kind"] for hit in data} <= {"fact", "term"}
    assert len(json.loads(invoke("search", "coalition", "-f", "json").stdout)) == 10
    assert len(json.loads(invoke("search", "coalition", "-n", "3", "-f", "json").stdout)) == 3


def test_json_results_carry_score_snippet_and_matched_terms(invoke: Invoke) -> None:
    [hit, *_] = json.loads(invoke("search", "caspian", "missiles", "-f", "json").stdout)
    assert hit["id"] == "caspian-cruise-missiles"
    assert sorted(hit["matched"]) == ["caspian", "missiles"]
    assert hit["coverage"] == 1.0 and hit["score"] > 0
    assert "\x02" not in hit["snippet"] and "missiles" in hit["snippet"]


def test_matches_are_highlighted_per_format(invoke: Invoke) -> None:
    markdown = invoke("search", "airspace", "-n", "1", "-f", "markdown").stdout
    assert "**airspace**" in markdown
    plain = invoke("search", "airspace", "-n", "1").stdout
    assert "airspace" in plain and "*" not in plain and "\x02" not in plain


def test_nothing_found_names_the_nearest_words(invoke: Invoke) -> None:
    result = invoke("search", "irn")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == 'coalition: no entry matches "irn" (did you mean: iran, iraq, irgc?)\n'


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "AND",
        "OR NOT",
        "(",
        ")",
        "*",
        "col:umn",
        "NEAR(a b)",
        "^x",
        "a-",
        "-",
        "'",
        "\\",
        "{names}: x",
        "\x00",
        "ö" * 1_000,
    ],
)
def test_odd_queries_are_never_errors(index: SearchIndex, query: str) -> None:
    try:
        index.search(query)
    except NotFound:
        pass


def test_a_query_past_the_bounds_is_a_usage_problem(index: SearchIndex) -> None:
    with pytest.raises(UsageProblem, match="the query is 10,000 characters; a query holds at most 1,000"):
        index.search("ö" * 10_000)


def test_edit_distance() -> None:
    assert edit_distance("airspce", "airspace", 2) == 1
    assert edit_distance("caspain", "caspian", 2) == 1  # a swap counts once
    assert edit_distance("abc", "xyzuvw", 2) == 3  # beyond the limit: limit + 1


def test_a_question_favours_the_kinds_that_answer_it(index: SearchIndex, store: Store) -> None:
    """A "who" question is answered by figures and actors: the candidates of those kinds are read
    from the entry table (the search query itself reads no kinds), and only those get the boost."""
    every = {rowid: "" for rowid, _ in store._numbered()}
    figures = index._of_kinds(every, ("figure",))
    assert sorted(figures) == sorted(rowid for rowid, entry in store._numbered() if entry.kind == "figure")
    assert figures and index._of_kinds(every, ("no-such-kind",)) == []
    # The first answer to a "who" question is a person or an actor.
    first = index.search("who commanded the quds force").hits[0].entry
    assert first.kind in ("figure", "actor"), first.id


# The index's own readings of text, found with string methods (a search imports no `re` for its
# snippets), against the regular expressions they stand for.
_NUMBERS_AND_WORDS = st.text(alphabet=st.sampled_from("0123456789,, a_x\u0661\u0662\u00e9\u200b\u00bd"), max_size=24)


@given(_NUMBERS_AND_WORDS)
def test_grouped_numbers_are_what_the_pattern_finds(text: str) -> None:
    assert _grouped_numbers(text) == re.findall(r"(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d])", text)


@given(st.one_of(_NUMBERS_AND_WORDS, st.text(max_size=24)))
def test_words_are_what_the_pattern_finds(text: str) -> None:
    assert words(text) == re.findall(r"\w+", text)


# -- a ranked list, never a verdict ------------------------------------------------------------------


def test_a_word_no_entry_mentions_is_named_and_the_rest_still_searched(invoke: Invoke) -> None:
    """One word the handbook lacks does not blank the search: the best matches for the rest are
    shown, and stderr names the word; exit 0."""
    result = invoke("search", "airspace", "xylophones")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("(fact: caspian-cruise-missiles)") or "airspace" in result.stdout
    assert result.stderr == 'coalition: no entry mentions "xylophones"; showing the best matches for the rest\n'
    data = json.loads(invoke("search", "airspace", "xylophones", "-f", "json").stdout)
    assert data and all("airspace" in hit["matched"] for hit in data[:2])


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("what goods did damascus ship to baghdad", "iraq-export-2010"),  # "ship": no entry's word
        ("planes over iran", "iranian-iraqi-airspace"),  # "planes": near "flights" and "aircraft"
    ],
)
def test_readers_words_find_what_the_handbook_says_otherwise(index: SearchIndex, query: str, wanted: str) -> None:
    assert wanted in ids(index, query)[:3]


def test_meaning_ranks_but_never_outranks_a_name(index: SearchIndex) -> None:
    """Each hit says how alike in meaning it is; an entry the query names still comes first."""
    hits = index.search("iran").hits
    assert hits[0].entry.id == "iran" and hits[0].named
    assert all(hit.similarity is None or -1 <= hit.similarity <= 1 for hit in hits)
    assert any(hit.similarity is not None for hit in hits)


def test_an_entry_found_by_meaning_alone_shows_its_summary(index: SearchIndex) -> None:
    """A hit no word of the query matched has no match to cut a snippet around: it shows the start
    of its summary, never its names or hidden spellings."""
    hits = index.search("refugees").hits
    alone = [hit for hit in hits if not hit.matched]
    assert alone, [(hit.entry.id, hit.matched) for hit in hits]
    for hit in alone:
        assert hit.snippet.startswith(" ".join(hit.entry.summary.split()[:5]))


def test_nothing_at_all_is_exit_1_and_an_empty_list(invoke: Invoke) -> None:
    for query in (["qwzxv"], ["zzqx", "qwpl"]):
        result = invoke("search", *query, "-f", "json")
        assert result.exit_code == 1 and json.loads(result.stdout) == []


def test_long_misspelt_words_are_corrected_when_one_word_is_clearly_meant(invoke: Invoke) -> None:
    result = invoke("search", "alliense")
    assert result.exit_code == 0
    assert result.stderr == 'coalition: showing results for "alliance"\n'


def test_a_word_of_english_is_never_corrected_to_another(write_handbook: Callable[[str], Path]) -> None:
    """ "president" is not a misspelt "present", though it is two letters from it and the handbook
    holds only "present"; "presidnet", no word of English, is corrected to it."""
    text = MINIMAL.replace("A place that exists only in tests.", "A place that is present only in tests.")
    with memory_store(load_handbook(write_handbook(text))) as store:
        index = SearchIndex(store)
        assert "president" not in index.search("present place").corrections
        with pytest.raises(NotFound):
            index.search("president")
        assert index.search("presnet").corrections == {"presnet": "present"}


def test_common_words_and_opposites_are_not_near_words(index: SearchIndex) -> None:
    """Only a word that tells something is widened to the handbook's words near it in meaning
    ("won" is near "showed" and "gave" in the table, which a reader never meant), and never to its
    own opposite ("disagreements" sums the pieces of "dis" and "agreements")."""
    assert index.meaning.near_words("won") == []
    assert "enemy" in index.meaning.near_words("foe")
    near = index.meaning.near_words("disagreements")
    assert near and not any(word.startswith("agree") for word in near)
