"""grammar.py, the typer-free description of the command line, is the typer app's own."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coalition_cli.cli.argv import hoist_global_options
from tests.helpers import ROOT


def test_grammar_is_generated_from_the_current_app() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_grammar.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("typed", "hoisted"),
    [
        (["show", "iran", "--no-pager"], ["--no-pager", "show", "iran"]),
        (["show", "--handbook", "a.yaml", "iran"], ["--handbook", "a.yaml", "show", "iran"]),
        (["search", "x", "--handbook=a.yaml", "-n", "2"], ["--handbook=a.yaml", "search", "x", "-n", "2"]),
        (["--handbook", "a", "show", "x", "--handbook", "b"], ["--handbook", "a", "--handbook", "b", "show", "x"]),
        # A value of the command's own option, and anything after --, stays where it is.
        (["search", "--kind", "--no-pager", "x"], ["search", "--kind", "--no-pager", "x"]),
        (["show", "--", "--no-pager"], ["show", "--", "--no-pager"]),
        (["nonsense", "--no-pager"], ["nonsense", "--no-pager"]),
        (["--version"], ["--version"]),
    ],
)
def test_global_options_are_moved_before_the_command(typed: list[str], hoisted: list[str]) -> None:
    assert hoist_global_options(typed) == hoisted
