"""The README's promises: its generated samples are current and CI runs its test command."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT


@pytest.mark.slow
def test_readme_samples_and_reference_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_readme.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- quickstart -->\n```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    install, test = block[1].strip().splitlines()
    assert "pip install ." in install and install.endswith("coalition show actor iran")
    assert "'.[test]'" in test and test.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -m1 'pytest'" in ci and 'eval "$test_command"' in ci


def test_the_architecture_names_every_module() -> None:
    """The tree in docs/ARCHITECTURE.md is how a newcomer finds where a behaviour lives: it may not
    miss one."""
    readme = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "coalition_cli"
    folders = sorted(f"  {path.name}/ " for path in package.iterdir() if (path / "__init__.py").exists())
    modules = sorted(f"    {path.name} " for path in package.glob("*/*.py") if path.name[0] != "_")
    assert len(folders) == 8 and len(modules) > 50
    missing = [name.strip() for name in folders + modules if name not in readme]
    assert missing == []


def test_the_readme_is_a_short_users_document() -> None:
    """Under 20 KB, with a table of contents whose every link lands on a heading of its own."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) < 20_000
    headings = {
        "-".join(re.sub(r"[^\w\s-]", "", line[3:].lower()).split())
        for line in readme.splitlines()
        if line.startswith("## ")
    }
    contents = re.findall(r"\]\(#([\w-]+)\)", readme)
    assert len(contents) >= 8 and set(contents) <= headings, set(contents) - headings
    for linked in re.findall(r"\]\((docs/[\w./-]+|CHANGELOG\.md)\)", readme):
        assert (ROOT / linked).is_file(), linked
