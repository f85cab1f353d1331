"""Readers' own handbooks layered on the shipped one, and `coalition init`."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coalition_cli.build.cache import open_store
from coalition_cli.build.loader import check_handbook
from coalition_cli.cli.commands import STARTER
from coalition_cli.model.handbook import KINDS, PLURALS, Handbook, fold
from coalition_cli.source.contested import skeleton, skeletons
from coalition_cli.source.stack import bundled_path
from coalition_cli.store.search_index import create_search_tables, create_vocabulary_table, index_entries
from tests.helpers import MINIMAL, Invoke, Run

NOTES = """\
format: 1
title: My notes
base: bundled
extend:
  - id: iran
    aliases: [Persia]
    note: Check the adviser count against other reporting.
    related: [my-reading]
terms:
  - id: my-reading
    title: My reading list
    summary: Sources I mean to read next.
    related: [iran, soleimani]
    source: [divergent-approaches]
"""

COLLIDING = """\
format: 1
title: Colliding notes
base: bundled
actors:
  - id: china
    name: China, again
    type: state
    summary: A summary that must not replace the handbook's.
    aliases: [Beijing]
    source: [us-presence]
"""


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES, encoding="utf-8")
    return path


def test_notes_extend_an_entry_and_add_their_own(invoke: Invoke, notes: Path, handbook: Handbook) -> None:
    env = {"COALITION_HANDBOOK": str(notes)}
    iran = invoke("show", "persia", env=env)  # the new alias finds the shipped entry
    assert iran.exit_code == 0, iran.stderr
    assert iran.stdout.startswith("Iran (actor: iran)\n")
    shipped = handbook.get("iran")
    assert shipped is not None
    assert f"Also called: {', '.join((*shipped.aliases, 'Persia'))}\n" in iran.stdout
    assert "Note: notes.yaml: Check the adviser count against other reporting.\n" in iran.stdout
    assert iran.stdout.count("my-reading") == 1
    assert invoke("show", "term", "my-reading", env=env).stdout.startswith("My reading list (term: my-reading)")
    assert iran.stderr == ""


def test_an_extended_entry_is_indexed_as_it_now_reads(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search index keeps no text: an extension replaces the entry's row by telling the index
    the words it was first given. The index must then read as if the entry had been written so:
    its words once, and the counts bm25 weighs them by (rows and words in each column) exact."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    store = open_store([None, notes])
    numbered = sorted(store.by_rowids(rowid for (rowid,) in store.query("SELECT rowid FROM entry")).items())
    fresh = sqlite3.connect(":memory:")
    create_search_tables(fresh)
    create_vocabulary_table(fresh)
    index_entries(fresh, numbered)
    [iran] = [rowid for rowid, entry in numbered if entry.id == "iran"]

    def index_of_iran(db: sqlite3.Connection) -> tuple[list[tuple[str, int, int]], tuple[bytes]]:
        words = sorted(db.execute("SELECT term, col, offset FROM entries_instance WHERE doc = ?", (iran,)))
        return words, db.execute("SELECT block FROM entries_data WHERE id = 1").fetchone()

    indexed, expected = index_of_iran(store.db), index_of_iran(fresh)
    store.close()
    fresh.close()
    assert "persia" in {term for term, *_ in indexed[0]} and indexed == expected


def test_list_shows_which_file_each_entry_comes_from(invoke: Invoke, notes: Path, handbook: Handbook) -> None:
    env = {"COALITION_HANDBOOK": str(notes)}
    counts = invoke("list", env=env).stdout.splitlines()
    shipped = {kind: len(handbook.of_kind(kind)) for kind in KINDS}
    shipped["term"] += 1  # the notes' own term
    assert counts[: len(KINDS)] == [f"{PLURALS[kind]}\t{count}" for kind, count in shipped.items()]
    assert counts[len(KINDS)].startswith("file\t")
    assert counts[len(KINDS)].endswith(f"handbook.yaml\t{len(handbook.entries)}")
    assert counts[len(KINDS) + 1] == f"file\t{notes}\t1"
    terms = invoke("list", "terms", env=env).stdout.splitlines()
    assert terms[-1] == f"my-reading\tMy reading list\t\t{notes}"
    rows = json.loads(invoke("list", "terms", "-f", "json", env=env).stdout)
    assert rows[-1]["origin"] == {"file": str(notes), "shipped": False}
    assert {row["origin"]["shipped"] for row in rows[:-1]} == {True}


@pytest.mark.parametrize("spelling", ["{sep}{notes}", "@bundled{sep}{notes}"])
def test_path_lists_name_the_bundled_handbook(invoke: Invoke, tmp_path: Path, spelling: str) -> None:
    plain = tmp_path / "plain-notes.yaml"
    plain.write_text(NOTES.replace("base: bundled\n", ""), encoding="utf-8")
    value = spelling.format(sep=os.pathsep, notes=plain)
    for args, env in ((["--handbook", value], None), ([], {"COALITION_HANDBOOK": value})):
        result = invoke(*args, "show", "persia", env=env)
        assert result.exit_code == 0 and result.stdout.startswith("Iran (actor: iran)")


@pytest.mark.parametrize("first", [True, False])
def test_base_bundled_is_seen_on_any_line(invoke: Invoke, tmp_path: Path, first: bool) -> None:
    """`base: bundled` puts the shipped handbook beneath, whether it is the first line or not."""
    text = NOTES.replace("base: bundled\n", "")
    text = "base: bundled\n" + text if first else text + "base: 'bundled'\n"
    notes = tmp_path / "notes.yaml"
    notes.write_text(text, encoding="utf-8")
    result = invoke("--handbook", str(notes), "show", "persia")
    assert result.exit_code == 0 and result.stdout.startswith("Iran (actor: iran)"), result.stderr


def test_repeated_handbook_option_layers_in_order(invoke: Invoke, tmp_path: Path, minimal_handbook: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("format: 1\ntitle: Extra\nextend:\n  - id: somewhere\n    aliases: [Anywhere]\n", encoding="utf-8")
    result = invoke("--handbook", str(minimal_handbook), "--handbook", str(extra), "show", "anywhere")
    assert result.exit_code == 0 and result.stdout.startswith("Somewhere (actor: somewhere)")
    # The other way round, the extension has nothing beneath it to extend.
    wrong = invoke("--handbook", str(extra), "--handbook", str(minimal_handbook), "list")
    assert wrong.exit_code == 3
    assert 'extend[0]: no entry "somewhere" beneath it: nothing is read before this file' in wrong.stderr


def test_collisions_are_told_on_every_run(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "colliding.yaml"
    path.write_text(COLLIDING, encoding="utf-8")
    env = {"COALITION_HANDBOOK": str(path)}
    for _ in range(2):  # built, then from the cache: the warning stays
        result = run("show", "beijing", env=env)
        assert result.returncode == 0
        assert result.stdout.startswith(b"China (actor: china)\n\nChina appears once in the article")
        assert result.stderr.decode() == (
            f'coalition: {path}:5:9: warning: actor "china" is already in a handbook beneath this one: its aliases,'
            " note and related ids are added there and its other fields ignored (to add on purpose, use extend:)\n"
        )


def test_validate_reads_a_notes_file_on_its_base(
    invoke: Invoke, notes: Path, tmp_path: Path, handbook: Handbook
) -> None:
    result = invoke("validate", str(notes))
    assert result.exit_code == 0
    entries = len(handbook.entries) + 1
    assert re.fullmatch(
        rf"{re.escape(str(notes))}: valid, {entries} entries in 2 files, \d+ links \(.*\)\n", result.stdout
    )
    broken = tmp_path / "broken-notes.yaml"
    broken.write_text(NOTES.replace("related: [my-reading]", "related: [my-readng]"), encoding="utf-8")
    result = invoke("validate", str(broken))
    assert result.exit_code == 3
    assert (
        result.stdout
        == f'{broken}:8:15: extend[0].related: no entry with id "my-readng" (did you mean "my-reading"?)\n'
    )


def test_validate_without_a_path_checks_every_file_in_use(
    invoke: Invoke, notes: Path, tmp_path: Path, handbook: Handbook
) -> None:
    colliding = tmp_path / "colliding.yaml"
    colliding.write_text(COLLIDING, encoding="utf-8")
    result = invoke("validate", env={"COALITION_HANDBOOK": f"{notes}{os.pathsep}{colliding}"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f'{colliding}:5:9: warning: actor "china" is already in a handbook')
    assert lines[1].startswith(
        f"{notes}{os.pathsep}{colliding}: valid, {len(handbook.entries) + 1} entries in 3 files, "
    )


def test_init_writes_a_starter_that_validates_and_works(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "my-notes.yaml"
    result = invoke("init", str(path))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"coalition: wrote {path}; use it with: COALITION_HANDBOOK={path} coalition show iran\n"
    assert path.read_text().startswith("# My notes for coalition")
    assert check_handbook(path)[1] == []
    shown = invoke("show", "iran", env={"COALITION_HANDBOOK": str(path)})
    assert "Persia" in shown.stdout and "my-notes.yaml: A note of my own" in shown.stdout


def test_init_never_overwrites(invoke: Invoke, minimal_handbook: Path) -> None:
    before = minimal_handbook.read_text()
    result = invoke("init", str(minimal_handbook))
    assert result.exit_code == 1
    assert result.stderr == f"coalition: {minimal_handbook} already exists; give another path, or remove it first\n"
    assert minimal_handbook.read_text() == before == MINIMAL


def test_starter_is_the_documented_one() -> None:
    assert "base: bundled" in STARTER and "extend:" in STARTER


# -- layers that cannot take over quietly ----------------------------------------------------------

TAKING_OVER = """\
format: 1
title: Notes that take names
base: bundled
actors:
  - id: usa
    name: USA
    type: state
    summary: An actor whose id is a name the shipped handbook gives the United States.
    source: [us-presence]
  - id: iran-lookalike
    name: "Ir\u0430n"
    type: state
    summary: Spelled with a Cyrillic letter a.
    source: [us-presence]
terms:
  - id: quds
    title: Quds
    summary: A name that begins the name of the shipped Quds Force.
    source: [us-presence]
  - id: my-reading
    title: My reading list
    summary: A name of its own, contested by nothing.
    source: [us-presence]
"""


@pytest.fixture
def taking_over(tmp_path: Path) -> Path:
    path = tmp_path / "taking.yaml"
    path.write_text(TAKING_OVER, encoding="utf-8")
    return path


def test_names_taken_from_entries_beneath_are_warned_of(invoke: Invoke, taking_over: Path) -> None:
    result = invoke("validate", str(taking_over))
    assert result.exit_code == 0
    bundled = str(bundled_path())
    assert result.stdout.splitlines()[:-1] == [
        f'{taking_over}:5:9: warning: actor usa: the name "usa" is also a name of actor "united-states" in {bundled};'
        ' "show usa" may now answer with this entry',
        f'{taking_over}:11:11: warning: actor iran-lookalike: the name "Ir\u0430n" looks like "Iran", a name of actor'
        f' "iran" in {bundled}, but is spelled with other letters (its \u0430 is U+0430 CYRILLIC SMALL LETTER A);'
        " readers cannot tell them apart",
        f'{taking_over}:16:9: warning: term quds: the name "quds" is the start of "quds-force" (actor "quds-force" in'
        f' {bundled}); "show quds" now answers with this entry',
    ]


def test_show_says_which_file_a_contested_name_came_from(invoke: Invoke, taking_over: Path) -> None:
    env = {"COALITION_HANDBOOK": str(taking_over)}
    result = invoke("show", "usa", env=env)
    assert result.exit_code == 0 and result.stdout.startswith("USA (actor: usa)")
    bundled = str(bundled_path())
    assert result.stderr.splitlines()[-1] == (
        f'coalition: "usa" is a name in more than one file: this is actor usa from {taking_over};'
        f" also actor united-states in {bundled}"
    )
    quds = invoke("show", "quds", env=env)
    assert quds.stderr.splitlines()[-1].startswith(
        f'coalition: "quds" is a name in more than one file: this is term quds from {taking_over};'
        f" also actor quds-force in {bundled}"
    )
    for name in ("iran", "my-reading", "united states"):  # answered as always, or contested by nothing
        quiet = invoke("show", name, env=env)
        assert quiet.exit_code == 0 and " is a name in more than one file" not in quiet.stderr


def test_lookalikes_are_found_across_scripts() -> None:
    assert skeleton("Ir\u0430n") == skeleton("IRAN") == skeleton("Iran")
    assert skeleton("\uff29\uff52\uff41\uff4e") == skeleton("Iran")  # fullwidth letters
    assert skeleton("lran") == skeleton("Iran") == skeleton("1ran")  # upright strokes
    assert skeleton("Ir\u0430q") != skeleton("Iran")


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20) | st.text(max_size=8))
def test_lookalikes_found_from_the_folded_name_are_the_same(name: str) -> None:
    """A large layer's names are drawn from their folded form where that is quicker: same result."""
    assert skeletons(name, fold(name)) == skeletons(name)


@pytest.mark.slow
@pytest.mark.parametrize(
    "stack",
    [
        "{notes}{sep}{notes}",
        "{notes}{sep}{same}",
        "{sep}{sep}{notes}",
        "{notes}{sep}",
        "{sep}{notes}{sep}@bundled{sep}",
    ],
)
def test_the_same_file_twice_or_empty_items_are_one_layer_each(invoke: Invoke, notes: Path, stack: str) -> None:
    same = notes.parent / "sub" / ".." / notes.name
    (notes.parent / "sub").mkdir(exist_ok=True)
    value = stack.format(notes=notes, same=same, sep=os.pathsep)
    result = invoke("--handbook", value, "show", "iran")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("Check the adviser count against other reporting.") == 1  # the note once
    counts = invoke("--handbook", value, "list").stdout.splitlines()
    assert [line for line in counts if line.startswith("file\t")][-1] == f"file\t{notes}\t1"
    assert len([line for line in counts if line.startswith("file\t")]) == 2
