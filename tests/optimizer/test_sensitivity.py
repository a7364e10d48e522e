"""Global sensitivity on the tiny study: an input that cannot matter scores 0, the dominant one ranks first, by both methods."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture.sensitivity_design import parse_sensitivity_design
from optimizer.decisions.sensitivity import run_sensitivity
from tests.conftest import TINY
from trade import cli

LANDER = "offers[element=lander,provider=spacex].cost_musd"   # always chosen (NASA's lander costs 4500): moves cost one for one
CARGO = "offers[element=cargo_1,provider=esa].cost_musd"      # chosen too, over a range of 20
CNSA = "offers[element=lander,provider=cnsa].cost_musd"       # CNSA is excluded: its price cannot matter
BUDGET = "limits.total_budget_musd"                           # never binding in this range
RANGES = {LANDER: [2000, 4000], CARGO: [40.0, 60.0], CNSA: [500, 1500], BUDGET: [10000, 20000]}


def design(method: str, **options):
    return parse_sensitivity_design({"sensitivity": {"method": method, **options}, "ranges": RANGES}, "sens.toml")


def cost_indices(result) -> pd.DataFrame:
    return result.indices[result.indices["output"] == "cost"].set_index("input")


def test_morris_ranks_the_dominant_input_first_and_gives_an_inert_one_zero(tiny_study):
    result = run_sensitivity(tiny_study, design("morris", trajectories=10), workers=1)
    table = cost_indices(result)
    assert table["rank"][LANDER] == 1 and table["rank"][CARGO] == 2
    # cost moves one for one with the lander's price: its elementary effect over the whole range is the range's width
    assert table["mu_star"][LANDER] == pytest.approx(2000, rel=1e-3) and table["sigma"][LANDER] == pytest.approx(0, abs=1e-6)
    assert table["mu_star"][CARGO] == pytest.approx(20, rel=0.05)
    assert table["mu_star"][CNSA] == 0 and table["mu_star"][BUDGET] == 0
    assert len(result.samples) == 10 * (len(RANGES) + 1)
    assert set(result.indices["output"]) >= {"cost", "partnership", "feasible"}


def test_sobol_agrees(tiny_study):
    result = run_sensitivity(tiny_study, design("sobol", samples=64), workers=1)
    table = cost_indices(result)
    assert table["ST"][LANDER] > 0.95 and table["rank"][LANDER] == 1
    assert abs(table["ST"][CNSA]) < 0.01 and abs(table["ST"][BUDGET]) < 0.01 and abs(table["S1"][CNSA]) < 0.01
    assert len(result.samples) == 64 * (len(RANGES) + 2)


def test_runs_without_a_solution_are_left_out_and_feasibility_is_an_output(tiny_study):
    """With the budget ranging down to infeasible values, cost indices use whole trajectories only; `feasible` ranks the budget first."""
    raw = {"sensitivity": {"trajectories": 12}, "ranges": {LANDER: [2000, 4000], BUDGET: [2000, 8000]}}
    result = run_sensitivity(tiny_study, parse_sensitivity_design(raw, "sens.toml"), workers=1)
    assert 0 < result.samples["feasible"].sum() < len(result.samples)
    cost = cost_indices(result)
    assert cost["note"].str.contains("left out: a run without a solution").all()
    feasible = result.indices[result.indices["output"] == "feasible"].set_index("input")
    assert feasible["rank"][BUDGET] == 1 and feasible["mu_star"][BUDGET] > 0


def test_runs_on_dask_give_the_local_indices(tiny_study, dask_cluster):
    local = run_sensitivity(tiny_study, design("morris", trajectories=4), workers=1)
    on_dask = run_sensitivity(tiny_study, design("morris", trajectories=4), scheduler=dask_cluster.scheduler_address)
    # the objective and feasibility are unique; other metrics come from one optimum and may differ between tied optima
    unique = ["cost", "feasible"]
    pd.testing.assert_frame_equal(on_dask.indices[on_dask.indices["output"].isin(unique)].reset_index(drop=True),
                                  local.indices[local.indices["output"].isin(unique)].reset_index(drop=True))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write_design(path, method="morris"):
    lines = ["[sensitivity]", f'method = "{method}"', "trajectories = 4", "[ranges]", *(f'"{k}" = {v}' for k, v in RANGES.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_command_writes_a_resumable_folder(tmp_path):
    sens, out = write_design(tmp_path / "sens.toml"), tmp_path / "out"
    first = invoke("sensitivity", TINY, "--design", sens, "--out", out, "--workers", 1)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in out.iterdir()) == ["indices.csv", "manifest.json", "runs", "samples.csv", "tornado.png"]
    assert (out / "tornado.png").read_bytes()[:4] == b"\x89PNG"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sensitivity" and manifest["status"] == "complete" and manifest["method"] == "morris"
    indices = pd.read_csv(out / "indices.csv")
    assert list(indices.columns) == ["output", "input", "mu_star", "mu_star_conf", "sigma", "mu", "rank", "runs_used", "note"]
    again = invoke("sensitivity", TINY, "--design", sens, "--out", out, "--workers", 1)
    assert again.exit_code == 0 and "resumed: " in again.output
    other = invoke("sensitivity", TINY, "--design", sens, "--method", "sobol", "--out", out, "--workers", 1)
    assert other.exit_code == 2 and "--overwrite" in other.output


def test_bad_designs_and_flags_are_one_line_errors_and_write_nothing(tmp_path):
    (tmp_path / "empty.toml").write_text(f'[ranges]\n"{LANDER}" = [3000, 3000]\n"{BUDGET}" = [1, 2]\n')
    (tmp_path / "unknown.toml").write_text(f'[ranges]\n"limits.total_budget" = [1, 2]\n"{BUDGET}" = [1, 2]\n')
    for name, problem in (("empty.toml", "is empty"), ("unknown.toml", "unknown key 'total_budget'")):
        result = invoke("sensitivity", TINY, "--design", tmp_path / name, "--out", tmp_path / "out")
        assert result.exit_code == 2 and problem in result.output and len(result.output.strip().splitlines()) == 1, result.output
    bad = invoke("sensitivity", TINY, "--design", write_design(tmp_path / "s.toml"), "--method", "fast", "--out", tmp_path / "out")
    assert bad.exit_code == 2
    assert not (tmp_path / "out").exists()
