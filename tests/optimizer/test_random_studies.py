"""No study crashes the engine: on random tiny studies, brute force and the engine agree on feasibility and optimum.

Studies are drawn with random `requires`, required and optional elements, elements left without any
offer, excluded providers, barred rules, procurements and builders, both commercial-share bases and every kind of limit. The oracle is the independent
evaluator over every assignment; the engine runs through the functions `trade run` and `trade explain` call.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from architecture import Architecture, Study, blocked_requirements, check_study, decision_conflicts
from architecture.elements import Element
from architecture.evaluate import feasible_objectives
from architecture.offers import Offer
from architecture.policy import BarRule, Limits, ObjectiveSpec, StudyInfo
from architecture.providers import Provider
from optimizer import run_study
from optimizer.decisions.diagnose import binding_limits, diagnose_infeasible

KINDS = ("nasa", "international", "commercial")
#: procurements an offer of each provider kind may carry (None: the kind's default); a partner contribution only from partners
PROCUREMENT_BY_KIND = {"nasa": (None, "agency_owned", "commercial_service"), "commercial": (None, "commercial_service", "agency_owned"),
                       "international": (None, "partner_contribution")}
OBJECTIVES = {
    "cost": ObjectiveSpec(name="cost", sense="min", column="cost_musd"),
    "partnership": ObjectiveSpec(name="partnership", sense="max", column="partner_value"),
    "slip": ObjectiveSpec(name="slip", sense="min", builtin="milestone_slip_months"),
    "commercial": ObjectiveSpec(name="commercial", sense="max", builtin="commercial_share"),
}


@st.composite
def tiny_studies(draw: st.DrawFn) -> Study:
    n_elements = draw(st.integers(2, 5))
    n_providers = draw(st.integers(2, 4))
    providers = {}
    for index in range(n_providers):
        kind = "nasa" if index == 0 else draw(st.sampled_from(KINDS[1:]))
        pid = f"p{index}"
        providers[pid] = Provider(id=pid, name=pid, kind=kind, country="US" if kind != "international" else f"C{index}",
                                  onboarding_cost_musd=draw(st.sampled_from((0.0, 0.0, 30.0))),
                                  capacity=draw(st.sampled_from((None, None, 1, 2))))
    ids = [f"e{index}" for index in range(n_elements)]
    elements = {}
    for index, eid in enumerate(ids):
        requires = tuple(sorted(draw(st.sets(st.sampled_from(ids[:index]), max_size=2)))) if index else ()
        elements[eid] = Element(id=eid, name=eid, category=draw(st.sampled_from(("habitation", "logistics", "lander"))),
                                location=draw(st.sampled_from(("gateway", "surface"))), required=draw(st.booleans()),
                                critical_path=draw(st.booleans()), requires=requires,
                                milestones=("first_landing",) if draw(st.booleans()) else ())
    offers = {}
    for eid in ids:
        for pid in sorted(draw(st.sets(st.sampled_from(list(providers)), max_size=3))):
            kind = providers[pid].kind
            procurement = draw(st.sampled_from(PROCUREMENT_BY_KIND[kind]))
            builder = draw(st.sampled_from((None, *providers)))
            offers[(eid, pid)] = Offer(element=eid, provider=pid, procurement=procurement, builder=builder,
                                       cost_musd=float(draw(st.integers(0, 40)) * 10),
                                       slip_months=float(draw(st.integers(0, 24))), first_year=2025, last_year=2025 + draw(st.integers(0, 2)),
                                       metrics={"partner_value": float(draw(st.integers(0, 5))), "partner_cost_musd": 0.0})
    costs = sorted(offer.cost_musd for offer in offers.values())
    total = sum(costs)
    limits = Limits(
        total_budget_musd=draw(st.sampled_from((None, total * 0.3, total * 0.6))),
        annual_budget_musd=draw(st.sampled_from(({}, {2025: total * 0.2}, {2026: total * 0.15}))),
        critical_path_owners=draw(st.sampled_from((None, ("nasa",), ("nasa", "international")))),
        critical_path_max_owners=draw(st.sampled_from((None, 1, 2))),
        excluded_providers=tuple(draw(st.sets(st.sampled_from(list(providers)[1:]), max_size=1))),
        barred=tuple(draw(st.sampled_from(((), (BarRule(kind="commercial", location="gateway"),), (BarRule(provider="p1", category="lander"),))))),
        max_milestone_slip_months=draw(st.sampled_from(({}, {"first_landing": 12.0}, {"critical_path": 20.0}))),
        min_commercial_share=draw(st.sampled_from((None, 0.2, 0.6))),
        commercial_share_basis=draw(st.sampled_from(("procurement", "builder"))),
        max_partner_share=draw(st.sampled_from((None, 0.5))),
        min_providers_per_category=draw(st.sampled_from(({}, {"logistics": 2}))),
        metric_min=draw(st.sampled_from(({}, {"partner_value": 3.0}))),
    )
    categories = {e.category for e in elements.values()}
    if any(c not in categories for c in limits.min_providers_per_category):
        limits = limits.model_copy(update={"min_providers_per_category": {}})
    limits = limits.model_copy(update={"barred": tuple(rule for rule in limits.barred if rule.category in (None, *categories))})
    if draw(st.integers(0, 3)) == 0:  # a decision taken as given, possible or not
        limits = limits.model_copy(update={"fixed": {draw(st.sampled_from(ids)): draw(st.sampled_from([*providers, "none"]))}})
    if draw(st.integers(0, 3)) == 0:
        limits = limits.model_copy(update={"forbidden": {draw(st.sampled_from(ids)): (draw(st.sampled_from(list(providers))),)}})
    if "first_landing" in limits.max_milestone_slip_months and not any(e.milestones for e in elements.values()):
        limits = limits.model_copy(update={"max_milestone_slip_months": {}})
    return Study(info=StudyInfo(name="random", first_year=2025, last_year=2027, slip_propagation=draw(st.sampled_from(("max", "add")))),
                 elements=elements, providers=providers, offers=offers, limits=limits, objectives=OBJECTIVES,
                 metric_columns=("partner_value", "partner_cost_musd"))


def brute_force(study: Study, name: str) -> float | None:
    """The best value of one objective over every assignment, by the evaluator alone (None: no feasible one)."""
    choices = []
    for element in study.elements.values():
        offers = [pair for pair in study.offers if pair[0] == element.id]
        choices.append(offers if element.required else [*offers, None])
    sense = study.objective(name).sense
    best = None
    for combo in itertools.product(*choices):
        values = feasible_objectives(study, Architecture.from_pairs(pair for pair in combo if pair), [name])
        if values is not None and (best is None or (values[name] < best if sense == "min" else values[name] > best)):
            best = values[name]
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(study=tiny_studies(), objective=st.sampled_from(sorted(OBJECTIVES)))
def test_engine_agrees_with_brute_force(study, objective):
    errors = [issue for issue in check_study(study) if issue.severity == "error"]
    assert all(issue.check == "no_eligible_offer" for issue in errors), errors  # the generator writes valid studies
    best = brute_force(study, objective)
    result = run_study(study, objective)
    if best is None:
        assert result.report.status == "infeasible", (result.report.status, result.report.message)
        diagnosis = diagnose_infeasible(study)  # `trade explain` on an infeasible study
        assert not diagnosis.feasible
        return
    assert not errors and not blocked_requirements(study) and not decision_conflicts(study)
    assert result.report.status == "optimal", (result.report.status, result.report.message)
    assert result.report.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert result.evaluation is not None and result.evaluation.feasible, result.evaluation.violations
    assert result.evaluation.objectives[objective] == pytest.approx(best, rel=1e-6, abs=1e-6)
    binding_limits(result)  # `trade explain` on a feasible study: re-solves with each limit dropped, never raises


@settings(max_examples=30, deadline=None)
@given(study=tiny_studies())
def test_blocked_requirements_mean_infeasible(study):
    """A required element that needs an element without offers makes the study infeasible, and the engine says so."""
    lines = blocked_requirements(study)
    if lines:
        assert brute_force(study, "cost") is None
        assert run_study(study, "cost").report.status == "infeasible"
    for line in lines:
        assert "cannot be chosen: it requires" in line and "has no eligible offer" in line


def test_a_share_where_nothing_is_spent_does_not_stand_for_the_best_share():
    """Found by the property test above (on the oldest pins).

    Dinkelbach's last solve ties N - lambda D = 0 between the best share (10 of 10 US$M commercial) and spending
    nothing (0/0, a share of 0); the run must return the best share and its architecture.
    """
    zero = {"partner_value": 0.0, "partner_cost_musd": 0.0}
    study = Study(
        info=StudyInfo(name="zero_spend", first_year=2025, last_year=2027),
        elements={"e1": Element(id="e1", name="e1", category="habitation", location="gateway", required=False, critical_path=False)},
        providers={"p0": Provider(id="p0", name="p0", kind="nasa", country="US"), "p2": Provider(id="p2", name="p2", kind="commercial", country="US")},
        offers={("e1", "p0"): Offer(element="e1", provider="p0", cost_musd=10.0, slip_months=0.0, builder="p2", first_year=2025, last_year=2025,
                                    metrics=zero),
                ("e1", "p2"): Offer(element="e1", provider="p2", cost_musd=0.0, slip_months=0.0, first_year=2025, last_year=2025, metrics=zero)},
        limits=Limits(commercial_share_basis="builder"), metric_columns=("partner_value", "partner_cost_musd"),
        objectives={"commercial": ObjectiveSpec(name="commercial", sense="max", builtin="commercial_share"),
                    "cost": ObjectiveSpec(name="cost", sense="min", column="cost_musd")})
    assert brute_force(study, "commercial") == 1.0
    result = run_study(study, "commercial")
    assert result.report.objective == pytest.approx(1.0) and dict(result.architecture.assignment) == {"e1": "p0"}
