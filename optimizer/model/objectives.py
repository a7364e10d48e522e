"""Named objectives: shared cost expressions and `objective_<kind>`, the model's expression of each objective record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyomo.core as pyo

from architecture.objectives import ObjectiveKind, objective_kind
from architecture.policy import ObjectiveSpec
from optimizer.model.data import ModelData
from optimizer.model.variables import offer_spend_variable, offer_sum


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


def loose_objective_bound(data: ModelData, spec: ObjectiveSpec) -> float:
    """A bound b that no architecture reaches in `objective_bound_row`: the row never binds at it (a ratio's is 1)."""
    kind = objective_kind(spec)
    return 1.0 if kind.is_ratio else kind.loose_bound(data, 1 if spec.sense == "min" else -1, spec)


def objective_bound_row(term: ObjectiveTerm, bound: Any) -> Any:
    """Sign * f <= bound in min-form (sign +1 for min, -1 for max); for a ratio N/D, sign * N - bound * D <= 0 (D >= 0)."""
    sign = 1 if term.sense == "min" else -1
    if term.is_ratio:
        return sign * term.numerator - bound * term.denominator <= 0
    return sign * term.numerator <= bound


def define_expressions(m: pyo.ConcreteModel, data: ModelData) -> None:
    """offer_cost_musd (offers with their operations) and agency_cost_musd (with onboarding) as Expressions."""
    cost = data.cost_musd
    m.offer_cost_musd = pyo.Expression(expr=offer_sum(m, cost, cost.__getitem__))
    onboarding = 0
    if hasattr(m, "provider_used"):
        fees = {p: data.study.providers[p].onboarding_cost_musd for p in m.TRACKED_PROVIDERS}
        onboarding = pyo.quicksum(f * m.provider_used[p] for p, f in fees.items() if f)
    m.agency_cost_musd = pyo.Expression(expr=m.offer_cost_musd + onboarding)


def tracked_providers(data: ModelData, kinds: Sequence[ObjectiveKind]) -> list[str]:
    """Providers that need provider_used[p]: an onboarding cost to charge, or a partner an objective counts."""
    counted = any(kind.counts_partners for kind in kinds)
    return [
        p for p in data.providers
        if data.offers_of_provider[p] and (data.study.providers[p].onboarding_cost_musd > 0 or (counted and data.kind[p] == "international"))
    ]


def objective_term(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """The expression of a named objective on a built model: `objective_<kind>` of its record."""
    build = globals()[f"objective_{objective_kind(spec).name}"]
    return build(m, data, spec)


def objective_column(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """Sum of an offers column over the chosen offers (the cost column reuses offer_cost_musd)."""
    column = spec.column or ""
    expr = m.offer_cost_musd if column == "cost_musd" else offer_sum(m, data.offers, lambda pair: data.value(pair, column))
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, expr)


def objective_agency_cost_musd(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """NASA spending: offers plus onboarding."""
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, m.agency_cost_musd)


def objective_milestone_slip_months(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """One milestone's slip, or the worst milestone's (a variable above each)."""
    if spec.milestone is not None:
        return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, m.milestone_slip_months[spec.milestone])
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, _worst_milestone_slip(m, data))


def objective_milestone_confidence(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """Share of the sample set in which the milestone (or every milestone with a slip limit, together) keeps its limit."""
    if not hasattr(m, "milestone_miss"):
        return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, 1.0)  # no milestone with a slip limit: always kept
    samples = list(m.SAMPLES)
    names = [spec.milestone] if spec.milestone is not None else list(m.SAMPLED_MILESTONES)  # all of them have a slip limit
    if len(names) == 1:
        miss = {s: m.milestone_miss[names[0], s] for s in samples}
    else:
        if m.component("any_milestone_miss") is None:
            m.any_milestone_miss = pyo.Var(m.SAMPLES, domain=pyo.Binary)
            m.ANY_MISS_LINKS = pyo.Set(initialize=[(ms, s) for ms in names for s in samples], dimen=2, ordered=True)
            m.any_milestone_miss_link = pyo.Constraint(m.ANY_MISS_LINKS, rule=lambda m, ms, s: m.any_milestone_miss[s] >= m.milestone_miss[ms, s])
        miss = {s: m.any_milestone_miss[s] for s in samples}
    share = 1.0 + pyo.quicksum(-1.0 / len(samples) * miss[s] for s in samples)
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, share)


def objective_international_partners(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """International partners engaged: the sum of their provider_used."""
    partners = [p for p in data.providers if data.kind[p] == "international" and data.offers_of_provider[p]]
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, pyo.quicksum(m.provider_used[p] for p in partners))


def objective_commercial_share(m: pyo.ConcreteModel, data: ModelData, spec: ObjectiveSpec) -> ObjectiveTerm:
    """Commercial spending (on the study's commercial_share_basis) over all offer spending: a ratio (Dinkelbach's parametric form)."""
    if m.component("commercial_spend_musd") is None:  # built only for this objective
        commercial = [pair for pair in data.offers if pair in data.commercial]
        m.commercial_spend_musd = pyo.Expression(expr=offer_sum(m, commercial, data.cost_musd.__getitem__))
    return ObjectiveTerm(spec.name, spec.sense, spec.display_unit, m.commercial_spend_musd, offer_spend_variable(m, data))


def _worst_milestone_slip(m: pyo.ConcreteModel, data: ModelData) -> Any:
    if not data.milestones:
        return 0
    if not hasattr(m, "worst_milestone_slip_months"):
        m.worst_milestone_slip_months = pyo.Var(domain=pyo.NonNegativeReals)
        m.worst_milestone_slip = pyo.Constraint(m.MILESTONES, rule=lambda m, ms: m.worst_milestone_slip_months >= m.milestone_slip_months[ms])
    return m.worst_milestone_slip_months
