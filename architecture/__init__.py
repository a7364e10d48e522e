"""The domain of a lunar architecture trade study: studies, checks, scenarios, evaluation.

Never imports pyomo or optimizer: a planner can load, check and score without a solver.
"""

from architecture.architecture import Architecture
from architecture.change_table import changed_values, value_text
from architecture.checks import CHECKS, check_study
from architecture.eligibility import blocked_requirements, decision_conflicts, eligible_offers, exclusion_reason
from architecture.errors import EngineError, Issue, StudyError
from architecture.evaluate import Evaluation, evaluate
from architecture.families import BY_NAME as FAMILY_BY_NAME
from architecture.families import FAMILIES, ConstraintFamily
from architecture.loading import inspect_study, load_study
from architecture.scenarios import apply_overrides, apply_scenarios, parse_override
from architecture.schedule_confidence import confidence_checks, schedule_confidence
from architecture.sensitivity_design import load_sensitivity_design
from architecture.study import Study
from architecture.study_reader import read_study
from architecture.sweep_design import SweepDesign, SweepPoint, apply_point, check_design, load_sweep_design
from architecture.uncertainty import DecisionPoint, Uncertainty, awarded_before, awarded_between, committed_now, load_uncertainty, walk_away_musd

__all__ = [
    "CHECKS",
    "FAMILIES",
    "FAMILY_BY_NAME",
    "ConstraintFamily",
    "Architecture",
    "EngineError",
    "Evaluation",
    "Issue",
    "Study",
    "StudyError",
    "SweepDesign",
    "SweepPoint",
    "DecisionPoint",
    "Uncertainty",
    "apply_overrides",
    "apply_point",
    "apply_scenarios",
    "blocked_requirements",
    "check_design",
    "changed_values",
    "check_study",
    "awarded_before",
    "awarded_between",
    "committed_now",
    "confidence_checks",
    "decision_conflicts",
    "eligible_offers",
    "evaluate",
    "exclusion_reason",
    "inspect_study",
    "load_sensitivity_design",
    "load_study",
    "load_sweep_design",
    "load_uncertainty",
    "walk_away_musd",
    "parse_override",
    "read_study",
    "value_text",
    "schedule_confidence",
]
