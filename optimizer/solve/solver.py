"""Solving a model: options, the normalised status table, and Dinkelbach's iterations for a ratio objective."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import pyomo.core as pyo

from optimizer.solve.highs import HighsModel, HighsRun, highs_version

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


#: HiGHS options for commands that solve many small models (sweeps, break-even prices) unless the caller sets its own:
#: on the reference study's models, restarts and the feasibility-jump heuristic cost more than they save (sweep runs
#: 64 ms instead of 200 ms of HiGHS time; break-even of every offer 2.2 s instead of 3.7 s; same optima, same gaps).
MANY_SMALL_SOLVES_OPTIONS = {"mip_allow_restart": False, "mip_heuristic_run_feasibility_jump": False}


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
    message: str = ""  # why, for an `error` status: the exception class and text, or HiGHS's own words

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
            "message": self.message,
        }


# HiGHS's model status -> (our status with a solution, without one, the termination word of the run manifest).
# Limits with an incumbent are FEASIBLE, never OPTIMAL; anything not listed is ERROR.
HIGHS_STATUS: dict[str, tuple[Status, Status, str]] = {
    "kOptimal": (Status.OPTIMAL, Status.ERROR, "convergenceCriteriaSatisfied"),
    "kInfeasible": (Status.INFEASIBLE, Status.INFEASIBLE, "provenInfeasible"),
    "kUnbounded": (Status.UNBOUNDED, Status.UNBOUNDED, "unbounded"),
    "kUnboundedOrInfeasible": (Status.INFEASIBLE_OR_UNBOUNDED, Status.INFEASIBLE_OR_UNBOUNDED, "infeasibleOrUnbounded"),
    "kTimeLimit": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "maxTimeLimit"),
    "kIterationLimit": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "iterationLimit"),
    "kSolutionLimit": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "iterationLimit"),
    "kObjectiveBound": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "objectiveLimit"),
    "kObjectiveTarget": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "objectiveLimit"),
    "kInterrupt": (Status.FEASIBLE, Status.TIME_LIMIT_NO_SOLUTION, "interrupted"),
}


def status_of(run: HighsRun) -> tuple[Status, str, str]:
    """Our status, the termination word and the message of an `error`, for one HiGHS run."""
    if run.message and run.model_status not in HIGHS_STATUS:
        return Status.ERROR, "error", run.message
    entry = HIGHS_STATUS.get(run.model_status)
    if entry is None:
        return Status.ERROR, "error", run.message or f"HiGHS stopped with model status {run.model_status}"
    with_solution, without, termination = entry
    status = with_solution if run.has_solution else without
    message = run.message or (f"HiGHS reports {run.model_status} without a solution" if status == Status.ERROR else "")
    return status, termination, message


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9:
        return 0.0
    return diff / max(abs(objective), 1e-9)


class Solver:
    """Solves one Pyomo model at a time, keeping it in HiGHS: a re-solve sends only what changed.

    After changing a mutable Param of the model, or (de)activating rows, call `update_rows` with
    the rows that use it; a new objective (or new parameter values in it) is picked up by `solve`.
    """

    def __init__(self, options: SolveOptions | None = None):
        self.options = options or SolveOptions()
        self.name = "highs"
        self.version = highs_version()
        self.highs: HighsModel | None = None

    def _highs_options(self) -> dict[str, Any]:
        return {**self.options.solver_options, "threads": self.options.threads or 0}

    def hand_off(self, m: pyo.ConcreteModel) -> HighsModel:
        """The model in HiGHS: built on the first call for a model, kept (objective re-read) afterwards."""
        if self.highs is None or self.highs.m is not m:
            self.highs = HighsModel(m, self._highs_options())
        else:
            self.highs.update_objective()
        return self.highs

    def update_rows(self, constraints: Iterable[Any]) -> None:
        """Send these rows again (after their Params changed, or they were (de)activated or added)."""
        if self.highs is not None:
            self.highs.update_rows(constraints)

    def update_bounds(self, variables: Iterable[Any]) -> None:
        """Send these variables' bounds again (after `setlb`/`setub`)."""
        if self.highs is not None:
            self.highs.update_bounds(variables)

    def reset(self) -> None:
        """Forget earlier searches: the next solve starts afresh, whatever this solver solved before."""
        if self.highs is not None:
            self.highs.reset()

    def _solve_once(self, m: pyo.ConcreteModel, time_limit_s: float | None, abs_gap: float | None = None,
                    rel_gap: float | None = None) -> SolveReport:
        start = time.perf_counter()
        try:
            highs = self.hand_off(m)
            run = highs.run(time_limit_s, self.options.mip_rel_gap if rel_gap is None else rel_gap, abs_gap)
        except Exception as exc:  # noqa: BLE001 - a failed solve is a status with its message, never a lost run
            return SolveReport(Status.ERROR, None, None, None, 0.0, time.perf_counter() - start, self.name, self.version, "error",
                               message=f"{type(exc).__name__}: {exc}")
        status, termination, message = status_of(run)
        if status in (Status.OPTIMAL, Status.FEASIBLE):
            highs.load_solution()
        objective = run.objective if status in (Status.OPTIMAL, Status.FEASIBLE) else None
        return SolveReport(
            status=status,
            objective=objective,
            best_bound=run.dual_bound if status in (Status.OPTIMAL, Status.FEASIBLE) else None,
            mip_gap=_gap(objective, run.dual_bound),
            runtime_s=run.runtime_s,
            wall_s=time.perf_counter() - start,
            solver_name=self.name,
            solver_version=self.version,
            termination=termination,
            message=message,
        )

    def solve(self, m: pyo.ConcreteModel, time_limit_s: float | None = None, abs_gap: float | None = None,
              rel_gap: float | None = None) -> SolveReport:
        """Solve the model's current objective; a ratio objective by Dinkelbach's iterations.

        `time_limit_s`, `abs_gap` (objective units) and `rel_gap` override the options for this solve.
        """
        limit = self.options.time_limit_s if time_limit_s is None else time_limit_s
        term = m.objective_terms[m.objective_name]
        if not term.is_ratio:
            return self._solve_once(m, limit, abs_gap, rel_gap)
        return self._solve_ratio(m, term, limit)

    def _solve_ratio(self, m: pyo.ConcreteModel, term: Any, time_limit_s: float | None) -> SolveReport:
        """Max N/D as a sequence of max N - lambda D; exact for 0-1 problems (finite convergence)."""
        deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
        m.ratio_lambda.set_value(0.0)
        runtime = wall = 0.0
        report = None
        attained: list[tuple[Any, Any]] = []  # the variables' values of the architecture that scored the current lambda
        for iteration in range(1, MAX_RATIO_ITERATIONS + 1):
            left = None if deadline is None else deadline - time.perf_counter()
            report = self._solve_once(m, left)
            runtime += report.runtime_s
            wall += report.wall_s
            if not report.has_solution:
                return _with(report, runtime, wall, iteration)
            numerator, denominator = pyo.value(term.numerator), pyo.value(term.denominator)
            ratio = numerator / denominator if denominator > 1e-12 else 0.0
            level = pyo.value(m.ratio_lambda)
            gap_value = numerator - level * denominator
            done = abs(gap_value) <= RATIO_TOLERANCE * max(1.0, abs(denominator))
            if done and denominator <= 1e-12 and level > 0 and attained:
                # N - lambda D = 0 also holds where nothing is spent (a share of 0/0 = 0): the architecture that scored
                # lambda is the optimum, not this one
                for var, value in attained:
                    var.set_value(value, skip_validation=True)
                ratio = level
            if done or report.status != Status.OPTIMAL:
                status = report.status if done else Status.FEASIBLE
                return SolveReport(status, ratio, ratio if status == Status.OPTIMAL else None, 0.0 if status == Status.OPTIMAL else None,
                                   runtime, wall, report.solver_name, report.solver_version, report.termination, iteration, report.message)
            m.ratio_lambda.set_value(ratio)
            attained = [(var, var.value) for var in m.component_data_objects(pyo.Var, active=True)]
        assert report is not None
        return _with(SolveReport(Status.FEASIBLE, report.objective, None, None, runtime, wall, report.solver_name,
                                 report.solver_version, "dinkelbach_iteration_limit"), runtime, wall, MAX_RATIO_ITERATIONS)


def _with(report: SolveReport, runtime: float, wall: float, iterations: int) -> SolveReport:
    return replace(report, runtime_s=runtime, wall_s=wall, iterations=iterations)


def solve(m: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveReport:
    """Solve once with a fresh solver (use a Solver object to re-solve persistently)."""
    return Solver(options).solve(m)
