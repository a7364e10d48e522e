"""Fronts of 4 and 5 objectives, and fronts exact at a planner's resolution, against every architecture enumerated."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from architecture import Architecture, StudyError
from architecture.evaluate import feasible_objectives
from architecture.policy import ObjectiveSpec
from optimizer.pareto.front import ParetoOptions, pareto_front
from tests.conftest import TINY
from tests.optimizer.test_pareto import brute_front, front_set, study_for
from trade import cli

MANY = [("cost", "partnership", "slip", "science"),                               # min, max, min, max
        ("science", "cost", "commercial_share", "slip"),                          # a ratio among four
        ("cost", "partnership", "slip", "science", "international_partners")]     # five
SEEDS = (2, 27, 29, 30, 32, 35)   # seeds of study_for with non-trivial fronts


def with_science(seed: int):
    study = study_for(seed)
    return study.with_changes(objectives={**study.objectives, "science": ObjectiveSpec(name="science", sense="max", column="science_value")})


def scored_architectures(study, names):
    choices = []
    for element in study.elements.values():
        offers = [(element.id, p) for (e, p) in study.offers if e == element.id]
        choices.append(offers if element.required else [*offers, None])
    for combo in itertools.product(*choices):
        values = feasible_objectives(study, Architecture.from_pairs(pair for pair in combo if pair), names)
        if values is not None:
            yield values


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("names", MANY, ids="-".join)
def test_fronts_of_four_and_five_objectives_equal_enumeration(seed, names):
    study = with_science(seed)
    front = pareto_front(study, names)
    assert front.complete and front.method == "exact"
    assert front_set(front, names) == brute_front(study, names)
    assert len(front.points) == len(front_set(front, names))


STEPS = {"cost": 60.0, "partnership": 3.0, "slip": 6.0, "science": 2.0}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("names", [("cost", "partnership"), ("cost", "partnership", "slip"), ("cost", "partnership", "slip", "science")],
                         ids="-".join)
def test_a_front_at_resolution_covers_every_architecture(seed, names):
    """Every feasible architecture is matched by a listed point no worse by more than the steps.

    Listed points are feasible, scored by the evaluator, and do not dominate one another.
    """
    study = with_science(seed)
    steps = {n: STEPS[n] for n in names}
    front = pareto_front(study, names, ParetoOptions(resolution=steps))
    assert front.complete and front.method == "exact at resolution"
    signs = {n: 1 if study.objective(n).sense == "min" else -1 for n in names}
    listed = [{n: float(row[n]) for n in names} for _, row in front.points.iterrows()]
    for values in scored_architectures(study, names):
        assert any(all(signs[n] * y[n] <= signs[n] * values[n] + steps[n] + 1e-9 for n in names) for y in listed), values
    for a, b in itertools.permutations(listed, 2):
        assert not (all(signs[n] * a[n] <= signs[n] * b[n] for n in names) and a != b), (a, b)
    for point, group in front.assignments.groupby("point"):
        values = feasible_objectives(study, Architecture(dict(zip(group.element, group.provider, strict=True))), names)
        row = front.points.set_index("point").loc[point]
        assert values is not None and all(values[n] == pytest.approx(row[n], abs=1e-6) for n in names)
    assert len(listed) <= len(brute_front(study, names))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_resolution_finer_than_the_data_gives_the_exact_front(seed):
    study = with_science(seed)
    names = ("cost", "partnership", "slip")
    fine = pareto_front(study, names, ParetoOptions(resolution={"cost": 0.001, "partnership": 0.01, "slip": 0.0001}))
    assert fine.method == "exact" and front_set(fine, names) == brute_front(study, names)


def test_a_declared_resolution_is_used_and_the_flag_overrides_it():
    study = with_science(29)
    objectives = dict(study.objectives)
    objectives["cost"] = objectives["cost"].model_copy(update={"resolution": 60.0})
    declared = pareto_front(study.with_changes(objectives=objectives), ("cost", "partnership"))
    flagged = pareto_front(study, ("cost", "partnership"), ParetoOptions(resolution={"cost": 60.0}))
    assert declared.method == flagged.method == "exact at resolution"
    assert front_set(declared, ("cost", "partnership")) == front_set(flagged, ("cost", "partnership"))
    with pytest.raises(StudyError, match="--resolution: 'slip' is not one of the front's objectives"):
        pareto_front(study, ("cost", "partnership"), ParetoOptions(resolution={"slip": 1.0}))


def test_four_objectives_and_a_resolution_from_the_command_line(tmp_path):
    out = tmp_path / "front4"
    result = CliRunner().invoke(cli, ["pareto", str(TINY), "--objectives", "cost,partnership,milestone_slip_months,international_partners",
                                      "--resolution", "cost=250", "--resolution", "partnership=2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = (out / "manifest.json").read_text()
    assert '"method": "exact at resolution"' in manifest and '"resolution": 250.0' in manifest
    bad = CliRunner().invoke(cli, ["pareto", str(TINY), "--objectives", "cost,partnership", "--resolution", "cost=-1"])
    assert bad.exit_code == 2 and "--resolution" in bad.output and len(bad.output.strip().splitlines()) == 1
