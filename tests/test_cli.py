"""The commands, through typer's CliRunner: output, formats, errors and exit codes."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from coalition_cli.build.loader import load_handbook
from coalition_cli.cli.app import app
from coalition_cli.model.handbook import Handbook
from tests.helpers import ANSI, DATA, Invoke, assert_clean_plain


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, repr(text)
    return text.strip()


# -- show ----------------------------------------------------------------------------------------


def test_show_actor(invoke: Invoke, handbook: Handbook) -> None:
    result = invoke("show", "actor", "iran")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Iran (actor: iran)\n")
    iran = handbook.get("iran")
    assert iran is not None
    # Paragraphs stay on one line, so note apps can reflow them.
    assert f"\n{iran.summary}\n" in result.stdout
    assert 'Quote: "Iran tended to focus' in result.stdout
    assert_clean_plain(result.stdout)


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["show", "soleimani"], "Qassem Soleimani (figure: soleimani)"),
        (["show", "figure", "sol"], "Qassem Soleimani (figure: soleimani)"),
        (["show", "actor", "assad"], "The Assad regime (actor: assad-regime)"),
        (["show", "Bashar", "al-Assad"], "The Assad regime (actor: assad-regime)"),
        (["show", "place", "baghdad"], "Baghdad (place: baghdad)"),
        (["show", "events", "syrian", "civil", "war"], "Syrian civil war (event: syrian-civil-war)"),
        (["show", "actors", "united", "states"], "United States (actor: united-states)"),
        (["show", "USA"], "United States (actor: united-states)"),
        (["show", "term", "4+1"], "4+1 (term: four-plus-one)"),
        (["show", "section", "genesis"], "The Genesis of the 4+1 Coalition (section: genesis)"),
        (
            ["show", "fact", "soleimani-killed"],
            "Qassem Soleimani killed in a U.S. drone strike (fact: soleimani-killed)",
        ),
    ],
)
def test_show_finds_names(invoke: Invoke, args: list[str], first_line: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == first_line


def test_show_fact_has_date_and_figure(invoke: Invoke) -> None:
    assert "Date: 2020-01-03\n" in invoke("show", "fact", "soleimani-killed").stdout
    assert "Figure: 28,500 troops\n" in invoke("show", "us-troops-south-korea").stdout
    assert "Figure: more than 1 decade\n" in invoke("show", "civil-war-decade").stdout


def test_show_unknown_name_suggests(invoke: Invoke) -> None:
    result = invoke("show", "actor", "irn")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert one_line(result.stderr).startswith('coalition: no actor named "irn" (did you mean: iran')


def test_show_ambiguous_exits_1(invoke: Invoke) -> None:
    result = invoke("show", "soleimani-le")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        'coalition: "soleimani-le" matches several entries: section soleimani-leadership,'
        " fact soleimani-led-coalition; give the kind or more of the name"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show"], "coalition: Missing argument '[KIND] NAME...'. (see 'coalition show --help')"),
        (["show", "actor"], "coalition: which actor? give a NAME, or list them with 'coalition list actors'"),
        (["show", "actr", "iran"], 'coalition: unknown kind "actr" (did you mean: actor?);'),
        (["show", "iran", "--format", "yaml"], "coalition: Invalid value for '--format' / '-f': 'yaml' is not one of"),
        (["list", "things"], 'coalition: unknown kind "things"'),
        (["search"], "coalition: Missing argument 'QUERY...'."),
        (["search", "iran", "--limit", "0"], "coalition: Invalid value for '--limit' / '-n': 0 is not in the range"),
        (["search", "iran", "--kind", "planet"], 'coalition: unknown kind "planet"'),
        (["nonsense"], "coalition: No such command 'nonsense'."),
        (["show", "iran", "--colour"], "coalition: No such option: --colour"),
    ],
)
def test_usage_errors_are_one_line_exit_2(invoke: Invoke, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert one_line(result.stderr).startswith(message)


def test_no_arguments_prints_help(invoke: Invoke) -> None:
    result = invoke()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: coalition [OPTIONS] COMMAND [ARGS]...")


def test_show_json_is_one_object(invoke: Invoke) -> None:
    data = json.loads(invoke("show", "actor", "iran", "--format", "json").stdout)
    assert data["kind"] == "actor" and data["id"] == "iran" and data["title"] == "Iran"
    assert data["type"] == "state" and data["member"] is True
    assert data["quote"]["section"] == "divergent-approaches"


def test_show_markdown_is_a_note(invoke: Invoke) -> None:
    out = invoke("show", "figure", "soleimani", "-f", "markdown").stdout
    assert out.startswith("## Qassem Soleimani\n\n*figure* `soleimani`\n")
    assert "- **Role:** Commander of the Quds Force of the IRGC" in out  # the key facts
    related = next(line for line in out.splitlines() if line.startswith("- **Related:** "))
    assert "[Quds Force](#quds-force)" in related  # links go to the ids readers give headings
    assert "[Islamic Revolutionary Guard Corps](#islamic-revolutionary-guard-corps)" in related
    assert out.endswith(
        "Source: *Understanding The Russia-Syria-Iran-Iraq Coalition: A Geopolitical Deep Dive*, section"
        ' "Lieutenant General Qassem Soleimani\'s Leadership": "who was assassinated in a U.S. drone strike near'
        ' Baghdad\u2019s international airport on January 3, 2020"\n\n'
    )


def test_entry_text_is_never_markup(invoke: Invoke, minimal_handbook: Path) -> None:
    for fmt in ("plain", "rich"):
        result = invoke("--handbook", str(minimal_handbook), "show", "first", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert "[red]this[/red] and [/x] literally" in result.stdout.replace("\n", " ").replace("  ", " ")


def test_rich_format_draws_panels(invoke: Invoke) -> None:
    out = invoke("show", "iran", "--format", "rich").stdout
    assert "╭" in out and "Iran" in out


# -- list, search, timeline ------------------------------------------------------------------------


def test_list_counts(invoke: Invoke) -> None:
    result = invoke("list")
    assert result.exit_code == 0
    assert result.stdout == "sections\t11\nactors\t13\nfigures\t2\nfacts\t10\nterms\t11\nplaces\t6\nevents\t2\n"


def test_list_kind_is_tab_separated(invoke: Invoke, handbook: Handbook) -> None:
    lines = invoke("list", "actors").stdout.splitlines()
    assert len(lines) == len(handbook.of_kind("actor"))
    assert "iran\tIran\tstate, member" in lines
    assert "isis\tISIS\tnon-state force" in lines


def test_list_json(invoke: Invoke, handbook: Handbook) -> None:
    everything = json.loads(invoke("list", "--format", "json").stdout)
    assert len(everything) == len(handbook.entries)
    assert all({"kind", "id", "title"} <= set(item) for item in everything)
    facts = json.loads(invoke("list", "fact", "-f", "json").stdout)
    assert {item["kind"] for item in facts} == {"fact"}


def test_search_ranks_and_snippets(invoke: Invoke) -> None:
    result = invoke("search", "airspace")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    titles, snippets = lines[0::2], lines[1::2]
    assert "Russia's Strategic Use of Iranian and Iraqi Airspace (section: iranian-iraqi-airspace)" in titles[:3]
    assert all(s.startswith("  ") and "airspace" in s.lower() for s in snippets[:3])
    assert_clean_plain(result.stdout)


def test_search_who_led_the_coalition(invoke: Invoke) -> None:
    data = json.loads(invoke("search", "who", "led", "the", "coalition", "-f", "json").stdout)
    assert {"soleimani", "soleimani-led-coalition"} & {hit["id"] for hit in data[:3]}
    assert all({"kind", "id", "title", "score", "snippet"} <= set(hit) for hit in data)
    assert [hit["score"] for hit in data] == sorted((hit["score"] for hit in data), reverse=True)


def test_search_filters_and_limits(invoke: Invoke) -> None:
    data = json.loads(invoke("search", "missiles", "--kind", "fact", "--limit", "1", "-f", "json").stdout)
    assert [hit["id"] for hit in data] == ["caspian-cruise-missiles"]


def test_search_without_hits_exits_1_with_nearby_words(invoke: Invoke) -> None:
    result = invoke("search", "zzz", "irk")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert one_line(result.stderr) == 'coalition: no entry matches "zzz irk" (did you mean: iran, iraq, irgc?)'


def test_timeline_oldest_first(invoke: Invoke) -> None:
    assert invoke("timeline").stdout == (
        "2010        Iraq, largest export destination for Syrian goods (iraq-export-2010)\n"
        "2015-09     Agreement forming the 4+1 coalition (agreement-2015)\n"
        "2020-01-03  Qassem Soleimani killed in a U.S. drone strike (soleimani-killed)\n"
    )
    data = json.loads(invoke("timeline", "-f", "json").stdout)
    assert [item["date"] for item in data] == ["2010", "2015-09", "2020-01-03"]
    assert all({"kind", "id", "title"} <= set(item) for item in data)


# -- export and validate ---------------------------------------------------------------------------


def test_export_json_loads_back_as_the_same_handbook(invoke: Invoke, handbook: Handbook, tmp_path: Path) -> None:
    data = json.loads(invoke("export", "--format", "json").stdout)
    path = tmp_path / "exported.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reloaded = load_handbook(path)
    # The export shows each link from both ends, as `show` does; loaded back, it is the same.
    strip = [(e.kind, {**e.to_data(), "related": list(handbook.related_of(e))}) for e in handbook.entries]
    assert [(e.kind, e.to_data()) for e in reloaded.entries] == strip
    assert reloaded.source == handbook.source


def _heading_id(heading: str) -> str:
    """The id GitHub gives a heading, written out here apart from the program's own."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def test_export_markdown_has_contents_and_unique_headings_links_land_on(invoke: Invoke, handbook: Handbook) -> None:
    out = invoke("export", "--format", "markdown").stdout
    assert out.startswith(f"# {handbook.title}\n")
    assert "## Contents" in out
    headings = [re.sub(r"\\(.)", r"\1", line.lstrip("#").strip()) for line in out.splitlines() if line.startswith("#")]
    ids = [_heading_id(heading) for heading in headings]
    assert len(ids) == len(set(ids))  # no reader has to number a second one
    for entry in handbook.entries:  # each entry under its title, or its kind and id
        assert entry.title in headings or f"{entry.kind.capitalize()} {entry.id}" in headings
    targets = set(re.findall(r"\]\(#([^)]+)\)", out))
    assert len(targets) > len(handbook.entries) and targets <= set(ids)


def test_export_plain_has_every_entry(invoke: Invoke, handbook: Handbook) -> None:
    out = invoke("export").stdout
    for entry in handbook.entries:
        assert f"{entry.title} ({entry.kind}: {entry.id})\n" in out
    assert_clean_plain(out)


def test_validate_bundled(invoke: Invoke, handbook: Handbook) -> None:
    pairs = {frozenset((e.id, other)) for e in handbook.entries for other in handbook.related_of(e)}
    links = len(pairs)
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        f"handbook.yaml: valid, {len(handbook.entries)} entries, {links} links (each shown from both ends)\n"
    )


def test_validate_reports_every_problem(invoke: Invoke, write_handbook: Callable[[str], Path]) -> None:
    path = write_handbook("format: 1\ntitle: t\nactors:\n  - id: x\n    name: X\n    summary: s\n    sorce: [a]\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 3
    assert result.stdout.splitlines() == [
        f'{path}:4:5: actor x: missing "source"',
        f'{path}:4:5: actor x: missing "type"',
        f'{path}:7:5: actor x: unknown key "sorce" (did you mean "source"?)',
    ]
    assert one_line(result.stderr) == f"coalition: {path}: 3 problems"
    data = json.loads(invoke("validate", str(path), "--format", "json").stdout)
    message = 'actor x: unknown key "sorce" (did you mean "source"?)'
    assert data[2] == {"file": str(path), "line": 7, "column": 5, "message": message, "severity": "error"}


def test_bad_handbook_is_exit_3_with_location(invoke: Invoke, write_handbook: Callable[[str], Path]) -> None:
    path = write_handbook("format: 1\ntitle: [oops\n")
    result = invoke("--handbook", str(path), "show", "iran")
    assert result.exit_code == 3
    assert one_line(result.stderr).startswith(f"coalition: {path}:3:1: YAML syntax:")


def test_handbook_from_option_and_environment(invoke: Invoke, minimal_handbook: Path) -> None:
    by_option = invoke("--handbook", str(minimal_handbook), "list")
    by_env = invoke("list", env={"COALITION_HANDBOOK": str(minimal_handbook)})
    counts = "sections\t1\nactors\t1\nfigures\t0\nfacts\t0\nterms\t0\nplaces\t0\nevents\t0\n"
    assert by_option.stdout == by_env.stdout == counts
    missing = invoke("list", env={"COALITION_HANDBOOK": "/nonexistent/handbook.yaml"})
    assert missing.exit_code == 3
    assert one_line(missing.stderr) == "coalition: /nonexistent/handbook.yaml: no such file"


# -- help and version ------------------------------------------------------------------------------


def test_version(invoke: Invoke) -> None:
    from coalition_cli import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"coalition {__version__}\n"


def _commands() -> list[str]:
    """Every command of the app itself, so a new one cannot go without help."""
    from typer.main import get_command

    group = get_command(app)
    assert hasattr(group, "commands")
    return sorted(group.commands)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_an_example(invoke: Invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: coalition {command}" in result.stdout
    assert "Examples:\n    coalition " in result.stdout
    assert ANSI not in result.stdout


def _examples() -> list[tuple[str, str]]:
    from coalition_cli.cli.examples import EXAMPLES

    return [(command or "coalition", line) for command, lines in EXAMPLES.items() for line in lines]


@pytest.mark.slow
@pytest.mark.parametrize(("command", "example"), _examples())
def test_every_example_in_help_runs(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, example: str
) -> None:
    """Each example as a reader would type it, up to any pipe or redirection, exits 0: no example
    rots. (browse needs a terminal: its examples are driven in test_browse.)"""
    import shlex

    words = shlex.split(example)
    env = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    words = list(itertools.takewhile(lambda word: word not in ("|", ">", ">>"), words))
    assert words[0] == "coalition"
    if command == "browse":
        return
    monkeypatch.chdir(tmp_path)
    if words[1] != "init":
        for notes in ("notes.yaml", "my-notes.yaml"):
            assert invoke("init", notes).exit_code == 0
    result = invoke(*words[1:], env=env, input="")
    assert result.exit_code == 0, (example, result.stderr)


def test_main_help_documents_exit_codes(invoke: Invoke) -> None:
    out = invoke("--help").stdout
    for line in ("0  found", "1  nothing found", "2  usage error", "3  the handbook cannot be read or is invalid"):
        assert line in out


# -- golden files ----------------------------------------------------------------------------------

GOLDEN = [
    ("show-iran.txt", ["show", "actor", "iran"]),
    ("show-iran.ansi", ["show", "actor", "iran", "--format", "rich"]),  # with colour, as a terminal gets it
    ("show-soleimani.md", ["show", "soleimani", "--format", "markdown"]),
    ("show-agreement.json", ["show", "fact", "agreement-2015", "--format", "json"]),
    ("list-actors.txt", ["list", "actors"]),
    ("search-airspace.txt", ["search", "airspace", "--limit", "3"]),
]


@pytest.mark.parametrize(("name", "args"), GOLDEN)
def test_golden_output(invoke: Invoke, name: str, args: list[str]) -> None:
    """Rendered output compared byte for byte; UPDATE_GOLDEN=1 rewrites the files after a deliberate change.
    Colour is forced for a known terminal (256 colours, 100 columns), as tldr's client keeps one golden."""
    colour = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLORTERM": "", "COLUMNS": "100"}
    env = colour if name.endswith(".ansi") else None
    out = invoke(*args, env=env).stdout
    assert out == invoke(*args, env=env).stdout, "output differs between runs"
    path = DATA / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
