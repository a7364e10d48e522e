"""Constraint families on the sample set of slips: per-sample milestone misses and the confidence limit.

Sample average approximation: with S[e,p,s] the slip of offer (e, p) in sample s (architecture/confidence.py, the
evaluator's numbers), a milestone misses in sample s when its slip there exceeds max_milestone_slip_months. The
rows are exact for the sample set. See docs/formulation.md#sample_milestone_miss and #milestone_confidence_limit.
"""

from __future__ import annotations

import numpy as np
import pyomo.core as pyo

from optimizer.model.data import ModelData
from optimizer.model.variables import selected

LATE_TOLERANCE_MONTHS = 1e-9  # a sampled slip this close to the limit keeps it (the evaluator's rule)


def define_sample_milestone_miss_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """miss[ms, s] is 1 whenever milestone ms slips past its limit L_ms in sample s.

    Latest slip (`slip_propagation = "max"`): for each gate g of ms, each r in g's requires-closure and each sample s in
    which some offers of r are late (S[r,p,s] > L_ms): miss[ms,s] >= sum_{p late} assign[r,p] + sigma_g - 1 (the sigma
    term left out when g is r or required). Slips that add up: the per-sample slips of docs/formulation.md#slip_propagation
    with sample bounds B[e,s], and d[g,s] - L_ms <= (B[g,s] - L_ms)(miss[ms,s] + 1 - sigma_g). Skipped without sampled
    milestones.
    """
    if not hasattr(m, "milestone_miss"):
        return
    if data.study.info.slip_propagation == "add":
        _added_slips(m, data)
    else:
        _latest_slips(m, data)


def _latest_slips(m: pyo.ConcreteModel, data: ModelData) -> None:
    limits = data.limits.max_milestone_slip_months
    rows: dict[tuple[str, int, str, str], dict[tuple[str, str], None]] = {}
    for ms in m.SAMPLED_MILESTONES:
        limit = limits[ms] + LATE_TOLERANCE_MONTHS
        for g in data.gating[ms]:
            for r in data.closure(g):
                gate = "" if r == g or data.selected_is_fixed(g) else g
                for pair in data.offers_of_element[r]:
                    for s in np.flatnonzero(data.sample_slips[pair] > limit):
                        rows.setdefault((ms, int(s), r, gate), {})[pair] = None
    if not rows:
        return
    assign = m.assign_by_offer

    def rule(m: pyo.ConcreteModel, ms: str, s: int, r: str, gate: str) -> object:
        late = pyo.quicksum(assign[pair] for pair in rows[ms, s, r, gate])
        return m.milestone_miss[ms, s] >= (late + selected(m, data, gate) - 1 if gate else late)

    m.MISS_LINKS = pyo.Set(initialize=list(rows), dimen=4, ordered=True)
    m.milestone_miss_link = pyo.Constraint(m.MISS_LINKS, rule=rule)


def _added_slips(m: pyo.ConcreteModel, data: ModelData) -> None:
    limits, samples = data.limits.max_milestone_slip_months, len(m.SAMPLES)
    elements = list(m.SAMPLED_ELEMENTS)
    own = {e: np.max([data.sample_slips[pair] for pair in data.offers_of_element[e]], axis=0) for e in elements}
    bound: dict[str, np.ndarray] = {}

    def most(e: str) -> np.ndarray:  # B[e, s]: the largest slip e can reach in sample s
        if e not in bound:
            ups = [most(r) for r in data.study.elements[e].requires if r in own]
            bound[e] = own[e] + (np.max(ups, axis=0) if ups else 0.0)
        return bound[e]

    d, assign = m.sample_element_slip_months, m.assign_by_offer
    for e in elements:
        for s in range(samples):
            d[e, s].setub(float(most(e)[s]))

    def sampled_own(e: str, s: int) -> object:
        return pyo.quicksum(float(data.sample_slips[pair][s]) * assign[pair] for pair in data.offers_of_element[e])

    links = [(e, r) for e in elements for r in data.study.elements[e].requires if r in own]
    m.SAMPLE_SLIP_LINKS = pyo.Set(initialize=links, dimen=2, ordered=True)
    m.sample_slip_own = pyo.Constraint(m.SAMPLED_ELEMENTS, m.SAMPLES, rule=lambda m, e, s: d[e, s] >= sampled_own(e, s))

    def chain(m: pyo.ConcreteModel, e: str, r: str, s: int) -> object:
        relax = 0 if data.selected_is_fixed(e) else float(most(r)[s]) * (1 - selected(m, data, e))
        return d[e, s] >= sampled_own(e, s) + d[r, s] - relax

    m.sample_slip_propagation = pyo.Constraint(m.SAMPLE_SLIP_LINKS, m.SAMPLES, rule=chain)
    gates = [(ms, g, s) for ms in m.SAMPLED_MILESTONES for g in data.gating[ms] if g in own
             for s in range(samples) if most(g)[s] > limits[ms] + LATE_TOLERANCE_MONTHS]

    def miss(m: pyo.ConcreteModel, ms: str, g: str, s: int) -> object:
        room = float(most(g)[s]) - limits[ms]
        relax = 0 if data.selected_is_fixed(g) else 1 - selected(m, data, g)
        return d[g, s] - limits[ms] <= room * (m.milestone_miss[ms, s] + relax)

    if gates:
        m.SAMPLE_GATES = pyo.Set(initialize=gates, dimen=3, ordered=True)
        m.milestone_miss_link = pyo.Constraint(m.SAMPLE_GATES, rule=miss)


def define_milestone_confidence_limit_constraints(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Each milestone with a confidence limit keeps its slip limit in at least that share of the samples.

    sum_s miss[ms, s] <= N (1 - milestone_confidence[ms]). Skipped without confidence limits.
    See docs/formulation.md#milestone_confidence_limit.
    """
    if not hasattr(m, "milestone_miss"):
        return
    wanted = {ms: alpha for ms, alpha in data.limits.milestone_confidence.items() if ms in m.SAMPLED_MILESTONES}
    if not wanted:
        return
    n = len(m.SAMPLES)
    m.CONFIDENCE_MILESTONES = pyo.Set(initialize=list(wanted), ordered=True)
    m.milestone_confidence = pyo.Param(m.CONFIDENCE_MILESTONES, mutable=True, initialize=wanted)
    m.milestone_confidence_limit = pyo.Constraint(
        m.CONFIDENCE_MILESTONES, rule=lambda m, ms: pyo.quicksum(m.milestone_miss[ms, s] for s in m.SAMPLES) <= n * (1 - m.milestone_confidence[ms])
    )
