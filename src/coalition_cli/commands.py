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
from typing import TYPE_CHECKING, NoReturn

from coalition_cli.errors import (
    EXIT_INTERRUPTED,
    CoalitionError,
    InvalidHandbook,
    NotFound,
    NothingDone,
    UsageProblem,
)
from coalition_cli.handbook import KIND_WORDS, PLURALS, parse_kind
from coalition_cli.render import CiteFormat, Format, allow_paging, choose_format

if TYPE_CHECKING:
    from coalition_cli.handbook import Entry
    from coalition_cli.store import Store

PROG = "coalition"
HANDBOOK_ENV = "COALITION_HANDBOOK"
BUNDLED = "@bundled"


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


def handbook_paths(values: list[str]) -> list[Path | None]:
    """Handbook files from --handbook values (or COALITION_HANDBOOK), each a list separated by the
    platform's path separator; an empty item or `@bundled` is the handbook shipped with the program,
    so `:notes.yaml` layers notes.yaml on the shipped handbook, as an empty item does in MANPATH."""
    items = [item for value in values for item in value.split(os.pathsep)]
    return [None if item in ("", BUNDLED) else Path(item) for item in items]


class Session:
    """The handbooks a run uses (from --handbook or COALITION_HANDBOOK), opened on first need."""

    def __init__(self, handbooks: list[str] | None = None, pager: bool = True, quiet: bool = False) -> None:
        allow_paging(pager)
        from_env = os.environ.get(HANDBOOK_ENV)
        values = handbooks or ([from_env] if from_env else [])
        self.paths: list[Path | None] = handbook_paths(values) if values else [None]
        self._store: Store | None = None
        self.quiet = quiet  # for completion: no progress bar, no warnings, nothing in the prompt

    def store(self) -> Store:
        if self._store is None:
            from coalition_cli.store import open_store

            progress = None
            if sys.stderr.isatty() and not self.quiet:
                from coalition_cli.render import BuildProgress

                progress = BuildProgress()
            try:
                self._store = open_store(self.paths, progress)
            finally:
                if progress is not None:
                    progress.close()
            for warning in () if self.quiet else self._store.warnings:
                note(warning)
        return self._store


# -- the commands --------------------------------------------------------------------------------


def _entry_named(session: Session, words: list[str]) -> tuple[Store, Entry]:
    """`[KIND] NAME...` as `show`, `cite` and `related` take it: the store and the entry it names."""
    import difflib

    kind = KIND_WORDS.get(words[0].lower()) if len(words) > 1 else None
    name = " ".join(words[1:] if kind else words)
    if len(words) == 1 and words[0].lower() in KIND_WORDS:
        only_kind = KIND_WORDS[words[0].lower()]
        raise UsageProblem(f"which {only_kind}? give a NAME, or list them with 'coalition list {PLURALS[only_kind]}'")
    store = session.store()
    try:
        return store, store.find_entry(name, kind)
    except NotFound:
        if kind is None and len(words) > 1 and difflib.get_close_matches(words[0].lower(), KIND_WORDS, n=1):
            parse_kind(words[0])  # "show actr iran": the mistake is the kind, so say so
        raise


def show(session: Session, words: list[str], fmt: Format | None) -> None:
    from coalition_cli.render import write_entry

    store, entry = _entry_named(session, words)
    write_entry(store, entry, choose_format(fmt))


def cite(session: Session, words: list[str], fmt: CiteFormat | None) -> None:
    from coalition_cli.render import write_bib, write_citation

    store, entry = _entry_named(session, words)
    if fmt is CiteFormat.bib:
        write_bib(store, entry)
    else:
        write_citation(store, entry, Format(fmt.value) if fmt else None)


def related(session: Session, words: list[str], depth: int, fmt: Format | None) -> None:
    from coalition_cli.relations import relation_tree
    from coalition_cli.render import write_relations

    store, entry = _entry_named(session, words)
    tree, edges = relation_tree(store, entry, depth)
    write_relations(tree, edges, choose_format(fmt))


def list_entries(session: Session, kind_word: str | None, fmt: Format | None) -> None:
    from coalition_cli.render import write_counts, write_entries

    kind = parse_kind(kind_word) if kind_word is not None else None
    store = session.store()
    if kind is None:
        write_counts(store, choose_format(fmt))
    else:
        write_entries(store.of_kind(kind), choose_format(fmt), origins=len(store.files) > 1)


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

    write_export(session.store().materialize(), choose_format(fmt))


def validate(session: Session, path: Path | None, fmt: Format | None) -> None:
    """Check one file (on the bundled handbook if it says `base: bundled`), or every file in use."""
    from coalition_cli.loader import bundled_handbook_path, check_stack
    from coalition_cli.render import write_problems

    if fmt not in (None, Format.plain, Format.json):
        raise UsageProblem(f"validate prints plain or json, not {fmt.value}")
    files = [path] if path else [p or bundled_handbook_path() for p in session.paths]
    target = os.pathsep.join(str(file) for file in files)
    handbook, problems = check_stack(files)
    warnings = [] if handbook is None else list(handbook.warnings)
    write_problems(problems, warnings, fmt or Format.plain)
    if problems or handbook is None:
        raise InvalidHandbook(f"{target}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    if fmt is not Format.json:
        layers = f" in {len(handbook.files)} files" if len(handbook.files) > 1 else ""
        sys.stdout.write(f"{target}: valid, {len(handbook.entries)} entries{layers}\n")


STARTER = """\
# My notes for coalition, layered on the handbook that ships with it.
#
# Use them:   COALITION_HANDBOOK={path} coalition show iran
#        or:  coalition --handbook {path} search reading
# Check them: coalition validate {path}
#
# The full format is described at the top of the shipped handbook; `coalition export --format json`
# shows its shape. These are the parts a notes file uses most.

format: 1
title: My notes on the coalition

# The shipped handbook goes beneath this file, so its entries can be extended and linked to here.
base: bundled

# Add aliases, a note and related ids to entries of the shipped handbook. A note added here is
# shown after the entry's own, marked with this file's name: it is yours, not the article's.
extend:
  - id: iran
    aliases: [Persia]
    note: A note of my own, to check against other reporting.
    related: [my-reading]

# New entries, of any kind: sections, actors, figures, facts or terms. Each needs an id (lowercase
# letters, digits and hyphens), a title (actors and figures take a name), a summary, and the
# section(s) of the source it rests on.
terms:
  - id: my-reading
    title: My reading list
    summary: Articles I mean to read next about the coalition.
    related: [iran, divergent-approaches]
    source: [divergent-approaches]
"""


def init(path: Path) -> None:
    """Write a starter notes handbook, never over an existing file."""
    if path.exists():
        raise NothingDone(f"{path} already exists; give another path, or remove it first")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(STARTER.format(path=path))
    except OSError as error:
        raise NothingDone(f"cannot write {path}: {error.strerror or error}") from None
    note(f"wrote {path}; use it with: COALITION_HANDBOOK={path} coalition show iran")
