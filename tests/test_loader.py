"""Loading handbook files: the format's rules, YAML's surprises, and hostile input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from coalition_cli.build.loader import MAX_BYTES, check_handbook, load_handbook
from coalition_cli.model.errors import HandbookError, Problem
from coalition_cli.source.stack import bundled_handbook_path
from tests.helpers import MINIMAL

Write = Callable[[str], Path]


def problems_of(path: Path) -> list[Problem]:
    handbook, problems = check_handbook(path)
    assert handbook is None, "expected problems"
    return problems


def messages(path: Path) -> list[str]:
    return [f"{p.line}:{p.column}: {p.message}" for p in problems_of(path)]


def test_minimal_handbook_loads(minimal_handbook: Path) -> None:
    handbook = load_handbook(minimal_handbook)
    assert [e.id for e in handbook.entries] == ["first", "somewhere"]
    assert handbook.get("first") is not None
    # A section with no `source` rests on itself.
    assert handbook.get("first").source == ("first",)  # type: ignore[union-attr]


def test_bundled_handbook_found_from_a_checkout() -> None:
    path = bundled_handbook_path()
    assert path.name == "handbook.yaml" and path.is_file()


def test_yaml_11_surprises_are_normalised(write_handbook: Write) -> None:
    path = write_handbook(
        MINIMAL
        + """\
facts:
  - id: unquoted-day
    title: A day written without quotes
    date: 2020-01-03
    summary: no
    source: [first]
  - id: unquoted-year
    title: A year written without quotes
    date: 2010
    summary: "yes"
    aliases: [on, off, 010]
    source: [first]
"""
    )
    # `no`, `on` and `off` are text (not booleans) and `010` is text as written (not octal 8).
    handbook = load_handbook(path)
    day, year = handbook.get("unquoted-day"), handbook.get("unquoted-year")
    assert day is not None and day.date == "2020-01-03" and day.summary == "no"
    assert year is not None and year.date == "2010" and year.aliases == ("on", "off", "010")
    # A real number where text belongs is reported, with the fix.
    path.write_text(path.read_text().replace("[on, off, 010]", "[on, off, 10]"))
    _, problems = check_handbook(path)
    assert [p.message for p in problems] == [
        "fact unquoted-year: aliases[2]: expected text, got the number 10 (put it in quotes)"
    ]


def test_every_problem_is_reported_with_line_and_column(write_handbook: Write) -> None:
    path = write_handbook(
        """\
format: 1
title: broken
sourc: {title: x}
actors:
  - id: Iran
    title: Iran
    summary: 2010
    related: [irq]
    source: [nope]
    type: stat
  - id: iraq
    name: Iraq
    summary: ok
    summary: twice
    source: [first]
    type: state
facts:
  - id: f
    title: F
    date: 2015-13
    value: 28,500
    summary: s
    source: [first]
  - id: iraq
    title: again
    summary: s
    source: [first]
sections:
  - id: first
    title: First
    summary: s
"""
    )
    assert messages(path) == [
        '3:1: unknown key "sourc" (did you mean "source"?)',
        '5:9: actor Iran: id: "Iran" is not a valid id (lowercase letters, digits, hyphens)',
        "7:14: actor Iran: summary: expected text, got the number 2010 (put it in quotes)",
        '8:15: actor Iran: related: no entry with id "irq" (did you mean "iraq"?)',
        '9:14: actor Iran: source: no section with id "nope"',
        "10:11: actor Iran: type: must be one of: state, non-state force, organisation, grouping, government"
        ' (did you mean "state"?)',
        '14:5: duplicate key "summary" (first at line 13)',
        '18:5: fact f: a value needs a "unit"',
        '20:11: fact f: date: "2015-13" is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)',
        "21:12: fact f: value: expected a number (write 28500, not 28,500), got text",
        '24:9: duplicate id "iraq" (first at line 11)',
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("# only a comment\n", "holds no YAML document"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("format: 1\ntitle: [unclosed\n", "YAML syntax"),
        ("format: 2\ntitle: t\n", "format 2 is not supported"),
        ("title: t\nactors: []\n", 'missing "format: 1"'),
        ("format: 1\ntitle: t\nactors: {id: x}\n", "expected a list of actors, got a mapping"),
        ("format: 1\ntitle: t\n", "has no entries"),
    ],
)
def test_broken_files(write_handbook: Write, text: str, expected: str) -> None:
    problems = problems_of(write_handbook(text))
    assert any(expected in p.message for p in problems), problems


def test_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"format: 1\ntitle: caf\xe9\n")
    [problem] = problems_of(path)
    assert (problem.line, problem.column, problem.message) == (2, 11, "is not UTF-8 text (byte 0xe9)")


@pytest.mark.parametrize("at", [(1 << 20) - 1, (1 << 20) + 5, 3 << 20])
def test_utf8_is_checked_across_a_large_file(tmp_path: Path, at: int) -> None:
    """A large file is checked a megabyte at a time: a character across the boundary is whole,
    a bad byte anywhere (in ASCII pages that are skipped whole, too) is found at its line."""
    head = b"format: 1\ntitle: t\n"
    lines = (at - len(head)) // 64
    padding = b"".join(b"#" + b"x" * 62 + b"\n" for _ in range(lines))
    padding += b"#" * (at - len(head) - len(padding))  # the character starts at byte `at`
    good = tmp_path / "good.yaml"
    good.write_bytes(head + padding + "\u00e9".encode() + b"\nterms: []\n" + b"#" * (1 << 20))
    assert all("UTF-8" not in p.message for p in problems_of(good))
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(head + padding + b"\xe9\nterms: []\n" + b"#" * (1 << 20))
    [problem] = problems_of(bad)
    assert (problem.line, problem.message) == (head.count(b"\n") + lines + 1, "is not UTF-8 text (byte 0xe9)")


def test_control_characters_are_located(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"format: 1\ntitle: a\x00b\n")
    [problem] = problems_of(path)
    assert (problem.line, problem.column) == (2, 9)
    assert "0x00" in problem.message


def test_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    [problem] = problems_of(path)
    assert "handbooks are limited to 128 MB" in problem.message


def test_recursive_alias_is_refused(write_handbook: Write) -> None:
    [problem] = problems_of(write_handbook("a: &a [*a]\n"))
    assert "refers to a value that contains it" in problem.message


def test_modest_aliases_are_allowed(write_handbook: Write) -> None:
    text = MINIMAL.replace("related: [first]", "related: &rel [first]") + (
        "  - id: elsewhere\n    name: Elsewhere\n    type: state\n"
        "    summary: s\n    related: *rel\n    source: [first]\n"
    )
    handbook = load_handbook(write_handbook(text))
    assert handbook.get("elsewhere").related == ("first",)  # type: ignore[union-attr]


def test_load_raises_handbook_error_with_every_problem(write_handbook: Write) -> None:
    path = write_handbook(MINIMAL.replace("related: [first]", "related: [nowhere, nothing]"))
    with pytest.raises(HandbookError) as caught:
        load_handbook(path)
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith(f'{path}:14:15: actor somewhere: related: no entry with id "nowhere"')
    assert "(and 1 more problem; run 'coalition validate')" in str(caught.value)


def test_multiline_text_becomes_one_line_per_paragraph(write_handbook: Write) -> None:
    text = MINIMAL.replace(
        "summary: A place that exists only in tests.",
        "summary: |\n      First line\n      same paragraph.\n\n      Second   paragraph.",
    )
    entry = load_handbook(write_handbook(text)).get("somewhere")
    assert entry is not None and entry.summary == "First line same paragraph.\n\nSecond paragraph."
