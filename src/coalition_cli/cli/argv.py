"""The command line before parsing: global options typed anywhere, and the command they precede.

Readers type `coalition show iran --no-pager` as often as `coalition --no-pager show iran`, so the
global options are moved in front of the command before anything parses the line, the same way for
the typer app, the fast path and completion. The options each command takes come from grammar.py,
which is generated from the typer app, so a value such as `--kind --no-pager` is never mistaken.
"""

from __future__ import annotations

from coalition_cli.cli.grammar import COMMANDS, GLOBAL_OPTIONS

PROG = "coalition"


def takes_value(options: dict[str, bool], word: str) -> bool:
    """Whether `word` is an option (of these) that takes the next word as its value."""
    return options.get(word, False)


def hoist_global_options(args: list[str]) -> list[str]:
    """The same arguments with every global option (and its value) moved before the command."""
    index = 0
    while index < len(args):
        word = args[index]
        name = word.partition("=")[0]
        if name not in GLOBAL_OPTIONS:
            break
        index += 2 if "=" not in word and takes_value(GLOBAL_OPTIONS, name) else 1
    if index >= len(args) or args[index] not in COMMANDS:
        return args
    command = args[index]
    options = COMMANDS[command]["options"]
    hoisted: list[str] = []
    rest: list[str] = []
    position = index + 1
    while position < len(args):
        word = args[position]
        if word == "--":
            rest += args[position:]
            break
        name = word.partition("=")[0] if word.startswith("--") else word
        if name in GLOBAL_OPTIONS and name not in options:
            if "=" not in word and takes_value(GLOBAL_OPTIONS, word) and position + 1 >= len(args):
                from coalition_cli.model.errors import UsageProblem

                raise UsageProblem(f"option '{word}' needs a value (see '{PROG} --help')")
            if "=" in word or not takes_value(GLOBAL_OPTIONS, word):
                hoisted.append(word)
                position += 1
            else:
                hoisted += args[position : position + 2]
                position += 2
            continue
        rest.append(word)
        if "=" not in word and takes_value(options, word) and position + 1 < len(args):
            rest.append(args[position + 1])
            position += 1
        position += 1
    return args[:index] + hoisted + [command] + rest


def skip_global_options(args: list[str]) -> list[str]:
    """The arguments after the global options that lead them (`--no-pager --show-completion zsh`)."""
    index = 0
    while index < len(args):
        name = args[index].partition("=")[0]
        if name not in GLOBAL_OPTIONS:
            break
        index += 2 if "=" not in args[index] and takes_value(GLOBAL_OPTIONS, name) else 1
    return args[index:]


def split_global(args: list[str]) -> tuple[list[str], bool, str | None, list[str]]:
    """(--handbook values, paging allowed, the command, its arguments) from hoisted arguments;
    the command is None when something else comes first (--help, --version, an unknown option)."""
    handbooks: list[str] = []
    pager = True
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--no-pager":
            pager = False
            index += 1
        elif word == "--handbook" and index + 1 < len(args):
            handbooks.append(args[index + 1])
            index += 2
        elif word.startswith("--handbook="):
            handbooks.append(word.partition("=")[2])
            index += 1
        else:
            break
    if index >= len(args) or args[index].startswith("-"):
        return handbooks, pager, None, args[index:]
    return handbooks, pager, args[index], args[index + 1 :]
