"""`trade confidence` and confidence limits as a planner uses them: folders, sources, out-of-sample checks, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import STUDIES
from trade import cli

SCHEDULE = STUDIES / "schedule"
LIMIT = "limits.milestone_confidence.first_landing=0.8"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_confidence_of_the_optimum_writes_the_folder(tmp_path):
    out = tmp_path / "conf"
    result = invoke("confidence", SCHEDULE, "--samples", 20_000, "--seed", 4, "--out", out)
    assert result.exit_code == 0, result.output
    assert "20,000 samples (seed 4)" in result.output and "samples/s" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["assignment.csv", "confidence.csv", "criticality.csv", "manifest.json",
                                                     "s_curve_critical_path.png", "s_curve_first_landing.png", "s_curve_surface_base.png", "s_curves.csv"]
    confidence = pd.read_csv(out / "confidence.csv")
    assert list(confidence.columns) == ["milestone", "limit_months", "p_meet", "slip_p50_months", "slip_p80_months", "slip_p95_months"]
    row = confidence.set_index("milestone").loc["first_landing"]
    assert 0 < row.p_meet < 1 and row.slip_p50_months <= row.slip_p80_months <= row.slip_p95_months
    criticality = pd.read_csv(out / "criticality.csv")
    assert list(criticality.columns) == ["milestone", "element", "criticality"] and criticality.criticality.between(0, 1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "confidence" and manifest["source"]["objective"] == "cost"
    assert manifest["samples"] == 20_000 and manifest["seed"] == 4


def test_assign_and_run_folder_give_the_same_simulation(tmp_path):
    run = tmp_path / "run"
    assert invoke("run", SCHEDULE, "--out", run).exit_code == 0
    by_run = invoke("confidence", SCHEDULE, "--run", run, "--samples", 5_000, "--out", tmp_path / "a")
    assignment = pd.read_csv(run / "assignment.csv")
    pairs = [f"{e}={p}" for e, p in zip(assignment.element, assignment.provider, strict=True)]
    by_hand = invoke("confidence", SCHEDULE, *[x for pair in pairs for x in ("--assign", pair)], "--samples", 5_000, "--out", tmp_path / "b")
    assert by_run.exit_code == 0 and by_hand.exit_code == 0, by_run.output + by_hand.output
    assert (tmp_path / "a" / "confidence.csv").read_text() == (tmp_path / "b" / "confidence.csv").read_text()


@pytest.mark.parametrize(("args", "words"), [
    (("--objective", "cost", "--assign", "ppe=nasa"), "give one of --objective, --assign or --run"),
    (("--assign", "ppe=nobody"), "offer (ppe, nobody) does not exist"),
    (("--run", "nowhere"), "assignment.csv: is missing"),
    (("--samples", "0"), "--samples"),
])
def test_bad_confidence_requests_are_one_line_errors(tmp_path, args, words):
    out = tmp_path / "conf"
    result = invoke("confidence", SCHEDULE, *args, "--out", out)
    assert result.exit_code == 2 and words in result.output, result.output
    assert not out.exists()


def test_a_run_with_a_confidence_limit_reports_its_out_of_sample_check(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", SCHEDULE, "--set", LIMIT, "--out", out)
    assert result.exit_code == 0, result.output
    assert "milestone_confidence[first_landing]:" in result.output and "10,000 fresh samples" in result.output
    limits = pd.read_csv(out / "limits.csv").set_index("limit")
    row = limits.loc["milestone_confidence[first_landing]"]
    assert row.value >= 0.8 and row.in_sample_low <= row.value <= row.in_sample_high
    assert row.out_of_sample_low <= row.out_of_sample <= row.out_of_sample_high
    (check,) = json.loads((out / "manifest.json").read_text())["confidence_checks"]
    assert check["short"] == (check["out_of_sample"] < 0.8)
    if check["short"]:
        assert "falls SHORT of the required 80.0%" in result.output


def test_an_unreachable_confidence_is_infeasible_and_explained(tmp_path):
    result = invoke("run", SCHEDULE, "--set", "limits.milestone_confidence.first_landing=0.99", "--out", tmp_path / "run")
    assert result.exit_code == 3
    explained = invoke("explain", SCHEDULE, "--set", "limits.milestone_confidence.first_landing=0.99")
    assert "milestone first_landing keeps its 30.0-month slip limit in 90.0% of the 60 samples, below the required 99.0%" in explained.output


def test_pareto_sweep_and_stress_take_the_confidence_objective(tmp_path):
    front = invoke("pareto", SCHEDULE, "--objectives", "cost,landing_confidence", "--out", tmp_path / "front")
    assert front.exit_code == 0, front.output
    points = pd.read_csv(tmp_path / "front" / "points.csv")
    assert len(points) == 2 and points.landing_confidence.is_monotonic_increasing and points.cost.is_monotonic_increasing
    grid = tmp_path / "sweep.toml"
    grid.write_text('[grid]\n"limits.max_milestone_slip_months.first_landing" = [24.0, 40.0]\n')
    sweep = invoke("sweep", SCHEDULE, "--grid", grid, "--objective", "landing_confidence", "--workers", 1, "--out", tmp_path / "sweep")
    assert sweep.exit_code == 0, sweep.output
    table = pd.read_csv(tmp_path / "sweep" / "runs.csv").set_index("limits.max_milestone_slip_months.first_landing")
    assert (table.status == "optimal").all() and table.loc[40.0, "objective_value"] > table.loc[24.0, "objective_value"]
    stress = invoke("stress", SCHEDULE, "--objective", "landing_confidence", "--workers", 1, "--out", tmp_path / "stress")
    assert stress.exit_code == 0, stress.output


def test_the_terminal_names_the_elements_that_drive_each_milestone(tmp_path):
    """The README promises which element drives each milestone: the top drivers print with their share of samples."""
    from click.testing import CliRunner

    from tests.conftest import TINY
    from trade import cli

    result = CliRunner().invoke(cli, ["confidence", str(TINY), "--out", str(tmp_path / "conf")])
    assert result.exit_code == 0, result.output
    assert "drivers (share of samples" in result.output
    drivers = pd.read_csv(tmp_path / "conf" / "criticality.csv")
    top = drivers.sort_values("criticality", ascending=False).iloc[0]
    assert f"{top.element} {top.criticality:.0%}" in result.output


def test_each_milestone_keeps_one_colour_and_limits_are_legend_entries(tmp_path):
    """S-curves, limit lines and driver bars share each milestone's colour (the PNGs too); limits never overprint as labels."""
    from click.testing import CliRunner

    from optimizer.output.plots import MILESTONE_COLOURS
    from tests.conftest import REFERENCE
    from trade import cli

    out = tmp_path / "conf"
    assert CliRunner().invoke(cli, ["confidence", str(REFERENCE), "--out", str(out)]).exit_code == 0
    assert CliRunner().invoke(cli, ["report", str(out)]).exit_code == 0
    page = (out / "report.html").read_text()
    milestones = list(pd.read_csv(out / "confidence.csv")["milestone"])
    for index, milestone in enumerate(milestones):
        colour = MILESTONE_COLOURS[index]
        assert page.count(f'"color":"{colour}"') >= 3, milestone  # its S-curve, its limit line, its driver bars
        assert f"{milestone} limit " in page  # a legend entry of its own, not an annotation drawn over the others
