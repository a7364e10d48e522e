"""Sweeps: every point of a sweep design solved (serially, on local processes or on Dask) into one resumable table.

A point applies its changes, checks, solves (or traces a front) and becomes a `RunRecord` (plain data).
May import architecture/, optimizer.model, optimizer.solve, optimizer.pareto and optimizer.output (its folder
and table files); never decisions.
"""

from optimizer.sweep.point import ERROR, INVALID, SOLVED
from optimizer.sweep.records import RunRecord
from optimizer.sweep.runner import SweepResult, fingerprint, run_point, run_points, run_sweep, sweep_context, sweep_folder, sweep_table
from optimizer.sweep.table import FIXED_COLUMNS, TIMING_COLUMNS

__all__ = [
    "ERROR",
    "FIXED_COLUMNS",
    "INVALID",
    "SOLVED",
    "TIMING_COLUMNS",
    "RunRecord",
    "SweepResult",
    "fingerprint",
    "run_point",
    "run_points",
    "run_sweep",
    "sweep_context",
    "sweep_folder",
    "sweep_table",
]
