"""The fast path: `coalition show ...`, `search ...`, `ask ...` and a TAB, without importing typer.

Importing typer and building the app costs more than everything else a lookup does, so the two
commands readers run most, and completion, are served here. Only the plain forms are taken: the
options grammar.py lists for those commands (generated from the typer app), in any order, and the
global options anywhere. Anything else (help, an unknown or malformed option, a missing argument,
another command) is left to the typer app, which gives the usual help or one-line usage error.
"""

from __future__ import annotations

import os

from coalition_cli.cli import commands
from coalition_cli.cli.argv import hoist_global_options, split_global
from coalition_cli.cli.grammar import COMMANDS
from coalition_cli.model.errors import UsageProblem

COMPLETE_VAR = "_COALITION_COMPLETE"  # set by the completion scripts complete.py writes
_MAX_DIGITS = 18  # Python refuses to read numbers of more than 4,300 digits; none needs 19


class _Unsure(Exception):
    """These arguments are not a plain `show`, `search` or `ask`: typer must handle them."""


def run(argv: list[str]) -> None:
    """Answer a TAB, or run `show`, `search` or `ask`, and exit; return (doing nothing) for anything else."""
    if os.environ.get(COMPLETE_VAR):
        from coalition_cli.cli.complete import answer

        answer(os.environ[COMPLETE_VAR])
        return
    if any(word.startswith(("--show-completion", "--install-completion")) for word in argv):
        return  # typer's app answers these (complete.script_request), with its usage errors
    try:
        hoisted = hoist_global_options(argv)
    except UsageProblem:
        return  # the typer app says what is wrong, the usual way
    handbooks, pager, command, rest = split_global(hoisted)
    if command not in ("show", "search", "ask"):
        return
    try:
        words, values = parse(command, rest)
        fmt = _choice(command, "fmt", values)
        limit = _limit(values) if command == "search" else 0
    except _Unsure:
        return
    session = commands.Session(handbooks, pager=pager)
    if command == "show":
        commands.conclude(lambda: commands.show(session, words, fmt), session)
    if command == "ask":
        commands.conclude(lambda: commands.ask(session, words, fmt), session)
    kinds = values.get("kinds", [])
    commands.conclude(lambda: commands.search(session, words, kinds, limit, fmt), session)


def parse(command: str, args: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Positional words and option values (by parameter name), as click would read them."""
    grammar = COMMANDS[command]
    options: dict[str, bool] = grammar["options"]
    names: dict[str, str] = grammar["params"]
    words: list[str] = []
    values: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            words += args[index + 1 :]
            break
        if word.startswith("-") and word != "-":
            name, equals, value = word.partition("=")
            if not options.get(name) or (equals and not name.startswith("--")):
                raise _Unsure  # unknown option, --help, or a short option written with "="
            if not equals:
                if index + 1 >= len(args):
                    raise _Unsure
                value, index = args[index + 1], index + 1
            values.setdefault(names[name], []).append(value)
        else:
            words.append(word)
        index += 1
    if not words:
        raise _Unsure
    return words, values


def _choice(command: str, name: str, values: dict[str, list[str]]) -> str | None:
    given = values.get(name)
    if not given:
        return None
    if given[-1].lower() not in COMMANDS[command]["params"][f"{name}:"]["choices"]:
        raise _Unsure  # typer says which values are allowed
    return given[-1].lower()


def _limit(values: dict[str, list[str]]) -> int:
    facts = COMMANDS["search"]["params"]["limit:"]
    given = values.get("limit")
    if not given:
        return int(facts["default"])
    text = given[-1].strip()
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is true, but it is no number
        raise _Unsure
    text = text.lstrip("0") or "0"
    if len(text) > _MAX_DIGITS:
        return int(text[:_MAX_DIGITS])  # more than every entry: the search shows every entry
    if int(text) < facts["min"]:
        raise _Unsure
    return int(text)
