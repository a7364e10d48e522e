"""Each constraint family binds and changes the answer as documented, and is absent when off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from architecture import FAMILIES, StudyError
from architecture.evaluate import evaluate
from optimizer import CONSTRAINT_FAMILIES, Solver, build_model, extract_architecture, to_model_data

FAMILY_COMPONENTS = {family.name: family.components for family, _ in CONSTRAINT_FAMILIES}

DOC = Path(__file__).parents[2] / "docs" / "formulation.md"

# SpaceX's lander (36 months, p80 60) keeps a 40-month landing limit in about 57 % of samples; NASA's (24, certain) always
CONFIDENT = ("offers[element=lander,provider=spacex].slip_p80_months=60", "limits.max_milestone_slip_months.first_landing=40",
             "limits.milestone_confidence.first_landing=0.9")

# family: (overrides that make it bind, objective, objective with the family / dropped,
#          how the dropped answer is wrong: a violated family, or "lies" = solver's value != evaluator's)
CASES = {
    "assign_required_once": ((), "cost", 4050, 0, "assign_required_once"),
    "assign_optional_at_most_once": (("limits.excluded_providers=[]",), "partnership", 9, 10, "assigned twice"),
    "requires_selected": (("elements[id=halo].required=false",), "cost", 4050, 3950, "requires_selected"),
    "contract_exclusive": (('offers[element=halo,provider=esa].contract="esa_barter"', 'offers[element=cargo_1,provider=esa].contract="esa_barter"'),
                           "cost", 4200, 4050, "contract_exclusive"),
    "budget_total": (("limits.excluded_providers=[]", "limits.total_budget_musd=4100"), "partnership", 7, 9, "budget_total"),
    "budget_annual": (("limits.annual_budget_musd.2025=1000",), "milestone_slip_months", 60, 44, "budget_annual"),
    # ESA's HALO (100 over FY2026-2029) on a barter line capped at 50, or at 20 in FY2027: HALO goes to NASA
    "budget_line_total": (('offers[element=halo,provider=esa].budget_line="barter"', "limits.line_budget_musd.barter=50"),
                          "cost", 4950, 4050, "budget_line_total"),
    "budget_line_annual": (('offers[element=halo,provider=esa].budget_line="barter"', "limits.line_annual_budget_musd.barter.2027=20"),
                           "cost", 4950, 4050, "budget_line_annual"),
    "critical_path_single_owner": (("limits.critical_path_max_owners=1",), "cost", 4950, 4050, "critical_path_single_owner"),
    "slip_propagation": (("limits.max_milestone_slip_months.critical_path=50",), "cost", 4950, 4050, "milestone_slip_limit"),
    "milestone_slip": (("limits.max_milestone_slip_months.critical_path=50",), "cost", 4950, 4050, "milestone_slip_limit"),
    "milestone_slip_limit": (("limits.max_milestone_slip_months.critical_path=50",), "cost", 4950, 4050, "milestone_slip_limit"),
    "sample_milestone_miss": (CONFIDENT, "cost", 5550, 4050, "milestone_confidence_limit"),
    "milestone_confidence_limit": (CONFIDENT, "cost", 5550, 4050, "milestone_confidence_limit"),
    "commercial_share_min": (("limits.min_commercial_share=0.75",), "cost", 4200, 4050, "commercial_share_min"),
    "partner_share_max": (("limits.max_partner_share=0.2",), "cost", 4200, 4050, "partner_share_max"),
    "category_redundancy": (("limits.min_providers_per_category.logistics=2",), "cost", 4250, 4050, "category_redundancy"),
    # ESA's second cargo flight is built by SpaceX: two builders of logistics cost 60 more than one
    "builder_redundancy": (('offers[element=cargo_2,provider=esa].builder="spacex"', "limits.min_builders_per_category.logistics=2"),
                           "cost", 4110, 4050, "builder_redundancy"),
    # SpaceX builds the lander (3,000 of 4,050): at most 70 % takes NASA's HALO (3,000 of 4,950)
    "builder_share_max": (("limits.max_builder_share=0.7",), "cost", 4950, 4050, "builder_share_max"),
    "provider_capacity": (("providers[id=esa].capacity=1",), "cost", 4200, 4050, "provider_capacity"),
    "provider_used_link": (("limits.excluded_providers=[]", "providers[id=esa].capacity=2", "limits.metric_min.partner_value=8"),
                           "agency_cost_musd", 4180, 4130, "lies"),
    "metric_limits": (("limits.metric_max.partner_value=6",), "cost", 4200, 4050, "metric_limits"),
    # ESA's Gateway partner value (HALO 5 + cargo 2) capped at 4 on the Gateway: HALO goes to NASA
    "scoped_metric_limits": (('limits.metric_limit=[{metric = "partner_value", max = 4, location = "gateway"}]',), "cost", 4950, 4050,
                             "scoped_metric_limits"),
    "decisions": (("limits.fixed.halo=nasa",), "cost", 4950, 4050, "decisions"),
}


def _solve(study, objective, drop=None):
    data = to_model_data(study)
    m = build_model(data, objective)
    if drop:
        for name in FAMILY_COMPONENTS[drop]:
            if m.component(name) is not None:
                m.component(name).deactivate()
    report = Solver().solve(m)
    return m, data, report


def test_every_family_has_a_case_a_doc_section_and_components():
    """One record per family: its function, its doc section, its components, a case where it binds, an evaluator that sees it."""
    doc = DOC.read_text(encoding="utf-8")
    assert [family for family, _ in CONSTRAINT_FAMILIES] == [family for family in FAMILIES if family.in_model]
    for family, define in CONSTRAINT_FAMILIES:
        assert define.__name__ == f"define_{family.name}_constraints"
        assert family.name in CASES, f"{family.name} has no behaviour test"
        assert re.search(rf"^### {family.name}$", doc, re.MULTILINE), f"{family.name} has no section in docs/formulation.md"
        assert family.components and family.words
        assert set(family.mutable) <= set(family.limits)
        wrong = CASES[family.name][4]
        assert wrong in ("lies", "assigned twice") or next(f for f in FAMILIES if f.name == wrong).checked, \
            f"dropping {family.name} must show in an evaluator check"


@pytest.mark.parametrize("family", list(CASES))
def test_family_binds_and_changes_the_answer(family, make_study):
    overrides, objective, with_family, without_family, wrong = CASES[family]
    study = make_study(*overrides)
    m, data, report = _solve(study, objective)
    assert any(m.component(name) is not None for name in FAMILY_COMPONENTS[family])
    assert report.status == "optimal"
    assert report.objective == pytest.approx(with_family)
    ev = evaluate(study, extract_architecture(m, data))
    assert ev.feasible, ev.violations
    assert ev.objectives[objective] == pytest.approx(with_family)

    m, data, dropped = _solve(study, objective, drop=family)
    assert dropped.objective == pytest.approx(without_family)
    if wrong == "assigned twice":
        with pytest.raises(StudyError, match="assigned twice"):
            extract_architecture(m, data)
        return
    ev = evaluate(study, extract_architecture(m, data))
    if wrong == "lies":
        assert ev.objectives[objective] != pytest.approx(dropped.objective)
    else:
        assert any(check.family == wrong and check.violated for check in ev.limits), ev.violations


OFF_BY_DEFAULT = [f for f in CASES if f not in ("assign_required_once", "assign_optional_at_most_once")]


@pytest.mark.parametrize("family", OFF_BY_DEFAULT)
def test_family_is_absent_when_its_limit_is_not_set(family, tiny_study):
    m, _, report = _solve(tiny_study, "cost")
    assert report.status == "optimal"
    assert all(m.component(name) is None for name in FAMILY_COMPONENTS[family])


def test_optional_family_absent_without_optional_choices(make_study):
    m, _, _ = _solve(make_study("elements[id=cargo_2].required=true"), "cost")
    assert m.component("assign_optional_at_most_once") is None


def test_partner_share_row_only_for_partners_that_could_exceed_it(make_study):
    """ESA's offers (programme cost up to 900 + 150 + 160 of at least ~1,600) can pass 20 % but not 90 %."""
    m, _, report = _solve(make_study("limits.max_partner_share=0.2"), "cost")
    assert list(m.PARTNERS) == ["esa"] and report.objective == pytest.approx(4200)
    m, _, report = _solve(make_study("limits.max_partner_share=0.9"), "cost")
    assert len(m.PARTNERS) == 0 and m.component("partner_share_max") is None
    assert report.objective == pytest.approx(4050)  # the same optimum as without the limit
