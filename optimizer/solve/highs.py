"""The solver boundary: Pyomo models handed to HiGHS and re-solved, through public APIs only.

With `optimizer.solve.highs_problem` (the plain HiGHS problem it fills), the only modules of the
engine that import highspy. Rows are read with Pyomo's public expression API (`LinearExpression`
terms, `generate_standard_repn` for anything else) and passed in one `passModel`; later changes (a
limit, an objective, a row switched off or added) are sent row by row with highspy's documented
calls. Nothing here reads a private attribute of Pyomo or highspy, so a new release of either
cannot change an answer silently (tests/test_layout.py scans for that). Pyomo's own
`LinearStandardFormCompiler` would do the reading too, but it imports scipy.stats (about 1 s) on
first use, which alone would take `trade run` past its 2 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import Any

import highspy
import numpy as np
from pyomo.common.gc_manager import PauseGC
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core import Constraint, Objective, maximize
from pyomo.core.expr import LinearExpression, MonomialTermExpression, NegationExpression, ProductExpression, SumExpression
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn import generate_standard_repn

from optimizer.solve.highs_problem import INF, HighsProblem, HighsRun, highs_version

__all__ = ["INF", "HighsModel", "HighsProblem", "HighsRun", "highs_version", "linear_terms"]

_MONOMIAL = {MonomialTermExpression}
_ARGS, _FIXED = attrgetter("args"), attrgetter("fixed")


def _holds_parameters(expr: Any) -> bool:
    """Whether a mutable Param appears in the expression (so its coefficients may change)."""
    return next(iter(identify_mutable_parameters(expr)), None) is not None


def linear_terms(expr: Any) -> tuple[list[float], list[Any], float]:
    """(coefficients, variables, constant) of a linear Pyomo expression; a variable may repeat, fixed ones count as constants."""
    terms = HighsModel._linear_terms(expr)
    if terms is not None:
        return terms
    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if repn.nonlinear_expr is not None:
        raise ValueError(f"{getattr(expr, 'name', expr)} is not linear")
    return [float(c) for c in repn.linear_coefs], list(repn.linear_vars), float(repn.constant)


class HighsModel:
    """A Pyomo model in HiGHS: the column of each variable, the rows of each constraint, and updates.

    Each active row is read once: a plain `LinearExpression` body term by term, any other body
    with Pyomo's `generate_standard_repn`; then one `passModel`. After the caller changes a
    mutable Param, it sends the rows that use it with `update_rows`; `update_objective` re-reads
    the active objective; `update_rows` also frees the rows of deactivated constraints and adds
    new constraints. Columns are the variables the rows and the objective use, in order of first
    use; a variable that appears later becomes a new column then.
    """

    def __init__(self, m: Any, options: Mapping[str, Any] | None = None):
        self.m = m
        self.columns: list[Any] = []
        self.column_of: dict[int, int] = {}
        self.rows_of: dict[Any, int] = {}
        self._constants: dict[Any, float] = {}
        self._parametric: dict[Any, bool] = {}
        with PauseGC():  # as in build_model: one object per term, none of them in cycles
            lower, upper, starts, index, values = [], [], [0], [], []
            for con in m.component_data_objects(Constraint, active=True):
                low, body, high = con.to_bounded_expression(True)
                if low is None and high is None:
                    continue
                coefficients, columns, constant = self._terms(body)
                self.rows_of[con] = len(lower)
                if constant:
                    self._constants[con] = constant
                lower.append(-INF if low is None else low - constant)
                upper.append(INF if high is None else high - constant)
                index.extend(columns)
                values.extend(coefficients)
                starts.append(len(index))
            objectives = list(m.component_data_objects(Objective, active=True))
            if len(objectives) > 1:
                raise ValueError("a model handed to HiGHS has one active objective")
            self._objective = objectives[0] if objectives else None
            self._objective_parametric: bool | None = None
            costs, offset = np.zeros(len(self.columns)), 0.0
            if self._objective is not None:
                coefficients, columns, offset = self._terms(self._objective.expr)
                costs = np.zeros(len(self.columns))
                np.add.at(costs, np.asarray(columns, dtype=np.int64), np.asarray(coefficients, dtype=float))
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = len(self.columns), len(lower)
            lp.col_cost_, lp.offset_ = costs, float(offset)
            if self._objective is not None and self._objective.sense == maximize:
                lp.sense_ = highspy.ObjSense.kMaximize
            lp.col_lower_, lp.col_upper_ = self._bounds(self.columns)
            lp.row_lower_, lp.row_upper_ = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
            matrix = lp.a_matrix_
            matrix.format_ = highspy.MatrixFormat.kRowwise
            matrix.num_col_, matrix.num_row_ = len(self.columns), len(lower)
            self._starts, self._index = np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32)
            matrix.start_, matrix.index_, matrix.value_ = self._starts, self._index, np.asarray(values, dtype=float)
            lp.integrality_ = integrality = self._integrality(self.columns)
            self.problem = HighsProblem(lp, options, mip=highspy.HighsVarType.kInteger in integrality)
        self._row_columns: dict[int, set[int]] = {}  # rows whose coefficients were re-sent: the columns they use now

    # -- maps ------------------------------------------------------------------------------

    def column(self, var: Any) -> int | None:
        """The HiGHS column of a Pyomo variable, or None when nothing sent to HiGHS used it."""
        return self.column_of.get(id(var))

    def row(self, con: Any) -> int | None:
        """The HiGHS row of a Pyomo constraint, or None when HiGHS never got it (no bound, or never active)."""
        return self.rows_of.get(con)

    def row_constant(self, con: Any) -> float:
        """The constant of a constraint's body, which HiGHS holds in the row's bounds: HiGHS bound = Pyomo bound - constant."""
        return self._constants.get(con, 0.0)

    def linear_vector(self, expr: Any) -> tuple[np.ndarray, float]:
        """A linear expression as a dense vector over the columns (new columns added if needed) and its constant."""
        coefficients, columns, constant = self._terms(expr)
        vector = np.zeros(self.problem.num_columns)
        np.add.at(vector, np.asarray(columns, dtype=np.int64), np.asarray(coefficients, dtype=float))
        return vector, constant

    # -- updates ---------------------------------------------------------------------------

    def update_objective(self) -> None:
        """Send the model's active objective if it is new, or holds parameters (whose values may have changed)."""
        objectives = list(self.m.component_data_objects(Objective, active=True))
        if len(objectives) > 1:
            raise ValueError("a model handed to HiGHS has one active objective")
        objective = objectives[0] if objectives else None
        if objective is self._objective and objective is not None:
            if self._objective_parametric is None:
                self._objective_parametric = _holds_parameters(objective.expr)
            if not self._objective_parametric:
                return
        self._objective, self._objective_parametric = objective, None
        if objective is None:
            self.problem.set_costs(np.zeros(self.problem.num_columns))
            return
        vector, constant = self.linear_vector(objective.expr)
        self.problem.set_costs(vector, constant, maximise=objective.sense == maximize)

    def update_rows(self, constraints: Iterable[Any]) -> None:
        """Re-send these constraints: bounds, coefficients when parameters sit in their body; free inactive ones, add new ones."""
        for con in constraints:
            row = self.rows_of.get(con)
            if row is None:
                if con.active:
                    self._add_row(con)
                continue
            if not con.active:
                self.problem.set_row_bounds(row, -INF, INF)
                continue
            low, body, high = con.to_bounded_expression(True)
            if self._has_parameters(con, body):
                self._send_coefficients(con, row, body)
            constant = self.row_constant(con)
            self.problem.set_row_bounds(row, -INF if low is None else low - constant, INF if high is None else high - constant)

    def update_bounds(self, variables: Iterable[Any]) -> None:
        """Re-send these variables' bounds (`setlb`/`setub`: a fixed variable would turn into a constant in re-sent rows)."""
        for var in variables:
            column = self.column_of.get(id(var))
            if column is not None:
                lower, upper = var.bounds
                self.problem.h.changeColBounds(column, -INF if lower is None else float(lower), INF if upper is None else float(upper))

    # -- solving ---------------------------------------------------------------------------

    def run(self, time_limit_s: float | None = None, mip_rel_gap: float | None = None, mip_abs_gap: float | None = None) -> HighsRun:
        return self.problem.run(time_limit_s, mip_rel_gap, mip_abs_gap)

    def load_solution(self) -> None:
        """Give every column's value of the last run to its Pyomo variable."""
        values = self.problem.column_values()
        for var, value in zip(self.columns, values.tolist(), strict=True):
            var.set_value(value, skip_validation=True)

    def reset(self) -> None:
        self.problem.reset()

    # -- internals -------------------------------------------------------------------------

    def _terms(self, expr: Any) -> tuple[list[float], list[int], float]:
        """(coefficients, columns, constant) of a linear expression; a variable seen for the first time becomes a column.

        Sums (of LinearExpressions, sums, named expressions, negations) of number * unfixed variable,
        variables and numbers are read directly: that is every row the formulation writes. Anything
        else (a parameter in a coefficient, a fixed variable, a product) goes through generate_standard_repn.
        """
        terms = self._linear_terms(expr)
        if terms is not None:
            coefficients, variables, constant = terms
            ids = list(map(id, variables))
            if len(set(ids)) != len(ids):  # a variable more than once: add its coefficients up
                merged: dict[int, float] = {}
                for key, coefficient in zip(ids, coefficients, strict=True):
                    merged[key] = merged.get(key, 0.0) + coefficient
                first = dict(zip(ids, variables, strict=True))
                coefficients, variables, ids = list(merged.values()), [first[key] for key in merged], list(merged)
            columns = list(map(self.column_of.get, ids))
            if None in columns:
                columns = [self._column_adding(v) if c is None else c for v, c in zip(variables, columns, strict=True)]
            return list(coefficients), columns, constant
        repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None:
            raise ValueError(f"{getattr(expr, 'name', expr)} is not linear")
        return [float(c) for c in repn.linear_coefs], [self._column_adding(v) for v in repn.linear_vars], float(repn.constant)

    @staticmethod
    def _linear_terms(expr: Any) -> tuple[list[float], list[Any], float] | None:
        """Coefficients and variables (a variable may repeat) and the constant, or None when the expression is not plain."""
        coefficients: list[float] = []
        variables: list[Any] = []
        constant = 0.0
        stack = [(expr, 1.0)]
        while stack:
            node, scale = stack.pop()
            kind = type(node)
            if kind is LinearExpression and set(map(type, node.args)) == _MONOMIAL:  # the common row: read at once
                part, found = zip(*map(_ARGS, node.args), strict=True)
                if not set(map(type, part)) <= native_numeric_types or any(map(_FIXED, found)):
                    return None
                coefficients.extend(part if scale == 1.0 else [scale * c for c in part])
                variables.extend(found)
            elif kind in native_numeric_types:
                constant += scale * node
            elif kind is MonomialTermExpression:
                coefficient, var = node.args
                if type(coefficient) not in native_numeric_types or var.fixed:
                    return None
                coefficients.append(scale * coefficient)
                variables.append(var)
            elif kind is LinearExpression or kind is SumExpression:
                stack.extend((arg, scale) for arg in reversed(node.args))
            elif kind is NegationExpression:
                stack.append((node.args[0], -scale))
            elif kind is ProductExpression and type(node.args[0]) in native_numeric_types:
                stack.append((node.args[1], scale * node.args[0]))
            elif node.is_variable_type():
                if node.fixed:
                    return None
                coefficients.append(scale)
                variables.append(node)
            elif node.is_named_expression_type():
                stack.append((node.expr, scale))
            else:
                return None
        return coefficients, variables, constant

    @staticmethod
    def _bounds(columns: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        bounds = np.array([v.bounds for v in columns], dtype=float).reshape(len(columns), 2)
        return np.nan_to_num(bounds[:, 0], nan=-INF), np.nan_to_num(bounds[:, 1], nan=INF)

    @staticmethod
    def _integrality(columns: list[Any]) -> list[Any]:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        return [kinds[v.is_integer()] for v in columns]

    def _column_adding(self, var: Any) -> int:
        """The variable's column; while the model is being read, a new index, afterwards a column added to HiGHS."""
        column = self.column_of.get(id(var))
        if column is not None:
            return column
        column = len(self.columns)
        self.columns.append(var)
        self.column_of[id(var)] = column
        problem = getattr(self, "problem", None)
        if problem is not None:
            lower, upper = self._bounds([var])
            problem.h.addCol(0.0, float(lower[0]), float(upper[0]), 0, np.zeros(0, dtype=np.int32), np.zeros(0))
            if var.is_integer():
                problem.h.changeColIntegrality(column, highspy.HighsVarType.kInteger)
                problem.mip = True
        return column

    def _add_row(self, con: Any) -> None:
        low, body, high = con.to_bounded_expression(True)
        coefficients, columns, constant = self._terms(body)
        row = self.problem.h.getNumRow()
        self.problem.h.addRow(-INF if low is None else low - constant, INF if high is None else high - constant,
                              len(columns), np.asarray(columns, dtype=np.int32), np.asarray(coefficients, dtype=float))
        self.rows_of[con] = row
        self._constants[con] = constant
        self._row_columns[row] = set(columns)

    def _has_parameters(self, con: Any, body: Any) -> bool:
        known = self._parametric.get(con)
        if known is None:
            known = self._parametric[con] = _holds_parameters(body)
        return known

    def _send_coefficients(self, con: Any, row: int, body: Any) -> None:
        """Re-send every coefficient of a row whose body holds parameters (zeros for columns it no longer uses)."""
        vector, constant = self.linear_vector(body)
        self._constants[con] = constant
        now = set(np.flatnonzero(vector).tolist())
        before = self._row_columns.get(row)
        if before is None:
            before = set(self._index[self._starts[row]:self._starts[row + 1]].tolist())
        for column in sorted(before | now):
            self.problem.h.changeCoeff(row, column, float(vector[column]))
        self._row_columns[row] = now
