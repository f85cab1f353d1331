"""The cache: reused while the handbook is unchanged, rebuilt when it changes, never trusted blindly,
and never needed (a read-only or missing cache folder only makes the program slower)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from coalition_cli.build import cache as coalition_cache
from coalition_cli.build import loader
from coalition_cli.lookup.ask import ask
from coalition_cli.lookup.search import SearchIndex
from coalition_cli.model.handbook import KINDS
from coalition_cli.store import meaning
from coalition_cli.store.builder import build_store
from coalition_cli.store.cache_folder import LOCK
from coalition_cli.store.rows import ENTRY_COLUMNS, CacheCorrupt, checksum
from coalition_cli.store.tables import Store
from coalition_cli.views import render
from tests import helpers
from tests.helpers import MINIMAL, ROOT, Invoke, Run, memory_store

NEW_SUMMARY = "A place that exists only in tests."


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "xdg"


@pytest.fixture
def handbook_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def show(run: Run, handbook: Path, cache: Path | None, **env: str) -> subprocess.CompletedProcess[bytes]:
    variables = {"COALITION_HANDBOOK": str(handbook), **env}
    if cache is not None:
        variables["XDG_CACHE_HOME"] = str(cache)
    return run("show", "somewhere", env=variables)


def cache_files(cache: Path) -> list[Path]:
    """Every file in the cache folder but the lock builds take turns by (cachedir.LOCK)."""
    folder = cache / "coalition"
    return sorted(path for path in folder.iterdir() if path.name != LOCK) if folder.is_dir() else []


def tamper(cache_file: Path, summary: str) -> None:
    """Change an entry inside the cache itself, as a build would have written it (its checksum
    too), to see whether a run reads the cache or the file."""
    db = sqlite3.connect(cache_file)
    db.execute("UPDATE entry SET summary = ? WHERE id = 'somewhere'", (summary,))
    [row] = db.execute(f"SELECT {ENTRY_COLUMNS} FROM entry WHERE id = 'somewhere'").fetchall()
    db.execute("UPDATE entry SET checksum = ? WHERE id = 'somewhere'", (checksum(row[:15]),))
    db.commit()
    db.close()


def test_first_run_writes_the_cache_and_the_next_reads_it(run: Run, handbook_file: Path, cache: Path) -> None:
    assert show(run, handbook_file, cache).returncode == 0
    [cache_file] = cache_files(cache)
    assert cache_file.suffix == ".sqlite3"
    tamper(cache_file, "Read from the cache.")
    assert b"Read from the cache." in show(run, handbook_file, cache).stdout


def test_xdg_cache_home_else_home_cache(run: Run, handbook_file: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = run(
        "show", "somewhere", env={"COALITION_HANDBOOK": str(handbook_file), "HOME": str(home), "XDG_CACHE_HOME": ""}
    )
    assert result.returncode == 0
    assert cache_files(home / ".cache")


def test_changed_content_rebuilds(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    tamper(cache_files(cache)[0], "Stale.")
    handbook_file.write_text(MINIMAL.replace(NEW_SUMMARY, "A place that moved."), encoding="utf-8")
    out = show(run, handbook_file, cache).stdout
    assert b"A place that moved." in out and b"Stale." not in out


def test_same_size_and_time_but_new_content_rebuilds(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    stat = handbook_file.stat()
    tamper(cache_files(cache)[0], "Stale.")
    handbook_file.write_text(MINIMAL.replace(NEW_SUMMARY, NEW_SUMMARY.upper()), encoding="utf-8")
    os.utime(handbook_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # only the content hash can tell
    assert handbook_file.stat().st_size == stat.st_size
    out = show(run, handbook_file, cache).stdout
    assert NEW_SUMMARY.upper().encode() in out and b"Stale." not in out


def test_touched_file_rebuilds(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    tamper(cache_files(cache)[0], "Stale.")
    stat = handbook_file.stat()
    os.utime(handbook_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert NEW_SUMMARY.encode() in show(run, handbook_file, cache).stdout


@pytest.mark.slow
@pytest.mark.parametrize("garbage", [b"", b"not a database", b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_cache_is_ignored_and_rebuilt(run: Run, handbook_file: Path, cache: Path, garbage: bytes) -> None:
    show(run, handbook_file, cache)
    [cache_file] = cache_files(cache)
    cache_file.write_bytes(garbage)
    result = show(run, handbook_file, cache)
    assert result.returncode == 0 and result.stderr == b""
    assert NEW_SUMMARY.encode() in result.stdout
    with contextlib.closing(sqlite3.connect(cache_file)) as db:
        assert db.execute("SELECT count(*) FROM entry").fetchone() == (2,)


def test_unwritable_cache_folder_still_works(run: Run, handbook_file: Path, tmp_path: Path) -> None:
    # A file where the cache folder should be cannot be written even by root.
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    result = show(run, handbook_file, blocked / "deeper")
    assert result.returncode == 0 and result.stderr == b""
    (tmp_path / "xdg").mkdir()
    (tmp_path / "xdg" / "coalition").write_text("a file, not a folder")
    result = show(run, handbook_file, tmp_path / "xdg")
    assert result.returncode == 0 and result.stderr == b""
    assert NEW_SUMMARY.encode() in result.stdout


def test_no_cache_variable(run: Run, handbook_file: Path, cache: Path) -> None:
    result = show(run, handbook_file, cache, COALITION_NO_CACHE="1")
    assert result.returncode == 0
    assert cache_files(cache) == []


def test_parallel_first_runs_leave_one_whole_cache(coalition_bin: str, handbook_file: Path, cache: Path) -> None:
    env = {**os.environ, "COALITION_HANDBOOK": str(handbook_file), "XDG_CACHE_HOME": str(cache)}
    processes = [
        subprocess.Popen([coalition_bin, "show", "somewhere"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(6)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert all(out.startswith(b"Somewhere (actor: somewhere)") and err == b"" for out, err in outputs)
    [cache_file] = cache_files(cache)  # no temporary files left behind
    assert not cache_file.name.startswith(".building-")


def test_each_handbook_path_has_its_own_cache(run: Run, handbook_file: Path, tmp_path: Path, cache: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(MINIMAL.replace("Somewhere", "Elsewhere"), encoding="utf-8")
    show(run, handbook_file, cache)
    result = run("show", "somewhere", env={"COALITION_HANDBOOK": str(other), "XDG_CACHE_HOME": str(cache)})
    assert result.stdout.startswith(b"Elsewhere (actor: somewhere)")
    assert len(cache_files(cache)) == 2


def test_nothing_a_user_can_edit_is_unpickled_or_yaml_loaded() -> None:
    source = "\n".join(path.read_text() for path in (ROOT / "src").rglob("*.py"))
    assert not re.search(
        r"\bpickle\b|\bshelve\b|\bmarshal\b|yaml\.(load|unsafe_load|full_load)\(|\beval\(|\bexec\(", source
    )


# -- a cache is untrusted input: any damage means rebuild, silently and correctly -------------------

TABLES = ["meta", "listing", "variant", "source_file", "entry", "name", "link", "entries", "entries_data"]
# Values no build writes: SQL NULL, bytes, text the loader refuses, empty text, broken lists. (A
# number written to a text column is stored as valid text: a changed text, not a damaged one.)
BAD_VALUES = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda text: "\x1b]52;c;aGk=\x07" + text),
    st.sampled_from(["", "\x1f", "\x1f\x1f", "\x1e", "s\x1e", "x\x1ey\x1ez\x1d"]),
)
DAMAGE = st.one_of(
    st.tuples(st.just("drop"), st.sampled_from(TABLES)),
    # A kind's rank (which listing and counting read kinds by): out of range, not a number, or another kind's.
    st.tuples(st.just("set"), st.just("entry.rank"), st.one_of(st.integers(-2, 9), BAD_VALUES)),
    st.tuples(st.just("empty"), st.sampled_from(["meta", "source_file", "entry"])),
    st.tuples(
        st.just("set"),
        st.sampled_from(
            ["entry.kind", "entry.title", "entry.summary", "entry.related", "entry.source", "entry.aliases",
             "entry.details", "entry.quote_text", "entry.origin", "meta.value", "listing.value", "source_file.path",
             "source_file.size", "source_file.hash", "variant.words"]
        ),
        BAD_VALUES,
    ),
)  # fmt: skip


def run_again_after(
    invoke: Invoke, args: Sequence[str], env: dict[str, str], change: Callable[[Path], object]
) -> tuple[Result, Result]:
    """A command run once (building its cache in env's XDG_CACHE_HOME), then again as a new run
    would be, after `change` did something to that cache file."""
    expected = invoke(*args, env=env)
    assert expected.exit_code == 0, expected.output
    [cache_file] = cache_files(Path(env["XDG_CACHE_HOME"]))
    change(cache_file)
    coalition_cache._distrusted.clear()  # as a new run would be
    return expected, invoke(*args, env=env)


def update(cache_file: Path, sql: str, *rows: tuple[object, ...]) -> None:
    """Run one statement on a cache file, once for each row of parameters."""
    with contextlib.closing(sqlite3.connect(cache_file)) as db:
        db.executemany(sql, rows)
        db.commit()


def damage(cache_file: Path, how: tuple[Any, ...]) -> None:
    with contextlib.closing(sqlite3.connect(cache_file)) as db:
        if how[0] == "drop":
            db.execute(f"DROP TABLE IF EXISTS {how[1]}")
        elif how[0] == "empty":
            db.execute(f"DELETE FROM {how[1]}")
        else:
            table, column = how[1].split(".")
            db.execute(f"UPDATE {table} SET {column} = ?", (how[2],))
        db.commit()


COMMANDS = st.sampled_from(
    [["show", "somewhere"], ["search", "place"], ["related", "somewhere"], ["list", "actors"], ["timeline"]]
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=DAMAGE, args=COMMANDS)
def test_a_damaged_cache_is_rebuilt_and_the_answer_is_right(
    invoke: Invoke, tmp_path_factory: pytest.TempPathFactory, how: tuple[Any, ...], args: list[str]
) -> None:
    home = tmp_path_factory.mktemp("damaged")
    handbook = home / "notes.yaml"
    handbook.write_text(MINIMAL, encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(home / "xdg"), "COALITION_HANDBOOK": str(handbook)}
    expected, result = run_again_after(invoke, args, env, lambda cache_file: damage(cache_file, how))
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, ""), (args, how)


@pytest.mark.parametrize(
    ("column", "value"),
    [("related", ""), ("summary", "A summary that reads well."), ("aliases", "Elsewhere"), ("title", "Nowhere")],
)
def test_a_cache_changed_to_values_that_read_well_is_rebuilt(
    invoke: Invoke, tmp_path: Path, column: str, value: str
) -> None:
    # A build writes an entry without related ids as empty text, and any text can be a summary:
    # only the checksum of the row as written tells such a change from the handbook's own.
    handbook = tmp_path / "notes.yaml"
    handbook.write_text(MINIMAL, encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "COALITION_HANDBOOK": str(handbook)}
    change = ("set", f"entry.{column}", value)
    expected, result = run_again_after(
        invoke, ["show", "somewhere"], env, lambda cache_file: damage(cache_file, change)
    )
    assert "Related: first" in expected.stdout
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, "")


RANKS = {"swapped": None, "out of range": len(KINDS), "negative": -1, "text": "actor", "null": None}


@pytest.mark.slow
@pytest.mark.parametrize("rank", RANKS)
@pytest.mark.parametrize("args", [["list", "actors"], ["list", "sections"], ["list"]])
def test_an_entry_ranked_as_another_kind_is_rebuilt(invoke: Invoke, tmp_path: Path, rank: str, args: list[str]) -> None:
    # Kinds are listed and counted by rank, which the row's checksum does not cover: a rank that is
    # not the row's kind must not move an entry into another kind's list. Two entries that swap
    # ranks leave every kind's count as the build recorded it.
    handbook = tmp_path / "notes.yaml"
    handbook.write_text(MINIMAL, encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "COALITION_HANDBOOK": str(handbook)}
    if rank == "swapped":
        ranks = (
            "UPDATE entry SET rank = ? WHERE kind = ?",
            (KINDS.index("section"), "actor"),
            (KINDS.index("actor"), "section"),
        )
    else:
        ranks = ("UPDATE entry SET rank = ? WHERE kind = 'actor'", (RANKS[rank],))
    expected, result = run_again_after(invoke, args, env, lambda cache_file: update(cache_file, *ranks))
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, ""), (args, rank)


def test_a_quiz_on_a_cache_whose_ranks_were_swapped_is_a_rebuilt_caches_quiz(invoke: Invoke, tmp_path: Path) -> None:
    # A quiz draws its questions from the ids of each kind, read by rank: an actor and a fact that
    # swap ranks leave every count right, and must still not change the questions.
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    args = ("quiz", "-n", "40", "--seed", "1", "-f", "json")
    swap = [(KINDS.index(kind), entry_id) for entry_id, kind in (("russia", "fact"), ("agreement-2015", "actor"))]
    expected, result = run_again_after(
        invoke, args, env, lambda cache_file: update(cache_file, "UPDATE entry SET rank = ? WHERE id = ?", *swap)
    )
    assert "Russia" in expected.stdout
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)


def test_a_rank_that_is_no_kind_is_told_as_damage() -> None:
    with contextlib.closing(memory_store(loader.load_handbook())) as store:
        assert store.counts()["actor"] > 0
        store.db.execute("UPDATE entry SET rank = ? WHERE id = 'iran'", (len(KINDS),))
        with pytest.raises(CacheCorrupt, match="rank"):
            store.counts()


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_flipped_bytes_never_crash(run: Run, handbook_file: Path, cache: Path, seed: int) -> None:
    # A flip inside a text may go unnoticed (SQLite keeps no checksums), but nothing may crash.
    show(run, handbook_file, cache)
    [cache_file] = cache_files(cache)
    data = bytearray(cache_file.read_bytes())
    generator = random.Random(seed)
    for _ in range(200):
        data[generator.randrange(len(data))] ^= 1 << generator.randrange(8)
    cache_file.write_bytes(bytes(data))
    for args in (["show", "somewhere"], ["search", "place"], ["list"], ["related", "somewhere"], ["timeline"]):
        result = run(*args, env={"COALITION_HANDBOOK": str(handbook_file), "XDG_CACHE_HOME": str(cache)})
        assert result.returncode in (0, 1), (args, result.stderr)
        assert b"Traceback" not in result.stderr and result.stderr.count(b"\n") <= 1


def test_a_tab_on_a_damaged_cache_still_completes(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    [cache_file] = cache_files(cache)
    damage(cache_file, ("set", "entry.title", "\x1b[31m"))
    env = {
        "COALITION_HANDBOOK": str(handbook_file),
        "XDG_CACHE_HOME": str(cache),
        "_COALITION_COMPLETE": "bash",
        "COMP_LINE": "coalition show som",
        "COMP_POINT": "18",
    }
    result = run(env=env)
    assert result.returncode == 0 and b"somewhere" in result.stdout and result.stderr == b""


# -- a cache folder of someone else's is never read -------------------------------------------------


def planted(cache: Path, handbook_file: Path, run: Run) -> Path:
    """The victim's cache, with words put in their mouth: what another user would plant."""
    show(run, handbook_file, cache)
    [cache_file] = cache_files(cache)
    tamper(cache_file, "Planted by someone else.")
    return cache_file


def test_a_folder_owned_by_another_user_is_not_read(
    invoke: Invoke, handbook_file: Path, cache: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted(cache, handbook_file, run)
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)  # as another user sees the same folder
    result = invoke("show", "somewhere", env={"COALITION_HANDBOOK": str(handbook_file), "XDG_CACHE_HOME": str(cache)})
    assert result.exit_code == 0 and NEW_SUMMARY in result.stdout and "Planted" not in result.stdout
    folder = cache / "coalition"
    assert (
        result.stderr
        == f"coalition: caution: the cache folder {folder} belongs to another user; working without a cache\n"
    )


def test_a_real_folder_of_another_user_is_not_read(run: Run, handbook_file: Path, cache: Path) -> None:
    helpers.require_root()
    planted(cache, handbook_file, run)
    os.chown(cache / "coalition", 65534, 65534)
    result = show(run, handbook_file, cache)
    assert result.returncode == 0 and NEW_SUMMARY.encode() in result.stdout
    assert b"belongs to another user" in result.stderr


def test_a_file_of_another_user_or_writable_by_others_is_not_read(
    invoke: Invoke, handbook_file: Path, cache: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_file = planted(cache, handbook_file, run)
    env = {"COALITION_HANDBOOK": str(handbook_file), "XDG_CACHE_HOME": str(cache)}
    cache_file.chmod(0o666)
    result = invoke("show", "somewhere", env=env)
    assert result.exit_code == 0 and NEW_SUMMARY in result.stdout and result.stderr == ""
    assert stat.S_IMODE(cache_files(cache)[0].stat().st_mode) == 0o600  # rebuilt, private
    planted(cache, handbook_file, run)
    real_fstat = os.fstat

    def as_if_another_owner(descriptor: int) -> os.stat_result:
        found = real_fstat(descriptor)
        if not stat.S_ISREG(found.st_mode):
            return found
        fields = list(found)
        fields[stat.ST_UID] = os.getuid() + 1
        extra = ("st_atime", "st_mtime", "st_ctime", "st_atime_ns", "st_mtime_ns", "st_ctime_ns", "st_blksize")
        return os.stat_result(fields, {name: getattr(found, name) for name in extra})

    monkeypatch.setattr(os, "fstat", as_if_another_owner)
    result = invoke("show", "somewhere", env=env)
    assert result.exit_code == 0 and NEW_SUMMARY in result.stdout, result.stderr


def test_a_cache_file_that_is_a_link_is_not_followed(
    run: Run, handbook_file: Path, cache: Path, tmp_path: Path
) -> None:
    cache_file = planted(cache, handbook_file, run)
    elsewhere = tmp_path / "elsewhere.sqlite3"
    cache_file.rename(elsewhere)
    cache_file.symlink_to(elsewhere)
    result = show(run, handbook_file, cache)
    assert result.returncode == 0 and NEW_SUMMARY.encode() in result.stdout
    assert not cache_file.is_symlink()  # replaced by a file of its own


def test_the_folder_is_made_private(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    folder = cache / "coalition"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o777)  # opened up by someone's umask or script: it is still the user's own
    result = show(run, handbook_file, cache)
    assert result.returncode == 0 and result.stderr == b""
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_link_of_the_users_own_in_place_of_the_folder_is_used(
    run: Run, handbook_file: Path, cache: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    cache.mkdir()
    (cache / "coalition").symlink_to(real)
    result = show(run, handbook_file, cache)
    assert result.returncode == 0 and result.stderr == b""
    assert [path.suffix for path in real.iterdir() if path.name != LOCK] == [".sqlite3"]


# -- one read of the file: the key is what was parsed, and pipes work -------------------------------


def test_a_handbook_from_standard_input(coalition_bin: str, tmp_path: Path, cache: Path) -> None:
    result = subprocess.run(
        [coalition_bin, "--handbook", "/dev/stdin", "show", "somewhere"],
        input=MINIMAL.encode(),
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )
    assert result.returncode == 0 and result.stdout.startswith(b"Somewhere (actor: somewhere)"), result.stderr
    assert cache_files(cache) == []  # what a pipe held cannot be checked later: never cached


def test_a_fifo_and_process_substitution(run: Run, tmp_path: Path, cache: Path) -> None:
    fifo = tmp_path / "handbook.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as handle:
            handle.write(MINIMAL)

    writer = threading.Thread(target=feed)
    writer.start()
    result = run("--handbook", str(fifo), "show", "somewhere", env={"XDG_CACHE_HOME": str(cache)})
    writer.join(timeout=30)
    assert result.returncode == 0 and result.stdout.startswith(b"Somewhere (actor: somewhere)"), result.stderr
    assert cache_files(cache) == []  # a pipe's content cannot be checked later: never cached
    bash = shutil.which("bash")
    assert bash is not None
    script = f"coalition --handbook <(cat {shlex.quote(str(tmp_path / 'notes.yaml'))}) show somewhere"
    (tmp_path / "notes.yaml").write_text(MINIMAL, encoding="utf-8")
    result = subprocess.run(
        [bash, "-c", script], capture_output=True, timeout=60, env={**os.environ, "XDG_CACHE_HOME": str(cache)}
    )
    assert result.returncode == 0 and result.stdout.startswith(b"Somewhere (actor: somewhere)"), result.stderr


def test_an_edit_while_the_file_is_read_is_not_cached_under_the_old_key(
    handbook_file: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    real_read = loader._read_at_most

    def read_then_edit(descriptor: int, limit: int, waits: bool = False, expected: int = 0) -> bytes:
        data = real_read(descriptor, limit, waits, expected)
        handbook_file.write_text(MINIMAL.replace(NEW_SUMMARY, "Edited meanwhile."), encoding="utf-8")
        return data

    monkeypatch.setattr(loader, "_read_at_most", read_then_edit)
    store = coalition_cache.open_store([handbook_file])
    try:
        assert store.find_entry("somewhere").summary == NEW_SUMMARY  # what was read
    finally:
        store.close()
    monkeypatch.setattr(loader, "_read_at_most", real_read)
    store = coalition_cache.open_store([handbook_file])
    try:
        assert store.find_entry("somewhere").summary == "Edited meanwhile."  # not the old text under the new file
    finally:
        store.close()


# -- `coalition cache`, and caches of handbooks that are gone ---------------------------------------


def test_caches_of_handbooks_that_are_gone_are_pruned(
    run: Run, handbook_file: Path, tmp_path: Path, cache: Path
) -> None:
    gone = tmp_path / "gone.yaml"
    gone.write_text(MINIMAL, encoding="utf-8")
    show(run, gone, cache)
    show(run, handbook_file, cache)
    assert len(cache_files(cache)) == 2
    gone.unlink()
    third = tmp_path / "third.yaml"
    third.write_text(MINIMAL, encoding="utf-8")
    show(run, third, cache)  # a build prunes
    assert len(cache_files(cache)) == 2
    result = run("cache", "--format", "json", env={"XDG_CACHE_HOME": str(cache)})
    listed = json.loads(result.stdout)
    assert sorted(handbook for entry in listed["caches"] for handbook in entry["handbooks"]) == sorted(
        [str(handbook_file.resolve()), str(third.resolve())]
    )


def test_cache_shows_the_folder_and_each_cache(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    env = {"XDG_CACHE_HOME": str(cache)}
    result = run("cache", env=env)
    folder = cache / "coalition"
    size = sum(path.stat().st_size for path in cache_files(cache))
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 0 and result.stderr == b""
    assert lines[0].startswith(f"{folder}: ") and lines[0].endswith(" in 1 cache")
    assert re.fullmatch(
        rf"  current +\S+ \S+ +2 entries  built \d{{4}}-\d\d-\d\d \d\d:\d\d  {handbook_file.resolve()}", lines[1]
    )
    data = json.loads(run("cache", "-f", "json", env=env).stdout)
    assert data["folder"] == str(folder) and data["enabled"] and data["size"] == size
    [entry] = data["caches"]
    assert (entry["state"], entry["entries"], entry["handbooks"]) == ("current", 2, [str(handbook_file.resolve())])
    handbook_file.write_text(MINIMAL + "\n# changed\n", encoding="utf-8")
    assert json.loads(run("cache", "-f", "json", env=env).stdout)["caches"][0]["state"] == "outdated"
    markdown = run("cache", "-f", "markdown", env=env).stdout.decode()
    assert markdown.startswith(str(folder).replace("_", "\\_")) and "- outdated, " in markdown


def test_cache_clear_empties_the_folder(run: Run, handbook_file: Path, cache: Path) -> None:
    show(run, handbook_file, cache)
    size = sum(path.stat().st_size for path in cache_files(cache))
    env = {"XDG_CACHE_HOME": str(cache)}
    result = run("cache", "clear", env=env)
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.decode() == f"removed 1 cache ({render.size_text(size)}) from {cache / 'coalition'}\n"
    assert cache_files(cache) == []
    assert run("cache", "clear", env=env).stdout.decode().startswith("removed 0 caches (0 B) from ")
    assert show(run, handbook_file, cache).returncode == 0  # and the next run builds it again


def test_cache_with_caching_off_or_a_folder_of_another_user(
    invoke: Invoke, run: Run, handbook_file: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = run("cache", env={"COALITION_NO_CACHE": "1"})
    assert off.returncode == 0 and off.stdout.startswith(b"caching is off")
    assert run("cache", "clear", env={"COALITION_NO_CACHE": "1"}).stdout.startswith(b"caching is off")
    show(run, handbook_file, cache)
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 1)
    env = {"XDG_CACHE_HOME": str(cache)}
    shown = invoke("cache", env=env)
    assert shown.exit_code == 0 and "belongs to another user" in shown.stdout
    cleared = invoke("cache", "clear", env=env)
    assert cleared.exit_code == 1 and cleared.stderr.endswith("belongs to another user; not clearing it\n")
    assert len(cache_files(cache)) == 1  # left as it was


def test_lookups_on_a_cache_read_through_its_indexes(tmp_path: Path) -> None:
    """Every query the lookups run is answered through an index, not by reading a whole table,
    but for those that mean to: counting the rows (verify: the search index's, and the entries'
    vectors, at most meaning.MAX_ENTRIES of them), the bounded scan of names
    that "did you mean" compares, and the entries' vectors that meaning compares the query with
    (at most meaning.MAX_ENTRIES). The indexes are chosen for these queries (builder.finish):
    kinds by rank, links by relation only when typed."""
    path = tmp_path / "store.sqlite3"
    build_store(loader.load_handbook(), sqlite3.connect(path)).close()
    store = Store(sqlite3.connect(path), file=str(path))
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    with contextlib.closing(store):
        store.verify()  # as opening a cache does
        assert store.of_kind("actor") and store.ids_of_kind("fact") and store.counts()["figure"]
        assert store.links("iran") and store.related_of(store.find_entry("iran"))
        assert store.links_of("commanded", 5) and store.suggest_names("irn") and store.names_starting("ir", None, 5)
        for question in ("who commanded the quds force", "who led the coalition", "whose airspace did russia use"):
            assert ask(store, question).text
        assert SearchIndex(store).search("airspace", limit=5).hits
        store.db.set_trace_callback(None)
        scans = {
            (detail.split(" USING")[0], sql.split(" WHERE")[0])
            for sql in dict.fromkeys(statements)
            if sql.lstrip().startswith("SELECT")
            for *_, detail in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")
            if detail.startswith("SCAN") and "INDEX" not in detail
        }
    assert scans == {
        ("SCAN entries_docsize", "SELECT count(*) FROM entries_docsize"),
        ("SCAN entry_vector", "SELECT count(*) FROM entry_vector"),
        ("SCAN name", "SELECT name.folded, entry.rowid FROM name JOIN entry ON entry.rowid = name.entry"),
        ("SCAN entry_vector", f"SELECT rowid, norm, vector FROM entry_vector LIMIT {meaning.MAX_ENTRIES}"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("built_ns", [str(10**30), "-1", "0", str(2**63 - 1)])
def test_a_cache_built_at_an_absurd_time_is_doubted_and_shown(
    run: Run, handbook_file: Path, cache: Path, built_ns: str
) -> None:
    show(run, handbook_file, cache)
    [cache_file] = cache_files(cache)
    tamper(cache_file, "Words the handbook never held.")
    update(cache_file, "UPDATE meta SET value = ? WHERE name = 'built_ns'", (built_ns,))
    listed = run("cache", env={"XDG_CACHE_HOME": str(cache)})
    assert listed.returncode == 0 and listed.stderr == b"", listed.stderr[-500:]
    assert " built ?  " in listed.stdout.decode()
    shown = show(run, handbook_file, cache)  # a clock gone wrong is no proof the cache is current
    assert shown.returncode == 0 and NEW_SUMMARY.encode() in shown.stdout and b"never held" not in shown.stdout


ROW_TABLES = ["name", "link", "entry_vector", "word_vector", "entries_docsize"]


@pytest.mark.slow
@pytest.mark.parametrize("table", ROW_TABLES)
def test_a_row_deleted_by_hand_is_noticed_before_any_answer(
    invoke: Invoke, tmp_path: Path, handbook: Any, table: str
) -> None:
    # One row gone is damage no checksum covers (the row is not there to check): the counts
    # recorded at build are checked when the cache is opened, and it is rebuilt.
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    commands = [["show", "iran"], ["show", "actor", "iran"], ["related", "iran"], ["search", "airspace"]]
    expected = [invoke(*args, env=env) for args in commands]
    [cache_file] = cache_files(tmp_path / "xdg")
    with contextlib.closing(sqlite3.connect(cache_file)) as db:
        column = "entry" if table == "name" else "rowid"
        if table == "name":  # the actor's own names: "iran" would fall to entries that mention it
            db.execute("DELETE FROM name WHERE entry = (SELECT rowid FROM entry WHERE id = 'iran')")
        else:
            db.execute(f"DELETE FROM {table} WHERE {column} = (SELECT min({column}) FROM {table})")
        assert db.total_changes >= 1
        db.commit()
    damaged = cache_file.stat().st_ino
    coalition_cache._distrusted.clear()
    for args, before in zip(commands, expected, strict=True):
        after = invoke(*args, env=env)
        assert (after.exit_code, after.stdout) == (before.exit_code, before.stdout), (table, args)
    [rebuilt] = cache_files(tmp_path / "xdg")
    assert rebuilt.stat().st_ino != damaged  # replaced by the first command, whatever it read


# -- the folder is ours only, and builds take turns --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("linked", [False, True])
def test_only_files_named_and_marked_as_ours_are_ever_removed(
    run: Run, handbook_file: Path, cache: Path, tmp_path: Path, linked: bool
) -> None:
    folder = cache / "coalition"
    if linked:  # a link to a folder that other programs keep their databases in
        shared = tmp_path / "shared"
        shared.mkdir(mode=0o700)
        cache.mkdir()
        folder.symlink_to(shared)
    else:
        folder.mkdir(parents=True, mode=0o700)
    others = {
        "app.sqlite3": 7,  # another program's database
        "0123456789abcdef0123.sqlite3": 7,  # named as a cache of ours would be, marked as another's
        "fedcba98765432100123.sqlite3": None,  # named as ours, but no database at all
        ".building-abcdefgh.sqlite3": 7,  # named as a temporary of ours, but another's
    }
    for name, application in others.items():
        path = folder / name
        with contextlib.closing(sqlite3.connect(path)) as db:
            if application is not None:
                db.execute(f"PRAGMA application_id = {application}")
                db.execute("CREATE TABLE theirs (x)")
                db.commit()
        if application is None:
            path.write_bytes(b"someone else's bytes")
        path.chmod(0o600)
        os.utime(path, (0, 0))  # long ago: a prune or a sweep would take it if it took others' files
    gone = tmp_path / "gone.yaml"
    gone.write_text(MINIMAL, encoding="utf-8")
    assert show(run, gone, cache).returncode == 0
    gone.unlink()
    assert show(run, handbook_file, cache).returncode == 0  # this build prunes the cache of gone.yaml
    env = {"XDG_CACHE_HOME": str(cache)}
    listed = run("cache", env=env)
    assert b"; 4 other files there, not coalition's: left alone" in listed.stdout.splitlines()[0]
    assert json.loads(run("cache", "-f", "json", env=env).stdout)["others"] == 4
    cleared = run("cache", "clear", env=env)
    assert cleared.returncode == 0 and cleared.stdout.startswith(b"removed 1 cache")
    assert cleared.stderr == b"coalition: left 4 other files there alone: not coalition's\n"
    assert sorted(path.name for path in folder.iterdir() if path.name != LOCK) == sorted(others)


@pytest.mark.slow
def test_cold_runs_started_together_build_once(coalition_bin: str, tmp_path: Path, cache: Path) -> None:
    from benchmarks.generate import event_records

    handbook = tmp_path / "events.yaml"  # about a second to build
    handbook.write_text(json.dumps(event_records(3_000)), encoding="utf-8")
    env = {**os.environ, "COALITION_HANDBOOK": str(handbook), "XDG_CACHE_HOME": str(cache)}
    folder = cache / "coalition"
    processes = [
        subprocess.Popen([coalition_bin, "search", "airspace"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(10)
    ]
    builds: set[str] = set()  # the temporaries seen: one per build
    while any(process.poll() is None for process in processes):
        with contextlib.suppress(OSError):
            builds.update(name.removesuffix(".new") for name in os.listdir(folder) if name.startswith(".building-"))
    outputs = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs[0][1]
    assert len({out for out, _ in outputs}) == 1 and all(err == b"" for _, err in outputs)
    assert len(builds) == 1, builds


@pytest.mark.slow
def test_a_run_that_waits_its_turn_says_so_on_a_terminal(coalition_bin: str, tmp_path: Path, cache: Path) -> None:
    from benchmarks.generate import event_records

    handbook = tmp_path / "events.yaml"  # over a megabyte: a bar is drawn for it
    handbook.write_text(json.dumps(event_records(3_000)), encoding="utf-8")
    env = {"COALITION_HANDBOOK": str(handbook), "XDG_CACHE_HOME": str(cache)}
    first = subprocess.Popen(
        [coalition_bin, "search", "airspace"], stdout=subprocess.DEVNULL, env={**os.environ, **env}
    )
    try:
        folder = cache / "coalition"
        while not (folder.is_dir() and any(name.startswith(".building-") for name in os.listdir(folder))):
            assert first.poll() is None, "the first build ended before the second started"
        code, screen = helpers.run_in_terminal([coalition_bin, "search", "airspace"], env=env)
    finally:
        first.wait(timeout=60)
    assert code == 0 and "Waiting for another run to finish indexing the handbook" in screen
    assert "airspace" in screen.lower()
