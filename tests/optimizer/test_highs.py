"""The solver boundary: HiGHS receives exactly the Pyomo model, and every update keeps it so.

The check is independent of the boundary's reading: at random points, each row's activity from the
matrix HiGHS holds must equal Pyomo's own evaluation of the constraint body, and the bounds Pyomo's.
"""

from __future__ import annotations

import json

import numpy as np
import pyomo.core as pyo
import pytest

from architecture.synthetic import SyntheticSize, generate_study
from optimizer import SolveOptions, Solver, build_model, run_study, run_sweep, to_model_data
from optimizer.output import write_run
from optimizer.solve.highs import HighsModel
from tests.conftest import TINY

OBJECTIVES = ("cost", "partnership", "slip", "agency_cost_musd", "international_partners")


def highs_matrix(highs: HighsModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Dense (A, row lower, row upper, costs, offset) of what HiGHS holds."""
    lp = highs.problem.h.getLp()
    a = np.zeros((lp.num_row_, lp.num_col_))
    matrix = lp.a_matrix_
    starts, index, values = list(matrix.start_), list(matrix.index_), list(matrix.value_)
    for col in range(lp.num_col_):
        for k in range(starts[col], starts[col + 1]):
            a[index[k], col] = values[k]
    return a, np.array(lp.row_lower_), np.array(lp.row_upper_), np.array(lp.col_cost_), float(lp.offset_)


def assert_same_as_pyomo(m: pyo.ConcreteModel, highs: HighsModel, rng: np.random.Generator) -> None:
    a, lower, upper, costs, offset = highs_matrix(highs)
    for _ in range(3):
        x = rng.uniform(0, 1, len(highs.columns)) * 3
        for var, value in zip(highs.columns, x, strict=True):
            var.set_value(float(value), skip_validation=True)
        for con, row in highs.rows_of.items():
            if not con.active:
                assert lower[row] == -np.inf and upper[row] == np.inf
                continue
            body = pyo.value(con.body)
            activity = a[row] @ x
            constant = body - activity  # what the boundary moved into the bounds
            assert constant == pytest.approx(highs.row_constant(con), abs=1e-7), con.name
            if con.has_lb():
                assert lower[row] == pytest.approx(pyo.value(con.lower) - constant, abs=1e-7), con.name
            if con.has_ub():
                assert upper[row] == pytest.approx(pyo.value(con.upper) - constant, abs=1e-7), con.name
        objective = next(m.component_data_objects(pyo.Objective, active=True))
        assert costs @ x + offset == pytest.approx(pyo.value(objective.expr), rel=1e-9, abs=1e-7)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_highs_holds_the_pyomo_model(seed, objective):
    study = generate_study(SyntheticSize(12, 5, 5), seed=seed)
    m = build_model(to_model_data(study), objective)
    assert_same_as_pyomo(m, HighsModel(m), np.random.default_rng(seed))


def test_updates_keep_highs_equal_to_pyomo():
    """Limits changed, a row switched off and on, a constraint added, a new objective: each sent as it is."""
    study = generate_study(SyntheticSize(12, 5, 5), seed=3)
    data = to_model_data(study)
    m = build_model(data, ("cost", "partnership"))
    solver = Solver()
    first = solver.solve(m)
    assert first.status == "optimal"
    highs = solver.highs
    rng = np.random.default_rng(1)
    m.total_budget_musd.set_value(pyo.value(m.total_budget_musd) * 0.9)
    for fy in m.annual_budget_musd:
        m.annual_budget_musd[fy].set_value(pyo.value(m.annual_budget_musd[fy]) * 1.1)
    solver.update_rows([m.budget_total, *m.budget_annual.values()])
    assert_same_as_pyomo(m, highs, rng)
    m.budget_total.deactivate()
    solver.update_rows([m.budget_total])
    assert_same_as_pyomo(m, highs, rng)
    m.budget_total.activate()
    solver.update_rows([m.budget_total])
    m.share = pyo.Param(mutable=True, initialize=0.5)
    m.extra = pyo.Constraint(expr=m.share * m.offer_cost_musd - 10 <= 1000)  # a parameter in the body
    solver.update_rows([m.extra])
    assert_same_as_pyomo(m, highs, rng)
    m.share.set_value(0.25)
    solver.update_rows([m.extra])
    assert_same_as_pyomo(m, highs, rng)
    from optimizer import set_objective

    set_objective(m, "partnership")
    solver.solve(m)
    assert_same_as_pyomo(m, highs, rng)
    fresh = Solver().solve(m)
    assert solver.solve(m).objective == pytest.approx(fresh.objective)


def test_a_solve_after_another_thread_count_in_the_same_process():
    """Highspy 1.16 fails a run whose thread count differs from the first run's; the boundary resizes the pool."""
    from architecture import load_study

    study = load_study(TINY)
    assert run_study(study).report.status == "optimal"
    assert run_study(study, options=SolveOptions(threads=1)).report.status == "optimal"
    assert run_study(study, options=SolveOptions(threads=2)).report.status == "optimal"
    assert run_study(study).report.status == "optimal"


def test_an_error_status_carries_its_message(tmp_path):
    from architecture import SweepDesign, SweepPoint, load_study

    study = load_study(TINY)
    options = SolveOptions(solver_options={"no_such_option": 1})
    result = run_study(study, options=options)
    assert result.report.status == "error"
    assert "ValueError" in result.report.message and "no_such_option" in result.report.message
    manifest = json.loads((write_run(tmp_path / "run", result) / "manifest.json").read_text())
    assert "no_such_option" in manifest["solve"]["message"]
    table = run_sweep(study, SweepDesign.from_points([SweepPoint(name="only")], source="test"), options=options, workers=1).table
    assert table["status"].tolist() == ["error"] and "no_such_option" in table["message"].iloc[0]


def test_a_study_without_offers_is_the_empty_architecture():
    from architecture import load_study

    study = load_study(TINY)
    study = study.with_changes(elements={e: el.model_copy(update={"required": False}) for e, el in study.elements.items()}, offers={})
    result = run_study(study)
    assert result.report.status == "optimal" and result.report.objective == 0
    assert dict(result.architecture.assignment) == {}
