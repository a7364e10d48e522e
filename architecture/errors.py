"""Input problems as data (Issue) and the exceptions the CLI maps to exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Check codes in the order their problems are reported: the files, then single values, then references between
#: them, then what follows from them. A wrong reference is named before the problems it causes (an unknown
#: provider in offers.csv before the element that is left without an eligible offer because of it).
CHECK_CODES = {
    "missing_file": "a study file is missing",
    "csv_syntax": "a CSV file cannot be parsed",
    "toml_syntax": "study.toml is not valid TOML",
    "missing_column": "a required column is missing",
    "duplicate_column": "a column appears twice in a header",
    "unknown_key": "a key study.toml or a scenario does not know",
    "missing_value": "a required value is empty or missing",
    "wrong_type": "a value of the wrong type (text for a number, a bad kind or location, ...)",
    "not_finite": "a NaN or infinite number",
    "negative_number": "a negative cost, slip or budget",
    "duplicate_id": "an id or (element, provider) pair appears twice",
    "unknown_id": "a reference to an element, provider, milestone or category that does not exist",
    "unknown_column": "an objective or limit names an offers column that does not exist",
    "unknown_scenario": "--scenario names a scenario the study does not define",
    "dependency_cycle": "`requires` forms a cycle",
    "year_outside_horizon": "a fiscal year outside [study] first_year..last_year",
    "profile_sum": "a costs.csv profile does not sum to its offer's cost_musd",
    "no_eligible_offer": "a required element has no offer left after exclusions",
}
_RANK = {code: rank for rank, code in enumerate(CHECK_CODES)}
_VALUE_RANK = _RANK["missing_value"]  # codes outside the table (pydantic's, a run folder's) rank with single values


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


def issue_order(issue: Issue) -> tuple[int, str, str, str, str]:
    """Sort key of issues: by the stage of their check (CHECK_CODES order), then by location."""
    return (_RANK.get(issue.check, _VALUE_RANK), issue.location, issue.problem, issue.check, issue.severity)


def ordered(issues: Iterable[Issue]) -> list[Issue]:
    """Issues without repeats, root problems first (issue_order)."""
    return sorted(set(issues), key=issue_order)


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
