"""What a person sees on a real terminal, driven through a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
from pathlib import Path


def run_in_terminal(args: list[str], columns: int = 80, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run a command with a pty as its stdin, stdout and stderr; return its exit code and screen bytes."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES")}
    full_env.update({"TERM": "xterm-256color", **(env or {})})
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=full_env, close_fds=True)
    os.close(slave)
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
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen).replace("\r", "")


def test_search_on_a_terminal_bolds_the_matched_words(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "search", "caspian", "--limit", "1"], columns=100)
    assert code == 0
    assert "\x1b[1mCaspian\x1b[0m" in screen or "\x1b[1mcaspian\x1b[0m" in screen.lower()
