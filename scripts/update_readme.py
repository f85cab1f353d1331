"""Regenerate the README's sample output and command reference from the real program.

    python scripts/update_readme.py          # rewrite README.md
    python scripts/update_readme.py --check  # exit 1 if README.md is out of date (the tests run this)

Blocks between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->` are replaced.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

TOUR = [
    "coalition show actor iran",
    "coalition ask who led the coalition",
    "coalition ask how many iranian advisers were in syria",
    "coalition search the kremlin",
    "coalition search who led the coalition --limit 3",
    "coalition search what goods did damascus ship to baghdad --limit 3",
    "coalition ask why was trade with iraq vital to syria",
    "coalition list",
    "coalition list facts",
    "coalition timeline",
    "coalition cite iranian-advisers-47 --format markdown",
    "coalition show fact iranian-advisers-47 --format json",
]


def app_commands() -> list[str]:
    """The app's own commands, in the order it lists them: the reference cannot miss one."""
    from typer.main import get_command

    from coalition_cli.cli.app import app

    group = get_command(app)
    return list(getattr(group, "commands", {}))


def run(command: str) -> str:
    """Run a `coalition ...` command as a reader would in a pipe, with a fixed width for help."""
    args = shlex.split(command)
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COALITION_HANDBOOK")}
    env.update({"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    done = subprocess.run(
        [sys.executable, "-m", "coalition_cli", *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout


def console(commands: list[str]) -> str:
    parts = []
    for command in commands:
        parts.append(f"$ {command}\n{run(command)}")
    return "```console\n" + "\n".join(parts).rstrip("\n") + "\n```"


REFERENCES = ("bib", "csl-json", "ris")
READING = [
    "coalition related soleimani",
    "coalition path 'united states' quds-force --typed",
    "coalition compare irgc 'quds force'",
    "coalition quiz --count 2 --seed 7 --format markdown",
]


def indented(block: str) -> str:
    """A block inside a list item."""
    return "\n".join(f"  {line}" if line else "" for line in block.splitlines())


def blocks() -> dict[str, str]:
    reference = [f"$ coalition --help\n{run('coalition --help')}"]
    reference += [f"$ coalition {name} --help\n{run(f'coalition {name} --help')}" for name in app_commands()]
    quality = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "search_quality.py")], capture_output=True, text=True, check=True
    ).stdout
    return {
        "search-quality": "```console\n$ python benchmarks/search_quality.py\n" + quality + "```",
        "tour": console(TOUR),
        "reading": console(READING),
        "references": indented(console([f"coalition cite soleimani-killed --format {fmt}" for fmt in REFERENCES])),
        "reference": "```console\n" + "\n".join(reference).rstrip("\n") + "\n```",
    }


def render(text: str) -> str:
    for name, body in blocks().items():
        pattern = re.compile(rf"(<!-- BEGIN generated: {name} -->\n).*?(<!-- END generated: {name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no generated block named {name}")
        text = pattern.sub(lambda m, body=body: m[1] + body + "\n" + m[2], text)
    return text


def main() -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv[1:]:
        if wanted != current:
            print("README.md is out of date: run python scripts/update_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
