"""Every input check fires on a small bad study, with a one-line message naming where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from architecture import StudyError, inspect_study, load_study
from architecture.errors import CHECK_CODES
from tests.conftest import TINY
from trade import cli

# name: (file, text to replace, replacement, expected check code, expected location start)
BAD = {
    "missing_file": ("providers.csv", None, None, "missing_file", "providers.csv"),
    "csv_syntax": ("offers.csv", "ppe,nasa,900", 'ppe,nasa,"900', "csv_syntax", "offers.csv"),
    "missing_column": ("elements.csv", ",critical_path,", ",critical,", "missing_column", "elements.csv"),
    "duplicate_column": ("providers.csv", "id,name,kind,", "id,name,kind,kind,", "duplicate_column", "providers.csv"),
    "toml_syntax": ("study.toml", 'name = "tiny"', 'name = "tiny', "toml_syntax", "study.toml"),
    "unknown_key_limits": ("study.toml", "[limits]", "[limits]\ntotal_budget = 5", "unknown_key", "study.toml:limits.total_budget"),
    "unknown_key_scenario": ("study.toml", 'remove_providers = ["esa"]', 'remove_provider = ["esa"]', "unknown_key", "study.toml:scenarios.esa_withdraws"),
    "missing_value": ("elements.csv", "ppe,Power and propulsion,propulsion,gateway,true", "ppe,,propulsion,gateway,true", "missing_value", "elements.csv:row 2"),
    "wrong_type_number": ("offers.csv", "ppe,nasa,900,24", "ppe,nasa,nine hundred,24", "wrong_type", "offers.csv:row 2"),
    "wrong_type_kind": ("providers.csv", "spacex,SpaceX,commercial", "spacex,SpaceX,company", "wrong_type", "providers.csv:row 4"),
    "wrong_type_bool": ("elements.csv", "lander,Crewed lander,lander,surface,true", "lander,Crewed lander,lander,surface,maybe", "wrong_type", "elements.csv:row 4"),
    "wrong_type_metric": ("offers.csv", "halo,esa,100,36,2026,2029,800,5,", "halo,esa,100,36,2026,2029,800,5x,", "wrong_type", "offers.csv:row 5:partner_value"),
    "not_finite_nan": ("offers.csv", "ppe,nasa,900,24", "ppe,nasa,nan,24", "not_finite", "offers.csv:row 2"),
    "not_finite_inf": ("offers.csv", "ppe,spacex,500,30", "ppe,spacex,500,inf", "not_finite", "offers.csv:row 3"),
    "not_finite_metric": ("offers.csv", "halo,esa,100,36,2026,2029,800,5,", "halo,esa,100,36,2026,2029,800,nan,", "not_finite", "offers.csv:row 5:partner_value"),
    "negative_cost": ("offers.csv", "ppe,nasa,900,24", "ppe,nasa,-900,24", "negative_number", "offers.csv:row 2"),
    "negative_slip": ("offers.csv", "ppe,nasa,900,24", "ppe,nasa,900,-2", "negative_number", "offers.csv:row 2"),
    "negative_budget": ("study.toml", "[limits]", "[limits]\ntotal_budget_musd = -5", "negative_number", "study.toml:limits.total_budget_musd"),
    "duplicate_element": ("elements.csv", "cargo_2,Cargo flight 2", "cargo_1,Cargo flight 2", "duplicate_id", "elements.csv:row 6"),
    "duplicate_offer": ("offers.csv", "cargo_2,spacex,200", "cargo_1,spacex,200", "duplicate_id", "offers.csv:row 11"),
    "unknown_provider_in_offers": ("offers.csv", "lander,spacex,3000", "lander,spacey,3000", "unknown_id", "offers.csv:row 6:provider"),
    "unknown_element_in_requires": ("elements.csv", "gateway,true,true,ppe,", "gateway,true,true,ppx,", "unknown_id", "elements.csv:row 3:requires"),
    "unknown_excluded_provider": ("study.toml", 'excluded_providers = ["cnsa"]', 'excluded_providers = ["csna"]', "unknown_id", "study.toml:limits.excluded_providers"),
    "unknown_milestone_limit": ("study.toml", "[limits]", "[limits]\nmax_milestone_slip_months = { first_landingg = 3 }", "unknown_id", "study.toml:limits.max_milestone_slip_months"),
    "dependency_cycle": ("elements.csv", "ppe,Power and propulsion,propulsion,gateway,true,true,,", "ppe,Power and propulsion,propulsion,gateway,true,true,cargo_1,", "dependency_cycle", "elements.csv:row"),
    "year_outside_horizon_offer": ("offers.csv", "lander,nasa,4500,24,2025,2030", "lander,nasa,4500,24,2025,2031", "year_outside_horizon", "offers.csv:row 7:last_year"),
    "year_outside_horizon_budget": ("study.toml", "[limits]", "[limits]\nannual_budget_musd = { 2041 = 5 }", "year_outside_horizon", "study.toml:limits.annual_budget_musd.2041"),
    "year_outside_horizon_profile": ("costs.csv", "ppe,nasa,2028,100", "ppe,nasa,2031,100", "year_outside_horizon", "costs.csv:ppe,nasa,2031"),
    "profile_sum": ("costs.csv", "ppe,nasa,2028,100", "ppe,nasa,2028,150", "profile_sum", "costs.csv:ppe,nasa"),
    "unknown_objective_column": ("study.toml", 'column = "partner_value"', 'column = "partner_valeu"', "unknown_column", "study.toml:objectives.partnership.column"),
    "unknown_metric_limit_column": ("study.toml", "[limits]", "[limits]\nmetric_max = { crew_seats = 3 }", "unknown_column", "study.toml:limits.metric_max.crew_seats"),
    "no_eligible_offer": ("study.toml", 'excluded_providers = ["cnsa"]', 'excluded_providers = ["cnsa", "spacex", "nasa"]', "no_eligible_offer", "elements.csv:row 4"),
    "scenario_unknown_path": ("study.toml", '"limits.total_budget_musd" = 4500', '"limits.total_budget" = 4500', "unknown_key", "scenario budget_cut: limits.total_budget"),
    "scenario_unknown_id": ("study.toml", 'remove_providers = ["esa"]', 'remove_providers = ["esb"]', "unknown_id", "scenario esa_withdraws"),
}


def make_bad(tmp_path: Path, case: str) -> Path:
    file, old, new, _, _ = BAD[case]
    folder = tmp_path / case
    shutil.copytree(TINY, folder)
    path = folder / file
    if old is None:
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text not found for {case}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_tiny_study_is_clean():
    assert inspect_study(TINY) == []


def test_every_check_code_has_a_bad_study():
    covered = {case[3] for case in BAD.values()} | {"unknown_scenario"}
    assert set(CHECK_CODES) <= covered, set(CHECK_CODES) - covered


@pytest.mark.parametrize("case", list(BAD))
def test_check_finds_the_problem(case, tmp_path):
    _, _, _, code, location = BAD[case]
    issues = inspect_study(make_bad(tmp_path, case))
    assert any(issue.check == code and issue.location.startswith(location) for issue in issues), [str(i) for i in issues]


@pytest.mark.parametrize("case", list(BAD))
def test_run_stops_with_one_line_and_writes_nothing(case, tmp_path):
    study = make_bad(tmp_path, case)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(study), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_check_lists_every_problem_at_once(tmp_path):
    study = make_bad(tmp_path, "negative_cost")
    text = (study / "offers.csv").read_text().replace("lander,spacex,3000", "lander,spacey,3000")
    (study / "offers.csv").write_text(text)
    result = CliRunner().invoke(cli, ["check", str(study)])
    assert result.exit_code == 2
    assert "negative" in result.output and "spacey" in result.output


def test_load_study_raises_the_first_problem(tmp_path):
    with pytest.raises(StudyError) as info:
        load_study(make_bad(tmp_path, "dependency_cycle"))
    assert "dependency cycle" in str(info.value)


def test_unknown_scenario_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(TINY), "--scenario", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --scenario nope: unknown scenario; the study defines: esa_withdraws, budget_cut, china_on_surface"
