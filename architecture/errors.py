"""Input problems as data (Issue) and the exceptions the CLI maps to exit codes."""

from __future__ import annotations

from dataclasses import dataclass

CHECK_CODES = {
    "missing_file": "a study file is missing",
    "csv_syntax": "a CSV file cannot be parsed",
    "missing_column": "a required column is missing",
    "duplicate_column": "a column appears twice in a header",
    "toml_syntax": "study.toml is not valid TOML",
    "unknown_key": "a key study.toml or a scenario does not know",
    "missing_value": "a required value is empty or missing",
    "wrong_type": "a value of the wrong type (text for a number, a bad kind or location, ...)",
    "not_finite": "a NaN or infinite number",
    "negative_number": "a negative cost, slip or budget",
    "duplicate_id": "an id or (element, provider) pair appears twice",
    "unknown_id": "a reference to an element, provider, milestone or category that does not exist",
    "dependency_cycle": "`requires` forms a cycle",
    "year_outside_horizon": "a fiscal year outside [study] first_year..last_year",
    "profile_sum": "a costs.csv profile does not sum to its offer's cost_musd",
    "unknown_column": "an objective or limit names an offers column that does not exist",
    "no_eligible_offer": "a required element has no offer left after exclusions",
    "unknown_scenario": "--scenario names a scenario the study does not define",
}


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
