"""Why a study is infeasible (smallest elastic relaxation) and which limits bind a solved one (StudyModel.binding_limits).

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
from optimizer.model.build import build_model
from optimizer.model.constraints import CONSTRAINT_FAMILIES
from optimizer.model.data import ModelData, to_model_data
from optimizer.model.extract import extract_architecture
from optimizer.solve.solver import SolveOptions, Solver, SolveReport, Status
from optimizer.solve.study_model import binding_limits

__all__ = ["ELASTIC", "Diagnosis", "binding_limits", "diagnose_infeasible", "make_elastic"]

# The families `explain` relaxes, with their weights (architecture/families.py): policy limits at weight 1,
# the structural rows every architecture keeps (required elements delivered, requires kept) only as a last resort.
ELASTIC = tuple((family, define) for family, define in CONSTRAINT_FAMILIES if family.elastic_weight is not None)


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
            total += sum(data.cost_musd[pair] for pair in pairs) / len(pairs)
    return max(total, 1.0)


def make_elastic(m: pyo.ConcreteModel, data: ModelData) -> list[tuple[str, object, object]]:
    """Replace limit rows by elastic copies; returns (family, original row, slack var) triples."""
    size = _scale(data)
    m.ELASTIC = pyo.Set(dimen=2, initialize=[])
    m.elastic_slack = pyo.Var(pyo.Any, domain=pyo.NonNegativeReals, dense=False)
    m.elastic_rows = pyo.ConstraintList()
    terms, created = [], []
    for family, _ in ELASTIC:
        weight = family.elastic_weight
        for name in family.components:
            component = m.component(name)
            if component is None:
                continue
            for index, row in component.items():
                upper, lower = row.upper, row.lower
                bound = pyo.value(upper if upper is not None else lower)
                scale = size if family.elastic_scale == "programme" else max(abs(bound), 1.0)
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
                created.append((family.name, row, slack))
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
