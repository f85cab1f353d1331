"""The ways to read beyond looking an entry up: `related`, `path`, `compare`, `quiz` and `browse`.

Each takes the session and what the command line gave, finds what to show, and hands a view to
output.deliver, as commands.py does for show, search and the rest; how a run ends is commands.py's.
"""

from __future__ import annotations

import os
import sys

from coalition_cli.cli.commands import Session, entry_named, note
from coalition_cli.model.errors import NotFound, UsageProblem
from coalition_cli.terminal import output
from coalition_cli.terminal.output import Format, choose_format

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


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
