"""Fronts against published answers: multi-objective knapsack instances with their exact fronts (tests/studies/momkp)."""

from __future__ import annotations

import pytest

from architecture.momkp import momkp_study, published_front
from optimizer.pareto.front import ParetoOptions, pareto_front
from tests.conftest import STUDIES


@pytest.mark.parametrize(("instance", "points"), [("2kp50", 35), ("4kp50", 46)])
@pytest.mark.parametrize("workers", [1, 2])
def test_front_equals_the_published_one(instance, points, workers):
    folder = STUDIES / "momkp" / instance
    study = momkp_study(folder)
    names = list(study.objectives)
    front = pareto_front(study, names, ParetoOptions(workers=workers))
    assert front.complete and front.method == "exact"
    found = {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()}
    assert found == published_front(folder) and len(found) == points
