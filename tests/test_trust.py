"""Trust under attack, the second round: the classes an attacker's audit found after the first
(issue 11), each with cases of our own. Bounded work is measured with a time limit and, where
memory is the risk, an address-space limit on the process."""

from __future__ import annotations

import contextlib
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from coalition_cli.build import cache as coalition_cache
from coalition_cli.model.inert import unsafe
from coalition_cli.source.contested import skeletons
from coalition_cli.store import cache_folder as cachedir
from coalition_cli.store.builder import BATCH
from tests import helpers
from tests.helpers import MINIMAL, Invoke, Run

MEMORY = 1 << 30  # address space a bounded run may use (1 GiB); the program needs far less


def limited(
    coalition_bin: str, args: list[str], env: dict[str, str], seconds: float = 20
) -> subprocess.CompletedProcess[bytes]:
    """Run coalition with an address-space limit and a time limit (the test fails on either)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    variables = {k: v for k, v in os.environ.items() if k not in helpers.LEAKY_ENV}
    variables.update(env)
    return subprocess.run(
        [coalition_bin, *args], capture_output=True, env=variables, timeout=seconds, check=False, preexec_fn=limit
    )


def handbook_with(tmp_path: Path, data: dict[str, object], name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def facts(count: int, **fields: object) -> list[dict[str, object]]:
    return [{"id": f"f{i}", "title": f"Fact {i}", "summary": "S.", "source": ["s"], **fields} for i in range(count)]


def base(entries: list[dict[str, object]]) -> dict[str, object]:
    section = {"id": "s", "title": "S", "summary": "A section."}
    return {"format": 1, "title": "T", "source": {"title": "A"}, "sections": [section], "facts": entries}


# -- no traceback ------------------------------------------------------------------------------


@pytest.mark.parametrize("position", [3, BATCH + 10])
def test_a_duplicate_id_anywhere_is_one_problem_not_a_crash(run: Run, tmp_path: Path, position: int) -> None:
    """Entries go to the store in batches while the file is read: a duplicate past the first batch
    must be told like any problem, not meet the store's unique index."""
    entries = facts(BATCH + 20)
    entries[position]["id"] = "f1"
    path = handbook_with(tmp_path, base(entries))
    result = run("--handbook", str(path), "show", "f1")
    assert result.returncode == 3
    assert b"Traceback" not in result.stderr and b'duplicate id "f1"' in result.stderr
    assert result.stderr.count(b"\n") == 1


@pytest.mark.parametrize("digits", [19, 4_301, 10_000])
def test_a_limit_of_any_length_is_no_crash(run: Run, digits: int) -> None:
    for prefix in ([], ["--no-pager"]):  # the fast path, and the typer app
        result = run(*prefix, "search", "iran", "--limit", "9" * digits)
        assert b"Traceback" not in result.stderr
        assert result.returncode in (0, 2), result.stderr


@pytest.mark.parametrize("columns", ["0", "3", "99999999999999999999", "100000000", "-4", "wide"])
def test_any_terminal_width_draws_within_bounds(coalition_bin: str, columns: str) -> None:
    result = limited(coalition_bin, ["show", "iran"], {"FORCE_COLOR": "1", "COLUMNS": columns})
    assert result.returncode == 0, result.stderr
    assert b"Iran" in result.stdout and len(result.stdout) < 1_000_000


@pytest.mark.slow
def test_a_file_name_of_any_characters_can_extend_an_entry(invoke: Invoke, tmp_path: Path) -> None:
    """The note an extension adds names its file; the name is made inert, not refused."""
    for name in ("z\u200bw.yaml", "esc\x1b]0;x\x07.yaml", "bidi\u202egpj.yaml", "c1\x9b2J.yaml"):
        path = tmp_path / name
        assert invoke("init", str(path)).exit_code == 0
        result = invoke("--handbook", str(path), "show", "iran")
        assert result.exit_code == 0, result.stderr
        assert unsafe(result.stdout) is None and "A note of my own" in result.stdout


# -- nothing from the cache reaches the terminal raw --------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE entry SET title = 'S' || char(27) || ']52;c;cHduZWQ=' || char(7) WHERE kind = 'section'",
        # The index keeps no text: a row crafted into it names an entry the store does not hold.
        "INSERT INTO entries (rowid, body) VALUES (4242, 'first ' || char(27) || '[2J' || char(27) || '[H')",
        "UPDATE entry SET summary = 'first ' || char(27) || '[2J' || char(27) || '[H'",
        "UPDATE link SET source = 'somewhere' || char(10) || 'x'",
        "UPDATE name SET written = 'Some' || char(27) || '[31mwhere' WHERE written = 'Somewhere'",
    ],
)
def test_crafted_cache_text_never_reaches_the_terminal(run: Run, tmp_path: Path, damage: str) -> None:
    handbook = tmp_path / "notes.yaml"
    handbook.write_text(MINIMAL, encoding="utf-8")
    env = {"COALITION_HANDBOOK": str(handbook), "XDG_CACHE_HOME": str(tmp_path / "xdg"), "FORCE_COLOR": "1"}
    assert run("show", "somewhere", env=env).returncode == 0
    [cache_file] = (tmp_path / "xdg" / "coalition").glob("*.sqlite3")
    with sqlite3.connect(cache_file) as db:
        db.execute(damage)
    db.close()
    for args in (["show", "somewhere"], ["cite", "somewhere"], ["search", "first"], ["related", "somewhere"]):
        result = run(*args, env=env)
        assert result.returncode in (0, 1), result.stderr
        text = result.stdout.decode()
        assert "\x1b]" not in text and "\x1b[2J" not in text and "\x07" not in text, args


# -- what validation lets through ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "f0\n"), ("date", "2015-09\n"), ("date", "٢٠٣٠"), ("date", "२०१५-०२"), ("date", "２０１５")],
)
def test_ids_and_dates_are_ascii_and_whole(invoke: Invoke, tmp_path: Path, field: str, value: str) -> None:
    entries = facts(2)
    entries[0][field] = value
    result = invoke("validate", str(handbook_with(tmp_path, base(entries))))
    assert result.exit_code == 3
    assert "is not a valid id" in result.stdout or "is not an ISO 8601 date" in result.stdout


@pytest.mark.parametrize("name", ["Iran\u3164", "\u115fIran", "Ira\u034fn", "Iran\ufe0f", "Iran\u2800"])
def test_characters_that_show_nothing_are_refused(invoke: Invoke, tmp_path: Path, name: str) -> None:
    entries = facts(1)
    entries[0]["title"] = name
    result = invoke("validate", str(handbook_with(tmp_path, base(entries))))
    assert result.exit_code == 3 and "could drive a terminal or hide text" in result.stdout


# -- bounded work ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry",
    [
        {"key_points": [f"Point {i} " + "word " * 3_000 for i in range(40)]},  # 600 KB in one entry
        {"key_points": [f"Point {i}" for i in range(5_000)]},  # many items
    ],
)
def test_an_entry_too_big_to_work_on_is_refused_quickly(
    coalition_bin: str, tmp_path: Path, entry: dict[str, object]
) -> None:
    section = {"id": "s", "title": "S", "summary": "A section about alpha.", **entry}
    data = {"format": 1, "title": "T", "source": {"title": "A"}, "sections": [section]}
    path = handbook_with(tmp_path, data)
    started = time.monotonic()
    result = limited(coalition_bin, ["--handbook", str(path), "search", "alpha"], {"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 3, result.stderr
    assert b"at most" in result.stderr and time.monotonic() - started < 10


def test_aliases_are_weighed_by_what_they_copy(coalition_bin: str, tmp_path: Path) -> None:
    """One long text aliased thousands of times is refused by its size, not its count of values."""
    text = '"' + "alpha beta " * 1_800 + '"'
    points = "\n".join(["      - &k " + text] + ["      - *k"] * 20_000)
    path = tmp_path / "aliases.yaml"
    path.write_text(
        f"format: 1\ntitle: T\nsource:\n  title: A\nsections:\n  - id: s\n    title: S\n    summary: S.\n"
        f"    key_points:\n{points}\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    result = limited(coalition_bin, ["--handbook", str(path), "show", "s"], {"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 3 and b"aliases expand" in result.stderr, result.stderr
    assert time.monotonic() - started < 10


def test_spelling_correction_reads_only_near_words(store: object) -> None:
    """A misspelt word is compared with the words of its first letter and a near length, read by
    SQLite, at most MAX_NEAR of them: never every word of a large handbook."""
    from coalition_cli.lookup.query import Words
    from coalition_cli.lookup.spelling import MAX_NEAR

    words = Words(store)  # type: ignore[arg-type]
    near = words.spelling.near("airspce", 1)
    assert near and all(term[0] == "a" and 6 <= len(term) <= 8 for term, _ in near)
    assert len(near) <= MAX_NEAR


def test_messages_quote_a_huge_name_by_its_ends(run: Run, tmp_path: Path) -> None:
    entries = facts(1, related=["x" * 50_000])  # an id of 50,000 letters, pointing nowhere
    result = run("--handbook", str(handbook_with(tmp_path, base(entries))), "show", "f0")
    assert result.returncode == 3 and len(result.stderr) < 5_000 and b"[...]" in result.stderr


# -- the cache answers for the files asked, and for no other -------------------------------------


def test_a_cache_of_other_files_under_this_name_is_not_read(run: Run, tmp_path: Path) -> None:
    one, other = tmp_path / "one.yaml", tmp_path / "other.yaml"
    one.write_text(MINIMAL, encoding="utf-8")
    other.write_text(MINIMAL.replace("A place that exists only in tests.", "Planted."), encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert run("--handbook", str(one), "show", "somewhere", env=env).returncode == 0
    assert run("--handbook", str(other), "show", "somewhere", env=env).returncode == 0
    folder = tmp_path / "xdg" / "coalition"
    mine = folder / coalition_cache.cache_name([str(one)])
    theirs = folder / coalition_cache.cache_name([str(other)])
    os.replace(theirs, mine)
    result = run("--handbook", str(one), "show", "somewhere", env=env)
    assert b"Planted." not in result.stdout and b"A place that exists only in tests." in result.stdout


@pytest.mark.slow
def test_a_cache_built_just_after_an_edit_is_read_again_only_until_it_settles(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built within RACY_NS of the file's change, a cache is checked by content; once the file has
    been still that long, the cache says so, and later runs trust the file's times alone."""
    handbook = tmp_path / "notes.yaml"
    handbook.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setattr(coalition_cache, "RACY_NS", 300_000_000)
    hashed: list[int] = []
    real = coalition_cache.content_hash
    monkeypatch.setattr(coalition_cache, "content_hash", lambda data: hashed.append(True) or real(data))
    env = {"COALITION_HANDBOOK": str(handbook)}
    assert invoke("show", "somewhere", env=env).exit_code == 0  # built at once: racy
    time.sleep(0.4)
    hashed.clear()
    assert invoke("show", "somewhere", env=env).exit_code == 0
    assert any(hashed), "a racy cache is checked by content"
    hashed.clear()
    assert invoke("show", "somewhere", env=env).exit_code == 0
    assert not any(hashed), "settled: the file's times are enough"


def test_a_file_still_since_before_the_build_is_not_hashed_and_a_change_is_still_seen(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a file changed within RACY_NS of the build is hashed: for any other, its times alone say
    whether it changed, and a large file's hash is work on one core that nothing reads."""
    handbook = tmp_path / "notes.yaml"
    content = MINIMAL + "# a file of this test's own\n"  # the build's pruning may hash other tests' files
    handbook.write_text(content, encoding="utf-8")
    time.sleep(0.05)
    monkeypatch.setattr(coalition_cache, "RACY_NS", 10_000_000)
    hashed: list[bool] = []
    real = coalition_cache.content_hash
    monkeypatch.setattr(
        coalition_cache, "content_hash", lambda data: hashed.append(data == content.encode()) or real(data)
    )
    env = {"COALITION_HANDBOOK": str(handbook)}
    assert invoke("show", "somewhere", env=env).exit_code == 0
    assert invoke("show", "somewhere", env=env).exit_code == 0  # from the cache
    assert not any(hashed), "built and read by the file's times alone"
    handbook.write_text(content.replace("A place that exists only in tests.", "A place that moved."), encoding="utf-8")
    assert "A place that moved." in invoke("show", "somewhere", env=env).stdout


# -- temporaries -----------------------------------------------------------------------------------


def killed_build(path: Path) -> Path:
    """What a build killed outright leaves: a store of ours (marked), half written, locked by no one."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA application_id = {cachedir.APPLICATION_ID}")
        db.execute("CREATE TABLE entry (x)")
        db.commit()
    path.chmod(0o600)
    return path


def test_leftovers_without_a_cache_folder_are_swept_and_cleared(run: Run, tmp_path: Path) -> None:
    """Temporaries go to a private scratch folder when there is no cache folder, so what a killed
    build leaves there is swept by the next build, and counted by `cache clear`."""
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    env = {"TMPDIR": str(scratch_root), "COALITION_NO_CACHE": "1"}
    scratch = scratch_root / f"coalition-{os.getuid()}"
    scratch.mkdir(mode=0o700)
    left = killed_build(scratch / ".part-killed00.sqlite3")
    cleared = run("cache", "clear", env=env)
    assert cleared.returncode == 0
    assert cleared.stdout.decode().startswith("caching is off (COALITION_NO_CACHE is set): removed 1 file left by")
    assert not left.exists()


def test_cache_clear_counts_what_killed_builds_left(run: Run, tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert run("show", "iran", env=env).returncode == 0
    folder = tmp_path / "xdg" / "coalition"
    left = killed_build(folder / ".building-killed00.sqlite3")
    out = run("cache", "clear", env=env).stdout.decode()
    assert out.startswith("removed 1 cache and 1 file left by killed builds (") and not left.exists()


# -- layers ----------------------------------------------------------------------------------------


def test_a_hard_link_of_a_layer_is_the_same_layer(invoke: Invoke, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    assert invoke("init", str(notes)).exit_code == 0
    os.link(notes, tmp_path / "hard.yaml")
    result = invoke("--handbook", f"{notes}{os.pathsep}{tmp_path / 'hard.yaml'}", "show", "iran")
    assert result.exit_code == 0 and result.stdout.count("A note of my own") == 1


@pytest.mark.parametrize("name", ["lran", "1ran", "\u026aran", "\u13a5ran", "Ir\u0430n", "\u2160ran", "\uff29ran"])
def test_lookalikes_of_a_name_beneath_are_told(invoke: Invoke, tmp_path: Path, name: str) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nactors:\n"
        f"  - id: fake\n    name: {name}\n    type: state\n    member: false\n    summary: S.\n    source: [genesis]\n",
        encoding="utf-8",
    )
    result = invoke("validate", str(notes))
    told = "readers cannot tell them apart" in result.stdout or 'is also a name of actor "iran"' in result.stdout
    assert told, (name, skeletons(name))


def test_an_id_taken_over_is_told_once_and_true(invoke: Invoke, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nactors:\n"
        "  - id: russia\n    name: Russia\n    type: state\n    member: true\n    summary: S.\n    source: [genesis]\n",
        encoding="utf-8",
    )
    lines = invoke("validate", str(notes)).stdout.splitlines()
    warned = [line for line in lines if "warning" in line]
    assert len(warned) == 1 and "its other fields ignored" in warned[0]


def test_warnings_that_change_an_answer_come_first(run: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    ids = "".join(
        f"  - id: {other}\n    name: {other.title()}\n    type: state\n    member: false\n    summary: S.\n"
        "    source: [genesis]\n"
        for other in ("russia", "syria", "iran", "iraq", "china", "hezbollah")
    )
    lookalike = "  - id: fake\n    name: Ir\u0430n\n    type: state\n    member: false\n"
    lookalike += "    summary: S.\n    source: [genesis]\n"
    notes.write_text(f"format: 1\ntitle: Notes\nbase: bundled\nactors:\n{ids}{lookalike}", encoding="utf-8")
    stderr = run("--handbook", str(notes), "show", "genesis").stderr.decode()
    assert "and 2 more warnings" in stderr
    assert stderr.index("cannot tell them apart") < stderr.index("already in a handbook beneath")


def test_the_scratch_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    folder = cachedir.scratch_folder()
    assert folder is not None and os.stat(folder).st_mode & 0o777 == 0o700
    os.chmod(folder, 0o777)
    assert cachedir.scratch_folder() is None  # open to others: not used
    assert sys.platform.startswith("linux")
