"""Entry point of `coalition` and `python -m coalition_cli`.

The commonest invocations (`show`, `search`) are served by quick.py without importing typer;
everything else, including any invocation quick.py is unsure of, goes to the typer app in cli.py.
Kept apart from both so that Ctrl-C while the program is still importing ends quietly too.
"""

import sys


def main() -> None:
    try:
        from coalition_cli import quick

        quick.run(sys.argv[1:])  # returns only if it does not handle these arguments
        from coalition_cli.cli import main as run_typer

        run_typer()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
