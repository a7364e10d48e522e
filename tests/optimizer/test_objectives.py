"""Every objective kind is one record: its model expression, its doc row, and values the evaluator agrees with."""

from __future__ import annotations

from pathlib import Path

import pytest

from architecture.evaluate import evaluate
from architecture.objectives import BUILTIN_OBJECTIVES, COLUMN_OBJECTIVE, objective_kind
from architecture.policy import ObjectiveSpec
from architecture.synthetic import SyntheticSize, generate_study
from optimizer import Solver, build_model, extract_architecture, set_objective, to_model_data
from optimizer.model import objectives as model_objectives

DOC = Path(__file__).parents[2] / "docs" / "formulation.md"
KINDS = [*BUILTIN_OBJECTIVES.values(), COLUMN_OBJECTIVE]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_has_an_expression_and_a_doc_row(kind):
    assert callable(getattr(model_objectives, f"objective_{kind.name}"))
    doc = DOC.read_text(encoding="utf-8")
    assert f"| `{kind.name}` |" in doc or kind is COLUMN_OBJECTIVE and "| a declared column objective |" in doc
    assert (kind.step is None) != (kind.grid is None), "a grid from the data's decimals, or a fixed step"


@pytest.mark.parametrize("seed", [3, 4, 11])
@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_model_and_the_evaluator_agree_on_every_kind(kind, seed):
    study = generate_study(SyntheticSize(8, 4, 5, (1, 3)), seed=seed, tightness=0.7)
    name = kind.name if kind is not COLUMN_OBJECTIVE else "partnership"
    spec = study.objective(name)
    assert objective_kind(spec) is kind
    data = to_model_data(study)
    m = build_model(data, (name, "cost"))
    assert (m.component("element_slip_months") is not None) >= kind.needs_slip
    partners = [p for p in data.providers if data.kind[p] == "international" and data.offers_of_provider[p]]
    assert (m.component("provider_used") is not None) >= (kind.counts_partners and bool(partners))
    set_objective(m, name)
    report = Solver().solve(m)
    if not report.has_solution:
        pytest.fail("the seeds are feasible instances")
    ev = evaluate(study, extract_architecture(m, data))
    assert ev.feasible
    assert ev.objectives[name] == pytest.approx(report.objective, rel=1e-6, abs=1e-6)


def test_a_declared_objective_takes_its_kind_from_builtin_not_from_its_name():
    spec = ObjectiveSpec(name="partner_slip", sense="max", column="partner_value")
    assert objective_kind(spec) is COLUMN_OBJECTIVE and not objective_kind(spec).needs_slip
