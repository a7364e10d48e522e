"""The tie-break among equal optima: a bound row per objective that holds it at its best, and the offer-order objective.

docs/formulation.md#equal-optima-the-tie-break states the math; optimizer/solve/study_model.py solves the stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyomo.core as pyo

from architecture.objectives import objective_kind
from optimizer.model.data import ModelData
from optimizer.model.objectives import ObjectiveTerm

#: The last stage's objective: the architecture whose offers come first in offers.csv (smallest sum of row positions).
OFFER_ORDER = "__offer_order__"


def loose_tie_bound(data: ModelData, name: str) -> float:
    """A bound on sign * value (sign * N - b * D for a ratio) that no architecture reaches: the row is inactive at it."""
    spec = data.study.objective(name)
    kind = objective_kind(spec)
    return 1.0 if kind.is_ratio else kind.loose_bound(data, 1 if spec.sense == "min" else -1, spec)


def define_tie_break_rows(m: pyo.ConcreteModel, data: ModelData, names: Sequence[str]) -> None:
    """`tie_break_bound[k]`: sign_k * f_k <= b_k for each objective k of the stages (b_k loose until its stage is done)."""
    m.TIE_BREAK_OBJECTIVES = pyo.Set(initialize=list(names), ordered=True)
    m.tie_break_value = pyo.Param(m.TIE_BREAK_OBJECTIVES, mutable=True, initialize={n: loose_tie_bound(data, n) for n in names})
    terms: dict[str, ObjectiveTerm] = m.objective_terms

    def rule(m: pyo.ConcreteModel, name: str) -> Any:
        term = terms[name]
        sign = 1 if term.sense == "min" else -1
        if term.is_ratio:  # sign * N/D <= b  <=>  sign * N - b * D <= 0  (D >= 0)
            return sign * term.numerator - m.tie_break_value[name] * term.denominator <= 0
        return sign * term.numerator <= m.tie_break_value[name]

    m.tie_break_bound = pyo.Constraint(m.TIE_BREAK_OBJECTIVES, rule=rule)
    position = {pair: row for row, pair in enumerate(data.offers, start=1)}
    m.objective_terms[OFFER_ORDER] = ObjectiveTerm(OFFER_ORDER, "min", "offer rows", pyo.quicksum(position[pair] * m.assign[pair] for pair in m.OFFERS))
