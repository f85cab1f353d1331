"""Shared fixtures: a clean environment, the CLI runner, the installed command and the source.

Helpers that are not fixtures live in tests/helpers.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from coalition_cli.build import cache
from coalition_cli.build.loader import load_handbook
from coalition_cli.cli.app import app
from coalition_cli.model.handbook import Handbook
from coalition_cli.store import cache_folder as cachedir
from coalition_cli.store.tables import Store
from tests.helpers import LEAKY_ENV, MINIMAL, Invoke, Run, memory_store, require_source


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder of the test session's own: tests never read or write the user's cache."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> Iterator[None]:
    for name in LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    yield
    # What one in-process run learnt of the cache is not the next test's business.
    cache._distrusted.clear()
    cache._opened.clear()
    cachedir.cautions.clear()


@pytest.fixture(scope="session")
def article() -> str:
    return require_source()


@pytest.fixture(scope="session")
def handbook() -> Handbook:
    return load_handbook()


@pytest.fixture(scope="session")
def store(handbook: Handbook) -> Iterator[Store]:
    with memory_store(handbook) as opened:
        yield opened


@pytest.fixture
def invoke() -> Invoke:
    """Run the app in-process, as `coalition ARGS...`, with stdout and stderr kept apart."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), env=env, input=input, prog_name="coalition")

    return run


def _installed_command() -> str:
    beside = Path(sys.executable).parent / "coalition"
    found = str(beside) if beside.is_file() else shutil.which("coalition")
    if not found:
        pytest.fail("the coalition command is not installed; run: pip install -e '.[test]'")
    return found


@pytest.fixture(scope="session")
def coalition_bin() -> str:
    return _installed_command()


@pytest.fixture
def run(coalition_bin: str, tmp_path: Path) -> Run:
    """Run the installed `coalition` in a real process, from a folder that is not the repo."""

    def call(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        full_env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
        full_env.update(env or {})  # XDG_CACHE_HOME comes from clean_env's monkeypatched os.environ
        return subprocess.run(
            [coalition_bin, *args],
            capture_output=True,
            env=full_env,
            cwd=cwd or tmp_path,
            timeout=60,
            check=False,
            input=input if input is not None else b"",
        )

    return call


@pytest.fixture
def write_handbook(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "handbook.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def minimal_handbook(write_handbook: Callable[[str], Path]) -> Path:
    return write_handbook(MINIMAL)
