"""The fast path: `coalition show ...` and `coalition search ...` without importing typer.

Importing typer and building the app costs more than everything else a lookup does (about 40 of
the ~60 ms a cached `show` takes here), so the two commands readers run most are recognised here
and run directly. Only the plain forms are taken: the options those commands document, in any
order, and `--handbook PATH` before the command. Anything else (help, an unknown or malformed
option, a missing argument, another command) is left to the typer app, which then gives the usual
help or one-line usage error. Tests run both paths on the same arguments and compare every byte.
"""

from __future__ import annotations

import os
import sys

from coalition_cli import commands
from coalition_cli.render import Format

COMPLETE_VAR = "_COALITION_COMPLETE"  # what typer's completion scripts set

_FORMATS = {fmt.value: fmt for fmt in Format}
# Each option of the command, as typed, to what it sets; mirrors the options cli.py declares.
_SHOW_OPTIONS = {"-f": "format", "--format": "format"}
_SEARCH_OPTIONS = {**_SHOW_OPTIONS, "-k": "kind", "--kind": "kind", "-n": "limit", "--limit": "limit"}


class _Unsure(Exception):
    """These arguments are not a plain `show` or `search`: typer must handle them."""


def run(argv: list[str]) -> None:
    """Run `show` or `search` and exit; return (doing nothing) for anything else."""
    if os.environ.get(COMPLETE_VAR):
        _complete(os.environ[COMPLETE_VAR])
        return
    try:
        session, command, rest = _split_global(argv)
        if command == "show":
            words, options = _parse(rest, values=_SHOW_OPTIONS)
            fmt = _format(options)
            action = lambda: commands.show(session, words, fmt)  # noqa: E731
        elif command == "search":
            words, options = _parse(rest, values=_SEARCH_OPTIONS)
            fmt = _format(options)
            limit = _limit(options)
            kinds = options.get("kind", [])
            action = lambda: commands.search(session, words, kinds, limit, fmt)  # noqa: E731
        else:
            return
    except _Unsure:
        return
    commands.conclude(action)


def _split_global(argv: list[str], quiet: bool = False) -> tuple[commands.Session, str, list[str]]:
    """The session the global options ask for, the command, and its arguments."""
    handbooks: list[str] = []
    pager = True
    index = 0
    while index < len(argv) and (argv[index].startswith("--handbook") or argv[index] == "--no-pager"):
        word = argv[index]
        if word == "--no-pager":
            pager = False
            index += 1
        elif word == "--handbook" and index + 1 < len(argv):
            handbooks.append(argv[index + 1])
            index += 2
        elif word.startswith("--handbook="):
            handbooks.append(word.partition("=")[2])
            index += 1
        else:
            raise _Unsure
    if index >= len(argv):
        raise _Unsure
    return commands.Session(handbooks, pager=pager, quiet=quiet), argv[index], argv[index + 1 :]


def _parse(args: list[str], values: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Positional words and option values, as click would read them for these options."""
    words: list[str] = []
    options: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            words += args[index + 1 :]
            break
        if word.startswith("-") and word != "-":
            name, equals, value = word.partition("=")
            if name not in values or (equals and name.startswith("-") and not name.startswith("--")):
                raise _Unsure  # unknown option, --help, or a short option written with "="
            if not equals:
                if index + 1 >= len(args):
                    raise _Unsure
                value, index = args[index + 1], index + 1
            options.setdefault(values[name], []).append(value)
        else:
            words.append(word)
        index += 1
    if not words:
        raise _Unsure
    return words, options


def _format(options: dict[str, list[str]]) -> Format | None:
    given = options.get("format")
    if not given:
        return None
    fmt = _FORMATS.get(given[-1].lower())
    if fmt is None:
        raise _Unsure  # typer says which values are allowed
    return fmt


def _limit(options: dict[str, list[str]]) -> int:
    given = options.get("limit")
    if not given:
        return 10
    text = given[-1].strip()
    if not text.isdigit() or int(text) < 1:
        raise _Unsure
    return int(text)


# -- completion ----------------------------------------------------------------------------------
# A TAB on an entry name or a kind is answered here, in typer's own output format for bash, zsh and
# fish, without importing typer; commands and options are left to typer, as is every other shell.


def _complete(instruction: str) -> None:
    shell = instruction.removeprefix("complete_")
    if shell not in ("bash", "zsh", "fish"):
        return
    try:
        args, incomplete = _completion_args(shell)
        candidates = _candidates(args, incomplete)
    except (_Unsure, ValueError, KeyError):
        return
    # Each as typer prints it (typer ends the output with a newline, even when there is none).
    if shell == "bash":
        sys.stdout.write("\n".join(value for value, _ in candidates) + "\n")
    elif shell == "zsh":
        items = "\n".join(f'"{_zsh(value)}":"{_zsh(help_)}"' for value, help_ in candidates)
        sys.stdout.write((f"_arguments '*: :(({items}))'" if candidates else "_files") + "\n")
    elif os.environ.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        sys.exit(0 if candidates else 1)
    else:
        sys.stdout.write("\n".join(f"{value}\t{' '.join(help_.split())}" for value, help_ in candidates) + "\n")
    sys.stdout.flush()
    sys.exit(0)


def _zsh(text: str) -> str:
    return text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")


def _split(line: str) -> list[str]:
    """Split a command line like the shell, keeping a last token left open (as click does)."""
    import shlex

    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:
        words.append(lexer.token)
    return words


def _completion_args(shell: str) -> tuple[list[str], str]:
    if shell == "bash":
        words = _split(os.environ["COMP_WORDS"])
        current = int(os.environ["COMP_CWORD"])
        return words[1:current], words[current] if current < len(words) else ""
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _candidates(args: list[str], incomplete: str) -> list[tuple[str, str]]:
    from coalition_cli.complete import entry_candidates, kind_candidates

    if incomplete.startswith("-"):
        raise _Unsure  # options: typer knows them
    session, command, rest = _split_global(args, quiet=True)
    if "--" in rest or any(word in ("-h", "--help") for word in rest):
        raise _Unsure
    if command == "search" and rest and rest[-1] in ("-k", "--kind"):
        return kind_candidates(incomplete)
    if command == "list" and not rest:
        return kind_candidates(incomplete, plural=True)
    if command in ("show", "cite", "related"):
        options = {**_SHOW_OPTIONS, "-d": "depth", "--depth": "depth"}
        if rest and rest[-1] in options:
            raise _Unsure  # a value for an option
        words = _words_only(rest, options)
        return entry_candidates(words, incomplete, session)
    raise _Unsure


def _words_only(args: list[str], options: dict[str, str]) -> list[str]:
    """The positional words among typed arguments, skipping options and their values."""
    words = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word in options:
            skip = True
        elif word.startswith("-"):
            continue
        else:
            words.append(word)
    return words
