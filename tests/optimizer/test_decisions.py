"""Decisions taken as given (--fix, --forbid): rows the model keeps, their price, and the commands that take them."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from architecture import Architecture, SweepDesign, decision_conflicts
from architecture.evaluate import evaluate, feasible_objectives
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import price_of_decisions, run_study, run_sweep
from tests.conftest import REFERENCE, TINY
from trade import cli


def brute_best(study, name: str = "cost") -> tuple[float | None, dict[str, str] | None]:
    choices = []
    for element in study.elements.values():
        offers = [pair for pair in study.offers if pair[0] == element.id]
        choices.append(offers if element.required else [*offers, None])
    sense = study.objective(name).sense
    best, best_arch = None, None
    for combo in itertools.product(*choices):
        arch = Architecture.from_pairs(pair for pair in combo if pair)
        values = feasible_objectives(study, arch, [name])
        if values is not None and (best is None or (values[name] < best if sense == "min" else values[name] > best)):
            best, best_arch = values[name], dict(arch.assignment)
    return best, best_arch


@pytest.mark.parametrize("seed", range(6))
def test_the_price_of_a_decision_equals_brute_force(seed):
    """Fixing each element to each of its offers in turn: the engine's optimum and the price agree with enumeration."""
    study = generate_study(SyntheticSize(6, 4, 4, (1, 3)), seed=seed, tightness=0.7)
    free, _ = brute_best(study)
    for (element, provider) in list(study.offers)[:6]:
        decided = study.with_changes(limits=study.limits.model_copy(update={"fixed": {element: provider}}))
        best, _ = brute_best(decided)
        result = run_study(decided, "cost")
        if best is None:
            assert result.report.status == "infeasible"
            continue
        assert result.report.objective == pytest.approx(best)
        assert evaluate(decided, result.architecture).feasible
        price = price_of_decisions(result)
        assert price is not None and price.decisions == f"giving {element} to {provider}"
        if free is not None:
            assert price.price == pytest.approx(best - free)


def test_forbidding_and_leaving_out_are_kept(make_study):
    forbid = make_study('limits.forbidden.halo=["esa"]')
    result = run_study(forbid, "cost")
    assert result.architecture.assignment["halo"] != "esa"
    free = run_study(make_study("limits.excluded_providers=[]"), "partnership")
    assert "cargo_2" in free.architecture.assignment  # the partners' value wants it
    out = run_study(make_study("limits.excluded_providers=[]", "limits.fixed.cargo_2=none"), "partnership")
    assert out.report.status == "optimal" and "cargo_2" not in out.architecture.assignment
    assert price_of_decisions(out).price == pytest.approx(free.report.objective - out.report.objective)
    required = make_study("limits.fixed.halo=none")
    assert decision_conflicts(required) == ["--fix halo=none: halo is required, so it cannot be left out"]
    assert run_study(required, "cost").report.status == "infeasible"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_run_prints_the_price_and_records_it(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", TINY, "--fix", "halo=nasa", "--out", out)
    assert result.exit_code == 0, result.output
    assert "giving halo to nasa costs +900 US$M; 0 other elements move" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["active_limits"]["fixed"] == {"halo": "nasa"}
    assert manifest["price_of_decisions"]["price"] == 900 and manifest["price_of_decisions"]["free_objective_value"] == 4050


def test_an_impossible_choice_exits_3_and_explain_says_why(tmp_path):
    result = invoke("run", REFERENCE, "--fix", "halo=northrop_grumman", "--out", tmp_path / "run")
    assert result.exit_code == 3 and "leaves no feasible architecture" in result.output
    explained = invoke("explain", REFERENCE, "--fix", "halo=northrop_grumman")
    assert explained.exit_code == 3
    assert "--fix halo=northrop_grumman: the offer is not eligible: critical-path element" in explained.output
    bad = invoke("run", TINY, "--fix", "halo=nobody", "--out", tmp_path / "bad")
    assert bad.exit_code == 2 and "--fix halo: unknown provider 'nobody'" in bad.output  # blamed on the flag the planner typed
    assert invoke("run", TINY, "--forbid", "halo", "--out", tmp_path / "bad2").exit_code == 2


def test_fronts_and_sweeps_take_decisions(tmp_path, tiny_study):
    front = invoke("pareto", TINY, "--objectives", "cost,partnership", "--fix", "halo=nasa", "--out", tmp_path / "front")
    assert front.exit_code == 0, front.output
    assignments = (tmp_path / "front" / "assignments.csv").read_text().splitlines()
    assert all(",halo,nasa" in line for line in assignments if ",halo," in line)
    design = SweepDesign.from_dict({"runs": [{"name": "free"}, {"name": "halo nasa", "fix": ["halo=nasa"]},
                                            {"name": "no esa halo", "forbid": "halo=esa"}]})
    table = run_sweep(tiny_study, design, workers=1).table.set_index("name")
    assert table.loc["halo nasa", "assign:halo"] == "nasa" and table.loc["halo nasa", "objective_value"] == 4950
    assert table.loc["no esa halo", "assign:halo"] != "esa" and table.loc["free", "objective_value"] == 4050


def test_every_command_on_a_study_takes_fix_and_forbid():
    """The flags come with the STUDY argument (trade.study_argument): a command added later, such as `trade confidence`, gets them too."""
    for name, command in cli.commands.items():
        params = {param.name for param in command.params}
        if "study" in params:
            assert {"fix", "forbid"} <= {opt.lstrip("-") for param in command.params for opt in param.opts}, name
