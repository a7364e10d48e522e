"""The tie-break among equal optima: a bound row per objective that holds it at its best, and the offer-order objective.

docs/formulation.md#equal-optima-the-tie-break states the math; optimizer/solve/study_model.py solves the stages.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.core as pyo

from optimizer.model.data import ModelData
from optimizer.model.objectives import ObjectiveTerm, loose_objective_bound, objective_bound_row

#: The last stage's objective: the architecture whose offers come first in offers.csv (smallest sum of row positions).
OFFER_ORDER = "__offer_order__"


def define_tie_break_rows(m: pyo.ConcreteModel, data: ModelData, names: Sequence[str]) -> None:
    """`tie_break_bound[k]`: sign_k * f_k <= b_k for each objective k of the stages (b_k loose until its stage is done)."""
    m.TIE_BREAK_OBJECTIVES = pyo.Set(initialize=list(names), ordered=True)
    loose = {n: loose_objective_bound(data, data.study.objective(n)) for n in names}
    m.tie_break_value = pyo.Param(m.TIE_BREAK_OBJECTIVES, mutable=True, initialize=loose)
    terms: dict[str, ObjectiveTerm] = m.objective_terms
    m.tie_break_bound = pyo.Constraint(m.TIE_BREAK_OBJECTIVES, rule=lambda m, name: objective_bound_row(terms[name], m.tie_break_value[name]))
    position = {pair: row for row, pair in enumerate(data.offers, start=1)}
    m.objective_terms[OFFER_ORDER] = ObjectiveTerm(OFFER_ORDER, "min", "offer rows", pyo.quicksum(position[pair] * m.assign[pair] for pair in m.OFFERS))
