"""Decisions phased over time: commit now, choose the rest once the future is known (docs/formulation.md#phased-decisions)."""

from optimizer.phased.extensive import build_extensive_form
from optimizer.phased.hedging import HedgingOptions, HedgingReport, check_hedging, price_commitments, solve_hedging
from optimizer.phased.solve import FuturePlan, PhasedModel, PhasedResult, solve_phased
from optimizer.phased.values import CommitmentValue, InformationValues, commitment_values, information_values, progress_bar, risk_value, stranded_futures

__all__ = [
    "CommitmentValue", "FuturePlan", "HedgingOptions", "HedgingReport", "InformationValues", "PhasedModel", "PhasedResult",
    "build_extensive_form", "check_hedging", "commitment_values", "information_values", "price_commitments", "progress_bar", "risk_value",
    "solve_hedging", "solve_phased", "stranded_futures",
]
