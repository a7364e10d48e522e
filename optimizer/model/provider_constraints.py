"""Constraint families on who delivers: commercial and partner shares, redundancy, builder shares, capacity, onboarding links.

One function per section of docs/formulation.md, same name, as in optimizer/model/constraints.py (which lists them all in
CONSTRAINT_FAMILIES).
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.core as pyo

from optimizer.model.data import ModelData
from optimizer.model.variables import offer_spend_variable, offer_sum


def define_commercial_share_min_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Offers commercial companies build get at least a fraction of NASA offer spending.

    sum_{(e,p)} (1[b(e,p) commercial] - min_commercial_share) c[e,p] x[e,p] >= 0, b the builder. Skipped without the limit.
    The share is a constant, not a mutable Param: a mutable share would multiply every offer's
    coefficient and triple the hand-off to HiGHS; no persistent loop changes it (a sweep rebuilds).
    See docs/formulation.md#commercial_share_min.
    """
    share = data.limits.min_commercial_share
    if share is None:
        return
    weight = {pair: ((1.0 if pair in data.commercial else 0.0) - share) * cost for pair, cost in data.cost_musd.items()}
    m.commercial_share_min = pyo.Constraint(expr=offer_sum(m, data.offers, weight.__getitem__) >= 0)


def define_partner_share_max_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """No international partner holds more than a fraction of programme cost.

    programme_cost_musd = sum q[e,p] x[e,p] (q = cost + in-kind value); for p international:
    sum_{e} q[e,p] x[e,p] <= max_partner_share * programme_cost_musd. A partner whose offers cannot
    reach the share in any assignment gets no row (unless prices move after the build). Skipped without the limit; the share is a
    constant for the reason given in define_commercial_share_min_constraints.
    See docs/formulation.md#partner_share_max.
    """
    share = data.limits.max_partner_share
    partners = [p for p in data.providers if data.kind[p] == "international" and data.offers_of_provider[p]]
    if share is None or not partners:
        return
    q = {pair: data.cost_musd[pair] + offer.partner_cost_musd for pair, offer in data.offers.items()}
    m.PARTNERS = pyo.Set(initialize=partners if data.prices_move else _partners_that_can_exceed(data, q, partners, share), ordered=True)
    if not m.PARTNERS:
        return
    m.programme_cost_musd = pyo.Var(domain=pyo.NonNegativeReals)
    m.programme_cost_definition = pyo.Constraint(expr=offer_sum(m, data.offers, q.__getitem__) - m.programme_cost_musd == 0)
    m.partner_share_max = pyo.Constraint(
        m.PARTNERS, rule=lambda m, p: offer_sum(m, data.offers_of_provider[p], q.__getitem__) - share * m.programme_cost_musd <= 0
    )


def _partners_that_can_exceed(data: ModelData, q: dict, partners: list[str], share: float) -> list[str]:
    """The partners some assignment gives more than `share` of programme cost (_groups_that_can_exceed by provider)."""
    return _groups_that_can_exceed(data, q, partners, share, lambda pair: pair[1])


def _groups_that_can_exceed(data: ModelData, q: dict, groups: list[str], share: float, group_of: Callable[[tuple[str, str]], str]) -> list[str]:
    """The groups (partners, builders) some assignment gives more than `share` of the sum of q over the chosen offers.

    Each element adds at most its largest (1[offer in the group] - share) * q (0 if optional and left out);
    when even that sum is <= 0 the group's row could never bind, and leaving it out keeps the
    model small (HiGHS cannot always drop such a row itself once it is written sparsely).
    """
    def most(values: list[float], optional: bool) -> float:
        best = max(values, default=float("-inf"))
        return max(best, 0.0) if optional else best

    elsewhere, adjust = 0.0, dict.fromkeys(groups, 0.0)  # the sum if the group offered nothing, and its corrections
    for e, pairs in data.offers_of_element.items():
        optional = e not in data.required
        without = most([-share * min(q[pair] for pair in pairs)], optional) if pairs else 0.0
        elsewhere += without
        for group in {group_of(pair) for pair in pairs} & adjust.keys():
            mine = [q[pair] for pair in pairs if group_of(pair) == group]
            rest = [q[pair] for pair in pairs if group_of(pair) != group]
            adjust[group] += most([(1.0 - share) * max(mine), *([-share * min(rest)] if rest else [])], optional) - without
    return [g for g in groups if elsewhere + adjust[g] > 1e-9]


def define_category_redundancy_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """A redundant category's chosen elements go to at least N distinct providers.

    category_provider[c,p] <= sum_{e in c} assign[e,p]; sum_p category_provider[c,p] >= N_c.
    Skipped without min_providers_per_category. See docs/formulation.md#category_redundancy.
    """
    needs = data.limits.min_providers_per_category
    categories = [c for c in data.categories if c in needs]
    if not categories:
        return
    links = sorted({(c, p) for c in categories for e in data.categories[c] for _, p in data.offers_of_element[e]})
    m.REDUNDANT_CATEGORIES = pyo.Set(initialize=categories, ordered=True)
    m.CATEGORY_PROVIDERS = pyo.Set(initialize=links, dimen=2, ordered=True)
    m.category_provider = pyo.Var(m.CATEGORY_PROVIDERS, domain=pyo.Binary)
    m.min_providers_per_category = pyo.Param(m.REDUNDANT_CATEGORIES, mutable=True, initialize={c: needs[c] for c in categories})
    m.category_provider_link = pyo.Constraint(
        m.CATEGORY_PROVIDERS,
        rule=lambda m, c, p: m.category_provider[c, p] <= pyo.quicksum(m.assign[e, p] for e in data.categories[c] if (e, p) in data.offers),
    )
    m.category_redundancy = pyo.Constraint(
        m.REDUNDANT_CATEGORIES,
        rule=lambda m, c: pyo.quicksum(m.category_provider[cc, p] for cc, p in links if cc == c) >= m.min_providers_per_category[c],
    )


def define_builder_redundancy_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """A category's chosen elements are built by at least N distinct companies.

    category_builder[c,b] <= sum_{e in c, b(e,p) = b} assign[e,p]; sum_b category_builder[c,b] >= N_c.
    Skipped without min_builders_per_category. See docs/formulation.md#builder_redundancy.
    """
    needs = data.limits.min_builders_per_category
    categories = [c for c in data.categories if c in needs]
    if not categories:
        return
    built: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for c in categories:
        for e in data.categories[c]:
            for pair in data.offers_of_element[e]:
                built.setdefault((c, data.builder[pair]), []).append(pair)
    m.BUILDER_CATEGORIES = pyo.Set(initialize=categories, ordered=True)
    m.CATEGORY_BUILDERS = pyo.Set(initialize=sorted(built), dimen=2, ordered=True)
    m.category_builder = pyo.Var(m.CATEGORY_BUILDERS, domain=pyo.Binary)
    m.min_builders_per_category = pyo.Param(m.BUILDER_CATEGORIES, mutable=True, initialize={c: needs[c] for c in categories})
    m.category_builder_link = pyo.Constraint(
        m.CATEGORY_BUILDERS, rule=lambda m, c, b: m.category_builder[c, b] <= pyo.quicksum(m.assign_by_offer[pair] for pair in built[c, b])
    )
    m.builder_redundancy = pyo.Constraint(
        m.BUILDER_CATEGORIES,
        rule=lambda m, c: pyo.quicksum(m.category_builder[cc, b] for cc, b in built if cc == c) >= m.min_builders_per_category[c],
    )


def define_builder_share_max_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """No company builds more than a fraction of NASA offer spending, whoever procures its offers.

    With A = offer_spend_musd = sum c[e,p] assign[e,p] as one variable: for each builder b in BUILDERS,
    sum_{(e,p): b(e,p) = b} c[e,p] assign[e,p] <= max_builder_share * A. BUILDERS holds the builders some assignment
    could give more than the share (every builder when prices move after the build), as for partner_share_max.
    Skipped without the limit; the share is a constant. See docs/formulation.md#builder_share_max.
    """
    share = data.limits.max_builder_share
    if share is None:
        return
    cost = data.cost_musd
    builders = sorted({b for pair, b in data.builder.items() if cost[pair] > 0 or data.prices_move}, key=data.providers.index)
    if not data.prices_move:
        builders = _groups_that_can_exceed(data, cost, builders, share, data.builder.__getitem__)
    if not builders:
        return
    m.BUILDERS = pyo.Set(initialize=builders, ordered=True)
    built = {b: [pair for pair in data.offers if data.builder[pair] == b] for b in builders}
    spend = offer_spend_variable(m, data)
    m.builder_share_max = pyo.Constraint(m.BUILDERS, rule=lambda m, b: offer_sum(m, built[b], cost.__getitem__) - share * spend <= 0)


def define_provider_capacity_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """A provider delivers at most its capacity of elements.

    For p with a capacity: sum_e assign[e,p] <= capacity[p]. Skipped when no provider has one.
    See docs/formulation.md#provider_capacity.
    """
    capacity = {p: data.study.providers[p].capacity for p in data.providers}
    limited = [p for p in data.providers if capacity[p] is not None and len(data.offers_of_provider[p]) > capacity[p]]
    if not limited:
        return
    m.CAPACITY_PROVIDERS = pyo.Set(initialize=limited, ordered=True)
    m.provider_capacity = pyo.Constraint(
        m.CAPACITY_PROVIDERS, rule=lambda m, p: pyo.quicksum(m.assign[pair] for pair in data.offers_of_provider[p]) <= capacity[p]
    )


def define_provider_used_link_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """provider_used[p] is 1 exactly when p delivers something, for each tracked provider.

    assign[e,p] <= provider_used[p]; provider_used[p] <= sum_e assign[e,p]. Skipped without provider_used.
    See docs/formulation.md#provider_used_link.
    """
    if not hasattr(m, "provider_used"):
        return
    m.TRACKED_OFFERS = pyo.Set(initialize=[pair for p in m.TRACKED_PROVIDERS for pair in data.offers_of_provider[p]], dimen=2, ordered=True)
    m.provider_used_upper = pyo.Constraint(m.TRACKED_OFFERS, rule=lambda m, e, p: m.assign[e, p] <= m.provider_used[p])
    m.provider_used_link = pyo.Constraint(
        m.TRACKED_PROVIDERS, rule=lambda m, p: m.provider_used[p] <= pyo.quicksum(m.assign[pair] for pair in data.offers_of_provider[p])
    )
