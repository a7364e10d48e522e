"""Who owns is not who builds: each offer's procurement, its default, its checks, and what reads it (issue 22)."""

from __future__ import annotations

import csv
import shutil

import pytest
from click.testing import CliRunner

from architecture import check_study, evaluate, load_study
from architecture.offers import DEFAULT_PROCUREMENT
from optimizer import run_study
from tests.conftest import TINY
from trade import cli

REFERENCE = "inputs/reference"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def study_copy(tmp_path, procurement: dict[tuple[str, str], str]):
    """The tiny study with a procurement column filled from `procurement` (blank elsewhere)."""
    folder = tmp_path / "study"
    shutil.copytree(TINY, folder)
    path = folder / "offers.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, [*rows[0], "procurement"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "procurement": procurement.get((row["element"], row["provider"]), "")} for row in rows)
    return folder


def test_a_study_without_the_column_reads_by_provider_kind(tmp_path, tiny_study):
    """A study written before procurement: every offer takes its provider kind's, and the answer is the explicit one's."""
    for offer in tiny_study.offers.values():
        assert tiny_study.procurement(offer) == DEFAULT_PROCUREMENT[tiny_study.providers[offer.provider].kind]
    explicit = study_copy(tmp_path, {key: tiny_study.procurement(offer) for key, offer in tiny_study.offers.items()})
    before, after = run_study(tiny_study, "cost"), run_study(load_study(explicit), "cost")
    assert after.report.objective == pytest.approx(before.report.objective)
    assert dict(after.architecture.assignment) == dict(before.architecture.assignment)


def test_agency_owned_hardware_from_a_company_is_nasa_s_on_the_critical_path(tmp_path):
    """PPE bought as hardware from SpaceX (agency_owned) is owned by NASA: critical_path_owners = nasa admits it."""
    study = load_study(study_copy(tmp_path, {("ppe", "spacex"): "agency_owned"}))
    offer = study.offers[("ppe", "spacex")]
    assert (study.owner(offer), study.owner_kind(offer), study.is_commercial(offer)) == ("nasa", "nasa", False)
    as_service = load_study(TINY).offers[("ppe", "spacex")]
    assert load_study(TINY).owner(as_service) == "spacex"


def test_bad_procurement_value_is_one_line_with_exit_2(tmp_path):
    folder = study_copy(tmp_path, {("ppe", "nasa"): "owned"})
    result = invoke("run", folder, "--out", tmp_path / "run")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if "procurement" in line]
    assert len(lines) == 1 and "offers.csv:row 2:procurement" in lines[0] and "agency_owned" in lines[0], result.output
    assert "Traceback" not in result.output and not (tmp_path / "run").exists()


def test_partner_contribution_from_a_company_is_an_error(tmp_path):
    folder = study_copy(tmp_path, {("ppe", "spacex"): "partner_contribution"})
    result = invoke("check", folder)
    assert result.exit_code == 2
    assert "offers.csv:row 3:procurement" in result.output and "spacex is commercial" in result.output


def test_a_partner_selling_a_service_is_a_warning(tmp_path):
    folder = study_copy(tmp_path, {("halo", "esa"): "commercial_service"})
    issues = check_study(load_study(folder))
    assert [(i.location, i.severity) for i in issues if i.check == "procurement_unusual"] == [("offers.csv:row 5:procurement", "warning")]
    assert invoke("check", folder).exit_code == 0


def test_the_commercial_floor_binds_on_the_reference_study(tmp_path):
    """A floor of 1.0 is infeasible by procurement (PPE and HALO are NASA-owned) and explain names the family."""
    infeasible = invoke("run", REFERENCE, "--set", "limits.min_commercial_share=1.0", "--out", tmp_path / "floor")
    assert infeasible.exit_code == 3, infeasible.output
    explain = invoke("explain", REFERENCE, "--set", "limits.min_commercial_share=1.0")
    assert "commercial share" in explain.output and "commercial services" in explain.output
    by_builder = invoke("run", REFERENCE, "--set", "limits.min_commercial_share=1.0", "--set", 'limits.commercial_share_basis="builder"',
                        "--out", tmp_path / "builder")
    assert by_builder.exit_code == 0, by_builder.output  # the old reading: nearly everything is built by a company


def test_the_reference_commercial_share_differs_by_basis():
    """On today's optimum, the procurement share is far below the builder share (the gap the issue names)."""
    study = load_study(REFERENCE)
    result = run_study(study, "cost")
    procurement = evaluate(study, result.architecture).objectives["commercial_share"]
    builder_study = study.with_changes(limits=study.limits.model_copy(update={"commercial_share_basis": "builder"}))
    builder = evaluate(builder_study, result.architecture).objectives["commercial_share"]
    assert procurement < 0.8 < 0.95 < builder
