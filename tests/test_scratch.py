"""What a handbook's checks remember (ids, references not yet resolved, links) moves to disk past
a size, and nothing a reader sees changes: the same problems, lines, suggestions and counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from coalition_cli.build import parallel
from coalition_cli.build.cache import _build
from coalition_cli.model.errors import HandbookError
from coalition_cli.store import scratch
from coalition_cli.store.scratch import ScratchMap, ScratchSet, WaitingReferences
from tests import helpers
from tests.helpers import Invoke

SMALL = 7  # far below any handbook: every collection of a few dozen items moves to disk


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The temporary databases made, recorded as they are."""
    made: list[object] = []
    original = scratch._database

    def recorded() -> object:
        db = original()
        made.append(db)
        return db

    monkeypatch.setattr(scratch, "_database", recorded)
    return made


def entries(count: int, broken: bool) -> dict[str, object]:
    """Actors that refer forward and back, link to each other, and (if `broken`) repeat an id and
    refer to ids that are not there, some close to one that is."""
    actors = []
    for n in range(count):
        actor: dict[str, object] = {
            "id": f"actor-{n}",
            "name": f"Actor {n}",
            "type": "state",
            "summary": "An actor.",
            "source": ["first" if n % 3 else "last"],  # "last" is the file's final section: forward
            "related": [f"actor-{(n + 1) % count}", f"actor-{(n + 7) % count}"],
        }
        if broken and n % 10 == 0:
            actor["related"] = [f"actor-{n + 1}x", "nowhere", f"actor-{n}0000"]
        if broken and n % 25 == 24:
            actor["id"] = f"actor-{n - 20}"
        actors.append(actor)
    sections = [
        {"id": "first", "title": "The first section", "summary": "A section."},
        {"id": "last", "title": "The last section", "summary": "A section."},
    ]
    source = {"title": "A test article"}
    return {"format": 1, "title": "Scratch", "source": source, "actors": actors, "sections": sections}


def write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=200), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("broken", [False, True], ids=["valid", "broken"])
def test_validate_reads_the_same_past_the_limit(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, databases: list[object], broken: bool
) -> None:
    path = write(tmp_path / "handbook.yaml", entries(300, broken))
    in_memory = invoke("validate", str(path))
    assert not databases
    monkeypatch.setattr(scratch, "LIMIT", SMALL)
    on_disk = invoke("validate", str(path))
    assert len(databases) >= 3  # ids, sections' ids or references, and links all moved
    told = (on_disk.exit_code, on_disk.stdout, on_disk.stderr)
    assert told == (in_memory.exit_code, in_memory.stdout, in_memory.stderr)
    if broken:
        assert in_memory.exit_code == 3 and 'duplicate id "actor-4" (first at line' in in_memory.stdout
        assert '(did you mean "actor-11"?)' in in_memory.stdout  # "actor-1x": a suggestion from disk
    else:
        assert in_memory.exit_code == 0 and "302 entries" in in_memory.stdout and "600 links" in in_memory.stdout


@pytest.mark.slow
def test_parts_read_the_same_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, databases: list[object]
) -> None:
    """Read in parts by several processes, with references across parts (to the last section),
    the store is the one a single process makes."""
    helpers.require_processors()
    path = write(tmp_path / "handbook.yaml", entries(3000, broken=False))
    monkeypatch.setattr(scratch, "LIMIT", SMALL)
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 100_000)
    with _build([str(path)], None, None, None) as parts:
        assert len(parts.search_parts) > 1  # it really was read in parts
        read_in_parts = [entry.to_data() for entry in parts.entries]
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 1 << 40)
    with _build([str(path)], None, None, None) as whole:
        assert [entry.to_data() for entry in whole.entries] == read_in_parts
    assert databases  # the parent's checks moved to disk (the workers' are in their own processes)


@pytest.mark.slow
def test_problems_in_parts_past_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helpers.require_processors()
    path = write(tmp_path / "handbook.yaml", entries(3000, broken=True))
    told = []
    for limit, parted in ((1 << 40, 1 << 40), (SMALL, 100_000)):
        monkeypatch.setattr(scratch, "LIMIT", limit)
        monkeypatch.setattr(parallel, "PARALLEL_BYTES", parted)
        with pytest.raises(HandbookError) as raised:
            _build([str(path)], None, None, None)
        told.append(raised.value.problems)
    assert told[0] == told[1] and len(told[0]) > 100


def test_a_map_past_its_limit() -> None:
    ids = ScratchMap(limit=4)
    for n in range(10):
        assert ids.get(f"id-{n}") is None
        ids.add(f"id-{n}", n)
    assert ids.db is not None and len(ids.memory) < 4 and len(ids) == 10 and ids
    assert [ids.get(f"id-{n}") for n in range(10)] == list(range(10)) and "id-10" not in ids and 3 not in ids
    assert sorted(ids) == sorted(f"id-{n}" for n in range(10))
    assert ids.first_keys("id-", lambda key: key != "id-1", 3) == ["id-0", "id-2", "id-3"]
    assert ids.first_keys("x", lambda key: True, 3) == []
    ids.close()


def test_a_set_takes_a_key_twice() -> None:
    pairs = ScratchSet(limit=2)
    for key in ("a b", "b c", "a b", "c d", "b c", "a b"):
        pairs.add(key)
    assert len(pairs) == 3 and pairs.db is not None
    pairs.close()


@pytest.mark.parametrize("limit", [1 << 40, 3], ids=["in-memory", "on-disk"])
def test_references_wait_for_their_targets(limit: int) -> None:
    waiting = WaitingReferences(limit=limit)
    for n in range(8):
        waiting.wait(("actors", n, "related", 0), f"id-{n % 4}", "entry", f"actor-{n}")
        waiting.wait(("actors", n, "source", 0), "intro", "section", None)
    waiting.arrived("id-1", section=False)
    waiting.arrived("intro", section=False)  # an entry, not a section: only references to entries resolve
    waiting.arrived("id-3", section=True)
    assert (waiting.db is not None) == (limit == 3)
    left = list(waiting)
    expected = []
    for n in range(8):
        if n % 4 in (0, 2):
            expected.append((("actors", n, "related", 0), f"id-{n % 4}", "entry", f"actor-{n}"))
        expected.append((("actors", n, "source", 0), "intro", "section", None))
    assert left == expected and len(waiting) == len(expected)
    assert [len(batch) for batch in scratch.chunks(left, 5)] == [5, 5, 2]
    waiting.arrived("intro", section=True)
    waiting.arrived("id-0", section=False)
    assert [target for _, target, _, _ in waiting] == ["id-2", "id-2"]
    waiting.close()


def test_without_a_disk_the_collections_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full or missing temporary folder: slower to fail than to refuse a valid file."""
    monkeypatch.setattr(scratch, "_database", lambda: None)
    ids, waiting = ScratchMap(limit=2), WaitingReferences(limit=2)
    for n in range(5):
        ids.add(f"id-{n}", n)
        waiting.wait(("facts", n), f"id-{n}", "entry", None)
    assert ids.db is None and len(ids.memory) == 5 and ids.get("id-4") == 4
    assert waiting.db is None and [path for path, _, _, _ in waiting] == [("facts", n) for n in range(5)]


def test_a_failing_disk_keeps_what_it_could_not_write(monkeypatch: pytest.MonkeyPatch) -> None:
    class Full:
        def execute(self, *args: object) -> None:
            return None

        def executemany(self, *args: object) -> None:
            raise scratch.sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(scratch, "_database", Full)
    ids = ScratchMap(limit=2)
    for n in range(5):
        ids.add(f"id-{n}", n)
    assert len(ids.memory) == 5 and ids.on_disk == 0 and ids.get("id-0") == 0


def test_a_set_counts_once_when_the_disk_fails_halfway(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys on disk before it filled are not counted again when they come back."""
    original = scratch._database

    class FillsUp:
        def __init__(self) -> None:
            self.db, self.writes = original(), 0

        def execute(self, *args: Any) -> Any:
            return self.db.execute(*args)

        def executemany(self, *args: Any) -> Any:
            self.writes += 1
            if self.writes > 1:
                raise scratch.sqlite3.OperationalError("database or disk is full")
            return self.db.executemany(*args)

        def close(self) -> None:
            self.db.close()

    monkeypatch.setattr(scratch, "_database", FillsUp)
    pairs = ScratchSet(limit=3)
    for key in ("a", "b", "c", "a", "d", "b", "e", "c", "a"):
        pairs.add(key)
    assert pairs.failed and len(pairs) == 5 and "a" in pairs and "e" in pairs and "f" not in pairs
    pairs.close()
