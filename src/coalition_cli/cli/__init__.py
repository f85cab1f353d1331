"""The command line: the typer app, what each command does, and the fast path that serves a lookup
without typer.
"""
