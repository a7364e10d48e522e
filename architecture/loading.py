"""Loading policy: read a study folder, run every check and scenario, and stop (or list) at what is wrong."""

from __future__ import annotations

from pathlib import Path

from architecture.checks import check_study
from architecture.errors import Issue, StudyError, ordered
from architecture.scenarios import apply_scenarios
from architecture.study import Study
from architecture.study_reader import read_study


def load_study(path: str | Path) -> Study:
    """Load and fully check a study; raise StudyError (one line: the first problem) if it is bad."""
    study, issues = read_study(path)
    errors = [issue for issue in issues if issue.severity == "error"]
    if study is not None and not errors:
        errors = [issue for issue in check_study(study) if issue.severity == "error"]
    if study is not None and not errors:
        errors = scenario_issues(study)
    if errors:
        raise StudyError(errors)
    assert study is not None
    return study


def scenario_issues(study: Study) -> list[Issue]:
    """Problems applying each declared scenario on its own (unknown keys, paths, ids)."""
    issues = []
    for name in study.scenarios:
        try:
            apply_scenarios(study, (name,))
        except StudyError as exc:
            issues.extend(exc.issues)
    return issues


def inspect_study(path: str | Path, scenarios: tuple[str, ...] = ()) -> list[Issue]:
    """Everything wrong with a study folder: files, checks, and every scenario (or the given ones)."""
    study, issues = read_study(path)
    if study is None:
        return ordered(issues)
    issues = [*issues, *check_study(study)]
    if any(issue.severity == "error" for issue in issues):
        return ordered(issues)
    names = scenarios or tuple(study.scenarios)
    for name in names:
        try:
            variant = apply_scenarios(study, (name,))
        except StudyError as exc:
            issues.extend(exc.issues)
            continue
        for issue in check_study(variant):
            issues.append(Issue(f"scenario {name}: {issue.location}", issue.problem, issue.check, issue.severity))
    return ordered(issues)
