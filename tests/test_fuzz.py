"""Fuzz runs: a real handbook and a real cache, damaged at random places, read by the real program.
The YAML reader gives a located problem or the handbook; the cache reader gives the answer a
sound cache gives (having noticed the damage and rebuilt) or, at worst, says it rebuilt: never a
traceback, never another answer."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition_cli.build.loader import check_handbook
from coalition_cli.model.errors import HandbookError
from tests.helpers import Run

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (ROOT / "handbook.yaml").read_bytes()

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# A damage: at a place in the file, delete some bytes and write others there.
# Any bytes, or words: a byte that is not UTF-8 is noticed as it is decoded, a letter only by a check.
written = st.binary(max_size=16) | st.text(string.ascii_letters + " ", min_size=1, max_size=16).map(str.encode)
damages = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 16), written), min_size=1, max_size=6)


def damaged(data: bytes, changes: list[tuple[float, int, bytes]]) -> bytes:
    for where, cut, written in changes:
        at = int(where * len(data))
        data = data[:at] + written + data[at + cut :]
    return data


# Bytes that mean something to YAML, to write more often than chance would.
yaml_bytes = st.lists(
    st.sampled_from([b":", b"-", b" ", b"\n", b"[", b"]", b"{", b"}", b"&a", b"*a", b"!!", b"'", b'"', b"#", b"|"]),
    max_size=6,
).map(b"".join)


@pytest.mark.slow
@FUZZ
@given(
    changes=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 16), yaml_bytes | st.binary(max_size=8)),
        min_size=1,
        max_size=4,
    )
)
def test_the_yaml_reader_on_a_damaged_handbook(tmp_path: Path, changes: list[tuple[float, int, bytes]]) -> None:
    """The shipped handbook, its first 40 KB (the reader's work grows with the file, not the
    damage), damaged: the handbook or located problems, and nothing else."""
    path = tmp_path / "damaged.yaml"
    path.write_bytes(damaged(SHIPPED[:40_000], changes))
    try:
        handbook, problems = check_handbook(path)
    except HandbookError as error:  # unreadable at all: still a problem told, not a crash
        assert error.problems
        return
    assert (handbook is None) == bool(problems)
    assert all(str(problem).startswith(str(path)) for problem in problems)


COMMANDS = (("show", "actor", "iran", "-f", "json"), ("search", "airspace", "--limit", "3"), ("related", "iran"))


def aimed(data: bytes, changes: list[tuple[float, int, bytes]], aim: int, words: list[bytes]) -> bytes:
    """Bytes written over others near the words the answers show: the damage lands in the rows
    that are read, and leaves the file's structure whole, as a bit rot or a crafted edit would."""
    places = sorted({m for word in words for m in _find_all(data, word)})
    for where, _, written in changes:
        at = max(0, places[int(where * len(places))] + aim)
        data = data[:at] + written + data[at + len(written) :]
    return data


def _find_all(data: bytes, word: bytes) -> list[int]:
    found, at = [], data.find(word)
    while at >= 0:
        found.append(at)
        at = data.find(word, at + 1)
    return found


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=damages, aim=st.none() | st.integers(-8, 8))
def test_the_cache_reader_on_a_damaged_cache(
    run: Run, tmp_path: Path, changes: list[tuple[float, int, bytes]], aim: int | None
) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    folder = tmp_path / "xdg" / "coalition"
    sound = tmp_path / "sound.sqlite3"
    if not sound.exists():  # the first example builds the cache that every example damages
        shutil.rmtree(folder, ignore_errors=True)
        assert run("show", "iran", env=env).returncode == 0
        [built] = folder.glob("*.sqlite3")
        shutil.copyfile(built, sound)
        (tmp_path / "answers").mkdir()
        for number, command in enumerate(COMMANDS):
            (tmp_path / "answers" / str(number)).write_bytes(run(*command, env=env).stdout)
    answers = b" ".join(path.read_bytes() for path in (tmp_path / "answers").iterdir())
    words = sorted(set(re.findall(rb"[A-Za-z ,.']{24}", answers)))  # pieces of the rows the answers read
    [cache] = folder.glob("*.sqlite3")
    data = sound.read_bytes()
    cache.write_bytes(damaged(data, changes) if aim is None else aimed(data, changes, aim, words))
    for number, command in enumerate(COMMANDS):
        result = run(*command, env=env)
        assert b"Traceback" not in result.stderr, result.stderr.decode()[-2000:]
        assert result.returncode == 0, (command, result.stderr.decode())
        assert result.stdout == (tmp_path / "answers" / str(number)).read_bytes(), command
