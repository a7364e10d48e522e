"""What knowing the future would be worth (EVPI), and what planning for it is worth (VSS), by their definitions.

- Wait and see (WS): each future's own optimum had it been known at the decision year (the phased model of that future
  alone: contracts already held still cost their liability to end; with none held, `trade run` on that future's
  study); EVPI = RP - WS, where RP is the phased optimum's risk value (docs/formulation.md#phased-decisions).
- The deterministic plan commits now to what the study as given would (its phased model alone), and nothing else;
  EEV is the risk value of that plan with each future's best recourse; VSS = EEV - RP. A plan that leaves some future
  without a feasible recourse has an unbounded EEV (VSS = inf).
The risk measure is the uncertainty file's throughout, so with `expected` these are the textbook EVPI and VSS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from architecture import Study, Uncertainty, committed_now
from optimizer.phased.solve import PhasedModel, PhasedResult, one_future
from optimizer.solve.solver import SolveOptions


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


AS_GIVEN = "as given"


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


def alone(study: Study, uncertainty: Uncertainty, name: str, options: SolveOptions | None = None) -> PhasedResult:
    """The phased optimum had future `name` been known at the decision year: contracts held so far still cost to end."""
    return PhasedModel(study, one_future(uncertainty, name), options=options).solve()


def information_values(study: Study, uncertainty: Uncertainty, result: PhasedResult, options: SolveOptions | None = None,
                       model: PhasedModel | None = None) -> InformationValues:
    """EVPI and VSS of a phased optimum (module docstring); `model`, the kept extensive form the result came from."""
    name = result.objective
    known = [alone(study, uncertainty, future, options).futures for future in uncertainty.names]
    ws = None if any(not plans or plans[0].cost_musd is None for plans in known) else risk_value(
        [plans[0].cost_musd for plans in known], [uncertainty.probabilities[f] for f in uncertainty.names],  # type: ignore[misc]
        uncertainty.risk, uncertainty.cvar_level)
    as_given = replace(uncertainty, probabilities={AS_GIVEN: 1.0}, studies={AS_GIVEN: study}, stages={}, risk="expected", cvar_level=None)
    base = PhasedModel(study, as_given, name, options).solve()
    plan = base.commitments
    eev = None
    if base.futures:
        fixed = {pair: int(pair in plan) for pair in committed_now(study, uncertainty.decide_fy)}
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
