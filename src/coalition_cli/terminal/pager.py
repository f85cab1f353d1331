"""Long output on a terminal goes through the reader's pager, as git and man do."""

from __future__ import annotations

import os
import sys

_SHELL_SPACE = " \t\r\n"  # what shlex splits words at


def page(text: str) -> bool:
    """Show text through $PAGER (else `less -R`); False if there is no pager to use."""
    command = os.environ.get("PAGER", "less -R")
    bare = command.strip(_SHELL_SPACE)
    if not bare or bare == "cat" or bare.startswith(tuple(f"cat{space}" for space in _SHELL_SPACE)):
        return False  # told before importing what running one needs (shlex, subprocess: 7 ms)
    import shlex
    import signal
    import subprocess

    try:
        args = shlex.split(command)
    except ValueError:
        return False
    if not args or args[0] == "cat":
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # as git does: keep colours, and leave the text on screen at the end
    try:
        pager = subprocess.Popen(args, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the pager now
    try:
        assert pager.stdin is not None
        try:
            pager.stdin.write(text.encode(encoding, errors="replace"))
            pager.stdin.close()
        except BrokenPipeError:
            pass  # the reader quit the pager before the end
        pager.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True
