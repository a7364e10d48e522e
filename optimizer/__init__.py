"""The formulation and everything that solves it; never reads study files."""

from optimizer.constraints import CONSTRAINT_FAMILIES
from optimizer.data import ModelData, to_model_data
from optimizer.extract import extract_architecture
from optimizer.model import build_model, set_objective
from optimizer.run import RunResult, run_study
from optimizer.solve import SolveOptions, Solver, SolveReport, Status, solve

__all__ = [
    "CONSTRAINT_FAMILIES",
    "ModelData",
    "RunResult",
    "SolveOptions",
    "SolveReport",
    "Solver",
    "Status",
    "build_model",
    "extract_architecture",
    "run_study",
    "set_objective",
    "solve",
    "to_model_data",
]
