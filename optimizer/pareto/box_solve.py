"""Solving one box of a front: stages on the persistent Pyomo model, or one combined solve on a HiGHS copy (docs/pareto.md)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo

from architecture import Architecture, EngineError, Study
from architecture.evaluate import feasible_objectives
from architecture.objectives import objective_kind, resolution_of
from optimizer.model.build import build_model, set_objective
from optimizer.model.data import to_model_data
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm, loose_objective_bound, objective_bound_row
from optimizer.pareto.geometry import Axis
from optimizer.solve.highs_problem import HighsProblem
from optimizer.solve.solver import SolveOptions, Solver, Status

PARETO_SOLVER_OPTIONS: dict[str, Any] = {}  # HiGHS defaults; see STRICT_OPTIONS and RESCUE_OPTIONS
# Used only to re-solve a box whose answer, scored exactly, is not strictly inside it (a binary
# read as 0.999999 can meet a bound "at most u - resolution/2" the rounded answer misses).
STRICT_OPTIONS = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}
# Used only when HiGHS calls infeasible a stage whose previous stage's answer is feasible: known
# HiGHS presolve bugs (e.g. ERGO-Code/HiGHS#1718) after bound rows are added; a fresh instance
# without presolve is the workaround.
RESCUE_OPTIONS = {"presolve": "off"}
TIEBREAK = "__pareto_tiebreak__"
# Box solves on the direct HiGHS copy (docs/pareto.md, "Solver options"): the subproblems are tiny (tens of binaries) and
# HiGHS's restarts, feasibility jump, RINS and RENS cost more than they save there; a small cut pool keeps the LP small.
# None of them changes what is proven: status, gaps and the dual-bound check decide exactness.
DIRECT_OPTIONS: dict[str, Any] = {
    "mip_allow_restart": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_pool_soft_limit": 100,
}
# The single-stage objective M * v1/r1 + sum v_i/r_i has integer coefficients; it is used only while the sum of their
# magnitudes stays below this, so every objective value is an exact double and HiGHS's bound is far finer than 0.5.
SINGLE_STAGE_MAX_MAGNITUDE = 1e9
INTEGRAL_TOLERANCE = 1e-9  # an objective coefficient / resolution must be this close to an integer


@dataclass(frozen=True)
class Deadline:
    """When a front must stop: `at` on `clock` (None: never). Tests give a clock of their own."""

    at: float | None = None
    clock: Callable[[], float] = time.perf_counter

    @classmethod
    def after(cls, seconds: float | None, clock: Callable[[], float] = time.perf_counter) -> Deadline:
        return cls(None if seconds is None else clock() + seconds, clock)

    def left(self) -> float | None:
        """Seconds left (negative once passed), or None without a deadline."""
        return None if self.at is None else self.at - self.clock()


NO_DEADLINE = Deadline()


class FrontModel:
    """One persistent model with a bound row per objective; lexicographic solves inside boxes."""

    def __init__(self, study: Study, names: Sequence[str], threads: int | None = 1, steps: Mapping[str, float] | None = None):
        self.study = study
        self.data = to_model_data(study)
        self.specs = [study.objective(name) for name in names]
        self.m = build_model(self.data, tuple(names))
        steps = steps or {}
        self.axes = tuple(
            Axis(spec.name, spec.sense, spec.display_unit, resolution_of(self.data, spec), objective_kind(spec).is_ratio,
                 steps.get(spec.name, spec.resolution))
            for spec in self.specs
        )
        self.loose = {spec.name: loose_objective_bound(self.data, spec) for spec in self.specs}
        self._add_bound_rows()
        self.threads = threads
        self.solver = self._new_solver(PARETO_SOLVER_OPTIONS)
        self.strict_solver: Solver | None = None
        self.solves = 0
        self.rescues = 0
        self.highs_times: list[float] = []

    def _new_solver(self, options: dict[str, Any]) -> Solver:
        return Solver(SolveOptions(mip_rel_gap=0.0, threads=self.threads, solver_options=dict(options)))

    def _add_bound_rows(self) -> None:
        m, names = self.m, [axis.name for axis in self.axes]
        m.PARETO_OBJECTIVES = pyo.Set(initialize=names, ordered=True)
        m.pareto_bound_value = pyo.Param(m.PARETO_OBJECTIVES, mutable=True, initialize=self.loose)
        terms: dict[str, ObjectiveTerm] = m.objective_terms
        m.pareto_bound = pyo.Constraint(m.PARETO_OBJECTIVES, rule=lambda m, name: objective_bound_row(terms[name], m.pareto_bound_value[name]))

    def axis(self, name: str) -> Axis:
        return next(axis for axis in self.axes if axis.name == name)

    def _bound(self, name: str, value: float | None) -> None:
        self.m.pareto_bound_value[name].set_value(self.loose[name] if value is None else value)

    def _solve(self, name: str, deadline: Deadline, solver: Solver, must_be_feasible: bool = False) -> tuple[Status, bool]:
        if name != TIEBREAK:
            set_objective(self.m, name)
        left = deadline.left()
        if left is not None and left <= 0:
            raise _Stopped(Status.TIME_LIMIT_NO_SOLUTION)
        gap = None if name == TIEBREAK or self.axis(name).is_ratio else self.axis(name).resolution / 4
        solver.update_rows(self.m.pareto_bound.values())  # the box's bounds, set as Params since this solver's last solve
        report = solver.solve(self.m, time_limit_s=left, abs_gap=gap)
        if must_be_feasible and report.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
            self.rescues += 1
            self.highs_times.append(report.runtime_s)
            report = self._new_solver(RESCUE_OPTIONS).solve(self.m, time_limit_s=left, abs_gap=gap)
            if report.status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
                raise EngineError(f"HiGHS reports infeasible a subproblem whose previous stage was feasible ({name}); please report this study")
        self.solves += report.iterations
        self.highs_times.append(report.runtime_s)
        return report.status, report.status == Status.OPTIMAL

    def _set_tiebreak(self, names: Sequence[str]) -> None:
        """Min sum of sign * objective / resolution-scaled range over `names` (all linear)."""
        terms = self.m.objective_terms
        weights = {name: 1.0 / max(self.loose[name], 1.0) for name in names}
        expr = pyo.quicksum(weights[n] * self.axis(n).sign * terms[n].numerator for n in names)
        terms[TIEBREAK] = ObjectiveTerm(TIEBREAK, "min", "", expr)
        set_objective(self.m, TIEBREAK)

    def lexicographic(self, order: Sequence[str], upper: dict[str, float], deadline: Deadline = NO_DEADLINE,
                      sequential: bool = False) -> tuple[str, dict[str, float], Architecture] | None:
        """Solve a box; if its answer, scored exactly, is not strictly inside, solve it again with strict tolerances."""
        result = self._lexicographic(order, upper, deadline, sequential, self.solver)
        if result is None or self._inside(result[1], upper):
            return result
        if self.strict_solver is None:
            self.strict_solver = self._new_solver(STRICT_OPTIONS)
        self.rescues += 1
        result = self._lexicographic(order, upper, deadline, sequential, self.strict_solver)
        if result is not None and not self._inside(result[1], upper):
            raise EngineError("a Pareto subproblem's answer lies outside its box even with strict tolerances; please report this study")
        return result

    def _inside(self, values: dict[str, float], upper: dict[str, float]) -> bool:
        """Exact values meet every box bound (bounds already sit half a resolution inside the box)."""
        return all(self.axis(n).sign * values[n] <= bound + self.axis(n).resolution / 4 for n, bound in upper.items())

    def _lexicographic(self, order: Sequence[str], upper: dict[str, float], deadline: Deadline,
                       sequential: bool, solver: Solver) -> tuple[str, dict[str, float], Architecture] | None:
        """Best `order[0]`, then the rest, with sign * objective <= upper[name] for bounded ones.

        The later objectives are optimised one after the other (`sequential`, always for a ratio) or
        together as a weighted sum, which is enough for a nondominated point. Returns (status,
        values by objective, architecture), or None when the box is empty. The status is
        "optimal" only when every stage was solved to proven optimality.
        """
        for axis in self.axes:
            self._bound(axis.name, upper.get(axis.name))
        proven = True
        try:
            status, ok = self._solve(order[0], deadline, solver)
            if status in (Status.INFEASIBLE, Status.INFEASIBLE_OR_UNBOUNDED):
                return None
            if status not in (Status.OPTIMAL, Status.FEASIBLE):
                raise _Stopped(status)
            proven &= ok
            values = self._values()
            rest = list(order[1:])
            self._fix(order[0], values)
            if sequential or any(self.axis(n).is_ratio for n in rest):
                for name in rest:
                    status, ok = self._solve(name, deadline, solver, must_be_feasible=True)
                    if status not in (Status.OPTIMAL, Status.FEASIBLE):
                        raise _Stopped(status)
                    proven &= ok
                    values = self._values()
                    self._fix(name, values)
            elif rest:
                self._set_tiebreak(rest)
                status, ok = self._solve(TIEBREAK, deadline, solver, must_be_feasible=True)
                if status not in (Status.OPTIMAL, Status.FEASIBLE):
                    raise _Stopped(status)
                proven &= ok
                values = self._values()
            arch = extract_architecture(self.m, self.data)
            return ("optimal" if proven else "feasible", values, arch)
        finally:
            for axis in self.axes:
                self._bound(axis.name, None)

    def _fix(self, name: str, values: dict[str, float]) -> None:
        axis = self.axis(name)
        self._bound(name, axis.sign * values[name] + axis.resolution / 2)

    def _values(self) -> dict[str, float]:
        """Objective values of the current solution, computed by the independent evaluator."""
        arch = extract_architecture(self.m, self.data)
        values = feasible_objectives(self.study, arch, [axis.name for axis in self.axes])
        if values is None:
            raise EngineError("the solver's architecture violates a limit per the evaluator; please report this study")
        return {axis.name: axis.snap(values[axis.name]) for axis in self.axes}


class _Stopped(Exception):
    def __init__(self, status: Status):
        self.status = status


@dataclass(frozen=True)
class _DirectSpec:
    """The front model's matrix for plain-HiGHS box solves: integer objective vectors (min-form, per resolution) and rows."""

    problem: HighsProblem  # the persistent model as HiGHS holds it; each worker solves a copy
    order: tuple[str, ...]
    steps: dict[str, np.ndarray]  # sign * coefficient / resolution, rounded to integers (exact: checked)
    rows: dict[str, int]  # HiGHS row of each objective's bound row
    offset: dict[str, float]  # row upper bound = box bound + offset (the body's constant sits in the bounds)
    constant: dict[str, float]  # min-form constant of each objective (e.g. the 1 of 1 - misses/N): F leaves it out
    assign: dict[tuple[str, str], int]  # HiGHS column of each assign[e, p]
    span: dict[str, float]  # max - min of each objective in grid steps over the column bounds (inf if unbounded)


def _direct_spec(model: FrontModel, order: Sequence[str]) -> _DirectSpec | None:
    """Snapshot the persistent model for plain-HiGHS box solves, or None when single-stage solves cannot be proven exact.

    Needs linear objectives whose coefficients are integer multiples of their resolution and lie on integer columns.
    """
    highs = model.solver.highs
    if any(axis.is_ratio for axis in model.axes) or highs is None:
        return None
    vectors = {}
    for name in order:
        try:
            vectors[name] = highs.linear_vector(model.m.objective_terms[name].numerator)
        except ValueError:  # not linear
            return None
    integer = highs.problem.integer_columns()
    lower, upper = highs.problem.column_bounds()
    steps, rows, offset, span, constants = {}, {}, {}, {}, {}
    for name in order:
        axis = model.axis(name)
        vector, constant = vectors[name]
        constants[name] = axis.sign * float(constant)
        vector = axis.sign * np.pad(vector, (0, len(integer) - len(vector))) / axis.resolution
        rounded = np.round(vector)
        if np.any(np.abs(vector - rounded) > INTEGRAL_TOLERANCE * np.maximum(1.0, np.abs(vector))) or np.any((rounded != 0) & ~integer):
            return None
        con = model.m.pareto_bound[name]
        row = highs.row(con)
        if row is None:
            return None
        steps[name], rows[name] = rounded, row
        offset[name] = -highs.row_constant(con)
        used = rounded != 0
        with np.errstate(invalid="ignore"):
            ends = np.stack([rounded[used] * lower[used], rounded[used] * upper[used]])
        span[name] = float(np.sum(ends.max(axis=0) - ends.min(axis=0))) if np.all(np.isfinite(ends)) else math.inf
    assign = {pair: highs.column(model.m.assign[pair]) for pair in model.data.offers}
    if any(column is None for column in assign.values()):
        return None
    return _DirectSpec(highs.problem, tuple(order), steps, rows, offset, constants, assign, span)


@dataclass
class _BoxAnswer:
    """What a worker returns for one box: `kind` is 'point', 'empty' or 'fallback' (solve it on the Pyomo path)."""

    kind: str
    status: str = "optimal"
    values: dict[str, float] | None = None
    arch: Architecture | None = None
    times: tuple[float, ...] = ()
    reason: str = ""


class _DirectSolver:
    """One plain HiGHS copy of the front model (one per worker thread); solves a box in a single stage.

    The objective is F = M * v1/r1 + sum_{i >= 2} v_i/r_i over min-form values v (integer coefficients), with M one more
    than the number of grid steps the bounded objectives can span inside the box: one step less in v1 outweighs any
    change of the others, so the minimiser of F is the lexicographic optimum (v1, then the sum). F takes integer values;
    HiGHS stops at absolute gap 0.5, and the answer is accepted only if F of the rounded solution, in exact integers, is
    within 0.5 of HiGHS's dual bound; otherwise the box falls back to the two-stage Pyomo path.
    """

    def __init__(self, spec: _DirectSpec, study: Study, axes: dict[str, Axis], ideal: dict[str, float], threads: int | None,
                 max_magnitude: float = SINGLE_STAGE_MAX_MAGNITUDE):
        self.spec, self.study, self.axes, self.ideal = spec, study, axes, ideal
        self.max_magnitude = max_magnitude
        self.problem = spec.problem.copy({**DIRECT_OPTIONS, "threads": threads or 0})
        self.loose: dict[str, float] = {}

    def solve(self, upper: dict[str, float], deadline: Deadline, known: np.ndarray | None = None) -> _BoxAnswer:
        """The box's answer: min F subject to v_i <= upper[i] (bounds already half a resolution inside the box).

        `known`: min-form objective vectors (in `order`) of front points inside the box. The least F among them is a
        cutoff for HiGHS (`objective_bound`): the answer's F is no larger, and the search prunes every node above it
        (3kp40: 22 % less HiGHS time). The answer is still proven by the dual-bound check.
        """
        order = self.spec.order
        span = 0
        for name in order[1:]:
            axis = self.axes[name]
            if self.ideal[name] > upper[name] + axis.resolution / 4:
                return _BoxAnswer("empty")
            span += math.ceil((upper[name] - self.ideal[name]) / axis.resolution + 1e-9)
        weights = {order[0]: span + 1, **{n: 1 for n in order[1:]}}
        cutoff = None
        if known is not None and len(known):
            scale = np.array([weights[n] / self.axes[n].resolution for n in order])
            constant = np.array([self.spec.constant[n] for n in order])  # F is the objectives without their constants
            cutoff = float(np.min(np.rint((known - constant) * scale).sum(axis=1))) + 0.5
        return self._solve(weights, upper, deadline, cutoff)

    def lexicographic(self, order: Sequence[str], deadline: Deadline) -> _BoxAnswer:
        """A payoff row: the lexicographic minimum of `order` over everything, in one solve.

        Weights w_last = 1, w_k = 1 + sum_{l > k} w_l * span_l (span: the objective's range in grid steps over the
        column bounds), so one step in an earlier objective outweighs every change of the later ones.
        """
        weights: dict[str, float] = {}
        below = 0.0
        for name in reversed(order):
            weights[name] = below + 1
            below += weights[name] * self.spec.span[name]
        if not math.isfinite(below):
            return _BoxAnswer("fallback", reason="unbounded objective")
        return self._solve(weights, {}, deadline)

    def _solve(self, weights: dict[str, float], upper: dict[str, float], deadline: Deadline, cutoff: float | None = None) -> _BoxAnswer:
        """Min sum_k weights[k] * v_k / r_k with v_i <= upper[i]; the answer scored exactly and checked (class docstring)."""
        spec, problem = self.spec, self.problem
        objective = sum(weight * spec.steps[name] for name, weight in weights.items())
        if float(np.abs(objective).sum()) > self.max_magnitude:
            return _BoxAnswer("fallback", reason="magnitude")
        left = deadline.left()
        if left is not None and left <= 0:
            raise _Stopped(Status.TIME_LIMIT_NO_SOLUTION)
        problem.set_costs(objective)
        for name in spec.order:
            bound = upper.get(name)
            problem.set_row_bounds(spec.rows[name], -math.inf, math.inf if bound is None else bound + spec.offset[name])
        run = problem.run(left, mip_rel_gap=0.0, mip_abs_gap=0.5, objective_bound=cutoff)
        times = (run.runtime_s,)
        if run.model_status == "kInfeasible":
            return _BoxAnswer("empty", times=times)
        if run.model_status == "kTimeLimit" and not run.has_solution:
            raise _Stopped(Status.TIME_LIMIT_NO_SOLUTION)
        if run.model_status not in ("kOptimal", "kTimeLimit") or not run.has_solution:
            return _BoxAnswer("fallback", times=times, reason=run.message or run.model_status)
        x = np.round(problem.column_values())
        arch = Architecture.from_pairs(pair for pair, column in spec.assign.items() if x[column] > 0.5)
        values = feasible_objectives(self.study, arch, spec.order)
        if values is None:
            return _BoxAnswer("fallback", times=times, reason="infeasible per the evaluator")
        values = {n: self.axes[n].snap(values[n]) for n in spec.order}
        if not all(self.axes[n].sign * values[n] <= bound + self.axes[n].resolution / 4 for n, bound in upper.items()):
            return _BoxAnswer("fallback", times=times, reason="outside the box")
        if run.model_status == "kTimeLimit":
            return _BoxAnswer("point", "feasible", values, arch, times)
        exact = int(sum(int(c) * int(v) for c, v in zip(objective[x != 0], x[x != 0], strict=True)))
        if run.dual_bound is None or not exact <= run.dual_bound + 0.5:
            return _BoxAnswer("fallback", times=times, reason="dual bound")
        return _BoxAnswer("point", "optimal", values, arch, times)
