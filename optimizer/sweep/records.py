"""RunRecord: one solved what-if as plain data, the same for a run, a sweep run, a stress drop and a front's point."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from architecture import Architecture, Study
from architecture.evaluate import Evaluation, evaluate
from optimizer.output import clean_number
from optimizer.solve.run import RunResult


def clean(value: Any) -> Any:
    """A number as result files hold it: fixed precision, solver noise zeroed, no NaN or infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return clean_number(value)


@dataclass(frozen=True)
class RunRecord:
    """Status, objective value, bound, gap, message, and the architecture scored by the evaluator.

    `assignment` is None without an architecture; `metrics` and `units` hold every objective and
    metric of the evaluator (Evaluation.metrics). `solve_s` is the solve call's wall time, `highs_s`
    HiGHS's own time.
    """

    status: str
    objective: str
    objective_value: float | None = None
    best_bound: float | None = None
    mip_gap: float | None = None
    message: str = ""
    assignment: Mapping[str, str] | None = None
    feasible_by_evaluator: bool | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    solve_s: float | None = None
    highs_s: float | None = None

    @classmethod
    def of_run(cls, result: RunResult) -> RunRecord:
        report = result.report
        scored = _scored(result.study, result.architecture, result.evaluation) if result.architecture is not None else {}
        return cls(str(report.status), result.objective.name, clean(report.objective), clean(report.best_bound), clean(report.mip_gap),
                   report.message, solve_s=round(report.wall_s, 6), highs_s=round(report.runtime_s, 6), **scored)

    @classmethod
    def of_architecture(cls, study: Study, status: str, objective: str, architecture: Architecture,
                        evaluation: Evaluation | None = None) -> RunRecord:
        """A point found without a report of its own (a point of a front): its status and the evaluator's scores."""
        return cls(status, objective, **_scored(study, architecture, evaluation))

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> RunRecord:
        """A record read back from a sweep record (runs/<run_id>.json) or from run_point."""
        assignment = record.get("assignment")
        return cls(str(record["status"]), str(record.get("objective", "")), record.get("objective_value"), record.get("best_bound"),
                   record.get("mip_gap"), record.get("message", ""), None if assignment is None else dict(assignment),
                   record.get("feasible_by_evaluator"), dict(record.get("metrics", {})), dict(record.get("units", {})),
                   record.get("solve_s"), record.get("highs_s"))

    @property
    def solved(self) -> bool:
        """Whether the record holds an architecture the solver found (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def solved_json(self) -> dict[str, Any]:
        """The solve's fields of a sweep record (docs/results.md#sweep-folders), in file order."""
        return {"status": self.status, "objective": self.objective, "objective_value": self.objective_value, "best_bound": self.best_bound,
                "mip_gap": self.mip_gap, "solve_s": self.solve_s, "highs_s": self.highs_s, "message": self.message,
                **self.scored_json()}

    def scored_json(self) -> dict[str, Any]:
        """The evaluator's fields (none without an architecture)."""
        if self.assignment is None:
            return {}
        return {"feasible_by_evaluator": self.feasible_by_evaluator, "metrics": dict(self.metrics), "units": dict(self.units),
                "assignment": dict(self.assignment)}


def _scored(study: Study, architecture: Architecture | None, evaluation: Evaluation | None) -> dict[str, Any]:
    """Every objective and metric of an architecture, and the assignment, by the independent evaluator."""
    assert architecture is not None
    ev = evaluation if evaluation is not None else evaluate(study, architecture)
    rows = ev.metric_rows()
    return {
        "feasible_by_evaluator": ev.feasible,
        "metrics": {metric: clean(float(value)) for metric, value, _ in rows},
        "units": {metric: unit for metric, _, unit in rows},
        "assignment": dict(sorted(architecture.assignment.items())),
    }
