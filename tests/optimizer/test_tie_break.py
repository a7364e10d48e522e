"""Equal optima give one answer: the lexicographic optimum over the declared objectives, the same in every command.

Checked against brute force on a study built of ties (tests/studies/ties: offers of one element cost the same and
differ in partner value and science), and against the Pareto front of the same study.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from architecture import Architecture, apply_overrides, load_study
from architecture.evaluate import feasible_objectives
from optimizer.decisions import alternatives, breakeven, run_stress
from optimizer.pareto.front import ParetoOptions, pareto_front
from optimizer.solve.model_cache import ModelCache
from optimizer.solve.solver import SolveOptions
from optimizer.solve.study_model import run_study

TIES = Path(__file__).parent.parent / "studies" / "ties"
NAMES = ("cost", "partnership", "science")


@pytest.fixture(scope="module")
def ties():
    return load_study(TIES)


def every_architecture(study):
    """(architecture, objective values) of every feasible architecture, by the independent evaluator."""
    choices = []
    for element in study.elements.values():
        offers = [p for (e, p) in study.offers if e == element.id]
        choices.append(offers if element.required else [*offers, None])
    ids = list(study.elements)
    for combo in itertools.product(*choices):
        arch = Architecture({e: p for e, p in zip(ids, combo, strict=True) if p is not None})
        values = feasible_objectives(study, arch, NAMES)
        if values is not None:
            yield arch, values


def lexicographic_best(study, order):
    """The best value vector in `order`, sense-aware, over every feasible architecture."""
    def key(values):
        return tuple(values[n] if study.objective(n).sense == "min" else -values[n] for n in order)

    return min((key(values) for _, values in every_architecture(study)))


def vector(study, values, order):
    return tuple(values[n] if study.objective(n).sense == "min" else -values[n] for n in order)


def test_declared_order_skips_the_primary_and_repeats(ties):
    assert ties.tie_break_order("cost") == ("partnership", "science")
    assert ties.tie_break_order("science") == ("cost", "partnership")
    assert ties.tie_break_order("agency_cost_musd") == NAMES  # a built-in primary: every declared objective breaks its ties
    again = ties.with_changes(objectives={**ties.objectives, "cost_again": ties.objectives["cost"].model_copy(update={"name": "cost_again"})})
    assert again.tie_break_order("cost") == ("partnership", "science")  # it measures what the primary does: already held


@pytest.mark.parametrize("primary", NAMES)
def test_run_is_the_lexicographic_optimum_of_brute_force(ties, primary):
    order = (primary, *ties.tie_break_order(primary))
    result = run_study(ties, primary)
    assert result.report.status == "optimal"
    assert vector(ties, result.evaluation.objectives, order) == pytest.approx(lexicographic_best(ties, order))
    assert [stage.objective for stage in result.tie_break] == [*order[1:], "offer_order"]


def test_run_is_never_dominated(ties):
    """No architecture (brute force) and no point of a front is at least as good in every objective and better in one."""
    run = run_study(ties).evaluation.objectives

    def dominates(other, names):
        a, b = vector(ties, other, names), vector(ties, run, names)
        return all(x <= y + 1e-9 for x, y in zip(a, b, strict=True)) and a != pytest.approx(b)

    assert not any(dominates(values, NAMES) for _, values in every_architecture(ties))
    for names in (("cost", "partnership"), NAMES):
        front = pareto_front(ties, names, ParetoOptions(workers=1))
        assert len(front.points) > 1
        assert not any(dominates(row, names) for row in front.points.to_dict("records")), names


def test_the_cost_optimum_is_the_first_point_of_the_cost_partnership_front(ties):
    front = pareto_front(ties, ("cost", "partnership"), ParetoOptions(workers=1))
    first = front.points.sort_values("cost").iloc[0]
    run = run_study(ties).evaluation.objectives
    assert (run["cost"], run["partnership"]) == pytest.approx((first["cost"], first["partnership"]))


def test_every_command_gives_the_run_architecture(ties):
    """run, evaluate's optimum (run_study), breakeven's chosen offers, alternative 0, stress's baseline and a sweep point agree."""
    run = run_study(ties).architecture.assignment
    pairs = set(run.items())
    chosen = breakeven(ties).table
    assert set(zip(chosen[chosen["chosen"]]["element"], chosen[chosen["chosen"]]["provider"], strict=True)) == pairs
    alt = alternatives(ties, count=2)
    first = alt.assignments[alt.assignments["alternative"] == 0]
    assert set(zip(first["element"], first["provider"], strict=True)) == pairs
    assert run_stress(ties).baseline["assignment"] == run
    assert ModelCache().run(ties, "cost", SolveOptions()).architecture.assignment == run
    # a what-if of the same structure re-solved on a kept model gives what a fresh model gives
    cache = ModelCache()
    cache.run(ties, "cost", SolveOptions())
    changed = apply_overrides(ties, ["limits.total_budget_musd=5000"])
    assert cache.run(changed, "cost", SolveOptions()).architecture.assignment == run_study(changed).architecture.assignment


def test_the_offer_order_stage_picks_the_first_listed_offer(ties):
    """relay: spacex and astro tie on cost and partner value; science prefers astro. Without science, the first listed wins."""
    study = ties.with_changes(objectives={"cost": ties.objectives["cost"], "partnership": ties.objectives["partnership"]})
    arch = run_study(study).architecture.assignment
    assert arch["relay"] == "spacex"  # listed before astro in offers.csv
    assert arch["power"] == "esa"  # partnership first: 4 over the commercial offers at the same price
