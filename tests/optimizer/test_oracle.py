"""The optimiser's answer equals the brute-force optimum found with the independent evaluator."""

from __future__ import annotations

import itertools

import pytest

from architecture import Architecture
from architecture.evaluate import evaluate, feasible_objectives
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import Solver, build_model, extract_architecture, set_objective, to_model_data

OBJECTIVES = ("cost", "partnership", "slip", "agency_cost_musd", "international_partners", "commercial_share")
SEEDS = range(24)


def small_study(seed: int):
    size = SyntheticSize(elements=6 + seed % 2, providers=4, years=5, offers_per_element=(1, 3))
    return generate_study(size, seed=seed, limits=seed % 6 != 5, tightness=0.7 + 0.1 * (seed % 5))


def brute_force(study, names):
    """Best value of each objective over every assignment (all offers, chosen or not)."""
    choices = []
    for element in study.elements.values():
        offers = [(element.id, p) for (e, p) in study.offers if e == element.id]
        choices.append(offers if element.required else [*offers, None])
    best = {name: None for name in names}
    for combo in itertools.product(*choices):
        arch = Architecture({e: p for pair in combo if pair for e, p in [pair]})
        values = feasible_objectives(study, arch, names)
        if values is None:
            continue
        for name in names:
            sense = study.objective(name).sense
            value = values[name]
            if best[name] is None or (value < best[name] if sense == "min" else value > best[name]):
                best[name] = value
    return best


@pytest.mark.parametrize("seed", SEEDS)
def test_optimum_equals_brute_force(seed):
    study = small_study(seed)
    best = brute_force(study, OBJECTIVES)
    data = to_model_data(study)
    m = build_model(data, OBJECTIVES)
    solver = Solver()
    for name in OBJECTIVES:
        set_objective(m, name)
        report = solver.solve(m)
        if best[name] is None:
            assert report.status == "infeasible", (name, report.status)
            continue
        assert report.status == "optimal", (name, report.status)
        assert report.objective == pytest.approx(best[name], rel=1e-6, abs=1e-6), name
        ev = evaluate(study, extract_architecture(m, data))
        assert ev.feasible, (name, ev.violations)
        assert ev.objectives[name] == pytest.approx(best[name], rel=1e-6, abs=1e-6), name


def test_oracle_sample_has_feasible_and_infeasible_studies():
    outcomes = [brute_force(small_study(seed), ("cost",))["cost"] is not None for seed in SEEDS]
    assert sum(outcomes) >= len(SEEDS) // 3
    assert not all(outcomes)
