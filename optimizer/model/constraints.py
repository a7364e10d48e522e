"""Constraint families: one function per section of docs/formulation.md, same name.

Each `define_<family>_constraints(m, data)` returns early, creating nothing, when the study does
not set its limit. The family's record (architecture/families.py) names the components it creates
and the limits it holds as mutable Params: those a sweep's re-solve may change.
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.core as pyo
from pyomo.core.expr import LinearExpression, MonomialTermExpression

from architecture.eligibility import offer_in_scope
from architecture.families import FAMILIES, ConstraintFamily
from architecture.policy import NONE
from optimizer.model import provider_constraints
from optimizer.model.confidence_constraints import define_milestone_confidence_limit_constraints, define_sample_milestone_miss_constraints
from optimizer.model.data import ModelData
from optimizer.model.variables import at_most, exactly, offer_sum, selected


def define_assign_required_once_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Every required element goes to exactly one provider.

    For e in REQUIRED_ELEMENTS: sum_p assign[e, p] == 1. See docs/formulation.md#assign_required_once.
    """
    required = [e for e in data.elements if e in data.required]
    if not required:
        return
    m.REQUIRED_ELEMENTS = pyo.Set(initialize=required, ordered=True)
    m.assign_required_once = pyo.Constraint(
        m.REQUIRED_ELEMENTS, rule=lambda m, e: exactly(pyo.quicksum(m.assign_by_offer[pair] for pair in data.offers_of_element[e]), 1)
    )


def define_assign_optional_at_most_once_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """An optional element goes to at most one provider, or is left out.

    For e in OPTIONAL_ELEMENTS with offers: sum_p assign[e, p] <= 1. See docs/formulation.md#assign_optional_at_most_once.
    """
    optional = [e for e in data.elements if e not in data.required and len(data.offers_of_element[e]) > 1]
    if not optional:
        return
    m.OPTIONAL_ELEMENTS = pyo.Set(initialize=optional, ordered=True)
    m.assign_optional_at_most_once = pyo.Constraint(
        m.OPTIONAL_ELEMENTS, rule=lambda m, e: pyo.quicksum(m.assign[pair] for pair in data.offers_of_element[e]) <= 1
    )


def define_requires_selected_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """An element is chosen only together with the elements it requires.

    For (e, r) in REQUIRES, unless r is required: sigma_e <= sigma_r. Between two elements without offers the
    row holds trivially and is left out; a required element requiring one without offers cannot be satisfied
    (an infeasible row: the study is infeasible). See docs/formulation.md#requires_selected.
    """
    pairs = [(e, r) for e, r in data.requires if r not in data.required]
    if not pairs:
        return
    m.REQUIRES = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.requires_selected = pyo.Constraint(m.REQUIRES, rule=lambda m, e, r: at_most(selected(m, data, e), selected(m, data, r)))


def define_contract_exclusive_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """One contract delivers one element: of the eligible offers naming the same contract, at most one is chosen.

    For k in CONTRACTS: sum_{(e,p) in O, contract[e,p] = k} assign[e,p] <= 1. Only contracts with two or more eligible offers.
    See docs/formulation.md#contract_exclusive.
    """
    by_contract: dict[str, list[tuple[str, str]]] = {}
    for pair, offer in data.offers.items():
        if offer.contract is not None:
            by_contract.setdefault(offer.contract, []).append(pair)
    shared = {k: pairs for k, pairs in by_contract.items() if len(pairs) > 1}
    if not shared:
        return
    m.CONTRACTS = pyo.Set(initialize=list(shared), ordered=True)
    m.contract_exclusive = pyo.Constraint(m.CONTRACTS, rule=lambda m, k: pyo.quicksum(m.assign_by_offer[pair] for pair in shared[k]) <= 1)


def define_budget_total_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """NASA spending over the horizon, offers plus onboarding, stays within the total budget.

    sum cost_musd[e,p] assign[e,p] + sum_p onboarding_cost_musd[p] provider_used[p] <= total_budget_musd.
    Skipped without total_budget_musd. See docs/formulation.md#budget_total.
    """
    if data.limits.total_budget_musd is None:
        return
    m.total_budget_musd = pyo.Param(mutable=True, initialize=data.limits.total_budget_musd)
    m.budget_total = pyo.Constraint(expr=m.agency_cost_musd <= m.total_budget_musd)


def define_budget_annual_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """NASA spending in each capped fiscal year stays within that year's budget.

    For fy with a cap: sum spend_musd[e,p,fy] assign[e,p] <= annual_budget_musd[fy].
    Skipped without annual_budget_musd. See docs/formulation.md#budget_annual.
    """
    caps = data.limits.annual_budget_musd
    years = [fy for fy in data.fiscal_years if fy in caps]
    if not years:
        return
    by_year: dict[int, dict[tuple[str, str], float]] = {fy: {} for fy in years}
    for pair, spend in data.spend_musd.items():
        for fy, amount in spend.items():
            if fy in by_year and amount != 0:
                by_year[fy][pair] = amount
    m.BUDGET_YEARS = pyo.Set(initialize=years, ordered=True)
    m.annual_budget_musd = pyo.Param(m.BUDGET_YEARS, mutable=True, initialize={fy: caps[fy] for fy in years})
    m.budget_annual = pyo.Constraint(
        m.BUDGET_YEARS, rule=lambda m, fy: offer_sum(m, by_year[fy], by_year[fy].__getitem__) <= m.annual_budget_musd[fy]
    )


def define_budget_line_total_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """NASA spending from each capped budget line stays within its total.

    For l with a cap: sum_{(e,p) on line l} c[e,p] assign[e,p] <= line_budget_musd[l].
    Skipped without line_budget_musd. See docs/formulation.md#budget_line_total.
    """
    caps = data.limits.line_budget_musd
    if not caps:
        return
    on_line = {line: [pair for pair, offer in data.offers.items() if offer.budget_line == line] for line in caps}
    m.BUDGET_LINES = pyo.Set(initialize=list(caps), ordered=True)
    m.line_budget_musd = pyo.Param(m.BUDGET_LINES, mutable=True, initialize=dict(caps))
    m.budget_line_total = pyo.Constraint(
        m.BUDGET_LINES, rule=lambda m, line: offer_sum(m, on_line[line], data.cost_musd.__getitem__) <= m.line_budget_musd[line]
    )


def define_budget_line_annual_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """NASA spending from a budget line in each capped fiscal year stays within that line's cap for the year.

    For (l, fy) with a cap: sum_{(e,p) on line l} spend_musd[e,p,fy] assign[e,p] <= line_annual_budget_musd[l,fy].
    Skipped without line_annual_budget_musd. See docs/formulation.md#budget_line_annual.
    """
    caps = {(line, fy): cap for line, years in data.limits.line_annual_budget_musd.items() for fy, cap in years.items()
            if fy in data.fiscal_years}
    if not caps:
        return
    spend = {key: {} for key in caps}
    for pair, offer in data.offers.items():
        for fy, amount in data.spend_musd[pair].items():
            if (offer.budget_line, fy) in spend and amount != 0:
                spend[offer.budget_line, fy][pair] = amount
    m.LINE_YEARS = pyo.Set(initialize=list(caps), dimen=2, ordered=True)
    m.line_annual_budget_musd = pyo.Param(m.LINE_YEARS, mutable=True, initialize=caps)
    m.budget_line_annual = pyo.Constraint(
        m.LINE_YEARS, rule=lambda m, line, fy: offer_sum(m, spend[line, fy], spend[line, fy].__getitem__) <= m.line_annual_budget_musd[line, fy]
    )


def define_critical_path_single_owner_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """At most critical_path_max_owners distinct owners hold critical-path elements (o[e,p]: NASA for agency-owned hardware, else the provider).

    assign[e,p] <= critical_path_owner[o[e,p]] for e in CRITICAL_ELEMENTS; sum_o critical_path_owner[o] <= W.
    Skipped without critical_path_max_owners. See docs/formulation.md#critical_path_single_owner.
    """
    if data.limits.critical_path_max_owners is None or not data.critical:
        return
    pairs = [pair for e in data.critical for pair in data.offers_of_element[e]]
    owners = sorted({data.owner[pair] for pair in pairs}, key=lambda p: (data.providers.index(p) if p in data.providers else len(data.providers), p))
    m.CRITICAL_ELEMENTS = pyo.Set(initialize=data.critical, ordered=True)
    m.CRITICAL_OFFERS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.critical_path_owner = pyo.Var(owners, domain=pyo.Binary)
    m.critical_path_max_owners = pyo.Param(mutable=True, initialize=data.limits.critical_path_max_owners)
    m.critical_path_owner_link = pyo.Constraint(m.CRITICAL_OFFERS, rule=lambda m, e, p: m.assign[e, p] <= m.critical_path_owner[data.owner[e, p]])
    m.critical_path_single_owner = pyo.Constraint(expr=pyo.quicksum(m.critical_path_owner[p] for p in owners) <= m.critical_path_max_owners)


def _own_slip(m: pyo.ConcreteModel, data: ModelData, e: str):  # noqa: ANN202
    return offer_sum(m, data.offers_of_element[e], lambda pair: data.offers[pair].slip_months)


def define_slip_propagation_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """An element cannot be ready before what it requires: their slip passes on to it.

    d[e] >= sum_p slip_months[e,p] assign[e,p]; for (e, r) in REQUIRES:
    d[e] >= d[r] - L_e (1 - sigma_e), plus the own slip when slips add (slip_propagation = "add").
    Skipped without slip variables. See docs/formulation.md#slip_propagation.
    """
    if not hasattr(m, "element_slip_months"):
        return
    d = m.element_slip_months
    m.slip_own = pyo.Constraint(m.ELEMENTS, rule=lambda m, e: d[e] >= _own_slip(m, data, e) if data.offers_of_element[e] else pyo.Constraint.Skip)
    pairs = [(e, r) for e, r in data.requires]
    if not pairs:
        return
    adds = data.study.info.slip_propagation == "add"

    def rule(m: pyo.ConcreteModel, e: str, r: str) -> object:
        relax = 0 if data.selected_is_fixed(e) else data.slip_bound_months[e] * (1 - selected(m, data, e))
        own = _own_slip(m, data, e) if adds else 0
        return d[e] >= own + d[r] - relax

    m.SLIP_LINKS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.slip_propagation = pyo.Constraint(m.SLIP_LINKS, rule=rule)


def define_milestone_slip_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """A milestone slips as much as its latest gating element in the architecture.

    For ms, e in G_ms: t[ms] >= d[e] - L_e (1 - sigma_e). Skipped without slip variables.
    See docs/formulation.md#milestone_slip.
    """
    if not hasattr(m, "element_slip_months") or not data.milestones:
        return
    links = [(ms, e) for ms in data.milestones for e in data.gating[ms]]
    m.MILESTONE_GATES = pyo.Set(initialize=links, dimen=2, ordered=True)

    def rule(m: pyo.ConcreteModel, ms: str, e: str) -> object:
        relax = 0 if data.selected_is_fixed(e) else data.slip_bound_months[e] * (1 - selected(m, data, e))
        return m.milestone_slip_months[ms] >= m.element_slip_months[e] - relax

    m.milestone_slip = pyo.Constraint(m.MILESTONE_GATES, rule=rule)


def define_milestone_slip_limit_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Each limited milestone slips at most max_milestone_slip_months[ms].

    t[ms] <= max_milestone_slip_months[ms]. Skipped without limits. See docs/formulation.md#milestone_slip_limit.
    """
    limits = {ms: v for ms, v in data.limits.max_milestone_slip_months.items() if ms in data.milestones}
    if not limits or not hasattr(m, "milestone_slip_months"):
        return
    m.LIMITED_MILESTONES = pyo.Set(initialize=list(limits), ordered=True)
    m.max_milestone_slip_months = pyo.Param(m.LIMITED_MILESTONES, mutable=True, initialize=limits)
    m.milestone_slip_limit = pyo.Constraint(
        m.LIMITED_MILESTONES, rule=lambda m, ms: m.milestone_slip_months[ms] <= m.max_milestone_slip_months[ms]
    )


def define_metric_limits_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Sums of offers metric columns stay within metric_max / above metric_min.

    sum v[k][e,p] assign[e,p] <= metric_max[k] (>= metric_min[k]). Skipped without those limits.
    See docs/formulation.md#metric_limits.
    """
    upper, lower = data.limits.metric_max, data.limits.metric_min
    if not upper and not lower:
        return

    def total(column: str) -> object:
        return offer_sum(m, data.offers, lambda pair: data.value(pair, column))

    if upper:
        m.METRICS_MAX = pyo.Set(initialize=list(upper), ordered=True)
        m.metric_max = pyo.Param(m.METRICS_MAX, mutable=True, initialize=dict(upper))
        m.metric_limits_max = pyo.Constraint(m.METRICS_MAX, rule=lambda m, k: total(k) <= m.metric_max[k])
    if lower:
        m.METRICS_MIN = pyo.Set(initialize=list(lower), ordered=True)
        m.metric_min = pyo.Param(m.METRICS_MIN, mutable=True, initialize=dict(lower))
        m.metric_limits_min = pyo.Constraint(m.METRICS_MIN, rule=lambda m, k: total(k) >= m.metric_min[k])


def define_scoped_metric_limits_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Sums of an offers column over the offers in a scope stay within [[limits.metric_limit]]'s min and max.

    For limit i with scope O_i (location, category, provider kind, yes/no provider attributes):
    min_i <= sum_{(e,p) in O_i} v[k_i][e,p] assign[e,p] <= max_i. Skipped without metric_limit.
    See docs/formulation.md#scoped_metric_limits.
    """
    limits = data.limits.metric_limit
    if not limits:
        return
    study = data.study
    scopes = [[pair for pair, offer in data.offers.items() if offer_in_scope(study, limit, offer)] for limit in limits]

    rows = [(i, end) for i, limit in enumerate(limits) for end in ("max", "min") if getattr(limit, end) is not None]

    def rule(m: pyo.ConcreteModel, i: int, end: str) -> object:
        limit = limits[i]
        if data.prices_move and limit.metric == "cost_musd":  # every offer in scope keeps its term: its price may move from 0
            total = LinearExpression([MonomialTermExpression((data.value(pair, limit.metric), m.assign_by_offer[pair])) for pair in scopes[i]])
        else:
            total = offer_sum(m, scopes[i], lambda pair: data.value(pair, limit.metric))
        if not total.args:  # nothing in scope: the sum is 0
            return at_most(0.0, limit.max) if end == "max" else at_most(limit.min, 0.0)
        return total <= limit.max if end == "max" else total >= limit.min

    m.METRIC_LIMITS = pyo.Set(initialize=rows, dimen=2, ordered=True)
    m.scoped_metric_limits = pyo.Constraint(m.METRIC_LIMITS, rule=rule)


def define_decisions_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Decisions taken as given: --fix e=p holds assign[e,p] = 1, --fix e=none holds sigma_e = 0, --forbid e=p holds assign[e,p] = 0.

    A fixed offer that is not eligible (or does not exist) is an infeasible row: the study is infeasible, and
    `trade explain` names why. Skipped without decisions. See docs/formulation.md#decisions.
    """
    fixed, forbidden = data.limits.fixed, data.limits.forbidden
    if not fixed and not forbidden:
        return
    if fixed:
        m.FIXED_ELEMENTS = pyo.Set(initialize=[e for e in fixed if e in data.offers_of_element], ordered=True)

        def fix(m: pyo.ConcreteModel, e: str) -> object:
            if fixed[e] == NONE:
                return exactly(pyo.quicksum(m.assign_by_offer[pair] for pair in data.offers_of_element[e]), 0)
            return m.assign_by_offer[e, fixed[e]] == 1 if (e, fixed[e]) in data.offers else pyo.Constraint.Infeasible

        m.decision_fixed = pyo.Constraint(m.FIXED_ELEMENTS, rule=fix)
    pairs = [(e, p) for e, providers in forbidden.items() for p in providers if (e, p) in data.offers]
    if pairs:
        m.FORBIDDEN_OFFERS = pyo.Set(initialize=pairs, dimen=2, ordered=True)
        m.decision_forbidden = pyo.Constraint(m.FORBIDDEN_OFFERS, rule=lambda m, e, p: m.assign_by_offer[e, p] == 0)


__all__ = ["CONSTRAINT_FAMILIES", "define_milestone_confidence_limit_constraints", "define_sample_milestone_miss_constraints"]


def _define(family: ConstraintFamily) -> Callable[[pyo.ConcreteModel, ModelData], None]:
    name = f"define_{family.name}_constraints"
    return globals().get(name) or getattr(provider_constraints, name)


#: (record, define function) for every family the model holds, in the order of docs/formulation.md. The records
#: (architecture/families.py) say what each family is; the function of the same name builds its rows.
CONSTRAINT_FAMILIES: tuple[tuple[ConstraintFamily, Callable[[pyo.ConcreteModel, ModelData], None]], ...] = tuple(
    (family, _define(family)) for family in FAMILIES if family.in_model
)
