"""How readers' names and kinds resolve to entries."""

from __future__ import annotations

import pytest

from coalition_cli.model.errors import AmbiguousName, NotFound, UsageProblem
from coalition_cli.model.handbook import fold, parse_kind
from coalition_cli.store.tables import Store


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("actor", "actor"),
        ("Actors", "actor"),
        ("figure", "figure"),
        ("figures", "figure"),
        ("person", "figure"),
        ("people", "figure"),
        ("section", "section"),
        ("sections", "section"),
        ("fact", "fact"),
        ("terms", "term"),
    ],
)
def test_kind_words(word: str, kind: str) -> None:
    assert parse_kind(word) == kind


def test_unknown_kind_suggests() -> None:
    with pytest.raises(UsageProblem, match=r'unknown kind "actr" \(did you mean: actor\?\)'):
        parse_kind("actr")


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("Qāssem  SOLEIMANI") == "qassem soleimani"
    assert fold("U.S.") == "us"
    assert fold("Baghdad\u2019s") == fold("baghdads")
    assert fold("al-Assad") == "al assad"
    assert fold("4+1") == "4 1"


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("iran", "actor", "iran"),
        ("IRAN", None, "iran"),
        ("Írán", "actor", "iran"),  # accents ignored
        ("united states", "actor", "united-states"),
        ("united-states", None, "united-states"),
        ("soleimani", None, "soleimani"),
        ("Suleimani", "figure", "soleimani"),
        ("sol", "figure", "soleimani"),  # unique prefix
        ("hezb", None, "hezbollah"),
        ("cordones", None, "carlos-antonio-alcala-cordones"),  # a word of the name
        ("irgc", None, "irgc"),  # the id wins over the term titled IRGC
        ("agreement 2015", "fact", "agreement-2015"),
    ],
)
def test_find_entry(store: Store, name: str, kind: str | None, expected: str) -> None:
    assert store.find_entry(name, kind).id == expected


def test_ambiguous_prefix_lists_candidates(store: Store) -> None:
    with pytest.raises(AmbiguousName) as caught:
        store.find_entry("ira", "actor")
    assert caught.value.suggestions == ["iran", "iraq", "irgc"]  # irgc: "Iranian Revolutionary Guards"
    assert "give the kind or more of the name" in caught.value.message


def test_ambiguous_across_kinds_names_the_kinds(store: Store) -> None:
    with pytest.raises(AmbiguousName) as caught:
        store.find_entry("soleimani-le", None)
    assert caught.value.suggestions == ["section soleimani-leadership", "fact soleimani-led-coalition"]


def test_not_found_suggests_close_names(store: Store) -> None:
    with pytest.raises(NotFound) as caught:
        store.find_entry("irn", "actor")
    assert caught.value.message.startswith('no actor named "irn" (did you mean: ')
    assert "iran" in caught.value.suggestions


def test_not_found_in_other_kind(store: Store) -> None:
    with pytest.raises(NotFound):
        store.find_entry("iran", "figure")


def test_the_combining_marks_folded_away_are_combining_marks() -> None:
    import unicodedata

    from coalition_cli.model.handbook import _combining

    assert all(unicodedata.combining(chr(code)) for code in _combining())
    assert fold("Q\u0101ssem \u062d\u0650\u0632\u0652\u0628") == "qassem \u062d\u0632\u0628"
