"""Exact Pareto fronts of 2 or 3 named objectives (see docs/pareto.md for the method)."""

from __future__ import annotations

import time
from collections.abc import Sequence
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
    """`time_limit_s` bounds the whole front; `points` asks for an evenly spread approximation."""

    time_limit_s: float | None = None
    points: int | None = None
    threads: int | None = 1


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
        self.tol = tolerance

    def below(self, point: tuple[float, ...], box: tuple[float, ...]) -> bool:
        return all(p < u - t for p, u, t in zip(point, box, self.tol, strict=True))

    @staticmethod
    def inside(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True))

    def pop(self) -> tuple[float, ...] | None:
        while self.open:
            box = self.open.pop(0)
            if not any(self.inside(box, e) for e in self.empty):
                return box
        return None

    def mark_empty(self, box: tuple[float, ...]) -> None:
        self.empty.append(box)

    def add_point(self, point: tuple[float, ...], searched: tuple[float, ...]) -> None:
        """Split the box just searched by the point its solve returned.

        Only that box: the point is known to be best in the first objective within it, not
        within other open boxes, so splitting those would cut away points better in the first
        objective. A box inside another open box is dropped (the larger box's search covers it).
        """
        if not self.below(point, searched):
            raise EngineError("a Pareto point lies outside the box it was found in; please report this study")
        keep = list(self.open)
        for i in range(len(searched)):
            keep.append(tuple(point[i] if j == i else searched[j] for j in range(len(searched))))
        unique = list(dict.fromkeys(keep))
        self.open = [b for b in unique if not any(b != c and self.inside(b, c) for c in unique)]


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
    axes = {axis.name: axis for axis in model.axes}
    notes: list[str] = []
    payoff_rows, found = [], {}
    complete = True

    def record(status: str, values: dict[str, float], arch: Architecture) -> None:
        key = tuple(values[n] for n in order)
        if key not in found:
            found[key] = (status, values, arch)

    try:
        for name in order:  # the payoff table: each objective optimised first, then the others
            result = model.lexicographic([name, *[n for n in order if n != name]], {}, deadline, sequential=True)
            if result is None:
                break
            status, values, arch = result
            payoff_rows.append({"optimised": name, **values, "status": status})
            record(status, values, arch)
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
                boxes = _Boxes(tuple(model.loose[n] + axes[n].resolution for n in bounded), tol)
                # A split is valid only for the point that is best in the first objective within the
                # searched box: the payoff row of the first objective is exactly that for the whole space.
                first = payoff_rows[0]
                boxes.add_point(tuple(axes[n].sign * first[n] for n in bounded), boxes.open.pop(0))
                while (box := boxes.pop()) is not None:
                    upper = {n: b - t for n, b, t in zip(bounded, box, tol, strict=True)}
                    result = model.lexicographic(order, upper, deadline)
                    if result is None:
                        boxes.mark_empty(box)
                        continue
                    status, values, arch = result
                    record(status, values, arch)
                    boxes.add_point(tuple(axes[n].sign * values[n] for n in bounded), box)
    except _Stopped as stop:
        complete = False
        notes.append(f"stopped early: {stop.status} (the front's time limit); points found so far are kept")
    if any(status != "optimal" for status, _, _ in found.values()):
        complete = False
        notes.append("some points are not proven optimal (time limit): the front may hold dominated points")
    return _assemble(study, model, order, objectives, found, payoff_rows, complete, options, time.perf_counter() - start, notes)


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
              complete: bool, options: ParetoOptions, runtime: float, notes: list[str]) -> ParetoFront:
    names = list(requested)
    axes = tuple(model.axis(n) for n in names)
    tol = [axis.resolution / 2 for axis in axes]
    entries = [(tuple(axis.sign * values[axis.name] for axis in axes), status, values, arch) for status, values, arch in found.values()]
    # drop dominated points (only possible among unproven ones) and order by the first objective
    kept = [e for e in entries if not any(_dominates(o[0], e[0], tuple(tol)) for o in entries if o is not e)]
    kept.sort(key=lambda e: e[0])
    rows, pairs, limits = [], [], []
    for index, (_, status, values, arch) in enumerate(kept, start=1):
        rows.append({"point": index, **{n: values[n] for n in names}, "status": status})
        pairs.extend({"point": index, "element": e, "provider": p} for e, p in sorted(arch.assignment.items()))
        limits.append(evaluate(study, arch).limits_frame().assign(point=index))
    point_limits = pd.concat(limits, ignore_index=True) if limits else pd.DataFrame(columns=["point"])
    point_limits = point_limits[["point", *[c for c in point_limits.columns if c != "point"]]]
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
    )


def hypervolume(points: pd.DataFrame, axes: Sequence[Axis], reference: dict[str, float]) -> float:
    """Dominated hypervolume (moocore) of the points against the stated reference point."""
    import moocore

    data = points[[axis.name for axis in axes]].to_numpy(dtype=float)
    ref = [reference[axis.name] for axis in axes]
    return float(moocore.hypervolume(data, ref=ref, maximise=[axis.sense == "max" for axis in axes]))
