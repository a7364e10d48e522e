"""Break-even prices and the decisions of alternatives on a Dask cluster equal the local ones (optimizer/solve/cluster.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from architecture import load_study
from optimizer.decisions import alternatives
from optimizer.decisions.breakeven import breakeven
from tests.conftest import REFERENCE, TINY

ROOT = Path(__file__).resolve().parents[2]


def kept_on_workers(client) -> int:
    return sum(client.run(lambda: len(__import__("optimizer.solve.cluster", fromlist=["_KEPT"])._KEPT)).values())


def test_breakeven_on_a_local_cluster_equals_the_local_table(dask_cluster):
    distributed = pytest.importorskip("dask.distributed")
    study = load_study(REFERENCE)
    local = breakeven(study, "cost")
    with distributed.Client(dask_cluster) as client:
        remote = breakeven(study, "cost", scheduler=client)
        assert kept_on_workers(client) == 0  # each worker's copies dropped at the end
    assert remote.table.fillna(-1).equals(local.table.fillna(-1))
    assert remote.solves == local.solves


def test_the_decisions_of_alternatives_on_a_local_cluster_equal_the_local_ones(dask_cluster):
    distributed = pytest.importorskip("dask.distributed")
    study = load_study(REFERENCE)
    local = alternatives(study, "cost", 0.02, 2)
    with distributed.Client(dask_cluster) as client:
        remote = alternatives(study, "cost", 0.02, 2, scheduler=client)
        assert kept_on_workers(client) == 0
    assert remote.decisions.equals(local.decisions)
    assert remote.table.equals(local.table) and remote.assignments.equals(local.assignments)
    assert not local.decisions["holds_within_slack"].all() and local.decisions["holds_within_slack"].any()  # both kinds of rows


@pytest.mark.parametrize(("command", "table"), [("breakeven", "breakeven.csv"), ("alternatives", "decisions.csv")])
def test_the_commands_take_scheduler_and_write_the_local_files(dask_cluster, tmp_path, command, table):
    written = {}
    for label, extra in (("local", []), ("dask", ["--scheduler", dask_cluster.scheduler_address])):
        out = tmp_path / label
        done = subprocess.run([sys.executable, "trade.py", command, str(TINY), "--out", str(out), *extra], cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        written[label] = pd.read_csv(out / table)
    assert written["dask"].equals(written["local"])
