"""A front whose boxes are solved on a Dask cluster equals the local front, point for point (and status for status)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from architecture.momkp import momkp_study, published_front
from optimizer.pareto.front import ParetoOptions, pareto_front
from tests.optimizer.test_front_resume import write_study_folder

ROOT = Path(__file__).resolve().parents[2]
MOMKP = ROOT / "tests" / "studies" / "momkp"


@pytest.mark.parametrize(("instance", "names"), [("2kp50", ["c1", "c2"]), ("4kp50", ["c1", "c2", "c3", "c4"])])
def test_a_front_on_a_local_cluster_equals_the_local_front(dask_cluster, instance, names):
    distributed = pytest.importorskip("dask.distributed")
    study = momkp_study(MOMKP / instance)
    local = pareto_front(study, names, ParetoOptions(workers=2))
    with distributed.Client(dask_cluster) as client:
        remote = pareto_front(study, names, ParetoOptions(scheduler=client))
        assert not any(client.run(lambda: __import__("optimizer.solve.cluster", fromlist=["_KEPT"])._KEPT).values())  # copies dropped
    assert remote.workers == 2 and remote.complete
    assert remote.points[[*names, "status"]].equals(local.points[[*names, "status"]])
    assert {tuple(row) for row in remote.points[names].itertuples(index=False)} == published_front(MOMKP / instance)


def test_trade_pareto_scheduler_gives_the_local_front(dask_cluster, tmp_path):
    study = write_study_folder(tmp_path / "2kp50")
    fronts = {}
    for label, extra in (("local", []), ("dask", ["--scheduler", dask_cluster.scheduler_address])):
        out = tmp_path / label
        done = subprocess.run([sys.executable, "trade.py", "pareto", str(study), "--objectives", "c1,c2", "--out", str(out), *extra],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        fronts[label] = pd.read_csv(out / "points.csv")
    assert fronts["dask"].equals(fronts["local"])
