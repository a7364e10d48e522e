"""The domain of a lunar architecture trade study: studies, checks, scenarios, evaluation.

Never imports pyomo or optimizer: a planner can load, check and score without a solver.
"""

from architecture.architecture import Architecture
from architecture.checks import CHECKS, check_study, inspect_study
from architecture.eligibility import eligible_offers, exclusion_reason
from architecture.errors import EngineError, Issue, StudyError
from architecture.scenarios import apply_overrides, apply_scenarios, parse_override
from architecture.study import Study, load_study, read_study

__all__ = [
    "CHECKS",
    "Architecture",
    "EngineError",
    "Issue",
    "Study",
    "StudyError",
    "apply_overrides",
    "apply_scenarios",
    "check_study",
    "eligible_offers",
    "exclusion_reason",
    "inspect_study",
    "load_study",
    "parse_override",
    "read_study",
]
