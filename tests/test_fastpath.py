"""The fast path (fastpath.py) and the typer app must answer every `show` and `search` identically."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import imported_modules

ARGUMENTS = [
    ["show", "actor", "iran"],
    ["show", "iran", "-f", "json"],
    ["show", "-f", "markdown", "iran"],
    ["show", "--format=JSON", "soleimani"],
    ["show", "figure", "sol"],
    ["show", "united", "states"],
    ["show", "quds"],
    ["show", "atlantis"],
    ["show", "actr", "iran"],
    ["show", "actor"],
    ["show"],
    ["show", "iran", "--format", "yaml"],
    ["show", "iran", "--colour"],
    ["show", "iran", "-h"],
    ["show", "--", "-iran"],
    ["show", "iran", "-f"],
    ["search", "airspace"],
    ["search", "airspce"],
    ["search", "who", "led", "the", "coalition", "-n", "2"],
    ["search", "-k", "fact", "missiles"],
    ["search", "--kind=fact", "--limit=1", "--kind", "term", "missiles"],
    ["search", "zzzz"],
    ["search", '"seismic geopolitical shift"'],
    ["search", "iran", "-n", "0"],
    ["search", "iran", "-n", "x"],
    ["search", "iran", "--kind", "place"],
    ["search", "-f", "json", "advisers"],
    ["search", "-f", "markdown", "--", "-k"],
    ["search", "iran", "-n", "\u00b2"],
    ["search", "iran", "--limit=3", "--no-pager"],
    ["show", "actor", "iran", "--no-pager"],
    ["show", "iran", "--handbook", "@bundled", "-f", "json"],
    ["search", "--kind", "--no-pager", "iran"],
    ["show", "--", "--no-pager"],
]


def _env(handbook: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COALITION_HANDBOOK")}
    if handbook is not None:
        env["COALITION_HANDBOOK"] = str(handbook)
    return env


def both(coalition_bin: str, args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    quick = subprocess.run([coalition_bin, *args], capture_output=True, env=env, timeout=60, check=False)
    typer_only = [sys.executable, "-c", "from coalition_cli.cli.app import main; main()", *args]
    full = subprocess.run(typer_only, capture_output=True, env=env, timeout=60, check=False)
    return quick, full


@pytest.mark.slow
@pytest.mark.parametrize("args", ARGUMENTS, ids=" ".join)
def test_fast_path_and_typer_agree(coalition_bin: str, args: list[str]) -> None:
    quick, full = both(coalition_bin, args, _env())
    assert (quick.returncode, quick.stdout, quick.stderr) == (full.returncode, full.stdout, full.stderr)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["--handbook", "{path}", "show", "somewhere"],
        ["--handbook={path}", "search", "place"],
        ["--handbook", "{path}", "search", "nothing-here"],
    ],
)
def test_fast_path_and_typer_agree_on_another_handbook(
    coalition_bin: str, minimal_handbook: Path, args: list[str]
) -> None:
    args = [a.replace("{path}", str(minimal_handbook)) for a in args]
    quick, full = both(coalition_bin, args, _env())
    assert (quick.returncode, quick.stdout, quick.stderr) == (full.returncode, full.stdout, full.stderr)


def test_fast_path_does_not_import_typer(coalition_bin: str, tmp_path: Path) -> None:
    subprocess.run([coalition_bin, "list"], capture_output=True, env=_env(), check=True)  # the cache is warm
    for args in (["show", "actor", "iran"], ["search", "airspace"]):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "coalition_cli", *args],
            capture_output=True,
            env=_env(),
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        imported = imported_modules(result.stderr.decode())
        assert "typer" not in imported and "yaml" not in imported and "rich" not in imported
        assert "coalition_cli.cli.fastpath" in imported
        # Served from the cache: nothing that reads a handbook or writes a store is imported.
        building = {"coalition_cli.build.loader", "coalition_cli.store.builder", "coalition_cli.source.validate"}
        assert not imported & building
        assert "coalition_cli.source.stack" in imported


def test_the_installed_command_imports_no_more_than_a_lookup_needs(coalition_bin: str, tmp_path: Path) -> None:
    """The `coalition` launcher current pip writes for the entry point imports nothing before the
    program (pip 23's imported `re`, and with it enum: the quick start and CI upgrade pip). SQLite loads without
    functools and what it brings (sql.py); `operator` is the one module of those a search may import,
    for its dot products on a Python without math.sumprod (meaning.py). (`python -m` would import
    them itself, through runpy.)"""
    subprocess.run([coalition_bin, "list"], capture_output=True, env=_env(), check=True)  # the cache is warm
    for args in (["show", "actor", "iran"], ["search", "airspace"]):
        result = subprocess.run(
            [coalition_bin, *args],
            capture_output=True,
            env={**_env(), "PYTHONPROFILEIMPORTTIME": "1"},
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        imported = imported_modules(result.stderr.decode())
        assert {"coalition_cli.cli.fastpath", "_sqlite3"} <= imported
        assert not imported & {"re", "enum", "typing", "typer", "rich", "yaml", "dataclasses", "inspect"}
        assert not imported & {"functools", "collections", "reprlib"}
        assert "operator" not in imported or args[0] == "search"
