"""What each command does, and how every run ends: no typer here.

Both ways into the program call these functions: the typer app in app.py, and the fast path in
fastpath.py that serves the commonest `show` and `search` invocations without importing typer.
The ways to read beyond a lookup (related, path, compare, quiz, browse) come last.
"""

from __future__ import annotations

import errno
import os
import sys

from coalition_cli.model.errors import (
    EXIT_INTERRUPTED,
    EXIT_OUTPUT_FAILED,
    CoalitionError,
    HandbookError,
    InvalidHandbook,
    NotFound,
    NothingDone,
    OutputFailed,
    Problem,
    ReaderGone,
    Terminated,
    UsageProblem,
)
from coalition_cli.model.handbook import KIND_WORDS, PLURALS, parse_kind
from coalition_cli.terminal import output
from coalition_cli.terminal.output import REFERENCE_FORMATS, Format, choose_format

TYPE_CHECKING = False  # typing is not imported at run time: it costs a lookup milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import NoReturn, TextIO

    from coalition_cli.model.handbook import Entry
    from coalition_cli.store.tables import Store
    from coalition_cli.views.citations import Citation

PROG = "coalition"
HANDBOOK_ENV = "COALITION_HANDBOOK"
BUNDLED = "@bundled"
MAX_WARNINGS = 5  # a stack's warnings told on each run; `validate` lists every one
MAX_NOTE = 2_000  # characters of one line on stderr


# -- how a run ends ------------------------------------------------------------------------------


def note(message: str) -> None:
    """A diagnostic line on stderr: seen by the reader, never mixed into piped data."""
    from coalition_cli.model.inert import one_line

    if len(message) > MAX_NOTE:  # a name of megabytes, quoted back: its start and end will do
        message = message[: MAX_NOTE // 2] + " [...] " + message[-MAX_NOTE // 2 :]
    try:
        sys.stderr.write(f"{PROG}: {one_line(message)}\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass  # stderr closed or full: there is nobody left to tell


def fail(message: str, code: int) -> NoReturn:
    note(message)
    sys.exit(code)


def say(text: str) -> None:
    """Write text meant for the reader's stdout (help, the version), with the same failure handling."""
    output.write(text)


def conclude(action: Callable[[], int | None], session: Session | None = None) -> NoReturn:
    """Run a command and end the process the documented way: exit codes, one-line errors, quiet
    endings for a closed pipe (exit 0) and Ctrl-C (exit 130)."""
    _tolerate_unencodable_output()
    code: int | None = 0
    ended: Terminated | None = None
    real_stdout = sys.stdout
    sys.stdout = output.GuardedStdout(real_stdout)
    try:
        code = _once_more_if_the_cache_lies(action, session)
    except ReaderGone:
        # The reader stopped reading (`coalition export | head -1`): that is not an error.
        _silence_stdout()
        code = 0
    except OutputFailed as error:
        _silence_stdout()
        fail(error.message, error.exit_code)
    except CoalitionError as error:
        fail(error.message, error.exit_code)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED  # quietly: the shell has already shown ^C
    except Terminated as signalled:
        ended = signalled  # temporaries are gone by now; the session closes below
    except OSError as error:
        # A write that went around the guard (click rewraps a stdout it thinks misconfigured).
        if error.errno not in _WRITE_ERRORS:
            raise
        _silence_stdout()
        code = 0 if error.errno == errno.EPIPE else EXIT_OUTPUT_FAILED
        if code:
            note(f"cannot write the output: {error.strerror or error}")
    finally:
        sys.stdout = real_stdout
        if session is not None:
            session.close()
    if ended is not None:
        from coalition_cli.build.signals import end_by

        end_by(ended)
    sys.exit(code or 0)


_WRITE_ERRORS = (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF)


def _once_more_if_the_cache_lies(action: Callable[[], int | None], session: Session | None) -> int | None:
    """Run the action; if it fails while reading a cache file (CacheCorrupt, or any other error
    its damage can cause), run it again on a store built afresh. Nothing has been written by then:
    every view is built before it is written. An error that a fresh store gives too is real."""
    from coalition_cli.store.rows import CacheCorrupt

    try:
        return action()
    except (CoalitionError, OSError):
        raise
    except Exception as error:
        from coalition_cli.build import cache

        if not isinstance(error, CacheCorrupt) and not cache.read_from_files():
            raise
        cache.distrust_opened()
        if session is not None:
            session.forget()
        try:
            return action()
        except CacheCorrupt as again:
            raise HandbookError([Problem("cache", f"cannot be rebuilt: {again}")]) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush cannot complain about what could not be written."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1 if sys.__stdout__ is None else sys.__stdout__.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # no stdout at all, or not a real file (CliRunner)
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


def reopen_closed_standard_streams() -> None:
    """Put /dev/null on a closed stdin, stdout or stderr (`coalition show iran >&-`), so that no file
    the program opens later lands on descriptor 1 and receives its output. sys.stdout stays None,
    which `output.write` reports as a closed standard output."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


# -- the handbook a run reads --------------------------------------------------------------------


def handbook_paths(values: list[str]) -> list[str | None]:
    """Handbook files from --handbook values (or COALITION_HANDBOOK), each a list separated by the
    platform's path separator; an empty item or `@bundled` is the handbook shipped with the program,
    so `:notes.yaml` layers notes.yaml on the shipped handbook, as an empty item does in MANPATH."""
    items = [item for value in values for item in value.split(os.pathsep)]
    return [None if item in ("", BUNDLED) else item for item in items]


class Session:
    """The handbooks a run uses (from --handbook or COALITION_HANDBOOK), opened on first need and
    closed when the run ends."""

    def __init__(self, handbooks: list[str] | None = None, pager: bool = True, quiet: bool = False) -> None:
        from_env = os.environ.get(HANDBOOK_ENV)
        values = handbooks or ([from_env] if from_env else [])
        self.paths: list[str | None] = handbook_paths(values) if values else [None]
        self.pager = pager
        self.quiet = quiet  # for completion: no progress bar, no warnings, nothing in the prompt
        self._store: Store | None = None
        self._told = False

    def store(self) -> Store:
        if self._store is None:
            from coalition_cli.build.cache import open_store

            progress = None
            if not self.quiet and output.is_terminal(sys.stderr):
                from coalition_cli.terminal.progress import BuildProgress

                progress = BuildProgress()
            try:
                self._store = open_store(self.paths, progress)
            finally:
                if progress is not None:
                    progress.close()
            if not self.quiet and not self._told:
                self._told = True
                self._tell_warnings()
        return self._store

    def forget(self) -> None:
        """The store proved corrupt (and is closed): the next `store()` opens one afresh."""
        self._store = None

    def _tell_warnings(self) -> None:
        """The stack's warnings (the first few: `validate` lists them all) and any caution."""
        from coalition_cli.store.cache_folder import cautions

        assert self._store is not None
        # Names taken over or drawn alike first: they change what `show` answers.
        warnings = sorted(self._store.warnings, key=lambda w: not ('"show ' in w or "cannot tell them apart" in w))
        for warning in warnings[:MAX_WARNINGS]:
            note(warning)
        if len(warnings) > MAX_WARNINGS:
            more = len(warnings) - MAX_WARNINGS
            note(f"... and {more} more warning{'s' if more != 1 else ''}; 'coalition validate' lists them")
        for caution in cautions:
            note(f"caution: {caution}")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


# -- the commands --------------------------------------------------------------------------------


def entry_named(session: Session, words: list[str]) -> tuple[Store, Entry]:
    """`[KIND] NAME...` as `show`, `cite` and `related` take it: the store and the entry it names."""
    kind = KIND_WORDS.get(words[0].lower()) if len(words) > 1 else None
    name = " ".join(words[1:] if kind else words)
    if len(words) == 1 and words[0].lower() in KIND_WORDS:
        only_kind = KIND_WORDS[words[0].lower()]
        raise UsageProblem(f"which {only_kind}? give a NAME, or list them with 'coalition list {PLURALS[only_kind]}'")
    store = session.store()
    try:
        entry = store.find_entry(name, kind)
    except NotFound:
        import difflib

        if kind is None and len(words) > 1 and difflib.get_close_matches(words[0].lower(), KIND_WORDS, n=1):
            parse_kind(words[0])  # "show actr iran": the mistake is the kind, so say so
        raise
    others = store.contenders(name, entry)
    if others:
        from coalition_cli.model.handbook import label

        also = "; ".join(f"{label(other, None)} in {other.origin}" for other in others)
        note(f'"{name}" is a name in more than one file: this is {label(entry, None)} from {entry.origin}; also {also}')
    return store, entry


def show(session: Session, words: list[str], fmt: str | None) -> None:
    from coalition_cli.views.render import EntryView

    store, entry = entry_named(session, words)
    output.deliver(EntryView(store, entry), choose_format(fmt), pager=session.pager)


def cite(session: Session, words: list[str], fmt: str | None) -> None:
    from coalition_cli.views.render import CitationView

    store, entry = entry_named(session, words)
    if fmt in REFERENCE_FORMATS:
        from coalition_cli.views.citations import citation_of

        write_references([citation_of(store, entry)], fmt)
    else:
        output.deliver(CitationView(store, entry), choose_format(fmt))


def list_entries(session: Session, kind_word: str | None, fmt: str | None) -> None:
    from coalition_cli.views.listing import CountsView, EntriesView

    kind = parse_kind(kind_word) if kind_word is not None else None
    store = session.store()
    if kind is None:
        view: CountsView | EntriesView = CountsView(store)
    else:
        view = EntriesView(store, kind)
    output.deliver(view, choose_format(fmt), pager=session.pager)


def search(session: Session, words: list[str], kind_words: list[str], limit: int, fmt: str | None) -> None:
    from coalition_cli.lookup.search import search_entries
    from coalition_cli.model.handbook import unaccent
    from coalition_cli.views.render import HitsView

    kinds = [parse_kind(word) for word in kind_words]
    text = " ".join(words)
    chosen = choose_format(fmt)
    try:
        result = search_entries(session.store(), text, kinds, limit)
    except NotFound:
        if chosen == Format.json:
            output.write("[]\n")  # still valid JSON for a script reading it; the exit code says nothing matched
        raise
    if result.corrections:
        import re

        corrected = re.sub(r"\w+", lambda m: result.corrections.get(unaccent(m[0]), m[0]), text)
        note(f'showing results for "{corrected}"')
    if result.unmatched:
        unknown = ", ".join(f'"{word}"' for word in result.unmatched)
        if any(hit.matched for hit in result.hits):
            note(f"no entry mentions {unknown}; showing the best matches for the rest")
        else:
            note(f"no entry mentions {unknown}; showing the entries nearest in meaning")
    output.deliver(HitsView(session.store(), result.hits), chosen, pager=session.pager)


def ask(session: Session, words: list[str], fmt: str | None) -> None:
    from coalition_cli.lookup.ask import ask as answer_question
    from coalition_cli.views.render import AnswerView

    chosen = choose_format(fmt)
    try:
        answer = answer_question(session.store(), " ".join(words))
    except NotFound:
        if chosen == Format.json:
            output.write("null\n")  # still valid JSON for a script reading it; the exit code says no answer
        raise
    output.deliver(AnswerView(session.store(), answer), chosen, pager=session.pager)


def timeline(session: Session, fmt: str | None) -> None:
    from coalition_cli.views.render import TimelineView

    output.deliver(TimelineView(session.store().dated_facts()), choose_format(fmt), pager=session.pager)


def export(session: Session, fmt: str | None) -> None:
    """The whole handbook, written as it is read from the store (export.py)."""
    store = session.store()
    if fmt in REFERENCE_FORMATS:
        from coalition_cli.model.inert import json_safe, visible
        from coalition_cli.views.export import reference_chunks

        safe = json_safe if fmt == "csl-json" else visible
        for chunk in reference_chunks(store, fmt):
            output.write(safe(chunk))
        return
    from coalition_cli.views.export import ExportView

    output.deliver(ExportView(store), choose_format(fmt), pager=session.pager)


def write_references(citations: list[Citation], fmt: str) -> None:
    """Citations for a reference manager, made inert: JSON's own escapes for CSL-JSON, visible
    escapes in BibTeX and RIS."""
    from coalition_cli.model.inert import json_safe, visible
    from coalition_cli.views.references import render

    text = render(citations, fmt)
    output.write(json_safe(text) if fmt == "csl-json" else visible(text))


def validate(session: Session, path: Path | None, fmt: str) -> None:
    """Check one file (on the bundled handbook if it says `base: bundled`), or every file in use."""
    from coalition_cli.build.loader import check_stack
    from coalition_cli.source.stack import bundled_handbook_path
    from coalition_cli.views.render import ProblemsView

    files = [path] if path else [p or bundled_handbook_path() for p in session.paths]
    from coalition_cli.model.inert import shown_path

    target = os.pathsep.join(shown_path(file) for file in files)
    checked, problems = check_stack(files)
    warnings = [] if checked is None else checked.warnings
    output.deliver(ProblemsView(problems + warnings), fmt, pager=False)
    if problems or checked is None:
        count = sum(problem.count for problem in problems)
        raise InvalidHandbook(f"{target}: {count:,} problem{'s' if count != 1 else ''}")
    if fmt != Format.json:
        layers = f" in {len(checked.files)} files" if len(checked.files) > 1 else ""
        from coalition_cli.model.inert import one_line

        links = f", {checked.links} links (each shown from both ends)" if checked.links else ""
        output.write(f"{one_line(target)}: valid, {checked.entries} entries{layers}{links}\n")


CACHE_ACTIONS = ("show", "clear")


def cache(action: str, fmt: str | None) -> None:
    """Show the cache folder and what it holds, or empty it."""
    from coalition_cli.build import cache as caches
    from coalition_cli.store.cache_folder import cautions
    from coalition_cli.views.render import CacheView, size_text

    if action == "show":
        folder, found, pending, others = caches.survey()
        caution = cautions[0] if cautions else None
        output.deliver(CacheView(folder, found, pending, caution, others), choose_format(fmt), pager=False)
        return
    folder, count, swept, size, others = caches.clear()
    left = f" and {swept} file{'s' if swept != 1 else ''} left by killed builds" if swept else ""
    if cautions:
        raise NothingDone(cautions[0].replace("working without a cache", "not clearing it"))
    if folder is None:
        what = f"removed{left[4:]} ({size_text(size)})" if swept else "there is nothing to clear"
        output.write(f"caching is off (COALITION_NO_CACHE is set): {what}\n")
        return
    from coalition_cli.model.inert import shown_path, visible

    caches_removed = f"{count} cache{'s' if count != 1 else ''}"
    output.write(f"removed {caches_removed}{left} ({size_text(size)}) from {visible(shown_path(folder))}\n")
    if others:
        note(f"left {others} other file{'s' if others != 1 else ''} there alone: not coalition's")


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

# Everything here is marked as yours wherever it is shown, and cited as "your notes, {name}",
# never as the article. To cite a source of your own instead, name it (title is required):
# source:
#   title: "The report you read"
#   author: Its author
#   publisher: Its publisher
#   date: 2024-12-08
#   url: https://example.org/the-report

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
    """Write a starter notes handbook, never over an existing file, and never half of one: the
    text is made before the file is, and a file that could not be written whole is removed."""
    from coalition_cli.model.inert import one_line, shell_word, shown_path

    word = shell_word(path)
    content = STARTER.format(path=word, name=one_line(shown_path(os.path.basename(path)))).encode("utf-8")
    shown = shown_path(path)
    if os.path.lexists(path):
        raise NothingDone(f"{shown} already exists; give another path, or remove it first")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise NothingDone(f"cannot write {shown}: {error.strerror or error}") from None
    try:
        with open(descriptor, "wb") as handle:
            handle.write(content)
    except BaseException as error:
        os.unlink(path)
        if isinstance(error, OSError):
            raise NothingDone(f"cannot write {shown}: {error.strerror or error}") from None
        raise
    note(f"wrote {shown}; use it with: COALITION_HANDBOOK={word} coalition show iran")


# -- the ways to read beyond looking an entry up: related, path, compare, quiz, browse ----------


def related(session: Session, words: list[str], depth: int, fmt: str | None) -> None:
    from coalition_cli.lookup.relations import relation_tree
    from coalition_cli.views.relation_views import RelationsView

    store, entry = entry_named(session, words)
    view = RelationsView(relation_tree(store, entry, depth))
    chosen = choose_format(fmt)
    output.deliver(view, chosen, pager=session.pager)
    if chosen == Format.plain and view.left_out:
        note(view.left_out_line())  # piped lines stay `type: id`


def path(session: Session, start_name: str, end_name: str, typed_only: bool, fmt: str | None) -> None:
    from coalition_cli.lookup.relations import MAX_LINKS, shortest_chain
    from coalition_cli.views.relation_views import ChainView

    store, start = entry_named(session, [start_name])
    _, end = entry_named(session, [end_name])
    chain = shortest_chain(store, start, end, typed_only)
    chosen = choose_format(fmt)
    if chain.steps is None:
        if chosen == Format.json:
            output.write("[]\n")
        links = "typed links" if typed_only else "links"
        why = f" within the first {MAX_LINKS:,} links read" if chain.bounded else ""
        hint = " (without --typed, any link counts)" if typed_only and not chain.bounded else ""
        raise NotFound(f'no chain of {links} between "{start.title}" and "{end.title}"{why}{hint}')
    output.deliver(ChainView(chain), chosen, pager=session.pager)


def compare(session: Session, names: list[str], fmt: str | None) -> None:
    from coalition_cli.views.compare import MAX_COMPARED, CompareView, compare

    if not 2 <= len(names) <= MAX_COMPARED:
        raise UsageProblem(f"compare takes 2 to {MAX_COMPARED} names, quoting a name of several words")
    found = [entry_named(session, [name]) for name in names]
    entries = [entry for _, entry in found]
    if len({entry.id for entry in entries}) < len(entries):
        raise UsageProblem("two of the names are the same entry")
    output.deliver(CompareView(compare(found[0][0], entries)), choose_format(fmt), pager=session.pager)


def quiz(session: Session, count: int, kinds: list[str], seed: int | None, typed: bool, fmt: str | None) -> None:
    import random

    from coalition_cli.views.quiz import QuizView, ask_all, make_questions

    if seed is None:
        seed = int.from_bytes(os.urandom(4), "big") % 100_000  # short enough to type again
    store = session.store()
    questions = make_questions(store, kinds, count, random.Random(seed))
    which = f" of kind {', '.join(kinds)}" if kinds else ""
    if not questions:
        raise NotFound(f"no questions{which} can be made from this handbook")
    if len(questions) < count:
        note(f"only {len(questions)} questions{which} can be made from this handbook")
    chosen = choose_format(fmt)
    if chosen in (Format.json, Format.markdown):  # a worksheet: questions and answers, nothing asked
        output.deliver(QuizView(questions, typed, store.source_title), chosen, pager=session.pager)
        return

    def write(text: str) -> None:
        output.write(text)
        sys.stdout.flush()

    def read() -> str:
        line = _reply(sys.stdin) if sys.stdin is not None else ""
        if line and sys.stdin is not None and not sys.stdin.isatty():
            from coalition_cli.model.inert import one_line

            # A transcript reads as a dialogue; what was typed is shown inert, and cut short.
            echo = one_line(line.rstrip("\n"))
            write((echo if len(echo) <= MAX_ECHO else echo[:MAX_ECHO] + "...") + "\n")
        return line

    ask_all(questions, typed, store.source_title, write, read)
    output.write(f"The same questions again: coalition quiz --seed {seed}\n")


MAX_REPLY = 1_000  # characters of a quiz reply read; the rest of a longer line is skipped
MAX_ECHO = 200  # characters of a reply written back into a transcript


def _reply(stream: TextIO) -> str:
    """One line of input, at most MAX_REPLY characters of it (with its newline): a line of
    megabytes is not a reply, and is not held in memory whole."""
    line = stream.readline(MAX_REPLY)
    if line and not line.endswith("\n"):
        rest = stream.readline(MAX_REPLY)
        while rest and not rest.endswith("\n"):
            rest = stream.readline(MAX_REPLY)
        line += "\n" if rest else ""
    return line


def browse(session: Session, words: list[str]) -> None:
    if not (output.stdout_is_terminal() and sys.stdin is not None and sys.stdin.isatty()):
        raise UsageProblem("browse needs a terminal to draw on and to read keys from (for a pipe: show, search)")
    from coalition_cli.terminal.browse import browse as run_browser

    run_browser(session.store(), " ".join(words))
