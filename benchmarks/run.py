"""Measure coalition against its speed and memory targets, each against a reference timed in the
same run.

    python benchmarks/run.py [--rounds N] [--strict]

What it needs, and never installs: the `coalition` command installed in this Python's environment,
and, for the two rows measured against it, the Python tldr client (`pip install tldr`); rows whose
reference is missing are reported as skipped. It writes only into a temporary folder: the large
handbook it generates, the empty typer app, a tldr page and the caches it times.

Every timing is a whole process with stdout piped, as a reader's shell runs it. Each row runs the
measured command and its reference alternately, after warm-up runs, and compares medians, so both
see the same machine load. Child processes run with bytecode caching on (PYTHONDONTWRITEBYTECODE
unset), as an installed program normally does. Timings are noisy: the test suite does not depend
on this script; --strict makes it exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

TLDR_PAGE = """# tar

> Archiving utility.
> More information: <https://www.gnu.org/software/tar>.

- [c]reate an archive and write it to a [f]ile:

`tar cf {{path/to/target.tar}} {{path/to/file1 path/to/file2 ...}}`

- E[x]tract a (compressed) archive [f]ile into the current directory [v]erbosely:

`tar xvf {{path/to/source.tar[.gz|.bz2|.xz]}}`
"""

EMPTY_TYPER_APP = """import typer

app = typer.Typer()


@app.command()
def show(kind: str, name: str) -> None:
    print(kind, name)


@app.command()
def search(query: str) -> None:
    print(query)


app()
"""


@dataclass
class Row:
    measure: str
    ours: float | None  # median seconds, or a count for memory
    reference: float | None
    target: str
    passed: bool | None
    note: str = ""


def run_piped(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - started


def run_on_terminal(command: list[str], env: dict[str, str]) -> float:
    """Time a command whose stdout is a pseudo-terminal, reading everything it draws."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        # A 100x50 terminal, which the entry fits, so no pager waits for keys (PAGER=cat makes sure).
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
        os.execvpe(command[0], command, {**env, "TERM": "xterm-256color", "PAGER": "cat"})
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    os.waitpid(pid, 0)
    os.close(fd)
    return time.perf_counter() - started


def peak_memory_mb(command: list[str], env: dict[str, str]) -> float:
    """The largest resident set size that a command, or any process it started (the workers that
    read a large handbook in parts), reached, in MB. Measured in a process of its own, whose
    children are exactly that command and its descendants."""
    script = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
        " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, env=env, check=True)
    return int(done.stdout) / 1024  # Linux reports kilobytes


def alternate(ours: Callable[[], float], reference: Callable[[], float], rounds: int) -> tuple[float, float]:
    """Medians of the two, run alternately (and in alternating order) after two warm-up runs each."""
    for _ in range(2):
        ours()
        reference()
    mine, theirs = [], []
    for round_ in range(rounds):
        if round_ % 2:
            theirs.append(reference())
            mine.append(ours())
        else:
            mine.append(ours())
            theirs.append(reference())
    return statistics.median(mine), statistics.median(theirs)


def ratio_row(measure: str, ours: float, reference: float, limit: float) -> Row:
    ratio = ours / reference
    return Row(measure, ours, reference, f"<= {limit}", ratio <= limit, f"ratio {ratio:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()

    coalition = shutil.which("coalition", path=str(Path(sys.executable).parent)) or shutil.which("coalition")
    if coalition is None:
        print("needs the coalition command: pip install . (from the repository)", file=sys.stderr)
        return 2
    tldr = shutil.which("tldr", path=str(Path(sys.executable).parent)) or shutil.which("tldr")

    work = Path(tempfile.mkdtemp(prefix="coalition-bench-"))
    try:
        return measure(args.rounds, args.strict, coalition, tldr, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(rounds: int, strict: bool, coalition: str, tldr: str | None, work: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "FORCE_COLOR", "NO_COLOR")}
    env.pop("COALITION_HANDBOOK", None)
    env["XDG_CACHE_HOME"] = str(work / "cache")
    page = work / "tar.md"
    page.write_text(TLDR_PAGE)
    empty_app = work / "empty_typer_app.py"
    empty_app.write_text(EMPTY_TYPER_APP)
    big, events, short = work / "big.yaml", work / "events.yaml", work / "short.yaml"
    print(f"generating handbooks of 10,000 and 100,000 entries and of 100,000 events in {work}", file=sys.stderr)
    generate = [sys.executable, str(HERE / "generate.py")]
    subprocess.run([*generate, str(big), "--entries", "10000"], check=True, env=env)
    subprocess.run([*generate, str(events), "--entries", "100000", "--events"], check=True, env=env)
    subprocess.run([*generate, str(short), "--entries", "100000", "--short"], check=True, env=env)

    def piped(*command: str, environment: dict[str, str] = env) -> Callable[[], float]:
        return lambda: run_piped(list(command), environment)

    show = piped(coalition, "show", "actor", "iran")
    search = piped(coalition, "search", "airspace")
    floor = piped(sys.executable, "-c", "pass")  # the interpreter starting and stopping: nothing is faster
    tab_env = {**env, "_COALITION_COMPLETE": "bash", "COMP_LINE": "coalition show actor ir", "COMP_WORD": "ir"}
    tab = piped(coalition, environment=tab_env)
    rows: list[Row] = []

    rows.append(ratio_row("show actor iran / python -c pass", *alternate(show, floor, rounds), 2.5))
    rows.append(ratio_row("search airspace / python -c pass", *alternate(search, floor, rounds), 2.5))
    rows.append(ratio_row("a TAB (show actor ir) / python -c pass", *alternate(tab, floor, rounds), 2.5))
    on_terminal = lambda: run_on_terminal([coalition, "show", "actor", "iran"], env)  # noqa: E731
    rows.append(ratio_row("show on a terminal / python -c pass", *alternate(on_terminal, floor, rounds), 6.0))

    if tldr is None:
        for measure in ("show actor iran / tldr --render", "search airspace / tldr --render"):
            rows.append(Row(measure, None, None, "<= 1.0", None, "skipped: needs the tldr client (pip install tldr)"))
    else:
        reference = piped(tldr, "--render", str(page))
        rows.append(ratio_row("show actor iran / tldr --render", *alternate(show, reference, rounds), 1.0))
        rows.append(ratio_row("search airspace / tldr --render", *alternate(search, reference, rounds), 1.0))
    rows.append(textual_row(coalition, env))
    typer_app = piped(sys.executable, str(empty_app), "show", "actor", "iran")
    rows.append(ratio_row("show actor iran / empty typer app", *alternate(show, typer_app, rounds), 1.3))

    big_search = piped(coalition, "--handbook", str(big), "search", "airspace")
    rows.append(ratio_row("warm search: 10,000 entries / shipped", *alternate(big_search, search, rounds), 2.0))
    rows += cold_rows(coalition, big, env, work, "10,000 entries", seconds=3.0, megabytes=150)

    events_search = piped(coalition, "--handbook", str(events), "search", "airspace")
    rows.append(ratio_row("warm search: 100,000 records / shipped", *alternate(events_search, search, rounds), 3.0))
    rows += cold_rows(coalition, events, env, work, "100,000 records", seconds=10.0, megabytes=300)
    rows += cold_rows(coalition, short, env, work, "100,000 entries", seconds=10.0, megabytes=300)
    rows += streaming_rows(coalition, short, {**env, "XDG_CACHE_HOME": str(work / "memory-100,000 entries-0")})
    rows += largest_rows(coalition, work, env)

    print_table(rows, rounds)
    return 1 if strict and any(row.passed is False for row in rows) else 0


def textual_row(coalition: str, env: dict[str, str]) -> Row:
    """`browse` needs Textual; no other command may import it (its import alone costs a lookup
    several times over). Read from Python's own import log of each command."""
    commands = (["show", "actor", "iran"], ["search", "airspace"], ["related", "iran"], ["compare", "russia", "iran"])
    importing = []
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", coalition, *command], capture_output=True, text=True, env=env
        )
        modules = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()}
        if any(module == "textual" or module.startswith("textual.") for module in modules):
            importing.append(command[0])
    note = f"imported by {', '.join(importing)}" if importing else "show, search, related, compare: not imported"
    return Row("Textual kept to browse", None, None, "0 others", not importing, note)


def cold_rows(
    coalition: str, handbook: Path, env: dict[str, str], work: Path, what: str, seconds: float, megabytes: int
) -> list[Row]:
    """The first search on a handbook nobody has read yet (three times, on a terminal so the
    progress bar is drawn, the median kept), and the most memory any process of it used."""
    command = [coalition, "--handbook", str(handbook), "search", "airspace"]
    times, memory = [], []
    for attempt in range(3):
        times.append(run_on_terminal(command, {**env, "XDG_CACHE_HOME": str(work / f"cold-{what}-{attempt}")}))
        memory.append(peak_memory_mb(command, {**env, "XDG_CACHE_HOME": str(work / f"memory-{what}-{attempt}")}))
    warm = peak_memory_mb(command, {**env, "XDG_CACHE_HOME": str(work / f"memory-{what}-0")})
    cold, peak = statistics.median(times), max(*memory, warm)
    return [
        Row(f"first search, {what} (cold)", cold, None, f"<= {seconds:.0f} s", cold <= seconds, f"{cold:.2f} s"),
        Row(
            f"peak memory, {what}",
            peak,
            None,
            f"<= {megabytes} MB",
            peak <= megabytes,
            f"{peak:.0f} MB (cold {max(memory):.0f}, warm {warm:.0f}; the largest process)",
        ),
    ]


def streaming_rows(coalition: str, handbook: Path, env: dict[str, str]) -> list[Row]:
    """The most memory a whole-handbook output of a large handbook takes, its cache built: each is
    written as it is read, so it stays near what one entry takes."""
    rows = []
    for command in (["export", "-f", "json"], ["export", "-f", "bib"], ["list", "-f", "json"]):
        peak = peak_memory_mb([coalition, "--handbook", str(handbook), *command], env)
        measure = f"peak memory, {' '.join(command)}"
        rows.append(Row(measure, peak, None, "<= 300 MB", peak <= 300, f"{peak:.0f} MB, 100,000 entries"))
    return rows


def largest_rows(coalition: str, work: Path, env: dict[str, str]) -> list[Row]:
    """The most memory `validate` and a first search take on the largest file the size limit
    allows: every id, reference and link its checks remember is bounded, not only its text."""
    largest = work / "largest.yaml"
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(largest), "--largest"], check=True, env=env)
    megabytes = largest.stat().st_size / 1e6
    rows = []
    for command in (["validate", str(largest)], ["--handbook", str(largest), "search", "airspace"]):
        started = time.perf_counter()
        peak = peak_memory_mb([coalition, *command], {**env, "XDG_CACHE_HOME": str(work / "largest-cache")})
        seconds = time.perf_counter() - started
        name = "validate" if command[0] == "validate" else "first search"
        note = f"{peak:.0f} MB, {megabytes:.0f} MB file of one-line entries, {seconds:.0f} s"
        rows.append(Row(f"peak memory, {name}, largest file", peak, None, "<= 300 MB", peak <= 300, note))
    largest.unlink()
    return rows


def print_table(rows: list[Row], rounds: int) -> None:
    print(f"coalition benchmarks (medians of {rounds} alternating runs; Python {sys.version.split()[0]})")
    print(f"{'measure':40} {'ours':>9} {'reference':>10}  {'target':>9}  result")
    for row in rows:
        ours = f"{row.ours * 1000:.0f} ms" if row.ours is not None and "memory" not in row.measure else ""
        reference = f"{row.reference * 1000:.0f} ms" if row.reference is not None else ""
        verdict = {True: "pass", False: "FAIL", None: "-"}[row.passed]
        print(f"{row.measure:40} {ours:>9} {reference:>10}  {row.target:>9}  {verdict}  {row.note}")


if __name__ == "__main__":
    raise SystemExit(main())
