"""build_model: the formulation's table of contents, in the order of docs/formulation.md."""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from architecture.objectives import objective_kind
from optimizer.model.constraints import CONSTRAINT_FAMILIES
from optimizer.model.data import ModelData
from optimizer.model.objectives import ObjectiveTerm, define_expressions, objective_term, tracked_providers
from optimizer.model.variables import (
    define_assignment_variables,
    define_provider_used_variables,
    define_sample_variables,
    define_sets,
    define_slip_variables,
)


def build_model(data: ModelData, objective: str | Sequence[str]) -> pyo.ConcreteModel:
    """A Pyomo model of the study; no I/O, no solving.

    `objective` is one objective name, or several (the first is optimised; the others get
    their expressions built so a Pareto loop can bound them). The model carries plain
    attributes `data`, `objective_terms` (name -> ObjectiveTerm) and `active_families`.
    """
    # Pyomo's own writers pause the cyclic garbage collector too: a build allocates one object per term, none of them in
    # cycles that need collecting, and the collector's repeated passes over them were 60 % of the large model's build.
    with PauseGC():
        return _build(data, objective)


def _build(data: ModelData, objective: str | Sequence[str]) -> pyo.ConcreteModel:
    names = (objective,) if isinstance(objective, str) else tuple(objective)
    specs = [data.study.objective(name) for name in names]
    kinds = [objective_kind(spec) for spec in specs]
    m = pyo.ConcreteModel(name=data.study.name)
    define_sets(m, data)
    define_assignment_variables(m, data)
    define_slip_variables(m, data, needed=data.needs_slip(kinds))
    define_sample_variables(m, data, data.sampled_milestones(specs))
    define_provider_used_variables(m, data, tracked_providers(data, kinds))
    define_expressions(m, data)
    active = []
    for family, define in CONSTRAINT_FAMILIES:
        define(m, data)
        if any(hasattr(m, component) for component in family.components):
            active.append(family.name)
    m.data = data
    m.active_families = tuple(active)
    m.objective_terms = {spec.name: objective_term(m, data, spec) for spec in specs}
    set_objective(m, names[0])
    return m


def set_objective(m: pyo.ConcreteModel, name: str) -> ObjectiveTerm:
    """Make a built objective the one optimised (a ratio gets Dinkelbach's parametric form)."""
    term = m.objective_terms[name]
    if m.component("objective") is not None:
        m.del_component("objective")
    if term.is_ratio:
        if m.component("ratio_lambda") is None:
            m.ratio_lambda = pyo.Param(mutable=True, initialize=0.0)
        m.objective = pyo.Objective(expr=term.numerator - m.ratio_lambda * term.denominator, sense=term.pyomo_sense)
    else:
        m.objective = pyo.Objective(expr=term.numerator, sense=term.pyomo_sense)
    m.objective_name = name
    return term
