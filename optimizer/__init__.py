"""The formulation and everything that solves it; never reads study files."""

from optimizer.constraints import CONSTRAINT_FAMILIES
from optimizer.data import ModelData, to_model_data
from optimizer.extract import extract_architecture
from optimizer.model import build_model, set_objective
from optimizer.model_cache import ModelCache
from optimizer.output import ResultTables, read_tables
from optimizer.records import RunRecord
from optimizer.run import RunResult
from optimizer.solve import SolveOptions, Solver, SolveReport, Status, solve
from optimizer.stress import StressResult, run_stress, write_stress
from optimizer.study_model import DecisionPrice, StudyModel, binding_limits, binding_table, closest_run, price_of_decisions, run_study
from optimizer.sweep import SweepResult, run_sweep, sweep_context, sweep_folder, sweep_table

__all__ = [
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
