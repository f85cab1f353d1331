"""Entry point of `coalition` and `python -m coalition_cli`.

Kept apart from cli.py so that Ctrl-C while the program is still importing ends quietly too.
"""

import sys


def main() -> None:
    try:
        from coalition_cli.cli import main as run

        run()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
