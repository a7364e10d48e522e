"""RunResult: one optimisation run of a study as data (what was solved, how, the architecture and its evaluation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from architecture import Architecture, Study
from architecture.evaluate import Evaluation
from architecture.policy import ObjectiveSpec
from optimizer.model.data import ModelData
from optimizer.solve.solver import SolveOptions, SolveReport
from optimizer.solve.tie_break import TieBreakStage


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced; result files are written from this alone.

    Data only: the live model stays in the StudyModel that solved it.
    """

    study: Study
    data: ModelData
    objective: ObjectiveSpec
    report: SolveReport
    architecture: Architecture | None
    evaluation: Evaluation | None
    options: SolveOptions
    timings_s: dict[str, float] = field(default_factory=dict)
    active_families: tuple[str, ...] = ()
    #: the stages that chose among equal optima, in order (optimizer/solve/tie_break.py); () when none ran
    tie_break: tuple[TieBreakStage, ...] = ()

    @property
    def has_solution(self) -> bool:
        return self.report.has_solution
