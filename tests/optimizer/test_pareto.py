"""Fronts equal the nondominated set of every feasible assignment, enumerated with the evaluator."""

from __future__ import annotations

import functools
import itertools

import pytest

from architecture import Architecture, StudyError
from architecture.evaluate import feasible_objectives
from architecture.synthetic import SyntheticSize, generate_front_study, generate_study
from optimizer.pareto.front import ParetoOptions, pareto_front

FRONTS = [
    ("cost", "partnership"),
    ("cost", "slip"),
    ("partnership", "slip"),
    ("cost", "international_partners"),
    ("cost", "partnership", "slip"),
    ("agency_cost_musd", "partnership", "commercial_share"),
]


def brute_front(study, names):
    """Nondominated objective vectors over all feasible assignments (values rounded to 1e-9)."""
    choices = []
    for element in study.elements.values():
        offers = [(element.id, p) for (e, p) in study.offers if e == element.id]
        choices.append(offers if element.required else [*offers, None])
    signs = [1 if study.objective(n).sense == "min" else -1 for n in names]
    vectors = set()
    for combo in itertools.product(*choices):
        values = feasible_objectives(study, Architecture({e: p for pair in combo if pair for e, p in [pair]}), names)
        if values is not None:
            vectors.add(tuple(round(values[n], 9) for n in names))
    def dominated(a):
        return any(all(s * b_ <= s * a_ for s, a_, b_ in zip(signs, a, b, strict=True)) and b != a for b in vectors)
    return {v for v in vectors if not dominated(v)}


def front_set(front, names):
    return {tuple(round(float(row[n]), 9) for n in names) for _, row in front.points.iterrows()}


def study_for(seed):
    size = SyntheticSize(elements=6, providers=4, years=5, offers_per_element=(2, 3))
    return generate_study(size, seed=seed, limits=seed % 3 != 2, tightness=0.8)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("names", FRONTS, ids="-".join)
def test_front_equals_brute_force(seed, names):
    study = study_for(seed)
    front = pareto_front(study, names)
    expected = brute_front(study, names)
    assert front.complete
    assert front_set(front, names) == expected
    assert len(front.points) == len(expected), "no duplicate points"
    assert (front.points["status"] == "optimal").all()
    for point, group in front.assignments.groupby("point"):
        arch = Architecture(dict(zip(group.element, group.provider, strict=True)))
        values = feasible_objectives(study, arch, names)
        row = front.points.set_index("point").loc[point]
        assert values is not None and all(values[n] == pytest.approx(row[n], abs=1e-6) for n in names)


def test_values_that_differ_in_the_last_digit_are_kept_apart(make_study):
    study = make_study(
        "offers[element=cargo_1,provider=esa].cost_musd=50.001",
        "offers[element=cargo_1,provider=spacex].cost_musd=50.0",
        "offers[element=halo,provider=nasa].cost_musd=123456.789",
    )
    front = pareto_front(study, ["cost", "partnership"])
    assert front_set(front, ["cost", "partnership"]) == brute_front(study, ["cost", "partnership"])
    assert {4050.0, 4050.001} <= set(front.points["cost"])


def test_single_point_when_objectives_do_not_conflict(make_study):
    study = make_study("limits.excluded_providers=[]")
    front = pareto_front(study, ["cost", "agency_cost_musd"])
    assert len(front.points) == 1 and front.complete


def test_ties_keep_one_point_per_objective_vector(make_study):
    study = make_study("offers[element=cargo_1,provider=spacex].cost_musd=50", "offers[element=cargo_1,provider=esa].partner_value=0")
    front = pareto_front(study, ["cost", "partnership"])
    assert front.points[["cost", "partnership"]].duplicated().sum() == 0
    assert front_set(front, ["cost", "partnership"]) == brute_front(study, ["cost", "partnership"])


def test_infeasible_study_gives_an_empty_complete_front(make_study):
    front = pareto_front(make_study("limits.total_budget_musd=10"), ["cost", "partnership"])
    assert front.points.empty and front.complete and front.hypervolume is None


def test_approximation_is_labelled_and_nondominated():
    study = study_for(0)
    exact = pareto_front(study, ["cost", "partnership", "slip"])
    approx = pareto_front(study, ["cost", "partnership", "slip"], ParetoOptions(points=4))
    assert not approx.complete and approx.method.startswith("approximation")
    assert len(approx.points) <= 4
    assert front_set(approx, ["cost", "partnership", "slip"]) <= front_set(exact, ["cost", "partnership", "slip"])


def test_time_limit_marks_the_front_incomplete():
    front = pareto_front(study_for(1), ["cost", "partnership", "slip"], ParetoOptions(time_limit_s=0.0))
    assert not front.complete and front.notes


def test_bad_objective_lists_are_one_line_errors(tiny_study):
    with pytest.raises(StudyError, match="2 or more objectives"):
        pareto_front(tiny_study, ["cost"])
    with pytest.raises(StudyError, match="unknown objective 'nope'"):
        pareto_front(tiny_study, ["cost", "nope"])


def test_false_infeasibility_of_a_later_stage_is_rescued(tiny_study, monkeypatch):
    """A later stage is feasible by construction; a HiGHS 'infeasible' there is re-solved, not dropped."""
    from optimizer.pareto import front as pareto
    from optimizer.solve.solver import Solver, Status

    original = Solver.solve
    calls = {"n": 0}

    def flaky(self, m, time_limit_s=None, abs_gap=None):
        report = original(self, m, time_limit_s, abs_gap)
        calls["n"] += 1
        if calls["n"] == 2:  # the second stage of the first subproblem
            from dataclasses import replace

            return replace(report, status=Status.INFEASIBLE)
        return report

    monkeypatch.setattr(Solver, "solve", flaky)
    front = pareto.pareto_front(tiny_study, ["cost", "partnership"])
    assert front.rescues == 1
    assert front_set(front, ["cost", "partnership"]) == {(4050.0, 7.0), (4110.0, 9.0)}


def test_three_objective_front_with_many_points_equals_brute_force():
    """Regression: splitting boxes other than the one solved lost points on larger 3-objective fronts."""
    study = bench_study(9)
    names = list(study.objectives)[:3]
    front = pareto_front(study, names)
    assert front.complete
    assert front_set(front, names) == brute_front_of(9, tuple(names))
    assert len(front.points) == 40


def bench_study(size):
    return generate_front_study(0, size=size)


@functools.cache
def brute_front_of(size: int, names: tuple[str, ...]) -> frozenset:
    """brute_front of bench_study(size), computed once per test session (3^size assignments)."""
    return frozenset(brute_front(bench_study(size), list(names)))


@pytest.mark.parametrize("workers", [1, 2])
def test_single_stage_reuse_and_workers_equal_brute_force(workers):
    """The plain-HiGHS path: single-stage solves, answers reused without a solve, boxes solved on 1 or 2 threads."""
    study = bench_study(9)
    names = list(study.objectives)[:3]
    front = pareto_front(study, names, ParetoOptions(workers=workers))
    assert front.complete and front.workers == workers
    assert front.single_stage > 0 and front.reused > 0
    assert front_set(front, names) == brute_front_of(9, tuple(names))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("names", [("cost", "partnership"), ("cost", "partnership", "slip")], ids="-".join)
def test_two_stage_fallback_equals_brute_force(seed, names, monkeypatch):
    """Every box falls back to the two-stage Pyomo path when the single-stage objective would be too large."""
    from optimizer.pareto import front as pareto

    monkeypatch.setattr(pareto, "SINGLE_STAGE_MAX_MAGNITUDE", 0.0)
    study = study_for(seed)
    front = pareto_front(study, names, ParetoOptions(workers=2))
    assert front.complete and front.single_stage == 0
    assert front_set(front, names) == brute_front(study, names)


def test_a_failed_dual_bound_check_falls_back_to_two_stages(monkeypatch):
    """An answer whose exact combined objective is not within 0.5 of HiGHS's dual bound is solved again in two stages."""
    from optimizer.pareto import front as pareto

    original = pareto._DirectSolver.solve

    def doubtful(self, upper, deadline):
        answer = original(self, upper, deadline)
        return pareto._BoxAnswer("fallback", times=answer.times, reason="dual bound") if answer.kind == "point" else answer

    monkeypatch.setattr(pareto._DirectSolver, "solve", doubtful)
    study = study_for(3)
    names = ("cost", "partnership", "slip")
    front = pareto_front(study, names, ParetoOptions(workers=1))
    assert front.complete and front.single_stage == 0
    assert front_set(front, names) == brute_front(study, names)


def test_time_limit_on_the_single_stage_path_marks_the_front_incomplete():
    """The time limit is measured on an injected clock that advances 0.1 s a reading: it runs out after ten, whatever the machine."""
    import itertools

    ticks = itertools.count()
    study = bench_study(12)
    names = list(study.objectives)[:3]
    front = pareto_front(study, names, ParetoOptions(time_limit_s=1.0, clock=lambda: 0.1 * next(ticks), workers=1))
    assert not front.complete and front.notes
    assert len(front.points) > 0 and front.single_stage > 0  # stopped mid-search, on the single-stage path


def test_single_solve_payoff_rows_equal_the_sequential_ones(monkeypatch):
    """Payoff rows after the first come from one weighted solve each; they equal the stage-by-stage lexicographic optima."""
    from optimizer.pareto import front as pareto

    study = bench_study(9)
    names = list(study.objectives)[:3]
    direct = pareto_front(study, names, ParetoOptions(workers=1))
    monkeypatch.setattr(pareto, "SINGLE_STAGE_MAX_MAGNITUDE", 0.0)
    staged = pareto_front(study, names, ParetoOptions(workers=1))
    columns = ["optimised", *names, "status"]
    assert direct.payoff[columns].equals(staged.payoff[columns])
    assert direct.solves < staged.solves


@pytest.mark.parametrize(("seed", "names"), [(8, ("agency_cost_musd", "commercial_share")), (9, ("cost", "slip"))])
def test_a_busy_chain_split_again_gives_the_same_front(seed, names):
    """Two-objective chains: when one ends, the rest of the other is cut again (pareto_chains.py); the front is the one-worker front."""
    from architecture.synthetic import SyntheticSize, generate_study

    study = generate_study(SyntheticSize(elements=12, providers=5, years=5, offers_per_element=(2, 4)), seed=seed, limits=seed % 3 != 0,
                           tightness=0.7)
    split = pareto_front(study, list(names), ParetoOptions(workers=2))
    alone = pareto_front(study, list(names), ParetoOptions(workers=1))
    assert split.complete and alone.complete and split.chains > 2
    assert front_set(split, names) == front_set(alone, names)
