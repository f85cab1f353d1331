"""The wheel ships handbook.yaml, and an installed wheel finds it from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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


def test_wheel_contains_the_handbook(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("coalition_cli/handbook.yaml") == (ROOT / "handbook.yaml").read_bytes()
        names = archive.namelist()
    assert "coalition_cli/cli.py" in names
    assert not any(name.startswith("tests/") for name in names)


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
