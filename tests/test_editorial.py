"""Content an editor would sign: the handbook's own words, the article's claims kept as its claims,
one entry per thing, links from both ends, the reader's index, and names in the region's languages."""

from __future__ import annotations

import re

import pytest

from coalition_cli.model.handbook import Entry, Handbook, fold
from tests.test_content import _texts

RUN = 12  # consecutive words shared with the article that make a passage copied
# The article's promotional words: the handbook says them only as the article's.
PROMOTIONAL = (
    "seasoned fighters",
    "deep ideological commitment",
    "essential logistical corridors",
    "indispensable",
    "significant airpower",
    "highly effective",
    "game-changer",
    "remarkably effective",
    "formidable",
)
ATTRIBUTED = re.compile(
    r"\barticle\b|\bcalls?\b|\bcalled\b|\bsays?\b|\bdescribes?\b|\bcredits?\b|\bin its words\b", re.I
)
# Entries whose names have no established spelling in Russian, Arabic or Persian (said in the report).
NO_REGIONAL_NAME = {"carlos-antonio-alcala-cordones"}
_WORDS = re.compile(r"[\w’']+")
_QUESTION = re.compile(r"^(?:who|what|when|where|why|how|which)\b|\?", re.I)


def _words(text: str) -> list[str]:
    return [word.replace("’", "'").lower() for word in _WORDS.findall(text)]


def test_no_passage_copies_twelve_words_of_the_article(handbook: Handbook, article: str) -> None:
    """Own words throughout: outside a quote, no run of 12 consecutive words is the article's."""
    words = _words(article)
    runs = {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}
    texts = {
        f"source.{key}": value or "" for key, value in (("lead", handbook.source.lead), ("note", handbook.source.note))
    }
    for entry in handbook.entries:
        texts.update({f"{entry.id}.{field}": text for field, text in _texts(entry).items()})
        texts[f"{entry.id}.outside"] = entry.outside or ""
    copied = []
    for where, text in texts.items():
        found = _words(text)
        copied += [
            (where, " ".join(found[i : i + RUN]))
            for i in range(len(found) - RUN + 1)
            if tuple(found[i : i + RUN]) in runs
        ]
    assert copied == []


def test_the_articles_promotional_words_are_its_own(handbook: Handbook) -> None:
    for entry in handbook.entries:
        for field, text in _texts(entry).items():
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                for phrase in PROMOTIONAL:
                    if phrase in sentence.lower():
                        quoted = re.search(rf'"[^"]*{re.escape(phrase)}[^"]*"', sentence, re.I)
                        assert quoted or ATTRIBUTED.search(sentence), (entry.id, field, sentence)


def test_one_entry_per_thing(handbook: Handbook) -> None:
    """No two entries answer to the same name (the old irgc / irgc-term pairs are one entry)."""
    owners: dict[str, str] = {}
    for entry in handbook.entries:
        for name in dict.fromkeys(fold(name) for name in entry.names()):
            assert owners.setdefault(name, entry.id) == entry.id, (name, owners[name], entry.id)


def test_links_are_shown_from_both_ends(handbook: Handbook) -> None:
    for entry in handbook.entries:
        for other_id in handbook.related_of(entry):
            other = handbook.get(other_id)
            assert other is not None
            assert entry.id in handbook.related_of(other), (entry.id, other_id)


def test_a_section_mentions_every_entry_that_rests_on_it(handbook: Handbook) -> None:
    for section in handbook.of_kind("section"):
        resting = {e.id for e in handbook.entries if section.id in e.source and e.kind != "section"}
        assert resting <= set(section.mentions), (section.id, resting - set(section.mentions))


def test_every_entry_has_an_index_of_readers_words(handbook: Handbook) -> None:
    """3 to 12 words or phrases, no questions, none on two entries, none its own text already holds."""
    seen: dict[str, str] = {}
    for entry in handbook.entries:
        assert 3 <= len(entry.index) <= 12, (entry.id, len(entry.index))
        for term in entry.index:
            assert not _QUESTION.search(term), (entry.id, term)
            assert seen.setdefault(fold(term), entry.id) == entry.id, (term, seen[fold(term)], entry.id)


@pytest.mark.parametrize("kind", ["actor", "figure", "place"])
def test_names_in_the_regions_languages(handbook: Handbook, kind: str) -> None:
    """Russian (Cyrillic) and Arabic-script (Arabic and Persian) names for every actor, figure and
    place, without harakat or tatweel."""
    for entry in handbook.of_kind(kind):
        if entry.id in NO_REGIONAL_NAME:
            continue
        assert any(re.search("[\u0400-\u04ff]", alias) for alias in entry.aliases), (entry.id, "Cyrillic")
        arabic = [alias for alias in entry.aliases if re.search("[\u0600-\u06ff]", alias)]
        assert arabic, (entry.id, "Arabic script")
        for alias in arabic:
            assert not re.search("[\u064b-\u065f\u0670\u0640]", alias), (entry.id, alias)


def _members(handbook: Handbook) -> list[Entry]:
    return [e for e in handbook.of_kind("actor") if e.details.get("member")]


def test_members_are_typed_links_to_the_coalition(handbook: Handbook) -> None:
    members = {e.id for e in _members(handbook)}
    linked = {e.id for e in handbook.entries if ("member-of", "four-plus-one") in e.relations}
    assert members == linked == {"russia", "syria", "iran", "iraq", "hezbollah"}
