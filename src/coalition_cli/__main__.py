"""Entry point of `coalition` and `python -m coalition_cli`.

A TAB and the commonest invocations (`show`, `search`) are served by fastpath.py without importing
typer; everything else, including any invocation the fast path is unsure of, goes to the typer app
in cli.py. Kept apart from both so that Ctrl-C while the program is still importing ends quietly too.
"""

import sys


def main() -> None:
    try:
        from coalition_cli.cli import commands, fastpath

        commands.reopen_closed_standard_streams()
        fastpath.run(sys.argv[1:])  # returns only if it does not handle these arguments
        from coalition_cli.cli.app import main as run_typer

        run_typer()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
