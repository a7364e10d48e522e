"""Pareto run folders and `trade compare`: files, dominance, coverage, refusal on different objectives."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer.output import read_result
from optimizer.pareto.compare import compare_results
from tests.conftest import TINY
from trade import cli


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def fronts(tmp_path_factory):
    root = tmp_path_factory.mktemp("fronts")
    base, esa = root / "base", root / "esa"
    assert invoke("pareto", TINY, "--objectives", "cost,partnership", "--out", base).exit_code == 0
    assert invoke("pareto", TINY, "--objectives", "cost,partnership", "--scenario", "esa_withdraws", "--out", esa).exit_code == 0
    return base, esa


def test_pareto_folder_holds_the_contract_files(fronts):
    base, _ = fronts
    assert {p.name for p in base.iterdir()} == {"manifest.json", "points.csv", "assignments.csv", "payoff.csv", "limits.csv", "front.png"}
    points = pd.read_csv(base / "points.csv")
    assert list(points.columns) == ["point", "cost", "partnership", "status"]
    assert points[["cost", "partnership"]].values.tolist() == [[4050.0, 7.0], [4110.0, 9.0]]
    manifest = json.loads((base / "manifest.json").read_text())
    assert manifest["kind"] == "pareto" and manifest["complete"] is True and manifest["status"] == "complete"
    assert [(o["name"], o["sense"], o["unit"]) for o in manifest["objectives"]] == [("cost", "min", "US$M"), ("partnership", "max", "score")]
    assert manifest["hypervolume"]["reference_point"] and manifest["hypervolume"]["value"] > 0
    assert set(pd.read_csv(base / "assignments.csv").columns) == {"point", "element", "provider"}


def test_compare_reports_dominance_and_what_moved(fronts, tmp_path):
    base, esa = fronts
    comparison = compare_results([read_result(base), read_result(esa)])
    pair = comparison.dominance.set_index(["a", "b"]).loc[("base", "esa")]
    assert pair["coverage_a_over_b"] == 1.0  # without ESA nothing beats the base front
    assert pair["a_points_dominated_by_b"] == 0
    assert (comparison.moved["status"] != "unchanged").any()
    assert {"halo"} <= set(comparison.changes["element"])
    result = invoke("compare", base, esa, "--out", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "cmp").iterdir()} >= {"manifest.json", "summary.csv", "dominance.csv", "moved.csv", "changes.csv", "overlay.png"}


def test_compare_refuses_different_objectives(fronts, tmp_path):
    base, _ = fronts
    other = tmp_path / "slip"
    assert invoke("pareto", TINY, "--objectives", "cost,milestone_slip_months", "--out", other).exit_code == 0
    result = invoke("compare", base, other, "--out", tmp_path / "cmp")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "cannot compare" in result.output
    assert not (tmp_path / "cmp").exists()


def test_a_single_run_compares_as_one_point(fronts, tmp_path):
    base, _ = fronts
    run = tmp_path / "run"
    assert invoke("run", TINY, "--objective", "partnership", "--scenario", "esa_withdraws", "--out", run).exit_code == 0
    comparison = compare_results([read_result(base), read_result(run)])
    assert comparison.summary.set_index("result").loc["run", "points"] == 1


def test_compare_states_its_reference_beside_each_front_s_own_figure(fronts, tmp_path):
    """The figure `trade pareto` printed for a front reappears in compare as own_hypervolume, beside the common one.

    The terminal uses short labels with a legend and shows no NaN cell.
    """
    base, esa = fronts
    comparison = compare_results([read_result(base), read_result(esa)])
    own = json.loads((base / "manifest.json").read_text())["hypervolume"]["value"]
    row = comparison.summary.set_index("result").loc["base"]
    assert row["own_hypervolume"] == pytest.approx(own) and "cost=" in row["own_reference_point"]
    result = invoke("compare", base, esa, "--out", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    assert f"A = {base}" in result.output and f"B = {esa}" in result.output
    assert "NaN" not in result.output and "one reference point for all results" in result.output
