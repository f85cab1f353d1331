"""The installed `coalition` in real processes: pipes, exit codes, environment, `python -m`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import Run

BOX_CHARS = ("\u2500", "\u2502", "\u256d", "\u2501", "\u2503")


def test_piped_show_is_plain_and_stable(run: Run) -> None:
    first, second = run("show", "actor", "iran"), run("show", "actor", "iran")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    text = first.stdout.decode()
    assert text.startswith("Iran (actor: iran)\n")
    assert "\x1b[" not in text
    assert not any(char in text for char in BOX_CHARS)
    assert first.stderr == b""


def test_piped_output_ignores_terminal_width(run: Run) -> None:
    narrow = run("show", "actor", "iran", env={"COLUMNS": "20"})
    wide = run("show", "actor", "iran", env={"COLUMNS": "300"})
    assert narrow.stdout == wide.stdout


def test_exit_codes(run: Run, tmp_path: Path) -> None:
    assert run("show", "iran").returncode == 0
    assert run("show", "atlantis").returncode == 1
    assert run("search", "zzzzzz").returncode == 1
    assert run("show").returncode == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\ntitle: [\n")
    result = run("show", "iran", env={"COALITION_HANDBOOK": str(broken)})
    assert result.returncode == 3
    assert result.stderr.decode().count("\n") == 1
    assert "Traceback" not in result.stderr.decode()


def test_environment_handbook(run: Run, minimal_handbook: Path) -> None:
    result = run("list", "actors", env={"COALITION_HANDBOOK": str(minimal_handbook)})
    # A reader's own handbook, not the shipped one: each row says the file it came from.
    assert result.stdout == f"somewhere\tSomewhere\tstate\t{minimal_handbook}\n".encode()


def test_python_dash_m(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COALITION_HANDBOOK")}
    result = subprocess.run(
        [sys.executable, "-m", "coalition_cli", "show", "figure", "soleimani"],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"Qassem Soleimani (figure: soleimani)\n")


def test_force_color_colours_piped_output(run: Run) -> None:
    assert b"\x1b[" in run("show", "iran", env={"FORCE_COLOR": "1"}).stdout
    assert b"\x1b[" not in run("show", "iran", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
