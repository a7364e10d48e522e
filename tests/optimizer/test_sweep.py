"""Sweeps: rows for every run (failed ones too), identical serial / pool / Dask results, resumable folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture import StudyError, SweepDesign, apply_point, load_sweep_design
from optimizer import read_tables, run_study, run_sweep
from optimizer.output import SWEEP_RECORDS
from optimizer.sweep.runner import TIMING_COLUMNS
from tests.conftest import TINY
from trade import cli

ROOT = Path(__file__).resolve().parents[2]
MIXED = {  # 12 runs: optimal, infeasible by the solver, infeasible by eligibility, invalid
    "sweep": {"objective": "cost"},
    "grid": {"limits.total_budget_musd": [1000, 4500, 6000], "scenario": ["", "esa_withdraws"], "remove_providers": ["", "spacex"]},
}


def results(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the timing columns (the only ones allowed to differ between executions)."""
    return table.drop(columns=list(TIMING_COLUMNS)).reset_index(drop=True)


@pytest.fixture(scope="module")
def serial(tiny_study):
    return run_sweep(tiny_study, SweepDesign.from_dict(MIXED), workers=1)


def test_every_run_is_a_row_with_its_status(serial):
    table = serial.table
    assert list(table["run"]) == list(range(1, 13)) and table["run_id"].is_unique
    assert serial.complete and serial.ran == 12 and serial.resumed == 0
    by_status = serial.counts()
    assert by_status == {"infeasible": 8, "optimal": 4}
    base = table[(table["overrides"] == "limits.total_budget_musd=6000")].iloc[0]
    assert base["status"] == "optimal" and base["cost"] == 4050 and base["assign:lander"] == "spacex" and base["feasible_by_evaluator"]
    solver_infeasible = table[table["overrides"] == "limits.total_budget_musd=1000"].iloc[0]
    assert solver_infeasible["status"] == "infeasible" and pd.isna(solver_infeasible["cost"]) and solver_infeasible["assign:lander"] == ""
    blocked = table[(table["scenario"] == "esa_withdraws") & (table["remove_providers"] == "spacex")]
    assert set(blocked["status"]) == {"infeasible"}
    assert blocked["message"].str.contains("required element 'cargo_1' has no eligible offer").all()
    for column in ("limits.total_budget_musd", "scenario", "remove_providers", "objective_value", "agency_cost_musd",
                   "milestone_slip_months:first_landing", "commercial_share", "partnership", "assign:ppe"):
        assert column in table.columns


def test_a_combination_that_cannot_apply_is_an_invalid_row(tiny_study):
    design = SweepDesign.from_dict({"grid": {"remove_providers": ["", "esa"], "offers[element=halo,provider=esa].slip_months": [30]}})
    table = run_sweep(tiny_study, design, workers=1).table
    assert list(table["status"]) == ["optimal", "invalid"]
    assert "no offer halo, esa" in table["message"].iloc[1]


def test_model_reuse_gives_the_answers_of_fresh_builds(tiny_study, monkeypatch):
    """Runs that differ only in mutable limits re-solve one model; each answer equals a fresh `run_study`."""
    from optimizer import ModelCache

    reused = []
    original = ModelCache.run

    def counted(self, study, objective, options):
        hits = self.hits
        result = original(self, study, objective, options)
        reused.extend([1] * (self.hits - hits))
        return result

    monkeypatch.setattr(ModelCache, "run", counted)
    ranges = {  # every limit a model may hold as a mutable Param, all set in every run
        "limits.total_budget_musd": [3500.0, 7000.0], "limits.annual_budget_musd.2028": [500.0, 3000.0],
        "limits.max_milestone_slip_months.first_landing": [20.0, 60.0],
        "limits.critical_path_max_owners": [1, 2],
        "limits.min_providers_per_category.logistics": [1, 2], "limits.metric_max.partner_value": [2.0, 10.0],
        "limits.metric_min.partner_value": [0.0, 6.0]}
    grid = {"limits.min_commercial_share": [0.0, 0.6], "limits.max_partner_share": [0.3, 1.0]}  # may be constants: one model per value
    design = SweepDesign.from_dict({"grid": grid, "lhs": {"samples": 8, "seed": 5, "decimals": 2, "ranges": ranges}})
    table = run_sweep(tiny_study, design, workers=1).table
    assert reused, "runs of the same structure re-solve one model"
    assert {"optimal", "infeasible"} <= set(table["status"])
    for point, row in zip(design.points, table.to_dict("records"), strict=True):
        fresh = run_study(apply_point(tiny_study, point), "cost")
        assert row["status"] == str(fresh.report.status), point.describe()
        if fresh.architecture is not None:
            assert row["objective_value"] == pytest.approx(fresh.report.objective)
            assert {k.removeprefix("assign:"): v for k, v in row.items() if k.startswith("assign:") and v} == dict(fresh.architecture.assignment)


def test_local_pool_gives_the_serial_results(tiny_study, serial):
    pooled = run_sweep(tiny_study, SweepDesign.from_dict(MIXED), workers=2)
    pd.testing.assert_frame_equal(results(pooled.table), results(serial.table))


def test_dask_cluster_gives_the_local_results(tiny_study, serial, dask_cluster):
    on_dask = run_sweep(tiny_study, SweepDesign.from_dict(MIXED), scheduler=dask_cluster.scheduler_address)
    pd.testing.assert_frame_equal(results(on_dask.table), results(serial.table))


def test_reference_sweep_is_identical_locally_and_on_dask(dask_cluster, tmp_path):
    """The 'done when' check on the reference study: budget x partner withdrawal x lander slip."""
    from architecture import load_study
    from tests.conftest import REFERENCE

    study = load_study(REFERENCE)
    design = SweepDesign.from_dict({"sweep": {"objective": "cost"}, "grid": {
        "remove_providers": ["", "esa"], "offers[element=cargo_lander_heavy,provider=blue_origin].slip_months": [49.0, 73.0],
        "scale": {"limits.annual_budget_musd": [0.8, 1.0]}}})
    local = run_sweep(study, design, tmp_path / "local", workers=2)
    on_dask = run_sweep(study, design, tmp_path / "dask", scheduler=dask_cluster.scheduler_address)
    assert local.counts().get("optimal", 0) > 0
    pd.testing.assert_frame_equal(results(on_dask.table), results(local.table))
    assert read_tables(tmp_path / "dask").manifest["execution"]["scheduler"] == dask_cluster.scheduler_address


def test_fronts_give_one_row_per_point(tiny_study):
    design = SweepDesign.from_dict({"sweep": {"objectives": ["cost", "partnership"]}, "grid": {"scenario": ["", "esa_withdraws"]}})
    table = run_sweep(tiny_study, design, workers=1).table
    base = table[table["run"] == 1]
    assert len(base) > 1 and list(base["point"]) == list(range(1, len(base) + 1))
    assert base["cost"].is_monotonic_increasing and base["partnership"].is_monotonic_increasing
    assert (table["objective"] == "cost,partnership").all()


def test_folder_is_self_describing_and_resumes_without_rerunning(tiny_study, tmp_path):
    out = tmp_path / "sweep"
    design = SweepDesign.from_dict(MIXED, source="mixed.toml")
    first = run_sweep(tiny_study, design, out, workers=1, command="test")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs", "runs.csv", "runs.parquet"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["schema_version"] == "1.0" and manifest["status"] == "complete"
    assert manifest["study"]["input_sha256"] and manifest["engine"]["name"] == "gateway-trade" and manifest["command"] == "test"
    assert [run["run_id"] for run in manifest["design"]["runs"]] == list(first.table["run_id"])
    assert manifest["counts"] == {"runs": 12, "done": 12, "by_status": {"infeasible": 8, "optimal": 4}}
    assert manifest["units"]["cost"] == "US$M"
    folder = read_tables(out)
    pd.testing.assert_frame_equal(results(folder["runs"]), results(first.table), check_dtype=False)
    csv = pd.read_csv(out / "runs.csv")
    assert list(csv.columns) == list(first.table.columns) and len(csv) == 12

    stamps = {p.name: p.stat().st_mtime_ns for p in (out / SWEEP_RECORDS).iterdir()}
    (out / SWEEP_RECORDS / f"{first.table['run_id'][3]}.json").write_text("{truncated")  # a damaged record is redone
    (out / SWEEP_RECORDS / ".x.json.tmp-1").write_text("left over")
    again = run_sweep(tiny_study, design, out, workers=1)
    assert again.resumed == 11 and again.ran == 1
    assert {p.name: p.stat().st_mtime_ns for p in (out / SWEEP_RECORDS).iterdir() if p.name != f"{first.table['run_id'][3]}.json"} == \
        {k: v for k, v in stamps.items() if k != f"{first.table['run_id'][3]}.json"}
    assert not list((out / SWEEP_RECORDS).glob(".*"))
    pd.testing.assert_frame_equal(results(again.table), results(first.table))
    assert len(json.loads((out / "manifest.json").read_text())["resumed_utc"]) == 1


def test_another_design_in_the_folder_is_refused_unless_overwrite(tiny_study, tmp_path):
    out = tmp_path / "sweep"
    run_sweep(tiny_study, SweepDesign.from_dict({"grid": {"scenario": ["", "esa_withdraws"]}}), out, workers=1)
    other = SweepDesign.from_dict({"grid": {"scenario": ["", "budget_cut"]}})
    with pytest.raises(StudyError, match="holds another sweep"):
        run_sweep(tiny_study, other, out, workers=1)
    with pytest.raises(StudyError, match="holds another sweep"):  # same design, other solver options: other results
        from optimizer import SolveOptions

        run_sweep(tiny_study, SweepDesign.from_dict({"grid": {"scenario": ["", "esa_withdraws"]}}), out, workers=1,
                  options=SolveOptions(time_limit_s=5))
    replaced = run_sweep(tiny_study, other, out, workers=1, overwrite=True)
    assert replaced.resumed == 0 and len(list((out / SWEEP_RECORDS).iterdir())) == 2
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("mine")
    with pytest.raises(StudyError, match="is not a sweep folder"):
        run_sweep(tiny_study, other, tmp_path / "plain", workers=1)


def write_sweep_file(tmp_path: Path, budgets: int = 10) -> Path:
    path = tmp_path / "sweep.toml"
    values = ", ".join(str(3500 + 250 * i) for i in range(budgets))
    path.write_text(f'[sweep]\nobjective = "cost"\n[grid]\n"limits.total_budget_musd" = [{values}]\n'
                    'scenario = ["", "esa_withdraws"]\nremove_providers = ["", "cnsa"]\n', encoding="utf-8")
    return path


def test_cli_sweep_writes_the_folder_and_bad_files_are_one_line(tmp_path):
    sweep_file = write_sweep_file(tmp_path, budgets=2)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sweep", str(TINY), "--grid", str(sweep_file), "--out", str(out), "--workers", "1",
                                      "--set", "limits.max_milestone_slip_months.first_landing=40"])
    assert result.exit_code == 0, result.output
    assert "8 runs of cost" in result.output and "runs by status:" in result.output
    manifest = read_tables(out).manifest
    assert manifest["study"]["changes"][0]["key"] == "limits.max_milestone_slip_months.first_landing"
    assert manifest["command"]
    again = CliRunner().invoke(cli, ["sweep", str(TINY), "--grid", str(sweep_file), "--out", str(out), "--workers", "1",
                                     "--set", "limits.max_milestone_slip_months.first_landing=40"])
    assert again.exit_code == 0 and "resumed: 8 runs were already done, 0 solved now" in again.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"limits.total_budget" = [1]\n')
    refused = CliRunner().invoke(cli, ["sweep", str(TINY), "--grid", str(bad), "--out", str(tmp_path / "never")])
    assert refused.exit_code == 2 and refused.output.strip().count("\n") == 0
    assert "bad.toml:grid.limits.total_budget: unknown key 'total_budget'" in refused.output
    assert not (tmp_path / "never").exists()


def wait_gone(pids: list[int], timeout_s: float = 15.0) -> bool:
    """True once every process has exited (or is a zombie nobody reaps)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.05)
    return False


KILLED_AFTER = 8
# A sweep that kills itself with SIGKILL right after its 8th run is saved: where it stops does not race a clock.
KILLER = """
import multiprocessing, os, signal, sys
from pathlib import Path
from architecture import load_study, load_sweep_design
from optimizer import run_sweep

def main():
    study, grid, out, pids = sys.argv[1:5]
    saved = []

    def on_record(record):
        saved.append(record)
        if len(saved) == {after}:
            Path(pids).write_text(" ".join(str(child.pid) for child in multiprocessing.active_children()))
            os.kill(os.getpid(), signal.SIGKILL)

    run_sweep(load_study(study), load_sweep_design(grid), out, workers=2, on_record=on_record)

if __name__ == "__main__":
    main()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads process states from /proc (Linux)")
def test_killed_sweep_resumes_losslessly(tiny_study, tmp_path):
    """A sweep killed with SIGKILL mid-run resumes with the same command: every run once, the table complete and equal to an uninterrupted sweep."""
    sweep_file = write_sweep_file(tmp_path)  # 40 runs
    out = tmp_path / "killed"
    killer = tmp_path / "killer.py"
    killer.write_text(KILLER.replace("{after}", str(KILLED_AFTER)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pids = tmp_path / "workers.txt"
    killed = subprocess.run([sys.executable, str(killer), str(TINY), str(sweep_file), str(out), str(pids)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    workers = [int(pid) for pid in pids.read_text().split()]
    assert workers and wait_gone(workers), "the pool's workers leave with their parent"
    records = out / SWEEP_RECORDS
    done_before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in records.glob("*.json")}
    assert len(done_before) == KILLED_AFTER, "every run saved before the kill, and no other"
    assert not (out / "runs.csv").exists(), "the table is only written at the end"

    command = [sys.executable, "trade.py", "sweep", str(TINY), "--grid", str(sweep_file), "--out", str(out), "--workers", "2"]
    resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {KILLED_AFTER} runs were already done, {40 - KILLED_AFTER} solved now" in resumed.stdout
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in records.glob("*.json")}
    assert len(after) == 40 and all(after[name] == value for name, value in done_before.items()), "no finished run is run again"
    assert not list(out.glob(".*")) and not list(records.glob(".*"))
    table = pd.read_parquet(out / "runs.parquet")
    assert len(table) == 40 and table["run_id"].is_unique and list(table["run"]) == list(range(1, 41))
    fresh = run_sweep(tiny_study, load_sweep_design(sweep_file), workers=1)
    pd.testing.assert_frame_equal(results(table), results(fresh.table), check_dtype=False)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_runs_travel_in_consecutive_batches_covering_each_run_once():
    from optimizer.sweep.runner import MAX_BATCH, run_batches

    pending = [(run, f"point-{run}") for run in range(1, 1001)]
    batches = run_batches(pending, workers=2)
    assert [item for batch in batches for item in batch] == pending  # every run once, in order
    assert max(len(batch) for batch in batches) == MAX_BATCH
    assert run_batches(pending[:10], workers=2) == [[item] for item in pending[:10]]  # few runs: one per task
