"""Ending on SIGTERM and SIGHUP as cleanly as on Ctrl-C: temporary files removed, then the signal's own end.

Why: a first build of a large handbook writes a temporary cache file of tens of megabytes; killed
by `kill`, a closed terminal or a timeout, it would stay for good. Python turns SIGINT into
KeyboardInterrupt, so `finally` blocks run; these two would end the process at once. While a
build runs (`Unwinding`), they raise `Terminated` instead, which unwinds through the same
`finally` blocks; `conclude` then ends the process with the signal itself, so the shell sees
128 + its number as it would have without us. (SIGKILL cannot be caught: cachedir.py sweeps what
it leaves behind.)
"""

from __future__ import annotations

import os
import signal

from coalition_cli.model.errors import Terminated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

CAUGHT = (signal.SIGTERM, signal.SIGHUP)


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


class Unwinding:
    """`with Unwinding():` SIGTERM and SIGHUP raise Terminated inside the block; outside, they do
    what they did before."""

    def __enter__(self) -> None:
        self.previous: dict[int, Any] = {}
        for signum in CAUGHT:
            try:
                self.previous[signum] = signal.signal(signum, _raise)
            except ValueError:  # not the main thread (a test's worker thread): leave signals alone
                pass

    def __exit__(self, *_: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def end_by(terminated: Terminated) -> None:
    """End the process by the signal that asked it to end, now that everything is cleaned up."""
    signal.signal(terminated.signum, signal.SIG_DFL)
    os.kill(os.getpid(), terminated.signum)


def in_child() -> None:
    """In a forked worker: signals end it at once (its parent removes its file)."""
    for signum in CAUGHT:
        signal.signal(signum, signal.SIG_DFL)
