"""One optimisation run of a study: data -> model -> solve -> architecture -> evaluation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from architecture import Architecture, Study
from architecture.evaluate import Evaluation, evaluate
from architecture.policy import ObjectiveSpec
from optimizer.data import ModelData, to_model_data
from optimizer.extract import extract_architecture
from optimizer.model import build_model
from optimizer.solve import SolveOptions, Solver, SolveReport


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced; result files are written from this alone."""

    study: Study
    data: ModelData
    objective: ObjectiveSpec
    report: SolveReport
    architecture: Architecture | None
    evaluation: Evaluation | None
    options: SolveOptions
    timings_s: dict[str, float] = field(default_factory=dict)
    model: Any = field(default=None, repr=False, compare=False)
    solver: Any = field(default=None, repr=False, compare=False)

    @property
    def has_solution(self) -> bool:
        return self.report.has_solution


def run_study(study: Study, objective: str | None = None, options: SolveOptions | None = None) -> RunResult:
    """Optimise one objective of a (checked) study and score the answer independently."""
    options = options or SolveOptions()
    name = objective or study.default_objective
    spec = study.objective(name)
    t0 = time.perf_counter()
    data = to_model_data(study)
    t1 = time.perf_counter()
    m = build_model(data, name)
    t2 = time.perf_counter()
    solver = Solver(options)
    report = solver.solve(m)
    t3 = time.perf_counter()
    arch = extract_architecture(m, data) if report.has_solution else None
    t4 = time.perf_counter()
    ev = evaluate(study, arch) if arch is not None else None
    t5 = time.perf_counter()
    timings = {"data_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2, "extract_s": t4 - t3, "evaluate_s": t5 - t4}
    return RunResult(study, data, spec, report, arch, ev, options, timings, m, solver)
