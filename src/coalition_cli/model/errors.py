"""Exceptions the core raises for readers; `cli.py` turns each into one line and an exit code."""

from __future__ import annotations

# Exit codes, documented in the README, docs/guide.md and `coalition --help` (0 is success).
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_BAD_HANDBOOK = 3
EXIT_OUTPUT_FAILED = 4
EXIT_INTERRUPTED = 130


class CoalitionError(Exception):
    """A failure a reader can act on; its message is the one line they see."""

    exit_code = EXIT_NOT_FOUND

    @property
    def message(self) -> str:
        return str(self)


class UsageProblem(CoalitionError):
    """The command line asks for something that cannot exist, such as an unknown kind."""

    exit_code = EXIT_USAGE


class NotFound(CoalitionError):
    """Nothing matched: an entry name, or a search. Carries suggestions for 'did you mean'."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, what: str, suggestions: list[str] | None = None) -> None:
        self.what = what
        self.suggestions = suggestions or []
        hint = f" (did you mean: {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"{what}{hint}")


class AmbiguousName(NotFound):
    """A name matches several entries equally well; the reader must say which."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        self.what = f'"{name}" matches several entries: {", ".join(candidates)}'
        self.suggestions = candidates
        CoalitionError.__init__(self, f"{self.what}; give the kind or more of the name")


class Problem:
    """One thing wrong with a handbook file, located as precisely as the parser allows."""

    __slots__ = ("file", "message", "line", "column", "warning", "unlisted")

    def __init__(
        self,
        file: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        warning: bool = False,
        unlisted: int = 0,
    ) -> None:
        self.file = file
        self.message = message
        self.line = line
        self.column = column
        self.warning = warning  # worth telling, but the handbook is still usable
        self.unlisted = unlisted  # for the last line of a long list: how many more it stands for

    @property
    def count(self) -> int:
        """How many problems this line tells of: one, or the many it stands for."""
        return self.unlisted or 1

    def _values(self) -> tuple[object, ...]:
        return (self.file, self.message, self.line, self.column, self.warning)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"Problem{self._values()!r}"

    def __str__(self) -> str:
        from coalition_cli.model.inert import one_line

        where = one_line(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {'warning: ' if self.warning else ''}{one_line(self.message)}"


MAX_PROBLEMS = 1_000  # problems kept per file: beyond, they are counted, as compilers stop listing


def capped(file: str, problems: list[Problem], more: int, warning: bool = False) -> list[Problem]:
    """A file's problems (or warnings) in the order of its lines, at most MAX_PROBLEMS of them, then
    one line counting the rest: `more` found and not kept, and any past the cap here."""
    problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
    more += max(0, len(problems) - MAX_PROBLEMS)
    if not more:
        return problems
    what = "warning" if warning else "problem"
    message = f"... and {more:,} more {what}{'s' if more != 1 else ''} not listed (only the first {MAX_PROBLEMS:,} are)"
    return problems[:MAX_PROBLEMS] + [Problem(file, message, warning=warning, unlisted=more)]


class HandbookError(CoalitionError):
    """The handbook cannot be read or is invalid; `problems` lists every problem found."""

    exit_code = EXIT_BAD_HANDBOOK

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "invalid handbook"
        more = sum(problem.count for problem in problems) - 1
        tail = f" (and {more:,} more problem{'s' if more > 1 else ''}; run 'coalition validate')" if more else ""
        super().__init__(first + tail)


class NothingDone(CoalitionError):
    """A command declined to act, such as `init` on a file that exists."""

    exit_code = EXIT_NOT_FOUND


class ReaderGone(CoalitionError):
    """The reader stopped reading (`coalition export | head -1`): the run ends quietly with 0."""

    exit_code = 0


class OutputFailed(CoalitionError):
    """The output cannot be written: a full disk, a closed standard output."""

    exit_code = EXIT_OUTPUT_FAILED


class InvalidHandbook(CoalitionError):
    """`validate` found problems (already printed); the message is the one-line summary."""

    exit_code = EXIT_BAD_HANDBOOK


class Terminated(BaseException):
    """SIGTERM or SIGHUP asked the run to end (signals.py): not an error to report, so no Exception;
    it unwinds through every `finally`, and the run then ends by the same signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class NotInParts(Exception):
    """A large handbook cannot be read in parts, or a part failed: it is read in one process
    (parallel.py). Never reaches a reader."""
