"""The command line's shape: commands, options, defaults and help, without importing typer.

Generated from the typer app in cli.py by scripts/update_grammar.py; do not edit by hand. The fast
path, completion and argv.py read it; a test regenerates it and compares, so it cannot drift.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Options that may be typed before or after the command: takes a value?
GLOBAL_OPTIONS: dict[str, bool] = {"--handbook": True, "--no-pager": False}

# Options typed before any command, with their help.
ROOT_OPTIONS: dict[str, str] = {
    "--handbook": "Read these handbook files instead of the bundled one (or set COALITION_HANDBOOK); repeat it, "
    "or separate files with ':', to layer them in order; an empty item or @bundled is the bundled "
    "handbook, so ':notes.yaml' adds your notes to it.",
    "--no-pager": "Print long output straight to the terminal ($PAGER, else less -R).",
    "--version": "Print the version and exit.",
    "--install-completion": "Install completion for bash, zsh or fish (default: the shell you are in).",
    "--show-completion": "Print the completion script for bash, zsh or fish (default: the shell you are in).",
    "--help": "Show this message and exit.",
}

# Each command: its help, options (spelling -> takes a value), their help, the parameters
# they set (spelling -> name; 'name:' -> choices, range, default), and what its arguments complete to.
COMMANDS: dict[str, Any] = {
    "show": {
        "help": "Show one entry in full.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("rich", "plain", "markdown", "json")}},
        "arguments": ("entries",),
    },
    "list": {
        "help": "List the entries of one kind, or every kind with its count.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("rich", "plain", "markdown", "json")}},
        "arguments": ("kinds",),
    },
    "search": {
        "help": "Search every entry: best matches first, each with a snippet.",
        "options": {
            "--kind": True,
            "-k": True,
            "--limit": True,
            "-n": True,
            "--format": True,
            "-f": True,
            "-h": False,
            "--help": False,
        },
        "option_help": {
            "--kind": "Only entries of this kind (repeatable).",
            "--limit": "Show at most this many results.",
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--kind": "kinds",
            "-k": "kinds",
            "--limit": "limit",
            "-n": "limit",
            "limit:": {"min": 1, "max": None, "default": 10},
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json")},
        },
        "arguments": ("words",),
    },
    "ask": {
        "help": "Answer a question in one line, then say where the answer comes from.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("rich", "plain", "markdown", "json")}},
        "arguments": ("words",),
    },
    "timeline": {
        "help": "The dated facts, oldest first.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("rich", "plain", "markdown", "json")}},
        "arguments": (),
    },
    "export": {
        "help": "The whole handbook in one document, or every entry's citation for a reference manager.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown, json; or for reference managers bib "
            "(BibTeX), csl-json or ris [default: rich on a terminal, plain "
            "otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json", "bib", "csl-json", "ris")},
        },
        "arguments": (),
    },
    "validate": {
        "help": "Check a handbook file; report every problem as file:line:col: message.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {"--format": "plain or json", "--help": "Show this message and exit."},
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("plain", "json"), "default": "plain"}},
        "arguments": ("path",),
    },
    "cite": {
        "help": "Print only where an entry's claim comes from, to paste under a note.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown, json; or for reference managers bib (BibTeX), "
            "csl-json or ris [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json", "bib", "csl-json", "ris")},
        },
        "arguments": ("entries",),
    },
    "related": {
        "help": "Show how an entry is linked to others, grouped by the type of each link.",
        "options": {"--depth": True, "-d": True, "--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--depth": "Levels of neighbours to show.",
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--depth": "depth",
            "-d": "depth",
            "depth:": {"min": 1, "max": 3, "default": 1},
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json")},
        },
        "arguments": ("entries",),
    },
    "path": {
        "help": "The shortest chain of links from one entry to another.",
        "options": {"--typed": False, "--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--typed": "Follow typed links only (not plain related).",
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--typed": "typed",
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json")},
        },
        "arguments": ("name", "name"),
    },
    "compare": {
        "help": "Set two or more entries side by side.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {"--format": "fmt", "-f": "fmt", "fmt:": {"choices": ("rich", "plain", "markdown", "json")}},
        "arguments": ("names",),
    },
    "browse": {
        "help": "Look around in a full-screen reader: search as you type, read, follow links.",
        "options": {"-h": False, "--help": False},
        "option_help": {"--help": "Show this message and exit."},
        "params": {},
        "arguments": ("words",),
    },
    "quiz": {
        "help": "Test yourself: questions made from the handbook's own fields, never invented.",
        "options": {
            "--count": True,
            "-n": True,
            "--kind": True,
            "-k": True,
            "--seed": True,
            "--typed": False,
            "--format": True,
            "-f": True,
            "-h": False,
            "--help": False,
        },
        "option_help": {
            "--count": "How many questions.",
            "--kind": "Only questions of this kind (repeatable): date, number, who, term, member, abbreviation.",
            "--seed": "The same seed asks the same questions.",
            "--typed": "Type each answer instead of choosing it.",
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--count": "count",
            "-n": "count",
            "count:": {"min": 1, "max": None, "default": 5},
            "--kind": "kinds",
            "-k": "kinds",
            "kinds:": {"choices": ("date", "number", "who", "term", "member", "abbreviation")},
            "--seed": "seed",
            "--typed": "typed",
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json")},
        },
        "arguments": (),
    },
    "init": {
        "help": "Write a small, commented starter handbook for your own notes, layered on the shipped one.",
        "options": {"-h": False, "--help": False},
        "option_help": {"--help": "Show this message and exit."},
        "params": {},
        "arguments": ("path",),
    },
    "cache": {
        "help": "Show the cache folder, its size and each cache in it; or clear it.",
        "options": {"--format": True, "-f": True, "-h": False, "--help": False},
        "option_help": {
            "--format": "rich, plain, markdown or json [default: rich on a terminal, plain otherwise]",
            "--help": "Show this message and exit.",
        },
        "params": {
            "--format": "fmt",
            "-f": "fmt",
            "fmt:": {"choices": ("rich", "plain", "markdown", "json")},
            "action:": {"choices": ("show", "clear"), "default": "show"},
        },
        "arguments": ("choices:action",),
    },
}
