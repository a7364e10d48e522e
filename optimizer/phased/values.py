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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

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
    deterministic_known: bool = True  # False: EEV was not computed (progressive hedging on a tree of decisions by year)

    @property
    def evpi(self) -> float | None:
        return None if self.recourse is None or self.wait_and_see is None else self.recourse - self.wait_and_see

    @property
    def vss(self) -> float | None:
        if self.recourse is None or not self.deterministic_known:
            return None
        return math.inf if self.deterministic is None else self.deterministic - self.recourse


def result_risk(result: PhasedResult) -> float | None:
    costs = [f.cost_musd for f in result.futures]
    if not costs or any(c is None for c in costs):
        return None
    u = result.uncertainty
    return risk_value(costs, [f.probability for f in result.futures], u.risk, u.cvar_level)  # type: ignore[arg-type]


def alone(study: Study, uncertainty: Uncertainty, name: str, objective: str | None = None, options: SolveOptions | None = None) -> PhasedResult:
    """The phased optimum had future `name` been known at the decision year: contracts held so far still cost to end."""
    return PhasedModel(study, one_future(uncertainty, name), objective, options).solve()


Pricing = Callable[[dict[tuple[str, str], int]], PhasedResult | None]


def progress_bar(total: int, progress: bool | None, what: str = "what it is worth", unit: str = " solves") -> Any:
    """A bar of phased solves or rounds (tqdm on stderr; `progress` None: only when stderr is a terminal)."""
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=what, file=sys.stderr, dynamic_ncols=True, disable=None if progress is None else not progress)


def stranded_futures(study: Study, uncertainty: Uncertainty, objective: str | None = None, options: SolveOptions | None = None) -> list[str]:
    """The futures with no feasible recourse even alone (why a phased study has no plan at all)."""
    return [name for name in uncertainty.names if not alone(study, uncertainty, name, objective, options).futures]


def information_values(study: Study, uncertainty: Uncertainty, result: PhasedResult, options: SolveOptions | None = None,
                       model: PhasedModel | None = None, price: Pricing | None = None,
                       step: Callable[[], None] | None = None) -> InformationValues:
    """EVPI and VSS of a phased optimum (module docstring); `model`, the kept extensive form the result came from.

    `price` prices a commitment plan instead of the extensive form (progressive hedging's exact pricing; None in its
    result: it cannot, and EEV is unknown). `step` is called after each solve (a progress bar).
    """
    name = result.objective
    step = step or (lambda: None)
    known = []
    for future in uncertainty.names:
        known.append(alone(study, uncertainty, future, name, options).futures)
        step()
    ws = None if any(not plans or plans[0].cost_musd is None for plans in known) else risk_value(
        [plans[0].cost_musd for plans in known], [uncertainty.probabilities[f] for f in uncertainty.names],  # type: ignore[misc]
        uncertainty.risk, uncertainty.cvar_level)
    as_given = replace(uncertainty, probabilities={AS_GIVEN: 1.0}, studies={AS_GIVEN: study}, stages={}, risk="expected", cvar_level=None)
    base = PhasedModel(study, as_given, name, options).solve()
    step()
    plan = base.commitments
    eev, known_eev = None, True
    if base.futures:
        fixed = {pair: int(pair in plan) for pair in committed_now(study, uncertainty.decide_fy)}
        if price is None:
            model = model or PhasedModel(study, uncertainty, name, options)
            priced: PhasedResult | None = model.solve(fixed)
        else:
            priced = price(fixed)
        step()
        known_eev = priced is not None
        eev = None if priced is None else result_risk(priced)
    return InformationValues(result_risk(result), ws, eev, plan, known_eev)


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
                      model: PhasedModel | None = None, step: Callable[[], None] | None = None) -> list[CommitmentValue]:
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
        if step is not None:
            step()
    return out
