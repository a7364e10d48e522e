"""Who builds it, scoped limits, budget lines and operations: hand-computed values, scenarios, stress by builder, bad input.

The tiny study (tests/studies/tiny) is changed per test; the numbers below come from its offers.csv by hand.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture import Architecture, StudyError, load_study
from architecture.evaluate import evaluate
from architecture.scenarios import apply_overrides
from optimizer import run_stress, run_study
from tests.conftest import TINY
from trade import cli

BASE = Architecture({"ppe": "nasa", "halo": "esa", "lander": "spacex", "cargo_1": "esa"})  # the tiny optimum, 4,050


def row(ev, limit):
    return next(check for check in ev.limits if check.limit == limit)


def edited(tmp_path, offers=None, providers=None, toml=""):
    """A copy of the tiny study with offers.csv / providers.csv cells set ({(element, provider) or id: {column: value}}) and TOML appended."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    for name, changes, key in (("offers.csv", offers, ("element", "provider")), ("providers.csv", providers, ("id",))):
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        for ident, cells in (changes or {}).items():
            ident = ident if isinstance(ident, tuple) else (ident,)
            mask = pd.Series(True, index=frame.index)
            for col, value in zip(key, ident, strict=True):
                mask &= frame[col] == value
            assert mask.sum() == 1, ident
            for col, value in cells.items():
                if col not in frame.columns:
                    frame[col] = ""
                frame.loc[mask, col] = str(value)
        frame.to_csv(folder / name, index=False)
    if toml:
        with (folder / "study.toml").open("a", encoding="utf-8") as handle:
            handle.write("\n" + toml)
    return folder


# -- the evaluator, by hand -------------------------------------------------------------------------


def test_operations_count_in_cost_spending_and_budgets(tmp_path):
    """ESA's cargo flight (50 over FY2028-2029) with 10 a year of operations in FY2030: cost 60, FY2030 spending 10."""
    study = load_study(edited(tmp_path, offers={("cargo_1", "esa"): {"ops_musd_per_year": 10}}))
    ev = evaluate(study, BASE)
    assert ev.objectives["cost"] == pytest.approx(4060) and ev.objectives["agency_cost_musd"] == pytest.approx(4060)
    budget = ev.budget_by_year().set_index("fiscal_year")
    assert budget.loc[2030, "agency_spend_musd"] == pytest.approx(10)  # only the operations: everything else is paid by FY2029
    frame = ev.assignment_frame().set_index("element")
    assert frame.loc["cargo_1", "operations_musd"] == 10 and frame.loc["cargo_1", "cost_musd"] == 60
    assert run_study(study, "cost").report.objective == pytest.approx(4060)


def test_the_commercial_share_counts_the_builder_only_on_the_builder_basis(make_study):
    """NASA's PPE (900) built by SpaceX: agency-owned hardware, so not commercial by procurement; commercial by builder."""
    plain = evaluate(make_study(), BASE)
    built = evaluate(make_study('offers[element=ppe,provider=nasa].builder="spacex"'), BASE)
    by_builder = evaluate(make_study('offers[element=ppe,provider=nasa].builder="spacex"', 'limits.commercial_share_basis="builder"'), BASE)
    assert plain.objectives["commercial_share"] == pytest.approx(3000 / 4050)
    assert built.objectives["commercial_share"] == pytest.approx(3000 / 4050)
    assert by_builder.objectives["commercial_share"] == pytest.approx(3900 / 4050)


def test_builder_rows(make_study):
    study = make_study('offers[element=ppe,provider=nasa].builder="spacex"', "limits.max_builder_share=0.9",
                       "limits.min_builders_per_category.logistics=1")
    ev = evaluate(study, BASE)
    spacex = row(ev, "max_builder_share[spacex]")
    assert (spacex.value, spacex.bound) == (pytest.approx(3900), pytest.approx(0.9 * 4050)) and spacex.violated
    assert ev.violations == ("spacex builds 96.3% of NASA offer spending, above max_builder_share 90.0% (over by 255.0 US$M)",)
    assert row(ev, "min_builders_per_category[logistics]").value == 1


def test_scoped_metric_limit_sums_only_its_scope(make_study):
    """partner_value: HALO (ESA, 5) and cargo (ESA, 2) are on the Gateway, nothing on the surface."""
    study = make_study('limits.metric_limit=[{metric = "partner_value", max = 6, location = "gateway"}, '
                       '{metric = "partner_value", min = 1, location = "surface"}, '
                       '{metric = "partner_value", max = 5, accords_signatory = true, category = "habitation"}]')
    ev = evaluate(study, BASE)
    assert [(c.limit, c.value, c.violated) for c in ev.limits if c.family == "scoped_metric_limits"] == [
        ("metric_limit[0].max", 7, True), ("metric_limit[1].min", 0, True), ("metric_limit[2].max", 5, False)]
    assert ev.violations == ("partner_value (gateway) totals 7.0, above its max 6.0", "partner_value (surface) totals 0.0, below its min 1.0")


def test_budget_line_rows_and_budget_by_year(make_study):
    """PPE (NASA profile 300/300/200/100) and HALO (ESA, 25 a year FY2026-2029) on the gateway line."""
    study = make_study('offers[element=ppe,provider=nasa].budget_line="gateway"', 'offers[element=halo,provider=esa].budget_line="gateway"',
                       "limits.line_budget_musd.gateway=950", "limits.line_annual_budget_musd.gateway.2026=320")
    ev = evaluate(study, BASE)
    assert row(ev, "line_budget_musd[gateway]").value == pytest.approx(1000)
    assert row(ev, "line_annual_budget_musd[gateway,2026]").value == pytest.approx(325)
    assert ev.violations == ("budget line gateway exceeded by 50.0 US$M", "budget line gateway in 2026 exceeded by 5.0 US$M")
    budget = ev.budget_by_year().set_index("fiscal_year")
    assert budget.loc[2026, "spend_musd:gateway"] == pytest.approx(325) and budget.loc[2026, "cap_musd:gateway"] == 320
    lines = budget["spend_musd:gateway"] + budget["spend_musd:no_line"]
    assert lines.to_list() == pytest.approx(budget["agency_spend_musd"].to_list())


# -- scenarios and the N-1 test by builder ----------------------------------------------------------


def test_remove_builders_drops_what_they_build_whoever_procures_it(make_study):
    study = apply_overrides(make_study('offers[element=ppe,provider=nasa].builder="spacex"'), [])
    from architecture.policy import Scenario
    from architecture.scenarios import apply_scenario_spec

    grounded = apply_scenario_spec(study, Scenario(name="grounded", remove_builders=("spacex",)))
    assert ("ppe", "nasa") not in grounded.offers and ("lander", "spacex") not in grounded.offers and "spacex" in grounded.providers
    assert any(change.key == "remove offers built by spacex" for change in grounded.changes)
    gone = apply_scenario_spec(study, Scenario(name="gone", remove_providers=("spacex",)))
    assert ("ppe", "nasa") not in gone.offers  # a removed provider builds nothing either


def test_stress_by_builder_drops_every_offer_a_company_builds(make_study):
    """SpaceX builds ESA's cargo flight: dropping ESA as a provider moves both ESA elements; ESA as a builder, only the HALO it builds.

    Dropping SpaceX as a builder takes both cargo_1 offers (its own and ESA's): no recovery.
    """
    study = make_study('offers[element=cargo_1,provider=esa].builder="spacex"')
    by_provider = run_stress(study, "cost").table.set_index("provider")
    by_builder = run_stress(study, "cost", by="builder").table.set_index("provider")
    assert by_provider.loc["esa", "held"] == "cargo_1;halo" and by_provider.loc["esa", "moved"] == "cargo_1: esa -> spacex; halo: esa -> nasa"
    assert by_builder.loc["esa", "held"] == "halo" and by_builder.loc["esa", "moved"] == "halo: esa -> nasa"
    assert by_builder.loc["spacex", "held"] == "cargo_1;lander" and by_builder.loc["spacex", "status"] == "infeasible"
    assert "cargo_1" in by_builder.loc["spacex", "message"]
    assert list(by_builder.index) == ["esa", "spacex", "cnsa"]  # the builders of kinds international and commercial


# -- bad input: one line naming file, row and key ---------------------------------------------------


@pytest.mark.parametrize(("offers", "providers", "toml", "message"), [
    ({("ppe", "nasa"): {"builder": "maxar"}}, None, "",
     r"offers.csv:row 2:builder: unknown builder 'maxar'; a builder is a provider id of providers.csv"),
    ({("ppe", "nasa"): {"ops_musd_per_year": -5}}, None, "", r"offers.csv:row 2:ops_musd_per_year: must not be negative"),
    ({("ppe", "nasa"): {"contract": "k"}, ("ppe", "spacex"): {"contract": "k"}}, None, "",
     r"offers.csv:row 3:contract: contract 'k' is already offered for element 'ppe' on row 2"),
    (None, None, '[[limits.metric_limit]]\nmetric = "seats"\nmax = 3\n',
     r"study.toml:limits.metric_limit\[0\].metric: offers.csv has no numeric column 'seats'"),
    (None, None, '[[limits.metric_limit]]\nmetric = "partner_value"\nmax = 3\nlocaton = "gateway"\n',
     r"study.toml:limits.metric_limit\[0\]: unknown key 'locaton' \(a provider attribute scope takes true or false, got 'gateway'\)$"),
    (None, None, '[[limits.metric_limit]]\nmetric = "partner_value"\nmax = 3\nsignatory = true\n',
     r"study.toml:limits.metric_limit\[0\].signatory: unknown key 'signatory': not a yes/no provider attribute"),
    (None, None, '[[limits.metric_limit]]\nmetric = "partner_value"\nmax = 3\ncategory = "hab"\n',
     r"study.toml:limits.metric_limit\[0\].category: no element has category 'hab'"),
    (None, None, "[limits.line_budget_musd]\nhls = 100\n", r"study.toml:limits.line_budget_musd.hls: no offer has budget_line 'hls'"),
    (None, None, "[limits.min_builders_per_category]\nhab = 2\n", r"study.toml:limits.min_builders_per_category.hab: no element has category"),
])
def test_bad_input_is_one_line_naming_file_row_and_key(tmp_path, offers, providers, toml, message):
    folder = edited(tmp_path, offers, providers, toml.replace("[limits.", "[limits.") if toml else "")
    with pytest.raises(StudyError, match=message):
        load_study(folder)
    result = CliRunner().invoke(cli, ["check", str(folder)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert any(line.strip() for line in result.output.splitlines())


def test_a_yes_no_provider_column_scopes_a_barred_rule(tmp_path):
    """An extra providers.csv column of yes/no is an attribute: `iss_partner = false` bars SpaceX from the lander."""
    folder = edited(tmp_path, providers={"nasa": {"iss_partner": "yes"}, "esa": {"iss_partner": "yes"}, "spacex": {"iss_partner": "no"},
                                         "cnsa": {"iss_partner": "no"}},
                    toml='[[limits.barred]]\niss_partner = false\ncategory = "lander"\n')
    text = (folder / "study.toml").read_text()
    assert "barred" in text
    study = load_study(folder)
    assert run_study(study, "cost").architecture.assignment["lander"] == "nasa"


def test_pareto_bounds_and_grid_count_operations(tmp_path):
    """The cost objective's loose bound and data grid (docs/pareto.md) read cost with its operations, as the model does."""
    from architecture.objectives import objective_kind
    from optimizer import to_model_data

    study = load_study(edited(tmp_path, offers={("cargo_1", "spacex"): {"ops_musd_per_year": 1000}}))  # delivered FY2029: FY2030, +1,000
    data = to_model_data(study)
    for name in ("agency_cost_musd", "cost"):
        spec = study.objective(name)
        kind = objective_kind(spec)
        assert 1200 in kind.grid(data, spec), name
        assert kind.loose_bound(data, 1, spec) > 900 + 1000 + 4500 + 1200 + 200, name  # each element's dearest offer, operations included


# -- edge cases found in review ---------------------------------------------------------------------


def test_break_even_with_zero_cost_offers_in_share_and_scoped_rows(make_study):
    """Rows that exist only for offers with a cost would differ between the two builds break-even compares."""
    from optimizer.decisions.breakeven import breakeven

    free = make_study("offers[element=cargo_1,provider=esa].cost_musd=0", "offers[element=cargo_2,provider=esa].cost_musd=0",
                      'offers[element=cargo_2,provider=esa].builder="cnsa"', "limits.max_builder_share=0.9",
                      'limits.metric_limit=[{metric = "cost_musd", max = 100, category = "logistics", kind = "international"}]')
    from architecture import eligible_offers

    table = breakeven(free, "cost").table
    assert len(table) == len(eligible_offers(free)[0]) == 9


def test_a_blank_yes_no_cell_reads_as_no(tmp_path):
    folder = edited(tmp_path, providers={"nasa": {"iss_partner": "yes"}, "esa": {"iss_partner": "yes"}, "cnsa": {"iss_partner": "no"}},
                    toml='[[limits.barred]]\niss_partner = false\ncategory = "lander"\n')  # SpaceX's cell left blank
    study = load_study(folder)
    assert study.providers["spacex"].flag("iss_partner") is False and "iss_partner" in study.yes_no_attributes()
    assert run_study(study, "cost").architecture.assignment["lander"] == "nasa"


def test_a_kept_model_takes_its_own_limits_back(make_study):
    """A, then B (other line caps), then A again: the kept model answers A as a fresh build does."""
    from optimizer import SolveOptions
    from optimizer.solve.model_cache import ModelCache

    a = make_study('offers[element=halo,provider=esa].budget_line="barter"', "limits.line_budget_musd.barter=200")
    b = apply_overrides(a, ["limits.line_budget_musd.barter=50"])
    cache = ModelCache()
    values = [cache.run(study, "cost", SolveOptions()).report.objective for study in (a, b, a)]
    assert values == [pytest.approx(4050), pytest.approx(4950), pytest.approx(4050)] and cache.builds == 1


def test_what_ifs_that_empty_a_capped_line_or_repeat_a_removal_still_run(make_study):
    from architecture import check_study
    from architecture.policy import Scenario
    from architecture.scenarios import apply_scenario_spec

    study = make_study('offers[element=cargo_2,provider=esa].budget_line="x"', "limits.line_budget_musd.x=100")
    gone = apply_scenario_spec(study, Scenario(name="no_esa", remove_providers=("esa",), remove_builders=("esa",)))
    issues = check_study(gone)
    assert [issue.severity for issue in issues] == ["warning"] and "budget_line 'x'" in issues[0].problem
    assert run_study(gone, "cost").report.status == "optimal"
    with pytest.raises(StudyError, match="unknown provider 'nobody'"):
        apply_scenario_spec(study, Scenario(name="typo", remove_builders=("nobody",)))


def test_one_scoped_limit_can_be_set_by_its_index(make_study):
    study = make_study('limits.metric_limit=[{metric = "partner_value", max = 6, location = "gateway"}]')
    for path in ("limits.metric_limit[0].max=4", "limits.metric_limit.0.max=4"):
        changed = apply_overrides(study, [path])
        assert changed.limits.metric_limit[0].max == 4 and changed.limits.metric_limit[0].location == "gateway"
        assert run_study(changed, "cost").report.objective == pytest.approx(4950)
    with pytest.raises(StudyError, match="does not name a value"):
        apply_overrides(study, ["limits.metric_limit[3].max=4"])


def test_operations_with_no_year_after_delivery_are_a_warning(tmp_path):
    from architecture import inspect_study

    folder = edited(tmp_path, offers={("lander", "nasa"): {"ops_musd_per_year": 50}})  # delivered FY2030, the horizon's last year
    issues = [issue for issue in inspect_study(folder) if not issue.location.startswith("scenario")]  # each scenario repeats it
    assert [(issue.severity, issue.location) for issue in issues] == [("warning", "offers.csv:row 7:ops_musd_per_year")]
