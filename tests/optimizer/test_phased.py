"""Phased decisions: the extensive form against brute force over every commitment and every future's recourse."""

from __future__ import annotations

import itertools
import math

import pytest

from architecture import Architecture, committed_now, load_study
from architecture.evaluate import feasible_objectives
from architecture.uncertainty import parse_uncertainty
from optimizer import run_study
from optimizer.phased import commitment_values, information_values, solve_phased
from tests.conftest import STUDIES

PHASED = STUDIES / "phased"
FUTURES = {
    "as_planned": {"probability": 0.5},
    "cut": {"probability": 0.3, "scenarios": ["budget_cut"]},
    "esa_leaves": {"probability": 0.2, "scenarios": ["esa_withdraws"], "add": {"offers.slip_months": 6}},
}


def futures_of(study, risk="expected", level=None, futures=None, decide_fy=2026):
    raw = {"decide_fy": decide_fy, "risk": risk, "futures": futures or FUTURES}
    if level is not None:
        raw["cvar_level"] = level
    return parse_uncertainty(raw, study)


def recourse_table(study):
    """Every feasible architecture of a study with its cost, by the evaluator alone."""
    choices = []
    for element in study.elements.values():
        offers = [pair for pair in study.offers if pair[0] == element.id]
        choices.append(offers if element.required else [*offers, None])
    table = []
    for combo in itertools.product(*choices):
        pairs = frozenset(pair for pair in combo if pair)
        values = feasible_objectives(study, Architecture.from_pairs(pairs), ["cost"])
        if values is not None:
            table.append((pairs, values["cost"]))
    return table


def risk_of(costs, probabilities, risk, level):
    if risk == "expected":
        return math.fsum(p * c for p, c in zip(probabilities, costs, strict=True))
    if risk == "worst":
        return max(costs)
    tail, left, total = 1.0 - level, 1.0 - level, 0.0  # CVaR: the mean of the costliest `tail` of probability
    for p, c in sorted(zip(probabilities, costs, strict=True), key=lambda pc: -pc[1]):
        take = min(p, left)
        total, left = total + take * c, left - take
    return total / tail


def walk(study, pair, year):
    """Walking away once the future is known: the liability plus the decision year's spending of the offer (US$M)."""
    offer = study.offers[pair]
    return offer.termination_musd + study.spend_musd(offer).get(year, 0.0)


def ended(study, uncertainty, chosen):
    """What ending the contracts held before the decision year and not kept costs (US$M)."""
    return math.fsum(o.termination_musd for key, o in study.offers.items() if o.commit_fy is not None and o.commit_fy < uncertainty.decide_fy
                     and key not in chosen)


def brute_force(study, uncertainty, plans=None):
    """The best risk value over every commitment (or over `plans`), each future taking its best recourse given it."""
    committed = committed_now(study, uncertainty.decide_fy)
    tables = {name: recourse_table(uncertainty.studies[name]) for name in uncertainty.names}
    best = None
    every = ({pair for pair, bit in zip(committed, bits, strict=True) if bit} for bits in itertools.product((0, 1), repeat=len(committed)))
    for chosen in plans if plans is not None else every:
        costs = []
        for name in uncertainty.names:
            options = [cost + math.fsum(walk(study, p, uncertainty.decide_fy) for p in chosen - pairs) + ended(study, uncertainty, chosen)
                       for pairs, cost in tables[name] if (pairs & set(committed)) <= chosen]
            if not options:
                break
            costs.append(min(options))
        else:
            value = risk_of(costs, [uncertainty.probabilities[n] for n in uncertainty.names], uncertainty.risk, uncertainty.cvar_level)
            if best is None or value < best - 1e-9:
                best = value
    return best


@pytest.mark.parametrize(("risk", "level"), [("expected", None), ("worst", None), ("cvar", 0.5), ("cvar", 0.75)])
def test_the_extensive_form_equals_brute_force(risk, level):
    study = load_study(PHASED)
    uncertainty = futures_of(study, risk, level)
    result = solve_phased(study, uncertainty)
    assert result.status == "optimal"
    expected = brute_force(study, uncertainty)
    costs = [f.cost_musd for f in result.futures]
    found = risk_of(costs, [f.probability for f in result.futures], risk, level)
    assert found == pytest.approx(expected, abs=1e-6) and result.report.objective == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("decide_fy", [2025, 2026, 2028])
def test_commitments_are_the_same_in_every_future(decide_fy):
    study = load_study(PHASED)
    result = solve_phased(study, futures_of(study, decide_fy=decide_fy))
    now = set(committed_now(study, decide_fy))
    for future in result.futures:
        used = set(future.architecture.assignment.items()) & now
        assert used <= set(result.commitments)  # an award that passed uncommitted is never chosen later
        assert set(future.walked) == (set(result.commitments) - used) | set(result.ended_now)
    assert set(result.ended_now) == {key for key, o in study.offers.items() if o.commit_fy is not None and o.commit_fy < decide_fy} - set(result.commitments)
    assert result.expected_cost_musd == pytest.approx(brute_force(study, futures_of(study, decide_fy=decide_fy)), abs=1e-6)


def test_one_future_of_probability_one_is_trade_run():
    """With no contract held before the decision year; with some, trade run plus the liability of those it ends."""
    study = load_study(PHASED)
    result = solve_phased(study, futures_of(study, futures={"only": {"probability": 1.0}}, decide_fy=2025))
    run = run_study(study)
    assert result.expected_cost_musd == pytest.approx(run.report.objective) and not result.futures[0].walked
    held = solve_phased(study, futures_of(study, futures={"only": {"probability": 1.0}}, decide_fy=2026))
    assert held.ended_now == (("ppe", "spacex"),) and held.expected_cost_musd == pytest.approx(run.report.objective + 150.0)


@pytest.mark.parametrize("with_esa_leaving", [False, True])
def test_evpi_and_vss_are_their_definitions(with_esa_leaving):
    """EVPI = RP - WS (each future's own optimum), VSS = EEV - RP (the plan of the study as given, then the best recourse)."""
    study = load_study(PHASED)
    futures = FUTURES if with_esa_leaving else {"as_planned": {"probability": 0.6}, "cut": {"probability": 0.4, "scenarios": ["budget_cut"]}}
    uncertainty = futures_of(study, futures=futures)
    result = solve_phased(study, uncertainty)
    values = information_values(study, uncertainty, result)
    rp = brute_force(study, uncertainty)
    # each future known at the decision year: its phased optimum alone (ppe by SpaceX, awarded before, still costs to end)
    ws = math.fsum(p * brute_force(study, futures_of(study, futures={n: {**futures[n], "probability": 1.0}}))
                   for n, p in uncertainty.probabilities.items())
    as_given = futures_of(study, futures={"as_given": {"probability": 1.0}})
    plan = set(values.deterministic_plan)
    assert brute_force(study, as_given, plans=[plan]) == pytest.approx(brute_force(study, as_given))  # the study as given's best plan
    eev = brute_force(study, uncertainty, plans=[plan])
    assert values.recourse == pytest.approx(rp) and values.wait_and_see == pytest.approx(ws)
    assert values.evpi == pytest.approx(rp - ws) and values.evpi >= -1e-9
    if eev is None:  # the plan leaves a future with no recourse (ESA's HALO committed alone, and ESA leaves)
        assert with_esa_leaving and values.vss == math.inf
    else:
        assert values.vss == pytest.approx(eev - rp) and values.vss >= -1e-9


@pytest.mark.parametrize("futures", [None, {"as_planned": {"probability": 1.0}}])
def test_what_each_commitment_protects_is_the_best_plan_without_it(futures):
    """The partner's in-kind HALO keeps the cut future within its budget: without it no plan works (protects inf)."""
    study = load_study(PHASED)
    uncertainty = futures_of(study, futures=futures)
    result = solve_phased(study, uncertainty)
    rp = brute_force(study, uncertainty)
    committed = committed_now(study, 2026)
    every = [{p for p, bit in zip(committed, bits, strict=True) if bit} for bits in itertools.product((0, 1), repeat=len(committed))]
    for value in commitment_values(study, uncertainty, result):
        pair = (value.element, value.provider)
        without = brute_force(study, uncertainty, plans=[plan for plan in every if pair not in plan])
        if without is None:
            assert value.without_musd is None and value.protects_musd == math.inf, pair
        else:
            assert value.without_musd == pytest.approx(without) and value.protects_musd == pytest.approx(without - rp), pair
    halo = next(v for v in commitment_values(study, uncertainty, result) if (v.element, v.provider) == ("halo", "esa"))
    assert halo.procurement == "partner_contribution"
    assert halo.protects_musd == (math.inf if futures is None else pytest.approx(900.0))  # NASA's HALO costs 1,000 against ESA's 100


def test_wait_and_see_weighs_the_objective_asked_for_not_the_study_default():
    """With the cost not the study's first objective, EVPI and VSS still weigh the cost."""
    study = load_study(PHASED)
    reordered = study.with_changes(objectives={"partnership": study.objectives["partnership"], "cost": study.objectives["cost"]})
    uncertainty, other = futures_of(study), futures_of(reordered)
    asked = information_values(reordered, other, solve_phased(reordered, other, "cost"))
    usual = information_values(study, uncertainty, solve_phased(study, uncertainty))
    assert (asked.evpi, asked.wait_and_see) == pytest.approx((usual.evpi, usual.wait_and_see))
