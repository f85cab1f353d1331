"""Nothing that comes from a file, a file name or the command line drives the terminal or hides
text: not in a text field, a key, an id, a related id, a date or a file name; not in output of any
format, in an error message, or in `validate`. And markdown shows handbook text as written."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition_cli.model.inert import is_safe, one_line, unsafe, visible
from tests.helpers import MINIMAL, Invoke, Run

# What a terminal acts on or a reader cannot see, judged from the Unicode database here rather
# than from the program's own list: controls (C0 but tab and newline, DEL, C1), format characters
# (bidirectional overrides and isolates, zero-width spaces, tags) but the joiners Persian needs,
# and the line and paragraph separators.
ALLOWED_FORMAT = {"\u200c", "\u200d"}
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) beyond the format characters,
# which Python's database does not give; and the braille blank, a letter that draws nothing.
IGNORABLE = {
    0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0,
    *range(0xFE00, 0xFE10), *range(0xFFF0, 0xFFF9), *range(0xE0000, 0xE1000),
}  # fmt: skip
BLANK = {0x2800}


def driving(text: str) -> list[str]:
    return [
        char
        for char in text
        if (unicodedata.category(char) == "Cc" and char not in "\t\n")
        or (unicodedata.category(char) == "Cf" and char not in ALLOWED_FORMAT)
        or unicodedata.category(char) in ("Zl", "Zp")
        or ord(char) in IGNORABLE
        or ord(char) in BLANK
    ]


NASTY = st.one_of(
    st.sampled_from(
        [
            "\x1b]52;c;cHduZWQ=\x07",  # OSC 52: write the reader's clipboard
            "\x1b[2J\x1b[H",  # clear the screen
            "real\rFAKE",
            "\x9b31m",  # CSI in one byte
            "\u202eevil\u202c",
            "\u2066hidden\u2069",
            "zero\u200bwidth",
            "\U000e0041tag",
            "line\u2028break",
            "\x00\x08\x7f",
        ]
    ),
    st.text(
        alphabet=st.characters(categories=("Cc", "Cf", "Zl", "Zp"), exclude_characters="\t\n\x00"),
        min_size=1,
        max_size=4,
    ),
)

# Where such text can sit in a handbook file: (what it replaces in MINIMAL, how it is written).
PLACES = {
    "summary": ("A place that exists only in tests.", "{}"),
    "title": ("name: Somewhere", "name: {}"),
    "id": ("id: somewhere", "id: {}"),
    "related id": ("related: [first]", "related: [{}]"),
    "section id": ("source: [first]", "source: [{}]"),
    "key": ("    type: state", "    type: state\n    {}: 1"),
    "date": ("    type: state", "    type: state\n    date: {}"),
    "alias": ("    type: state", "    type: state\n    aliases: [{}]"),
    "note": ("    type: state", "    type: state\n    note: {}"),
    "top key": ("format: 1", "format: 1\n{}: 1"),
}
RUNS = [
    ["show", "somewhere", "-f", "plain"],
    ["show", "somewhere", "-f", "markdown"],
    ["show", "somewhere", "-f", "json"],
    ["show", "somewhere", "-f", "rich"],
    ["list", "actors"],
    ["search", "place", "-f", "markdown"],
    ["export", "-f", "markdown"],
]


def quoted(text: str) -> str:
    """As a double-quoted YAML scalar, so every character reaches the parser as itself."""
    return json.dumps(text)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(sorted(PLACES)), nasty=NASTY, in_file_name=st.booleans())
def test_nothing_from_a_file_drives_the_terminal(
    invoke: Invoke, tmp_path_factory: pytest.TempPathFactory, place: str, nasty: str, in_file_name: bool
) -> None:
    folder = tmp_path_factory.mktemp("nasty")
    old, new = PLACES[place]
    text = MINIMAL.replace(old, new.format(quoted(nasty)), 1)
    name = ("notes" + nasty.replace("/", "").replace("\x00", "") + ".yaml") if in_file_name else "notes.yaml"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    checked = invoke("validate", str(path))
    assert not driving(checked.stdout + checked.stderr), (place, checked.stdout + checked.stderr)
    assert checked.exit_code in (0, 3)
    for args in RUNS:
        result = invoke("--handbook", str(path), *args)
        shown = result.stdout + result.stderr
        assert not driving(shown), (place, args, shown)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        if result.exit_code == 0 and "json" in args:
            json.loads(result.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["show", "\x1b]52;c;aGk=\x07"],
        ["search", "\x1b[2J", "\u202e"],
        ["related", "x\ry"],
        ["list", "\x9b"],
        ["--handbook", "\x1b[31m.yaml", "list"],
        ["validate", "\u2066x.yaml"],
        ["cite", "iran", "-f", "\x1b"],
    ],
)
def test_nothing_typed_drives_the_terminal_in_an_error(invoke: Invoke, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code in (1, 2, 3)
    assert result.stderr.count("\n") == 1 and not driving(result.stderr), result.stderr


@pytest.mark.parametrize(
    ("summary", "written"),
    [
        ("## Not a heading", "\\#\\# Not a heading"),
        ("Fake {#iran onclick=x} [a]{.b}", "Fake \\{\\#iran onclick=x\\} \\[a\\]\\{.b\\}"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("> not a quote", "\\> not a quote"),
        (
            "a *b* [c](d) <e> `f` |g| $h$ @i ~j~ ^k^ &amp;",
            "a \\*b\\* \\[c\\](d) \\<e\\> \\`f\\` \\|g\\| \\$h\\$ \\@i \\~j\\~ \\^k\\^ \\&amp;",
        ),
    ],
)
def test_markdown_shows_handbook_text_as_written(invoke: Invoke, tmp_path: Path, summary: str, written: str) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(MINIMAL.replace("A place that exists only in tests.", quoted(summary)), encoding="utf-8")
    result = invoke("--handbook", str(path), "show", "somewhere", "-f", "markdown")
    assert result.exit_code == 0
    assert written in result.stdout.splitlines()


@pytest.mark.slow
def test_the_list_of_unsafe_characters_matches_this_pythons_unicode_database() -> None:
    # Characters a later Unicode assigns as format characters may be listed before this Python knows them.
    wrong = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and bool(unsafe(chr(code))) != bool(driving(chr(code)))
        and not (unsafe(chr(code)) and unicodedata.category(chr(code)) == "Cn")
    ]
    assert wrong == [], f"inert.py's list differs from Unicode {unicodedata.unidata_version} at {wrong[:20]}"


@pytest.mark.parametrize(
    "text", ["plain", "tab\tand\nnewline", "no\u00a0break", "zwnj\u200cok", "\x1b[31m", "a\u202eb"]
)
def test_every_escape_agrees_with_the_check(text: str) -> None:
    assert is_safe(text) == (unsafe(text) is None) == (visible(text) == text)
    assert is_safe(text, one_line=True) == (one_line(text) == text)
    assert not driving(visible(text)) and not driving(one_line(text)) and "\n" not in one_line(text)


def test_names_with_joiners_are_cleared_without_re(tmp_path: Path) -> None:
    """Persian and Arabic names hold zero-width joiners, which are allowed: the fast check clears
    them, so showing one does not import `re` (and what it brings); anything else is still caught."""
    code = (
        "import sys\n"
        "from coalition_cli.model.inert import is_safe, one_line, visible\n"
        "names = ['\u062d\u0632\u0628\u200c\u0627\u0644\u0644\u0647', 'a\u200db', 'two\\nlines\u200c']\n"
        "print(all(is_safe(n) for n in names), is_safe(names[0], one_line=True), visible(names[2]) == names[2])\n"
        "print('re' in sys.modules)\n"
        "print(is_safe('\u200c\\x1b[31m'), one_line('a\u200c\\nb'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert result.stdout == "True True True\nFalse\nFalse a\u200c\\x0ab\n"


def test_a_file_name_cannot_add_columns_or_lines_to_plain_output(run: Run, tmp_path: Path) -> None:
    # Line-oriented output is read by cut, awk and while-read loops: a TAB or a newline in a file's
    # name would add a column or forge a line of its own.
    name = "evil\tname\nforged.yaml"
    (tmp_path / name).write_text(MINIMAL.replace("format: 1", "format: 1\nbase: bundled"), encoding="utf-8")
    env = {"COALITION_HANDBOOK": str(tmp_path / name), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    counts = run("list", env=env).stdout.decode().splitlines()
    listed = run("list", "actors", env=env).stdout.decode().splitlines()
    cache = run("cache", env=env).stdout.decode().splitlines()
    assert [line.count("\t") for line in counts] == [1] * 7 + [2, 2], counts
    assert {line.count("\t") for line in listed} == {3}, listed
    assert len(cache) == 2 and "evil\\x09name\\x0aforged.yaml" in cache[1], cache
    assert not any(line.startswith("forged") for line in counts + listed + cache)
