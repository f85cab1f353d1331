"""A large handbook read in parts by several processes is the same handbook, and any doubt (a
problem, an alias across parts, a cut inside a quoted text) means it is read again in one process,
which reports problems exactly as always."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import event_records
from coalition_cli.build import parallel
from coalition_cli.build.cache import _build
from coalition_cli.build.loader import load_handbook
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.model.errors import HandbookError, Problem
from coalition_cli.store.tables import Store
from tests import helpers


@pytest.fixture(autouse=True)
def _two_processors() -> None:
    helpers.require_processors()


def write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    return path


def build(path: Path, monkeypatch: pytest.MonkeyPatch, *, in_parts: bool) -> Store:
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 100_000 if in_parts else 1 << 40)  # not the shipped one
    return _build([str(path)], None, None, None)


def problems(path: Path, monkeypatch: pytest.MonkeyPatch, *, in_parts: bool) -> list[Problem]:
    with pytest.raises(HandbookError) as raised:
        build(path, monkeypatch, in_parts=in_parts).close()
    return raised.value.problems


@pytest.fixture
def records(tmp_path: Path) -> Iterator[dict[str, object]]:
    yield event_records(3000)


@pytest.mark.slow
def test_parts_make_the_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: dict[str, object]) -> None:
    path = write(tmp_path / "records.yaml", records)
    with build(path, monkeypatch, in_parts=True) as parts, build(path, monkeypatch, in_parts=False) as whole:
        assert len(parts.search_parts) > 1 and whole.search_parts == ("",)  # it really was read in parts
        assert [entry.to_data() for entry in parts.entries] == [entry.to_data() for entry in whole.entries]
        assert parts.warnings == whole.warnings and parts.files == whole.files
        for query in ("airspace", "event-002999", "who led the coalition", "troops 2015", "hezbolah"):
            found = {hit.entry.id: (hit.score, hit.snippet) for hit in SearchIndex(parts).search(query, limit=5).hits}
            expected = {
                hit.entry.id: (hit.score, hit.snippet) for hit in SearchIndex(whole).search(query, limit=5).hits
            }
            # Every entry both find scores the same (bm25 over the whole handbook, whatever the parts),
            # and they agree on the best. Candidates are gathered per part, so a part may bring one
            # more into the last places than the whole's single pass does.
            assert next(iter(found)) == next(iter(expected)), query
            assert all(found[i] == expected[i] for i in found.keys() & expected.keys()), query
            assert len(found.keys() & expected.keys()) >= min(4, len(expected)), query
        assert set(parts.by_ids(["event-000010", "iran"])) == {"event-000010", "iran"}
        # Each part's index keeps the setting it was written with: its segments are left unmerged.
        for store in (parts, whole):
            for part in store.search_parts:
                assert store.query(f"SELECT v FROM entries{part}_config WHERE k = 'automerge'") == [(0,)]


@pytest.mark.slow
def test_references_across_parts_resolve_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: dict[str, object]
) -> None:
    """A reference from the parent's share forward into the last part, one from an `extend:` item
    (checked after the entries) and one from the last part back: each process sees only its own
    entries, and the joined store resolves all three."""
    facts = [dict(fact) for fact in records["facts"]]  # type: ignore[union-attr, attr-defined]
    first, last = facts[0]["id"], facts[-1]["id"]
    facts[0]["related"] = [*facts[0]["related"], last]
    facts[-1]["related"] = [*facts[-1]["related"], facts[1]["id"]]
    extend = [{"id": "iran", "related": [facts[-2]["id"]]}]
    path = write(tmp_path / "records.yaml", {**records, "facts": facts, "extend": extend})
    with build(path, monkeypatch, in_parts=True) as store:
        assert len(store.search_parts) > 1  # not read again in one process
        found = store.by_ids([first, last, "iran"])
        assert last in found[first].related and facts[1]["id"] in found[last].related
        assert facts[-2]["id"] in found["iran"].related


def damaged(records: dict[str, object], change: str) -> dict[str, object]:
    facts = [dict(fact) for fact in records["facts"]]  # type: ignore[union-attr, attr-defined]
    late = len(facts) - 10  # in the last part
    if change == "problem":
        facts[late]["date"] = "2015-13-01"
    elif change == "duplicate":
        facts[late]["id"] = facts[5]["id"]
    elif change == "dangling":
        facts[late]["related"] = ["event-999999"]
    return {**records, "facts": facts}


@pytest.mark.slow
@pytest.mark.parametrize("change", ["problem", "duplicate", "dangling"])
def test_a_problem_anywhere_is_told_as_by_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: dict[str, object], change: str
) -> None:
    path = write(tmp_path / "records.yaml", damaged(records, change))
    found = problems(path, monkeypatch, in_parts=True)
    assert found == problems(path, monkeypatch, in_parts=False)
    assert found and all(problem.line is not None for problem in found)


@pytest.mark.slow
def test_aliases_across_parts_are_read_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: dict[str, object]
) -> None:
    text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=100)
    # An anchor early in the file and an alias to it near the end: the parts cannot resolve it alone.
    text = text.replace("  source:\n  - genesis\n", "  source: &genesis\n  - genesis\n", 1)
    last = text.rfind("  source:\n  - genesis\n")
    text = text[:last] + "  source: *genesis\n" + text[last + len("  source:\n  - genesis\n") :]
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    with build(path, monkeypatch, in_parts=True) as store:
        assert store.search_parts == ("",) and store.count() == 3000 + len(load_handbook().entries)


@pytest.mark.slow
def test_a_cut_inside_a_quoted_text_is_read_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: dict[str, object]
) -> None:
    # A double-quoted summary running over lines, one of which looks like the start of an item.
    text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=100)
    middle = text.index("- id: event-001500")
    trap = '- id: trap\n  title: Trap\n  summary: "starts here\n- id: looks-like-an-item\n  ends"\n'
    trap += "  source: [genesis]\n"
    text = text[:middle] + trap + text[middle:]
    path = tmp_path / "trap.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(parallel, "cut", lambda raw, count: _cut_at(raw, b"- id: looks-like-an-item"))
    with build(path, monkeypatch, in_parts=True) as store:
        assert store.search_parts == ("",)
        trap = store.get("trap")
        assert trap is not None and "looks-like-an-item" in trap.summary


def _cut_at(raw: bytes, marker: bytes) -> list[parallel.Part]:
    start = raw.index(marker)
    return [parallel.Part(start, len(raw), b"facts", raw.count(b"\n- id:", start) + 1)]


def test_items_at_column_0_are_cut_within_their_list() -> None:
    """Items written at column 0 (as PyYAML writes them), with comments and blank lines among them:
    the part starts at an item, counts every item, and ends where the list does, at the next key."""
    items = "".join(f"- id: e-{i}\n  summary: s\n" + ("# a comment\n\n" if i % 7 == 0 else "") for i in range(400))
    raw = f"format: 1\nfacts:\n{items}title: t\nactors:\n- id: a\n  name: A\n  summary: s\n".encode()
    [part] = parallel.cut(raw, 2)
    assert raw[part.start :].startswith(b"- id: e-") and raw[part.end :].startswith(b"title: t\n")
    assert part.items == raw.count(b"\n- id: e-", part.start - 1, part.end) and 100 < part.items < 300
    three = parallel.cut(raw, 3)
    assert len(three) == 2 and three[0].end == three[1].start and three[1].end == part.end


def test_parts_are_cut_by_work_not_by_bytes() -> None:
    """A run of few long items then many short ones: each process gets about the same work (items
    weigh more than their bytes), not the same bytes."""
    long = "".join(f"  - id: long-{i}\n    summary: {'x' * 6000}\n" for i in range(100))
    short = "".join(f"  - id: short-{i}\n    summary: s\n" for i in range(1000))
    raw = f"format: 1\ntitle: t\nfacts:\n{long}{short}".encode()
    [part] = parallel.cut(raw, 2)
    work = part.end - part.start + parallel.ITEM_WEIGHT * part.items
    total = len(raw) + parallel.ITEM_WEIGHT * 1100
    assert 0.4 < work / total < 0.6
    assert raw[part.start :].startswith(b"  - id: ")  # cut where an item starts
    # By bytes, the part would have held every short item and some long ones: 90% of the work.
    assert b"long-" not in raw[part.start : part.end] and part.items < 1000
