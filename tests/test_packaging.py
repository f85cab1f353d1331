"""The wheel ships handbook.yaml and the table of word pieces, and an installed wheel finds them from
any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import helpers
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    [built] = out.glob("coalition-*.whl")
    return built


def test_wheel_contains_the_handbook_and_the_table_of_word_pieces(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("coalition_cli/handbook.yaml") == (ROOT / "handbook.yaml").read_bytes()
        table = ROOT / "src" / "coalition_cli" / "store" / "meaning.sqlite3"
        assert archive.read("coalition_cli/store/meaning.sqlite3") == table.read_bytes()
        names = archive.namelist()
    assert "coalition_cli/cli/app.py" in names
    assert not any(name.startswith("tests/") for name in names)
    assert wheel.stat().st_size < 15_000_000


def test_unpacked_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("COALITION_HANDBOOK", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-m", "coalition_cli", "validate"], cwd=elsewhere, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # The handbook came from the wheel's own copy, not from the checkout.
    assert result.stdout.decode().startswith(f"{site / 'coalition_cli' / 'handbook.yaml'}: valid, ")
    # And so does the table of word pieces: search by meaning works from the unpacked wheel.
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    code = (
        "from coalition_cli.store import meaning as m;"
        " print(m.table_path(), m.HandbookMeaning(None).is_english('ship'))"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, timeout=60)
    table = site / "coalition_cli" / "store" / "meaning.sqlite3"
    assert found.stdout.decode().split() == [str(table), "True"], found.stderr


# -- the manual page ---------------------------------------------------------------------------------


def test_the_manual_page_is_made_from_the_app_and_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_manpage.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    page = (ROOT / "man" / "coalition.1").read_text(encoding="utf-8")
    for section in ("NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"):
        assert f".SH {section}" in page
    from typer.main import get_command

    from coalition_cli.cli.app import app

    for command in getattr(get_command(app), "commands", {}):
        assert f"\\fBcoalition {command}\\fR" in page, command


@pytest.mark.slow  # an outside program
def test_mandoc_finds_nothing_to_say_of_the_manual_page() -> None:
    mandoc = helpers.require_tool("mandoc")
    done = subprocess.run([mandoc, "-T", "lint", str(ROOT / "man" / "coalition.1")], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.slow
def test_man_finds_the_page_after_a_plain_pip_install(wheel: Path, tmp_path: Path) -> None:
    """man-db looks for share/man beside every bin on PATH: a virtual environment's included."""
    man = helpers.require_tool("man")
    with zipfile.ZipFile(wheel) as archive:
        assert any(name.endswith(".data/data/share/man/man1/coalition.1") for name in archive.namelist())
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # A plain pip install of the wheel into a fresh environment, fetching nothing: its dependencies
    # are not needed for `man` to find the page. This pip (upgraded, as the quick start and CI do)
    # installs it, not the one `venv` bundles, whose launcher imports `re`.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    found = subprocess.run([man, "-w", "coalition"], capture_output=True, text=True, env=env, timeout=60)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).resolve() == (venv / "share" / "man" / "man1" / "coalition.1").resolve()
    # The command itself came with it: the entry point's launcher, importing nothing before the
    # program, run with the environment's own Python (its dependencies are this test's).
    command = venv / "bin" / "coalition"
    assert os.access(command, os.X_OK)
    assert command.read_text(encoding="utf-8").startswith(f"#!{venv / 'bin' / 'python'}")
    assert "import re\n" not in command.read_text(encoding="utf-8")
