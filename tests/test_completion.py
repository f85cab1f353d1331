"""Shell completion: commands, kinds, options and entry names, fast, and silent when anything fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TYPER_ONLY = [sys.executable, "-c", "from coalition_cli.cli import main; main()"]


def complete(command: list[str], shell: str, line: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """What the completion script of `shell` gets back for the command line typed so far."""
    variables = {k: v for k, v in os.environ.items() if k not in ("COALITION_HANDBOOK", "FORCE_COLOR")}
    variables["_COALITION_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        words = line.split(" ")
        variables.update({"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
    else:
        variables["_TYPER_COMPLETE_ARGS"] = line
        variables["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    variables.update(env or {})
    result = subprocess.run(command, capture_output=True, text=True, env=variables, timeout=60, check=False)
    assert result.stderr == "", result.stderr
    return result.returncode, result.stdout


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("coalition show actor ir", ["iran", "iraq", "irgc"]),
        ("coalition show figure sol", ["soleimani"]),
        ("coalition show people ass", ["assad", "assad-family-five-decades"][:1] + []),
        ("coalition search --kind ", ["section", "actor", "figure", "fact", "term"]),
        ("coalition search -k f", ["figure", "fact"]),
        ("coalition list ", ["sections", "actors", "figures", "facts", "terms"]),
        ("coalition cite fact agreement", ["agreement-2015"]),
        ("coalition related hez", ["hezbollah"]),
    ],
)
def test_bash_candidates(coalition_bin: str, line: str, expected: list[str]) -> None:
    code, out = complete([coalition_bin], "bash", line)
    assert code == 0
    assert out.splitlines()[: len(expected)] == expected or set(expected) <= set(out.splitlines())


def test_commands_and_options_complete(coalition_bin: str) -> None:
    assert complete([coalition_bin], "bash", "coalition se")[1].splitlines() == ["search"]
    assert "--format" in complete([coalition_bin], "bash", "coalition show iran --f")[1].splitlines()
    assert "--kind" in complete([coalition_bin], "bash", "coalition search x --")[1].splitlines()


LINES = [
    "coalition show actor ir",
    "coalition show ",
    "coalition show figure sol",
    "coalition --handbook @bundled show ir",
    "coalition search --kind ",
    "coalition list f",
    "coalition related soleimani ",
    "coalition cite ",
]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", LINES)
def test_fast_completion_answers_as_typer_does(coalition_bin: str, shell: str, line: str) -> None:
    assert complete([coalition_bin], shell, line) == complete(TYPER_ONLY, shell, line)


def test_broken_handbook_completes_nothing_and_prints_nothing(coalition_bin: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\ntitle: [\n")
    for command in ([coalition_bin], TYPER_ONLY):
        code, out = complete(command, "bash", "coalition show actor ir", env={"COALITION_HANDBOOK": str(broken)})
        assert (code, out) == (0, "\n")  # an empty answer: nothing reaches the prompt


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to drive a real bash")
def test_completion_in_a_real_bash(coalition_bin: str, tmp_path: Path) -> None:
    socket = f"coalition-test-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    script = tmp_path / "completion.bash"
    script.write_text(
        subprocess.run([coalition_bin, "--show-completion", "bash"], capture_output=True, text=True).stdout
    )
    env = {**os.environ, "PATH": f"{Path(coalition_bin).parent}:{os.environ['PATH']}", "PS1": "$ "}
    env.pop("COALITION_HANDBOOK", None)
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "200", "-y", "40", "bash --norc --noprofile"], env=env, check=True
    )
    try:

        def screen_after(keys: list[str]) -> str:
            subprocess.run([*tmux, "send-keys", *keys], check=True)
            time.sleep(1.5)
            return subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True).stdout

        screen_after(["PS1='$ '", "Enter", f"source {script}", "Enter", "clear", "Enter"])
        screen = screen_after(["coalition show figure sol", "Tab"])
        assert "$ coalition show figure soleimani" in screen
        screen = screen_after(["C-u", "coalition show actor ir", "Tab", "Tab"])
        assert "iran" in screen and "iraq" in screen and "irgc" in screen
        screen = screen_after(["C-u", "coalition search --kind ", "Tab", "Tab"])
        assert "figure" in screen and "section" in screen
        screen = screen_after(["C-u", "export COALITION_HANDBOOK=/nonexistent.yaml", "Enter", "clear", "Enter"])
        screen = screen_after(["coalition show actor ir", "Tab", "Tab"])
        assert screen.strip() == "$ coalition show actor ir"  # nothing offered, nothing printed
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command coalition")],
)
def test_show_completion_prints_each_shells_script(coalition_bin: str, shell: str, marker: str) -> None:
    # typer detects the reader's shell from the parent process; this variable lets a test name it.
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run(
        [coalition_bin, "--show-completion", shell], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0
    assert marker in result.stdout and "_COALITION_COMPLETE" in result.stdout
