"""Write man/coalition.1, the manual page, from the typer app itself.

    python scripts/update_manpage.py          # rewrite man/coalition.1
    python scripts/update_manpage.py --check  # exit 1 if it is out of date (the tests run this)

The page is built from the app's own help: its commands, their arguments and options, and the
exit codes, environment and examples the app documents; so it cannot say what the program does
not do. The wheel installs it as share/man/man1/coalition.1, where `man coalition` finds it beside
the `coalition` command's bin folder (man-db looks for share/man next to each bin on PATH).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from typer.main import get_command

from coalition_cli import __version__
from coalition_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "man" / "coalition.1"
DATE = "2026-11-27"  # the page's date: fixed, so that regenerating it changes only what changed

ENVIRONMENT = [
    ("COALITION_HANDBOOK", "Handbook files to read instead of the bundled one, as --handbook takes them."),
    ("COALITION_NO_CACHE", "Set to 1 to build the handbook's tables afresh on every run, and keep no cache."),
    ("XDG_CACHE_HOME", "Where the cache folder goes (coalition under it), else ~/.cache/coalition."),
    ("PAGER", "The pager for long output on a terminal (else less -R); --no-pager turns paging off."),
    ("NO_COLOR, FORCE_COLOR, TERM", "Colour off; colour and terminal drawing on even when piped; TERM=dumb is plain."),
    ("COLUMNS, LINES", "The terminal's size, when set."),
]
FILES = [
    ("$XDG_CACHE_HOME/coalition/", "The cache: one SQLite file per stack of handbook files, private to the user."),
    ("handbook.yaml", "The bundled handbook, inside the installed package; its comment block documents the format."),
]


def roff(text: str) -> str:
    """Text for roff lines: backslashes and hyphens escaped, wrapped at 78 columns (roff joins the
    lines again), and a line that would start with a dot or an apostrophe (a request) protected."""
    import textwrap

    escaped = " ".join(text.split()).replace("\\", "\\e").replace("-", "\\-")
    lines = textwrap.wrap(escaped, 78, break_long_words=False, break_on_hyphens=False) or [""]
    return "\n".join("\\&" + line if line[:1] in ".'" else line for line in lines)


def _paragraph(lines: list[str], text: str) -> None:
    """A paragraph: .PP between paragraphs, none right after a heading (mandoc would skip it)."""
    if not lines[-1].startswith((".SH", ".SS")):
        lines.append(".PP")
    lines.append(roff(text))


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(part.split()) for part in (text or "").strip().split("\n\n") if part.strip()]


def _examples(epilog: str | None) -> list[str]:
    return [line.strip() for line in (epilog or "").splitlines() if line.startswith("  ")]


def _option_lines(command: Any) -> list[str]:
    lines: list[str] = []
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        spellings = ", ".join(f"\\fB{roff(name)}\\fR" for name in [*param.opts, *param.secondary_opts])
        takes_value = not getattr(param, "is_flag", False)
        metavar = param.metavar or (param.name or "").upper()
        lines += [".TP", spellings + (f" \\fI{roff(str(metavar))}\\fR" if takes_value else ""), roff(param.help or "")]
    return lines


def render() -> str:
    root = get_command(app)
    commands = getattr(root, "commands", {})
    description = _paragraphs(root.help)
    intro = [p for p in description if not p.startswith("\b")]
    lines = [
        f'.TH COALITION 1 "{DATE}" "coalition {__version__}" "User Commands"',
        ".SH NAME",
        "coalition \\- an offline handbook of the Russia\\-Syria\\-Iran\\-Iraq coalition",
        ".SH SYNOPSIS",
        ".B coalition",
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]",
        ".SH DESCRIPTION",
    ]
    for paragraph in intro:
        if paragraph.startswith("Exit codes:"):
            continue
        _paragraph(lines, paragraph)
    lines += [".SH GLOBAL OPTIONS", *_option_lines(root)]
    lines.append(".SH COMMANDS")
    for name, command in commands.items():
        arguments = " ".join(
            f"\\fI{roff(str(param.metavar or (param.name or '').upper()))}\\fR"
            for param in command.params
            if param.param_type_name == "argument"
        )
        heading = f"\\fBcoalition {roff(name)}\\fR {arguments}".rstrip()
        lines.append(f'.SS "{heading}"')
        for paragraph in _paragraphs(command.help):
            _paragraph(lines, paragraph)
        options = _option_lines(command)
        if options:
            lines += [".PP", "Options:", ".RS", *options, ".RE"]
        examples = _examples(command.epilog)
        if examples:
            lines += [".PP", "Examples:", ".RS", ".nf", *(roff(example) for example in examples), ".fi", ".RE"]
    lines.append(".SH EXIT STATUS")
    codes = next((p for p in _paragraphs(root.help) if "Exit codes:" in p), "")
    for line in (root.help or "").split("Exit codes:", 1)[-1].splitlines() if codes else []:
        code, _, meaning = line.strip().partition("  ")
        if code.isdigit():
            lines += [".TP", f"\\fB{code}\\fR", roff(meaning)]
    lines.append(".SH ENVIRONMENT")
    for name, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{roff(name)}\\fR", roff(meaning)]
    lines.append(".SH FILES")
    for name, meaning in FILES:
        lines += [".TP", f"\\fI{roff(name)}\\fR", roff(meaning)]
    lines += [".SH EXAMPLES", ".nf", *(roff(example) for example in _examples(root.epilog)), ".fi"]
    lines += [".SH SEE ALSO", "\\fBpandoc\\fR(1), \\fBbibtex\\fR(1)"]
    return "\n".join(lines) + "\n"


def main() -> int:
    wanted = render()
    if "--check" in sys.argv[1:]:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != wanted:
            print("man/coalition.1 is out of date: run python scripts/update_manpage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
