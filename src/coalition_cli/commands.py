"""What each command does, and how every run ends: no typer here.

Both ways into the program call these functions: the typer app in cli.py, and the fast path in
quick.py that serves the commonest `show` and `search` invocations without importing typer.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from coalition_cli.errors import EXIT_INTERRUPTED, CoalitionError, InvalidHandbook, NotFound, UsageProblem
from coalition_cli.handbook import KIND_WORDS, PLURALS, parse_kind
from coalition_cli.render import Format, choose_format
from coalition_cli.store import Store

PROG = "coalition"
HANDBOOK_ENV = "COALITION_HANDBOOK"


# -- how a run ends ------------------------------------------------------------------------------


def note(message: str) -> None:
    """A diagnostic line on stderr: seen by the reader, never mixed into piped data."""
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


def fail(message: str, code: int) -> NoReturn:
    note(message)
    sys.exit(code)


def conclude(action: Callable[[], int | None]) -> NoReturn:
    """Run a command and end the process the documented way: exit codes, one-line errors, quiet
    endings for a closed pipe (exit 0) and Ctrl-C (exit 130)."""
    _tolerate_unencodable_output()
    try:
        code = action()
    except BrokenPipeError:
        # The reader stopped reading (`coalition export | head -1`): that is not an error.
        _silence_stdout()
        sys.exit(0)
    except CoalitionError as error:
        fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)  # quietly: the shell has already shown ^C
    sys.exit(code or 0)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush cannot complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (CliRunner) or already closed
        pass


def _tolerate_unencodable_output() -> None:
    """Replace characters the output encoding cannot hold (PYTHONIOENCODING=ascii) instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


# -- the handbook a run reads --------------------------------------------------------------------


class Session:
    """The handbook a run uses (from --handbook or COALITION_HANDBOOK), opened on first need."""

    def __init__(self, handbook_path: Path | None = None) -> None:
        from_env = os.environ.get(HANDBOOK_ENV)
        self.handbook_path = handbook_path or (Path(from_env) if from_env else None)
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            from coalition_cli.store import open_store

            progress = None
            if sys.stderr.isatty():
                from coalition_cli.render import BuildProgress

                progress = BuildProgress()
            try:
                self._store = open_store(self.handbook_path, progress)
            finally:
                if progress is not None:
                    progress.close()
        return self._store


# -- the commands --------------------------------------------------------------------------------


def show(session: Session, words: list[str], fmt: Format | None) -> None:
    import difflib

    from coalition_cli.render import write_entry

    kind = KIND_WORDS.get(words[0].lower()) if len(words) > 1 else None
    name = " ".join(words[1:] if kind else words)
    if len(words) == 1 and words[0].lower() in KIND_WORDS:
        only_kind = KIND_WORDS[words[0].lower()]
        raise UsageProblem(f"which {only_kind}? give a NAME, or list them with 'coalition list {PLURALS[only_kind]}'")
    store = session.store()
    try:
        entry = store.find_entry(name, kind)
    except NotFound:
        if kind is None and len(words) > 1 and difflib.get_close_matches(words[0].lower(), KIND_WORDS, n=1):
            parse_kind(words[0])  # "show actr iran": the mistake is the kind, so say so
        raise
    write_entry(store, entry, choose_format(fmt))


def list_entries(session: Session, kind_word: str | None, fmt: Format | None) -> None:
    from coalition_cli.render import write_counts, write_entries

    kind = parse_kind(kind_word) if kind_word is not None else None
    store = session.store()
    if kind is None:
        write_counts(store, choose_format(fmt))
    else:
        write_entries(store.of_kind(kind), choose_format(fmt))


def search(session: Session, words: list[str], kind_words: list[str], limit: int, fmt: Format | None) -> None:
    from coalition_cli.handbook import unaccent
    from coalition_cli.render import write_hits
    from coalition_cli.search import search_entries

    kinds = [parse_kind(word) for word in kind_words]
    text = " ".join(words)
    result = search_entries(session.store(), text, kinds, limit)
    if result.corrections:
        corrected = re.sub(r"\w+", lambda m: result.corrections.get(unaccent(m[0]), m[0]), text)
        note(f'showing results for "{corrected}"')
    write_hits(result.hits, choose_format(fmt))


def timeline(session: Session, fmt: Format | None) -> None:
    from coalition_cli.render import write_timeline

    write_timeline(session.store(), choose_format(fmt))


def export(session: Session, fmt: Format | None) -> None:
    from coalition_cli.render import write_export

    write_export(session.store(), choose_format(fmt))


def validate(session: Session, path: Path | None, fmt: Format | None) -> None:
    from coalition_cli.loader import bundled_handbook_path, check_handbook
    from coalition_cli.render import write_problems

    if fmt not in (None, Format.plain, Format.json):
        raise UsageProblem(f"validate prints plain or json, not {fmt.value}")
    target = path or session.handbook_path or bundled_handbook_path()
    handbook, problems = check_handbook(target)
    write_problems(problems, fmt or Format.plain)
    if problems or handbook is None:
        raise InvalidHandbook(f"{target}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    if fmt is not Format.json:
        sys.stdout.write(f"{target}: valid, {len(handbook.entries)} entries\n")
