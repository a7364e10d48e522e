"""The formulation and everything that solves it; never reads study files (optimizer/output/ writes and reads result folders).

The rooms, in the order data flows (docs/architecture.md): model/ (the formulation), solve/ (HiGHS and kept
models), pareto/ (fronts), output/ (result folders, reports), sweep/ (many what-ifs), decisions/ (alternatives,
break-even, stress, sensitivity, diagnosis), cli/ (the `trade` command). Each room's `__init__` lists its public
names; this package re-exports the ones a planner's script starts from.
"""

from optimizer.decisions import StressResult, run_stress, write_stress
from optimizer.model import CONSTRAINT_FAMILIES, ModelData, build_model, extract_architecture, set_objective, to_model_data
from optimizer.output import ResultTables, read_tables
from optimizer.solve import (
    ConfidentRun,
    DecisionPrice,
    ModelCache,
    RunResult,
    SolveOptions,
    Solver,
    SolveReport,
    Status,
    StudyModel,
    binding_limits,
    binding_table,
    closest_run,
    price_of_decisions,
    run_confident,
    run_study,
    solve,
)
from optimizer.sweep import RunRecord, SweepResult, run_sweep, sweep_context, sweep_folder, sweep_table

__all__ = [
    "ConfidentRun",
    "run_confident",
    "CONSTRAINT_FAMILIES",
    "DecisionPrice",
    "ModelCache",
    "ModelData",
    "ResultTables",
    "RunRecord",
    "RunResult",
    "SolveOptions",
    "SolveReport",
    "Solver",
    "Status",
    "StressResult",
    "StudyModel",
    "SweepResult",
    "binding_limits",
    "binding_table",
    "build_model",
    "closest_run",
    "extract_architecture",
    "price_of_decisions",
    "read_tables",
    "run_stress",
    "run_study",
    "run_sweep",
    "set_objective",
    "solve",
    "sweep_context",
    "sweep_folder",
    "sweep_table",
    "to_model_data",
    "write_stress",
]
