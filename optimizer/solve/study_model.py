"""A study's model kept in HiGHS: solved, re-solved for other limits of the same structure, asked what binds.

The live Pyomo model and its solver stay inside a StudyModel; what it returns (RunResult) is data.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pyomo.core as pyo

from architecture import FAMILIES, Study
from architecture.evaluate import evaluate
from architecture.families import BY_NAME as FAMILY_BY_NAME
from architecture.policy import NONE
from optimizer.model.build import build_model, set_objective
from optimizer.model.data import to_model_data
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm
from optimizer.model.tie_break import define_tie_break_rows
from optimizer.solve.run import RunResult
from optimizer.solve.solver import SolveOptions, Solver, Status
from optimizer.solve.tie_break import OFFER_ORDER_LABEL, TieBreakStage, break_ties, hold, release

CLOSEST = "__fewest_moves__"
#: Families holding limits as Params, with those limits: a re-solve for new values re-sends these families' rows.
PARAMETRIC = tuple(family for family in FAMILIES if family.mutable)
#: Limits held as Params elsewhere whose values the sampled misses' rows are built from (which samples are late):
#: a model with those rows is rebuilt, not re-solved, when they change (ModelCache keeps them in the structure).
READ_AS_VALUES = FAMILY_BY_NAME["sample_milestone_miss"].limits


class StudyModel:
    """The model of one study and objective, built once and kept in HiGHS by its own solver."""

    def __init__(self, study: Study, objective: str | None = None, options: SolveOptions | None = None, prices_move: bool = False):
        self.options = options or SolveOptions()
        self.study = study
        self.spec = study.objective(objective or study.default_objective)
        self.tie_breaks = study.tie_break_order(self.spec.name)
        start = time.perf_counter()
        self.data = to_model_data(study, prices_move)
        built = time.perf_counter()
        self.m = build_model(self.data, (self.spec.name, *self.tie_breaks))
        define_tie_break_rows(self.m, self.data, (self.spec.name, *self.tie_breaks))
        self.limits_held = study.limits  # the limits the model's Params hold now
        self.solver = Solver(self.options)
        self.timings_s = {"data_s": built - start, "build_s": time.perf_counter() - built}

    @property
    def active_families(self) -> tuple[str, ...]:
        return tuple(self.m.active_families)

    def solve(self, study: Study | None = None) -> RunResult:
        """Solve, for the model's own study or another of the same structure (its Param limits are set first).

        A proven optimum then goes through the tie-break stages (optimizer/solve/tie_break.py), so equal optima give
        one answer in every command. Re-solves start afresh (`Solver.reset`): an answer never depends on what this
        model solved before.
        """
        timings = dict(self.timings_s)
        if study is not None and study is not self.study and self._rows_from_values(study):
            return StudyModel(study, self.spec.name, self.options).solve()  # its rows depend on what changed: a new model
        if study is not None and study is not self.study:
            self.set_limits(study)
            timings = {}
        elif self.limits_held is not self.study.limits:  # back to its own study after another's limits
            self.set_limits(self.study)
        study = study or self.study
        start = time.perf_counter()
        report = self.solver.solve(self.m)
        solved = time.perf_counter()
        arch = extract_architecture(self.m, self.data) if report.has_solution else None
        extracted = time.perf_counter()
        stages: tuple[TieBreakStage, ...] = ()
        if arch is not None and report.status == Status.OPTIMAL:
            left = None if self.options.time_limit_s is None else self.options.time_limit_s - (solved - start)
            arch, stages = break_ties(self.m, self.data, self.solver, study, arch, left)
        tied = time.perf_counter()
        ev = evaluate(study, arch) if arch is not None else None
        timings.update(solve_s=solved - start, extract_s=extracted - solved, tie_break_s=tied - extracted,
                       evaluate_s=time.perf_counter() - tied)
        if study is not self.study:
            timings = {"solve_s": timings["solve_s"], "tie_break_s": timings["tie_break_s"]}
        return RunResult(study, replace(self.data, study=study) if study is not self.study else self.data, self.spec, report, arch, ev,
                         self.options, timings, self.active_families, stages)

    def _rows_from_values(self, study: Study) -> bool:
        """Whether `study` changes a limit whose value some of this model's rows were built from (model_cache.values_in_structure)."""
        if not hasattr(self.m, "milestone_miss"):
            return False
        return any(getattr(study.limits, name) != getattr(self.study.limits, name) for name in READ_AS_VALUES)

    def set_limits(self, study: Study) -> None:
        """Take the Param limits of `study` (same structure: see ModelCache) and forget earlier searches."""
        m = self.m
        rows = []
        held = self.limits_held
        for family in PARAMETRIC:
            if all(getattr(study.limits, key) == getattr(held, key) for key in family.mutable):
                continue  # its Params already hold these values: no rows to send again
            for key in family.mutable:
                param = m.component(key)
                if not isinstance(param, pyo.Param) or not param.mutable:
                    continue
                value = getattr(study.limits, key)
                if param.is_indexed():
                    for index in param:
                        param[index].set_value(_entry(value, index))
                else:
                    param.set_value(value)
            rows.extend(con for name in family.components if (component := m.component(name)) is not None for con in component.values())
        self.solver.update_rows(rows)
        self.solver.reset()
        self.limits_held = study.limits

    def closest(self, result: RunResult, reference: Mapping[str, str]) -> RunResult:
        """Among the architectures equal to `result` in every tie-break objective, the one closest to `reference`.

        Re-solves with the primary objective and the study's other objectives held at `result`'s values (half a grid
        step) and the number of elements not at their reference provider minimised, so that "what moves" lists only
        the moves the optimum needs, not a tie. It takes the place of the offer-order stage. A run without a proven
        optimum is returned as it is.
        """
        m, report = self.m, result.report
        if report.status != Status.OPTIMAL or result.architecture is None:
            return result
        stay = [pair for pair in m.OFFERS if reference.get(pair[0]) == pair[1]]
        new = [pair for pair in m.OFFERS if pair[0] not in reference]
        moves = pyo.quicksum(m.assign[pair] for pair in new) - pyo.quicksum(m.assign[pair] for pair in stay)
        m.objective_terms[CLOSEST] = ObjectiveTerm(CLOSEST, "min", "elements", moves)
        try:
            if not hold(m, self.data, self.solver, result.study, result.architecture, list(m.TIE_BREAK_OBJECTIVES)):
                return result
            set_objective(m, CLOSEST)
            second = self.solver.solve(m, abs_gap=0.25, rel_gap=0.0)
            arch = extract_architecture(m, self.data) if second.has_solution else None
        finally:
            release(m, self.data, self.solver, self.spec.name)
        if arch is None:
            return result
        stages = (*(stage for stage in result.tie_break if stage.objective != OFFER_ORDER_LABEL), TieBreakStage("fewest_moves", str(second.status)))
        return replace(result, architecture=arch, evaluation=evaluate(result.study, arch), tie_break=stages)

    def binding_limits(self, result: RunResult, tolerance: float = 1e-6) -> tuple[tuple[str, float], ...]:
        """Limits that change the optimum: each limit row is dropped in turn and the model re-solved.

        Returns (limit row, objective improvement in the objective's unit), largest first; every
        row is restored afterwards. Policy limits only (the families `explain` relaxes), not the
        structural rows.
        """
        return tuple((label, gain) for _, label, gain in self.binding_rows(result, tolerance))

    def binding_rows(self, result: RunResult, tolerance: float = 1e-6) -> tuple[tuple[str, str, float], ...]:
        """`binding_limits` with each row's family: (family, limit row, improvement), largest improvement first."""
        report = result.report
        if not report.has_solution or report.objective is None:
            return ()
        m, solver = self.m, self.solver
        sense = 1 if self.spec.sense == "min" else -1
        found = []
        for family in FAMILIES:
            if family.elastic_weight is None or family.structural:
                continue
            for name in family.components:
                component = m.component(name)
                if component is None:
                    continue
                for index, row in component.items():
                    label = family.limit_label(name, index)
                    if label is None:  # a definition or link row, no limit of its own
                        continue
                    row.deactivate()
                    solver.update_rows([row])
                    relaxed = solver.solve(m)
                    row.activate()
                    solver.update_rows([row])
                    if relaxed.has_solution and relaxed.objective is not None:
                        gain = sense * (report.objective - relaxed.objective)
                        if gain > tolerance * max(1.0, abs(report.objective)):
                            found.append((family.name, label, gain))
        set_objective(m, self.spec.name)
        solver.solve(m)  # the model's solution is the run's again
        return tuple(sorted(found, key=lambda item: -item[2]))


def run_study(study: Study, objective: str | None = None, options: SolveOptions | None = None) -> RunResult:
    """Optimise one objective of a (checked) study and score the answer independently."""
    return StudyModel(study, objective, options).solve()


@dataclass(frozen=True)
class DecisionPrice:
    """What decisions taken as given (limits.fixed, limits.forbidden) cost against the free optimum, and what else moves.

    `price` is in the objective's unit, positive when the decisions make the objective worse; `moved`
    holds (element, provider in the free optimum, provider with the decisions; "" when left out) for
    every element the decisions do not name whose provider changes.
    """

    decisions: str
    free_status: str
    free_objective_value: float | None
    price: float | None
    moved: tuple[tuple[str, str, str], ...]

    def sentence(self, unit: str) -> str:
        if self.price is None and self.free_objective_value is not None:
            return f"{self.decisions} leaves no feasible architecture (the free optimum: {self.free_objective_value:,.6g} {unit})"
        if self.price is None:
            return f"{self.decisions}: the study without the decisions is {self.free_status} too"
        others = len(self.moved)
        return (f"{self.decisions} costs {'+' if self.price >= 0 else ''}{self.price:,.6g} {unit}; "
                f"{others} other element{'s' if others != 1 else ''} move{'s' if others == 1 else ''}")

    def as_dict(self) -> dict[str, Any]:
        return {"decisions": self.decisions, "free_status": self.free_status, "free_objective_value": self.free_objective_value,
                "price": self.price, "moved": [{"element": e, "free": a, "decided": b} for e, a, b in self.moved]}


def price_of_decisions(result: RunResult) -> DecisionPrice | None:
    """The run's decisions priced against the same study without them (solved again); None without decisions."""
    limits = result.study.limits
    if not limits.fixed and not limits.forbidden:
        return None
    words = [f"leaving {e} out" if p == NONE else f"giving {e} to {p}" for e, p in limits.fixed.items()]
    words += [f"ruling out {p} for {e}" for e, providers in limits.forbidden.items() for p in providers]
    free_study = result.study.with_changes(limits=limits.model_copy(update={"fixed": {}, "forbidden": {}}))
    free = StudyModel(free_study, result.objective.name, result.options).solve()
    if free.report.objective is None or result.report.objective is None:
        return DecisionPrice(" and ".join(words), str(free.report.status), free.report.objective, None, ())
    sign = 1.0 if result.objective.sense == "min" else -1.0
    named = set(limits.fixed) | set(limits.forbidden)
    before = dict(free.architecture.assignment) if free.architecture is not None else {}
    after = dict(result.architecture.assignment) if result.architecture is not None else {}
    moved = tuple((e, before.get(e, ""), after.get(e, "")) for e in sorted(set(before) | set(after))
                  if e not in named and before.get(e) != after.get(e))
    return DecisionPrice(" and ".join(words), str(free.report.status), free.report.objective,
                         sign * (result.report.objective - free.report.objective), moved)


def closest_run(result: RunResult, reference: Mapping[str, str]) -> RunResult:
    """`StudyModel.closest` for a finished run (its study's model built again)."""
    return StudyModel(result.study, result.objective.name, result.options).closest(result, reference)


def binding_table(result: RunResult) -> pd.DataFrame:
    """binding.csv of `trade run --explain`: family, row, improvement (the run's study solved again, each limit row dropped alone)."""
    model = StudyModel(result.study, result.objective.name, result.options)
    return pd.DataFrame(model.binding_rows(model.solve()), columns=["family", "row", "improvement"])


def binding_limits(result: RunResult, tolerance: float = 1e-6) -> tuple[tuple[str, float], ...]:
    """`StudyModel.binding_limits` for a finished run (its study's model built and solved again)."""
    model = StudyModel(result.study, result.objective.name, result.options)
    return model.binding_limits(model.solve(), tolerance)


def _entry(table: Any, index: Any) -> Any:
    """table[index], walking nested tables for a tuple index ((line, year) -> table[line][year])."""
    for key in index if isinstance(index, tuple) else (index,):
        table = table[key]
    return table
