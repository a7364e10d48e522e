"""Progressive hedging (mpi-sppy) behind `trade phased --engine hedging`: its plan and bound against brute force."""

from __future__ import annotations

import json
import math

import pytest

from architecture import StudyError, load_study
from architecture.uncertainty import parse_uncertainty
from optimizer.phased import information_values, price_commitments, solve_hedging, solve_phased
from tests.conftest import STUDIES
from tests.optimizer.test_phased import FUTURES, brute_force, futures_of
from tests.optimizer.test_phased_command import trade
from tests.optimizer.test_phased_tree import TREE, brute_force_tree, liable_study, tree_of

PHASED = STUDIES / "phased"


@pytest.mark.parametrize(("risk", "level"), [("expected", None), ("cvar", 0.5), ("cvar", 0.75)])
def test_the_plan_is_priced_exactly_and_the_bound_holds_against_brute_force(risk, level):
    study = load_study(PHASED)
    uncertainty = futures_of(study, risk, level)
    result, hedged = solve_hedging(study, uncertainty)
    optimum = brute_force(study, uncertainty)
    plan = set(result.commitments)
    assert hedged.value_musd == pytest.approx(brute_force(study, uncertainty, plans=[plan]))  # the plan's own value
    assert hedged.bound_musd <= optimum + 1e-6 <= hedged.value_musd + 2e-6  # PH's bound is a bound; its plan no better than the best
    assert hedged.gap == pytest.approx((hedged.value_musd - hedged.bound_musd) / hedged.value_musd, abs=1e-9)
    assert hedged.value_musd == pytest.approx(optimum)  # on this small study PH finds the optimum
    assert result.report.objective == pytest.approx(hedged.value_musd)


def test_decisions_by_year_by_progressive_hedging_bracket_brute_force():
    study = liable_study()
    tree = tree_of(study)
    result, hedged = solve_hedging(study, tree)
    optimum = brute_force_tree(study, tree)
    assert hedged.bound_musd <= optimum + 1e-6 <= hedged.value_musd + 2e-6
    stays, leaves = (next(f for f in result.futures if f.name == n) for n in ("planned/esa_stays", "planned/esa_leaves"))
    assert stays.committed_later == leaves.committed_later  # the FY2028 decision is shared by the futures after it


def test_the_worst_future_is_not_an_expectation_and_is_refused_in_one_line():
    study = load_study(PHASED)
    with pytest.raises(StudyError) as caught:
        solve_hedging(study, futures_of(study, "worst"))
    assert "progressive hedging weighs an expectation" in str(caught.value) and "\n" not in str(caught.value)


def test_pricing_a_plan_per_future_equals_the_extensive_form_with_it_held():
    study = load_study(PHASED)
    uncertainty = futures_of(study)
    exact = solve_phased(study, uncertainty)
    fixed = {pair: int(pair in exact.commitments) for pair in exact.decided_now}
    priced = price_commitments(study, uncertainty, "cost", fixed)
    assert priced.expected_cost_musd == pytest.approx(exact.expected_cost_musd)
    ef = information_values(study, uncertainty, exact)
    ph = information_values(study, uncertainty, exact, price=lambda held: price_commitments(study, uncertainty, "cost", held))
    assert (ph.evpi, ph.vss) == (pytest.approx(ef.evpi), ef.vss if math.isinf(ef.vss) else pytest.approx(ef.vss))
    assert price_commitments(study, tree_of(liable_study()), "cost", fixed) is None  # decisions by year need a PH run of their own


def test_trade_phased_engine_hedging_writes_its_bound_and_gap(tmp_path):
    out = tmp_path / "phased"
    done = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out, "--engine", "hedging")
    assert done.returncode == 0, done.stderr
    method = json.loads((out / "manifest.json").read_text())["method"]
    assert method["name"] == "progressive_hedging" and method["library"] == "mpi-sppy" and 0 <= method["gap"] < 1e-3
    assert "progressive hedging:" in done.stdout and "Initializing" not in done.stdout  # mpi-sppy's own prints stay out
    worst = tmp_path / "worst.toml"
    worst.write_text((PHASED / "uncertainty.toml").read_text().replace('risk = "expected"', 'risk = "worst"'))
    refused = trade("phased", PHASED, "--uncertainty", worst, "--out", tmp_path / "w", "--engine", "hedging")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and not (tmp_path / "w").exists()


def test_futures_named_with_a_branch_or_draw_mark_are_refused():
    study = load_study(PHASED)
    with pytest.raises(StudyError, match="may not contain"):
        parse_uncertainty({"decide_fy": 2026, "futures": {"a/b": {"probability": 1.0}}}, study)
    assert FUTURES and TREE  # the shared fixtures
