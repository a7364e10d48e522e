"""Exact Pareto fronts of 2 or 3 named objectives (see docs/pareto.md for the method)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from architecture import Architecture, EngineError, Issue, Study, StudyError
from architecture.evaluate import evaluate, feasible_objectives
from optimizer.data import ModelData, to_model_data
from optimizer.extract import extract_architecture
from optimizer.highs import HighsProblem
from optimizer.model import build_model, set_objective
from optimizer.objectives import ObjectiveTerm
from optimizer.solve import SolveOptions, Solver, Status

MAX_DECIMALS = 6  # objective values are compared on a grid no finer than 1e-6 of their unit
RATIO_RESOLUTION = 1e-6  # shares closer than this count as equal
REFERENCE_MARGIN = 0.1  # hypervolume reference point: nadir + 10 % of the front's range
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
class Axis:
    """One objective of a front. `resolution` is the grid its values lie on (units of the objective)."""

    name: str
    sense: str
    unit: str
    resolution: float
    is_ratio: bool = False

    @property
    def sign(self) -> int:
        """+1 for min, -1 for max: internally every objective is minimised as sign * value."""
        return 1 if self.sense == "min" else -1

    def snap(self, value: float) -> float:
        """Round a value to the objective's grid, removing float noise."""
        if self.is_ratio:
            return round(value, 9)
        steps = round(value / self.resolution)
        return round(steps * self.resolution, MAX_DECIMALS + 3)


@dataclass(frozen=True)
class ParetoOptions:
    """`time_limit_s` bounds the whole front; `points` asks for an evenly spread approximation.

    `threads` is HiGHS's thread count per subproblem; `workers` how many boxes are solved at once, each on its own
    HiGHS copy in its own thread (None: 2, or 1 on a one-CPU machine; see docs/pareto.md).
    """

    time_limit_s: float | None = None
    points: int | None = None
    threads: int | None = 1
    workers: int | None = None  # boxes solved at once (threads, one HiGHS copy each); None: min(2, CPUs)


@dataclass(frozen=True)
class ParetoFront:
    """A front: points (point, one column per objective, status), their architectures, the payoff table."""

    study: Study
    data: ModelData
    axes: tuple[Axis, ...]
    points: pd.DataFrame
    assignments: pd.DataFrame
    payoff: pd.DataFrame
    ideal: dict[str, float]
    nadir: dict[str, float]
    reference: dict[str, float]
    hypervolume: float | None
    complete: bool
    method: str
    solves: int
    runtime_s: float
    highs_runtime_s: float
    solver_version: str
    notes: tuple[str, ...] = ()
    highs_times_s: tuple[float, ...] = field(default=(), repr=False)
    point_limits: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    active_families: tuple[str, ...] = ()
    rescues: int = 0
    reused: int = 0  # boxes answered from an earlier answer, without a solve
    single_stage: int = 0  # boxes answered by one solve of the combined objective
    workers: int = 1

    @property
    def objectives(self) -> tuple[str, ...]:
        return tuple(axis.name for axis in self.axes)


def _decimals(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else MAX_DECIMALS


def resolution_of(data: ModelData, spec: Any) -> float:
    """The grid an objective's values lie on, from the decimals of the data that sum into it."""
    if spec.builtin == "commercial_share":
        return RATIO_RESOLUTION
    if spec.builtin == "international_partners":
        return 1.0
    if spec.column is not None:
        values = [offer.value(spec.column) for offer in data.offers.values()]
    elif spec.builtin == "agency_cost_musd":
        values = [offer.cost_musd for offer in data.offers.values()]
        values += [data.study.providers[p].onboarding_cost_musd for p in data.providers]
    else:  # milestone slip: sums of offer slips
        values = [offer.slip_months for offer in data.offers.values()]
    decimals = min(MAX_DECIMALS, max((_decimals(v) for v in values), default=0))
    return 10.0 ** -decimals


def _loose_bound(data: ModelData, axis: Axis, spec: Any) -> float:
    """A bound on sign * value that no architecture exceeds (so the row is inactive)."""
    if axis.is_ratio:
        return 1.0
    if spec.builtin == "international_partners":
        return 1.0
    if spec.builtin == "milestone_slip_months":
        return max(data.slip_bound_months.values(), default=0.0) + 1.0
    total = 0.0
    for pairs in data.offers_of_element.values():
        values = [axis.sign * (data.offers[pair].cost_musd if spec.column is None else data.offers[pair].value(spec.column)) for pair in pairs]
        total += max([0.0, *values])
    if spec.builtin == "agency_cost_musd":
        total += sum(data.study.providers[p].onboarding_cost_musd for p in data.providers)
    return total + 1.0


class FrontModel:
    """One persistent model with a bound row per objective; lexicographic solves inside boxes."""

    def __init__(self, study: Study, names: Sequence[str], threads: int | None = 1):
        self.study = study
        self.data = to_model_data(study)
        self.specs = [study.objective(name) for name in names]
        self.m = build_model(self.data, tuple(names))
        self.axes = tuple(
            Axis(spec.name, spec.sense, spec.display_unit, resolution_of(self.data, spec), spec.builtin == "commercial_share")
            for spec in self.specs
        )
        self.loose = {axis.name: _loose_bound(self.data, axis, spec) for axis, spec in zip(self.axes, self.specs, strict=True)}
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

        def rule(m: pyo.ConcreteModel, name: str) -> Any:
            axis, term = self.axis(name), terms[name]
            if axis.is_ratio:  # sign * N/D <= b  <=>  sign * N - b * D <= 0  (D >= 0)
                return axis.sign * term.numerator - m.pareto_bound_value[name] * term.denominator <= 0
            return axis.sign * term.numerator <= m.pareto_bound_value[name]

        m.pareto_bound = pyo.Constraint(m.PARETO_OBJECTIVES, rule=rule)

    def axis(self, name: str) -> Axis:
        return next(axis for axis in self.axes if axis.name == name)

    def _bound(self, name: str, value: float | None) -> None:
        self.m.pareto_bound_value[name].set_value(self.loose[name] if value is None else value)

    def _solve(self, name: str, deadline: float | None, solver: Solver, must_be_feasible: bool = False) -> tuple[Status, bool]:
        if name != TIEBREAK:
            set_objective(self.m, name)
        left = None if deadline is None else deadline - time.perf_counter()
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

    def lexicographic(self, order: Sequence[str], upper: dict[str, float], deadline: float | None = None,
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

    def _lexicographic(self, order: Sequence[str], upper: dict[str, float], deadline: float | None,
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


def _dominates(a: tuple[float, ...], b: tuple[float, ...], tol: tuple[float, ...]) -> bool:
    return all(x <= y + t for x, y, t in zip(a, b, tol, strict=True)) and any(x < y - t for x, y, t in zip(a, b, tol, strict=True))


class _Boxes:
    """Local upper bounds of the search region in the bounded objectives (min-form).

    A box u holds the points with sign * f_i < u_i for every bounded objective i; the point y
    found by solving box u splits it into one box per bounded objective (u with u_i := y_i), and
    boxes inside other boxes are dropped: their points are searched by the larger box.
    """

    def __init__(self, start: tuple[float, ...], tolerance: tuple[float, ...]):
        self.open: list[tuple[float, ...]] = [start]
        self.empty: list[tuple[float, ...]] = []
        self.busy: list[tuple[float, ...]] = []  # popped, answer not yet applied (solved on another thread)
        self.tol = tolerance

    def below(self, point: tuple[float, ...], box: tuple[float, ...]) -> bool:
        return all(p < u - t for p, u, t in zip(point, box, self.tol, strict=True))

    @staticmethod
    def inside(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True))

    def pop(self) -> tuple[float, ...] | None:
        """The next open box; boxes inside a closed (empty) box or inside a box being solved are dropped."""
        while self.open:
            box = self.open.pop(0)
            if not any(self.inside(box, e) for e in self.empty) and not any(self.inside(box, b) for b in self.busy):
                self.busy.append(box)
                return box
        return None

    def mark_empty(self, box: tuple[float, ...]) -> None:
        self.empty.append(box)
        self._done(box)

    def _done(self, box: tuple[float, ...]) -> None:
        if box in self.busy:
            self.busy.remove(box)

    def add_point(self, point: tuple[float, ...], searched: tuple[float, ...]) -> None:
        """Split the box just searched by the point its solve returned.

        Only that box: the point is known to be best in the first objective within it, not
        within other open boxes, so splitting those would cut away points better in the first
        objective. A box inside another open box is dropped (the larger box's search covers it).
        """
        if not self.below(point, searched):
            raise EngineError("a Pareto point lies outside the box it was found in; please report this study")
        self._done(searched)
        children = [tuple(point[i] if j == i else searched[j] for j in range(len(searched))) for i in range(len(searched))]
        # Open boxes never lie inside one another (kept so by this method), and the children of one split are
        # incomparable; so only child-against-open comparisons are needed: drop a child inside (or equal to) an open
        # box, and open boxes inside a child.
        if self.open:
            current = np.array(self.open)
            kept = [c for c in children if not np.any(np.all(current >= np.array(c), axis=1))]
            if kept:
                inner = np.zeros(len(self.open), dtype=bool)
                for child in kept:
                    inner |= np.all(current <= np.array(child), axis=1)
                self.open = [b for b, drop in zip(self.open, inner, strict=True) if not drop]
            self.open.extend(kept)
        else:
            self.open = children


@dataclass(frozen=True)
class _DirectSpec:
    """The front model's matrix for plain-HiGHS box solves: integer objective vectors (min-form, per resolution) and rows."""

    problem: HighsProblem  # the persistent model as HiGHS holds it; each worker solves a copy
    order: tuple[str, ...]
    steps: dict[str, np.ndarray]  # sign * coefficient / resolution, rounded to integers (exact: checked)
    rows: dict[str, int]  # HiGHS row of each objective's bound row
    offset: dict[str, float]  # row upper bound = box bound + offset (the body's constant sits in the bounds)
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
    steps, rows, offset, span = {}, {}, {}, {}
    for name in order:
        axis = model.axis(name)
        vector, constant = vectors[name]
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
    return _DirectSpec(highs.problem, tuple(order), steps, rows, offset, assign, span)


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

    def __init__(self, spec: _DirectSpec, study: Study, axes: dict[str, Axis], ideal: dict[str, float], threads: int | None):
        self.spec, self.study, self.axes, self.ideal = spec, study, axes, ideal
        self.problem = spec.problem.copy({**DIRECT_OPTIONS, "threads": threads or 0})
        self.loose: dict[str, float] = {}

    def solve(self, upper: dict[str, float], deadline: float | None) -> _BoxAnswer:
        """The box's answer: min F subject to v_i <= upper[i] (bounds already half a resolution inside the box)."""
        order = self.spec.order
        span = 0
        for name in order[1:]:
            axis = self.axes[name]
            if self.ideal[name] > upper[name] + axis.resolution / 4:
                return _BoxAnswer("empty")
            span += math.ceil((upper[name] - self.ideal[name]) / axis.resolution + 1e-9)
        weights = {order[0]: span + 1, **{n: 1 for n in order[1:]}}
        return self._solve(weights, upper, deadline)

    def lexicographic(self, order: Sequence[str], deadline: float | None) -> _BoxAnswer:
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

    def _solve(self, weights: dict[str, float], upper: dict[str, float], deadline: float | None) -> _BoxAnswer:
        """Min sum_k weights[k] * v_k / r_k with v_i <= upper[i]; the answer scored exactly and checked (class docstring)."""
        spec, problem = self.spec, self.problem
        objective = sum(weight * spec.steps[name] for name, weight in weights.items())
        if float(np.abs(objective).sum()) > SINGLE_STAGE_MAX_MAGNITUDE:
            return _BoxAnswer("fallback", reason="magnitude")
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            raise _Stopped(Status.TIME_LIMIT_NO_SOLUTION)
        problem.set_costs(objective)
        for name in spec.order:
            bound = upper.get(name)
            problem.set_row_bounds(spec.rows[name], -math.inf, math.inf if bound is None else bound + spec.offset[name])
        run = problem.run(left, mip_rel_gap=0.0, mip_abs_gap=0.5)
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


def _exact_boxes(model: FrontModel, order: list[str], payoff_rows: list[dict[str, Any]], found: dict, record: Any,
                 deadline: float | None, solvers: list[_DirectSolver], counts: dict[str, int]) -> None:
    """Search every box (docs/pareto.md): reuse earlier answers, solve the rest single-stage on the solvers' threads.

    Without solvers (a ratio objective, or single-stage solves not provable) every box takes the two-stage Pyomo path.
    """
    axes = {axis.name: axis for axis in model.axes}
    bounded = order[1:]
    tol = tuple(axes[n].resolution / 2 for n in bounded)
    boxes = _Boxes(tuple(model.loose[n] + axes[n].resolution for n in bounded), tol)
    first_row = payoff_rows[0]
    first = tuple(axes[n].sign * first_row[n] for n in order)
    solved: list[tuple[tuple[float, ...], tuple[float, ...]]] = [(boxes.open[0], first)]
    boxes.add_point(first[1:], boxes.open.pop(0))
    payoff_proven = all(row["status"] == "optimal" for row in payoff_rows) and len(payoff_rows) == len(order)
    # single-stage box solves need the ideal point (to bound the later objectives' span in a box); else two stages
    solvers = list(solvers) if payoff_proven else []
    ideal = {n: min(axes[n].sign * row[n] for row in payoff_rows) for n in order}
    for solver in solvers:
        solver.ideal = ideal
    counts["workers"] = len(solvers) or 1

    def key(values: dict[str, float]) -> tuple[float, ...]:
        return tuple(axes[n].sign * values[n] for n in order)

    proven: dict[tuple[float, ...], tuple[str, dict[str, float], Architecture]] = {
        key(values): (status, values, arch) for status, values, arch in found.values() if status == "optimal"}
    step = axes[order[0]].resolution / 4
    arrays: dict[str, np.ndarray] = {}  # numpy copies of `solved` and `proven`, rebuilt when they grow

    def reuse(box: tuple[float, ...]) -> tuple[str, dict[str, float], Architecture] | None:
        """A proven point that is this box's answer: inside it, and as good in v1 as the answer of a solved box around it."""
        if len(arrays.get("boxes", ())) != len(solved):
            arrays["boxes"] = np.array([v for v, _ in solved])
            arrays["first"] = np.array([y[0] for _, y in solved])
        if len(arrays.get("points", ())) != len(proven):
            arrays["points"] = np.array(list(proven))
        here = np.array(box)
        around = np.all(here <= arrays["boxes"], axis=1)
        if not around.any():
            return None
        low = float(arrays["first"][around].max())
        points = arrays["points"]
        inside = (points[:, 0] <= low + step) & np.all(points[:, 1:] < here - np.array(boxes.tol), axis=1)
        if not inside.any():
            return None
        hits = [tuple(float(v) for v in y) for y in points[inside]]
        best = min(hits, key=lambda y: (y[0], sum(y[1:]), y))
        return proven[best]

    def accept(box: tuple[float, ...], status: str, values: dict[str, float], arch: Architecture) -> None:
        record(status, values, arch)
        y = key(values)
        if status == "optimal":
            solved.append((box, y))
            proven.setdefault(y, (status, values, arch))
        boxes.add_point(y[1:], box)

    def fallback(box: tuple[float, ...]) -> None:
        upper = {n: b - t for n, b, t in zip(bounded, box, tol, strict=True)}
        result = model.lexicographic(order, upper, deadline)
        if result is None:
            boxes.mark_empty(box)
        else:
            accept(box, *result)

    free = list(solvers)
    pool = ThreadPoolExecutor(max_workers=len(solvers)) if len(solvers) > 1 else None
    pending: dict[Any, tuple[tuple[float, ...], _DirectSolver]] = {}
    try:
        while True:
            while (not solvers or free) and (box := boxes.pop()) is not None:
                hit = reuse(box)
                if hit is not None:
                    counts["reused"] += 1
                    accept(box, *hit)
                    continue
                if not solvers:
                    fallback(box)
                    continue
                upper = {n: b - t for n, b, t in zip(bounded, box, tol, strict=True)}
                solver = free.pop()
                if pool is None:
                    done_now = _run(solver, upper, deadline)
                    free.append(solver)
                    _settle(model, box, done_now, boxes, accept, fallback, counts)
                else:
                    pending[pool.submit(_run, solver, upper, deadline)] = (box, solver)
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: pending[f][0]):
                box, solver = pending.pop(future)
                free.append(solver)
                _settle(model, box, future.result(), boxes, accept, fallback, counts)
    finally:
        if pool is not None:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True)


def _run(solver: _DirectSolver, upper: dict[str, float], deadline: float | None) -> _BoxAnswer | _Stopped:
    try:
        return solver.solve(upper, deadline)
    except _Stopped as stop:
        return stop


def _settle(model: FrontModel, box: tuple[float, ...], answer: _BoxAnswer | _Stopped, boxes: _Boxes, accept: Any, fallback: Any,
            counts: dict[str, int]) -> None:
    """Apply a worker's answer in the main thread (the only one touching boxes, the Pyomo model and the counters)."""
    if isinstance(answer, _Stopped):
        raise answer
    _settle_times(model, answer)
    if answer.kind == "empty":
        boxes.mark_empty(box)
    elif answer.kind == "point":
        counts["single_stage"] += 1
        assert answer.values is not None and answer.arch is not None
        accept(box, answer.status, answer.values, answer.arch)
    else:
        counts["fallbacks"] += 1
        fallback(box)


def _settle_times(model: FrontModel, answer: _BoxAnswer) -> None:
    model.solves += len(answer.times)
    model.highs_times.extend(answer.times)


def _front_names(names: Sequence[str], study: Study) -> list[str]:
    if len(names) not in (2, 3):
        raise StudyError(Issue("--objectives", f"a front needs 2 or 3 objectives, got {len(names)}", "wrong_type"))
    if len(set(names)) != len(names):
        raise StudyError(Issue("--objectives", "an objective is named twice", "wrong_type"))
    for name in names:
        study.objective(name)
    ratios = [n for n in names if study.objective(n).builtin == "commercial_share"]
    linear = [n for n in names if n not in ratios]
    return linear + ratios  # a linear objective is optimised first; a ratio is only ever bounded or a later stage


def pareto_front(study: Study, objectives: Sequence[str], options: ParetoOptions | None = None) -> ParetoFront:
    """Every nondominated point of the named objectives (or an even approximation with `points`)."""
    options = options or ParetoOptions()
    start = time.perf_counter()
    deadline = None if options.time_limit_s is None else start + options.time_limit_s
    order = _front_names(objectives, study)
    model = FrontModel(study, order, options.threads)
    workers = options.workers if options.workers is not None else min(2, os.cpu_count() or 1)
    counts = {"reused": 0, "single_stage": 0, "fallbacks": 0, "workers": 1}
    axes = {axis.name: axis for axis in model.axes}
    notes: list[str] = []
    payoff_rows, found = [], {}
    complete = True

    def record(status: str, values: dict[str, float], arch: Architecture) -> None:
        key = tuple(values[n] for n in order)
        if key not in found:
            found[key] = (status, values, arch)

    solvers: list[_DirectSolver] = []
    try:
        for name in order:  # the payoff table: each objective optimised first, then the others
            lexicographic = [name, *[n for n in order if n != name]]
            answer = solvers[0].lexicographic(lexicographic, deadline) if solvers and not options.points else None
            if answer is not None:
                _settle_times(model, answer)
            if answer is not None and answer.kind == "point":
                assert answer.values is not None and answer.arch is not None
                result: tuple[str, dict[str, float], Architecture] | None = (answer.status, answer.values, answer.arch)
            else:  # the first row (it builds the persistent model the direct copies start from), or a fallback
                result = model.lexicographic(lexicographic, {}, deadline, sequential=True)
            if result is None:
                break
            status, values, arch = result
            payoff_rows.append({"optimised": name, **values, "status": status})
            record(status, values, arch)
            if not solvers and name == order[0] and not options.points and (spec := _direct_spec(model, order)) is not None:
                solvers = [_DirectSolver(spec, study, axes, {}, options.threads) for _ in range(max(1, workers))]
        if payoff_rows:
            bounded = order[1:]
            tol = tuple(axes[n].resolution / 2 for n in bounded)
            if options.points:
                complete = False
                for box in _approximation_boxes(payoff_rows, [axes[n] for n in bounded], options.points):
                    result = model.lexicographic(order, dict(zip(bounded, [b - t for b, t in zip(box, tol, strict=True)], strict=True)), deadline)
                    if result is not None:
                        record(*result)
            else:
                _exact_boxes(model, order, payoff_rows, found, record, deadline, solvers, counts)
    except _Stopped as stop:
        complete = False
        notes.append(f"stopped early: {stop.status} (the front's time limit); points found so far are kept")
    if any(status != "optimal" for status, _, _ in found.values()):
        complete = False
        notes.append("some points are not proven optimal (time limit): the front may hold dominated points")
    return _assemble(study, model, order, objectives, found, payoff_rows, complete, options, time.perf_counter() - start, notes, counts)


def _approximation_boxes(payoff: list[dict[str, Any]], axes: list[Axis], points: int) -> list[tuple[float, ...]]:
    """Evenly spaced box corners over the payoff ranges of the bounded objectives."""
    per_axis = max(2, round(points ** (1 / len(axes)))) if axes else 1
    grids = []
    for axis in axes:
        values = [axis.sign * row[axis.name] for row in payoff]
        low, high = min(values), max(values)
        grids.append(np.linspace(low + axis.resolution, high + axis.resolution, per_axis))
    corners = [tuple(c) for c in np.array(np.meshgrid(*grids)).T.reshape(-1, len(axes))]
    return corners[:points] if len(corners) > points else corners


def _assemble(study: Study, model: FrontModel, order: list[str], requested: Sequence[str], found: dict, payoff_rows: list,
              complete: bool, options: ParetoOptions, runtime: float, notes: list[str], counts: dict[str, int] | None = None) -> ParetoFront:
    counts = counts or {}
    names = list(requested)
    axes = tuple(model.axis(n) for n in names)
    tol = [axis.resolution / 2 for axis in axes]
    entries = [(tuple(axis.sign * values[axis.name] for axis in axes), status, values, arch) for status, values, arch in found.values()]
    # drop dominated points (only possible among unproven ones) and order by the first objective; _dominates, vectorised
    vectors, slack = np.array([e[0] for e in entries], dtype=float).reshape(len(entries), len(axes)), np.array(tol)
    dominated = np.zeros(len(entries), dtype=bool)
    for index, vector in enumerate(vectors):
        weakly = np.all(vectors <= vector + slack, axis=1) & np.any(vectors < vector - slack, axis=1)
        weakly[index] = False
        dominated[index] = bool(weakly.any())
    kept = [e for e, drop in zip(entries, dominated, strict=True) if not drop]
    kept.sort(key=lambda e: e[0])
    rows, pairs, limits = [], [], []
    for index, (_, status, values, arch) in enumerate(kept, start=1):
        rows.append({"point": index, **{n: values[n] for n in names}, "status": status})
        pairs.extend({"point": index, "element": e, "provider": p} for e, p in sorted(arch.assignment.items()))
        # the columns of Evaluation.limits_frame, built as one frame (one DataFrame per point cost ~3 ms each)
        limits.extend((index, c.family, c.limit, c.value, c.bound, c.sense, c.unit, c.slack, c.binding, c.violated)
                      for c in evaluate(study, arch).limits)
    limit_columns = ["family", "limit", "value", "bound", "sense", "unit", "slack", "binding", "violated"]
    point_limits = pd.DataFrame(limits, columns=["point", *limit_columns]) if kept else pd.DataFrame(columns=["point"])
    points = pd.DataFrame(rows, columns=["point", *names, "status"])
    assignments = pd.DataFrame(pairs, columns=["point", "element", "provider"])
    payoff = pd.DataFrame(payoff_rows, columns=["optimised", *order, "status"])[["optimised", *names, "status"]]
    ideal, nadir, reference, hv = {}, {}, {}, None
    if not points.empty:
        for axis in axes:
            column = points[axis.name]
            ideal[axis.name] = float(column.min() if axis.sense == "min" else column.max())
            nadir[axis.name] = float(column.max() if axis.sense == "min" else column.min())
            span = abs(nadir[axis.name] - ideal[axis.name]) or max(abs(nadir[axis.name]) * REFERENCE_MARGIN, axis.resolution)
            reference[axis.name] = nadir[axis.name] + axis.sign * REFERENCE_MARGIN * span
        hv = hypervolume(points, axes, reference)
    method = "exact" if not options.points else f"approximation ({options.points} points requested)"
    return ParetoFront(
        study=study, data=model.data, axes=axes, points=points, assignments=assignments, payoff=payoff,
        ideal=ideal, nadir=nadir, reference=reference, hypervolume=hv, complete=complete and not options.points,
        method=method, solves=model.solves, runtime_s=runtime, highs_runtime_s=float(sum(model.highs_times)),
        solver_version=model.solver.version, notes=tuple(notes), highs_times_s=tuple(model.highs_times),
        point_limits=point_limits, active_families=tuple(model.m.active_families), rescues=model.rescues,
        reused=counts.get("reused", 0), single_stage=counts.get("single_stage", 0), workers=counts.get("workers", 1),
    )


def hypervolume(points: pd.DataFrame, axes: Sequence[Axis], reference: dict[str, float]) -> float:
    """Dominated hypervolume (moocore) of the points against the stated reference point."""
    import moocore

    data = points[[axis.name for axis in axes]].to_numpy(dtype=float)
    ref = [reference[axis.name] for axis in axes]
    return float(moocore.hypervolume(data, ref=ref, maximise=[axis.sense == "max" for axis in axes]))
