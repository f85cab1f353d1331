"""Work stays bounded whatever a handbook or a query holds, and no input ends in a traceback.

Each case once took minutes or gigabytes. Here each runs as a real process under a memory limit
and a time limit far above what it needs now (these are guards against unbounded work, not speed
targets: those live in benchmarks/run.py)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from coalition_cli.lookup import relations
from coalition_cli.lookup.query import MAX_QUERY_CHARS, MAX_QUERY_WORDS
from coalition_cli.lookup.relations import MAX_NODES
from coalition_cli.model.errors import MAX_PROBLEMS
from coalition_cli.source.fields import MAX_TEXT
from tests.helpers import Invoke, clean_env

MEMORY_LIMIT = 1536 * 1024 * 1024  # address space, bytes
TIME_LIMIT = 120  # seconds


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


Bounded = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def bounded(coalition_bin: str, tmp_path: Path) -> Bounded:
    def call(*args: str, handbook: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = clean_env(XDG_CACHE_HOME=str(tmp_path / "xdg"))
        if handbook is not None:
            env["COALITION_HANDBOOK"] = str(handbook)
        result = subprocess.run(
            [coalition_bin, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=TIME_LIMIT,
            preexec_fn=_limited,
        )
        assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr, result.stderr[-2000:]
        return result

    return call


def handbook(tmp_path: Path, actors: list[dict[str, object]], name: str = "handbook.yaml") -> Path:
    data = {
        "format": 1,
        "title": "Bounds",
        "source": {"title": "A test article"},
        "sections": [{"id": "first", "title": "The first section", "summary": "A section."}],
        "actors": actors,
    }
    path = tmp_path / name
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, width=1 << 30), encoding="utf-8")
    return path


def actor(number: int, **fields: object) -> dict[str, object]:
    return {
        "id": f"a{number}",
        "name": f"Actor {number}",
        "type": "state",
        "summary": "An actor.",
        "source": ["first"],
        **fields,
    }


def test_related_in_a_clique_shows_each_entry_once(bounded: Bounded, tmp_path: Path) -> None:
    ids = [f"a{n}" for n in range(120)]
    path = handbook(tmp_path, [actor(n, related=[i for i in ids if i != f"a{n}"]) for n in range(120)])
    result = bounded("related", "a0", "--depth", "3", "-f", "json", handbook=path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(node["id"] for node in data["nodes"]) == sorted(ids)
    assert data["left_out"] == 0
    assert len(data["edges"]) == len({(e["source"], e["target"]) for e in data["edges"]}) == 120 * 119


@pytest.mark.slow
def test_a_hub_beyond_sqlites_variable_limit(bounded: Bounded, tmp_path: Path) -> None:
    count = 40_000  # more than SQLite's 32,766 parameters in one statement
    path = handbook(
        tmp_path, [actor(0, related=[f"a{n}" for n in range(1, count + 1)])] + [actor(n) for n in range(1, count + 1)]
    )
    shown = bounded("show", "a0", "-f", "json", handbook=path)
    assert shown.returncode == 0 and len(json.loads(shown.stdout)["related"]) == count
    tree = bounded("related", "a0", "--depth", "3", "-f", "json", handbook=path)
    data = json.loads(tree.stdout)
    assert tree.returncode == 0 and len(data["nodes"]) == MAX_NODES and data["left_out"] == count + 1 - MAX_NODES
    plain = bounded("related", "a5", "--depth", "2", handbook=path)
    lines = plain.stdout.splitlines()
    assert len(lines) == MAX_NODES - 1 and all(line.strip().startswith("related: a") for line in lines)
    assert plain.stderr == (  # piped lines stay `type: id`: what was left out is said on stderr
        f"coalition: ... and {count + 1 - MAX_NODES:,} more entries within reach, not shown"
        f" (a tree shows at most {MAX_NODES:,})\n"
    )


def test_a_huge_text_is_refused_before_it_costs(bounded: Bounded, tmp_path: Path) -> None:
    path = handbook(tmp_path, [actor(0, summary="word " * 2_000_000)])  # 10 MB in one summary
    result = bounded("search", "word", "another", handbook=path)
    assert result.returncode == 3
    assert result.stderr.endswith(f"summary: is 10,000,000 characters; a text holds at most {MAX_TEXT:,}\n")


@pytest.mark.slow
def test_many_dangling_references_and_unknown_keys(bounded: Bounded, tmp_path: Path) -> None:
    dangling = handbook(tmp_path, [actor(0, related=[f"missing-{n}" for n in range(20_000)])], "dangling.yaml")
    result = bounded("validate", str(dangling))
    lines = result.stdout.splitlines()  # as compilers do: the first MAX_PROBLEMS, then a count of the rest
    assert result.returncode == 3 and len(lines) == MAX_PROBLEMS + 1
    assert 'no entry with id "missing-0"' in lines[0] and 'no entry with id "missing-999"' in lines[-2]
    assert lines[-1].endswith(f"... and {20_000 - MAX_PROBLEMS:,} more problems not listed (only the first 1,000 are)")
    assert result.stderr == f"coalition: {dangling}: 20,000 problems\n"
    keys = handbook(tmp_path, [actor(0, **{f"key{n}": 1 for n in range(20_000)})], "keys.yaml")
    result = bounded("list", handbook=keys)
    assert result.returncode == 3 and "(and 19,999 more problems; run 'coalition validate')" in result.stderr


@pytest.mark.slow
def test_a_million_problems_are_counted_not_held(bounded: Bounded, tmp_path: Path) -> None:
    """Each problem the YAML reader or the field checks find past the cap is counted, not kept."""
    path = tmp_path / "keys.yaml"
    with path.open("w") as out:  # written as text: a million problems would not fit in a test's dict
        out.write("format: 1\ntitle: Keys\nfacts:\n")
        for n in range(60_000):
            out.write(f"  - {{id: f{n}, title: F, summary: S, source: [lead], x: 1, x: 2, y: !!binary aGk=}}\n")
    result = bounded("validate", str(path))
    lines = result.stdout.splitlines()
    assert result.returncode == 3 and len(lines) == MAX_PROBLEMS + 1
    kept = lines[:-1]  # from both readers (YAML and fields) of the file, in the order of its lines
    assert kept[0].startswith(f"{path}:4:") and sum('duplicate key "x"' in line for line in kept) == 250
    assert sum("!!binary is not allowed" in line for line in kept) == 250
    more = 240_000 - MAX_PROBLEMS
    assert lines[-1] == f"{path}: ... and {more:,} more problems not listed (only the first 1,000 are)"
    assert result.stderr == f"coalition: {path}: 240,000 problems\n"


def test_a_query_too_long_to_be_a_question_is_refused(bounded: Bounded) -> None:
    words = " ".join(f"misspelt{n}x" for n in range(100_000))
    result = bounded("search", words[:100_000])
    assert result.returncode == 2 and result.stderr.startswith("coalition: the query is 100,000 characters")
    result = bounded("search", *["qwzx"] * (MAX_QUERY_WORDS + 1))
    assert result.returncode == 2 and f"a query holds at most {MAX_QUERY_WORDS}" in result.stderr
    most = " ".join(f"qw{chr(97 + n % 26)}{chr(97 + n // 26)}zz" for n in range(MAX_QUERY_WORDS))
    assert len(most) <= MAX_QUERY_CHARS
    result = bounded("search", most)  # every word unknown, each one a correction to try
    assert result.returncode == 1 and result.stderr.count("\n") == 1


@pytest.mark.parametrize("limit", [str(2**63), str(2**64 + 1), "99999999999999999999999999999"])
def test_any_limit_is_taken(bounded: Bounded, limit: str) -> None:
    result = bounded("search", "iran", "--limit", limit)
    assert result.returncode == 0 and result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("limit", ["²", "0", "-1", "1e3", "ten"])
def test_a_limit_that_is_no_count_is_a_usage_error(bounded: Bounded, limit: str) -> None:
    result = bounded("search", "iran", "--limit", limit)
    assert result.returncode == 2 and result.stderr.count("\n") == 1


@pytest.mark.slow
@pytest.mark.parametrize("command", ["show", "cite", "related"])
def test_a_name_of_fifty_thousand_characters(bounded: Bounded, command: str) -> None:
    result = bounded(command, "x" * 50_000)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and len(result.stderr) < 300


@pytest.mark.slow
def test_non_utf8_file_names(bounded: Bounded, tmp_path: Path) -> None:
    name = os.fsdecode(b"notes-\xff\xfe.yaml")
    result = bounded("init", name)
    assert result.returncode == 0 and "notes-\\xff\\xfe.yaml" in result.stderr
    assert (tmp_path / name).stat().st_size > 0
    assert bounded("validate", name).returncode == 0
    listed = bounded("--handbook", name, "list", "terms")
    assert listed.returncode == 0 and "my-reading" in listed.stdout and "notes-\\xff\\xfe.yaml" in listed.stdout
    missing = bounded("--handbook", os.fsdecode(b"gone-\xff.yaml"), "list")
    assert missing.returncode == 3 and missing.stderr == "coalition: gone-\\xff.yaml: no such file\n"


def test_init_with_a_newline_in_the_name(bounded: Bounded, tmp_path: Path) -> None:
    result = bounded("init", "my\nnotes.yaml")
    assert result.returncode == 0
    assert result.stderr == (
        "coalition: wrote my\\x0anotes.yaml; use it with: COALITION_HANDBOOK=$'my\\x0anotes.yaml' coalition show iran\n"
    )
    assert bounded("validate", "my\nnotes.yaml").returncode == 0
    bash = subprocess.run(["bash", "-c", "printf %s $'my\\x0anotes.yaml'"], capture_output=True, text=True, check=True)
    assert bash.stdout == "my\nnotes.yaml"  # the suggested word is the file's name to the shell


def test_init_leaves_nothing_behind_when_it_cannot_write(coalition_bin: str, tmp_path: Path) -> None:
    def small_files_only() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))  # the file is made, its text cannot be written

    result = subprocess.run(
        [coalition_bin, "init", "notes.yaml"], capture_output=True, text=True, cwd=tmp_path, preexec_fn=small_files_only
    )
    assert result.returncode == 1 and result.stderr == "coalition: cannot write notes.yaml: File too large\n"
    assert not (tmp_path / "notes.yaml").exists()
    result = subprocess.run(
        [coalition_bin, "init", "missing-folder/notes.yaml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr == "coalition: cannot write missing-folder/notes.yaml: No such file or directory\n"


@pytest.mark.parametrize("budget", range(1, 8))
def test_path_says_when_it_stopped_at_its_budget(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    # A line a0 - a1 - a2 - a3, each link written at both ends: every budget either finds the
    # chain or says it stopped reading, never that there is none.
    line = [actor(n, related=[f"a{m}" for m in (n - 1, n + 1) if 0 <= m < 4]) for n in range(4)]
    path = handbook(tmp_path, line)
    monkeypatch.setattr(relations, "MAX_LINKS", budget)
    result = invoke("path", "a0", "a3", env={"COALITION_HANDBOOK": str(path), "COALITION_NO_CACHE": "1"})
    if result.exit_code == 0:
        assert "Actor 3" in result.stdout
    else:
        assert result.exit_code == 1 and f"within the first {budget:,} links read" in result.stderr, result.stderr


# Run by a small Python of its own: a child forked from this test process would count the test's
# memory in its peak (Linux carries the forking process's peak across exec).
PEAK = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
    " print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _peak_mb(coalition_bin: str, env: dict[str, str], *args: str) -> int:
    """The most memory a run held (its peak resident size), in MB, its output read and dropped."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, coalition_bin, *args], env=env, capture_output=True, text=True, check=True
    )
    code, peak = done.stdout.split()
    assert code == "0", done.stderr
    return int(peak) // 1024


@pytest.mark.slow
def test_export_and_list_stream_whatever_the_size(coalition_bin: str, tmp_path: Path) -> None:
    """Ten times the entries, not ten times the memory: rows go out as they are read from the cache."""
    peaks: dict[int, dict[str, int]] = {}
    for count in (1_000, 10_000):
        words = " ".join(f"word{n % 97}" for n in range(200))  # about 1.5 KB of text per entry
        entries = [actor(n, summary=words, related=[f"a{(n + 1) % count}"]) for n in range(count)]
        env = clean_env(XDG_CACHE_HOME=str(tmp_path / f"xdg{count}"))
        env["COALITION_HANDBOOK"] = str(handbook(tmp_path, entries, f"h{count}.yaml"))
        _peak_mb(coalition_bin, env, "list")  # the cache is built once, before what is measured
        formats = [("export", "-f", fmt) for fmt in ("json", "markdown", "plain", "bib", "csl-json", "ris")]
        peaks[count] = {" ".join(a): _peak_mb(coalition_bin, env, *a) for a in [*formats, ("list", "-f", "json")]}
    for command, small in peaks[1_000].items():
        assert peaks[10_000][command] <= small * 1.5, (command, peaks)
