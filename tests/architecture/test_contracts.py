"""Mutually exclusive contracts (offers.csv `contract`): bad input, and optima equal to brute force on random studies."""

from __future__ import annotations

import random
import shutil

import pandas as pd
import pytest

from architecture import StudyError, load_study
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import run_study
from tests.conftest import TINY
from tests.optimizer.test_oracle import brute_force


def test_a_contract_named_twice_for_one_element_is_refused(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    frame = pd.read_csv(folder / "offers.csv", dtype=str, keep_default_na=False)
    frame["contract"] = ""
    frame.loc[(frame.element == "cargo_2") & frame.provider.isin(["spacex", "esa"]), "contract"] = "shared"
    frame.to_csv(folder / "offers.csv", index=False)
    with pytest.raises(StudyError, match=r"offers.csv:row 1[0-9]:contract: contract 'shared' is already offered for element 'cargo_2' on row 1[0-9]"):
        load_study(folder)


def contracted_study(seed: int):
    """A small synthetic study in which a few contracts are each offered for two or three elements."""
    rng = random.Random(seed)
    study = generate_study(SyntheticSize(elements=6, providers=4, years=5, offers_per_element=(1, 3)), seed=seed, limits=seed % 3 != 2,
                           tightness=0.7)
    offers = dict(study.offers)
    by_element: dict[str, list] = {}
    for key in offers:
        by_element.setdefault(key[0], []).append(key)
    for index in range(2):
        elements = rng.sample(sorted(by_element), k=rng.choice([2, 3]))
        for e in elements:
            key = rng.choice(by_element[e])
            if offers[key].contract is None:
                offers[key] = offers[key].model_copy(update={"contract": f"k{index}"})
    return study.with_changes(offers=offers)


@pytest.mark.parametrize("seed", range(12))
def test_optimum_with_contracts_equals_brute_force(seed):
    study = contracted_study(seed)
    names = ("cost", "partnership")
    best = brute_force(study, names)
    for name in names:
        result = run_study(study, name)
        if best[name] is None:
            assert result.report.status == "infeasible"
            continue
        assert result.report.objective == pytest.approx(best[name], rel=1e-6, abs=1e-6), name
        assert result.evaluation.feasible, result.evaluation.violations


def test_the_contracts_change_some_optima():
    """The brute-force comparison is not vacuous: in some of the random studies a contract binds."""
    changed = 0
    for seed in range(12):
        study = contracted_study(seed)
        free = study.with_changes(offers={k: o.model_copy(update={"contract": None}) for k, o in study.offers.items()})
        changed += brute_force(study, ("cost", "partnership")) != brute_force(free, ("cost", "partnership"))
    assert changed >= 2
