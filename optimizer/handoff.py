"""Pyomo's persistent HiGHS interface with a direct hand-off for plain linear rows.

Most rows of the model are a `LinearExpression` (or a named expression holding one). Pyomo's
generic path walks every such row twice (once to collect its variables, once for its standard
representation) and adds new columns one row at a time; reading the terms directly halves the
hand-off on the medium and large benchmark models (bench/bench_model.py). Parameter coefficients
and bounds get Pyomo's own update helpers. Every other row (sums of expressions, repeated or
fixed variables) goes through Pyomo's own path, so persistent updates behave exactly as before.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
from pyomo.common.gc_manager import PauseGC
from pyomo.common.numeric_types import native_numeric_types
from pyomo.contrib.solver.solvers.highs import Highs, _MutableConstraintBounds, _MutableLinearCoefficient
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.core.expr.numvalue import value

# (con, coefficients, variables, their ids, lower, upper, every coefficient a number, the named expression that is the
# body or None); a coefficient or bound is a number, or an expression of mutable parameters that a persistent update
# re-evaluates
_Row = tuple[ConstraintData, list[Any], list[Any], list[int], Any, Any, bool, Any]


def _is_parameter_expression(term: Any) -> bool:
    return type(term) in native_numeric_types or not term.is_potentially_variable()


def _plain_row(con: ConstraintData) -> _Row | None:
    """The row's terms when its body is a LinearExpression (or a named one) of unfixed, distinct variables, else None."""
    body = con.body
    named = None
    if type(body) is not LinearExpression and body.is_named_expression_type():  # e.g. budget_total's agency_cost_musd
        named, body = body, body.expr
    if type(body) is not LinearExpression:
        return None
    lower, upper = con.lower, con.upper
    if not (lower is None or _is_parameter_expression(lower)) or not (upper is None or _is_parameter_expression(upper)):
        return None
    coefs: list[Any] = []
    variables: list[Any] = []
    constant = 0.0
    numeric = True
    for arg in body.args:
        if type(arg) is MonomialTermExpression:
            coef, var = arg.args
            if type(coef) not in native_numeric_types:
                if coef.is_potentially_variable():
                    return None
                numeric = False
            if var.fixed:
                return None
            coefs.append(coef)
            variables.append(var)
        elif type(arg) in native_numeric_types:
            constant += arg
        elif arg.is_variable_type() and not arg.fixed:
            coefs.append(1)
            variables.append(arg)
        else:
            return None
    ids = [id(v) for v in variables]
    if len(set(ids)) != len(ids):
        return None  # a repeated variable: let Pyomo merge its terms
    lb = -highspy.kHighsInf if lower is None else lower - constant
    ub = highspy.kHighsInf if upper is None else upper - constant
    return con, coefs, variables, ids, lb, ub, numeric, named


class FastLinearHighs(Highs):
    """`pyomo.contrib.solver.solvers.highs.Highs`, adding plain linear rows without walking them.

    Rows keep their order, and the persistent bookkeeping (variables referenced by each row,
    row and column maps) is filled exactly as Pyomo fills it, so later updates, removals and
    re-solves need nothing special.
    """

    def set_instance(self, model: Any) -> None:
        with PauseGC():  # as in build_model: nothing here needs the cyclic collector, whose passes cost a third
            super().set_instance(model)

    def add_constraints(self, cons: list[ConstraintData]) -> None:
        batch: list[_Row] = []
        other: list[ConstraintData] = []
        for con in cons:
            row = _plain_row(con)
            if row is None:
                if batch:
                    self._add_plain_rows(batch)
                    batch = []
                other.append(con)
            else:
                if other:
                    super().add_constraints(other)
                    other = []
                batch.append(row)
        if batch:
            self._add_plain_rows(batch)
        if other:
            super().add_constraints(other)

    def _add_plain_rows(self, rows: list[_Row]) -> None:
        new_vars: dict[int, Any] = {}
        referenced = self._referenced_variables
        for con, _coefs, variables, ids, *_ in rows:
            if con in self._named_expressions:
                raise ValueError(f"Constraint {con.name} has already been added")
            for i, v in zip(ids, variables, strict=True):
                if i not in referenced and i not in new_vars:
                    new_vars[i] = v
        if new_vars:
            self.add_variables(list(new_vars.values()))
        self._sol = None
        if self._last_results_object is not None:
            self._last_results_object.solution_loader.invalidate()
        var_map, con_map = self._pyomo_var_to_solver_var_map, self._pyomo_con_to_solver_con_map
        row = len(con_map)
        lbs, ubs, starts, indices, values = [], [], [], [], []
        for con, coefs, variables, ids, lb, ub, numeric, named in rows:
            self._active_constraints[con] = con.expr
            self._named_expressions[con] = [] if named is None else [(named, named.expr)]
            self._vars_referenced_by_con[con] = variables
            starts.append(len(indices))
            for i in ids:
                referenced[i][0][con] = None
            if numeric:
                indices.extend([var_map[i] for i in ids])
                values.extend(coefs)
            else:
                self._add_parameter_terms(con, coefs, ids, indices, values)
            if not (type(lb) in native_numeric_types and type(ub) in native_numeric_types):
                helper = _MutableConstraintBounds(lower_expr=lb, upper_expr=ub, pyomo_con=con, con_map=con_map, highs=self._solver_model)
                self._mutable_helpers.setdefault(con, []).append(helper)
            lbs.append(value(lb))
            ubs.append(value(ub))
            con_map[con] = row
            self._solver_con_to_pyomo_con_map[row] = con
            row += 1
        self._solver_model.addRows(
            len(lbs), np.array(lbs, dtype=np.double), np.array(ubs, dtype=np.double), len(values),
            np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32), np.array(values, dtype=np.double),
        )

    def _add_parameter_terms(self, con: ConstraintData, coefs: list[Any], ids: list[int], indices: list[int], values: list[float]) -> None:
        """A row's terms when some coefficients depend on mutable parameters (Pyomo's own rule: a zero is left out)."""
        var_map, con_map = self._pyomo_var_to_solver_var_map, self._pyomo_con_to_solver_con_map
        for coef, i in zip(coefs, ids, strict=True):
            if type(coef) not in native_numeric_types:  # re-sent by a persistent update when its parameters change
                helper = _MutableLinearCoefficient(pyomo_con=con, pyomo_var_id=i, con_map=con_map, var_map=var_map,
                                                   expr=coef, highs=self._solver_model)
                self._mutable_helpers.setdefault(con, []).append(helper)
                coef = value(coef)
                if coef == 0:
                    continue
            indices.append(var_map[i])
            values.append(coef)
