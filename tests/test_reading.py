"""Typed links: `related` grouped by type, `path` between two entries, `compare` side by side.

Expected results are worked out here from the handbook's own data (its entries' related, relations
and mentions), apart from the program's code, and checked on every entry or pair, not a few.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from coalition_cli.model.handbook import RELATIONS, Handbook
from tests.helpers import Invoke, Run, assert_clean_plain, run_in_terminal, visible

TYPED = set(RELATIONS) | set(RELATIONS.values())


def links_of(handbook: Handbook) -> dict[str, set[tuple[str, str]]]:
    """Each entry's (link type, neighbour), read from both ends of every link the handbook states."""
    found: dict[str, set[tuple[str, str]]] = {entry.id: set() for entry in handbook.entries}
    for entry in handbook.entries:
        for target in entry.related:
            found[entry.id].add(("related", target))
            found[target].add(("related", entry.id))
        for relation, target in entry.relations:
            found[entry.id].add((relation, target))
            found[target].add((RELATIONS[relation], entry.id))
        for target in entry.mentions:
            found[entry.id].add(("mentions", target))
            found[target].add(("mentioned-in", entry.id))
    for entry_id, pairs in found.items():
        found[entry_id] = {(link, other) for link, other in pairs if other != entry_id}
    return found


NOTES = """\
format: 1
title: My notes
base: bundled
terms:
  - id: my-reading
    title: My reading list
    summary: Sources I mean to read next.
    relations:
      part-of: [soleimani-leadership]
    related: [iran]
    source: [legacy]
  - id: loose-end
    title: A loose end
    summary: Linked to nothing at all.
    source: [legacy]
"""


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES, encoding="utf-8")
    return path


# -- related ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_related_piped_is_one_type_and_id_per_link_for_every_entry(invoke: Invoke, handbook: Handbook) -> None:
    expected = links_of(handbook)
    for entry in handbook.entries:
        out = invoke("related", entry.kind, entry.id).stdout
        pairs = {tuple(line.split(": ", 1)) for line in out.splitlines()}
        assert pairs == expected[entry.id], entry.id
        assert all(re.fullmatch(r"[a-z-]+: [a-z0-9-]+", line) for line in out.splitlines())


def test_related_lines_are_grouped_most_specific_type_first(invoke: Invoke) -> None:
    lines = invoke("related", "soleimani").stdout.splitlines()
    kinds = [line.split(":")[0] for line in lines]
    typed = [i for i, kind in enumerate(kinds) if kind in TYPED]
    untyped = [i for i, kind in enumerate(kinds) if kind not in TYPED]
    assert typed and untyped and max(typed) < min(untyped)  # typed links first, then related, mentions
    assert "commanded: quds-force" in lines and "killed-by: united-states" in lines


def test_related_depth_two_indents_each_entrys_own_links_under_it(invoke: Invoke, handbook: Handbook) -> None:
    lines = invoke("related", "axis-of-resistance", "--depth", "2").stdout.splitlines()
    at = lines.index("has-member: iran")
    under = []
    for line in lines[at + 1 :]:
        if not line.startswith("  "):
            break
        under.append(line.strip())
    iran = {f"{link}: {other}" for link, other in links_of(handbook)["iran"]}
    assert under and set(under) <= iran  # Iran's own links, those not shown nearer the root
    assert all("axis-of-resistance" not in line for line in lines)  # the root is never beneath itself


def test_related_in_a_layered_handbook_reads_links_from_both_files(invoke: Invoke, notes: Path) -> None:
    out = invoke("--handbook", f":{notes}", "related", "my-reading").stdout
    assert out == "part-of: soleimani-leadership\nrelated: iran\n"
    iran = invoke("--handbook", f":{notes}", "related", "iran").stdout.splitlines()
    assert "related: my-reading" in iran  # the shipped entry, seen from the notes' link to it
    section = invoke("--handbook", f":{notes}", "related", "soleimani-leadership").stdout.splitlines()
    assert "has-part: my-reading" in section


def test_related_markdown_groups_by_type_with_links_to_headings(invoke: Invoke) -> None:
    out = invoke("related", "soleimani", "-f", "markdown").stdout
    assert out.startswith(
        "**Qassem Soleimani** (*figure* `soleimani`)\n\n- **commanded**\n  - [Quds Force](#quds-force)"
    )
    assert "- **killed by**\n  - [United States](#united-states)" in out
    tokens = MarkdownIt("commonmark").parse(out)
    assert [t.type for t in tokens].count("bullet_list_open") > 3


def test_related_json_edges_carry_the_relation_as_stated(invoke: Invoke, handbook: Handbook) -> None:
    data = json.loads(invoke("related", "soleimani", "-f", "json").stdout)
    edges = {(e["source"], e["target"], e["relation"]) for e in data["edges"]}
    assert ("soleimani", "quds-force", "commanded") in edges and ("united-states", "soleimani", "killed") in edges
    stated = {(e.id, t, r) for e in handbook.entries for r, t in e.relations}
    assert {edge for edge in edges if edge[2] in RELATIONS} <= stated


def test_related_on_a_terminal_names_each_group_by_its_type(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "related", "soleimani"], columns=120)
    lines = visible(screen).splitlines()
    assert code == 0
    groups = [line.split("\u2500\u2500 ")[1] for line in lines if re.match(r"^[\u251c\u2514]\u2500\u2500 ", line)]
    assert groups[:3] == ["commanded", "killed by", "supported"] and groups[-1] == "mentioned in"


# -- path -----------------------------------------------------------------------------------------


def distances(handbook: Handbook, start: str, typed_only: bool = False) -> dict[str, int]:
    """Breadth-first distances over the handbook's links, as a check apart from the program's."""
    graph = links_of(handbook)
    seen = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for link, other in graph[current]:
            if other not in seen and (not typed_only or link in TYPED):
                seen[other] = seen[current] + 1
                queue.append(other)
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("typed_only", [False, True])
def test_path_is_a_shortest_chain_of_real_links(invoke: Invoke, handbook: Handbook, typed_only: bool) -> None:
    graph = links_of(handbook)
    ids = [entry.id for entry in handbook.entries]
    checked = unreachable = 0
    for start in ids[::4]:
        reach = distances(handbook, start, typed_only)
        for end in ids[1::5]:
            args = ["path", start, end, "-f", "json", *(["--typed"] if typed_only else [])]
            result = invoke(*args)
            if end not in reach:
                assert result.exit_code == 1 and json.loads(result.stdout) == [], (start, end)
                assert "no chain of" in result.stderr
                unreachable += 1
                continue
            steps = json.loads(result.stdout)
            assert result.exit_code == 0 and len(steps) == reach[end], (start, end)
            at = start
            for step in steps:
                assert step["from"]["id"] == at and (step["relation"], step["to"]["id"]) in graph[at]
                assert not typed_only or step["relation"] in TYPED
                at = step["to"]["id"]
            assert at == end
            checked += 1
    assert checked > (20 if typed_only else 50)
    assert unreachable > 0 or not typed_only  # typed links alone leave some pairs apart: exit 1 was tried


def test_path_reads_as_a_chain_of_titles_and_link_types(invoke: Invoke) -> None:
    out = invoke("path", "united states", "quds-force", "--typed").stdout
    assert out == "United States \u2014killed\u2192 Qassem Soleimani \u2014commanded\u2192 Quds Force\n"
    markdown = invoke("path", "united states", "quds-force", "--typed", "-f", "markdown").stdout
    assert markdown.startswith(
        "[United States](#united-states) \u2014*killed*\u2192 [Qassem Soleimani](#qassem-soleimani)"
    )


def test_path_prefers_typed_links_among_the_shortest(invoke: Invoke, tmp_path: Path) -> None:
    """Two chains of two links from a to d: through b by `related`, through c by typed links."""
    book = tmp_path / "chains.yaml"
    book.write_text(
        "format: 1\ntitle: Chains\nsections:\n  - {id: s, title: S, summary: S.}\nactors:\n"
        "  - {id: a, name: A, type: state, summary: A., source: [s], related: [b], relations: {commanded: [c]}}\n"
        "  - {id: b, name: B, type: state, summary: B., source: [s], related: [d]}\n"
        "  - {id: c, name: C, type: state, summary: C., source: [s], relations: {part-of: [d]}}\n"
        "  - {id: d, name: D, type: state, summary: D., source: [s]}\n",
        encoding="utf-8",
    )
    steps = json.loads(invoke("--handbook", str(book), "path", "a", "d", "-f", "json").stdout)
    assert [(s["from"]["id"], s["relation"], s["to"]["id"]) for s in steps] == [
        ("a", "commanded", "c"),
        ("c", "part-of", "d"),
    ]
    backwards = json.loads(invoke("--handbook", str(book), "path", "d", "a", "-f", "json").stdout)
    assert [s["relation"] for s in backwards] == ["has-part", "commanded-by"]  # read from the other end


def test_path_in_a_layered_handbook_and_when_there_is_none(invoke: Invoke, notes: Path) -> None:
    steps = json.loads(invoke("--handbook", f":{notes}", "path", "my-reading", "soleimani", "-f", "json").stdout)
    assert steps[0]["from"]["id"] == "my-reading" and steps[-1]["to"]["id"] == "soleimani"
    none = invoke("--handbook", f":{notes}", "path", "loose-end", "iran")
    assert none.exit_code == 1 and none.stdout == ""
    assert none.stderr == 'coalition: no chain of links between "A loose end" and "Iran"\n'
    assert invoke("path", "iran", "iran").stdout == "Iran\n"  # one entry: no step to take
    assert invoke("path", "iran", "atlantis").exit_code == 1


def test_path_on_a_terminal(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "path", "united-states", "quds-force", "--typed"], columns=120)
    chain = "United States \u2014killed\u2192 Qassem Soleimani \u2014commanded\u2192 Quds Force"
    assert code == 0 and chain in visible(screen)


# -- compare ----------------------------------------------------------------------------------------


def test_compare_json_holds_each_entrys_own_fields(invoke: Invoke, handbook: Handbook) -> None:
    actors = [entry for entry in handbook.of_kind("actor") if entry.details.get("member")]
    data = json.loads(invoke("compare", *(a.id for a in actors[:3]), "-f", "json").stdout)
    assert [e["id"] for e in data["entries"]] == [a.id for a in actors[:3]]
    fields = {field["field"]: field["values"] for field in data["fields"]}
    for actor in actors[:3]:
        for key in ("type", "role", "differences"):
            assert fields[key][actor.id] == actor.details.get(key)
        assert fields["contributions"][actor.id] == list(actor.details["contributions"])
        assert fields["member"][actor.id] == "yes"
    assert "kind" not in fields  # all of one kind: nothing to compare


def test_compare_shared_and_own_links_follow_the_handbook(invoke: Invoke, handbook: Handbook) -> None:
    graph = links_of(handbook)
    sections = {e.id for e in handbook.of_kind("section")}

    def neighbours(entry_id: str) -> set[str]:
        return {other for _, other in graph[entry_id] if other not in sections}

    for first, second in (("russia", "iran"), ("irgc", "quds-force"), ("soleimani", "agreement-2015")):
        data = json.loads(invoke("compare", first, second, "-f", "json").stdout)
        mine, theirs = neighbours(first) - {second}, neighbours(second) - {first}
        assert {e["id"] for e in data["shared"]} == mine & theirs
        assert {e["id"] for e in data["only"][first]} == mine - theirs
        assert {e["id"] for e in data["only"][second]} == theirs - mine


def test_compare_piped_is_aligned_blocks(invoke: Invoke) -> None:
    out = invoke("compare", "russia", "iran").stdout
    assert_clean_plain(out)
    lines = out.splitlines()
    assert lines[0] == "Russia (actor: russia) \u00b7 Iran (actor: iran)"
    role = lines.index("Role")
    assert lines[role + 1].startswith("  Russia  A member") and lines[role + 2].startswith("  Iran    A member")
    contributions = lines.index("Contributions")
    assert lines[contributions + 2].startswith(" " * 10)  # a list's later items under its first
    assert "Links both have" in lines and "Links only Russia has" in lines


def test_compare_markdown_is_a_table(invoke: Invoke) -> None:
    out = invoke("compare", "irgc", "quds force", "-f", "markdown").stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(out)
    headers = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "th_open"]
    assert headers == ["", "**Islamic Revolutionary Guard Corps**", "**Quds Force**"]


def test_compare_a_notes_entry_with_a_shipped_one(invoke: Invoke, notes: Path) -> None:
    data = json.loads(invoke("--handbook", f":{notes}", "compare", "my-reading", "iran", "-f", "json").stdout)
    fields = {field["field"]: field["values"] for field in data["fields"]}
    assert fields["kind"] == {"my-reading": "term", "iran": "actor"}
    assert fields["links"]["my-reading"] == ["part of: Lieutenant General Qassem Soleimani's Leadership"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["russia"], 2, "compare takes 2 to 6 names"),
        (["russia", "russia"], 2, "two of the names are the same entry"),
        (["russia", "atlantis"], 1, 'no entry named "atlantis"'),
    ],
)
def test_compare_refuses_what_it_cannot_compare(invoke: Invoke, args: list[str], code: int, message: str) -> None:
    result = invoke("compare", *args)
    assert result.exit_code == code and message in result.stderr and result.stderr.count("\n") == 1


def test_compare_on_a_terminal_is_a_table(coalition_bin: str) -> None:
    code, screen = run_in_terminal([coalition_bin, "compare", "russia", "iran"], columns=120, rows=200)
    text = visible(screen)
    assert code == 0 and re.search(r"\u2503 +\u2503 Russia +\u2503 Iran +\u2503", text)


def test_new_commands_pipe_cleanly(run: Run) -> None:
    for args in (["related", "iran"], ["path", "soleimani", "iran"], ["compare", "russia", "iran"]):
        done = run(*args)
        assert done.returncode == 0 and done.stderr == b""
        assert_clean_plain(done.stdout.decode())
