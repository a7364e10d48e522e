"""Sensitivity design files: ranges in the words of sweep files, and one-line errors for bad ones."""

from __future__ import annotations

import pytest

from architecture import StudyError, load_study
from architecture.sensitivity_design import check_sensitivity_design, load_sensitivity_design, parse_sensitivity_design
from tests.conftest import TINY

LANDER = "offers[element=lander,provider=spacex].cost_musd"
BUDGET = "limits.total_budget_musd"


def test_a_design_names_set_paths_and_scale_keys():
    design = parse_sensitivity_design({"sensitivity": {"method": "sobol", "samples": 64},
                                       "ranges": {LANDER: [2000, 4000], "limits.total_budget_musd": [9000.0, 12000.0]},
                                       "scale": {"offers.slip_months": [0.8, 1.5]}}, "sens.toml")
    assert [i.name for i in design.inputs] == [LANDER, "limits.total_budget_musd", "scale:offers.slip_months"]
    assert [i.integer for i in design.inputs] == [True, False, False]
    assert design.method == "sobol" and design.samples == 64 and design.trajectories == 20
    check_sensitivity_design(design, load_study(TINY))


@pytest.mark.parametrize(("raw", "message"), [
    ({"ranges": {LANDER: [4000, 4000], BUDGET: [1, 2]}}, f"sens.toml:ranges.{LANDER}: the range [4000, 4000] is empty"),
    ({"ranges": {LANDER: [4000, 2000], BUDGET: [1, 2]}}, f"sens.toml:ranges.{LANDER}: the range [4000, 2000] is empty"),
    ({"ranges": {LANDER: [1]}}, f"sens.toml:ranges.{LANDER}: expected [low, high]"),
    ({"ranges": {"budget": [1, 2]}}, "sens.toml:ranges.budget: unknown key"),
    ({"ranges": {}}, "sens.toml:ranges: the design varies nothing"),
    ({"ranges": {LANDER: [1, 2]}}, f"sens.toml:ranges.{LANDER}: a sensitivity design needs 2 or more inputs"),
    ({"grid": {}}, "sens.toml:grid: unknown table"),
    ({"sensitivity": {"method": "fast"}, "ranges": {LANDER: [1, 2]}}, "sens.toml:sensitivity.method: unknown method 'fast'"),
    ({"sensitivity": {"levels": 3}, "ranges": {LANDER: [1, 2]}}, "sens.toml:sensitivity.levels: expected an even number"),
    ({"sensitivity": {"trajectories": 1}, "ranges": {LANDER: [1, 2]}}, "sens.toml:sensitivity.trajectories: expected an integer >= 2"),
])
def test_bad_designs_are_one_line_errors(raw, message):
    with pytest.raises(StudyError) as caught:
        parse_sensitivity_design(raw, "sens.toml")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("raw", "message"), [
    ({"ranges": {"offers[element=lander,provider=esa].cost_musd": [1, 2], BUDGET: [1, 2]}},
     "sens.toml:ranges.offers[element=lander,provider=esa].cost_musd: "),
    ({"ranges": {"limits.total_budget": [1, 2], BUDGET: [1, 2]}}, "sens.toml:ranges.limits.total_budget: "),
    ({"scale": {"offers.nothing": [0.5, 1.0]}, "ranges": {BUDGET: [1, 2]}}, "sens.toml:scale.offers.nothing: "),
    ({"sensitivity": {"objective": "speed"}, "ranges": {LANDER: [1, 2], BUDGET: [1, 2]}}, "sens.toml:sensitivity.objective: "),
])
def test_paths_the_study_lacks_are_named(raw, message):
    with pytest.raises(StudyError) as caught:
        check_sensitivity_design(parse_sensitivity_design(raw, "sens.toml"), load_study(TINY))
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_missing_or_broken_file_is_named(tmp_path):
    with pytest.raises(StudyError, match="sensitivity design not found"):
        load_sensitivity_design(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_text("[ranges\n")
    with pytest.raises(StudyError, match="is not valid TOML"):
        load_sensitivity_design(tmp_path / "bad.toml")
