"""`python -m coalition_cli` runs the same program as the `coalition` command."""

from coalition_cli.cli import main

if __name__ == "__main__":
    main()
