"""Property tests: any query, any YAML, and any valid handbook's export round trip."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition_cli.build.loader import check_handbook, load_handbook
from coalition_cli.lookup.query import MAX_QUERY_CHARS, MAX_QUERY_WORDS
from coalition_cli.model.errors import HandbookError
from coalition_cli.model.inert import unsafe
from coalition_cli.source.fields import ACTOR_TYPES
from tests.helpers import MINIMAL, Invoke

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

queries = st.one_of(
    st.text(),
    st.text(alphabet=string.punctuation + " \"'", max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.lists(
        st.sampled_from(["AND", "OR", "NOT", "NEAR", "(", ")", '"', "*", ":", "^", "iran", "-", "+"]), max_size=12
    ).map(" ".join),
    st.just("x" * 10_000),
    st.text(alphabet="\x00\x01\x02\x03\x1b\x7f\t\n\r", max_size=20),
)


@pytest.mark.slow
@SETTINGS
@given(query=queries)
def test_any_query_exits_0_or_1_or_is_refused_as_too_long(invoke: Invoke, query: str) -> None:
    result = invoke("search", "--", query)
    too_long = len(query) > MAX_QUERY_CHARS or len(re.findall(r"\w+", query)) > MAX_QUERY_WORDS
    assert result.exit_code == (2 if too_long else result.exit_code) and result.exit_code in (0, 1, 2), query[:80]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code:
        assert result.stderr.count("\n") == 1 and result.stdout == ""


def _check_never_raises_otherwise(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "generated.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    handbook, problems = check_handbook(path)
    assert (handbook is None) == bool(problems)
    try:
        load_handbook(path)
    except HandbookError as error:
        assert error.problems


yaml_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_loads_or_fails_as_a_handbook_error(tmp_path: Path, text: str) -> None:
    _check_never_raises_otherwise(tmp_path, text)


@SETTINGS
@given(data=yaml_values)
def test_any_yaml_document_loads_or_fails_as_a_handbook_error(tmp_path: Path, data: Any) -> None:
    _check_never_raises_otherwise(tmp_path, yaml.safe_dump(data, allow_unicode=True))


@SETTINGS
@given(cut=st.integers(0, len(MINIMAL)), insert=st.text(alphabet="[]{}:,-&*!|>'\"#%@` \n\tab1", max_size=8))
def test_a_damaged_handbook_loads_or_fails_as_a_handbook_error(tmp_path: Path, cut: int, insert: str) -> None:
    _check_never_raises_otherwise(tmp_path, MINIMAL[:cut] + insert + MINIMAL[cut:])


@SETTINGS
@given(noise=st.binary(max_size=200))
def test_any_bytes_load_or_fail_as_a_handbook_error(tmp_path: Path, noise: bytes) -> None:
    _check_never_raises_otherwise(tmp_path, noise)


# -- export round trip ---------------------------------------------------------------------------

words = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() and not unsafe(s)  # the loader refuses what could drive a terminal
)
ids = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
dates = st.dates().map(lambda d: d.isoformat()).flatmap(lambda iso: st.sampled_from([iso[:4], iso[:7], iso]))


@st.composite
def handbooks(draw: st.DrawFn) -> dict[str, Any]:
    entry_ids = draw(st.lists(ids, min_size=2, max_size=8, unique=True))
    sections, rest = entry_ids[:1], entry_ids[1:]
    kinds = draw(
        st.lists(st.sampled_from(["actors", "figures", "facts", "terms"]), min_size=len(rest), max_size=len(rest))
    )
    data: dict[str, Any] = {"format": 1, "title": draw(words), "source": {"title": draw(words)}}
    if draw(st.booleans()):
        data["variants"] = draw(st.lists(st.lists(words, min_size=2, max_size=3), max_size=2))

    def common(entry_id: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": entry_id, "summary": draw(words)}
        others = [i for i in entry_ids if i != entry_id]
        entry["related"] = draw(st.lists(st.sampled_from(others), max_size=3, unique=True))
        entry["source"] = draw(st.lists(st.sampled_from([*sections, "lead"]), min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            entry["aliases"] = draw(st.lists(words, max_size=3))
        if draw(st.booleans()):
            entry["note"] = draw(words)
        if draw(st.booleans()):
            entry["quote"] = {"text": draw(words), "section": sections[0]}
        return entry

    data["sections"] = [
        {**common(i), "title": draw(words), "key_points": draw(st.lists(words, max_size=2))} for i in sections
    ]
    for entry_id, kind in zip(rest, kinds, strict=True):
        entry = common(entry_id)
        if kind in ("actors", "figures"):
            entry["name"] = draw(words)
        else:
            entry["title"] = draw(words)
        if kind == "actors":
            entry["type"] = draw(st.sampled_from(ACTOR_TYPES))
            entry["member"] = draw(st.booleans())
        if kind == "facts":
            if draw(st.booleans()):
                entry["date"] = draw(dates)
            if draw(st.booleans()):
                entry["value"] = draw(st.integers(-(10**9), 10**9) | st.floats(allow_nan=False, allow_infinity=False))
                entry["unit"] = draw(words)
        data.setdefault(kind, []).append(entry)
    return data


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=handbooks())
def test_export_json_written_back_as_yaml_loads_the_same_entries(invoke: Invoke, tmp_path: Path, data: Any) -> None:
    original = tmp_path / "original.yaml"
    original.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    first = load_handbook(original)
    exported = invoke("--handbook", str(original), "export", "--format", "json")
    assert exported.exit_code == 0, exported.stderr
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(json.loads(exported.stdout), allow_unicode=True), encoding="utf-8")
    second = load_handbook(again)
    # The export shows links from both ends, as `show` does: the same links, now written on both.
    shown = [(e.kind, {**e.to_data(), "related": list(first.related_of(e))}) for e in first.entries]
    assert [(e.kind, {**e.to_data(), "related": list(second.related_of(e))}) for e in second.entries] == shown
    assert (second.title, second.source, second.variants) == (first.title, first.source, first.variants)
