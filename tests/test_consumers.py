"""Hostile values from a generator, through the real consumers of each output format: pandoc's
markdown reader to HTML, bibtex with several styles, jq. Whatever a handbook's text holds, it
comes out as text: no element, attribute, field or key of its own making."""

from __future__ import annotations

import html.parser
import json
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Invoke, require_tool

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Pieces each format gives a meaning: pandoc's attributes, spans, links, raw HTML, citations and
# notes, GitHub's emoji; BibTeX's braces, quotes, commas and @; JSON's quotes and escapes; TeX's specials.
FRAGMENTS = [
    '{#iran onclick="alert(1)"}',
    "{.class}",
    "[x]{.y}",
    "[link](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "-->",
    "&amp;",
    "&#x3c;",
    "@key",
    ":smile:",
    "[@key]",
    "^[note]",
    "[^1]",
    "```",
    "~~~",
    ":::",
    "$x$",
    "\\",
    "\\end{document}",
    "}",
    "{",
    '",',
    'author = "Evil"',
    "@comment{",
    "%",
    "#",
    "* ",
    "- ",
    "1. ",
    "> ",
    "|",
    "<http://example.com>",
    "\\u0000",
    '\\"',
]
ALPHABET = "{}[]()<>#*_`~^$%&\\\"'=!|:;@,.-+/ abcXYZ019é€"
# What pandoc reads at the end of a heading (or after a span) as its attributes.
ENDINGS = ["", "", " {.c}", " {#x}", " {onclick=x}", " {-}", "{.c}", " #", " ##"]
hostile = (
    st.tuples(
        st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, min_size=1, max_size=6)), max_size=6),
        st.sampled_from(ENDINGS),
    )
    .map(lambda pieces: " ".join(("".join(pieces[0]) + pieces[1]).split()))
    .filter(lambda text: bool(re.search(r"\w", text)))
)


def hostile_handbook(draw: st.DrawFn) -> dict[str, Any]:
    """A valid handbook whose every shown text is drawn from `hostile`."""
    return {
        "format": 1,
        "title": draw(hostile),
        "source": {"title": draw(hostile)},
        "sections": [{"id": "first", "title": draw(hostile), "summary": draw(hostile), "source": ["lead"]}],
        "actors": [
            {
                "id": "someone",
                "name": draw(hostile),
                "type": "state",
                "summary": draw(hostile),
                "aliases": [draw(hostile)],
                "note": draw(hostile),
                "related": ["something"],
                "source": ["first"],
            }
        ],
        "facts": [
            {
                "id": "something",
                "title": draw(hostile),
                "summary": draw(hostile),
                "quote": {"text": draw(hostile), "section": "first"},
                "source": ["first"],
            }
        ],
    }


handbooks = st.composite(hostile_handbook)()


def written(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def shown_texts(data: dict[str, Any]) -> list[str]:
    """The texts a reader should see as written, wherever they land."""
    actor, fact, section = data["actors"][0], data["facts"][0], data["sections"][0]
    return [
        data["title"],
        section["title"],
        section["summary"],
        actor["name"],
        actor["summary"],
        actor["note"],
        fact["title"],
        fact["summary"],
        fact["quote"]["text"],
    ]


# -- pandoc ----------------------------------------------------------------------------------------

TAGS = {"h1", "h2", "h3", "h4", "p", "ul", "li", "a", "em", "strong", "blockquote", "code"}
ATTRIBUTES = {"id", "href"}
BLOCKS = {"h1", "h2", "h3", "h4", "p", "ul", "li", "blockquote"}


class Elements(html.parser.HTMLParser):
    """Every element and attribute of an HTML document, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self.text.append(" " if tag in BLOCKS else "")

    def handle_endtag(self, tag: str) -> None:
        self.text.append(" " if tag in BLOCKS else "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment came through: {data!r}")


# pandoc's `smart` extension, on by default, types quotes, dashes and ellipses: typography, not markup.
SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def plain_words(text: str) -> str:
    text = text.translate(SMART).replace("\u2014", "---").replace("\u2013", "--").replace("\u00a0", " ")
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.slow
@pytest.mark.parametrize("reader", ["markdown", "gfm"])
@SETTINGS
@given(data=handbooks)
def test_markdown_through_pandoc_is_only_text(
    invoke: Invoke, tmp_path: Path, reader: str, data: dict[str, Any]
) -> None:
    pandoc = require_tool("pandoc")
    path = written(tmp_path, data)
    exported = invoke("--handbook", str(path), "export", "-f", "markdown")
    assert exported.exit_code == 0, exported.stderr
    shown = invoke("--handbook", str(path), "show", "someone", "-f", "markdown")
    everything, actor = shown_texts(data), [data["actors"][0][key] for key in ("name", "summary", "note")]
    for document, texts in ((exported.stdout, everything), (shown.stdout, actor)):
        done = subprocess.run(
            [pandoc, "-f", reader, "-t", "html"], input=document, capture_output=True, text=True, timeout=60, check=True
        )
        elements = Elements()
        elements.feed(done.stdout)
        for tag, attrs in elements.tags:
            assert tag in TAGS, (tag, attrs, document)
            assert {name for name, _ in attrs} <= ATTRIBUTES, (tag, attrs, document)
            href = dict(attrs).get("href") or "#"
            # Ours land inside the document; GitHub's markdown links a bare web address, never a script.
            assert href.startswith(("#", "http://", "https://", "mailto:")), (href, document)
        text = plain_words("".join(elements.text))
        for value in texts:
            assert plain_words(value) in text, (value, document)


# -- bibtex ----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("style", ["plain", "unsrt", "abbrv"])
@SETTINGS
@given(data=handbooks)
def test_bibtex_reads_every_record_whole(invoke: Invoke, tmp_path: Path, style: str, data: dict[str, Any]) -> None:
    bibtex = require_tool("bibtex")
    path = written(tmp_path, data)
    exported = invoke("--handbook", str(path), "export", "-f", "bib")
    assert exported.exit_code == 0, exported.stderr
    (tmp_path / "refs.bib").write_text(exported.stdout, encoding="utf-8")
    (tmp_path / "doc.aux").write_text(f"\\citation{{*}}\n\\bibdata{{refs}}\n\\bibstyle{{{style}}}\n", encoding="utf-8")
    done = subprocess.run([bibtex, "doc"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "Warning" not in done.stdout, (done.stdout[-1500:], exported.stdout)
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == 3, bbl  # the section and both entries: none merged, none lost


# -- jq --------------------------------------------------------------------------------------------


@pytest.mark.slow
@SETTINGS
@given(data=handbooks)
def test_json_reads_back_the_same_text_in_jq(invoke: Invoke, tmp_path: Path, data: dict[str, Any]) -> None:
    jq = require_tool("jq")
    path = written(tmp_path, data)

    def through_jq(args: list[str], program: str) -> list[str]:
        result = invoke("--handbook", str(path), *args)
        assert result.exit_code == 0, result.stderr
        done = subprocess.run(
            [jq, "-c", program], input=result.stdout, capture_output=True, text=True, timeout=60, check=True
        )
        return [json.loads(line) for line in done.stdout.splitlines()]

    actor, fact = data["actors"][0], data["facts"][0]
    assert through_jq(["export", "-f", "json"], ".actors[0].title, .facts[0].quote.text") == [
        actor["name"],
        fact["quote"]["text"],
    ]
    assert through_jq(["show", "someone", "-f", "json"], ".title, .summary, .note") == [
        actor["name"],
        actor["summary"],
        actor["note"],
    ]
    assert through_jq(["export", "-f", "csl-json"], "length") == [3]
    assert through_jq(["list", "facts", "-f", "json"], ".[0].title") == [fact["title"]]
