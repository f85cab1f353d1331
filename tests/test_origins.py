"""Every word carries its origin: a reader's own entries, quotes and answers are marked as theirs in
every view, and cited as their notes (or the source their file names), never as the article.

The article's title stands for "cited as the article": it must not appear in what is cited for a
reader's entry, whatever the format, and must appear for the shipped handbook's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pybtex.database import parse_string

from coalition_cli.model.handbook import Handbook
from tests.helpers import Invoke, Run, require_tool

FORMATS = ["plain", "markdown", "json", "bib", "csl-json", "ris"]

NOTES = """\
format: 1
title: My notes
base: bundled
{source}
sections:
  - id: reuters-dec-8
    title: "Reuters, 8 December 2024"
    summary: A report on the fall of the government.
facts:
  - id: mine
    title: A fact of my own
    summary: Something I read elsewhere about the airspace.
    source: [reuters-dec-8]
    quote:
      text: "words from my own source"
      section: reuters-dec-8
  - id: pointing
    title: A claim pointed at the article
    summary: A claim of mine that I tie to the article's section on divergent approaches.
    source: [divergent-approaches]
    quote:
      text: "Russia led everything alone"
      section: divergent-approaches
  - id: copied
    title: A quote copied from the article
    summary: A quote of the article's, copied into my notes.
    source: [divergent-approaches]
    quote:
      text: "Iran tended to focus on cultivating relationships with irregular forces"
      section: divergent-approaches
"""

SOURCE = """\
source:
  title: "Assad flees Syria"
  author: A. Reporter
  publisher: Reuters
  date: 2024-12-08
  url: https://example.org/assad-flees
"""


@pytest.fixture(params=["named", "unnamed"])
def notes(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A notes file with a source of its own (`named`) or without one."""
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES.format(source=SOURCE if request.param == "named" else ""), encoding="utf-8")
    return path


def article_title(handbook: Handbook) -> str:
    return handbook.source.title


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry", ["mine", "pointing", "copied"])
def test_a_readers_entry_is_never_cited_as_the_article(
    invoke: Invoke, notes: Path, handbook: Handbook, fmt: str, entry: str
) -> None:
    env = {"COALITION_HANDBOOK": str(notes)}
    cited = invoke("cite", entry, "-f", fmt, env=env)
    assert cited.exit_code == 0, cited.stderr
    assert article_title(handbook) not in cited.stdout
    assert "The article gives no author" not in cited.stdout
    named = "Assad flees Syria" in notes.read_text(encoding="utf-8")
    assert ("Assad flees Syria" in cited.stdout) if named else ("Your notes, notes.yaml" in cited.stdout)
    shipped = invoke("cite", "iran", "-f", fmt, env=env)
    assert article_title(handbook) in shipped.stdout and "notes.yaml" not in shipped.stdout


def test_a_readers_quote_is_the_articles_only_when_the_article_says_it(invoke: Invoke, notes: Path) -> None:
    env = {"COALITION_HANDBOOK": str(notes)}
    invented = invoke("cite", "pointing", env=env).stdout
    assert '"Russia led everything alone" (in your notes; not among the article\'s quotes)' in invented
    copied = invoke("cite", "copied", env=env).stdout
    assert "(the article's words, section \"Divergent Approaches" in copied
    data = json.loads(invoke("cite", "pointing", "-f", "json", env=env).stdout)
    assert data["quote_in_article"] is None and data["origin"] == {"file": str(notes), "shipped": False}
    data = json.loads(invoke("cite", "copied", "-f", "json", env=env).stdout)
    assert data["quote_in_article"]["section"] == "divergent-approaches"
    shown = invoke("show", "pointing", "-f", "plain", env=env).stdout
    assert 'Quote: "Russia led everything alone" (in your notes; not among the article\'s quotes)' in shown


def test_a_named_source_is_cited_in_every_reference_format(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES.format(source=SOURCE), encoding="utf-8")
    env = {"COALITION_HANDBOOK": str(path)}
    [entry] = parse_string(invoke("cite", "mine", "-f", "bib", env=env).stdout, "bibtex").entries.values()
    assert entry.fields["publisher"] == "Reuters" and entry.fields["year"] == "2024"
    assert str(entry.persons["author"][0]) == "{A. Reporter}" or entry.fields.get("author")
    [item] = json.loads(invoke("cite", "mine", "-f", "csl-json", env=env).stdout)
    assert item["author"] == [{"literal": "A. Reporter"}] and item["issued"] == {"date-parts": [[2024, 12, 8]]}
    assert item["URL"] == "https://example.org/assad-flees" and item["publisher"] == "Reuters"
    import rispy

    [record] = rispy.loads(invoke("cite", "mine", "-f", "ris", env=env).stdout)
    assert record["authors"] == ["A. Reporter"] and record["urls"] == ["https://example.org/assad-flees"]
    assert record["title"] == "Assad flees Syria" and "reader's own notes" in " ".join(record["notes"])


@pytest.mark.slow  # an outside program
def test_citations_of_a_readers_notes_format_in_bibtex(invoke: Invoke, notes: Path, tmp_path: Path) -> None:
    bibtex = require_tool("bibtex")
    env = {"COALITION_HANDBOOK": str(notes)}
    (tmp_path / "refs.bib").write_text(invoke("export", "-f", "bib", env=env).stdout, encoding="utf-8")
    for style in ("plain", "unsrt", "abbrv"):
        aux = "\\citation{*}\n\\bibdata{refs}\n" + f"\\bibstyle{{{style}}}\n"
        (tmp_path / "doc.aux").write_text(aux, encoding="utf-8")
        done = subprocess.run([bibtex, "doc"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and "Warning" not in done.stdout, done.stdout[-1500:]
        bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
        assert "notes.yaml, the reader's own notes" in bbl and bbl.count("\\bibitem") > 50


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["plain", "markdown", "json", "rich"])
def test_every_view_marks_a_readers_entry(invoke: Invoke, notes: Path, fmt: str) -> None:
    env = {"COALITION_HANDBOOK": str(notes), "COLUMNS": "200"}
    mark = "your notes, notes.yaml; not the article"
    shown = invoke("show", "mine", "-f", fmt, env=env).stdout
    found = invoke("search", "something", "read", "elsewhere", "-f", fmt, env=env).stdout
    shipped = invoke("show", "iran", "-f", fmt, env=env).stdout
    if fmt == "json":
        assert json.loads(shown)["origin"] == {"file": str(notes), "shipped": False}
        assert json.loads(found)[0]["origin"]["shipped"] is False
        # The shipped handbook by its name, wherever the package was installed.
        assert json.loads(shipped)["origin"] == {"file": "handbook.yaml", "shipped": True}
        return
    assert mark in shown and mark in found
    assert "your notes" not in shipped.split("Note")[0]  # the reader's note on Iran is marked as theirs


def test_an_answer_from_a_readers_entry_says_whose_it_is(invoke: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nfacts:\n  - id: led-by-me\n    title: The coalition's leader\n"
        "    index: [who led the coalition]\n    summary: Iran led the coalition, my notes say.\n    who: [iran]\n"
        "    source: [genesis]\n    quote: {text: Iran alone led the coalition, section: genesis}\n",
        encoding="utf-8",
    )
    env = {"COALITION_HANDBOOK": str(path)}
    answer = invoke("ask", "who", "led", "the", "coalition", env=env)
    assert answer.stdout.splitlines()[0].endswith("(from your notes, notes.yaml; not the article)")
    assert "not among the article's quotes" in answer.stdout
    data = json.loads(invoke("ask", "who", "led", "the", "coalition", "-f", "json", env=env).stdout)
    assert data["origin"]["shipped"] is False and data["quote_in_article"] is None
    shipped = invoke("ask", "who", "led", "the", "coalition")
    assert "your notes" not in shipped.stdout


def test_a_copy_of_the_shipped_handbook_is_the_article_and_an_edited_one_is_not(
    invoke: Invoke, tmp_path: Path, handbook: Handbook
) -> None:
    from coalition_cli.source.stack import bundled_handbook_path

    copy = tmp_path / "copy.yaml"
    shutil.copyfile(bundled_handbook_path(), copy)
    assert article_title(handbook) in invoke("--handbook", str(copy), "cite", "iran").stdout
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = invoke("--handbook", str(copy), "cite", "iran").stdout
    assert 'Deep Dive", section "Divergent Approaches' in edited and "(from your notes, copy.yaml)" in edited


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("url", "javascript:alert(1)", "is not a web address"),
        ("url", "https://exa mple.org", "is not a web address"),
        ("date", "yesterday", "is not an ISO 8601 date"),
        ("author", "[a, b]", "expected text"),
        ("editor", "Someone", 'unknown key "editor"'),
    ],
)
def test_a_source_block_is_validated(run: Run, tmp_path: Path, field: str, value: str, words: str) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES.format(source=f"source:\n  title: T\n  {field}: {value}\n"), encoding="utf-8")
    result = run("validate", str(path))
    assert result.returncode == 3 and words in result.stdout.decode(), result.stdout


# -- names and questions stay the article's ------------------------------------------------------


def test_index_terms_that_take_shipped_names_or_questions_are_warned_of(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nterms:\n  - id: my-term\n    title: My term\n"
        "    index: [kremlin, damascus, who led the coalition]\n    summary: Mine.\n    source: [genesis]\n",
        encoding="utf-8",
    )
    checked = run("validate", str(path)).stdout.decode().splitlines()
    assert [line.split(": warning: ")[0] for line in checked[:-1]] == [f"{path}:7:13", f"{path}:7:22", f"{path}:7:32"]
    assert '"kremlin" is a word in "the Kremlin" (actor "russia" in ' in checked[0]
    assert '"damascus" is also a name of actor "syria" in ' in checked[1]
    assert 'a question about "the coalition" (term "four-plus-one" in ' in checked[2]
    assert checked[-1].endswith("valid, 56 entries in 2 files, 131 links (each shown from both ends)")
    shown = run("show", "damascus", env={"COALITION_HANDBOOK": str(path)})
    assert b'"damascus" is also a name of actor "syria"' in shown.stderr  # told on every run too
