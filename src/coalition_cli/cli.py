"""The `coalition` command: a thin typer layer over the handbook, search and render modules.

Every failure ends here as one line on stderr and a documented exit code (see `coalition --help`).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from coalition_cli import __version__
from coalition_cli.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CoalitionError,
    InvalidHandbook,
    NotFound,
    UsageProblem,
)
from coalition_cli.handbook import KIND_WORDS, PLURALS, Handbook, find_entry, parse_kind
from coalition_cli.render import Format

PROG = "coalition"
HANDBOOK_ENV = "COALITION_HANDBOOK"


def _note(message: str) -> None:
    sys.stderr.write(f"{PROG}: {message}\n")


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


class CoalitionGroup(TyperGroup):
    """Runs the commands and turns every expected failure into one line on stderr and an exit code.

    Overriding `main` (not wrapping `app()`) means CliRunner tests see exactly what users see.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", PROG)
        _tolerate_unencodable_output()
        try:
            result = super().main(*args, **kwargs)
        except OutputClosed:
            # The reader stopped reading (`coalition export | head -1`): that is not an error.
            sys.exit(0)
        except CoalitionError as error:
            _fail(error.message, error.exit_code)
        except NoArgsIsHelpError as error:
            # `coalition` alone is a request for help, not a mistake.
            sys.stdout.write(error.format_message() + "\n")
            sys.exit(0)
        except UsageError as error:
            where = error.ctx.command_path if error.ctx else PROG
            _fail(f"{error.format_message()} (see '{where} --help')", EXIT_USAGE)
        except ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except (typer.Abort, KeyboardInterrupt):
            sys.exit(EXIT_INTERRUPTED)  # quietly: the shell has already shown ^C
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            raise OutputClosed() from None


class OutputClosed(Exception):
    """stdout's reader went away; raised past typer, which would otherwise exit 1 on EPIPE."""


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


def _examples(*lines: str) -> str:
    # \b keeps click from re-wrapping the example block.
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


app = typer.Typer(
    cls=CoalitionGroup,
    name=PROG,
    help=(
        'An offline handbook of the Russia-Syria-Iran-Iraq coalition (the "4+1" with Hezbollah): '
        "its members, key people, operations, dates and numbers, from one source article.\n\n"
        "Output is rich on a terminal and plain text when piped; every printing command takes "
        "--format rich|plain|markdown|json.\n\n"
        "\b\nExit codes:\n"
        "  0  found\n"
        "  1  nothing found (no such entry, no search hit)\n"
        "  2  usage error\n"
        "  3  the handbook cannot be read or is invalid\n"
        "  130  interrupted"
    ),
    epilog=_examples(
        "coalition show actor iran",
        "coalition search who led the coalition",
        "coalition list actors",
        "coalition timeline --format markdown >> notes.md",
    ),
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    """What the top-level options chose; the handbook is loaded only by commands that need it."""

    def __init__(self, handbook_path: Path | None) -> None:
        self.handbook_path = handbook_path
        self._handbook: Handbook | None = None

    def handbook(self) -> Handbook:
        if self._handbook is None:
            from coalition_cli.loader import load_handbook

            self._handbook = load_handbook(self.handbook_path)
        return self._handbook


def _state(ctx: typer.Context) -> State:
    state = ctx.find_object(State)
    return state if state is not None else State(None)


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"{PROG} {__version__}\n")
        raise typer.Exit()


FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
        show_default=False,
    ),
]


@app.callback()
def main_options(
    ctx: typer.Context,
    handbook: Annotated[
        Path | None,
        typer.Option(
            "--handbook",
            metavar="PATH",
            help=f"Read this handbook file instead of the bundled one (or set {HANDBOOK_ENV}).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Global options."""
    # Read here rather than through typer's `envvar`, which typer 0.26 ignores on callback options.
    from_env = os.environ.get(HANDBOOK_ENV)
    ctx.obj = State(handbook or (Path(from_env) if from_env else None))


def _output(fmt: Format | None) -> Format:
    from coalition_cli.render import choose_format

    return choose_format(fmt)


@app.command(
    epilog=_examples(
        "coalition show actor iran",
        "coalition show soleimani",
        "coalition show people assad --format markdown",
        "coalition show fact agreement-2015 --format json",
    )
)
def show(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(metavar="[KIND] NAME...", show_default=False)],
    fmt: FormatOption = None,
) -> None:
    """Show one entry in full.

    NAME is an id, title or alias, matched ignoring case and accents, or the unique start of one.
    KIND (actor, figure or person, section, fact, term; singular or plural) may be left out when
    the name is unique.
    """
    kind = KIND_WORDS.get(words[0].lower()) if len(words) > 1 else None
    name = " ".join(words[1:] if kind else words)
    if len(words) == 1 and words[0].lower() in KIND_WORDS:
        plural = PLURALS[KIND_WORDS[words[0].lower()]]
        raise UsageProblem(
            f"which {KIND_WORDS[words[0].lower()]}? give a NAME, or list them with 'coalition list {plural}'"
        )
    handbook = _state(ctx).handbook()
    try:
        entry = find_entry(handbook, name, kind)
    except NotFound:
        if kind is None and len(words) > 1 and difflib.get_close_matches(words[0].lower(), KIND_WORDS, n=1):
            parse_kind(words[0])  # "show actr iran": the mistake is the kind, so say so
        raise
    from coalition_cli.render import write_entry

    write_entry(handbook, entry, _output(fmt))


@app.command(
    "list",
    epilog=_examples("coalition list", "coalition list actors", "coalition list facts --format json"),
)
def list_entries(
    ctx: typer.Context,
    kind_word: Annotated[
        str | None,
        typer.Argument(
            metavar="[KIND]", help=f"One of: {', '.join(PLURALS.values())} (singular works too).", show_default=False
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """List the entries of one kind, or every kind with its count.

    Piped, each entry is one tab-separated line: id, title, detail. As JSON without a KIND, every
    entry is listed.
    """
    kind = parse_kind(kind_word) if kind_word is not None else None
    handbook = _state(ctx).handbook()
    from coalition_cli.render import write_counts, write_entries

    if kind is None:
        write_counts(handbook, _output(fmt))
    else:
        write_entries(handbook.of_kind(kind), _output(fmt))


@app.command(
    epilog=_examples(
        "coalition search airspace",
        "coalition search who led the coalition",
        "coalition search missiles --kind fact --limit 3",
        "coalition search '\"drone strike\" baghdad'",
        "coalition search advisers --format json",
    )
)
def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(metavar="QUERY...", show_default=False)],
    kinds: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", "-k", metavar="KIND", help="Only entries of this kind (repeatable).", show_default=False
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many results.")] = 10,
    fmt: FormatOption = None,
) -> None:
    """Search every entry: best matches first, each with a snippet.

    Any word of the query may match; entries matching more, and rarer, words rank higher, and
    matches in titles and aliases count most. Common words (who, the, how many) are ignored, words
    are stemmed (killed, killing), other spellings are known (advisor, Suleimani), a misspelt word
    is corrected (said on stderr), and numbers and dates match however written (28,500 or 28500;
    2020-01-03 or January 3, 2020). Put a phrase in double quotes, inside single ones for the
    shell, to require it. Exits 1 when nothing matches, like grep.
    """
    wanted = [parse_kind(word) for word in kinds or []]
    handbook = _state(ctx).handbook()
    from coalition_cli.render import write_hits
    from coalition_cli.search import fold_word, search_entries

    text = " ".join(query)
    result = search_entries(handbook, text, wanted, limit)
    if result.corrections:
        # On stderr: a reader sees it, a note file collecting stdout does not.
        corrected = re.sub(r"\w+", lambda m: result.corrections.get(fold_word(m[0]), m[0]), text)
        _note(f'showing results for "{corrected}"')
    write_hits(result.hits, _output(fmt))


@app.command(epilog=_examples("coalition timeline", "coalition timeline --format json"))
def timeline(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The dated facts, oldest first."""
    handbook = _state(ctx).handbook()
    from coalition_cli.render import write_timeline

    write_timeline(handbook, _output(fmt))


@app.command(
    epilog=_examples(
        "coalition export --format markdown > coalition.md",
        "coalition export --format json > coalition.json",
    )
)
def export(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The whole handbook in one document.

    Markdown has a table of contents and internal links; JSON has the handbook file's own shape,
    so it can be loaded back as a handbook.
    """
    handbook = _state(ctx).handbook()
    from coalition_cli.render import write_export

    write_export(handbook, _output(fmt))


@app.command(
    epilog=_examples(
        "coalition validate",
        "coalition validate my-notes.yaml",
        "coalition validate my-notes.yaml --format json",
    )
)
def validate(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="The handbook file to check [default: the handbook in use].", show_default=False),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", case_sensitive=False, help="plain or json [default: plain]", show_default=False),
    ] = None,
) -> None:
    """Check a handbook file; report every problem as file:line:col: message.

    Exits 0 when the file is clean and 3 when it has problems.
    """
    from coalition_cli.loader import bundled_handbook_path, check_handbook
    from coalition_cli.render import write_problems

    if fmt not in (None, Format.plain, Format.json):
        raise UsageProblem(f"validate prints plain or json, not {fmt.value}")
    target = path or _state(ctx).handbook_path or bundled_handbook_path()
    handbook, problems = check_handbook(target)
    write_problems(problems, fmt or Format.plain)
    if problems or handbook is None:
        raise InvalidHandbook(f"{target}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    if fmt is not Format.json:
        sys.stdout.write(f"{target}: valid, {len(handbook.entries)} entries\n")


def main() -> None:
    """Entry point of the `coalition` console script."""
    app(prog_name=PROG)
