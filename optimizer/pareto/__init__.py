"""Exact Pareto fronts of named objectives (docs/pareto.md): the search over boxes, its geometry, its solves, dominance.

`pareto_front(study, objectives, options)` returns a `ParetoFront` of plain tables. May import architecture/,
optimizer.model, optimizer.solve and optimizer.output (to read the result folders it compares);
never writes a file, never imports sweep or decisions.
"""

from optimizer.pareto.compare import Comparison, compare_results
from optimizer.pareto.dominance import coverage, dominated, dominates, hypervolume, reference_point
from optimizer.pareto.front import DIRECT_OPTIONS, RESCUE_OPTIONS, STRICT_OPTIONS, FrontProgress, ParetoFront, ParetoOptions, pareto_front

__all__ = [
    "DIRECT_OPTIONS",
    "RESCUE_OPTIONS",
    "STRICT_OPTIONS",
    "Comparison",
    "compare_results",
    "FrontProgress",
    "ParetoFront",
    "ParetoOptions",
    "coverage",
    "dominated",
    "dominates",
    "hypervolume",
    "pareto_front",
    "reference_point",
]
