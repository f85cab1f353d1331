"""Write src/coalition_cli/cli/grammar.py from the typer app in cli/app.py.

    python scripts/update_grammar.py          # rewrite grammar.py
    python scripts/update_grammar.py --check  # exit 1 if grammar.py is out of date (the tests run this)

grammar.py lets the fast path, completion and the hoisting of global options know every command
and option without importing typer; generating it from the app keeps the two from drifting.
"""

from __future__ import annotations

import pprint
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer._click.core import Command
from typer.main import get_command

from coalition_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
GRAMMAR = ROOT / "src" / "coalition_cli" / "cli" / "grammar.py"

# What a positional argument completes to, by the metavar cli.py gives it.
ARGUMENT_COMPLETION = {
    "[KIND] NAME...": "entries",  # one entry, a kind word before its name if wanted
    "NAME": "name",  # one entry per argument (path)
    "NAME NAME...": "names",  # one entry per argument, any number of them (compare)
    "[KIND]": "kinds",
    "QUERY...": "words",
    "[QUERY...]": "words",
    "QUESTION...": "words",
}

HEADER = '''"""The command line's shape: commands, options, defaults and help, without importing typer.

Generated from the typer app in cli.py by scripts/update_grammar.py; do not edit by hand. The fast
path, completion and argv.py read it; a test regenerates it and compares, so it cannot drift.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

'''


def _first_line(text: str | None) -> str:
    return (text or "").strip().split("\n\n")[0].replace("\n", " ").strip()


def _is_path(param: Any) -> bool:
    return "path" in type(param.type).__name__.lower() or param.metavar == "PATH"


def _options(command: Command) -> tuple[dict[str, bool], dict[str, str], dict[str, Any]]:
    """(spelling -> takes a value, spelling -> help, parameter facts: name, choices, default, range)."""
    takes: dict[str, bool] = {}
    helps: dict[str, str] = {}
    params: dict[str, Any] = {}
    for param in command.params:
        if param.param_type_name != "option":
            continue
        spellings = [*param.opts, *param.secondary_opts]
        flag = bool(getattr(param, "is_flag", False))
        for spelling in spellings:
            takes[spelling] = not flag
            params[spelling] = param.name
        helps[max(spellings, key=len)] = _first_line(getattr(param, "help", None))
        facts: dict[str, Any] = {}
        # Read by duck typing: typer's own parameter types are named differently across versions.
        if getattr(param.type, "choices", None):
            facts["choices"] = tuple(str(getattr(c, "value", c)) for c in param.type.choices)
        if hasattr(param.type, "min") and hasattr(param.type, "max"):
            facts["min"], facts["max"] = param.type.min, param.type.max
        if _is_path(param):
            facts["path"] = True
        if param.default is not None and not callable(param.default) and not flag:
            facts["default"] = getattr(param.default, "value", param.default)
        if facts:
            params[f"{param.name}:"] = facts
    takes["-h"] = takes["--help"] = False
    helps["--help"] = "Show this message and exit."
    return takes, helps, params


def _arguments(command: Command) -> tuple[str, ...]:
    completes = []
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        if _is_path(param):
            completes.append("path")
        elif getattr(param.type, "choices", None):
            completes.append(f"choices:{param.name}")
        else:
            completes.append(ARGUMENT_COMPLETION[str(param.metavar)])
    return tuple(completes)


def grammar() -> dict[str, Any]:
    root = get_command(app)
    assert hasattr(root, "commands")
    takes, helps, _ = _options(root)
    commands: dict[str, Any] = {}
    for name, command in root.commands.items():
        options, option_help, params = _options(command)
        for param in command.params:
            if param.param_type_name == "argument" and getattr(param.type, "choices", None):
                choices = tuple(str(getattr(c, "value", c)) for c in param.type.choices)
                params[f"{param.name}:"] = {"choices": choices, "default": str(getattr(param.default, "value", ""))}
        commands[name] = {
            "help": _first_line(command.help),
            "options": options,
            "option_help": option_help,
            "params": params,
            "arguments": _arguments(command),
        }
    global_options = {spelling: takes[spelling] for spelling in ("--handbook", "--no-pager")}
    return {"GLOBAL_OPTIONS": global_options, "ROOT_OPTIONS": helps, "COMMANDS": commands}


def render() -> str:
    parts = [HEADER]
    types = {"GLOBAL_OPTIONS": "dict[str, bool]", "ROOT_OPTIONS": "dict[str, str]", "COMMANDS": "dict[str, Any]"}
    for name, value in grammar().items():
        comment = {
            "GLOBAL_OPTIONS": "# Options that may be typed before or after the command: takes a value?",
            "ROOT_OPTIONS": "# Options typed before any command, with their help.",
            "COMMANDS": "# Each command: its help, options (spelling -> takes a value), their help, the parameters\n"
            "# they set (spelling -> name; 'name:' -> choices, range, default), and what its arguments complete to.",
        }[name]
        body = pprint.pformat(value, width=110, sort_dicts=False)
        parts.append(f"{comment}\n{name}: {types[name]} = {body}\n\n")
    text = "".join(parts).rstrip("\n") + "\n"
    # Formatted as the rest of the code is, so `ruff format --check` passes on it.
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(GRAMMAR), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return formatted.stdout


def main() -> int:
    wanted = render()
    if "--check" in sys.argv[1:]:
        if GRAMMAR.read_text(encoding="utf-8") != wanted:
            print("grammar.py is out of date: run python scripts/update_grammar.py", file=sys.stderr)
            return 1
        return 0
    GRAMMAR.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
