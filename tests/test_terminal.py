"""What a person sees on a real terminal, driven through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from coalition_cli.model.handbook import Handbook
from coalition_cli.terminal import progress
from coalition_cli.terminal.progress import BuildProgress
from tests.helpers import TerminalStream, run_in_terminal, visible


def test_show_on_a_terminal_is_rich(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"])
    assert code == 0
    assert "\x1b[" in screen  # colour
    assert "\u256d" in screen and "\u2570" in screen  # a panel's corners
    assert "Iran" in screen and "actor: iran" in screen
    widest = max(len(line) for line in visible(screen).splitlines())
    assert widest <= 80


def test_terminal_width_is_honoured(coalition_bin: str) -> None:
    _, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], columns=50)
    assert max(len(line) for line in visible(screen).splitlines()) <= 50


def test_markup_in_entries_prints_literally(coalition_bin: str, minimal_handbook: Path) -> None:
    code, screen = run_in_terminal([coalition_bin, "--handbook", str(minimal_handbook), "show", "first"], columns=120)
    assert code == 0
    assert "[red]this[/red] and [/x] literally" in visible(screen)


def test_list_draws_tables(coalition_bin: str) -> None:
    for command in (["list", "actors"], ["list"]):
        code, screen = run_in_terminal([coalition_bin, *command])
        assert code == 0
        assert "\u2501" in screen  # a table's heavy header rule


def test_timeline_draws_gaps_to_scale(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "timeline"], columns=100)
    assert code == 0
    lines = visible(screen).splitlines()
    dots = [i for i, line in enumerate(lines) if "\u25cf" in line]
    assert [lines[i][:10].strip() for i in dots] == ["2010", "2015-09", "2020-01-03"]
    first_gap, second_gap = dots[1] - dots[0] - 1, dots[2] - dots[1] - 1
    # About 5 years then about 4.3 years: the longer gap gets the full 8 lines, the other in scale.
    assert first_gap == 8 and second_gap == round(8 * 1572 / 1902)
    assert "about 5 years" in screen and "about 4 years 3 months" in screen


def test_related_is_a_tree(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "related", "soleimani"], columns=120)
    assert code == 0
    lines = visible(screen).splitlines()
    # Grouped by how each entry is linked: the link type, then its entries beneath it.
    commanded = next(i for i, line in enumerate(lines) if line.endswith("\u251c\u2500\u2500 commanded"))
    assert "Quds Force  quds-force" in lines[commanded + 1]
    killed_by = next(i for i, line in enumerate(lines) if line.endswith("\u2500\u2500 killed by"))
    assert "United States  united-states" in lines[killed_by + 1]
    assert any(line.endswith("\u2514\u2500\u2500 mentioned in") for line in lines)


def _pager_recorder(tmp_path: Path) -> tuple[dict[str, str], Path]:
    record = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > '{record}'\n")
    pager.chmod(0o755)
    return {"PAGER": str(pager)}, record


@pytest.fixture
def last_term(handbook: Handbook) -> str:
    """The last line of `list terms`: on screen only if the list was not paged."""
    return handbook.of_kind("term")[-1].id


def test_long_output_goes_through_the_pager(coalition_bin: str, tmp_path: Path, last_term: str) -> None:
    env, record = _pager_recorder(tmp_path)
    code, screen = run_in_terminal([coalition_bin, "list", "terms"], rows=10, env=env)
    assert code == 0
    assert last_term in record.read_text() and last_term not in screen


def test_short_output_no_pager_and_pipes_skip_the_pager(coalition_bin: str, tmp_path: Path, last_term: str) -> None:
    env, record = _pager_recorder(tmp_path)
    code, screen = run_in_terminal([coalition_bin, "list", "terms"], rows=60, env=env)
    assert code == 0 and last_term in screen and not record.exists()
    code, screen = run_in_terminal([coalition_bin, "--no-pager", "list", "terms"], rows=10, env=env)
    assert code == 0 and last_term in screen and not record.exists()
    code, screen = run_in_terminal([coalition_bin, "--no-pager", "show", "iran"], rows=10, env=env)
    assert code == 0 and "Iran" in screen and not record.exists()
    piped = subprocess.run([coalition_bin, "list", "terms"], capture_output=True, env={**os.environ, **env}, check=True)
    assert last_term.encode() in piped.stdout and not record.exists()


def test_missing_pager_prints_directly(coalition_bin: str, last_term: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "list", "terms"], rows=10, env={"PAGER": "no-such-pager-here"})
    assert code == 0 and last_term in screen


def test_errors_on_a_terminal_are_one_line(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "atlantis"])
    assert code == 1
    assert visible(screen).strip() == 'coalition: no entry named "atlantis"'


def test_search_on_a_terminal_bolds_the_matched_words(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "search", "caspian", "--limit", "1"], columns=100)
    assert code == 0
    assert "\x1b[1mCaspian\x1b[0m" in screen or "\x1b[1mcaspian\x1b[0m" in screen.lower()


COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7]|38;[0-9;]+)m")


def test_no_color_keeps_layout_drops_colour(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], env={"NO_COLOR": "1"})
    assert code == 0
    assert "\u256d" in screen  # still a panel
    assert not COLOUR.search(screen)


def test_dumb_terminal_gets_plain_text(coalition_bin: str) -> None:
    for env in ({"TERM": "dumb"}, {"TERM": "dumb", "FORCE_COLOR": "1"}):
        code, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], env=env)
        assert code == 0
        assert "\x1b" not in screen
        assert screen.replace("\r", "").startswith("Iran (actor: iran)\n")


@pytest.mark.parametrize("command", [["show", "actor", "iran"], ["list"], ["search", "airspace"], ["timeline"]])
def test_twenty_columns(coalition_bin: str, command: list[str]) -> None:
    code, screen = run_in_terminal([coalition_bin, *command], columns=20)
    assert code == 0, screen
    assert "Traceback" not in screen
    assert max(len(line) for line in visible(screen).splitlines()) <= 20


def test_columns_variable_is_honoured(coalition_bin: str) -> None:
    _, screen = run_in_terminal([coalition_bin, "show", "actor", "iran"], columns=120, env={"COLUMNS": "60"})
    assert max(len(line) for line in visible(screen).splitlines()) <= 60


@pytest.mark.slow
def test_ctrl_c_on_a_terminal(coalition_bin: str, tmp_path: Path) -> None:
    fifo = tmp_path / "never.yaml"
    os.mkfifo(fifo)  # reading it blocks forever: the program is busy when Ctrl-C comes
    code, screen = run_in_terminal([coalition_bin, "--handbook", str(fifo), "list"], keys=b"\x03", after=1.0)
    assert code == 130
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen


@pytest.mark.parametrize("env", [{"LANG": "C", "LC_ALL": "C"}, {"PYTHONIOENCODING": "ascii"}])
def test_c_locale_and_ascii_terminal(coalition_bin: str, env: dict[str, str]) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "figure", "soleimani"], env=env)
    assert code == 0
    assert "Traceback" not in screen and "Soleimani" in screen


@pytest.mark.slow
def test_progress_bar_while_a_large_handbook_is_first_indexed(coalition_bin: str, tmp_path: Path) -> None:
    from benchmarks.generate import scaled_handbook

    big = tmp_path / "big.yaml"
    big.write_text(yaml.safe_dump(scaled_handbook(2000), allow_unicode=True), encoding="utf-8")
    assert big.stat().st_size > 1_000_000
    env = {"COALITION_HANDBOOK": str(big), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code, screen = run_in_terminal([coalition_bin, "search", "airspace", "-n", "1"], env=env)
    assert code == 0
    assert "Reading and indexing the handbook" in screen
    # Built once: the next run is served from the cache and shows no bar.
    code, screen = run_in_terminal([coalition_bin, "search", "airspace", "-n", "1"], env=env)
    assert code == 0 and "Reading and indexing" not in screen


@pytest.fixture
def terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A colour terminal, whatever the environment the tests run in says."""
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def _report(bar: BuildProgress, monkeypatch: pytest.MonkeyPatch, steps: int, seconds_apart: float) -> None:
    clock = iter(range(steps))
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock) * seconds_apart)
    for step in range(steps):
        bar("reading", step * 10_000_000 // (steps - 1), 10_000_000)


@pytest.mark.usefixtures("terminal_env")
def test_the_bar_is_redrawn_in_place_at_most_twice_a_second_and_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    stream = TerminalStream()
    bar = BuildProgress(stream)
    _report(bar, monkeypatch, 11, seconds_apart=1.0)
    drawn = stream.getvalue().split(progress.ERASE_LINE)[1:]
    assert [visible(line).split()[-1] for line in drawn] == [f"{10 * step}%" for step in range(11)]
    assert all(visible(line).startswith("Reading and indexing the handbook ") for line in drawn)
    assert "\x1b[35m" in drawn[1] and "\n" not in stream.getvalue()  # coloured as rich decides, on one line
    bar.close()
    assert stream.getvalue().endswith(progress.ERASE_LINE)  # the line is the reader's again
    # Reports that come faster than twice a second are drawn only when half a second has passed.
    fast = TerminalStream()
    _report(BuildProgress(fast), monkeypatch, 11, seconds_apart=0.1)
    assert [visible(line).split()[-1] for line in fast.getvalue().split(progress.ERASE_LINE)[1:]] == [
        "0%",
        "50%",
        "100%",
    ]


@pytest.mark.usefixtures("terminal_env")
@pytest.mark.parametrize("columns", ["20", "30", "60", "79"])
@pytest.mark.parametrize(("encoding", "env"), [("utf-8", {}), ("ascii", {}), ("utf-8", {"NO_COLOR": "1"})])
def test_the_bar_fits_any_terminal(
    monkeypatch: pytest.MonkeyPatch, columns: str, encoding: str, env: dict[str, str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = TerminalStream(encoding)
    _report(BuildProgress(stream), monkeypatch, 3, seconds_apart=1.0)
    drawn = stream.getvalue().split(progress.ERASE_LINE)[1:]
    assert len(drawn) == 3 and all(line.endswith("%") or line.endswith("\x1b[0m") for line in drawn)
    assert all(len(visible(line)) < int(columns) for line in drawn)  # the last cell is never written
    assert stream.getvalue().isascii() or encoding != "ascii"
    assert ("\x1b[35m" in stream.getvalue()) == (int(columns) >= 80 and "NO_COLOR" not in env)


@pytest.mark.usefixtures("terminal_env")
def test_no_bar_for_a_small_handbook(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = TerminalStream()
    bar = BuildProgress(stream)
    bar("reading", 0, BuildProgress.BIG - 1)
    bar("reading", BuildProgress.BIG - 1, BuildProgress.BIG - 1)
    bar.close()
    assert stream.getvalue() == ""
    big = TerminalStream()
    _report(BuildProgress(big), monkeypatch, 3, seconds_apart=1.0)
    assert "Reading and indexing" in big.getvalue()  # the same terminal draws a large one's


@pytest.mark.usefixtures("terminal_env")
@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"TERM": "unknown"}, {"TTY_COMPATIBLE": "0"}])
def test_no_bar_on_a_terminal_that_takes_no_codes(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    # As rich's Console decides: an editor's shell or a dumb terminal would show the redrawing raw.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = TerminalStream()
    bar = BuildProgress(stream)
    _report(bar, monkeypatch, 3, seconds_apart=1.0)
    bar.close()
    assert stream.getvalue() == ""


def test_no_progress_bar_for_the_small_shipped_handbook(coalition_bin: str, tmp_path: Path) -> None:
    code, screen = run_in_terminal([coalition_bin, "show", "iran"], env={"XDG_CACHE_HOME": str(tmp_path / "c")})
    assert code == 0 and "Reading and indexing" not in screen


def _longest_id(handbook: Handbook) -> str:
    return max((entry.id for entry in handbook.entries), key=len)


@pytest.mark.parametrize("columns", [30, 40, 59])
@pytest.mark.parametrize("name", ["iran", "soleimani", "iranian-advisers-47", "longest"])
def test_narrow_terminal_puts_labels_above_values_and_never_cuts_an_id(
    coalition_bin: str, handbook: Handbook, name: str, columns: int
) -> None:
    entry = handbook.get(_longest_id(handbook) if name == "longest" else name)
    assert entry is not None
    code, screen = run_in_terminal([coalition_bin, "show", entry.id], columns=columns)
    assert code == 0
    text = visible(screen)
    assert "\u2026" not in text  # nothing cut short with an ellipsis
    assert max(len(line) for line in text.splitlines()) <= columns
    words = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text))
    assert {entry.id, *handbook.related_of(entry)} <= words  # every id whole, on one line
    assert re.search(r"^Related *$", text, re.MULTILINE)  # the label on a line of its own


@pytest.mark.slow
@pytest.mark.parametrize("columns", [30, 40, 59])
@pytest.mark.parametrize("command", [["list"], ["list", "facts"], ["list", "figures"]], ids=" ".join)
def test_narrow_lists_keep_every_id_whole_and_wrap_inside_their_indent(
    coalition_bin: str, handbook: Handbook, command: list[str], columns: int
) -> None:
    code, screen = run_in_terminal([coalition_bin, *command], columns=columns)
    assert code == 0
    lines = [line.rstrip() for line in visible(screen).splitlines() if line.strip()]
    assert "\u2026" not in screen and max(len(line) for line in lines) <= columns
    kinds = [command[1][:-1]] if len(command) > 1 else [e.kind for e in handbook.entries]
    wanted = {entry.id for entry in handbook.entries if entry.kind in kinds}
    assert wanted <= set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", " ".join(lines)))
    if len(command) > 1 and columns >= 40:  # one kind: each id at column 0, what follows indented under it
        assert all(line in wanted or line.startswith("  ") for line in lines)


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_timeline_wraps_titles_inside_their_column(coalition_bin: str, handbook: Handbook, columns: int) -> None:
    code, screen = run_in_terminal([coalition_bin, "timeline"], columns=columns)
    assert code == 0
    lines = [line.rstrip() for line in visible(screen).splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= columns
    dated = {fact.date for fact in handbook.of_kind("fact") if fact.date}
    for line in lines:
        # Only a date starts at column 0; everything else (wrapped titles, ids, the axis) is indented.
        assert line[:10].strip() in dated or not line[:11].strip(), line
    ids = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", " ".join(lines)))
    assert {fact.id for fact in handbook.of_kind("fact") if fact.date} <= ids
