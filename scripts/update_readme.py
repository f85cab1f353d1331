"""Regenerate the sample output and command reference in the README and docs/ from the real program.

    python scripts/update_readme.py          # rewrite README.md and docs/*.md
    python scripts/update_readme.py --check  # exit 1 if any is out of date (the tests run this)

Blocks between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->` are replaced,
in whichever of those files holds them; each block is in exactly one.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

TOUR = [
    "coalition show actor iran",
    "coalition ask who led the coalition",
    "coalition ask how many iranian advisers were in syria",
    "coalition search the kremlin",
    "coalition search who led the coalition --limit 3",
    "coalition cite iranian-advisers-47 --format markdown",
]
EXAMPLES = [
    "coalition search what goods did damascus ship to baghdad --limit 3",
    "coalition ask why was trade with iraq vital to syria",
    "coalition list",
    "coalition list facts",
    "coalition timeline",
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


# What each key of an entry holds, for docs/handbook-format.md. A key the format gains without a
# line here stops the generator: the format's reference cannot miss one.
FIELD_MEANINGS = {
    "id": "lowercase letters, digits and hyphens; unique in the stack",
    "title": "the entry's name as shown (every kind may say `title`)",
    "name": "the name of an actor, figure or place (as `title`)",
    "summary": "a paragraph in the handbook's own words",
    "aliases": "other names readers type: list of texts",
    "index": "a reader's own words for it (`kremlin` for Russia): list of texts",
    "related": "ids of entries it relates to",
    "relations": "typed links, `{relation: [ids]}` (relations below)",
    "source": "ids of the article's sections the claim comes from",
    "quote": "`{text: ..., section: id}`, verbatim, 40 words at most",
    "note": "an editor's note: where the article is vague or contradicts itself",
    "outside": "knowledge from outside the article, shown as such",
    "key_points": "the section's points: list of texts",
    "mentions": "ids of entries the section mentions",
    "type": "a word: `state`, `non-state`, ... (an actor's is required)",
    "member": "whether it is a member of the coalition: true or false",
    "role": "its role, in a phrase",
    "contributions": "what it gave the coalition: list of texts",
    "differences": "where it parted from the others",
    "date": "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`",
    "value": "a number (with `unit`)",
    "unit": "what the number counts (with `value`)",
    "qualifier": "`about`, `at least`, ... as the article hedges",
    "who": "ids of the entries the fact or event is about",
    "said_by": "the id of whoever the article says said it",
    "stands_for": "what an abbreviation stands for",
}


def field_tables() -> str:
    """Every kind's keys: which it must have and what each holds, from the format's own tables."""
    from coalition_cli.model.handbook import KINDS, PLURALS, RELATIONS, TITLE_KEYS
    from coalition_cli.source.validate import _FIELDS, _REQUIRED

    out = []
    for kind in KINDS:
        title = TITLE_KEYS[kind]
        required = _REQUIRED[(kind, title)]
        out += [f"**{PLURALS[kind]}**", "", "| key | | holds |", "| --- | --- | --- |"]
        for key in _FIELDS[(kind, title)]:
            out.append(f"| `{key}` | {'required' if key in required else ''} | {FIELD_MEANINGS[key]} |")
        out.append("")
    links = (f"`{name}` (seen from the other end: `{other}`)" for name, other in RELATIONS.items())
    out.append("**relations**: " + ", ".join(links))
    return "\n".join(out)


def blocks() -> dict[str, str]:
    reference = [f"$ coalition --help\n{run('coalition --help')}"]
    reference += [f"$ coalition {name} --help\n{run(f'coalition {name} --help')}" for name in app_commands()]
    quality = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "search_quality.py")], capture_output=True, text=True, check=True
    ).stdout
    return {
        "search-quality": "```console\n$ python benchmarks/search_quality.py\n" + quality + "```",
        "fields": field_tables(),
        "tour": console(TOUR),
        "examples": console(EXAMPLES),
        "reading": console(READING),
        "references": indented(console([f"coalition cite soleimani-killed --format {fmt}" for fmt in REFERENCES])),
        "reference": "```console\n" + "\n".join(reference).rstrip("\n") + "\n```",
    }


def render(texts: dict[Path, str]) -> dict[Path, str]:
    rendered = dict(texts)
    for name, body in blocks().items():
        pattern = re.compile(rf"(<!-- BEGIN generated: {name} -->\n).*?(<!-- END generated: {name} -->)", re.DOTALL)
        holders = [path for path, text in rendered.items() if pattern.search(text)]
        if len(holders) != 1:
            raise SystemExit(f"the generated block {name} is in {len(holders)} documents, not one")
        [path] = holders
        rendered[path] = pattern.sub(lambda m, body=body: m[1] + body + "\n" + m[2], rendered[path])
    return rendered


def main() -> int:
    current = {path: path.read_text(encoding="utf-8") for path in DOCUMENTS}
    wanted = render(current)
    stale = [path for path in DOCUMENTS if wanted[path] != current[path]]
    if "--check" in sys.argv[1:]:
        if stale:
            names = ", ".join(str(path.relative_to(ROOT)) for path in stale)
            print(f"{names} out of date: run python scripts/update_readme.py", file=sys.stderr)
            return 1
        return 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
