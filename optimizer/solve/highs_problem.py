"""The plain HiGHS problem: columns and rows by index, options, runs, and what a run returned.

One of the two modules of the solver boundary that import highspy (with `optimizer.solve.highs`,
which reads Pyomo models into it). Only highspy's documented calls are used.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from pyomo.common.tee import capture_output

INF = highspy.kHighsInf
HIGHS_MIP_ABS_GAP = 1e-6  # HiGHS's own default, for a run that states no absolute gap


@dataclass(frozen=True)
class HighsRun:
    """What one HiGHS run returned, in HiGHS's own words (`model_status` is a HighsModelStatus name)."""

    model_status: str
    has_solution: bool
    objective: float | None
    dual_bound: float | None
    runtime_s: float
    message: str = ""


class _ThreadPools:
    """HiGHS's thread pools: a thread asking a new pool size rebuilds its pool first.

    HiGHS sizes its pool at the first run (per calling thread since highspy 1.16) and fails a later
    run that asks another size ("the scheduler has already been initialized").
    """

    def __init__(self) -> None:
        self.local = threading.local()

    def size(self, threads: int) -> int:
        if getattr(self.local, "threads", threads) != threads:
            highspy.Highs.resetGlobalScheduler(True)
        self.local.threads = threads
        return threads


THREAD_POOLS = _ThreadPools()


_BANNER = threading.Lock()  # HiGHS prints its banner on stdout when the first Highs of a process is made
_banner_shown = [False]


def _new_highs() -> highspy.Highs:
    """A silent highspy.Highs: the first of a process is made with stdout caught (its banner), the others directly."""
    if not _banner_shown[0]:
        with _BANNER:
            if not _banner_shown[0]:
                with capture_output(capture_fd=True):
                    h = highspy.Highs()
                _banner_shown[0] = True
                h.setOptionValue("output_flag", False)
                return h
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@functools.cache
def highs_version() -> str:
    h = _new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


class HighsProblem:
    """A plain HiGHS problem: columns and rows by index, costs, bounds, options, runs."""

    def __init__(self, lp: Any = None, options: Mapping[str, Any] | None = None, mip: bool | None = None):
        self.h = _new_highs()
        if lp is not None:
            self.h.passModel(lp)
        self.threads = 0
        self.mip = bool(self.integer_columns().any()) if mip is None else mip
        self.options: dict[str, Any] = {}
        self.set_options(options or {})

    def __getstate__(self) -> dict[str, Any]:
        """The problem as plain arrays (HighsLp's documented fields), so that it can be sent to another process (Dask)."""
        lp = self.h.getLp()
        matrix = lp.a_matrix_
        return {
            "num_col": lp.num_col_, "num_row": lp.num_row_, "sense": int(lp.sense_ == highspy.ObjSense.kMaximize), "offset": lp.offset_,
            "col_cost": np.array(lp.col_cost_), "col_lower": np.array(lp.col_lower_), "col_upper": np.array(lp.col_upper_),
            "row_lower": np.array(lp.row_lower_), "row_upper": np.array(lp.row_upper_),
            "rowwise": matrix.format_ == highspy.MatrixFormat.kRowwise,
            "start": np.array(matrix.start_), "index": np.array(matrix.index_), "value": np.array(matrix.value_),
            "integer": self.integer_columns(), "mip": self.mip, "options": dict(self.options), "threads": self.threads,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_, lp.offset_ = state["num_col"], state["num_row"], state["offset"]
        lp.sense_ = highspy.ObjSense.kMaximize if state["sense"] else highspy.ObjSense.kMinimize
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = state["col_cost"], state["col_lower"], state["col_upper"]
        lp.row_lower_, lp.row_upper_ = state["row_lower"], state["row_upper"]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise if state["rowwise"] else highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = state["start"], state["index"], state["value"]
        if state["integer"].any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in state["integer"]]
        self.h = _new_highs()
        self.h.passModel(lp)
        self.threads = state["threads"]
        self.mip = state["mip"]
        self.options = {}
        self.set_options(state["options"])

    def copy(self, options: Mapping[str, Any] | None = None) -> HighsProblem:
        """An independent HiGHS problem with the same matrix, bounds, costs and integrality (e.g. one per worker thread)."""
        return HighsProblem(self.h.getModel(), options, self.mip)

    def set_options(self, options: Mapping[str, Any]) -> None:
        self.options.update(options)
        for key, value in options.items():
            if key == "threads":
                self.threads = int(value or 0)
                continue
            if self.h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS does not accept option {key} = {value!r}")

    @property
    def num_columns(self) -> int:
        return self.h.getNumCol()

    def set_costs(self, costs: np.ndarray, offset: float = 0.0, maximise: bool = False) -> None:
        n = self.h.getNumCol()
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(costs, dtype=np.double))
        self.h.changeObjectiveOffset(float(offset))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)

    def set_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self.h.changeRowBounds(int(row), float(lower), float(upper))

    def column_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lp = self.h.getLp()
        return np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float)

    def integer_columns(self) -> np.ndarray:
        integrality = list(self.h.getLp().integrality_)
        if not integrality:
            return np.zeros(self.h.getNumCol(), dtype=bool)
        return np.array([kind == highspy.HighsVarType.kInteger for kind in integrality], dtype=bool)

    def reset(self) -> None:
        """Forget the last search (basis, solution): the next run starts afresh, whatever ran before."""
        self.h.clearSolver()

    def run(self, time_limit_s: float | None = None, mip_rel_gap: float | None = None, mip_abs_gap: float | None = None,
            objective_bound: float | None = None) -> HighsRun:
        """One run with these limits; never raises for a HiGHS failure: the run says what went wrong.

        A limit not given is no limit (time, objective bound) or HiGHS's default (absolute gap): never the previous run's.
        `mip_rel_gap` None keeps the problem's option. `objective_bound` (a minimisation's cutoff): a value some feasible
        solution reaches, so HiGHS prunes every node above it.
        """
        h = self.h
        h.setOptionValue("time_limit", INF if time_limit_s is None else max(float(time_limit_s), 0.0))
        h.setOptionValue("objective_bound", INF if objective_bound is None else float(objective_bound))
        h.setOptionValue("mip_abs_gap", HIGHS_MIP_ABS_GAP if mip_abs_gap is None else float(mip_abs_gap))
        if mip_rel_gap is not None:
            h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        before = h.getRunTime()
        try:
            h.setOptionValue("threads", THREAD_POOLS.size(self.threads))
            status = h.run()
        except Exception as exc:  # noqa: BLE001 - a failed run is data for the caller
            return HighsRun("kSolveError", False, None, None, 0.0, f"{type(exc).__name__}: {exc}")
        runtime = max(h.getRunTime() - before, 0.0)
        model_status = h.getModelStatus()
        if model_status == highspy.HighsModelStatus.kModelEmpty:  # no column: feasible when every (empty) row admits 0
            lp = h.getLp()
            feasible = all(low <= 0.0 <= high for low, high in zip(lp.row_lower_, lp.row_upper_, strict=True))
            offset = float(lp.offset_)
            return HighsRun("kOptimal" if feasible else "kInfeasible", feasible, offset if feasible else None,
                            offset if feasible else None, runtime)
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        message = ""
        if status == highspy.HighsStatus.kError:
            message = f"HiGHS run returned an error (model status: {h.modelStatusToString(model_status)})"
        objective = float(info.objective_function_value) if has_solution else None
        bound = float(info.mip_dual_bound) if self.mip else objective
        if bound is not None and not np.isfinite(bound):
            bound = None
        return HighsRun(model_status.name, has_solution, objective, bound, runtime, message)

    def column_values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def write_mps(self, path: str) -> None:
        """The problem as HiGHS holds it, in MPS (the benchmarks solve the same file with raw HiGHS)."""
        self.h.writeModel(path)
