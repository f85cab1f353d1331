"""Every run ends as documented: a reader who stops reading, a full disk, a closed stdout, in real
processes, whatever the output's size and whether or not Python buffers its output."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.helpers import Invoke, clean_env

# Every command, with small and large output (export and related --depth 3 are the largest).
COMMANDS = [
    ["show", "iran"],
    ["show", "iran", "-f", "json"],
    ["search", "iran"],
    ["list"],
    ["list", "terms", "-f", "markdown"],
    ["timeline"],
    ["related", "iran", "--depth", "3"],
    ["related", "iran", "-f", "json", "--depth", "3"],
    ["cite", "iran", "-f", "bib"],
    ["path", "soleimani", "lebanon"],
    ["compare", "russia", "iran", "-f", "markdown"],
    ["quiz", "--count", "20", "-f", "json"],
    ["quiz", "--count", "3"],
    ["ask", "when", "was", "soleimani", "killed"],
    ["export"],
    ["export", "-f", "json"],
    ["validate"],
    ["--help"],
    ["show", "--help"],
    ["--version"],
    ["--show-completion", "bash"],
]
# Python buffered or not, and an output encoding that makes click wrap stdout in a stream of its own.
BUFFERING = {"buffered": {}, "unbuffered": {"PYTHONUNBUFFERED": "1"}, "ascii": {"PYTHONIOENCODING": "ascii"}}


def shell(
    coalition_bin: str, args: list[str], tail: str, buffering: str, setup: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run `coalition ARGS` with its stdout as the shell line `tail` says (after `setup`); stderr ends
    with its exit code."""
    env = clean_env()
    env.pop("PYTHONUNBUFFERED", None)
    env.update(BUFFERING[buffering])
    command = " ".join(shlex.quote(word) for word in [coalition_bin, *args])
    script = f'{setup} {command} {tail}; echo "exit ${{PIPESTATUS[0]}}" >&2'
    return subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,  # `quiz` reads its answers there, and ends at the end of them
    )


@pytest.mark.slow
@pytest.mark.parametrize("buffering", BUFFERING)
@pytest.mark.parametrize("tail", ["| head -c 1", "| true"])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_output_cut_short_ends_quietly_with_0(coalition_bin: str, args: list[str], tail: str, buffering: str) -> None:
    result = shell(coalition_bin, args, tail, buffering)
    assert result.stderr == "exit 0\n"


@pytest.mark.slow
@pytest.mark.parametrize("buffering", BUFFERING)
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_full_disk_is_one_line_and_exit_4(coalition_bin: str, args: list[str], buffering: str) -> None:
    result = shell(coalition_bin, args, "> /dev/full", buffering)
    assert result.stderr == "coalition: cannot write the output: No space left on device\nexit 4\n"


@pytest.mark.slow
@pytest.mark.parametrize("buffering", BUFFERING)
@pytest.mark.parametrize("args", [["export"], ["export", "-f", "json"], ["export", "-f", "markdown"]], ids=" ".join)
def test_a_write_cut_short_partway_is_one_line_and_exit_4(
    coalition_bin: str, args: list[str], buffering: str, tmp_path: Path
) -> None:
    """A file that can take only part of the output (a disk filling up, here a file size limit with
    its signal ignored, so the write fails after part of it is written) is an error, not a quiet 0."""
    out = tmp_path / "out"
    result = shell(coalition_bin, args, f"> {shlex.quote(str(out))}", buffering, setup="trap '' XFSZ; ulimit -f 8;")
    assert result.stderr == "coalition: cannot write the output: File too large\nexit 4\n"
    assert out.stat().st_size == 8 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_closed_stdout_is_one_line_and_exit_4(coalition_bin: str, args: list[str]) -> None:
    result = shell(coalition_bin, args, ">&-", "buffered")
    assert result.stderr == "coalition: cannot write the output: standard output is closed\nexit 4\n"


def test_a_command_that_prints_nothing_does_not_need_stdout(coalition_bin: str, tmp_path: Path) -> None:
    result = shell(coalition_bin, ["init", str(tmp_path / "notes.yaml")], ">&-", "buffered")
    assert result.stderr.endswith("exit 0\n") and (tmp_path / "notes.yaml").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ["show", "actor", "iran", "--no-pager"],
        ["list", "actors", "--no-pager"],
        ["related", "iran", "--handbook", "@bundled"],
        ["timeline", "--handbook=@bundled", "--no-pager"],
        ["cite", "iran", "--no-pager", "-f", "json"],
    ],
    ids=" ".join,
)
def test_global_options_work_after_the_command(invoke: Invoke, args: list[str]) -> None:
    moved = [word for word in args if word.startswith(("--no-pager", "--handbook"))]
    if "--handbook" in moved:
        moved.insert(moved.index("--handbook") + 1, "@bundled")
    rest = [word for word in args if word not in moved]
    after, before = invoke(*args), invoke(*moved, *rest)
    assert after.exit_code == 0, after.stderr
    assert (after.stdout, after.stderr) == (before.stdout, before.stderr)


def test_search_without_hits_prints_an_empty_json_array(invoke: Invoke) -> None:
    result = invoke("search", "zzqqxx", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []
    assert result.stderr.startswith("coalition: no entry matches")


def test_one_json_shape_for_one_thing(invoke: Invoke) -> None:
    """An entry is {kind, id, title, ...} and a quote {text, section} in every command's JSON."""
    shown = json.loads(invoke("show", "soleimani", "-f", "json").stdout)
    cited = json.loads(invoke("cite", "soleimani", "-f", "json").stdout)
    exported = json.loads(invoke("export", "-f", "json").stdout)
    listed = json.loads(invoke("list", "-f", "json").stdout)
    found = json.loads(invoke("search", "soleimani", "-f", "json").stdout)
    in_export = next(item for item in exported["figures"] if item["id"] == "soleimani")
    assert in_export == {key: value for key, value in shown.items() if key not in ("kind", "origin")}
    assert shown["origin"]["shipped"] is True and cited["origin"] == listed[0]["origin"] == found[0]["origin"]
    assert cited["quote"] == shown["quote"] and set(shown["quote"]) == {"text", "section"}
    for brief in (cited, next(i for i in listed if i["id"] == "soleimani"), found[0]):
        assert {key: brief[key] for key in ("kind", "id", "title")} == {
            key: shown[key] for key in ("kind", "id", "title")
        }
    assert not any("name" in item for kind in ("actors", "figures") for item in exported[kind])
    no_quote = next(item for item in exported["terms"] if "quote" not in item)["id"]
    assert "quote" not in json.loads(invoke("cite", no_quote, "-f", "json").stdout)
