"""The reference study's phased inputs: award years, termination liabilities and the futures after FY2027.

inputs/reference/README.md#award-years-and-termination-liabilities-phased-decisions gives the rule checked here;
README.md#the-futures-after-fy2027-uncertaintytoml the futures. No figure of the phased optimum is asserted.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture import committed_now, load_study
from architecture.uncertainty import load_uncertainty
from optimizer import run_study
from tests.conftest import REFERENCE
from trade import cli

UNCERTAINTY = REFERENCE / "uncertainty.toml"
#: the rule of README.md: spending before the decision year is sunk, plus a settlement of this share of what is left
SETTLEMENT_SHARE = 0.10


@pytest.fixture(scope="module")
def reference():
    return load_study(REFERENCE)


@pytest.fixture(scope="module")
def futures(reference):
    return load_uncertainty(UNCERTAINTY, reference)


def test_the_uncertainty_file_validates():
    result = CliRunner().invoke(cli, ["check", str(REFERENCE), "--uncertainty", str(UNCERTAINTY)])
    assert result.exit_code == 0, result.output


def test_every_offer_with_a_contract_has_an_award_year_and_a_liability(reference):
    for key, offer in reference.offers.items():
        if offer.contract:
            assert offer.commit_fy is not None and offer.termination_musd > 0, key
        else:
            assert offer.commit_fy is None and offer.termination_musd == 0, key


def test_award_years_and_liabilities_carry_their_sources():
    frame = pd.read_csv(REFERENCE / "offers.csv", dtype=str, keep_default_na=False)
    for _, row in frame[frame["commit_fy"] != ""].iterrows():
        assert f"commit_fy {row['commit_fy']}:" in row["source"], (row["element"], row["provider"])
        clause = row["source"][row["source"].index(f"termination_musd {row['termination_musd']} "):]
        assert "estimate" in clause and "notional" in clause, (row["element"], row["provider"])


def test_liabilities_follow_the_readme_rule(reference, futures):
    """Spent before the decision year (profile or even spread) + 10 % of what is left, NASA's and in kind."""
    for key in committed_now(reference, futures.decide_fy):
        offer = reference.offers[key]
        years = range(offer.first_year, offer.last_year + 1)
        spend = offer.spend_musd or {year: offer.cost_musd / len(years) for year in years}
        sunk = sum(v for year, v in spend.items() if year < futures.decide_fy)
        left = offer.cost_musd - sunk
        in_kind = offer.partner_cost_musd * left / offer.cost_musd
        assert offer.termination_musd == pytest.approx(sunk + SETTLEMENT_SHARE * (left + in_kind), abs=0.051), key


def test_every_award_is_decided_now(reference, futures):
    assert {key for key, offer in reference.offers.items() if offer.contract} == set(committed_now(reference, futures.decide_fy))


def test_futures_are_built_from_the_study_scenarios_with_notional_probabilities(futures):
    assert futures.decide_fy == 2027 and futures.risk == "expected"
    assert {"request", "enacted", "cut", "partners_slip", "esa_leaves"} <= set(futures.names)
    text = UNCERTAINTY.read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.match(r"\s*(probability|decide_fy)\s*=", line):
            assert "# notional" in line or "# source" in line, line


def test_every_future_has_a_feasible_plan(futures):
    for name in futures.names:
        result = run_study(futures.studies[name])
        assert result.report.status == "optimal", name
