"""The direct hand-off gives HiGHS exactly the model Pyomo's own path gives it, and keeps persistent updates working."""

from __future__ import annotations

import highspy
import numpy as np
import pyomo.core as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from architecture.synthetic import SyntheticSize, generate_study
from optimizer import build_model, to_model_data
from optimizer.handoff import FastLinearHighs, _plain_row


def highs_model(solver_class: type, m: pyo.ConcreteModel):
    solver = solver_class()
    solver.set_instance(m)
    return solver, solver._solver_model.getLp()


def dense(lp) -> np.ndarray:
    """The constraint matrix, whichever way HiGHS stores it at the moment (a solve can switch it to columns)."""
    matrix = np.zeros((lp.num_row_, lp.num_col_))
    a = lp.a_matrix_
    by_column = a.format_ == highspy.MatrixFormat.kColwise
    for outer in range(len(a.start_) - 1):
        for k in range(a.start_[outer], a.start_[outer + 1]):
            row, col = (a.index_[k], outer) if by_column else (outer, a.index_[k])
            matrix[row, col] = a.value_[k]
    return matrix


def assert_same_lp(a, b) -> None:
    assert (a.num_col_, a.num_row_) == (b.num_col_, b.num_row_)
    for name in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_", "integrality_"):
        assert np.array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name))), name
    assert np.array_equal(dense(a), dense(b))


@pytest.mark.parametrize("seed", range(6))
def test_same_model_as_pyomo_on_synthetic_studies(seed):
    study = generate_study(SyntheticSize(12, 6, 6, (1, 4)), seed=seed)
    data = to_model_data(study)
    for objective in ("cost", "slip", "partnership"):
        m = build_model(data, objective)
        assert_same_lp(highs_model(Highs, m)[1], highs_model(FastLinearHighs, m)[1])


def tiny_model() -> pyo.ConcreteModel:
    """Rows of every kind: plain, parameter bounds, parameter coefficients, a named body, a repeated variable, a sum."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(4), domain=pyo.Binary)
    m.y = pyo.Var(bounds=(0, 10))
    m.cap = pyo.Param(mutable=True, initialize=2.0)
    m.weight = pyo.Param(mutable=True, initialize=3.0)
    m.spend = pyo.Expression(expr=pyo.quicksum((i + 1) * m.x[i] for i in range(4)))
    m.plain = pyo.Constraint(expr=pyo.quicksum(m.x[i] for i in range(4)) + 1 <= 4)
    m.param_bound = pyo.Constraint(expr=pyo.quicksum(m.x[i] for i in range(4)) <= m.cap)
    m.param_coef = pyo.Constraint(expr=m.weight * m.x[0] + m.y <= 8)
    m.named = pyo.Constraint(expr=m.spend <= 7)
    m.repeated = pyo.Constraint(expr=m.x[1] + m.x[1] + m.y >= 1)
    m.sum_of_terms = pyo.Constraint(expr=m.spend - m.y <= 5)
    m.objective = pyo.Objective(expr=m.spend + m.y, sense=pyo.maximize)
    return m


def test_rows_pyomo_must_handle_go_to_pyomo():
    m = tiny_model()
    assert _plain_row(m.plain) is not None and _plain_row(m.param_bound) is not None
    assert _plain_row(m.param_coef) is not None and _plain_row(m.named) is not None
    assert _plain_row(m.repeated) is None and _plain_row(m.sum_of_terms) is None
    m.x[2].fix(0)
    assert _plain_row(m.plain) is None  # a fixed variable: Pyomo's path decides what it means
    m.x[2].unfix()
    assert_same_lp(highs_model(Highs, m)[1], highs_model(FastLinearHighs, m)[1])


def test_parameter_changes_reach_highs_on_resolve():
    """Change a bound parameter and a coefficient parameter, re-solve persistently, compare with a fresh Pyomo solve."""
    m = tiny_model()
    fast = FastLinearHighs()
    first = fast.solve(m)
    assert first.incumbent_objective == pytest.approx(pyo.value(m.objective))
    for cap, weight in ((3.0, 3.0), (1.0, 9.0), (4.0, 0.0)):
        m.cap.set_value(cap)
        m.weight.set_value(weight)
        again = fast.solve(m).incumbent_objective
        fresh = Highs().solve(m).incumbent_objective
        assert again == pytest.approx(fresh)
        assert_same_lp(fast._solver_model.getLp(), highs_model(Highs, m)[1])


def test_rows_added_and_removed_after_the_first_solve():
    m = tiny_model()
    fast = FastLinearHighs()
    fast.solve(m)
    m.extra = pyo.Constraint(expr=m.x[0] + m.x[3] <= 1)
    m.named.deactivate()
    again = fast.solve(m).incumbent_objective
    assert again == pytest.approx(Highs().solve(m).incumbent_objective)
