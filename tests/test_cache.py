"""The cache: reused while the handbook is unchanged, rebuilt when it changes, never trusted blindly,
and never needed (a read-only or missing cache folder only makes the program slower)."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.helpers import MINIMAL, ROOT, Run

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
    folder = cache / "coalition"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def tamper(cache_file: Path, summary: str) -> None:
    """Change an entry inside the cache itself, to see whether a run reads the cache or the file."""
    db = sqlite3.connect(cache_file)
    db.execute("UPDATE entry SET summary = ? WHERE id = 'somewhere'", (summary,))
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
    assert not re.search(r"\bpickle\b|\bshelve\b|yaml\.(load|unsafe_load|full_load)\(|\beval\(|\bexec\(", source)
