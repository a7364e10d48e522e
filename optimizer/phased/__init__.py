"""Decisions phased over time: commit now, choose the rest once the future is known (docs/formulation.md#phased-decisions)."""

from optimizer.phased.extensive import build_extensive_form
from optimizer.phased.solve import PhasedResult, solve_phased

__all__ = ["PhasedResult", "build_extensive_form", "solve_phased"]
