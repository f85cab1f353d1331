"""The shipped handbook against its source article: complete, traceable, verbatim, honest."""

from __future__ import annotations

import re

import pytest

from coalition_cli.build.loader import check_handbook
from coalition_cli.model.handbook import LEAD, Entry, Handbook
from coalition_cli.source.stack import bundled_handbook_path
from coalition_cli.store.tables import Store

MONTHS = "January February March April May June July August September October November December".split()


def split_article(article: str) -> tuple[str, dict[str, str]]:
    """The lead paragraph and each `##` section's text, keyed by heading."""
    lines = article.splitlines()
    assert lines[0].startswith("# ")
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    lead = current
    for line in lines[1:]:
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        else:
            current.append(line)
    return "\n".join(lead), {heading: "\n".join(body) for heading, body in sections.items()}


def article_dates(article: str) -> set[str]:
    """Every date the article gives, as ISO 8601 at the precision it gives."""
    found: set[str] = set()
    month = "|".join(MONTHS)
    text = article
    for m in re.finditer(rf"\b({month}) (\d{{1,2}}), (\d{{4}})\b", text):
        found.add(f"{m[3]}-{MONTHS.index(m[1]) + 1:02d}-{int(m[2]):02d}")
    text = re.sub(rf"\b({month}) (\d{{1,2}}), (\d{{4}})\b", " ", text)
    for m in re.finditer(rf"\b({month}) (\d{{4}})\b", text):
        found.add(f"{m[2]}-{MONTHS.index(m[1]) + 1:02d}")
    text = re.sub(rf"\b({month}) (\d{{4}})\b", " ", text)
    found.update(re.findall(r"\b(?:19|20)\d{2}\b", text))
    return found


def test_shipped_handbook_validates_clean() -> None:
    handbook, problems = check_handbook(bundled_handbook_path())
    assert problems == []
    assert handbook is not None


def test_all_eleven_sections_in_article_order(handbook: Handbook, article: str) -> None:
    _, sections = split_article(article)
    assert len(sections) == 11
    assert [s.title for s in handbook.of_kind("section")] == list(sections)


def test_sections_have_summary_key_points_and_mentions(handbook: Handbook) -> None:
    for section in handbook.of_kind("section"):
        sentences = re.findall(r"[.!?](?:\s|$)", section.summary.replace("U.S.", "US"))
        assert 2 <= len(sentences) <= 8, (section.id, len(sentences))
        assert len(section.details.get("key_points", ())) >= 3, section.id
        assert section.mentions, section.id


def test_ids_unique_and_well_formed(handbook: Handbook) -> None:
    ids = [entry.id for entry in handbook.entries]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry_id) for entry_id in ids)


def test_every_reference_resolves(handbook: Handbook) -> None:
    ids = {entry.id for entry in handbook.entries}
    sections = {entry.id for entry in handbook.of_kind("section")} | {LEAD}
    for entry in handbook.entries:
        assert handbook.related_of(entry), f"{entry.id} is linked to nothing"
        assert entry.source, f"{entry.id} has no source"
        assert {target for _, target in entry.relations} <= ids, entry.id
        assert set(entry.related) <= ids, entry.id
        assert set(entry.mentions) <= ids, entry.id
        assert set(entry.source) <= sections, entry.id


def test_quotes_are_verbatim_in_their_section(handbook: Handbook, article: str) -> None:
    lead, sections = split_article(article)
    quoted = [entry for entry in handbook.entries if entry.quote is not None]
    assert len(quoted) >= 20
    for entry in quoted:
        assert entry.quote is not None
        where = lead if entry.quote.section == LEAD else sections[handbook.source_title(entry.quote.section)]
        assert entry.quote.text in where, f"{entry.id}: quote not found verbatim in {entry.quote.section}"
        assert len(entry.quote.text.split()) <= 40, entry.id


def test_every_date_in_the_article_is_a_fact(handbook: Handbook, article: str) -> None:
    dates = article_dates(article)
    assert dates == {"2010", "2015-09", "2020-01-03"}
    assert dates <= {fact.date for fact in handbook.of_kind("fact")}


def test_every_number_in_the_article_is_a_fact(handbook: Handbook, article: str) -> None:
    figures = {
        (f.details.get("value"), f.details.get("unit"), f.details.get("qualifier")) for f in handbook.of_kind("fact")
    }
    assert (47, "advisers", None) in figures
    assert (28500, "troops", None) in figures
    assert (5, "decades", None) in figures  # "five decades of Assad family dictatorship"
    assert (1, "decade", "more than") in figures  # "more than a decade of devastating civil war"
    assert (5, "members", None) in figures  # the "4+1"
    # Numerals in the article that are neither dates nor part of "4+1" must all be covered above.
    numerals = set(re.findall(r"\b\d[\d,]*\b", re.sub(r"4\+1", " ", article))) - {"3", "2010", "2015", "2020"}
    assert {int(n.replace(",", "")) for n in numerals} <= {value for value, _, _ in figures}


def test_caspian_missiles_are_a_fact_without_invented_date(store: Store) -> None:
    fact = store.find_entry("caspian-cruise-missiles", "fact")
    assert fact.date is None and "value" not in fact.details
    assert fact.note and "neither a date nor a number" in fact.note


@pytest.mark.parametrize(
    ("entry_id", "kind", "actor_type", "member"),
    [
        ("russia", "actor", "state", True),
        ("syria", "actor", "state", True),
        ("iran", "actor", "state", True),
        ("iraq", "actor", "state", True),
        ("hezbollah", "actor", "non-state force", True),
        ("isis", "actor", "non-state force", False),
        ("united-states", "actor", "state", False),
        ("china", "actor", "state", False),
        ("irgc", "actor", "organisation", False),
        ("quds-force", "actor", "organisation", False),
        ("axis-of-resistance", "actor", "grouping", False),
    ],
)
def test_actors(handbook: Handbook, entry_id: str, kind: str, actor_type: str, member: bool) -> None:
    actor = handbook.get(entry_id)
    assert actor is not None and actor.kind == kind
    assert actor.details["type"] == actor_type
    assert actor.details["member"] is member
    assert actor.details.get("role")


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("US", "actor", "united-states"),
        ("USA", "actor", "united-states"),
        ("United States", "actor", "united-states"),
        ("U.S.", "actor", "united-states"),
        ("ISIL", "actor", "isis"),
        ("Islamic State", "actor", "isis"),
        ("Revolutionary Guards", "actor", "irgc"),
        ("Assad regime", "actor", "assad-regime"),
        ("Assad family", "actor", "assad-regime"),
        ("Bashar al-Assad", None, "assad-regime"),
        ("Qassem Soleimani", "figure", "soleimani"),
        ("Carlos Antonio Alcala Cordones", "figure", "carlos-antonio-alcala-cordones"),
        ("4+1", "term", "four-plus-one"),
        ("Axis of Resistance", "actor", "axis-of-resistance"),
        ("IRGC", "actor", "irgc"),
        ("Quds Force", "actor", "quds-force"),
        ("MOD", "term", "mod"),
        ("Baghdad", "place", "baghdad"),
        ("drone strike", None, "soleimani-killed"),
        # The region's own spellings, and the variants readers type: Cyrillic in any case, Arabic
        # and Persian letters for each other, with tatweel, harakat or a zero-width non-joiner.
        ("Иран", None, "iran"),
        ("ИРАН", None, "iran"),
        ("إيران", None, "iran"),
        ("ایران", None, "iran"),
        ("ايـــران", None, "iran"),
        ("Хезболла", None, "hezbollah"),
        ("حزب الله", None, "hezbollah"),
        ("حِزْبُ اللَّه", None, "hezbollah"),
        ("حزب\u200cالله", None, "hezbollah"),
        ("Россия", None, "russia"),
        ("روسيا", None, "russia"),
        ("سوریه", None, "syria"),
        ("العراق", None, "iraq"),
        ("قاسم سلیمانی", None, "soleimani"),
        ("قاسم سليماني", None, "soleimani"),
        ("Сулеймани", None, "soleimani"),
        ("بغداد", None, "baghdad"),
    ],
)
def test_readers_names_resolve(store: Store, name: str, kind: str | None, expected: str) -> None:
    assert store.find_entry(name, kind).id == expected


def _texts(entry: Entry) -> dict[str, str]:
    """Every text of an entry but its quote and its `outside`, by field."""
    texts = {"title": entry.title, "summary": entry.summary, "note": entry.note or ""}
    texts.update({f"aliases[{i}]": alias for i, alias in enumerate(entry.aliases)})
    texts.update({f"index[{i}]": term for i, term in enumerate(entry.index)})
    for key, value in entry.details.items():
        if isinstance(value, str):
            texts[key] = value
        elif isinstance(value, tuple):
            texts.update({f"{key}[{i}]": item for i, item in enumerate(value)})
    return texts


def test_what_is_outside_the_article_is_only_in_outside(handbook: Handbook) -> None:
    """One marker for everything that is not the article's: the `outside` field, which the program
    prints after "Outside the article:". The handbook's known outside facts are there and nowhere else."""
    outside_facts = re.compile(r"2024|major general|Ministry of Defen[cs]e|December", re.IGNORECASE)
    other_markers = re.compile(r"outside the article|the handbook's gloss|from the context", re.IGNORECASE)
    for entry in handbook.entries:
        for field, text in _texts(entry).items():
            assert not outside_facts.search(text), (entry.id, field, text)
            assert not other_markers.search(text), (entry.id, field, text)
        assert entry.outside is None or not entry.outside.lower().startswith("outside the article"), entry.id
    marked = {e.id for e in handbook.entries if e.outside and outside_facts.search(e.outside)}
    assert marked >= {"soleimani", "fall-of-assad", "assad-regime", "lieutenant-general"}


def test_known_weak_points_carry_notes(handbook: Handbook) -> None:
    notes = {e.id: e.note or "" for e in handbook.entries}
    assert "not at the peak" in notes["iranian-advisers-47"]
    assert "South Korea" in notes["us-troops-south-korea"]
    assert "contradicts itself" in notes["fall-of-assad"]
    assert "does not say who" in notes["soleimani-leadership"]


def test_no_personal_data_or_page_furniture() -> None:
    text = bundled_handbook_path().read_text(encoding="utf-8")
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), "e-mail address"
    without_dates = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", " ", text)
    assert not re.search(r"\+?\d[\d ()-]{8,}\d", without_dates), "phone number"
    for furniture in ("Guide of the World", "Department of State", "Share your perspectives", "comments below"):
        assert furniture not in text
