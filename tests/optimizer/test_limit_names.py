"""One vocabulary of limit names: a model row goes by the evaluator's name for it, which is the `--set` key (issue 23 item 5)."""

from __future__ import annotations

import pytest

from architecture import FAMILIES, evaluate
from architecture.scenarios import apply_overrides
from optimizer import run_study
from optimizer.model import build_model, to_model_data
from tests.optimizer.test_constraints import CASES

LABELLED = [family for family in FAMILIES if family.labels]


@pytest.mark.parametrize("family", LABELLED, ids=[family.name for family in LABELLED])
def test_every_model_row_of_a_limit_goes_by_the_evaluator_s_name(family, tiny_study):
    """The rows the model builds for a family (with the limit set as its behaviour test sets it) are named as the evaluator names its checks."""
    overrides, objective = CASES[family.name][0], CASES[family.name][1]
    study = apply_overrides(tiny_study, overrides)
    m = build_model(to_model_data(study), objective)
    model_names = {family.limit_label(name, index) for name, _ in family.labels if m.component(name) is not None
                   for index in m.component(name).keys()}
    assert model_names, f"{family.name}: the case builds no row"
    result = run_study(study, objective)
    checked = {check.limit for check in evaluate(study, result.architecture).limits if check.family == family.name}
    assert model_names <= checked, (model_names - checked)
    for name in model_names:  # the --set key is the name's head
        assert name.split("[")[0] in (*family.limits, "required", "requires", "contract_exclusive", "capacity"), name


def test_explain_names_limits_as_run_does(tmp_path):
    from click.testing import CliRunner

    from tests.conftest import TINY
    from trade import cli

    args = ["--set", "limits.metric_max.partner_value=6"]
    run = CliRunner().invoke(cli, ["run", str(TINY), *args, "--out", str(tmp_path / "run")])
    explain = CliRunner().invoke(cli, ["explain", str(TINY), *args])
    assert run.exit_code == 0 and "metric_max[partner_value]" in (tmp_path / "run" / "limits.csv").read_text()
    assert "metric_max[partner_value]" in explain.output, explain.output
    assert "metric_limits_max" not in explain.output
