"""What many tests share: where things are, outside requirements, a pseudo-terminal and tmux.

Outside requirements (the source article in ../shared, tools such as zsh, fish, tmux or pandoc) are
skipped with a reason in a stranger's clone, and are failures in CI, which sets
COALITION_REQUIRE_SOURCE=1 and COALITION_REQUIRE_TOOLS=1 (see .ci/run).
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from coalition_cli.model.handbook import Handbook
from coalition_cli.store.builder import build_store
from coalition_cli.store.tables import Store

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT.parent / "shared" / "source" / "article.md"
DATA = Path(__file__).resolve().parent / "data"

# Variables that change what the program prints; tests set the ones they need explicitly.
LEAKY_ENV = (
    "FORCE_COLOR",
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "PY_COLORS",
    "COALITION_HANDBOOK",
    "COALITION_NO_CACHE",
    "TERMINAL_WIDTH",
    "PYTHONIOENCODING",
)

# Debian packages that provide each outside tool, for the skip message (.ci/run installs them).
PACKAGES = {
    "zsh": "zsh",
    "fish": "fish",
    "tmux": "tmux",
    "bash": "bash",
    "pandoc": "pandoc",
    "bibtex": "texlive-binaries",
    "kpsewhich": "texlive-binaries",
    "mandoc": "mandoc",
    "man": "man-db",
}


Invoke = Callable[..., Result]  # the app run in-process, as `coalition ARGS...`
Run = Callable[..., subprocess.CompletedProcess[bytes]]  # the installed command in a real process

MINIMAL = """\
format: 1
title: A test handbook
source:
  title: A test article
sections:
  - id: first
    title: The first section
    summary: It says [red]this[/red] and [/x] literally.
actors:
  - id: somewhere
    name: Somewhere
    type: state
    summary: A place that exists only in tests.
    related: [first]
    source: [first]
"""


def memory_store(handbook: Handbook) -> Store:
    """The store commands read, built in memory from a handbook."""
    return build_store(handbook, sqlite3.connect(":memory:"))


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


def require_source() -> str:
    """The source article's text; skip (or, in CI, fail) when ../shared is not beside the repo."""
    if ARTICLE.is_file():
        return ARTICLE.read_text(encoding="utf-8")
    reason = f"needs the source article at {ARTICLE} (../shared beside the repository)"
    if _required("COALITION_REQUIRE_SOURCE"):
        pytest.fail(f"{reason}; COALITION_REQUIRE_SOURCE is set, so its absence is a failure")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The path of an outside program; skip (or, in CI, fail) when it is not installed."""
    found = shutil.which(name)
    if found:
        return found
    reason = f"needs {name} (apt-get install {PACKAGES.get(name, name)})"
    if _required("COALITION_REQUIRE_TOOLS"):
        pytest.fail(f"{reason}; COALITION_REQUIRE_TOOLS is set, so its absence is a failure")
    pytest.skip(reason)


def require_machine(ready: bool, reason: str) -> None:
    """Skip (or, in CI, fail) a test this machine cannot run: two processors, root to own files as
    another user. CI's machine has both, so COALITION_REQUIRE_TOOLS makes their absence a failure."""
    if ready:
        return
    if _required("COALITION_REQUIRE_TOOLS"):
        pytest.fail(f"{reason}; COALITION_REQUIRE_TOOLS is set, so this is a failure")
    pytest.skip(reason)


def require_processors() -> None:
    require_machine((os.cpu_count() or 1) >= 2, "needs two processors, to read a handbook in parts")


def require_root() -> None:
    require_machine(os.getuid() == 0, "needs root, to give a file or folder to another user")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the variables that change output, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(extra)
    return env


def imported_modules(log: str) -> set[str]:
    """The modules Python's import log (-X importtime, PYTHONPROFILEIMPORTTIME) names, in text that
    may hold other lines too (a terminal's screen)."""
    return {line.split("|")[-1].strip() for line in log.splitlines() if line.startswith("import time:")}


class TerminalStream(io.StringIO):
    """A stream that says it is a terminal, of the given encoding (what rich and ansi.Ink ask)."""

    def __init__(self, encoding: str = "utf-8") -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return True


def visible(screen: str) -> str:
    """A screen's text without colour codes and carriage returns."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen).replace("\r", "")


def as_at_a_prompt() -> None:
    """In a child about to run a command (a preexec_fn): Ctrl-C ends it, as at a prompt. A shell
    starts a script's background jobs (`pytest &`) with SIGINT ignored, and children inherit that:
    the command would then rightly ignore it, and a test of its Ctrl-C would wait for good."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _terminal_child() -> None:
    """In a child of run_in_terminal: the pty becomes its controlling terminal, Ctrl-C its own."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    as_at_a_prompt()


def run_in_terminal(
    args: list[str],
    columns: int = 80,
    env: dict[str, str] | None = None,
    keys: bytes = b"",
    after: float = 0.0,
    rows: int = 50,
) -> tuple[int, str]:
    """Run a command with a pty as its controlling terminal; return its exit code and screen bytes.

    `keys` are typed into the terminal `after` seconds (b"\\x03" is Ctrl-C, delivered by the terminal
    as SIGINT to the command, as when a person presses it).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    full_env = {k: v for k, v in clean_env().items() if k not in ("COLUMNS", "LINES")}
    # Long output would wait in a pager for keys that never come, unless a test asks for one.
    full_env.update({"TERM": "xterm-256color", "PAGER": "cat", **(env or {})})
    process = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=full_env,
        close_fds=True,
        start_new_session=True,
        preexec_fn=_terminal_child,
    )
    os.close(slave)
    if keys:
        time.sleep(after)
        os.write(master, keys)
    chunks = []
    deadline = time.monotonic() + 60
    while True:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            process.kill()
            process.wait()
            raise AssertionError(f"{args} did not finish within 60 s on the terminal")
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


class Tmux:
    """A real shell in a tmux session of its own, driven by keys, read from its screen.

    Every wait polls the screen until it shows what is expected (or times out), so a test is as
    fast as the machine allows and never depends on a fixed sleep.
    """

    def __init__(self, command: str, env: dict[str, str], columns: int = 160, rows: int = 40) -> None:
        self.tmux = [require_tool("tmux"), "-L", f"coalition-test-{os.getpid()}-{id(self)}", "-f", "/dev/null"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-x", str(columns), "-y", str(rows), command],
            env=env,
            check=True,
        )

    def send(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-l", text], check=True)

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True).stdout

    def wait_for(self, check: Callable[[str], bool], timeout: float = 15.0) -> str:
        """The screen once `check` accepts it; fail with the screen if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected:\n{screen}")
            time.sleep(0.05)

    def wait_until_still(self, timeout: float = 15.0, quiet: float = 0.4) -> str:
        """The screen once it has stopped changing for `quiet` seconds (for asserting an absence)."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            screen = self.screen()
            if screen != last:
                last, since = screen, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return screen
        return last

    def alive(self) -> bool:
        return subprocess.run([*self.tmux, "has-session"], capture_output=True, check=False).returncode == 0

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, check=False)


ANSI = "\x1b["
BOX = re.compile(r"[\u2500-\u257f]")


def assert_clean_plain(text: str) -> None:
    """Piped output: no terminal codes and no box drawing."""
    assert ANSI not in text
    assert not BOX.search(text)
