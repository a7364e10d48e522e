"""Fronts against published answers: multi-objective knapsack instances with their exact fronts (tests/studies/momkp)."""

from __future__ import annotations

import pytest

from architecture.momkp import momkp_study, published_front
from optimizer.pareto.front import ParetoOptions, pareto_front
from tests.conftest import STUDIES


@pytest.mark.parametrize(("instance", "points"), [("2kp50", 35), ("4kp50", 46)])
@pytest.mark.parametrize("workers", [1, 2, 5])
def test_front_equals_the_published_one(instance, points, workers):
    folder = STUDIES / "momkp" / instance
    study = momkp_study(folder)
    names = list(study.objectives)
    front = pareto_front(study, names, ParetoOptions(workers=workers))
    assert front.complete and front.method == "exact"
    found = {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()}
    assert found == published_front(folder) and len(found) == points


class InTurn:
    """A box pool (optimizer/pareto/pool.py) that runs each solve when it is handed over and ends the oldest first."""

    def __init__(self, workers: int):
        self.workers, self.started, self.most = workers, [], 0

    def submit(self, fn, *args):
        done = _Done(fn(*args))
        self.started.append(done)
        return done

    def first_done(self, pending):
        pending = list(pending)
        self.most = max(self.most, len(pending))
        return {min(pending, key=self.started.index)}

    def close(self, pending):
        pass


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self):
        return False


@pytest.mark.parametrize(("instance", "workers"), [("2kp50", 4), ("4kp50", 8)])
def test_a_front_runs_on_the_pool_it_is_given(instance, workers):
    """ParetoOptions.box_pool: every box goes through the given pool, never more at once than the workers, same front."""
    folder = STUDIES / "momkp" / instance
    study = momkp_study(folder)
    names = list(study.objectives)
    pools = []

    def make(n):
        pools.append(InTurn(n))
        return pools[-1]

    front = pareto_front(study, names, ParetoOptions(workers=workers, box_pool=make))
    assert {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()} == published_front(folder)
    assert len(pools) == 1 and pools[0].workers == workers and 1 < pools[0].most <= workers
    assert front.workers == workers and len(pools[0].started) >= front.single_stage > 0
    if len(names) == 2:
        assert front.chains >= workers  # one chain per worker from the start
