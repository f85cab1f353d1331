"""The `coalition` command: the typer app, a thin layer over commands.py.

Parsing and help live here; what each command does lives in commands.py, and how every run ends
(one line on stderr, a documented exit code) in `commands.conclude`. scripts/update_grammar.py
reads this app to write grammar.py, the typer-free description the fast path and completion use.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.utils import PacifyFlushWrapper
from typer.core import TyperGroup

from coalition_cli import __version__
from coalition_cli.cli import commands
from coalition_cli.cli.argv import hoist_global_options
from coalition_cli.cli.commands import BUNDLED, HANDBOOK_ENV, PROG, Session
from coalition_cli.cli.examples import EXAMPLES
from coalition_cli.lookup.search import DEFAULT_LIMIT
from coalition_cli.model.errors import ReaderGone, UsageProblem
from coalition_cli.model.handbook import PLURALS
from coalition_cli.terminal.output import CHECK_FORMATS, CITE_FORMATS, Format
from coalition_cli.views.quiz import DEFAULT_COUNT, QUESTION_KINDS


class CoalitionGroup(TyperGroup):
    """Runs the commands through `commands.conclude`, turning typer's own errors into ours.

    Overriding `main` (not wrapping `app()`) means CliRunner tests see exactly what users see.
    """

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", PROG)
        kwargs["complete_var"] = "_COALITION_TYPER_COMPLETE"  # completion is ours (complete.py), never typer's
        words = list(sys.argv[1:] if args is None else args)

        def run() -> int:
            from coalition_cli.cli.complete import script_request

            script_request(words)  # --show-completion / --install-completion: handled, and exits
            try:
                result = super(CoalitionGroup, self).main(hoist_global_options(words), *rest, **kwargs)
            except NoArgsIsHelpError as error:
                # `coalition` alone is a request for help, not a mistake.
                commands.say(error.format_message() + "\n")
                return 0
            except UsageError as error:
                where = error.ctx.command_path if error.ctx else PROG
                raise UsageProblem(f"{error.format_message()} (see '{where} --help')") from None
            except ClickException as error:
                commands.fail(error.format_message(), error.exit_code)
            except typer.Abort:
                raise KeyboardInterrupt from None
            except SystemExit:
                # typer ends a broken pipe that went around our stdout (click rewraps a stdout it finds
                # misconfigured, such as PYTHONIOENCODING=ascii) with exit 1, after wrapping both
                # streams so they stay quiet: a reader who stopped reading is no error (exit 0).
                if isinstance(sys.stdout, PacifyFlushWrapper):
                    sys.stderr = sys.stderr.wrapped if isinstance(sys.stderr, PacifyFlushWrapper) else sys.stderr
                    raise ReaderGone() from None
                raise
            return result if isinstance(result, int) else 0

        commands.conclude(run)


# typer lists and checks the choices of an enum: made here, from the core's plain strings, and
# turned back into them (`_value`) before the core sees them.
FormatChoice = StrEnum("FormatChoice", {name: name for name in Format.ALL})  # type: ignore[misc]
CiteChoice = StrEnum("CiteChoice", {name: name for name in CITE_FORMATS})  # type: ignore[misc]
CheckChoice = StrEnum("CheckChoice", {name: name for name in CHECK_FORMATS})  # type: ignore[misc]
CacheChoice = StrEnum("CacheChoice", {name: name for name in commands.CACHE_ACTIONS})  # type: ignore[misc]


def _value(choice: StrEnum | None) -> str | None:
    return None if choice is None else str(choice.value)


def _examples(command: str) -> str:
    # \b keeps click from re-wrapping the example block.
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


app = typer.Typer(
    cls=CoalitionGroup,
    name=PROG,
    help=(
        'An offline handbook of the Russia-Syria-Iran-Iraq coalition (the "4+1" with Hezbollah): '
        "its members, key people, operations, dates and numbers, from one source article.\n\n"
        "Output is rich on a terminal and plain text when piped; every printing command takes "
        "--format rich|plain|markdown|json. The options --handbook and --no-pager may be typed "
        "before or after the command.\n\n"
        "\b\nExit codes:\n"
        "  0  found\n"
        "  1  nothing found (no such entry, no search hit) or nothing done\n"
        "  2  usage error\n"
        "  3  the handbook cannot be read or is invalid\n"
        "  4  the output cannot be written (disk full, standard output closed)\n"
        "  130  interrupted"
    ),
    epilog=_examples(""),
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _session(ctx: typer.Context) -> Session:
    session = ctx.find_object(Session)
    return session if session is not None else Session()


def _print_version(value: bool) -> None:
    if value:
        commands.say(f"{PROG} {__version__}\n")
        raise typer.Exit()


FormatOption = Annotated[
    FormatChoice | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
        show_default=False,
    ),
]

# `[KIND] NAME...`, as show, cite and related take it (grammar.py completes it with entry names).
EntryWords = Annotated[list[str], typer.Argument(metavar="[KIND] NAME...", show_default=False)]


@app.callback()
def main_options(
    ctx: typer.Context,
    handbook: Annotated[
        list[str] | None,
        typer.Option(
            "--handbook",
            metavar="PATH",
            help=(
                f"Read these handbook files instead of the bundled one (or set {HANDBOOK_ENV}); repeat it, or"
                f" separate files with '{os.pathsep}', to layer them in order; an empty item or"
                f" {BUNDLED} is the bundled handbook, so ':notes.yaml' adds your notes to it."
            ),
        ),
    ] = None,
    no_pager: Annotated[
        bool,
        typer.Option("--no-pager", help="Print long output straight to the terminal ($PAGER, else less -R)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="[SHELL]",
            help="Install completion for bash, zsh or fish (default: the shell you are in).",
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="[SHELL]",
            help="Print the completion script for bash, zsh or fish (default: the shell you are in).",
        ),
    ] = None,
) -> None:
    """Global options."""
    # COALITION_HANDBOOK is read by Session, not typer's `envvar` (ignored on callbacks by typer 0.26);
    # the completion options are answered before typer parses anything (complete.script_request).
    session = Session(handbook, pager=not no_pager)
    ctx.obj = session
    ctx.call_on_close(session.close)


@app.command(epilog=_examples("show"))
def show(ctx: typer.Context, words: EntryWords, fmt: FormatOption = None) -> None:
    """Show one entry in full.

    NAME is an id, title, alias or a reader's word for it (the Kremlin, Damascus), matched ignoring
    case and accents, or the unique start of one; names in Russian, Arabic and Persian too. KIND
    (actor, figure or person, section, fact, term, place, event; singular or plural) may be left
    out when the name is unique.
    """
    commands.show(_session(ctx), words, _value(fmt))


@app.command(
    "list",
    epilog=_examples("list"),
)
def list_entries(
    ctx: typer.Context,
    kind_word: Annotated[
        str | None,
        typer.Argument(
            metavar="[KIND]",
            help=f"One of: {', '.join(PLURALS.values())} (singular works too).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """List the entries of one kind, or every kind with its count.

    Piped, each entry is one tab-separated line: id, title, detail, and its file when several
    handbook files are in use. As JSON without a KIND, every entry is listed.
    """
    commands.list_entries(_session(ctx), kind_word, _value(fmt))


@app.command(epilog=_examples("search"))
def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False)],
    kinds: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", "-k", metavar="KIND", help="Only entries of this kind (repeatable).", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many results.")] = DEFAULT_LIMIT,
    fmt: FormatOption = None,
) -> None:
    """Search every entry: best matches first, each with a snippet.

    Any word of the query may match; entries matching more, and rarer, words rank higher, and
    matches in titles and aliases count most. Entries are also ranked by meaning, offline, so a
    reader's own words find them (goods, ship, planes). Common words (who, the, how many) are
    ignored, words are stemmed (killed, killing), other spellings are known (advisor, Suleimani),
    a misspelt word is corrected and words no entry mentions are named (both on stderr), and
    numbers and dates match however written (28,500 or 28500; 2020-01-03 or January 3, 2020). Put
    a phrase in double quotes, inside single ones for the shell, to require it. Exits 1 only when
    nothing matches at all, like grep (JSON output is then []).
    """
    commands.search(_session(ctx), query, kinds or [], limit, _value(fmt))


@app.command(epilog=_examples("ask"))
def ask(
    ctx: typer.Context,
    question: Annotated[list[str], typer.Argument(metavar="QUESTION...", show_default=False)],
    fmt: FormatOption = None,
) -> None:
    """Answer a question in one line, then say where the answer comes from.

    Who, when, how many and where questions are answered from the entries' fields and links (a
    fact's date or number, who it names, a place), with the sentence that supports it; why, how,
    what and yes-or-no questions with the handbook sentence that answers them; each with the
    section, the quote and the person the article attributes the claim to. When the handbook has
    no answer it says so, names what to read instead, and exits 1 (JSON output is then null): it
    never guesses.
    """
    commands.ask(_session(ctx), question, _value(fmt))


CiteFormatOption = Annotated[
    CiteChoice | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help=(
            "rich, plain, markdown, json; or for reference managers bib (BibTeX), csl-json or ris"
            " [default: rich on a terminal, plain otherwise]"
        ),
        show_default=False,
    ),
]


@app.command(epilog=_examples("timeline"))
def timeline(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The dated facts, oldest first."""
    commands.timeline(_session(ctx), _value(fmt))


@app.command(epilog=_examples("export"))
def export(ctx: typer.Context, fmt: CiteFormatOption = None) -> None:
    """The whole handbook in one document, or every entry's citation for a reference manager.

    Markdown has a table of contents and internal links that land under pandoc and GitHub alike;
    JSON has the handbook file's own shape, so it can be loaded back as a handbook; bib, csl-json
    and ris give one citation per entry.
    """
    commands.export(_session(ctx), _value(fmt))


@app.command(epilog=_examples("validate"))
def validate(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="The handbook file to check [default: the handbook in use].", show_default=False),
    ] = None,
    fmt: Annotated[
        CheckChoice,
        typer.Option("--format", "-f", case_sensitive=False, help="plain or json", show_default=True),
    ] = CheckChoice.plain,  # type: ignore[attr-defined]
) -> None:
    """Check a handbook file; report every problem as file:line:col: message.

    Exits 0 when the file is clean and 3 when it has problems.
    """
    commands.validate(_session(ctx), path, str(fmt.value))


@app.command(epilog=_examples("cite"))
def cite(ctx: typer.Context, words: EntryWords, fmt: CiteFormatOption = None) -> None:
    """Print only where an entry's claim comes from, to paste under a note.

    The citation names the source article, the section, and the quote when the entry has one.
    """
    commands.cite(_session(ctx), words, _value(fmt))


@app.command(epilog=_examples("related"))
def related(
    ctx: typer.Context,
    words: EntryWords,
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, max=3, help="Levels of neighbours to show.")] = 1,
    fmt: FormatOption = None,
) -> None:
    """Show how an entry is linked to others, grouped by the type of each link.

    Typed links say how (member of, commanded, killed by, used the airspace of...), `related` only
    that two entries are linked, and `mentioned in` which sections name it. A tree on a terminal;
    piped, one `type: id` line per link, an entry's own links indented under it; nodes and edges
    (source, target, relation as the handbook states it) as JSON.
    """
    commands.related(_session(ctx), words, depth, _value(fmt))


# One name as `path` and `compare` take each entry: quote a name of several words.
EntryName = Annotated[str, typer.Argument(metavar="NAME", show_default=False)]


@app.command(epilog=_examples("path"))
def path(
    ctx: typer.Context,
    start: EntryName,
    end: Annotated[str, typer.Argument(metavar="NAME", show_default=False)],
    typed: Annotated[bool, typer.Option("--typed", help="Follow typed links only (not plain related).")] = False,
    fmt: FormatOption = None,
) -> None:
    """The shortest chain of links from one entry to another.

    Each step says how the two are linked ("Qassem Soleimani -commanded-> Quds Force -part of->
    ..."); of the shortest chains, the one with the most typed links. Links are followed either way
    (read backwards, "commanded" is "commanded by"). JSON is a list of steps {from, relation, to}.
    Exits 1 when there is no chain (JSON output is then []).
    """
    commands.path(_session(ctx), start, end, typed, _value(fmt))


@app.command(epilog=_examples("compare"))
def compare(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(metavar="NAME NAME...", show_default=False)],
    fmt: FormatOption = None,
) -> None:
    """Set two or more entries side by side.

    Their type, membership, role, contributions and how they differ (as the article compares them),
    their typed links and dated facts, the links they all share and the links only one has. A table
    on a terminal, aligned blocks when piped; JSON has `entries` and the compared `fields`.
    """
    commands.compare(_session(ctx), names, _value(fmt))


@app.command(epilog=_examples("browse"))
def browse(
    ctx: typer.Context,
    query: Annotated[list[str] | None, typer.Argument(metavar="[QUERY...]", show_default=False)] = None,
) -> None:
    """Look around in a full-screen reader: search as you type, read, follow links.

    Type to search; the highlighted result shows beside the list. Enter opens it, and Enter on one
    of its links follows that link; Escape goes back. ctrl+t shows the timeline, ctrl+r the entry's
    relation tree, ctrl+f returns to the search box, ctrl+q quits. Needs a terminal.
    """
    commands.browse(_session(ctx), query or [])


QuizKind = StrEnum("QuizKind", {name: name for name in QUESTION_KINDS})  # type: ignore[misc]


@app.command(epilog=_examples("quiz"))
def quiz(
    ctx: typer.Context,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many questions.")] = DEFAULT_COUNT,
    kinds: Annotated[
        list[QuizKind] | None,
        typer.Option(
            "--kind",
            "-k",
            case_sensitive=False,
            help=f"Only questions of this kind (repeatable): {', '.join(QUESTION_KINDS)}.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="The same seed asks the same questions.", show_default=False)
    ] = None,
    typed: Annotated[bool, typer.Option("--typed", help="Type each answer instead of choosing it.")] = False,
    fmt: FormatOption = None,
) -> None:
    """Test yourself: questions made from the handbook's own fields, never invented.

    When a dated fact happened, a fact's number, who did what, which actor a term is linked to,
    which member of the 4+1 a description is of. Each answer is checked, then the entry it comes
    from and its quote are shown, and the score at the end. With --format json or markdown the
    questions and their answers are printed without asking (a worksheet).
    """
    commands.quiz(_session(ctx), count, [str(kind.value) for kind in kinds or []], seed, typed, _value(fmt))


@app.command(epilog=_examples("init"))
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter handbook.", show_default=False)],
) -> None:
    """Write a small, commented starter handbook for your own notes, layered on the shipped one.

    It never overwrites a file, and it validates clean.
    """
    commands.init(path)


@app.command(
    "cache",
    epilog=_examples("cache"),
)
def cache(
    action: Annotated[
        CacheChoice,
        typer.Argument(help="show (the default) or clear.", show_default=False, case_sensitive=False),
    ] = CacheChoice.show,  # type: ignore[attr-defined]
    fmt: FormatOption = None,
) -> None:
    """Show the cache folder, its size and each cache in it; or clear it.

    Each handbook stack is read once into a cache (in $XDG_CACHE_HOME/coalition, else
    ~/.cache/coalition) that later runs open. A cache is rebuilt whenever a file it was built from
    changes, and removed once those files are gone; COALITION_NO_CACHE=1 turns caching off.
    """
    commands.cache(str(action.value), _value(fmt))


def main() -> None:
    """Entry point of the `coalition` console script when the fast path does not serve it."""
    app(prog_name=PROG)
