"""Sweep designs: grid, Latin hypercube and explicit runs; stable run ids; one-line errors naming file and key."""

from __future__ import annotations

import hashlib

import pytest

from architecture import StudyError, SweepDesign, SweepPoint, apply_point, check_design, load_sweep_design


def write(tmp_path, text: str):
    path = tmp_path / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_grid_is_the_cartesian_product_in_file_order(tmp_path):
    design = load_sweep_design(write(tmp_path, """
[sweep]
objective = "cost"
[grid]
"limits.total_budget_musd" = [4500, 6000]
scenario = ["", "esa_withdraws"]
remove_providers = ["", "spacex", ["spacex", "cnsa"]]
[grid.scale]
"offers.cost_musd" = [0.9, 1.0]
"""))
    assert len(design.points) == 2 * 2 * 3 * 2
    assert design.objective == "cost"
    first, last = design.points[0], design.points[-1]
    assert first == SweepPoint(set=(("limits.total_budget_musd", 4500),), scale=(("offers.cost_musd", 0.9),))
    assert last.scenario == ("esa_withdraws",) and last.remove_providers == ("spacex", "cnsa") and last.scale == (("offers.cost_musd", 1.0),)
    assert last.describe() == "scenario=esa_withdraws; remove_providers=spacex,cnsa; limits.total_budget_musd=6000; scale:offers.cost_musd=1.0"
    assert len({point.run_id for point in design.points}) == len(design.points)


def test_run_ids_hash_the_changes_only():
    assert SweepPoint().run_id == hashlib.sha256(b"{}").hexdigest()[:12]
    a = SweepPoint(set=(("limits.total_budget_musd", 4500),), name="a")
    b = SweepPoint(set=(("limits.total_budget_musd", 4500),), name="b")
    assert a.run_id == b.run_id
    assert a.run_id != SweepPoint(set=(("limits.total_budget_musd", 4600),)).run_id


def test_latin_hypercube_has_one_sample_per_stratum_and_is_seeded():
    raw = {"lhs": {"samples": 8, "seed": 3, "decimals": 2,
                   "ranges": {"limits.total_budget_musd": [4000.0, 8000.0], "limits.critical_path_max_owners": [1, 2]},
                   "scale": {"offers.cost_musd": [0.8, 1.2]}}}
    design = SweepDesign.from_dict(raw)
    assert len(design.points) == 8
    budgets = sorted(dict(point.set)["limits.total_budget_musd"] for point in design.points)
    strata = [int((budget - 4000.0) // 500.0) for budget in budgets]
    assert strata == list(range(8)), "each eighth of the range holds exactly one sample"
    assert all(round(b, 2) == b for b in budgets)
    owners = [dict(point.set)["limits.critical_path_max_owners"] for point in design.points]
    assert sorted(owners) == [1] * 4 + [2] * 4 and all(isinstance(v, int) for v in owners)
    assert all(0.8 <= dict(point.scale)["offers.cost_musd"] <= 1.2 for point in design.points)
    assert SweepDesign.from_dict(raw).points == design.points
    assert SweepDesign.from_dict({"lhs": {**raw["lhs"], "seed": 4}}).points != design.points


def test_grid_crossed_with_lhs_then_explicit_runs():
    raw = {
        "grid": {"scenario": ["", "esa_withdraws"]},
        "lhs": {"samples": 3, "ranges": {"limits.total_budget_musd": [4000, 8000]}},
        "runs": [{"name": "cut", "scenario": "budget_cut", "set": {"limits.total_budget_musd": 5000}},
                 {"name": "no spacex", "remove_providers": "spacex", "scale": {"limits.total_budget_musd": 2}}],
    }
    design = SweepDesign.from_dict(raw)
    assert len(design.points) == 2 * 3 + 2
    assert [p.scenario for p in design.points[:6]] == [()] * 3 + [("esa_withdraws",)] * 3
    assert design.points[-2].name == "cut" and design.points[-2].set == (("limits.total_budget_musd", 5000),)
    assert design.points[-1].remove_providers == ("spacex",) and design.points[-1].scale == (("limits.total_budget_musd", 2.0),)


def test_points_apply_like_scenarios_and_set(tiny_study):
    point = SweepPoint(scenario=("budget_cut",), remove_providers=("spacex",), set=(("offers[element=halo,provider=esa].slip_months", 30),))
    study = apply_point(tiny_study, point)
    assert study.scenario_chain == ("budget_cut",)
    assert "spacex" not in study.providers and study.offers[("halo", "esa")].slip_months == 30
    assert [c.scenario for c in study.changes] == ["scenario budget_cut", "sweep", "sweep"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[grids]\nx = [1]", "sweep.toml:grids: unknown table; known: sweep, grid, lhs, runs"),
        ("[grid]\nbudget = [1, 2]", "sweep.toml:grid.budget: unknown key 'budget'"),
        ('[grid]\n"limits.total_budget_musd" = 5', "sweep.toml:grid.limits.total_budget_musd: expected a non-empty list"),
        ("[sweep]\nobjectiv = 'cost'\n[grid]\nscenario = ['']", "sweep.toml:sweep.objectiv: unknown key"),
        ("[lhs]\nsamples = 4\nranges = { \"limits.total_budget_musd\" = [9, 1] }", "sweep.toml:lhs.ranges.limits.total_budget_musd: low 9 is above high 1"),
        ("[lhs]\nranges = { \"limits.total_budget_musd\" = [1, 9] }", "sweep.toml:lhs.samples: expected an integer >= 1"),
        ("[[runs]]\nscenario = 'a'\n[[runs]]\nscenario = 'a'", "runs 1 and 2 make the same changes"),
        ("[[runs]]\nsett = {}", "sweep.toml:runs #1.sett: unknown key"),
        ("[sweep]\nname = 'empty'", "the sweep has no runs"),
        ("[grid\n", "is not valid TOML"),
    ],
)
def test_bad_sweep_files_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(StudyError) as caught:
        load_sweep_design(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[grid]\n"limits.total_budget=" = [1]', "sweep.toml:grid.limits.total_budget=: unknown key"),
        ('[grid]\n"limits.total_budget" = [1]', "sweep.toml:grid.limits.total_budget: unknown key 'total_budget' in [limits]"),
        ('[grid]\nscenario = ["", "esa_leaves"]', "sweep.toml:grid.scenario: scenario esa_leaves: unknown scenario; the study defines: "),
        ('[grid]\nremove_providers = ["", "esa2"]', "sweep.toml:grid.remove_providers: unknown provider 'esa2'"),
        ('[grid]\n"offers[element=halo,provider=spacex].slip_months" = [3]', "no offer halo, spacex in offers.csv"),
        ('[lhs]\nsamples = 2\nranges = { "limits.min_commercial_share" = [0.5, 2.0] }', "sweep.toml:lhs.ranges.limits.min_commercial_share: "),
        ("[[runs]]\nset = { \"limits.total_budget_musd\" = 'lots' }", "sweep.toml:runs #1: "),
        ("[sweep]\nobjective = 'speed'\n[grid]\nscenario = ['']", "sweep.toml:sweep.objective: unknown objective 'speed'"),
    ],
)
def test_every_change_is_checked_against_the_study(tmp_path, tiny_study, text, message):
    design = load_sweep_design(write(tmp_path, text))
    with pytest.raises(StudyError) as caught:
        check_design(design, tiny_study)
    assert message in str(caught.value).replace(str(tmp_path) + "/", "")
    assert "\n" not in str(caught.value)
