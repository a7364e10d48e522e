"""Sets, parameters and decision variables of docs/formulation.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyomo.core as pyo
from pyomo.core.expr import LinearExpression, MonomialTermExpression

from optimizer.model.data import ModelData


def define_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    """ELEMENTS, PROVIDERS, OFFERS (eligible pairs only), FISCAL_YEARS, MILESTONES."""
    m.ELEMENTS = pyo.Set(initialize=data.elements, ordered=True)
    m.PROVIDERS = pyo.Set(initialize=data.providers, ordered=True)
    m.OFFERS = pyo.Set(initialize=list(data.offers), dimen=2, ordered=True)
    m.FISCAL_YEARS = pyo.Set(initialize=data.fiscal_years, ordered=True)
    m.MILESTONES = pyo.Set(initialize=data.milestones, ordered=True)


def define_assignment_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """assign[e, p] = 1 when provider p delivers element e; sigma(e) = sum over p.

    `m.assign_by_offer` maps each pair to its variable as a plain dict: the rows below look up
    one variable per term, and Pyomo's indexed lookup is ten times a dict's.
    """
    m.assign = pyo.Var(m.OFFERS, domain=pyo.Binary)
    m.assign_by_offer = dict(m.assign.items())


def define_slip_variables(m: pyo.ConcreteModel, data: ModelData, needed: bool) -> None:
    """element_slip_months[e] and milestone_slip_months[ms] (months, >= 0), when needed."""
    if not needed:
        return
    m.element_slip_months = pyo.Var(m.ELEMENTS, domain=pyo.NonNegativeReals, bounds=lambda _m, e: (0, data.slip_bound_months[e]))
    m.milestone_slip_months = pyo.Var(m.MILESTONES, domain=pyo.NonNegativeReals)


def define_sample_variables(m: pyo.ConcreteModel, data: ModelData, milestones: Sequence[str]) -> None:
    """milestone_miss[ms, s] = 1 when milestone ms misses its slip limit in sample s of the sample set, for `milestones`.

    With slips that add up along `requires`, also sample_element_slip_months[e, s] (months) for the elements gating them.
    """
    if not milestones:
        return
    m.SAMPLES = pyo.RangeSet(0, data.study.info.confidence_samples - 1)
    m.SAMPLED_MILESTONES = pyo.Set(initialize=list(milestones), ordered=True)
    m.milestone_miss = pyo.Var(m.SAMPLED_MILESTONES, m.SAMPLES, domain=pyo.Binary)
    if data.study.info.slip_propagation == "add":
        chains = dict.fromkeys(e for ms in milestones for g in data.gating[ms] for e in data.closure(g))
        m.SAMPLED_ELEMENTS = pyo.Set(initialize=list(chains), ordered=True)
        m.sample_element_slip_months = pyo.Var(m.SAMPLED_ELEMENTS, m.SAMPLES, domain=pyo.NonNegativeReals)


def define_provider_used_variables(m: pyo.ConcreteModel, data: ModelData, tracked: Sequence[str]) -> None:
    """provider_used[p] = 1 when p delivers anything, for the providers whose use costs or counts.

    `tracked`: providers with an onboarding cost, plus the international partners when their
    number is an objective (objectives.tracked_providers); no variable when empty.
    """
    if not tracked:
        return
    m.TRACKED_PROVIDERS = pyo.Set(initialize=list(tracked), ordered=True)
    m.provider_used = pyo.Var(m.TRACKED_PROVIDERS, domain=pyo.Binary)


def selected(m: pyo.ConcreteModel, data: ModelData, element: str):  # noqa: ANN201 - a Pyomo expression
    """sigma_e: 1 when the element is in the architecture (constant 1 if required)."""
    if data.selected_is_fixed(element):
        return 1
    return pyo.quicksum(m.assign_by_offer[pair] for pair in data.offers_of_element[element])


def at_most(lhs: Any, rhs: Any) -> Any:
    """The row lhs <= rhs; when both sides are numbers (elements without offers), Skip if it holds, else Infeasible."""
    if isinstance(lhs, (int, float)) and isinstance(rhs, (int, float)):
        return pyo.Constraint.Skip if lhs <= rhs else pyo.Constraint.Infeasible
    return lhs <= rhs


def exactly(lhs: Any, rhs: Any) -> Any:
    """The row lhs == rhs; when both sides are numbers, Skip if they are equal, else Infeasible."""
    if isinstance(lhs, (int, float)) and isinstance(rhs, (int, float)):
        return pyo.Constraint.Skip if lhs == rhs else pyo.Constraint.Infeasible
    return lhs == rhs


def offer_sum(m: pyo.ConcreteModel, pairs: Iterable[tuple[str, str]], weight: Callable[[tuple[str, str]], float]) -> LinearExpression:
    """Sum of weight(pair) * assign[pair] over `pairs`, zero weights left out.

    Built directly as a LinearExpression: the cheapest form for Pyomo to build and to hand to HiGHS.
    """
    assign = m.assign_by_offer
    terms = [(w, assign[pair]) for pair in pairs if (w := weight(pair))]
    return LinearExpression(list(map(MonomialTermExpression, terms)))


def offer_spend_variable(m: pyo.ConcreteModel, data: ModelData) -> pyo.Var:
    """offer_spend_musd = sum cost x as one variable, so a ratio's mutable lambda or bound multiplies one term."""
    if m.component("offer_spend_musd") is None:
        m.offer_spend_musd = pyo.Var(domain=pyo.NonNegativeReals)
        m.offer_spend_definition = pyo.Constraint(expr=m.offer_spend_musd == m.offer_cost_musd)
    return m.offer_spend_musd
