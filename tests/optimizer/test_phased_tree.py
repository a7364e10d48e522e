"""Decisions by year (a tree of futures) and futures drawn from the slip distributions, against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from architecture import awarded_between, committed_now, load_study
from architecture.confidence import slip_sigma
from architecture.uncertainty import parse_uncertainty
from optimizer.phased import solve_phased
from tests.conftest import STUDIES
from tests.optimizer.test_phased import brute_force, ended, recourse_table, risk_of, walk

PHASED = STUDIES / "phased"
#: the planned future decides cargo_2 (awarded FY2028) again, before it knows whether ESA stays
TREE = {
    "cut": {"probability": 0.3, "scenarios": ["budget_cut"]},
    "planned": {"probability": 0.7, "then_fy": 2028, "then": {
        "esa_stays": {"probability": 0.6},
        "esa_leaves": {"probability": 0.4, "scenarios": ["esa_withdraws"]},
    }},
}


def liable_study():
    """The tiny study with a liability on every cargo_2 offer, so committing to one in FY2028 is a real choice."""
    study = load_study(PHASED)
    offers = {key: offer.model_copy(update={"termination_musd": 30.0}) if key[0] == "cargo_2" else offer for key, offer in study.offers.items()}
    return study.with_changes(offers=offers)


def tree_of(study, risk="expected", level=None, futures=None):
    raw = {"decide_fy": 2026, "risk": risk, "futures": futures or TREE}
    if level is not None:
        raw["cvar_level"] = level
    return parse_uncertainty(raw, study)


def brute_force_tree(study, uncertainty):
    """Every commitment now times every commitment at each later point; each future's best recourse given those on its way."""
    now = committed_now(study, uncertainty.decide_fy)
    points = uncertainty.decision_points
    at = {p.name: awarded_between(study, p.after_fy, p.decide_fy) for p in points}
    tables = {name: recourse_table(uncertainty.studies[name]) for name in uncertainty.names}
    subsets = [[{pair for pair, bit in zip(offers, bits, strict=True) if bit} for bits in itertools.product((0, 1), repeat=len(offers))]
               for offers in [now, *at.values()]]
    best = None
    for combo in itertools.product(*subsets):
        chosen_now, chosen_at = combo[0], dict(zip(at, combo[1:], strict=True))
        costs = []
        for name in uncertainty.names:
            on_way = [p.name for p in uncertainty.stages_of(name)]
            held = set(now).union(*(at[n] for n in on_way))
            chosen = chosen_now.union(*(chosen_at[n] for n in on_way))
            years = {p: uncertainty.decide_fy for p in now} | {p: pt.decide_fy for pt in points if pt.name in on_way for p in at[pt.name]}
            options = [cost + math.fsum(walk(study, p, years[p]) for p in chosen - pairs) + ended(study, uncertainty, chosen_now)
                       for pairs, cost in tables[name] if (pairs & held) <= chosen]
            if not options:
                break
            costs.append(min(options))
        else:
            value = risk_of(costs, [uncertainty.probabilities[n] for n in uncertainty.names], uncertainty.risk, uncertainty.cvar_level)
            best = value if best is None or value < best else best
    return best


def test_the_tree_reads_as_futures_with_unconditional_probabilities():
    tree = tree_of(liable_study())
    assert tree.names == ("cut", "planned/esa_stays", "planned/esa_leaves")
    assert dict(tree.probabilities) == pytest.approx({"cut": 0.3, "planned/esa_stays": 0.42, "planned/esa_leaves": 0.28})
    assert [(p.name, p.decide_fy, p.after_fy) for p in tree.decision_points] == [("planned", 2028, 2026)]
    assert tree.futures_after("planned") == ("planned/esa_stays", "planned/esa_leaves") and tree.stages_of("cut") == ()
    assert tree.studies["cut"].limits.total_budget_musd == 4500
    assert not any(p == "esa" for _, p in tree.studies["planned/esa_leaves"].offers)


@pytest.mark.parametrize(("risk", "level"), [("expected", None), ("worst", None), ("cvar", 0.6)])
def test_decisions_by_year_equal_brute_force(risk, level):
    study = liable_study()
    tree = tree_of(study, risk, level)
    result = solve_phased(study, tree)
    expected = brute_force_tree(study, tree)
    found = risk_of([f.cost_musd for f in result.futures], [f.probability for f in result.futures], risk, level)
    assert result.status == "optimal" and found == pytest.approx(expected, abs=1e-6)


def test_a_later_decision_is_the_same_in_every_future_after_it_and_only_there():
    study = liable_study()
    result = solve_phased(study, tree_of(study))
    stays, leaves, cut = (next(f for f in result.futures if f.name == n) for n in ("planned/esa_stays", "planned/esa_leaves", "cut"))
    assert stays.committed_later == leaves.committed_later and cut.committed_later == ()
    later = set(awarded_between(study, 2026, 2028))
    for f in (stays, leaves):
        used = set(f.architecture.assignment.items()) & later
        assert used <= {pair for _, pair in f.committed_later}  # an award that passed uncommitted is not chosen later
    assert set(result.committed_at("planned")) == {pair for _, pair in stays.committed_later}


def test_without_later_decisions_a_tree_is_its_futures_decided_now_or_when_known():
    """A branch that decides nothing later (no award in its window) is the same as its futures listed flat."""
    study = load_study(PHASED)
    flat = {"as_planned": {"probability": 0.5}, "a": {"probability": 0.3, "scenarios": ["budget_cut"]},
            "b": {"probability": 0.2, "scenarios": ["budget_cut", "esa_withdraws"]}}
    tree = {"as_planned": {"probability": 0.5}, "cut": {"probability": 0.5, "scenarios": ["budget_cut"], "then_fy": 2027, "then": {
        "a": {"probability": 0.6}, "b": {"probability": 0.4, "scenarios": ["esa_withdraws"]}}}}
    one, other = solve_phased(study, tree_of(study, futures=flat)), solve_phased(study, tree_of(study, futures=tree))
    assert one.expected_cost_musd == pytest.approx(other.expected_cost_musd) and one.commitments == other.commitments


@pytest.mark.parametrize(("change", "message"), [
    ({"then_fy": 2028}, "futures.cut.then: a future that decides again needs both then_fy"),
    ({"then": {"x": {"probability": 1.0}}}, "futures.cut.then_fy: a future that decides again needs both"),
    ({"then_fy": 2026, "then": {"x": {"probability": 1.0}}}, "futures.cut.then_fy: 2026 must come after the decision before it (FY2026)"),
    ({"then_fy": 2031, "then": {"x": {"probability": 1.0}}}, "by the horizon's last year 2030"),
    ({"then_fy": 2028, "then": {"x": {"probability": 0.5}}}, "futures.cut.then: probabilities sum to 0.5, not 1"),
    ({"then_fy": 2028, "then": {"x": {"probability": 1.0, "scenarios": ["nope"]}}}, "futures.cut.then.x.scenarios: unknown scenario 'nope'"),
])
def test_a_bad_tree_is_one_line_naming_the_key(change, message):
    study = load_study(PHASED)
    futures = {"as_planned": {"probability": 0.5}, "cut": {"probability": 0.5, **change}}
    with pytest.raises(Exception) as caught:
        tree_of(study, futures=futures)
    text = str(caught.value)
    assert message in text and "\n" not in text


def spread_study():
    """The tiny study with a slip spread on every offer and a landing slip limit the draws can break."""
    study = load_study(PHASED)
    offers = {key: offer.model_copy(update={"slip_p80_months": offer.slip_months * 1.6}) for key, offer in study.offers.items()}
    return study.with_changes(offers=offers)


def test_drawn_futures_are_the_slip_distributions_sampled():
    study = spread_study()
    drawn = parse_uncertainty({"decide_fy": 2026, "slips": {"draws": 400, "seed": 3},
                               "futures": {"as_planned": {"probability": 0.75}, "cut": {"probability": 0.25, "scenarios": ["budget_cut"]}}}, study)
    assert len(drawn.names) == 800 and drawn.names[0] == "as_planned~001" and drawn.names[-1] == "cut~400"
    assert drawn.probabilities["as_planned~001"] == pytest.approx(0.75 / 400) and math.fsum(drawn.probabilities.values()) == pytest.approx(1.0)
    for key, offer in study.offers.items():
        slips = np.array([drawn.studies[f"as_planned~{k:03d}"].offers[key].slip_months for k in range(1, 401)])
        # lognormal with median slip_months and 80th percentile slip_p80_months (docs/inputs.md#schedule-uncertainty)
        assert np.median(slips) == pytest.approx(offer.slip_months, rel=0.12)
        assert np.quantile(slips, 0.8) == pytest.approx(offer.slip_p80_months, rel=0.12)
        assert slip_sigma(drawn.studies["cut~001"].offers[key]) == 0.0  # in a drawn future the slip is known
    assert drawn.studies["cut~007"].limits.total_budget_musd == 4500


def test_futures_with_drawn_slips_equal_brute_force():
    study = spread_study()
    futures = {"as_planned": {"probability": 0.6, "set": {"limits.max_milestone_slip_months.first_landing": 75}},
               "cut": {"probability": 0.4, "scenarios": ["budget_cut"], "set": {"limits.max_milestone_slip_months.first_landing": 100}}}
    drawn = parse_uncertainty({"decide_fy": 2026, "slips": {"draws": 3, "seed": 1}, "futures": futures}, study)
    result = solve_phased(study, drawn)
    assert result.status == "optimal" and result.expected_cost_musd == pytest.approx(brute_force(study, drawn), abs=1e-6)
    costs = {f.name: f.cost_musd for f in result.futures}
    assert costs["as_planned~3"] > costs["as_planned~1"]  # that draw's slips break the landing limit of the cheaper plan
