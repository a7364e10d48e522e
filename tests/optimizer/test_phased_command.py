"""`trade phased`: the folder it writes, its terminal summary, and bad input refused before anything is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.conftest import STUDIES

ROOT = Path(__file__).resolve().parents[2]
PHASED = STUDIES / "phased"


def trade(*args):
    return subprocess.run([sys.executable, "trade.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True)


def test_the_folder_says_what_to_commit_now_and_what_waits(tmp_path):
    out = tmp_path / "phased"
    done = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["commitments.csv", "futures.csv", "manifest.json", "recourse.csv"]
    described = json.loads((out / "manifest.json").read_text())
    assert described["kind"] == "phased" and described["uncertainty"]["decide_fy"] == 2026 and len(described["uncertainty"]["sha256"]) == 64
    commitments, futures = pd.read_csv(out / "commitments.csv"), pd.read_csv(out / "futures.csv")
    assert set(commitments["element"]) == {"ppe", "halo", "lander"}  # every offer awarded by FY2026, committed or not
    assert described["commitments"] == int(commitments["committed"].sum())
    assert abs((futures["probability"] * futures["cost_musd"]).sum() - described["expected_cost_musd"]) < 1e-6
    assert described["evpi_musd"] >= 0 and (described["vss_unbounded"] or described["vss_musd"] >= 0)
    recourse = pd.read_csv(out / "recourse.csv")
    assert set(recourse.loc[recourse["decided"] == "later", "element"]) <= {"cargo_1", "cargo_2"}
    assert "commit now (protects" in done.stdout and "what can wait" in done.stdout and "EVPI" in done.stdout
    assert (commitments.loc[commitments["committed"], "protects_musd"].astype(str) == "inf").all()  # each one indispensable here


def test_a_bad_uncertainty_file_is_one_line_exit_2_and_nothing_written(tmp_path):
    bad = tmp_path / "uncertainty.toml"
    bad.write_text((PHASED / "uncertainty.toml").read_text().replace("probability = 0.2", "probability = 0.3"))
    out = tmp_path / "phased"
    done = trade("phased", PHASED, "--uncertainty", bad, "--out", out)
    assert done.returncode == 2 and "Traceback" not in done.stderr and not out.exists()
    assert [line for line in done.stderr.splitlines() if "probabilities sum to 1.1" in line], done.stderr


def test_an_existing_folder_is_not_overwritten_unasked(tmp_path):
    out = tmp_path / "phased"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    done = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out)
    assert done.returncode == 2 and (out / "mine.txt").read_text() == "keep"


def test_overwrite_replaces_a_phased_folder_when_asked(tmp_path):
    out = tmp_path / "phased"
    first = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out)
    again = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out, "--overwrite")
    assert first.returncode == 0 and again.returncode == 0, again.stderr
    assert json.loads((out / "manifest.json").read_text())["method"] == {"name": "extensive_form"}


def test_contracts_held_before_the_decision_year_and_not_kept_are_ended_now(tmp_path):
    out = tmp_path / "phased"
    done = trade("phased", PHASED, "--uncertainty", PHASED / "uncertainty.toml", "--out", out)
    described = json.loads((out / "manifest.json").read_text())
    assert described["ended_now"] == [{"element": "ppe", "provider": "spacex"}]  # awarded FY2025, before the FY2026 decision
    assert "end now (awarded before FY2026, not kept; liabilities 150 US$M): ppe=spacex" in done.stdout


def test_a_study_no_plan_fits_names_the_futures_with_no_recourse(tmp_path):
    bad = tmp_path / "uncertainty.toml"
    bad.write_text("decide_fy = 2026\n[futures.fine]\nprobability = 0.5\n[futures.broke]\nprobability = 0.5\n"
                   "set = { \"limits.total_budget_musd\" = 100 }\n")
    done = trade("phased", PHASED, "--uncertainty", bad, "--out", tmp_path / "phased")
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "1 of 2 have none even alone (broke)" in done.stderr
