"""Alternatives within a slack and the decisions that hold, against every architecture enumerated with the evaluator."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from architecture import Architecture
from architecture.evaluate import feasible_objectives
from architecture.synthetic import SyntheticSize, generate_study
from optimizer.decisions.alternatives import alternatives
from tests.conftest import REFERENCE, TINY
from trade import cli

SLACK = 0.15


def study_for(seed: int):
    return generate_study(SyntheticSize(6, 4, 4, (1, 3)), seed=seed, tightness=0.7)


def within_slack(study, name: str, slack: float) -> tuple[float, list[dict[str, str]]]:
    """The optimum and every feasible architecture within the slack of it (as element -> provider)."""
    choices = []
    for element in study.elements.values():
        offers = [pair for pair in study.offers if pair[0] == element.id]
        choices.append(offers if element.required else [*offers, None])
    scored = []
    for combo in itertools.product(*choices):
        arch = Architecture.from_pairs(pair for pair in combo if pair)
        values = feasible_objectives(study, arch, [name])
        if values is not None:
            scored.append((values[name], dict(arch.assignment)))
    sense = study.objective(name).sense
    best = min(v for v, _ in scored) if sense == "min" else max(v for v, _ in scored)
    width = slack * abs(best)
    keep = [a for v, a in scored if (v <= best + width + 1e-9 if sense == "min" else v >= best - width - 1e-9)]
    return best, keep


@pytest.mark.parametrize("seed", [0, 1, 3, 5, 6, 10, 13, 16])
@pytest.mark.parametrize("name", ["cost", "partnership"])
def test_alternatives_and_decisions_equal_enumeration(seed, name):
    study = study_for(seed)
    result = alternatives(study, name, SLACK, count=6)
    best, near = within_slack(study, name, SLACK)
    assert result.optimum == pytest.approx(best)
    found = [dict(zip(rows["element"], rows["provider"], strict=True)) for _, rows in result.assignments.groupby("alternative")]
    assert len(found) == len(result.table)
    optimum = found[0]
    used = set(optimum.items())
    for k, arch in enumerate(found[1:], start=1):
        assert arch in near, "every alternative lies within the slack"
        most = max(len(set(a.items()) - used) for a in near)
        assert result.table.loc[k, "new_decisions"] == most == len(set(arch.items()) - used)
        assert result.table.loc[k, "distance"] == sum(arch.get(e) != optimum.get(e) for e in set(arch) | set(optimum))
        used |= set(arch.items())
    if len(found) - 1 < 6:  # stopped early: nothing within the slack makes a new decision
        assert max(len(set(a.items()) - used) for a in near) == 0
    for row in result.decisions.itertuples():
        holds = all(a.get(row.element) == optimum.get(row.element) for a in near)
        others = {a[row.element] for a in near if row.element in a and a[row.element] != optimum.get(row.element)}
        assert row.holds_within_slack == holds, row.element
        assert set(filter(None, row.other_providers.split(";"))) == others, row.element


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_command_writes_its_folder_and_refuses_bad_flags(tmp_path):
    out = tmp_path / "alt"
    result = invoke("alternatives", REFERENCE, "--count", "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["alternatives.csv", "assignments.csv", "decisions.csv", "manifest.json"]
    for slack in ("-0.1", "1.5"):
        bad = invoke("alternatives", REFERENCE, "--slack", slack, "--out", tmp_path / "bad")
        assert bad.exit_code == 2 and bad.output.startswith("error: --slack: must be a fraction between 0 and 1")
    assert not (tmp_path / "bad").exists()


def test_the_terminal_lists_alternatives_best_first_with_the_gap_in_percent(tmp_path):
    from click.testing import CliRunner

    from trade import cli

    result = CliRunner().invoke(cli, ["alternatives", str(TINY), "--slack", "0.5", "--out", str(tmp_path / "alt")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["alternative", "objective_value"])
    rows = [line.split() for line in lines[head + 1:] if line.strip() and line.split()[0].isdigit()]
    values = [float(row[1]) for row in rows]
    assert values == sorted(values) and len(values) >= 2
    assert all(row[3] == "%" for row in rows)  # "4.01 %": a share shown as one, like the --slack it sits under
