"""The only solver call: HiGHS through Pyomo's persistent interface, with a normalised status."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pyomo.core as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from optimizer.handoff import FastLinearHighs

# Dinkelbach stops when max N - lambda D is within this of 0 (relative to the denominator).
RATIO_TOLERANCE = 1e-9
MAX_RATIO_ITERATIONS = 50


class Status(StrEnum):
    """Outcome of a solve, as planners read it."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a limit (time, gap) was reached with an incumbent: not proven optimal
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings with units.

    `mip_rel_gap` defaults to 1e-6: HiGHS's own default, 1e-4, can stop at a visibly suboptimal
    architecture on costs of thousands of US$M.
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 1e-6
    threads: int | None = None
    solver_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SolveReport:
    """What a solve returned. `objective` is in the objective's unit; `runtime_s` is HiGHS time."""

    status: Status
    objective: float | None
    best_bound: float | None
    mip_gap: float | None
    runtime_s: float
    wall_s: float
    solver_name: str
    solver_version: str
    termination: str
    iterations: int = 1
    log: str = ""

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "objective": self.objective,
            "best_bound": self.best_bound,
            "mip_gap": self.mip_gap,
            "runtime_s": round(self.runtime_s, 6),
            "wall_s": round(self.wall_s, 6),
            "solver_name": self.solver_name,
            "solver_version": self.solver_version,
            "termination": self.termination,
            "iterations": self.iterations,
        }


def _status(termination: TerminationCondition, solution: SolutionStatus) -> Status:
    """Map Pyomo's termination and solution status to ours.

    A limit (time, iterations, interrupt) with an incumbent is FEASIBLE, never OPTIMAL; without
    one it is TIME_LIMIT_NO_SOLUTION. Anything unrecognised is ERROR.
    """
    has_solution = solution in (SolutionStatus.optimal, SolutionStatus.feasible)
    if termination == TerminationCondition.convergenceCriteriaSatisfied:
        return Status.OPTIMAL if has_solution else Status.ERROR
    if termination == TerminationCondition.provenInfeasible:
        return Status.INFEASIBLE
    if termination == TerminationCondition.unbounded:
        return Status.UNBOUNDED
    if termination == TerminationCondition.infeasibleOrUnbounded:
        return Status.INFEASIBLE_OR_UNBOUNDED
    if termination in (
        TerminationCondition.maxTimeLimit,
        TerminationCondition.iterationLimit,
        TerminationCondition.objectiveLimit,
        TerminationCondition.interrupted,
        TerminationCondition.minStepLength,
    ):
        return Status.FEASIBLE if has_solution else Status.TIME_LIMIT_NO_SOLUTION
    return Status.ERROR


def _highs_time(results: Any, wall: float) -> float:
    """HiGHS's cumulative run time after this solve (Pyomo reports Highs.getRunTime, which keeps counting)."""
    value = getattr(results.timing_info, "highs_time", None)
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9:
        return 0.0
    return diff / max(abs(objective), 1e-9)


class Solver:
    """A persistent HiGHS solver: re-solving the same model sends only what changed."""

    def __init__(self, options: SolveOptions | None = None):
        self.options = options or SolveOptions()
        self._highs = FastLinearHighs()
        self._highs_total = 0.0
        self.name = "highs"
        self.version = ".".join(str(part) for part in self._highs.version())

    def _config(self, time_limit_s: float | None, abs_gap: float | None = None) -> dict[str, Any]:
        config: dict[str, Any] = {
            "load_solutions": False,
            "raise_exception_on_nonoptimal_result": False,
            "rel_gap": self.options.mip_rel_gap,
            "solver_options": dict(self.options.solver_options),
        }
        if abs_gap is not None:
            config["abs_gap"] = abs_gap
        if time_limit_s is not None:
            config["time_limit"] = max(time_limit_s, 0.0)
        if self.options.threads is not None:
            config["threads"] = self.options.threads
        return config

    def _solve_once(self, m: pyo.ConcreteModel, time_limit_s: float | None, abs_gap: float | None = None) -> tuple[SolveReport, Any]:
        start = time.perf_counter()
        results = self._highs.solve(m, **self._config(time_limit_s, abs_gap))
        wall = time.perf_counter() - start
        total = _highs_time(results, wall)
        if total != total:  # no HiGHS time reported
            own = wall
        else:  # a new HiGHS object (new model) restarts its clock
            own = total - self._highs_total if total >= self._highs_total else total
        self._highs_total = total if total == total else self._highs_total
        status = _status(results.termination_condition, results.solution_status)
        if status.value in ("optimal", "feasible"):
            results.solution_loader.load_vars()
        objective = results.incumbent_objective if status in (Status.OPTIMAL, Status.FEASIBLE) else None
        bound = results.objective_bound
        bound = None if bound is None or abs(bound) == float("inf") else float(bound)
        report = SolveReport(
            status=status,
            objective=objective,
            best_bound=bound,
            mip_gap=_gap(objective, bound),
            runtime_s=max(own, 0.0),
            wall_s=wall,
            solver_name=self.name,
            solver_version=self.version,
            termination=str(results.termination_condition.name),
            log=results.solver_log or "",
        )
        return report, results

    def solve(self, m: pyo.ConcreteModel, time_limit_s: float | None = None, abs_gap: float | None = None) -> SolveReport:
        """Solve the model's current objective; a ratio objective by Dinkelbach's iterations.

        `time_limit_s` and `abs_gap` (objective units) override the options for this solve.
        """
        limit = self.options.time_limit_s if time_limit_s is None else time_limit_s
        term = m.objective_terms[m.objective_name]
        if not term.is_ratio:
            return self._solve_once(m, limit, abs_gap)[0]
        return self._solve_ratio(m, term, limit)

    def _solve_ratio(self, m: pyo.ConcreteModel, term: Any, time_limit_s: float | None) -> SolveReport:
        """Max N/D as a sequence of max N - lambda D; exact for 0-1 problems (finite convergence)."""
        deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
        m.ratio_lambda.set_value(0.0)
        runtime = wall = 0.0
        report = None
        for iteration in range(1, MAX_RATIO_ITERATIONS + 1):
            left = None if deadline is None else deadline - time.perf_counter()
            report, _ = self._solve_once(m, left)
            runtime += report.runtime_s
            wall += report.wall_s
            if not report.has_solution:
                return _with(report, runtime, wall, iteration)
            numerator, denominator = pyo.value(term.numerator), pyo.value(term.denominator)
            ratio = numerator / denominator if denominator > 1e-12 else 0.0
            gap_value = numerator - pyo.value(m.ratio_lambda) * denominator
            done = abs(gap_value) <= RATIO_TOLERANCE * max(1.0, abs(denominator))
            if done or report.status != Status.OPTIMAL:
                status = report.status if done else Status.FEASIBLE
                return SolveReport(status, ratio, ratio if status == Status.OPTIMAL else None, 0.0 if status == Status.OPTIMAL else None,
                                   runtime, wall, report.solver_name, report.solver_version, report.termination, iteration, report.log)
            m.ratio_lambda.set_value(ratio)
        assert report is not None
        return _with(SolveReport(Status.FEASIBLE, report.objective, None, None, runtime, wall, report.solver_name,
                                 report.solver_version, "dinkelbach_iteration_limit"), runtime, wall, MAX_RATIO_ITERATIONS)


def _with(report: SolveReport, runtime: float, wall: float, iterations: int) -> SolveReport:
    from dataclasses import replace

    return replace(report, runtime_s=runtime, wall_s=wall, iterations=iterations)


def solve(m: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveReport:
    """Solve once with a fresh solver (use a Solver object to re-solve persistently)."""
    return Solver(options).solve(m)
