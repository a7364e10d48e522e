"""uncertainty.toml: futures with probabilities, validated against the study (tests/studies/phased)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from architecture import StudyError, load_study
from architecture.uncertainty import committed_now, load_uncertainty
from tests.conftest import REFERENCE, STUDIES

ROOT = Path(__file__).resolve().parents[2]
PHASED = STUDIES / "phased"
GOOD = (PHASED / "uncertainty.toml").read_text()


def test_the_futures_are_the_study_changed_as_each_says():
    study = load_study(PHASED)
    futures = load_uncertainty(PHASED / "uncertainty.toml", study)
    assert futures.names == ("as_planned", "cut", "esa_leaves") and futures.decide_fy == 2026 and futures.risk == "expected"
    assert dict(futures.probabilities) == {"as_planned": 0.5, "cut": 0.3, "esa_leaves": 0.2}
    assert futures.studies["as_planned"].offers == study.offers
    assert futures.studies["cut"].limits.total_budget_musd == 4500
    left = futures.studies["esa_leaves"].offers
    assert not any(p == "esa" for _, p in left) and left[("ppe", "nasa")].slip_months == study.offers[("ppe", "nasa")].slip_months + 6


def test_offers_awarded_by_the_decision_year_are_decided_now():
    study = load_study(PHASED)
    assert {e for e, _ in committed_now(study, 2026)} == {"ppe", "halo", "lander"}
    assert {e for e, _ in committed_now(study, 2025)} == {"ppe"}
    assert {e for e, _ in committed_now(study, 2028)} == {"ppe", "halo", "lander", "cargo_2"}  # cargo_1 names no award year
    assert study.offers[("lander", "nasa")].termination_musd == 900 and study.offers[("cargo_1", "esa")].termination_musd == 0


def edited(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


BAD = [
    (edited("probability = 0.2", "probability = 0.1"), "uncertainty.toml:futures: probabilities sum to 0.9, not 1"),
    (edited("probability = 0.2", "probability = 0"), "uncertainty.toml:futures.esa_leaves.probability: Input should be greater than 0"),
    (edited('risk = "expected"', 'risk = "expected"\nhorizon = 3'), "uncertainty.toml:horizon: unknown key"),
    (edited("probability = 0.5", "probability = 0.5\nprobabilty = 0.5"), "uncertainty.toml:futures.as_planned.probabilty: unknown key"),
    (edited('scenarios = ["budget_cut"]', 'scenarios = ["budget_cuts"]'),
     "uncertainty.toml:futures.cut.scenarios: unknown scenario 'budget_cuts'; the study defines: esa_withdraws, budget_cut"),
    (edited("decide_fy = 2026", "decide_fy = 2040"), "uncertainty.toml:decide_fy: 2040 is outside the study's horizon 2025-2030"),
    (edited('risk = "expected"', 'risk = "cvar"'), "uncertainty.toml:cvar_level: risk = \"cvar\" needs cvar_level"),
    (edited('risk = "expected"', 'risk = "cvar"\ncvar_level = 1.5'), "uncertainty.toml:cvar_level: Input should be less than 1"),
    (edited('risk = "expected"', 'risk = "mean"'), "uncertainty.toml:risk: Input should be 'expected', 'worst' or 'cvar'"),
    (edited('add = { "offers.slip_months" = 6 }', 'add = { "offers.slipp_months" = 6 }'), "uncertainty.toml:futures.esa_leaves: "),
    (edited("decide_fy = 2026\n", ""), "uncertainty.toml:decide_fy: field required"),
    ("decide_fy = 2026\n[futures", "uncertainty.toml: is not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_file_is_one_line_naming_the_key(tmp_path, text, message):
    path = tmp_path / "uncertainty.toml"
    path.write_text(text)
    with pytest.raises(StudyError) as caught:
        load_uncertainty(path, load_study(PHASED))
    line = str(caught.value.issues[0])
    assert "\n" not in line and line.startswith(str(tmp_path)) and message in line, line


def test_an_award_after_the_horizon_is_an_error_naming_the_row(tmp_path):
    folder = tmp_path / "phased"
    shutil.copytree(PHASED, folder)
    offers = folder / "offers.csv"
    offers.write_text(offers.read_text().replace("cargo_2,spacex,200,6,2029,2030,0,0,2028,", "cargo_2,spacex,200,6,2029,2030,0,0,2031,"))
    with pytest.raises(StudyError) as caught:
        load_study(folder)
    assert [str(i) for i in caught.value.issues] == ["offers.csv:row 11:commit_fy: award year 2031 is after the horizon's last year 2030 in study.toml"]


def test_trade_check_reads_the_file_and_exits_2_on_a_bad_one(tmp_path):
    good = subprocess.run([sys.executable, "trade.py", "check", str(PHASED), "--uncertainty", str(PHASED / "uncertainty.toml")],
                          cwd=ROOT, capture_output=True, text=True)
    assert good.returncode == 0 and good.stdout.strip().endswith(": ok"), good.stderr
    bad = tmp_path / "uncertainty.toml"
    bad.write_text(BAD[0][0])
    done = subprocess.run([sys.executable, "trade.py", "check", str(PHASED), "--uncertainty", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stdout.strip().splitlines() == [f"error: {bad}:futures: probabilities sum to 0.9, not 1 (as_planned 0.5, cut 0.3, esa_leaves 0.1)"]


def test_the_example_of_docs_inputs_reads_against_the_reference_study(tmp_path):
    text = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    section = text[text.index("## `uncertainty.toml`"):text.index("## `study.toml`")]
    first, tree = (block.split("```", 1)[0] for block in section.split("```toml\n")[1:3])
    (tmp_path / "uncertainty.toml").write_text(first)
    futures = load_uncertainty(tmp_path / "uncertainty.toml", load_study(REFERENCE))
    assert futures.names == ("enacted", "esa_leaves", "as_planned") and futures.decide_fy == 2026
    (tmp_path / "tree.toml").write_text(tree)
    futures = load_uncertainty(tmp_path / "tree.toml", load_study(REFERENCE))
    assert futures.names == ("request", "enacted/esa_stays", "enacted/esa_leaves")
    assert [(p.name, p.decide_fy) for p in futures.decision_points] == [("enacted", 2029)]
