"""The formulation: a study's model data, its sets and variables, the constraint families and objectives, the Pyomo build.

Data flows down this room: `to_model_data` (pure Python) -> `build_model` (the ordered `define_*` calls of
docs/formulation.md) -> `extract_architecture` (reads a solved model). May import architecture/ and Pyomo;
never a solver, never a file, never another room of optimizer/.
"""

from optimizer.model.build import build_model, set_objective
from optimizer.model.constraints import CONSTRAINT_FAMILIES
from optimizer.model.data import ModelData, to_model_data
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm

__all__ = ["CONSTRAINT_FAMILIES", "ModelData", "ObjectiveTerm", "build_model", "extract_architecture", "set_objective", "to_model_data"]
