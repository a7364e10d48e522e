"""Why a study is infeasible (smallest elastic relaxation) and which limits bind a solved one.

The elastic model is a separate variant: every limit row gets a non-negative slack, weighed
relative to the size of its limit, and the total weighed relaxation is minimised. Like PyPSA's
load shedding or Calliope's `ensure_feasibility`, it is a debugging aid: the relaxation is
*a* smallest one under that weighting, not the only way to repair the study.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.core as pyo

from architecture import Architecture, Study
from architecture.evaluate import LimitCheck, evaluate
from optimizer.constraints import FAMILY_COMPONENTS
from optimizer.data import ModelData, to_model_data
from optimizer.extract import extract_architecture
from optimizer.model import build_model, set_objective
from optimizer.solve import SolveOptions, Solver, SolveReport, Status

# Families whose rows are policy limits a planner can relax, and the weight of a unit of
# relative relaxation. Structural rows (every required element delivered, requires kept) are
# relaxed only as a last resort.
ELASTIC_FAMILIES = {
    "budget_total": 1.0,
    "budget_annual": 1.0,
    "milestone_slip_limit": 1.0,
    "commercial_share_min": 1.0,
    "partner_share_max": 1.0,
    "category_redundancy": 1.0,
    "provider_capacity": 1.0,
    "metric_limits": 1.0,
    "critical_path_single_owner": 1.0,
    "assign_required_once": 1000.0,
    "requires_selected": 1000.0,
}


@dataclass(frozen=True)
class Diagnosis:
    """The outcome of `explain`: relaxations for an infeasible study, binding limits otherwise."""

    feasible: bool
    status: Status
    relaxations: tuple[LimitCheck, ...] = ()
    structural: tuple[str, ...] = ()
    binding: tuple[tuple[str, float], ...] = ()  # (limit, objective improvement when it is dropped)
    architecture: Architecture | None = None
    report: SolveReport | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)


def _scale(data: ModelData) -> float:
    """A typical programme size in US$M: the average offer cost of every element, summed."""
    total = 0.0
    for pairs in data.offers_of_element.values():
        if pairs:
            total += sum(data.offers[pair].cost_musd for pair in pairs) / len(pairs)
    return max(total, 1.0)


def make_elastic(m: pyo.ConcreteModel, data: ModelData) -> list[tuple[str, object, object]]:
    """Replace limit rows by elastic copies; returns (family, original row, slack var) triples."""
    size = _scale(data)
    m.ELASTIC = pyo.Set(dimen=2, initialize=[])
    m.elastic_slack = pyo.Var(pyo.Any, domain=pyo.NonNegativeReals, dense=False)
    m.elastic_rows = pyo.ConstraintList()
    terms, created = [], []
    for family, weight in ELASTIC_FAMILIES.items():
        for name in FAMILY_COMPONENTS[family]:
            component = m.component(name)
            if component is None:
                continue
            for index, row in component.items():
                upper, lower = row.upper, row.lower
                bound = pyo.value(upper if upper is not None else lower)
                scale = max(abs(bound), 1.0) if family not in ("commercial_share_min", "partner_share_max") else size
                key = (name, str(index))
                slack = m.elastic_slack[key]
                if row.equality:
                    slack_down = m.elastic_slack[(name + ":down", str(index))]
                    m.elastic_rows.add(row.body + slack - slack_down == upper)
                    terms.append(weight * (slack + slack_down) / scale)
                elif upper is not None:
                    m.elastic_rows.add(row.body - slack <= upper)
                    terms.append(weight * slack / scale)
                else:
                    m.elastic_rows.add(row.body + slack >= lower)
                    terms.append(weight * slack / scale)
                row.deactivate()
                created.append((family, row, slack))
    m.del_component("objective")
    m.objective = pyo.Objective(expr=pyo.quicksum(terms), sense=pyo.minimize)
    return created


def diagnose_infeasible(study: Study, options: SolveOptions | None = None) -> Diagnosis:
    """The smallest weighed relaxation of the study's limits that makes it feasible."""
    data = to_model_data(study)
    m = build_model(data, "agency_cost_musd")
    make_elastic(m, data)
    report = Solver(options).solve(m)
    if not report.has_solution:
        return Diagnosis(False, report.status, report=report, messages=("even with every limit relaxed the model has no solution",))
    arch = extract_architecture(m, data)
    ev = evaluate(study, arch)
    relaxed = tuple(check for check in ev.limits if check.violated)
    return Diagnosis(False, Status.INFEASIBLE, relaxed, tuple(ev.violations), architecture=arch, report=report)


def binding_limits(result: object, tolerance: float = 1e-6) -> tuple[tuple[str, float], ...]:
    """Limits that change the optimum: each limit row is dropped in turn and the model re-solved.

    Returns (limit row, objective improvement in the objective's unit), largest first. Re-uses
    the run's persistent model and solver; every row is restored afterwards.
    """
    m, solver, report = result.model, result.solver, result.report
    if not report.has_solution or report.objective is None:
        return ()
    sense = 1 if result.objective.sense == "min" else -1
    found = []
    for family in ELASTIC_FAMILIES:
        if family in ("assign_required_once", "requires_selected"):
            continue
        for name in FAMILY_COMPONENTS[family]:
            component = m.component(name)
            if component is None:
                continue
            for index, row in component.items():
                row.deactivate()
                solver.update_rows([row])
                relaxed = solver.solve(m)
                row.activate()
                solver.update_rows([row])
                if relaxed.has_solution and relaxed.objective is not None:
                    gain = sense * (report.objective - relaxed.objective)
                    if gain > tolerance * max(1.0, abs(report.objective)):
                        label = name if index is None else f"{name}[{index}]"
                        found.append((label, gain))
    set_objective(m, result.objective.name)
    solver.solve(m)  # restore the run's solution in the model
    return tuple(sorted(found, key=lambda item: -item[1]))
