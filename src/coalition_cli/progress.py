"""A progress bar while a large handbook is read and indexed for the first time."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class BuildProgress:
    """Reports (stage, done, total) as a bar on stderr, only for a handbook big enough to wait for.

    The first report (reading, with the file's length) decides; for a small handbook nothing is
    shown and rich is never imported.
    """

    BIG = 1_000_000  # bytes of YAML
    STAGES = {"reading": "Reading and indexing the handbook"}

    def __init__(self) -> None:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._shown: dict[str, int] = {}
        self._off = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._off:
            return
        if self._bar is None:
            if stage != "reading" or total < self.BIG:
                self._off = True
                return
            from coalition_cli.terminal import progress_bar

            self._bar = progress_bar()
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(self.STAGES.get(stage, stage), total=total)
        percent = done * 100 // max(total, 1)
        if percent != self._shown.get(stage):  # only what the bar can show: a whole percent
            self._shown[stage] = percent
            self._bar.update(self._tasks[stage], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
