"""Shell completion: the answers each shell gets, the scripts, their installation, and real shells."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition_cli.cli.complete import _bash_escape
from coalition_cli.model.handbook import KINDS, PLURALS
from tests.helpers import Tmux, clean_env, imported_modules, require_tool

SHELLS = ("bash", "zsh", "fish")


def complete(coalition_bin: str, shell: str, line: str, env: dict[str, str] | None = None) -> list[str]:
    """The lines the completion script of `shell` gets back for the command line typed so far."""
    variables = clean_env(_COALITION_COMPLETE=shell, COMP_LINE=line, **(env or {}))
    if shell == "bash":
        # bash's own current word stops at COMP_WORDBREAKS characters such as '=' and ':'.
        last = re.split(r"(?<!\\) ", line)[-1]
        variables["COMP_WORD"] = last.rpartition("=")[2] if "=" in last else last
    result = subprocess.run([coalition_bin], capture_output=True, text=True, env=variables, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    return result.stdout.splitlines()


def values(lines: list[str]) -> list[str]:
    return [line.split("\t")[0] for line in lines]


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("coalition show actor ir", ["iran", "iraq", "irgc"]),
        ("coalition show caspian-c", ["caspian-cruise-missiles"]),  # ids with hyphens
        ("coalition show soleimani-k", ["soleimani-killed"]),
        ("coalition --handbook @bundled show fact agreement-2", ["agreement-2015"]),
        ("coalition search --kind ", list(KINDS)),
        ("coalition search -k f", ["figure", "fact"]),
        ("coalition list ", list(PLURALS.values())),
        ("coalition show place bag", ["baghdad"]),
        ("coalition ask wh", []),  # a question is the reader's own words
        ("coalition related hez", ["hezbollah"]),
        ("coalition show iran --format ", ["rich", "plain", "markdown", "json"]),
        ("coalition cite x -f b", ["bib"]),
        ("coalition se", ["search"]),
        ("coalition show iran --no-p", ["--no-pager"]),  # global options complete after the command too
        ("coalition show iran x", []),  # a name is already there
    ],
)
def test_candidates(coalition_bin: str, shell: str, line: str, expected: list[str]) -> None:
    assert values(complete(coalition_bin, shell, line)) == expected


def test_names_with_spaces_come_escaped_for_bash_and_whole_for_zsh_and_fish(coalition_bin: str) -> None:
    assert complete(coalition_bin, "bash", "coalition show figure Qas") == ["Qassem\\ Soleimani"]
    assert complete(coalition_bin, "bash", "coalition show figure Qassem\\ S") == ["Qassem\\ Soleimani"]
    for shell in ("zsh", "fish"):
        assert complete(coalition_bin, shell, "coalition show figure qas") == [
            "Qassem Soleimani\tfigure: Qassem Soleimani"
        ]


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(st.characters(), st.sampled_from("'\"\\$`!&|;<>()[]{}*?#~^ \t\n\x1c\x85\xa0\u3000")),
        max_size=30,
    )
)
def test_bash_escapes_as_the_regular_expression_it_replaced(value: str) -> None:
    # Every character bash reads as more than a letter, and any whitespace (as re's \s has it, in
    # all of Unicode), comes after a backslash; the rest as it is.
    assert _bash_escape(value) == re.sub(r"([\s'\"\\$`!&|;<>()\[\]{}*?#~^])", r"\\\1", value)


def test_a_tab_imports_no_regular_expressions(coalition_bin: str, tmp_path: Path) -> None:
    """A TAB is a lookup too: `re` (and the enum it imports) cost it a sixth of its time."""
    variables = clean_env(
        _COALITION_COMPLETE="bash",
        COMP_LINE="coalition show figure Qas",
        COMP_WORD="Qas",
        XDG_CACHE_HOME=str(tmp_path),
        PYTHONPROFILEIMPORTTIME="1",
    )
    for _ in range(2):  # the second is served from the cache
        result = subprocess.run([coalition_bin], capture_output=True, text=True, env=variables, timeout=60, check=False)
    assert result.stdout == "Qassem\\ Soleimani\n"
    imported = imported_modules(result.stderr)
    assert "coalition_cli.cli.complete" in imported
    assert not imported & {"re", "enum", "typing", "typer", "rich", "yaml", "coalition_cli.build.loader", "functools"}


def test_bash_gets_only_the_part_after_a_word_break(coalition_bin: str) -> None:
    assert complete(coalition_bin, "bash", "coalition show iran --format=ma") == ["markdown"]
    assert values(complete(coalition_bin, "zsh", "coalition show iran --format=ma")) == ["--format=markdown"]


def test_descriptions_keep_apostrophes(coalition_bin: str) -> None:
    lines = complete(coalition_bin, "zsh", "coalition show soleimani-lea")
    assert lines == ["soleimani-leadership\tsection: Lieutenant General Qassem Soleimani's Leadership"]


def test_paths_are_left_to_the_shell(coalition_bin: str) -> None:
    for line in ("coalition --handbook ", "coalition show iran --handbook ", "coalition validate ", "coalition init n"):
        assert complete(coalition_bin, "bash", line) == [":files"], line


def test_broken_handbook_completes_nothing_and_prints_nothing(coalition_bin: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\ntitle: [\n")
    for shell in SHELLS:
        assert complete(coalition_bin, shell, "coalition show actor ir", {"COALITION_HANDBOOK": str(broken)}) == []


def test_the_named_shell_wins(coalition_bin: str) -> None:
    """`--show-completion zsh`, typed in bash, is the zsh script (and `=fish` works too)."""
    markers = {"bash": "complete -F _coalition_complete coalition", "zsh": "compdef _coalition", "fish": "complete -c"}
    for typed, shell in (
        (["--show-completion", "zsh"], "zsh"),
        (["--show-completion=fish"], "fish"),
        (["--show-completion", "bash"], "bash"),
    ):
        result = subprocess.run(
            ["bash", "-c", '"$0" "$@"', coalition_bin, *typed], capture_output=True, text=True, env=clean_env()
        )
        assert result.returncode == 0 and markers[shell] in result.stdout, typed
        assert all(marker not in result.stdout for other, marker in markers.items() if other != shell)


def test_unknown_shell_is_a_usage_error(coalition_bin: str) -> None:
    result = subprocess.run(
        [coalition_bin, "--show-completion", "tcsh"], capture_output=True, text=True, env=clean_env()
    )
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr
        == 'coalition: "tcsh" is not a shell coalition completes; name one: --show-completion bash|zsh|fish\n'
    )


@pytest.mark.slow  # an outside program
def test_the_shell_is_detected_from_the_parent_process(coalition_bin: str) -> None:
    for shell in ("bash", "zsh"):
        binary = require_tool(shell)
        env = clean_env(SHELL="/bin/sh")
        result = subprocess.run(
            [binary, "-c", f"'{coalition_bin}' --show-completion; true"], capture_output=True, env=env, text=True
        )
        assert ("compdef" in result.stdout) is (shell == "zsh"), result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_install_writes_the_script_and_loads_it_once(coalition_bin: str, tmp_path: Path, shell: str) -> None:
    env = clean_env(HOME=str(tmp_path), XDG_CONFIG_HOME="", ZDOTDIR="")
    for _ in range(2):
        result = subprocess.run([coalition_bin, "--install-completion", shell], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
    script = {
        "bash": tmp_path / ".bash_completions" / "coalition.sh",
        "zsh": tmp_path / ".zfunc" / "_coalition",
        "fish": tmp_path / ".config" / "fish" / "completions" / "coalition.fish",
    }[shell]
    assert script.is_file() and "_COALITION_COMPLETE" in script.read_text()
    assert str(script) in result.stdout
    startup = {"bash": tmp_path / ".bashrc", "zsh": tmp_path / ".zshrc", "fish": None}[shell]
    if startup is not None:
        lines = startup.read_text().splitlines()
        assert len(lines) == len(set(lines)) > 0  # added once, however often installed


# -- in the real shells --------------------------------------------------------------------------


def _shell_in_tmux(shell: str, coalition_bin: str, home: Path, extra_env: dict[str, str] | None = None) -> Tmux:
    """An interactive `shell` with coalition's completion installed the documented way."""
    binary = require_tool(shell)
    env = {
        "HOME": str(home),
        "PATH": f"{Path(coalition_bin).parent}:{os.environ['PATH']}",
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"],
        "LANG": "C.UTF-8",
        "PAGER": "cat",
        **(extra_env or {}),
    }
    installed = subprocess.run([coalition_bin, "--install-completion", shell], env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    if shell == "bash":
        with (home / ".bashrc").open("a") as rc:
            rc.write("PS1='$ '\n")
        command = f"{binary} --noprofile -i"
    elif shell == "zsh":
        with (home / ".zshrc").open("a") as rc:
            rc.write("PROMPT='$ '\n")
        command = f"{binary} -i"
    else:
        config = home / ".config" / "fish" / "config.fish"
        config.write_text("function fish_prompt; echo -n '$ '; end\nset -g fish_greeting\n")
        command = f"{binary} -i"
    terminal = Tmux(command, env)
    terminal.wait_for(lambda screen: screen.rstrip().endswith("$"))
    return terminal


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_completion_in_a_real_shell(coalition_bin: str, tmp_path: Path, shell: str) -> None:
    terminal = _shell_in_tmux(shell, coalition_bin, tmp_path)
    try:
        terminal.type("coalition show caspian-c")
        terminal.send("Tab")
        terminal.wait_for(lambda screen: "coalition show caspian-cruise-missiles" in screen)
        terminal.send("C-u")
        terminal.type("coalition show figure Qas")
        terminal.send("Tab")
        terminal.wait_for(lambda screen: "coalition show figure Qassem\\ Soleimani" in screen)
        terminal.send("Enter")  # the escaped name reaches coalition as one word and names the entry
        terminal.wait_for(lambda screen: "figure: soleimani" in screen)
        terminal.send("C-l")
        terminal.type("coalition show soleimani-")
        terminal.send("Tab")
        if shell == "bash":
            terminal.send("Tab")  # bash lists the choices on the second TAB
        # (fish may show the candidates' shared start as "…")
        screen = terminal.wait_for(lambda screen: "oleimani-leadership" in screen and "oleimani-killed" in screen)
        if shell != "bash":  # zsh and fish show each candidate's description, apostrophes included
            assert "Soleimani's Leadership" in screen
    finally:
        terminal.close()


@pytest.mark.slow
@pytest.mark.parametrize("shell", SHELLS)
def test_a_broken_handbook_offers_nothing_in_a_real_shell(coalition_bin: str, tmp_path: Path, shell: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\ntitle: [\n")
    terminal = _shell_in_tmux(shell, coalition_bin, tmp_path, {"COALITION_HANDBOOK": str(broken)})
    try:
        terminal.type("coalition show actor ir")
        terminal.send("Tab", "Tab")
        screen = terminal.wait_until_still()
        assert [line for line in screen.splitlines() if line.strip()] == ["$ coalition show actor ir"], screen
    finally:
        terminal.close()
