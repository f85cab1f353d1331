"""Notes-ready output: citations, markdown that links, the relation view, and stable plain text."""

from __future__ import annotations

import json

import pytest
from markdown_it import MarkdownIt

from coalition_cli.model.handbook import Handbook
from tests.helpers import Invoke

ARTICLE = "Understanding The Russia-Syria-Iran-Iraq Coalition: A Geopolitical Deep Dive"


def test_cite_plain_names_article_section_and_quote(invoke: Invoke) -> None:
    result = invoke("cite", "iranian-advisers-47")
    assert result.exit_code == 0
    assert result.stdout == (
        f'"{ARTICLE}", section "Divergent Approaches: Russia vs. Iran in Syria": "the Russians had more advisers to'
        ' the regular Syrian forces than the Iranians, who only had 47 in total"\n'
    )


def test_cite_without_a_quote_names_every_section(invoke: Invoke) -> None:
    out = invoke("cite", "term", "proxy-forces").stdout
    assert out == (
        f'"{ARTICLE}", sections "Key Players and Their Roles", "Lieutenant General Qassem Soleimani\'s Leadership",'
        ' "Divergent Approaches: Russia vs. Iran in Syria" and "The Fall of Assad and Geopolitical Shifts"\n'
    )


def test_cite_the_opening_paragraph(invoke: Invoke) -> None:
    out = invoke("cite", "four-plus-one").stdout
    assert (
        out
        == f'"{ARTICLE}", the opening paragraph: "often referred to as the "4+1" due to the inclusion of Hezbollah"\n'
    )


def test_cite_markdown_and_bib(invoke: Invoke) -> None:
    markdown = invoke("cite", "soleimani", "-f", "markdown").stdout
    assert markdown.startswith(f'*{ARTICLE}*, section "Lieutenant General Qassem Soleimani\'s Leadership": "who was')
    bib = invoke("cite", "fact", "us-troops-south-korea", "--format", "bib").stdout
    assert bib == (
        "@misc{coalition-us-troops-south-korea,\n"
        f"  key = {{{ARTICLE}}},\n"
        f"  title = {{{{{ARTICLE}}}}},\n"
        "  howpublished = {Web article},\n"
        "  note = {Section ``The US Presence and Regional Power Vacuum''. Quoted: ``such as 28,500 troops in South"
        " Korea''. Cited for the entry ``U.S. troops in South Korea, as a comparison'' (fact us-troops-south-korea)."
        " The article gives no author, date or publisher.},\n"
        "}\n"
    )
    data = json.loads(invoke("cite", "mod", "-f", "json").stdout)
    assert data["id"] == "mod" and data["sections"] == [
        {"id": "divergent-approaches", "title": data["sections"][0]["title"]}
    ]
    assert data["quote"] == {"text": "regularly visiting the MOD", "section": "divergent-approaches"}
    assert data["document"] == ARTICLE


def test_cite_unknown_entry(invoke: Invoke) -> None:
    result = invoke("cite", "atlantis")
    assert result.exit_code == 1 and result.stderr.startswith('coalition: no entry named "atlantis"')


def _heading_id(text: str) -> str:
    """The id GitHub gives a heading, written out here apart from the program's own."""
    return "".join(c for c in text.lower() if c.isalnum() or c in " -_").replace(" ", "-")


def _link_targets_and_headings(markdown: str) -> tuple[set[str], list[str]]:
    """The links' targets, and the ids of the headings, as a markdown reader sees them."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    targets: set[str] = set()
    headings: list[str] = []
    for at, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append(_heading_id(tokens[at + 1].content.replace("\\", "")))
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href"))
                assert href.startswith("#"), href  # every link stays inside the document
                targets.add(href[1:])
    return targets, headings


def test_markdown_export_links_all_resolve(invoke: Invoke, handbook: Handbook) -> None:
    markdown = invoke("export", "--format", "markdown").stdout
    targets, headings = _link_targets_and_headings(markdown)
    assert len(headings) == len(set(headings)) > len(handbook.entries)
    assert len(targets) > 40
    assert targets <= set(headings), sorted(targets - set(headings))
    assert "## Contents" in markdown


def test_shown_entries_collected_in_one_note_link_to_each_other(invoke: Invoke) -> None:
    note = "\n".join(invoke("show", name, "-f", "markdown").stdout for name in ("iran", "irgc", "soleimani"))
    targets, headings = _link_targets_and_headings(note)
    assert {"islamic-revolutionary-guard-corps", "qassem-soleimani"} <= targets & set(headings)


def test_related_json_is_edges_as_the_handbook_states_them(invoke: Invoke) -> None:
    data = json.loads(invoke("related", "carlos", "-f", "json").stdout)
    assert data["root"] == {
        "kind": "figure",
        "id": "carlos-antonio-alcala-cordones",
        "title": "Carlos Antonio Alcala Cordones",
    }
    edges = {(e["source"], e["target"], e["relation"]) for e in data["edges"]}
    assert edges == {
        ("carlos-antonio-alcala-cordones", "soleimani", "related"),
        ("carlos-antonio-alcala-cordones", "soleimani-led-coalition", "related"),
        ("soleimani-leadership", "carlos-antonio-alcala-cordones", "mentions"),
    }
    assert {node["id"] for node in data["nodes"]} == {
        "carlos-antonio-alcala-cordones",
        "soleimani",
        "soleimani-led-coalition",
        "soleimani-leadership",
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["show", "iran"],
        ["list"],
        ["list", "facts"],
        ["search", "airspace"],
        ["timeline"],
        ["export"],
        ["export", "-f", "markdown"],
        ["related", "iran", "--depth", "2"],
        ["cite", "iran"],
        ["show", "soleimani", "-f", "markdown"],
    ],
)
def test_plain_and_markdown_output_is_stable(invoke: Invoke, args: list[str]) -> None:
    outputs = {invoke(*args).stdout for _ in range(3)}
    assert len(outputs) == 1
    assert "\x1b[" not in outputs.pop()


@pytest.mark.parametrize("command", [["show", "-f", "markdown"], ["cite", "-f", "markdown"]])
def test_notes_appended_to_one_file_stay_apart(invoke: Invoke, command: list[str]) -> None:
    """`cite A -f markdown >> notes.md; cite B -f markdown >> notes.md` is two paragraphs, not one."""
    first = invoke(command[0], "iran", *command[1:]).stdout
    second = invoke(command[0], "soleimani", *command[1:]).stdout
    paragraphs = [token for token in MarkdownIt("commonmark").parse(first + second) if token.type == "paragraph_open"]
    alone = [token for token in MarkdownIt("commonmark").parse(first) if token.type == "paragraph_open"]
    assert len(paragraphs) > len(alone)
    assert first.endswith("\n\n")
