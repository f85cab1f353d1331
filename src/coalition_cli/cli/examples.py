"""The examples each command's --help ends with (and the manual page, which is made from --help).

Kept apart from cli.py, which declares the command line: these are documentation, and every one of
them is run by the tests (test_cli.test_every_example_in_help_runs), so none can rot.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "coalition show actor iran",
        "coalition search who led the coalition",
        "coalition list actors",
        "coalition ask when was soleimani killed",
        "coalition path soleimani iran",
        "coalition compare russia iran",
        "coalition cite soleimani --format markdown >> notes.md",
        "COALITION_HANDBOOK=notes.yaml coalition show iran",
    ),
    "show": (
        "coalition show actor iran",
        "coalition show soleimani",
        "coalition show actor assad --format markdown",
        "coalition show fact agreement-2015 --format json",
    ),
    "list": (
        "coalition list",
        "coalition list actors",
        "coalition list facts --format json",
    ),
    "search": (
        "coalition search airspace",
        "coalition search who led the coalition",
        "coalition search missiles --kind fact --limit 3",
        "coalition search '\"drone strike\" baghdad'",
        "coalition search advisers --format json",
    ),
    "ask": (
        "coalition ask who led the coalition",
        "coalition ask when was soleimani killed",
        "coalition ask how many iranian advisers were in syria --format json",
        "coalition ask what does MOD stand for | tee -a notes.md",
    ),
    "timeline": (
        "coalition timeline",
        "coalition timeline --format json",
    ),
    "export": (
        "coalition export --format markdown > coalition.md",
        "coalition export --format markdown | pandoc -o coalition.docx",
        "coalition export --format json > coalition.json",
        "coalition export --format csl-json > coalition-references.json",
    ),
    "validate": (
        "coalition validate",
        "coalition validate my-notes.yaml",
        "coalition validate my-notes.yaml --format json",
    ),
    "cite": (
        "coalition cite iranian-advisers-47",
        "coalition cite soleimani --format markdown >> notes.md",
        "coalition cite fact agreement-2015 --format bib >> refs.bib",
        "coalition cite iran --format csl-json > iran.json",
        "coalition cite iran --format ris > iran.ris",
    ),
    "related": (
        "coalition related iran",
        "coalition related axis-of-resistance --depth 2",
        "coalition related soleimani --format json",
    ),
    "path": (
        "coalition path soleimani iran",
        "coalition path 'united states' quds-force --typed",
        "coalition path russia hezbollah --format json",
    ),
    "compare": (
        "coalition compare russia iran",
        "coalition compare iran iraq syria russia",
        "coalition compare irgc 'quds force' --format markdown >> notes.md",
        "coalition compare russia iran --format json",
    ),
    "browse": (
        "coalition browse",
        "coalition browse soleimani",
    ),
    "quiz": (
        "coalition quiz",
        "coalition quiz --count 10 --kind date --kind number",
        "coalition quiz --typed --seed 42",
        "coalition quiz --count 20 --format markdown > worksheet.md",
        "coalition quiz --seed 7 --format json",
    ),
    "init": (
        "coalition init notes.yaml",
        "COALITION_HANDBOOK=notes.yaml coalition show iran",
    ),
    "cache": (
        "coalition cache",
        "coalition cache clear",
        "coalition cache --format json",
    ),
}
