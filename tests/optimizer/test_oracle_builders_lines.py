"""Builders, scoped metric limits, budget lines and operations: optima equal brute force with the evaluator on random studies.

Every study uses every new column (builder, contract, budget_line, ops_musd_per_year, a yes/no provider column) and every new limit
(min_builders_per_category, max_builder_share, metric_limit with location, kind and attribute scopes, line_budget_musd,
line_annual_budget_musd), plus a barred rule on the yes/no attribute.
"""

from __future__ import annotations

import random

import pytest

from architecture.policy import BarRule, MetricLimit
from architecture.providers import Provider
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import run_study
from tests.optimizer.test_oracle import brute_force

OBJECTIVES = ("cost", "partnership", "agency_cost_musd", "commercial_share")
SEEDS = range(24)


def who_builds_study(seed: int, new_limits: bool = True):
    """A small synthetic study with builders, lines, operations and a yes/no provider column; `new_limits` adds the new limits."""
    rng = random.Random(1000 + seed)
    study = generate_study(SyntheticSize(elements=6, providers=5, years=6, offers_per_element=(1, 3)), seed=seed, limits=seed % 4 != 3,
                           tightness=0.5)
    providers = {p: Provider.model_validate({**prov.model_dump(), "iss_partner": rng.choice(["yes", "no"])}) for p, prov in study.providers.items()}
    pids = list(providers)
    offers = {}
    for key, offer in study.offers.items():
        update = {"budget_line": rng.choice(["a", "b", None])}
        if rng.random() < 0.4:
            update["builder"] = rng.choice(pids)
        if offer.last_year is not None and offer.last_year < study.info.last_year and rng.random() < 0.4:
            update["ops_musd_per_year"] = float(rng.randint(5, 40))
        offers[key] = offer.model_copy(update=update)
    for e in rng.sample(sorted(study.elements), k=2):  # one contract offered for two elements
        key = rng.choice([k for k in offers if k[0] == e])
        offers[key] = offers[key].model_copy(update={"contract": "shared"})
    study = study.with_changes(providers=providers, offers=offers)
    if not new_limits:
        return study
    limits = study.limits
    per_line = {"a": 0.0, "b": 0.0}
    for e in study.elements:
        mine = [o for (oe, _), o in study.offers.items() if oe == e]
        for line in per_line:
            on_line = [study.offer_cost_musd(o) for o in mine if o.budget_line == line]
            per_line[line] += sum(on_line) / len(mine)
    year = study.fiscal_years[rng.randrange(len(study.fiscal_years))]
    categories = sorted({el.category for el in study.elements.values()})
    members = {c: [e for e, el in study.elements.items() if el.category == c] for c in categories}
    redundant = [c for c in categories if len(members[c]) > 1] or categories
    location = rng.choice(["gateway", "surface"])
    scoped = (MetricLimit(metric="partner_value", max=round(rng.uniform(2, 12), 1), location=location, kind="international"),
              MetricLimit.model_validate({"metric": "science_value", "min": round(rng.uniform(1, 6), 1), "iss_partner": True}))
    barred = (*limits.barred, BarRule.model_validate({"iss_partner": False, "kind": "commercial", "category": rng.choice(categories)}))
    new = {
        "min_builders_per_category": {rng.choice(redundant): 2},
        "max_builder_share": round(rng.uniform(0.55, 0.9), 2),
        "line_budget_musd": {"a": round(per_line["a"] * rng.uniform(0.7, 1.2), 1)},
        "line_annual_budget_musd": {"b": {year: round(per_line["b"] / 3 * rng.uniform(0.5, 1.2), 1)}},
        "metric_limit": scoped,
        "barred": barred,
    }
    kept = [key for key in new if rng.random() < 0.6] or list(new)  # a few limits at once: together they often leave no architecture
    return study.with_changes(limits=limits.model_copy(update={key: new[key] for key in kept}))


@pytest.mark.parametrize("seed", SEEDS)
def test_optimum_equals_brute_force(seed):
    study = who_builds_study(seed)
    best = brute_force(study, OBJECTIVES)
    for name in OBJECTIVES:
        result = run_study(study, name)
        if best[name] is None:
            assert result.report.status == "infeasible", name
            continue
        assert result.report.status == "optimal", name
        assert result.report.objective == pytest.approx(best[name], rel=1e-6, abs=1e-6), name
        assert result.evaluation.feasible, result.evaluation.violations


def test_the_new_limits_and_columns_change_some_optima():
    """Not vacuous: the new limits change the brute-force optimum in several studies, and some stay feasible."""
    changed = feasible = 0
    for seed in SEEDS:
        with_limits = brute_force(who_builds_study(seed), ("cost",))
        without = brute_force(who_builds_study(seed, new_limits=False), ("cost",))
        changed += with_limits != without
        feasible += with_limits["cost"] is not None
    assert changed >= 4 and feasible >= 8, (changed, feasible)


@pytest.mark.parametrize("seed", range(0, 24, 3))
def test_fronts_with_operations_and_builders_equal_brute_force(seed):
    """Pareto fronts read cost with its operations (bounds and grid) and the builder-based commercial share."""
    from optimizer.pareto.front import pareto_front
    from tests.optimizer.test_pareto import brute_front, front_set

    study = who_builds_study(seed)
    for names in (("cost", "partnership"), ("agency_cost_musd", "commercial_share"), ("cost", "partnership", "agency_cost_musd")):
        front = pareto_front(study, names)
        assert front.complete and front_set(front, names) == brute_front(study, names), names
