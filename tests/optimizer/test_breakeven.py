"""Break-even prices against every architecture enumerated with the evaluator, at the price just below and above."""

from __future__ import annotations

import itertools
import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture import Architecture
from architecture.evaluate import evaluate, feasible_objectives
from architecture.policy import ObjectiveSpec
from architecture.synthetic import SyntheticSize, generate_study
from optimizer.decisions.breakeven import breakeven, priced
from optimizer.solve.study_model import StudyModel
from tests.conftest import REFERENCE
from trade import cli

STEP_MUSD = 0.05


def study_for(seed: int):
    """A small random study with, besides cost and partnership, a ratio and a slip objective."""
    study = generate_study(SyntheticSize(6, 4, 4, (1, 3)), seed=seed, tightness=0.7)
    objectives = {**study.objectives, "share": ObjectiveSpec(name="share", sense="max", builtin="commercial_share"),
                  "slip": ObjectiveSpec(name="slip", sense="min", builtin="milestone_slip_months")}
    return study.with_changes(objectives=objectives)


def architectures(study) -> list[Architecture]:
    choices = []
    for element in study.elements.values():
        offers = [pair for pair in study.offers if pair[0] == element.id]
        choices.append(offers if element.required else [*offers, None])
    return [Architecture.from_pairs(pair for pair in combo if pair) for combo in itertools.product(*choices)]


def scored(study, archs, name: str) -> list[tuple[float, Architecture]]:
    return [(values[name], arch) for arch in archs if (values := feasible_objectives(study, arch, [name])) is not None]


def in_some_optimum(study, archs, name: str, pair, cost: float) -> bool:
    """Whether, with the offer at `cost`, some optimum (brute force) includes it."""
    sense = study.objective(name).sense
    values = scored(priced(study, *pair, cost), archs, name)
    best = min(v for v, _ in values) if sense == "min" else max(v for v, _ in values)
    tolerance = 1e-6 * max(1.0, abs(best))
    return any(abs(v - best) <= tolerance and arch.assignment.get(pair[0]) == pair[1] for v, arch in values)


@pytest.mark.parametrize(("seed", "name"), [
    *((seed, name) for seed in (0, 1, 3, 5, 6, 10, 24, 27) for name in ("cost", "partnership")),
    *((seed, name) for seed in (0, 3, 6, 13) for name in ("share", "slip")),
])
def test_breakeven_flips_membership_of_the_brute_force_optimum(seed, name):
    study = study_for(seed)
    result = breakeven(study, name)
    archs = architectures(study)
    optimum = scored(study, archs, name)
    if result.optimum is None:  # an infeasible study has no break-even prices
        assert not optimum and result.status == "infeasible" and result.table.empty
        return
    listed = set(zip(result.table["element"], result.table["provider"], strict=True))
    for pair in set(study.offers) - listed:  # an offer left out is one no architecture can use
        assert not any(arch.assignment.get(pair[0]) == pair[1] for _, arch in optimum + scored(priced(study, *pair, 0.0), archs, name))
    for row in result.table.itertuples():
        pair = (row.element, row.provider)
        with_offer = [arch for arch in archs if arch.assignment.get(row.element) == row.provider]
        if row.note == "indispensable":  # every feasible architecture has it; above the break-even none is feasible
            assert all(arch.assignment.get(row.element) == row.provider for _, arch in optimum), pair
            assert scored(priced(study, *pair, row.breakeven_cost_musd), with_offer, name), pair
            assert not scored(priced(study, *pair, row.breakeven_cost_musd + STEP_MUSD), with_offer, name), pair
        elif row.note == "cannot be chosen":
            assert not scored(priced(study, *pair, 0.0), with_offer, name), pair
            assert not scored(study, with_offer, name), pair
        elif row.note == "not in an optimum at any cost":
            assert not in_some_optimum(study, archs, name, pair, 0.0), pair
        elif row.note == "in an optimum at any cost":
            assert in_some_optimum(study, archs, name, pair, 1e6), pair
        else:
            assert row.note == "" and math.isfinite(row.breakeven_cost_musd), pair
            assert row.margin_musd == pytest.approx(row.breakeven_cost_musd - row.cost_musd, abs=0.011)
            assert row.margin_musd >= 0 if row.chosen else True, pair  # not chosen yet in reach: a tie
            if row.breakeven_cost_musd >= STEP_MUSD:
                assert in_some_optimum(study, archs, name, pair, row.breakeven_cost_musd - STEP_MUSD), pair
            assert not in_some_optimum(study, archs, name, pair, row.breakeven_cost_musd + STEP_MUSD), pair


def test_a_fresh_build_per_solve_gives_the_same_prices():
    study = study_for(3)
    kept, fresh = breakeven(study, "cost"), breakeven(study, "cost", persistent=False)
    assert kept.table.fillna(-1).equals(fresh.table.fillna(-1))


def test_an_annual_budget_row_sets_a_breakeven():
    """The price counts in each fiscal year through the offer's spending: here the 2026 cap, not the total, binds first."""
    study = study_for(3)
    table = breakeven(study, "partnership").table.set_index(["element", "provider"])
    row = table.loc[("e0001", "inte_01")]
    assert row.chosen and row.note == ""
    at = priced(study, "e0001", "inte_01", row.breakeven_cost_musd)
    kept = at.with_changes(limits=at.limits.model_copy(update={"fixed": {"e0001": "inte_01"}}))
    best = StudyModel(kept, "partnership").solve()  # the best architecture that keeps the offer at its break-even price
    arch = best.architecture
    assert evaluate(at, arch).feasible
    assert best.report.objective == pytest.approx(StudyModel(study, "partnership").solve().report.objective)  # still an optimum
    over = evaluate(priced(study, "e0001", "inte_01", row.breakeven_cost_musd + STEP_MUSD), arch).violations
    assert len(over) == 1 and over[0].startswith("annual budget 2026 exceeded")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_command_writes_its_folder_and_never_overwrites(tmp_path):
    out = tmp_path / "be"
    result = invoke("breakeven", REFERENCE, "--objective", "partnership", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["breakeven.csv", "manifest.json"]
    table = pd.read_csv(out / "breakeven.csv")
    assert list(table.columns) == ["element", "provider", "cost_musd", "chosen", "breakeven_cost_musd", "margin_musd", "note"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "breakeven" and manifest["objective"]["name"] == "partnership"
    again = invoke("breakeven", REFERENCE, "--out", out)
    assert again.exit_code == 2 and "--overwrite" in again.output
    bad = invoke("breakeven", REFERENCE, "--objective", "nope", "--out", tmp_path / "bad")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1 and not (tmp_path / "bad").exists()
