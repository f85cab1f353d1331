"""What a person sees on a real terminal, driven through a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest
import yaml


def run_in_terminal(
    args: list[str], columns: int = 80, env: dict[str, str] | None = None, keys: bytes = b"", after: float = 0.0
) -> tuple[int, str]:
    """Run a command with a pty as its controlling terminal; return its exit code and screen bytes.

    `keys` are typed into the terminal `after` seconds (b"\x03" is Ctrl-C, delivered by the terminal
    as SIGINT to the command, as when a person presses it).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES")}
    full_env.update({"TERM": "xterm-256color", **(env or {})})
    process = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=full_env,
        close_fds=True,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    if keys:
        time.sleep(after)
        os.write(master, keys)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    code = process.wait(timeout=60)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", errors="replace")


def test_show_on_a_terminal_is_rich(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"])
    assert code == 0
    assert "\x1b[" in screen  # colour
    assert "\u256d" in screen and "\u2570" in screen  # a panel's corners
    assert "Iran" in screen and "actor: iran" in screen
    widest = max(len(line) for line in _visible(screen).splitlines())
    assert widest <= 80


def test_terminal_width_is_honoured(coalition_bin: str) -> None:
    _, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], columns=50)
    assert max(len(line) for line in _visible(screen).splitlines()) <= 50


def test_markup_in_entries_prints_literally(coalition_bin: str, minimal_handbook: Path) -> None:
    code, screen = run_in_terminal([coalition_bin, "--handbook", str(minimal_handbook), "show", "first"], columns=120)
    assert code == 0
    assert "[red]this[/red] and [/x] literally" in _visible(screen)


def test_list_and_timeline_draw_tables(coalition_bin: str) -> None:
    for command in (["list", "actors"], ["timeline"], ["list"]):
        code, screen = run_in_terminal([coalition_bin, *command])
        assert code == 0
        assert "\u2501" in screen  # a table's heavy header rule


def test_errors_on_a_terminal_are_one_line(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "atlantis"])
    assert code == 1
    assert _visible(screen).strip() == 'coalition: no entry named "atlantis"'


def _visible(screen: str) -> str:
    """The screen's text without colour codes and carriage returns."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen).replace("\r", "")


def test_search_on_a_terminal_bolds_the_matched_words(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "search", "caspian", "--limit", "1"], columns=100)
    assert code == 0
    assert "\x1b[1mCaspian\x1b[0m" in screen or "\x1b[1mcaspian\x1b[0m" in screen.lower()


COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7]|38;[0-9;]+)m")


def test_no_color_keeps_layout_drops_colour(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], env={"NO_COLOR": "1"})
    assert code == 0
    assert "\u256d" in screen  # still a panel
    assert not COLOUR.search(screen)


def test_dumb_terminal_gets_plain_text(coalition_bin: str) -> None:
    for env in ({"TERM": "dumb"}, {"TERM": "dumb", "FORCE_COLOR": "1"}):
        code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], env=env)
        assert code == 0
        assert "\x1b" not in screen
        assert screen.replace("\r", "").startswith("Iran (actor: iran)\n")


@pytest.mark.parametrize("command", [["show", "actor", "iran"], ["list"], ["search", "airspace"], ["timeline"]])
def test_twenty_columns(coalition_bin: str, command: list[str]) -> None:
    code, screen = run_in_terminal([coalition_bin, *command], columns=20)
    assert code == 0, screen
    assert "Traceback" not in screen
    assert max(len(line) for line in _visible(screen).splitlines()) <= 20


def test_columns_variable_is_honoured(coalition_bin: str) -> None:
    _, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], columns=120, env={"COLUMNS": "60"})
    assert max(len(line) for line in _visible(screen).splitlines()) <= 60


def test_ctrl_c_on_a_terminal(coalition_bin: str, tmp_path: Path) -> None:
    fifo = tmp_path / "never.yaml"
    os.mkfifo(fifo)  # reading it blocks forever: the program is busy when Ctrl-C comes
    code, screen = run_in_terminal([coalition_bin, "--handbook", str(fifo), "list"], keys=b"\x03", after=1.0)
    assert code == 130
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen


@pytest.mark.parametrize("env", [{"LANG": "C", "LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}])
def test_c_locale_and_ascii_terminal(coalition_bin: str, env: dict[str, str]) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "figure", "soleimani"], env=env)
    assert code == 0
    assert "Traceback" not in screen and "Soleimani" in screen


def test_progress_bar_while_a_large_handbook_is_first_indexed(coalition_bin: str, tmp_path: Path) -> None:
    from benchmarks.generate import scaled_handbook

    big = tmp_path / "big.yaml"
    big.write_text(yaml.safe_dump(scaled_handbook(2000), allow_unicode=True), encoding="utf-8")
    assert big.stat().st_size > 1_000_000
    env = {"COALITION_HANDBOOK": str(big), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code, screen = run_in_terminal([coalition_bin, "search", "airspace", "-n", "1"], env=env)
    assert code == 0
    assert "Reading the handbook" in screen and "Indexing for search" in screen
    # Built once: the next run is served from the cache and shows no bar.
    code, screen = run_in_terminal([coalition_bin, "search", "airspace", "-n", "1"], env=env)
    assert code == 0 and "Reading the handbook" not in screen


def test_no_progress_bar_for_the_small_shipped_handbook(coalition_bin: str, tmp_path: Path) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "iran"], env={"XDG_CACHE_HOME": str(tmp_path / "c")})
    assert code == 0 and "Reading the handbook" not in screen
