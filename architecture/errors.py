"""Input problems as data (Issue) and the exceptions the CLI maps to exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Issue:
    """One problem with a study: where it is, what is wrong, what to change.

    `location` is `file:row N` (N counts lines, header = row 1), `file:row N:column`, or
    `file:key.path`; `check` is the stable code of the check that found it.
    """

    location: str
    problem: str
    check: str = "invalid"
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}"


class StudyError(Exception):
    """Bad input (exit code 2). Its message is one line: location, problem, what to change."""

    def __init__(self, issues: Issue | list[Issue]):
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        first = str(self.issues[0])
        more = len(self.issues) - 1
        if more:
            first += f" (and {more} more; run `trade check` to list all)"
        super().__init__(first)

    @property
    def issue(self) -> Issue:
        return self.issues[0]


class EngineError(Exception):
    """A bug or an environment problem on our side (exit code 1)."""
