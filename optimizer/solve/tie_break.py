"""One answer among equal optima: the study's other objectives, then offer order, each optimised with the ones before held.

docs/formulation.md#equal-optima-the-tie-break. Every command that solves a study's optimum (run, evaluate, breakeven,
alternatives, stress, sweeps, confidence rounds) goes through StudyModel.solve and so through these stages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyomo.core as pyo

from architecture import Architecture, Study
from architecture.evaluate import feasible_objectives
from architecture.objectives import resolution_of
from optimizer.model.build import set_objective
from optimizer.model.data import ModelData
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import loose_objective_bound
from optimizer.model.tie_break import OFFER_ORDER
from optimizer.solve.solver import Solver, Status

OFFER_ORDER_LABEL = "offer_order"  # the last stage's name in result files


@dataclass(frozen=True)
class TieBreakStage:
    """One stage: the objective optimised with every earlier one held at its best, and how its solve ended."""

    objective: str
    status: str

    def as_dict(self) -> dict[str, str]:
        return {"objective": self.objective, "status": self.status}


def hold(m: pyo.ConcreteModel, data: ModelData, solver: Solver, study: Study, arch: Architecture, names: Sequence[str]) -> bool:
    """Bound each objective of `names` at the value `arch` scores (within half its grid step); False if the evaluator rejects `arch`."""
    values = feasible_objectives(study, arch, names)
    if values is None:
        return False
    for name in names:
        spec = study.objective(name)
        sign = 1 if spec.sense == "min" else -1
        m.tie_break_value[name].set_value(sign * values[name] + resolution_of(data, spec) / 2)
    solver.update_rows([m.tie_break_bound[name] for name in names])
    return True


def release(m: pyo.ConcreteModel, data: ModelData, solver: Solver, primary: str) -> None:
    """Every bound row loose again and `primary` the model's objective: the model is as built."""
    for name in m.TIE_BREAK_OBJECTIVES:
        m.tie_break_value[name].set_value(loose_objective_bound(data, data.study.objective(name)))
    solver.update_rows(m.tie_break_bound.values())
    set_objective(m, primary)


def break_ties(m: pyo.ConcreteModel, data: ModelData, solver: Solver, study: Study, arch: Architecture,
               time_limit_s: float | None) -> tuple[Architecture, tuple[TieBreakStage, ...]]:
    """From an optimum of the model's first tie-break objective, the stages in order; the last architecture found.

    A stage that ends without an answer stops the stages: the architecture of the stage before stands.
    """
    names = list(m.TIE_BREAK_OBJECTIVES)
    primary = names[0]
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    stages: list[TieBreakStage] = []
    try:
        for done, name in enumerate([*names[1:], OFFER_ORDER], start=1):
            if not hold(m, data, solver, study, arch, names[:done]):
                stages.append(TieBreakStage(_label(name), "not_run: the evaluator rejects the previous stage's answer"))
                break
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                stages.append(TieBreakStage(_label(name), str(Status.TIME_LIMIT_NO_SOLUTION)))
                break
            set_objective(m, name)
            step = 1.0 if name == OFFER_ORDER else resolution_of(data, study.objective(name))
            report = solver.solve(m, time_limit_s=left, abs_gap=step / 4, rel_gap=0.0)
            if not report.has_solution:
                stages.append(TieBreakStage(_label(name), str(report.status)))
                break
            found = extract_architecture(m, data)
            worse = _worse_on(study, data, arch, found, names[:done])
            if worse is not None:  # a row admitted what the evaluator scores worse (a share where nothing is spent)
                stages.append(TieBreakStage(_label(name), f"refused: the evaluator scores its answer worse on {worse}"))
                break
            stages.append(TieBreakStage(_label(name), str(report.status)))
            arch = found
    finally:
        release(m, data, solver, primary)
    return arch, tuple(stages)


def _worse_on(study: Study, data: ModelData, held: Architecture, found: Architecture, names: Sequence[str]) -> str | None:
    """The first held objective on which `found` scores worse than `held` by more than half its grid step (or is infeasible)."""
    before, after = feasible_objectives(study, held, names), feasible_objectives(study, found, names)
    if after is None:
        return "feasibility"
    for name in names:
        spec = study.objective(name)
        sign = 1 if spec.sense == "min" else -1
        if sign * (after[name] - before[name]) > resolution_of(data, spec) / 2:
            return name
    return None


def _label(name: str) -> str:
    return OFFER_ORDER_LABEL if name == OFFER_ORDER else name
