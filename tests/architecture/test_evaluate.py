"""Tests of the independent evaluator against hand-computed numbers."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from architecture import load_study
from architecture.architecture import Architecture
from architecture.elements import Element
from architecture.errors import StudyError
from architecture.evaluate import (
    FAMILIES,
    Evaluation,
    LimitCheck,
    evaluate,
    feasible_objectives,
    make_evaluator,
    objective_value,
)
from architecture.offers import Offer
from architecture.policy import Limits, ObjectiveSpec, StudyInfo
from architecture.providers import Provider
from architecture.study import Study

TINY = Path(__file__).resolve().parents[1] / "studies" / "tiny"


# -- study builders ---------------------------------------------------------------------------


def element(
    eid: str,
    category: str = "habitation",
    *,
    required: bool = True,
    critical: bool = False,
    requires: tuple[str, ...] = (),
    milestones: tuple[str, ...] = (),
    location: str = "gateway",
    **extra: Any,
) -> Element:
    """An element with quiet defaults."""
    return Element(
        id=eid,
        name=eid.title(),
        category=category,
        location=location,
        required=required,
        critical_path=critical,
        requires=requires,
        milestones=milestones,
        **extra,
    )


def provider(pid: str, kind: str = "nasa", **extra: Any) -> Provider:
    """A provider with quiet defaults."""
    return Provider(id=pid, name=pid.upper(), kind=kind, **extra)


def offer(e: str, p: str, cost: float, slip: float = 0.0, years: tuple[int, int] | None = None, **metrics: float) -> Offer:
    """An offer; `years` = (first_year, last_year) of its even spread, metrics as keywords."""
    first, last = years if years is not None else (None, None)
    return Offer(element=e, provider=p, cost_musd=cost, slip_months=slip, first_year=first, last_year=last, metrics=metrics)


def build_study(
    elements: list[Element],
    providers: list[Provider],
    offers: list[Offer],
    limits: dict[str, Any] | None = None,
    objectives: dict[str, dict[str, Any]] | None = None,
    years: tuple[int, int] = (2025, 2028),
    slip_propagation: str = "add",
) -> Study:
    """A Study in memory; every metric key of the offers becomes a metric column (missing = 0)."""
    columns = tuple(dict.fromkeys(col for o in offers for col in o.metrics))
    offers = [o.model_copy(update={"metrics": {col: o.metrics.get(col, 0.0) for col in columns}}) for o in offers]
    return Study(
        info=StudyInfo(name="test", first_year=years[0], last_year=years[1], slip_propagation=slip_propagation),
        elements={el.id: el for el in elements},
        providers={pr.id: pr for pr in providers},
        offers={o.key: o for o in offers},
        limits=Limits(**(limits or {})),
        objectives={name: ObjectiveSpec(name=name, **spec) for name, spec in (objectives or {}).items()},
        metric_columns=columns,
    )


def base_study(objectives: dict[str, dict[str, Any]] | None = None, **limits: Any) -> Study:
    """Five elements, five providers; numbers chosen to be added up by hand."""
    elements = [
        element("ppe", "propulsion", critical=True),
        element("halo", critical=True, requires=("ppe",)),
        element("lander", "lander", location="surface", milestones=("first_landing",)),
        element("cargo_a", "logistics", required=False, requires=("halo",)),
        element("cargo_b", "logistics", required=False, requires=("halo",)),
    ]
    providers = [
        provider("nasa"),
        provider("esa", "international", country="EU"),
        provider("jaxa", "international", country="JP", onboarding_cost_musd=10),
        provider("spacex", "commercial", country="US"),
        provider("firefly", "commercial", country="US", onboarding_cost_musd=20, capacity=1),
    ]
    offers = [
        offer("ppe", "nasa", 800, 6, (2025, 2028)),
        offer("ppe", "spacex", 400, 12, (2025, 2026)),
        offer("halo", "nasa", 1000, 4),
        offer("halo", "esa", 200, 10, (2026, 2027), partner_cost_musd=600),
        offer("lander", "spacex", 1200, 18, (2026, 2028), crew_seats=4),
        offer("lander", "nasa", 2000, 8, crew_seats=4),
        offer("cargo_a", "spacex", 100, 2, (2028, 2028)),
        offer("cargo_a", "firefly", 60, 3, (2028, 2028)),
        offer("cargo_b", "firefly", 80, 1, (2028, 2028)),
        offer("cargo_b", "jaxa", 40, 5, (2028, 2028), partner_cost_musd=120),
    ]
    return build_study(elements, providers, offers, limits, objectives)


# ppe nasa 800, halo esa 200 (+600 in kind), lander spacex 1200, cargo_a spacex 100, cargo_b jaxa 40 (+120).
REFERENCE = Architecture({"ppe": "nasa", "halo": "esa", "lander": "spacex", "cargo_a": "spacex", "cargo_b": "jaxa"})


def arch(**assignment: str) -> Architecture:
    return Architecture(dict(assignment))


def row(ev: Evaluation, limit: str) -> LimitCheck:
    """The limit row called `limit`."""
    matches = [check for check in ev.limits if check.limit == limit]
    assert len(matches) == 1, [check.limit for check in ev.limits]
    return matches[0]


def family_rows(ev: Evaluation, family: str) -> list[LimitCheck]:
    return [check for check in ev.limits if check.family == family]


def metric(ev: Evaluation, name: str) -> float:
    frame = ev.metrics()
    values = frame.loc[frame["metric"] == name, "value"]
    assert len(values) == 1, name
    return float(values.iloc[0])


# -- sums and objectives ----------------------------------------------------------------------


def test_reference_architecture_sums_and_objectives() -> None:
    study = base_study(objectives={"cost": {"sense": "min", "column": "cost_musd"}, "seats": {"sense": "max", "column": "crew_seats"}})
    ev = evaluate(study, REFERENCE)
    assert ev.feasible and ev.violations == ()
    assert list(ev.objectives) == [
        "cost",
        "seats",
        "agency_cost_musd",
        "milestone_slip_months",
        "milestone_confidence",
        "international_partners",
        "commercial_share",
    ]
    assert ev.objectives["cost"] == pytest.approx(2340)
    assert ev.objectives["seats"] == pytest.approx(4)
    assert ev.objectives["agency_cost_musd"] == pytest.approx(2350)  # + jaxa onboarding 10
    assert ev.objectives["milestone_slip_months"] == pytest.approx(18)  # first_landing (lander 18) > critical_path 16
    assert ev.objectives["international_partners"] == 2  # esa, jaxa
    assert ev.objectives["commercial_share"] == pytest.approx(1300 / 2340)
    assert metric(ev, "total_cost_musd") == pytest.approx(2340)
    assert metric(ev, "programme_cost_musd") == pytest.approx(3060)
    assert metric(ev, "partner_cost_musd") == pytest.approx(720)
    assert metric(ev, "onboarding_cost_musd") == pytest.approx(10)
    assert metric(ev, "crew_seats") == pytest.approx(4)
    assert metric(ev, "elements_chosen") == 5
    assert metric(ev, "providers_engaged") == 4
    assert metric(ev, "milestone_slip_months:first_landing") == pytest.approx(18)
    assert metric(ev, "milestone_slip_months:critical_path") == pytest.approx(16)


def test_metrics_frame_has_each_name_once_with_units() -> None:
    ev = evaluate(base_study(objectives={"cost": {"sense": "min", "column": "cost_musd"}}), REFERENCE)
    frame = ev.metrics()
    assert list(frame.columns) == ["metric", "value", "unit"]
    assert frame["metric"].is_unique
    units = dict(zip(frame["metric"], frame["unit"], strict=True))
    assert units["cost"] == "US$M"
    assert units["commercial_share"] == "fraction"
    assert units["milestone_slip_months:first_landing"] == "months"
    assert units["crew_seats"] == "crew_seats"
    assert units["international_partners"] == "count"


def test_objective_value_matches_evaluate_and_rejects_unknown_names() -> None:
    study = base_study(objectives={"landing": {"sense": "min", "builtin": "milestone_slip_months", "milestone": "first_landing"}})
    other = arch(ppe="spacex", halo="nasa", lander="nasa", cargo_a="firefly")
    ev = evaluate(study, other)
    for name, value in ev.objectives.items():
        assert objective_value(study, other, name) == value
    assert objective_value(study, other, "landing") == pytest.approx(8)
    with pytest.raises(StudyError, match="unknown objective 'nope'"):
        objective_value(study, other, "nope")


def test_onboarding_is_charged_once_per_provider_and_only_to_the_total_budget() -> None:
    study = base_study(total_budget_musd=2000, annual_budget_musd={2028: 340})
    both_firefly = arch(ppe="spacex", halo="nasa", lander="spacex", cargo_a="firefly", cargo_b="firefly")
    ev = evaluate(study, both_firefly)
    # 400 + 1000 + 1200 + 60 + 80 = 2740; firefly's onboarding 20 once, not twice.
    assert ev.objectives["agency_cost_musd"] == pytest.approx(2760)
    assert metric(ev, "onboarding_cost_musd") == pytest.approx(20)
    assert row(ev, "total_budget_musd").value == pytest.approx(2760)
    # 2028: halo 250 + lander 400 + cargo 60 + 80 = 790; onboarding has no year.
    assert row(ev, "annual_budget_musd[2028]").value == pytest.approx(790)
    assert ev.budget_by_year()["agency_spend_musd"].sum() == pytest.approx(2740)


def test_commercial_share_is_zero_without_spending() -> None:
    study = build_study(
        [element("a", "power")],
        [provider("spacex", "commercial"), provider("esa", "international")],
        [offer("a", "esa", 0, partner_cost_musd=50), offer("a", "spacex", 10)],
        limits={"min_commercial_share": 0.5},
    )
    ev = evaluate(study, arch(a="esa"))
    assert ev.objectives["commercial_share"] == 0.0
    check = row(ev, "min_commercial_share")
    assert (check.value, check.bound, check.slack) == (0.0, 0.0, 0.0)
    assert ev.feasible and check.binding
    assert evaluate(study, arch(a="spacex")).objectives["commercial_share"] == 1.0


# -- assignment rules -------------------------------------------------------------------------


def test_required_element_missing_is_a_violation() -> None:
    ev = evaluate(base_study(), arch(ppe="nasa", halo="nasa"))
    check = row(ev, "required[lander]")
    assert (check.family, check.value, check.bound, check.sense, check.unit, check.slack) == (
        "assign_required_once",
        0.0,
        1.0,
        "==",
        "elements",
        -1.0,
    )
    assert ev.violations == ("required element lander has no provider",)
    assert row(ev, "required[ppe]").binding


def test_optional_elements_left_out_are_fine() -> None:
    ev = evaluate(base_study(), arch(ppe="nasa", halo="nasa", lander="nasa"))
    assert ev.feasible
    assert set(ev.element_slip_months) == {"ppe", "halo", "lander"}
    assert ev.objectives["agency_cost_musd"] == pytest.approx(3800)
    assert len(ev.assignment_frame()) == 3


def test_requires_selected() -> None:
    study = build_study(
        [
            element("ppe", "power"),
            element("halo", requires=("ppe",)),
            element("dock", "docking", required=False),
            element("cargo", "logistics", required=False, requires=("dock", "halo")),
        ],
        [provider("nasa")],
        [offer(e, "nasa", 10) for e in ("ppe", "halo", "dock", "cargo")],
    )
    # Both required: the (halo, ppe) row is skipped (assign_required_once covers it).
    ev = evaluate(study, arch(ppe="nasa", halo="nasa", cargo="nasa"))
    assert [c.limit for c in family_rows(ev, "requires_selected")] == ["requires[cargo,dock]", "requires[cargo,halo]"]
    check = row(ev, "requires[cargo,dock]")
    assert (check.value, check.bound, check.sense, check.slack) == (1.0, 0.0, "<=", -1.0)
    assert ev.violations == ("element cargo requires dock, which is not in the architecture",)
    assert evaluate(study, arch(ppe="nasa", halo="nasa", cargo="nasa", dock="nasa")).feasible
    assert evaluate(study, arch(ppe="nasa", halo="nasa", dock="nasa")).feasible


# -- eligibility ------------------------------------------------------------------------------


def test_excluded_offer_is_a_violation_and_is_ignored_in_sums() -> None:
    ev = evaluate(base_study(excluded_providers=["esa"]), REFERENCE)
    assert ev.violations == (
        "offer (halo, esa) is not eligible: provider esa is in excluded_providers",
        "required element halo has no provider",
        "element cargo_a requires halo, which is not in the architecture",
        "element cargo_b requires halo, which is not in the architecture",
    )
    check = ev.limits[0]
    assert (check.family, check.limit, check.value, check.bound, check.sense) == ("eligibility", "offer[halo,esa]", 1.0, 0.0, "<=")
    assert not ev.feasible
    assert ev.objectives["agency_cost_musd"] == pytest.approx(2350 - 200)
    assert ev.objectives["international_partners"] == 1  # jaxa only
    assert "halo" not in ev.element_slip_months
    assert ev.element_slip_months["cargo_a"] == pytest.approx(2)  # halo is not in the architecture
    assert list(ev.assignment_frame()["element"]) == ["cargo_a", "cargo_b", "lander", "ppe"]


def test_critical_path_owners_and_barred_rules_exclude_offers() -> None:
    ev = evaluate(base_study(critical_path_owners=["nasa", "commercial"]), REFERENCE)
    assert ev.violations[0] == (
        "offer (halo, esa) is not eligible: critical-path element; its owner esa (international, partner_contribution) may not own "
        "the critical path (critical_path_owners: nasa, commercial)"
    )
    assert not any(c.family == "critical_path_single_owner" for c in ev.limits)  # an eligibility rule, not a row
    barred = base_study(barred=[{"kind": "international", "category": "logistics", "reason": "test"}])
    ev = evaluate(barred, REFERENCE)
    assert ev.violations == ("offer (cargo_b, jaxa) is not eligible: barred: international barred from logistics (test)",)


def test_unknown_element_and_missing_offer_are_violations() -> None:
    bad = arch(ppe="nasa", halo="nasa", lander="esa", rover="nasa", cargo_a="blue")
    ev = evaluate(base_study(), bad)
    assert ev.violations == (
        "offer (lander, esa) does not exist: esa made no offer for lander",
        "element rover is not in the study (assigned to nasa)",
        "offer (cargo_a, blue) does not exist: blue is not a provider of the study",
        "required element lander has no provider",
    )
    assert [c.limit for c in family_rows(ev, "eligibility")] == ["offer[lander,esa]", "element[rover]", "offer[cargo_a,blue]"]
    assert metric(ev, "elements_chosen") == 2


# -- budgets ----------------------------------------------------------------------------------


def test_budget_total() -> None:
    holds = evaluate(base_study(total_budget_musd=2400), REFERENCE)
    check = row(holds, "total_budget_musd")
    assert (check.family, check.value, check.bound, check.sense, check.unit) == ("budget_total", 2350, 2400, "<=", "US$M")
    assert check.slack == pytest.approx(50) and holds.feasible
    # 2345 would cover the offers (2340) but not jaxa's onboarding.
    violated = evaluate(base_study(total_budget_musd=2345), REFERENCE)
    assert violated.violations == ("total budget exceeded by 5.0 US$M",)
    assert row(violated, "total_budget_musd").slack == pytest.approx(-5)


def test_budget_annual_rows_only_for_capped_years() -> None:
    ev = evaluate(base_study(annual_budget_musd={2028: 800, 2026: 650}), REFERENCE)
    rows = family_rows(ev, "budget_annual")
    assert [c.limit for c in rows] == ["annual_budget_musd[2026]", "annual_budget_musd[2028]"]
    # 2026: ppe 200 + halo 100 + lander 400; 2028: ppe 200 + lander 400 + cargo_a 100 + cargo_b 40.
    assert rows[0].value == pytest.approx(700) and rows[0].violated
    assert rows[1].value == pytest.approx(740) and rows[1].slack == pytest.approx(60)
    assert ev.violations == ("annual budget 2026 exceeded by 50.0 US$M",)
    frame = ev.budget_by_year()
    assert list(frame.columns) == ["fiscal_year", "agency_spend_musd", "annual_budget_musd", "headroom_musd"]
    assert list(frame["fiscal_year"]) == [2025, 2026, 2027, 2028]
    assert list(frame["agency_spend_musd"]) == pytest.approx([200, 700, 700, 740])
    assert math.isnan(frame["annual_budget_musd"][0]) and math.isnan(frame["headroom_musd"][2])
    assert list(frame["headroom_musd"][[1, 3]]) == pytest.approx([-50, 60])


def test_budget_by_year_uses_cost_profiles_of_a_loaded_study() -> None:
    study = load_study(TINY)
    ev = evaluate(study, arch(ppe="nasa", halo="nasa", lander="spacex", cargo_1="spacex"))
    assert ev.feasible
    # ppe's costs.csv profile 300/300/200/100; halo 250/yr 2025-28; lander 600/yr 2025-29; cargo_1 100/yr 2028-29.
    assert list(ev.budget_by_year()["agency_spend_musd"]) == pytest.approx([1150, 1150, 1050, 1050, 700, 0])


# -- ownership, slip, shares, redundancy, capacity, metrics ------------------------------------


def test_critical_path_single_owner() -> None:
    ev = evaluate(base_study(critical_path_max_owners=1), REFERENCE)
    check = row(ev, "critical_path_max_owners")
    assert (check.family, check.value, check.bound, check.unit) == ("critical_path_single_owner", 2, 1, "providers")
    assert ev.violations == ("critical path has 2 owners (esa, nasa), more than critical_path_max_owners = 1",)
    assert evaluate(base_study(critical_path_max_owners=2), REFERENCE).feasible
    assert evaluate(base_study(critical_path_max_owners=1), Architecture({**REFERENCE.assignment, "halo": "nasa"})).feasible


def slip_study(**limits: Any) -> Study:
    """Chain a <- b <- c, and d needing a and c; c and d gate `landing`, a is critical."""
    elements = [
        element("a", "power", critical=True),
        element("b", "propulsion", requires=("a",)),
        element("c", "lander", requires=("b",), milestones=("landing",)),
        element("d", "rover", required=False, requires=("a", "c"), milestones=("landing", "science")),
    ]
    offers = [
        offer("a", "nasa", 1, 5),
        offer("b", "nasa", 1, 3),
        offer("c", "nasa", 1, 2),
        offer("d", "nasa", 1, 1),
        offer("d", "esa", 1, 0),
    ]
    objectives = {
        "landing_slip": {"sense": "min", "builtin": "milestone_slip_months", "milestone": "landing"},
        "science_slip": {"sense": "min", "builtin": "milestone_slip_months", "milestone": "science"},
    }
    return build_study(elements, [provider("nasa"), provider("esa", "international")], offers, limits, objectives)


def test_slip_propagates_in_full_along_requires() -> None:
    study = slip_study()
    ev = evaluate(study, arch(a="nasa", b="nasa", c="nasa", d="nasa"))
    assert ev.element_slip_months == {"a": 5, "b": 8, "c": 10, "d": 11}
    assert list(ev.milestone_slip_months) == ["landing", "science", "critical_path"]
    assert ev.milestone_slip_months == {"landing": 11, "science": 11, "critical_path": 5}
    assert ev.objectives["milestone_slip_months"] == 11
    assert ev.objectives["landing_slip"] == 11
    frame = ev.assignment_frame()
    assert list(frame["slip_months"]) == [5, 3, 2, 1]
    assert list(frame["element_slip_months"]) == [5, 8, 10, 11]


def test_slip_takes_the_later_of_own_and_upstream_by_default() -> None:
    study = slip_study()
    study = study.with_changes(info=study.info.model_copy(update={"slip_propagation": "max"}))
    ev = evaluate(study, arch(a="nasa", b="nasa", c="nasa", d="nasa"))
    assert ev.element_slip_months == {"a": 5, "b": 5, "c": 5, "d": 5}


def test_milestone_without_chosen_gating_element_does_not_slip() -> None:
    ev = evaluate(slip_study(), arch(a="nasa", b="nasa", c="nasa"))
    assert "d" not in ev.element_slip_months
    assert ev.milestone_slip_months == {"landing": 10, "science": 0, "critical_path": 5}
    assert ev.objectives["science_slip"] == 0
    assert ev.objectives["milestone_slip_months"] == 10


def test_milestone_slip_limit() -> None:
    ev = evaluate(slip_study(max_milestone_slip_months={"landing": 10, "critical_path": 4}), arch(a="nasa", b="nasa", c="nasa"))
    landing = row(ev, "max_milestone_slip_months[landing]")
    assert (landing.family, landing.value, landing.bound, landing.unit) == ("milestone_slip_limit", 10, 10, "months")
    assert landing.binding and not landing.violated
    assert ev.violations == ("milestone critical_path slips 5.0 months, 1.0 over the limit of 4.0",)
    ev = evaluate(base_study(max_milestone_slip_months={"first_landing": 12}), REFERENCE)
    assert ev.violations == ("milestone first_landing slips 18.0 months, 6.0 over the limit of 12.0",)


def test_milestone_objective_is_zero_without_milestones() -> None:
    study = build_study([element("a", "power")], [provider("nasa")], [offer("a", "nasa", 1, 7)])
    ev = evaluate(study, arch(a="nasa"))
    assert ev.milestone_slip_months == {}
    assert ev.objectives["milestone_slip_months"] == 0
    assert ev.element_slip_months == {"a": 7}


def test_commercial_share_min_in_linear_form() -> None:
    ev = evaluate(base_study(min_commercial_share=0.6), REFERENCE)
    check = row(ev, "min_commercial_share")
    # commercial spending 1300 >= 0.6 * 2340 = 1404
    assert (check.family, check.sense, check.unit) == ("commercial_share_min", ">=", "US$M")
    assert (check.value, check.bound, check.slack) == pytest.approx((1300, 1404, -104))
    assert ev.violations == ("commercial share 55.6% of NASA offer spending (commercial services) is below the minimum 60.0% (short by 104.0 US$M)",)
    holds = row(evaluate(base_study(min_commercial_share=0.5), REFERENCE), "min_commercial_share")
    assert holds.slack == pytest.approx(130) and not holds.violated


def test_partner_share_max_has_a_row_per_international_provider() -> None:
    ev = evaluate(base_study(max_partner_share=0.25), REFERENCE)
    rows = family_rows(ev, "partner_share_max")
    assert [c.limit for c in rows] == ["max_partner_share[esa]", "max_partner_share[jaxa]"]
    # programme cost 3060; esa 200 + 600 in kind = 800 > 765; jaxa 40 + 120 = 160.
    assert (rows[0].value, rows[0].bound, rows[0].slack) == pytest.approx((800, 765, -35))
    assert (rows[1].value, rows[1].slack) == pytest.approx((160, 605))
    assert ev.violations == ("international partner esa holds 26.1% of programme cost, above the maximum 25.0% (over by 35.0 US$M)",)
    assert evaluate(base_study(max_partner_share=0.3), REFERENCE).feasible
    no_partner = evaluate(base_study(max_partner_share=0.0), arch(ppe="nasa", halo="nasa", lander="nasa"))
    assert no_partner.feasible and all(c.value == 0 for c in family_rows(no_partner, "partner_share_max"))


def test_category_redundancy_counts_distinct_providers() -> None:
    study = base_study(min_providers_per_category={"logistics": 2})
    check = row(evaluate(study, REFERENCE), "min_providers_per_category[logistics]")
    assert (check.family, check.value, check.bound, check.sense, check.unit) == ("category_redundancy", 2, 2, ">=", "providers")
    assert check.binding
    one = evaluate(study, arch(ppe="nasa", halo="nasa", lander="nasa", cargo_a="spacex"))
    assert one.violations == ("category logistics has 1 distinct provider(s), needs at least 2",)
    none = evaluate(study, arch(ppe="nasa", halo="nasa", lander="nasa"))
    assert row(none, "min_providers_per_category[logistics]").value == 0 and not none.feasible


def test_provider_capacity() -> None:
    study = base_study()
    ev = evaluate(study, arch(ppe="nasa", halo="nasa", lander="nasa", cargo_a="firefly", cargo_b="firefly"))
    assert [c.limit for c in family_rows(ev, "provider_capacity")] == ["capacity[firefly]"]
    check = row(ev, "capacity[firefly]")
    assert (check.value, check.bound, check.unit, check.slack) == (2, 1, "elements", -1)
    assert ev.violations == ("provider firefly delivers 2 elements, above its capacity of 1",)
    assert row(evaluate(study, REFERENCE), "capacity[firefly]").value == 0


def test_metric_limits() -> None:
    ev = evaluate(base_study(metric_max={"crew_seats": 3}, metric_min={"crew_seats": 5, "partner_cost_musd": 700}), REFERENCE)
    rows = family_rows(ev, "metric_limits")
    assert [(c.limit, c.value, c.bound, c.sense, c.unit) for c in rows] == [
        ("metric_max[crew_seats]", 4, 3, "<=", "crew_seats"),
        ("metric_min[crew_seats]", 4, 5, ">=", "crew_seats"),
        ("metric_min[partner_cost_musd]", 720, 700, ">=", "US$M"),
    ]
    assert ev.violations == ("crew_seats totals 4.0, above metric_max 3.0", "crew_seats totals 4.0, below metric_min 5.0")
    assert evaluate(base_study(metric_max={"crew_seats": 4}), REFERENCE).feasible


# -- rows, frames, fast path ------------------------------------------------------------------

ALL_LIMITS: dict[str, Any] = {
    "total_budget_musd": 3000,
    "annual_budget_musd": {2026: 900, 2028: 900},
    "critical_path_max_owners": 1,
    "max_milestone_slip_months": {"first_landing": 18, "critical_path": 16},
    "milestone_confidence": {"first_landing": 0.5},
    "min_commercial_share": 0.3,
    "max_partner_share": 0.3,
    "min_providers_per_category": {"logistics": 1},
    "metric_max": {"crew_seats": 4},
    "metric_min": {"crew_seats": 4},
    "metric_limit": [{"metric": "crew_seats", "max": 4, "location": "gateway"}],
    "min_builders_per_category": {"logistics": 1},
    "max_builder_share": 0.9,
    "line_budget_musd": {"gateway": 5000},
    "line_annual_budget_musd": {"gateway": {2026: 2000}},
    "critical_path_owners": ["nasa", "international"],
    "fixed": {"ppe": "nasa"},
    "forbidden": {"halo": ["nasa"]},
}


def test_limit_rows_follow_the_formulation_order() -> None:
    study = base_study(**ALL_LIMITS)
    contracted = {k: o.model_copy(update={"contract": "fh"}) if k in (("cargo_a", "spacex"), ("lander", "spacex")) else o for k, o in study.offers.items()}
    contracted = {k: o.model_copy(update={"budget_line": "gateway"}) if k[0] in ("ppe", "halo") else o for k, o in contracted.items()}
    ev = evaluate(study.with_changes(offers=contracted), Architecture({**REFERENCE.assignment, "rover": "nasa"}))
    families = [c.family for c in ev.limits]
    assert set(families) == set(FAMILIES)
    assert families == sorted(families, key=FAMILIES.index)
    frame = ev.limits_frame()
    assert list(frame.columns) == ["family", "limit", "value", "bound", "sense", "unit", "slack", "binding", "violated"]
    assert len(frame) == len(ev.limits) and frame["violated"].sum() == len(ev.violations)


def test_no_limit_rows_beyond_assignment_rules_without_limits() -> None:
    ev = evaluate(base_study(), REFERENCE)
    assert {c.family for c in ev.limits} == {"assign_required_once", "requires_selected", "provider_capacity"}


def test_limit_check_tolerance_and_equality_slack() -> None:
    near = LimitCheck("budget_total", "total_budget_musd", 1000.0005, 1000, "<=", "US$M", 1000 - 1000.0005)
    assert not near.violated and near.binding  # within 1e-6 * 1000
    over = LimitCheck("budget_total", "total_budget_musd", 1000.01, 1000, "<=", "US$M", 1000 - 1000.01)
    assert over.violated and not over.binding
    loose = LimitCheck("metric_limits", "metric_min[x]", 3, 1, ">=", "x", 2)
    assert not loose.violated and not loose.binding


def test_assignment_frame_columns() -> None:
    frame = evaluate(base_study(), REFERENCE).assignment_frame()
    assert list(frame.columns) == [
        "element", "provider", "element_name", "category", "location", "critical_path", "provider_kind",
        "cost_musd", "partner_cost_musd", "programme_cost_musd", "slip_months", "element_slip_months", "crew_seats",
        "builder", "builder_kind", "budget_line", "operations_musd", "procurement", "owner", "commercial",
    ]  # fmt: skip
    assert list(frame["element"]) == sorted(REFERENCE.assignment)
    halo = frame.set_index("element").loc["halo"]
    assert (halo["provider_kind"], halo["programme_cost_musd"], halo["element_slip_months"]) == ("international", 800, 16)
    empty = evaluate(base_study(), Architecture()).assignment_frame()
    assert empty.empty and list(empty.columns) == list(frame.columns)


def all_architectures(study: Study, extra: tuple[str, ...] = ()) -> list[Architecture]:
    """Every assignment of offers (plus `extra` providers) to elements, optional ones may be absent."""
    options = []
    for e, el in study.elements.items():
        providers = [p for (oe, p) in study.offers if oe == e] + list(extra)
        options.append([*providers, *([None] if not el.required else [])])
    return [
        Architecture({e: p for e, p in zip(study.elements, combo, strict=True) if p is not None}) for combo in itertools.product(*options)
    ]


def test_fast_path_agrees_with_evaluate_on_every_architecture() -> None:
    study = base_study(**{**ALL_LIMITS, "critical_path_max_owners": 2, "min_providers_per_category": {"logistics": 2}})
    names = ["agency_cost_musd", "milestone_slip_months", "commercial_share", "international_partners"]
    feasible = 0
    for candidate in all_architectures(study, extra=("esa",)):
        ev = evaluate(study, candidate)
        fast = feasible_objectives(study, candidate, names)
        if ev.feasible:
            feasible += 1
            assert fast == {name: ev.objectives[name] for name in names}
        else:
            assert fast is None
    assert 0 < feasible < len(all_architectures(study))


def test_brute_force_optimum_of_the_reference_study() -> None:
    study = base_study(total_budget_musd=2500, min_providers_per_category={"logistics": 2})
    best = min(
        (value["agency_cost_musd"], tuple(sorted(candidate.assignment.items())))
        for candidate in all_architectures(study)
        if (value := feasible_objectives(study, candidate, ["agency_cost_musd"])) is not None
    )
    # ppe spacex 400, halo esa 200, lander spacex 1200; two logistics providers: firefly 60 + 20, jaxa 40 + 10.
    assert best[0] == pytest.approx(1930)
    assert dict(best[1]) == {"ppe": "spacex", "halo": "esa", "lander": "spacex", "cargo_a": "firefly", "cargo_b": "jaxa"}


def test_a_changed_study_is_not_served_from_the_cache() -> None:
    study = base_study(total_budget_musd=2400)
    assert evaluate(study, REFERENCE).feasible
    tighter = dataclasses.replace(study, limits=Limits(total_budget_musd=2000))
    assert make_evaluator(tighter) is not make_evaluator(study)
    assert not evaluate(tighter, REFERENCE).feasible
    assert make_evaluator(study) is make_evaluator(study)
