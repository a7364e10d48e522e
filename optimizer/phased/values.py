"""What knowing the future would be worth (EVPI), and what planning for it is worth (VSS), by their definitions.

- Wait and see (WS): each future's own optimum, as if it were known before anything is committed (`trade run` on that
  future's study); EVPI = RP - WS, where RP is the phased optimum's risk value (docs/formulation.md#phased-decisions).
- The deterministic plan commits now to what the optimum of the study as given chooses among the offers decided now,
  and nothing else; EEV is the risk value of that plan with each future's best recourse; VSS = EEV - RP. A plan that
  leaves some future without a feasible recourse has an unbounded EEV (VSS = inf).
The risk measure is the uncertainty file's throughout, so with `expected` these are the textbook EVPI and VSS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from architecture import Study, Uncertainty, committed_now
from optimizer.phased.solve import PhasedModel, PhasedResult
from optimizer.solve.solver import SolveOptions
from optimizer.solve.study_model import run_study


def risk_value(costs: list[float], probabilities: list[float], risk: str, level: float | None) -> float:
    """The futures' costs weighed by a risk measure: expected, worst, or CVaR at `level` (the costliest 1 - level)."""
    if risk == "expected":
        return math.fsum(p * c for p, c in zip(probabilities, costs, strict=True))
    if risk == "worst":
        return max(costs)
    tail = left = 1.0 - float(level)  # type: ignore[arg-type]
    total = 0.0
    for p, c in sorted(zip(probabilities, costs, strict=True), key=lambda pc: -pc[1]):
        take = min(p, left)
        total, left = total + take * c, left - take
    return total / tail


@dataclass(frozen=True)
class InformationValues:
    """RP, WS, EEV (US$M, on the file's risk measure) and EVPI = RP - WS, VSS = EEV - RP; None where a part has no answer."""

    recourse: float | None
    wait_and_see: float | None
    deterministic: float | None
    deterministic_plan: tuple[tuple[str, str], ...]

    @property
    def evpi(self) -> float | None:
        return None if self.recourse is None or self.wait_and_see is None else self.recourse - self.wait_and_see

    @property
    def vss(self) -> float | None:
        if self.recourse is None:
            return None
        return math.inf if self.deterministic is None else self.deterministic - self.recourse


def result_risk(result: PhasedResult) -> float | None:
    costs = [f.cost_musd for f in result.futures]
    if not costs or any(c is None for c in costs):
        return None
    u = result.uncertainty
    return risk_value(costs, [f.probability for f in result.futures], u.risk, u.cvar_level)  # type: ignore[arg-type]


def information_values(study: Study, uncertainty: Uncertainty, result: PhasedResult, options: SolveOptions | None = None,
                       model: PhasedModel | None = None) -> InformationValues:
    """EVPI and VSS of a phased optimum (module docstring); `model`, the kept extensive form the result came from."""
    name = result.objective
    alone = [run_study(uncertainty.studies[future], name, options) for future in uncertainty.names]
    ws = None if any(r.report.objective is None for r in alone) else risk_value(
        [r.report.objective for r in alone], [uncertainty.probabilities[f] for f in uncertainty.names], uncertainty.risk,
        uncertainty.cvar_level)
    base = run_study(study, name, options)
    now = committed_now(study, uncertainty.decide_fy)
    plan = tuple(pair for pair in now if base.architecture is not None and pair in set(base.architecture.assignment.items()))
    eev = None
    if base.architecture is not None:
        fixed = {pair: int(pair in plan) for pair in now}
        model = model or PhasedModel(study, uncertainty, name, options)
        eev = result_risk(model.solve(fixed))
    return InformationValues(result_risk(result), ws, eev, plan)


@dataclass(frozen=True)
class CommitmentValue:
    """What one commitment of the optimum protects: the risk value with it ruled out, against the optimum's (US$M).

    `without_musd` None: no commitment plan without it has a feasible recourse in every future (it is indispensable).
    """

    element: str
    provider: str
    procurement: str
    without_musd: float | None
    protects_musd: float | None  # without - optimum: what committing to it now saves (inf when indispensable)


def commitment_values(study: Study, uncertainty: Uncertainty, result: PhasedResult, options: SolveOptions | None = None,
                      model: PhasedModel | None = None) -> list[CommitmentValue]:
    """For each commitment of the optimum, the best plan that does without it (the others free).

    Which commitments, a partner's in kind above all, buffer the programme against the futures (a cut, a withdrawal).
    """
    optimum = result_risk(result)
    model = model or PhasedModel(study, uncertainty, result.objective, options)
    out = []
    for pair in result.commitments:
        without = result_risk(model.solve({pair: 0}))
        protects = math.inf if without is None else (None if optimum is None else without - optimum)
        out.append(CommitmentValue(*pair, study.procurement(study.offers[pair]), without, protects))
    return out
