"""A first build ended by SIGTERM, SIGHUP or Ctrl-C leaves no temporary behind and ends as the signal
asked; one killed outright (SIGKILL, SIGQUIT) leaves one that the next build sweeps, once no process
holds it."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import event_records
from coalition_cli.store import cache_folder as cachedir
from tests import helpers
from tests.helpers import MINIMAL, clean_env

# Reads a large handbook in parts (the threshold lowered for a test-sized file), in a real process.
IN_PARTS = "import sys; from coalition_cli.build import parallel; parallel.PARALLEL_BYTES = 100_000; " + (
    "from coalition_cli.__main__ import main; main()"
)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A handbook that takes seconds to build, so that a signal lands in the middle of it."""
    path = tmp_path_factory.mktemp("large") / "events.yaml"
    data = event_records(12_000)
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    yield path


def leftovers(folder: Path) -> list[str]:
    return (
        sorted(name for name in os.listdir(folder) if name.startswith(cachedir.TEMPORARIES)) if folder.exists() else []
    )


def start_build(args: list[str], handbook: Path, cache: Path) -> subprocess.Popen[bytes]:
    env = clean_env(XDG_CACHE_HOME=str(cache))
    process = subprocess.Popen(
        [*args, "--handbook", str(handbook), "list"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group: a signal to it never reaches pytest
        preexec_fn=helpers.as_at_a_prompt,
    )
    folder = cache / "coalition"
    deadline = time.monotonic() + 60
    while not leftovers(folder):  # the build has begun writing
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the build never began"
        time.sleep(0.02)
    time.sleep(0.3)
    return process


COMMAND = [os.path.join(os.path.dirname(sys.executable), "coalition")]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_build_leaves_nothing_behind(large: Path, tmp_path: Path, signum: int) -> None:
    process = start_build(COMMAND, large, tmp_path)
    os.kill(process.pid, signum)
    _, stderr = process.communicate(timeout=60)
    expected = 130 if signum == signal.SIGINT else -signum  # Ctrl-C ends with 130; the others by the signal
    assert process.returncode == expected and stderr == b"", stderr
    assert leftovers(tmp_path / "coalition") == []


def test_a_signal_while_reading_in_parts_leaves_nothing_behind(large: Path, tmp_path: Path) -> None:
    helpers.require_processors()
    process = start_build([sys.executable, "-c", IN_PARTS], large, tmp_path)
    os.kill(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM and stderr == b"", stderr
    deadline = time.monotonic() + 30  # the workers notice their parent is gone at their next report
    while leftovers(tmp_path / "coalition") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(tmp_path / "coalition") == []


@pytest.mark.slow
@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGQUIT])
def test_workers_of_a_killed_build_end_and_a_later_build_sweeps_their_files(
    large: Path, tmp_path: Path, ending: int
) -> None:
    helpers.require_processors()
    process = start_build([sys.executable, "-c", IN_PARTS], large, tmp_path)
    os.kill(process.pid, ending)  # nothing can be cleaned up: the parent is gone at once
    process.communicate(timeout=60)
    folder = tmp_path / "coalition"
    left = leftovers(folder)
    assert left, "SIGKILL leaves the build's temporaries"
    deadline = time.monotonic() + 60
    while True:  # the workers, orphaned, stop at their next report
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "orphaned workers kept running"
        time.sleep(0.1)
    small = tmp_path / "small.yaml"  # built at once: no wait for the temporaries to grow old
    small.write_text(MINIMAL, encoding="utf-8")
    result = subprocess.run(
        [*COMMAND, "--handbook", str(small), "list"], capture_output=True, env=clean_env(XDG_CACHE_HOME=str(tmp_path))
    )
    assert result.returncode == 0, result.stderr
    assert leftovers(folder) == []


def test_a_sweep_takes_only_killed_builds_files_of_ours(tmp_path: Path) -> None:
    folder = tmp_path / "coalition"
    folder.mkdir(mode=0o700)
    live = cachedir.Temporary(str(folder), ".building-")  # holds its lock, as a build does
    try:
        with contextlib.closing(sqlite3.connect(live.path)) as db:
            db.execute(f"PRAGMA application_id = {cachedir.APPLICATION_ID}")

        def made(name: str, marked: bool | None, age: float = 0) -> Path:
            path = folder / name
            db = sqlite3.connect(path)
            if marked is not None:  # a store: ours (marked) or another program's
                db.execute(f"PRAGMA application_id = {cachedir.APPLICATION_ID if marked else 7}")
                db.execute("CREATE TABLE t (x)")
            db.close()
            path.chmod(0o600)
            os.utime(path, (time.time() - age, time.time() - age))
            return path

        swept = [made(".building-dead0000.sqlite3", True), made(".part-empty000.sqlite3", None)]
        swept.append(made(".building-oldnew00.sqlite3.new", None, age=3600))  # made, never locked, long ago
        kept = [Path(live.path), made(".building-fresh000.sqlite3.new", None)]  # about to be locked
        kept += [made(".building-foreign0.sqlite3", False), made("notes.sqlite3", False)]  # not ours
        kept += [made(".building-dead.sqlite3", True)]  # not a name tempfile gives
        assert cachedir.sweep(str(folder))[0] == len(swept)
        assert sorted(os.listdir(folder)) == sorted(path.name for path in kept)
    finally:
        live.remove()
