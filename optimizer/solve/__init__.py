"""Solving: the one boundary to HiGHS, solve options and the status table, one run as data, models kept for re-solves.

`highs.py` (Pyomo rows into HiGHS) and `highs_problem.py` (the plain HiGHS problem) are the only modules
that import highspy. Above them: `Solver` and `SolveReport` (status as data), `StudyModel` (a study's model
kept in HiGHS, re-solved for other limits), `ModelCache` and `RunResult`. May import architecture/ and
optimizer.model; never a file, never pareto, sweep, decisions or output.
"""

from optimizer.solve.confidence_rounds import MAX_ROUNDS, ConfidentRun, run_confident
from optimizer.solve.highs import highs_version
from optimizer.solve.model_cache import ModelCache
from optimizer.solve.run import RunResult
from optimizer.solve.solver import MANY_SMALL_SOLVES_OPTIONS, SolveOptions, Solver, SolveReport, Status, solve
from optimizer.solve.study_model import (
    READ_AS_VALUES,
    DecisionPrice,
    StudyModel,
    binding_limits,
    binding_table,
    closest_run,
    price_of_decisions,
    run_study,
)

__all__ = [
    "MAX_ROUNDS",
    "ConfidentRun",
    "run_confident",
    "MANY_SMALL_SOLVES_OPTIONS",
    "READ_AS_VALUES",
    "DecisionPrice",
    "ModelCache",
    "RunResult",
    "SolveOptions",
    "SolveReport",
    "Solver",
    "Status",
    "StudyModel",
    "binding_limits",
    "binding_table",
    "closest_run",
    "highs_version",
    "price_of_decisions",
    "run_study",
    "solve",
]
