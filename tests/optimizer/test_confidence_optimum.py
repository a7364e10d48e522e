"""Chance-constrained optima (sample average approximation) against brute force over every architecture, same sample set."""

from __future__ import annotations

import random

import pytest

from architecture import Architecture
from architecture.evaluate import evaluate, feasible_objectives
from architecture.policy import ObjectiveSpec
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import run_study
from tests.optimizer.test_oracle import brute_force

SEEDS = range(16)


def uncertain_study(seed: int):
    """A small synthetic study with uncertain slips, failures, slip limits on every milestone and a confidence limit.

    Providers correlate on some seeds; slips take the latest (`max`) on even seeds and add up on odd ones.
    """
    rng = random.Random(100 + seed)
    base = generate_study(SyntheticSize(elements=6, providers=4, years=5, offers_per_element=(1, 3)), seed=seed, limits=seed % 4 != 3,
                          tightness=0.7)
    offers = {}
    for key, offer in base.offers.items():
        p80 = round(offer.slip_months * rng.uniform(1.0, 2.0), 1) if offer.slip_months > 0 and rng.random() < 0.8 else None
        failure = round(rng.uniform(0.0, 0.3), 2) if rng.random() < 0.3 else 0.0
        offers[key] = offer.model_copy(update={"slip_p80_months": p80, "failure_probability": failure})
    info = base.info.model_copy(update={"slip_correlation": rng.choice([0.0, 0.5]), "confidence_samples": 30, "confidence_seed": seed,
                                        "reprocurement_months": 12.0})
    study = base.with_changes(offers=offers, info=info)
    slips = {ms: round(rng.uniform(15, 60)) for ms in study.milestones}
    chosen = rng.choice(study.milestones) if study.milestones else None
    confidence = {chosen: rng.choice([0.5, 0.7, 0.9])} if chosen is not None and seed % 3 else {}
    limits = study.limits.model_copy(update={"max_milestone_slip_months": slips, "milestone_confidence": confidence})
    objectives = {**study.objectives,
                  "joint": ObjectiveSpec(name="joint", sense="max", builtin="milestone_confidence"),
                  **({"one": ObjectiveSpec(name="one", sense="max", builtin="milestone_confidence", milestone=chosen)} if chosen else {})}
    return study.with_changes(limits=limits, objectives=objectives)


@pytest.mark.parametrize("seed", SEEDS)
def test_chance_constrained_optimum_equals_brute_force(seed):
    study = uncertain_study(seed)
    names = [name for name in ("cost", "joint", "one") if name in study.objectives]
    best = brute_force(study, names)
    for name in names:
        result = run_study(study, name)
        if best[name] is None:
            assert result.report.status == "infeasible", (name, result.report.status)
            continue
        assert result.report.status == "optimal", (name, result.report.status)
        assert result.report.objective == pytest.approx(best[name], rel=1e-6, abs=1e-6), name
        assert result.evaluation.feasible, (name, result.evaluation.violations)
        assert result.evaluation.objectives[name] == pytest.approx(best[name], rel=1e-6, abs=1e-6), name


def test_the_sample_exercises_limits_that_bind():
    """Some confidence limits change the cheapest answer: the brute-force comparison is not vacuous."""
    changed = 0
    for seed in SEEDS:
        study = uncertain_study(seed)
        if not study.limits.milestone_confidence:
            continue
        free = study.with_changes(limits=study.limits.model_copy(update={"milestone_confidence": {}}))
        with_limit, without = brute_force(study, ["cost"])["cost"], brute_force(free, ["cost"])["cost"]
        changed += with_limit is None or without is None or with_limit > without + 1e-6
    assert changed >= 3


def test_evaluator_confidence_is_the_models_sample_share():
    study, result = next((s, r) for s in map(uncertain_study, SEEDS) if (r := run_study(s, "joint")).architecture is not None)
    arch = result.architecture
    assert isinstance(arch, Architecture)
    samples = study.info.confidence_samples
    value = evaluate(study, arch).objectives["joint"]
    assert value * samples == pytest.approx(round(value * samples))
    assert feasible_objectives(study, arch, ["joint"]) == {"joint": pytest.approx(result.report.objective)}


@pytest.mark.parametrize("samples", [60, 200])
@pytest.mark.parametrize("names", [("cost", "landing_confidence"), ("cost", "milestone_confidence"), ("science", "milestone_confidence", "cost"),
                                   ("milestone_confidence", "cost", "science")], ids="-".join)
def test_confidence_fronts_equal_enumeration(names, samples):
    """Fronts over confidence objectives against every architecture of the schedule study.

    With 200 samples the shares lie on a decimal grid and boxes are solved single-stage with a cutoff from known points:
    the objective's constant (1 - misses/N) must leave the cutoff (it once cut away true points of 3-objective fronts).
    With 60 the shares k/60 are compared on a 1e-6 grid, on the two-stage path.
    """
    from architecture import apply_overrides, load_study
    from optimizer.pareto.front import ParetoOptions, pareto_front
    from tests.conftest import STUDIES
    from tests.optimizer.test_pareto import brute_front, front_set

    study = apply_overrides(load_study(STUDIES / "schedule"), [f"study.confidence_samples={samples}"])
    front = pareto_front(study, list(names), ParetoOptions(workers=2))
    assert front.complete and front.method == "exact"

    def rounded(vectors):
        return {tuple(round(v, 6) for v in vector) for vector in vectors}

    assert rounded(front_set(front, names)) == rounded(brute_front(study, names))
