"""Citations and notes that the real tools accept: bibtex with plain.bst, citeproc-py with a CSL
style, rispy as reference managers read RIS, and pandoc with both its markdown readers, to HTML
and to Word. Each tool is required in CI (.ci/run installs it) and skipped with a reason elsewhere."""

from __future__ import annotations

import json
import re
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest

from coalition_cli.model.handbook import Handbook
from tests.helpers import Run, require_machine, require_tool

KEY = re.compile(r"@misc\{([^,]+),")


@pytest.mark.slow  # an outside program
def test_bibtex_with_plain_bst_sorts_every_item_without_a_warning(run: Run, tmp_path: Path, handbook: Handbook) -> None:
    bibtex = require_tool("bibtex")
    style = subprocess.run([require_tool("kpsewhich"), "plain.bst"], capture_output=True, text=True, check=False)
    require_machine(bool(style.stdout.strip()), "needs BibTeX's plain.bst (apt-get install texlive-base)")
    (tmp_path / "refs.bib").write_bytes(run("export", "--format", "bib").stdout)
    for entry_id in ("iran", "soleimani-killed"):  # appended one by one, as notes are
        with (tmp_path / "refs.bib").open("ab") as handle:
            handle.write(b"\n" + run("cite", entry_id, "-f", "bib").stdout.replace(b"coalition-", b"again-"))
    (tmp_path / "doc.aux").write_text("\\citation{*}\n\\bibstyle{plain}\n\\bibdata{refs}\n", encoding="utf-8")
    done = subprocess.run([bibtex, "doc"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8")
    assert done.returncode == 0 and "Warning" not in log and "error" not in log.lower(), log
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem{") == len(handbook.entries) + 2
    assert "{Understanding The Russia-Syria-Iran-Iraq Coalition" in bbl  # capitals kept, in braces
    assert "gives no author, date or publisher" in " ".join(bbl.split())


def test_bibtex_parses_and_formats_in_pybtex(run: Run, handbook: Handbook) -> None:
    """pybtex, which Python documentation tools cite with, reads every item and formats it in its own
    plain style: the fields a style needs are there."""
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    database = parse_string(run("export", "--format", "bib").stdout.decode(), "bibtex")
    assert sorted(database.entries) == sorted(f"coalition-{entry.id}" for entry in handbook.entries)
    style = find_plugin("pybtex.style.formatting", "plain")()
    rendered = [item.text.render_as("text") for item in style.format_entries(database.entries.values())]
    assert all(text.startswith("Understanding The Russia-Syria-Iran-Iraq Coalition") for text in rendered)
    iran = database.entries["coalition-iran"]
    assert iran.type == "misc" and "Divergent Approaches" in iran.fields["note"]


def test_bibtex_fields_escape_what_tex_would_read(run: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "format: 1\ntitle: Notes\nbase: bundled\nterms:\n  - id: odd\n"
        "    title: 'Odd {brace} 100% & $x_1 #2 ~ ^ \\\\'\n    summary: S.\n    source: [genesis]\n",
        encoding="utf-8",
    )
    bib = run("--handbook", str(notes), "cite", "odd", "-f", "bib").stdout.decode()
    note = next(line for line in bib.splitlines() if line.strip().startswith("note"))
    assert "\\textbraceleft{}brace\\textbraceright{}" in note and "100\\%" in note and "\\&" in note
    assert "\\$x\\_1" in note and "\\#2" in note
    assert note.count("{") == note.count("}")  # balanced as BibTeX counts them: escaped or not, every one


def test_csl_json_renders_in_a_citation_style(run: Run) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(run("export", "--format", "csl-json").stdout)
    single = json.loads(run("cite", "iran", "--format", "csl-json").stdout)
    assert [item["id"] for item in single] == ["coalition-iran"] and single[0] in items
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        style = CitationStylesStyle("harvard-cite-them-right", validate=False)
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        citations = [Citation([CitationItem(item["id"])]) for item in items]
        for citation in citations:
            bibliography.register(citation)
        missing: list[object] = []
        cited = [str(bibliography.cite(citation, missing.append)) for citation in citations]
        rendered = [str(entry) for entry in bibliography.bibliography()]
    assert missing == [] and len(cited) == len(items)
    assert all("Understanding The Russia-Syria-Iran-Iraq Coalition" in text for text in rendered)
    assert all(item["type"] == "webpage" and item["section"] and item["note"] for item in items)


def test_ris_reads_as_reference_managers_read_it(run: Run, handbook: Handbook) -> None:
    import rispy

    records = rispy.loads(run("export", "--format", "ris").stdout.decode())
    assert len(records) == len(handbook.entries)
    for record in records:
        assert record["type_of_reference"] == "ELEC"
        assert record["title"].startswith("Understanding The Russia-Syria-Iran-Iraq Coalition")
        assert record["id"].startswith("coalition-") and record["section"] and record["notes"]
    iran = rispy.loads(run("cite", "iran", "--format", "ris").stdout.decode())
    assert len(iran) == 1 and "abstract" not in iran[0]
    assert "Quoted: \u201cIran tended to focus" in " ".join(iran[0]["notes"])


# -- markdown through pandoc -----------------------------------------------------------------------


def _html_ids_and_links(html: str) -> tuple[list[str], set[str]]:
    return re.findall(r'\bid="([^"]+)"', html), set(re.findall(r'href="#([^"]+)"', html))


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["markdown", "gfm"])
def test_export_through_pandoc_has_unique_ids_and_every_link_lands(run: Run, tmp_path: Path, reader: str) -> None:
    pandoc = require_tool("pandoc")
    source = tmp_path / "coalition.md"
    source.write_bytes(run("export", "--format", "markdown").stdout)
    html = subprocess.run(
        [pandoc, "-f", reader, "-t", "html", str(source)], capture_output=True, text=True, timeout=120, check=True
    )
    ids, links = _html_ids_and_links(html.stdout)
    assert html.stderr == ""
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(links) > 50 and links <= set(ids), sorted(links - set(ids))
    docx = tmp_path / f"{reader}.docx"
    subprocess.run([pandoc, "-f", reader, "-t", "docx", str(source), "-o", str(docx)], timeout=120, check=True)
    document = zipfile.ZipFile(docx).read("word/document.xml").decode()
    bookmarks = set(re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', document))
    anchors = set(re.findall(r'w:anchor="([^"]+)"', document))
    assert len(anchors) > 50 and anchors <= bookmarks, sorted(anchors - bookmarks)


@pytest.mark.slow  # an outside program
def test_notes_appended_one_by_one_stay_apart_and_link_to_each_other(run: Run, tmp_path: Path) -> None:
    pandoc = require_tool("pandoc")
    notes = tmp_path / "notes.md"
    for args in (["cite", "iran"], ["cite", "iraq"], ["show", "soleimani"], ["show", "quds-force"]):
        with notes.open("ab") as handle:
            handle.write(run(*args, "-f", "markdown").stdout)
    html = subprocess.run(
        [pandoc, "-f", "markdown", "-t", "html", str(notes)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    paragraphs = re.findall(r"<p>(.*?)</p>", html, re.DOTALL)
    assert sum("Understanding The Russia" in p for p in paragraphs) >= 4  # each citation a paragraph of its own
    ids, links = _html_ids_and_links(html)
    assert "qassem-soleimani" in ids and "quds-force" in links and "quds-force" in ids  # notes link to each other
