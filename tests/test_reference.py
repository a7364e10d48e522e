"""The bundled reference study: clean, sourced, and every named scenario solves."""

from __future__ import annotations

import pandas as pd
import pytest

from architecture import apply_scenarios, inspect_study, load_study
from optimizer import run_study
from tests.conftest import REFERENCE

SCENARIOS = ("gateway_2024", "surface_first_2026", "esa_withdraws", "budget_cut_20pct", "china_on_surface", "critical_path_open",
             "partner_slip_24m")


@pytest.fixture(scope="module")
def reference():
    return load_study(REFERENCE)


def test_reference_and_every_scenario_are_clean():
    assert inspect_study(REFERENCE) == []


def test_reference_has_the_size_and_scenarios_the_issue_asks_for(reference):
    assert len(reference.elements) >= 25 and len(reference.providers) >= 12
    assert {p.kind for p in reference.providers.values()} == {"nasa", "international", "commercial"}
    assert set(SCENARIOS) <= set(reference.scenarios)
    assert "cnsa" in reference.limits.excluded_providers


@pytest.mark.parametrize("table", ["elements", "providers", "offers", "costs"])
def test_every_row_carries_its_source(table):
    frame = pd.read_csv(REFERENCE / f"{table}.csv", dtype=str, keep_default_na=False)
    assert (frame["source"].str.strip() != "").all()


@pytest.mark.parametrize("scenario", ("", *SCENARIOS))
def test_scenario_solves_to_a_feasible_optimum(reference, scenario):
    result = run_study(apply_scenarios(reference, scenario))
    assert result.report.status == "optimal"
    assert result.evaluation.feasible, result.evaluation.violations


def test_every_offer_has_a_slip_distribution_and_small_landers_a_failure_chance(reference):
    for (element, provider), offer in reference.offers.items():
        assert offer.slip_p80_months is not None and offer.slip_p80_months > offer.slip_months, (element, provider)
        small_lander = element.startswith("surface_cargo") and reference.providers[provider].kind == "commercial"
        assert (offer.failure_probability > 0) == (small_lander or (element, provider) in SMALL_LANDER_PAYLOADS), (element, provider)


SMALL_LANDER_PAYLOADS = {("resource_prospecting", "astrobotic"), ("scouting_drones", "firefly")}


def test_partner_slip_scenario_delays_every_partner_offer_two_years(reference):
    shifted = apply_scenarios(reference, "partner_slip_24m")
    for key, offer in reference.offers.items():
        after = shifted.offers[key]
        delay = 24.0 if reference.providers[offer.provider].kind == "international" else 0.0
        assert after.slip_months == offer.slip_months + delay and after.slip_p80_months == offer.slip_p80_months + delay, key
