"""Named objectives: shared cost expressions and one builder per objective kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.core as pyo

from architecture.policy import ObjectiveSpec
from optimizer.data import ModelData
from optimizer.variables import offer_sum


@dataclass(frozen=True)
class ObjectiveTerm:
    """An objective as Pyomo expressions: `numerator`, or numerator/denominator for a ratio."""

    name: str
    sense: str
    unit: str
    numerator: Any
    denominator: Any = None

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def pyomo_sense(self) -> int:
        return pyo.minimize if self.sense == "min" else pyo.maximize


def define_expressions(m: pyo.ConcreteModel, data: ModelData) -> None:
    """offer_cost_musd and agency_cost_musd (with onboarding) as Expressions."""
    cost = {pair: offer.cost_musd for pair, offer in data.offers.items()}
    m.offer_cost_musd = pyo.Expression(expr=offer_sum(m, cost, cost.__getitem__))
    onboarding = 0
    if hasattr(m, "provider_used"):
        fees = {p: data.study.providers[p].onboarding_cost_musd for p in m.TRACKED_PROVIDERS}
        onboarding = pyo.quicksum(f * m.provider_used[p] for p, f in fees.items() if f)
    m.agency_cost_musd = pyo.Expression(expr=m.offer_cost_musd + onboarding)


def tracked_providers(data: ModelData, objective_names: tuple[str, ...]) -> list[str]:
    """Providers that need provider_used[p]: an onboarding cost to charge, or a partner to count."""
    counted = "international_partners" in objective_names
    return [
        p for p in data.providers
        if data.offers_of_provider[p] and (data.study.providers[p].onboarding_cost_musd > 0 or (counted and data.kind[p] == "international"))
    ]


def _worst_milestone_slip(m: pyo.ConcreteModel, data: ModelData) -> Any:
    if not data.milestones:
        return 0
    if not hasattr(m, "worst_milestone_slip_months"):
        m.worst_milestone_slip_months = pyo.Var(domain=pyo.NonNegativeReals)
        m.worst_milestone_slip = pyo.Constraint(m.MILESTONES, rule=lambda m, ms: m.worst_milestone_slip_months >= m.milestone_slip_months[ms])
    return m.worst_milestone_slip_months


def objective_term(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """The expression of a named objective on a built model."""
    unit = spec.display_unit
    if spec.column is not None:
        expr = m.offer_cost_musd if spec.column == "cost_musd" else offer_sum(m, data.offers, lambda pair: data.offers[pair].value(spec.column))
        return ObjectiveTerm(spec.name, spec.sense, unit, expr)
    builtin = spec.builtin
    if builtin == "agency_cost_musd":
        return ObjectiveTerm(spec.name, spec.sense, unit, m.agency_cost_musd)
    if builtin == "milestone_slip_months":
        if spec.milestone is not None:
            return ObjectiveTerm(spec.name, spec.sense, unit, m.milestone_slip_months[spec.milestone])
        return ObjectiveTerm(spec.name, spec.sense, unit, _worst_milestone_slip(m, data))
    if builtin == "international_partners":
        partners = [p for p in data.providers if data.kind[p] == "international" and data.offers_of_provider[p]]
        return ObjectiveTerm(spec.name, spec.sense, unit, pyo.quicksum(m.provider_used[p] for p in partners))
    if builtin == "commercial_share":
        from optimizer.constraints import offer_spend_variable

        if m.component("commercial_spend_musd") is None:  # built only for this objective
            commercial = [pair for pair in data.offers if data.kind[pair[1]] == "commercial"]
            m.commercial_spend_musd = pyo.Expression(expr=offer_sum(m, commercial, lambda pair: data.offers[pair].cost_musd))
        return ObjectiveTerm(spec.name, spec.sense, unit, m.commercial_spend_musd, offer_spend_variable(m, data))
    raise ValueError(f"unknown builtin objective {builtin}")
