"""The fast path: `coalition show ...` and `coalition search ...` without importing typer.

Importing typer and building the app costs more than everything else a lookup does (about 40 of
the ~60 ms a cached `show` takes here), so the two commands readers run most are recognised here
and run directly. Only the plain forms are taken: the options those commands document, in any
order, and `--handbook PATH` before the command. Anything else (help, an unknown or malformed
option, a missing argument, another command) is left to the typer app, which then gives the usual
help or one-line usage error. Tests run both paths on the same arguments and compare every byte.
"""

from __future__ import annotations

from pathlib import Path

from coalition_cli import commands
from coalition_cli.render import Format

_FORMATS = {fmt.value: fmt for fmt in Format}
# Each option of the command, as typed, to what it sets; mirrors the options cli.py declares.
_SHOW_OPTIONS = {"-f": "format", "--format": "format"}
_SEARCH_OPTIONS = {**_SHOW_OPTIONS, "-k": "kind", "--kind": "kind", "-n": "limit", "--limit": "limit"}


class _Unsure(Exception):
    """These arguments are not a plain `show` or `search`: typer must handle them."""


def run(argv: list[str]) -> None:
    """Run `show` or `search` and exit; return (doing nothing) for anything else."""
    try:
        handbook, command, rest = _split_global(argv)
        if command == "show":
            words, options = _parse(rest, values=_SHOW_OPTIONS)
            fmt = _format(options)
            action = lambda: commands.show(commands.Session(handbook), words, fmt)  # noqa: E731
        elif command == "search":
            names = {
                "-f": "format",
                "--format": "format",
                "-k": "kind",
                "--kind": "kind",
                "-n": "limit",
                "--limit": "limit",
            }
            words, options = _parse(rest, values=names)
            fmt = _format(options)
            limit = _limit(options)
            kinds = options.get("kind", [])
            action = lambda: commands.search(commands.Session(handbook), words, kinds, limit, fmt)  # noqa: E731
        else:
            return
    except _Unsure:
        return
    commands.conclude(action)


def _split_global(argv: list[str]) -> tuple[Path | None, str, list[str]]:
    handbook: Path | None = None
    index = 0
    while index < len(argv) and argv[index].startswith("--handbook"):
        word = argv[index]
        if word == "--handbook" and index + 1 < len(argv) and argv[index + 1]:
            handbook, index = Path(argv[index + 1]), index + 2
        elif word.startswith("--handbook=") and len(word) > len("--handbook="):
            handbook, index = Path(word.partition("=")[2]), index + 1
        else:
            raise _Unsure
    if index >= len(argv):
        raise _Unsure
    return handbook, argv[index], argv[index + 1 :]


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
