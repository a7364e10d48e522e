"""The `trade` command as a planner uses it: exit codes, run folders, overwrite, explain, evaluate."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from tests.conftest import STUDIES, TINY
from trade import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_run_writes_a_complete_run_folder(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", TINY, "--out", out)
    assert result.exit_code == 0, result.output
    assert "optimal: cost = 4,050 US$M" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["assignment.csv", "budget_by_year.csv", "limits.csv", "manifest.json", "metrics.csv",
                                                     "slips.csv", "spend_by_year.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "optimal" and manifest["objective"]["name"] == "cost"
    assert set(manifest["study"]["input_sha256"]) == {"study.toml", "elements.csv", "providers.csv", "offers.csv", "costs.csv"}
    assert {"element": "lander", "provider": "cnsa", "reason": "provider cnsa is in excluded_providers"} in manifest["excluded_offers"]
    assignment = pd.read_csv(out / "assignment.csv")
    assert dict(zip(assignment.element, assignment.provider, strict=True)) == {"cargo_1": "esa", "halo": "esa", "lander": "spacex", "ppe": "nasa"}
    metrics = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert metrics.loc["cost", "value"] == 4050
    assert not list(tmp_path.glob(".*")), "no temporary folder left behind"


def test_run_refuses_to_overwrite_unless_asked(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", TINY, "--out", out).exit_code == 0
    before = (out / "manifest.json").read_text()
    refused = invoke("run", TINY, "--out", out, "--objective", "partnership")
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert (out / "manifest.json").read_text() == before
    replaced = invoke("run", TINY, "--out", out, "--objective", "partnership", "--overwrite")
    assert replaced.exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["objective"]["name"] == "partnership"


def test_default_run_folder_is_new_each_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("run", TINY).exit_code == 0
    assert invoke("run", TINY).exit_code == 0
    runs = list((tmp_path / "results" / "tiny").iterdir())
    assert len(runs) == 2


def test_scenarios_and_overrides_are_logged(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", TINY, "--scenario", "esa_withdraws,budget_cut", "--set", "limits.total_budget_musd=6000", "--out", out)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["study"]["scenario_chain"] == ["esa_withdraws", "budget_cut"]
    keys = [(c["by"], c["key"], c["new"]) for c in manifest["study"]["changes"]]
    assert ("scenario esa_withdraws", "remove provider esa", "removed") in keys
    assert ("--set", "limits.total_budget_musd", 6000.0) in keys
    assert manifest["active_limits"]["total_budget_musd"] == 6000


def test_infeasible_study_is_a_status_with_exit_3(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", TINY, "--set", "limits.total_budget_musd=1000", "--out", out)
    assert result.exit_code == 3
    assert "infeasible" in result.output and "Traceback" not in result.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "infeasible"


def test_explain_names_the_smallest_relaxation():
    result = invoke("explain", TINY, "--set", "limits.total_budget_musd=4000")
    assert result.exit_code == 3
    assert "total budget exceeded by 50.0 US$M" in result.output


def test_explain_reports_binding_limits():
    result = invoke("explain", TINY, "--set", "limits.max_milestone_slip_months.critical_path=50")
    assert result.exit_code == 0, result.output
    assert "max_milestone_slip_months[critical_path]" in result.output and "900" in result.output  # the --set key's name


def test_explain_blocked_by_exclusions():
    result = invoke("explain", TINY, "--set", 'limits.excluded_providers=["cnsa","spacex","nasa"]')
    assert result.exit_code == 3
    assert "required element 'lander' has no eligible offer once excluded" in result.output


def test_evaluate_scores_a_proposal():
    ok = invoke("evaluate", TINY, "--assign", "ppe=nasa", "--assign", "halo=nasa", "--assign", "lander=spacex", "--assign", "cargo_1=spacex")
    assert ok.exit_code == 0, ok.output
    assert "feasible: no violation" in ok.output and "5,100 US$M" in ok.output
    bad = invoke("evaluate", TINY, "--assign", "ppe=spacex", "--assign", "halo=nasa", "--assign", "lander=spacex")
    assert bad.exit_code == 3
    assert "required element cargo_1 has no provider" in bad.output
    assert "not eligible" in bad.output


def test_evaluate_reads_a_run_assignment(tmp_path):
    out = tmp_path / "run"
    invoke("run", TINY, "--out", out)
    result = invoke("evaluate", TINY, "--csv", out / "assignment.csv")
    assert result.exit_code == 0 and "4,050 US$M" in result.output


def test_internal_errors_are_one_line_without_debug(monkeypatch, tmp_path):
    import optimizer

    monkeypatch.setattr(optimizer, "run_study", lambda *a, **k: 1 / 0)
    result = invoke("run", TINY, "--out", tmp_path / "x")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("internal error: ZeroDivisionError")
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_elements_without_offers_that_require_each_other_do_not_crash(tmp_path):
    result = invoke("run", STUDIES / "unofferable_chain", "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output


def test_a_required_element_needing_one_without_offers_is_infeasible(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", STUDIES / "required_needs_unofferable", "--out", out)
    assert result.exit_code == 3, result.output
    assert "internal error" not in result.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "infeasible"
    explained = invoke("explain", STUDIES / "required_needs_unofferable")
    assert explained.exit_code == 3
    assert "required element 'cargo_1' cannot be chosen: it requires 'arm', which has no eligible offer once excluded: " \
           "provider cnsa is in excluded_providers" in explained.output


def test_the_one_line_names_the_root_problem(tmp_path):
    """An unknown provider in offers.csv is named before the element it leaves without an eligible offer."""
    import shutil

    study = tmp_path / "study"
    shutil.copytree(TINY, study)
    offers = (study / "offers.csv").read_text().replace("ppe,nasa,900", "ppe,nasx,900").replace("ppe,spacex", "ppe,spacey")
    (study / "offers.csv").write_text(offers)
    (study / "costs.csv").write_text((study / "costs.csv").read_text().replace("ppe,nasa,", "ppe,nasx,"))
    result = invoke("run", study, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert result.output.startswith("error: offers.csv:row 2:provider: unknown provider 'nasx'"), result.output


def test_the_run_says_which_optional_elements_it_leaves_out_and_who_builds_what(tmp_path):
    result = invoke("run", TINY, "--out", tmp_path / "run")
    assert result.exit_code == 0, result.output
    assert "5 elements (4 required, 1 optional)" in result.output
    assert "optional elements left out (1): cargo_2" in result.output
    assert "builder" in result.output and "procurement" in result.output and "partner_contribution" in result.output


def test_a_misspelt_objective_gets_a_suggestion_under_the_option_that_named_it(tmp_path):
    run = invoke("run", TINY, "--objective", "partnershp", "--out", tmp_path / "run")
    assert run.exit_code == 2 and "--objective: unknown objective 'partnershp'; did you mean 'partnership'?" in run.output
    front = invoke("pareto", TINY, "--objectives", "cost,partnershp", "--out", tmp_path / "front")
    assert front.exit_code == 2 and "--objectives: unknown objective" in front.output and "did you mean 'partnership'" in front.output


def test_a_set_typo_is_blamed_on_the_set_not_on_study_toml(tmp_path):
    result = invoke("run", TINY, "--set", "limits.max_milestone_slip_months.first_landin=30", "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert "--set limits.max_milestone_slip_months.first_landin: unknown milestone 'first_landin'" in result.output
    assert "study.toml" not in result.output and not (tmp_path / "run").exists()


def test_a_zero_slack_prints_as_zero_not_minus_zero(tmp_path):
    from optimizer.cli.options import fmt

    assert fmt(-1e-12) == "0" and fmt(-0.0) == "0" and fmt(-0.5) == "-0.5"


def test_evaluate_says_when_a_milestone_has_no_element_in_the_architecture():
    """landing_confidence 1 with no lander chosen is a trivial 1: the line says why."""
    from tests.conftest import REFERENCE

    result = invoke("evaluate", REFERENCE, "--assign", "ppe=nasa", "--assign", "halo=nasa")  # infeasible, and says so
    line = next(line for line in result.output.splitlines() if line.strip().startswith("landing_confidence"))
    assert "no element of milestone first_crewed_landing is in the architecture" in line


def test_the_console_process_keeps_exit_codes_output_and_files(tmp_path):
    """`trade` as a process ends without Python's teardown: its exit code, its printed lines and its files are all there."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "trade.py", "run", str(TINY), "--out", str(out)], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"wrote {out}")
    assert json.loads((out / "manifest.json").read_text())["status"] == "optimal"
    bad = subprocess.run([sys.executable, "trade.py", "run", str(tmp_path / "nowhere")], cwd=root, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1
    infeasible = subprocess.run([sys.executable, "trade.py", "run", str(TINY), "--set", "limits.total_budget_musd=10", "--out",
                                 str(tmp_path / "none")], cwd=root, capture_output=True, text=True)
    assert infeasible.returncode == 3
    usage = subprocess.run([sys.executable, "trade.py", "runn"], cwd=root, capture_output=True, text=True)
    assert usage.returncode == 2 and "No such command" in usage.stderr
