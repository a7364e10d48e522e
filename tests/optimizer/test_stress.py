"""The N-1 test: every partner and company dropped in turn, recovery cost and the moves it forces."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from architecture import StudyError, apply_overrides
from optimizer import run_stress, run_study
from optimizer.sweep.runner import closest_run
from tests.conftest import TINY
from trade import cli


def test_each_provider_is_dropped_and_the_recovery_reported(tiny_study):
    result = run_stress(tiny_study, "cost", workers=1)
    assert result.baseline["status"] == "optimal" and result.baseline["objective_value"] == 4050
    table = result.table.set_index("provider")
    assert list(table.index) == ["esa", "spacex", "cnsa"], "every international and commercial provider, in providers.csv order"
    assert table.loc["esa", "held"] == "cargo_1;halo" and table.loc["esa", "recovery_cost"] == 1050
    assert table.loc["esa", "moved"] == "cargo_1: esa -> spacex; halo: esa -> nasa"
    assert table.loc["spacex", "recovery_cost"] == 1500 and table.loc["spacex", "moved"] == "lander: spacex -> nasa"
    assert table.loc["cnsa", "recovery_cost"] == 0 and table.loc["cnsa", "moved"] == "" and table.loc["cnsa", "held"] == ""
    moves = result.moves
    assert set(zip(moves["provider"], moves["element"], moves["to_provider"], strict=True)) == {
        ("esa", "cargo_1", "spacex"), ("esa", "halo", "nasa"), ("spacex", "lander", "nasa")}
    assert list(result.runs["run"]) == [0, 1, 2, 3] and result.runs["name"].iloc[0] == "baseline"


def test_a_loss_without_recovery_is_reported_as_such(tiny_study):
    study = apply_overrides(tiny_study, ['limits.barred=[{provider="nasa", element="lander"}]'])  # spacex alone can fly the lander
    table = run_stress(study, "cost", kinds=("commercial",), workers=1).table
    row = table.set_index("provider").loc["spacex"]
    assert row["status"] == "infeasible" and "required element 'lander' has no eligible offer" in row["message"]
    assert pd.isna(row["recovery_cost"])
    assert row["recovery"] == "NO RECOVERY"


def test_among_tied_optima_the_closest_to_the_baseline_is_reported(tiny_study):
    """With two equally cheap cargo providers, each reference gets its own provider back: a tie is not a move."""
    study = apply_overrides(tiny_study, ["offers[element=cargo_1,provider=spacex].cost_musd=50",
                                         "offers[element=cargo_1,provider=spacex].partner_value=2"])  # tied in cost and partnership
    first = run_study(study, "cost")
    chosen = first.architecture.assignment["cargo_1"]
    other = "esa" if chosen == "spacex" else "spacex"
    for wanted in (chosen, other):
        reference = {**first.architecture.assignment, "cargo_1": wanted}
        closest = closest_run(run_study(study, "cost"), reference)
        assert closest.architecture.assignment["cargo_1"] == wanted
        assert closest.evaluation.objectives["cost"] == first.report.objective


def test_unknown_kind_is_a_one_line_error(tiny_study):
    with pytest.raises(StudyError, match="--kinds: unknown provider kind 'partner'"):
        run_stress(tiny_study, kinds=("partner",))


def test_cli_stress_prints_every_provider_and_writes_a_folder(tmp_path):
    out = tmp_path / "stress"
    result = CliRunner().invoke(cli, ["stress", str(TINY), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "baseline: optimal, cost = 4,050 US$M" in result.output
    for line in ("esa ", "spacex ", "cnsa "):
        assert line in result.output
    assert "recovery +1,500 US$M" in result.output and "lander: spacex -> nasa" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "moves.csv", "runs.csv", "stress.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "stress" and manifest["providers"] == 3 and manifest["no_recovery"] == []
    infeasible = CliRunner().invoke(cli, ["stress", str(TINY), "--set", "limits.total_budget_musd=100", "--out", str(tmp_path / "x"), "--workers", "1"])
    assert infeasible.exit_code == 3 and "baseline has no solution" in infeasible.output


def test_the_two_kinds_of_drop_say_what_they_drop_and_get_folders_named_apart(tmp_path, monkeypatch):
    """`stress` and `stress --by builder` print what each removes, record it in the manifest, and never share a folder name."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(TINY, tmp_path / "tiny")
    by_provider = CliRunner().invoke(cli, ["stress", "tiny", "--workers", "1"])
    by_builder = CliRunner().invoke(cli, ["stress", "tiny", "--by", "builder", "--workers", "1"])
    assert by_provider.exit_code == 0 and by_builder.exit_code == 0, by_provider.output + by_builder.output
    assert "its own offers go, and every offer it builds for another provider" in by_provider.output
    assert "every offer it builds goes, whoever procures it" in by_builder.output
    folders = sorted(p.name for p in (tmp_path / "results" / "tiny").iterdir())
    assert len(folders) == 2 and folders[0].startswith("stress-base-") and folders[1].startswith("stress-builder-base-"), folders
    manifests = [json.loads((tmp_path / "results" / "tiny" / f / "manifest.json").read_text()) for f in folders]
    assert [m["by"] for m in manifests] == ["provider", "builder"] and all(m["drops"] for m in manifests)


def test_the_report_marks_no_recovery_loudly_and_names_the_kind_of_drop(tmp_path):
    """A drop without recovery is a full-height red bar and a sentence, never an empty bar; the title says builder when it is."""
    study_dir = tmp_path / "tiny"
    shutil.copytree(TINY, study_dir)
    out = tmp_path / "stress"
    bar = 'limits.barred=[{provider="nasa", element="lander"}]'
    result = CliRunner().invoke(cli, ["stress", str(study_dir), "--by", "builder", "--set", bar, "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "NO RECOVERY" in result.output
    page = CliRunner().invoke(cli, ["report", str(out)])
    assert page.exit_code == 0, page.output
    text = (out / "report.html").read_text()
    assert "Recovery cost by builder grounded" in text and "NO RECOVERY without: spacex" in text
