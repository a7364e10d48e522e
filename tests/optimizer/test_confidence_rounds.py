"""Confidence limits hold out of sample, or the run says they do not (issue 23 item 1)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from architecture import confidence_checks, load_study
from architecture.scenarios import apply_overrides
from optimizer import run_confident
from tests.conftest import REFERENCE
from trade import cli


def test_the_asked_level_holds_on_samples_the_optimiser_never_saw():
    study = apply_overrides(load_study(REFERENCE), ["limits.milestone_confidence.surface_outpost=0.7"])
    confident = run_confident(study, "cost")
    assert confident.met and confident.status == "met"
    assert all(check.out_of_sample_low >= check.required for check in confident.checks)
    # an independent draw: another seed, twice the samples
    other = study.with_changes(info=study.info.model_copy(update={"confidence_seed": study.info.confidence_seed + 101}))
    (check,) = confidence_checks(other, confident.result.architecture, samples=20_000)
    assert check.out_of_sample >= 0.7


def test_a_level_out_of_reach_is_a_distinct_status_and_exit_code(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["run", str(REFERENCE), "--set", "limits.milestone_confidence.surface_outpost=0.8", "--out", str(out)])
    assert result.exit_code == 4, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["confidence_status"] == "short" and len(manifest["confidence_rounds"]) >= 2
    assert manifest["confidence_rounds"][0]["in_sample_levels"]["surface_outpost"] == 0.8
    assert "not reached out of sample" in result.output
