"""Solve every point of a sweep design (serially, on local processes or on Dask) into one table."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Architecture, EngineError, Issue, Study, StudyError, check_study
from architecture.evaluate import Evaluation, evaluate
from architecture.sweep_design import ID_AXES, SweepDesign, SweepPoint, apply_point, check_design
from optimizer.extract import extract_architecture
from optimizer.output import (
    SCHEMA_VERSION,
    clean_number,
    command_line,
    engine_version,
    open_sweep_folder,
    study_provenance,
    utc_now,
    write_json_atomic,
    write_sweep_record,
    write_sweep_table,
)
from optimizer.run import RunResult, run_study
from optimizer.solve import SolveOptions, Status

#: Statuses of a sweep row beyond the solver's: the point's changes could not be applied or
#: checked (`invalid`), or running it raised (`error`, with the message).
INVALID, ERROR = "invalid", "error"
SOLVED = (str(Status.OPTIMAL), str(Status.FEASIBLE))
FIXED_COLUMNS = ("run", "run_id", "name", "overrides", "point", "status", "objective", "objective_value", "best_bound", "mip_gap",
                 "feasible_by_evaluator", "message")
TIMING_COLUMNS = ("solve_s", "wall_s")
Records = Generator[dict[str, Any], None, None]


@dataclass(frozen=True)
class SweepContext:
    """What every worker needs once: the base study (after --scenario/--set) and how to solve."""

    study: Study
    objective: str | None
    objectives: tuple[str, ...] = ()
    points_per_front: int | None = None
    options: SolveOptions = SolveOptions(threads=1)
    #: element -> provider: among optimal answers, report the one that moves fewest elements from it
    reference: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SweepResult:
    """A finished (or interrupted) sweep: the summary table in design order and where it was written.

    `resumed` counts the runs found already done in the folder, `ran` those solved now.
    """

    design: SweepDesign
    table: pd.DataFrame
    folder: Path | None
    resumed: int
    ran: int
    complete: bool

    def counts(self) -> dict[str, int]:
        """Runs by status (a front counts once, by the status of its first point)."""
        return status_counts(self.table)


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """Runs by status in a sweep table (one count per run, also for fronts)."""
    if table.empty:
        return {}
    runs = table.drop_duplicates("run_id")
    return {str(k): int(v) for k, v in runs["status"].value_counts().sort_index().items()}


# --------------------------------------------------------------------------- one point


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return clean_number(value)


def _evaluated(study: Study, assignment: dict[str, str], ev: Evaluation | None = None) -> dict[str, Any]:
    """Every objective and metric of an architecture, and the assignment, by the independent evaluator."""
    ev = ev if ev is not None else evaluate(study, Architecture(assignment))
    metrics = ev.metrics()
    return {
        "feasible_by_evaluator": ev.feasible,
        "metrics": {row.metric: _clean(float(row.value)) for row in metrics.itertuples()},
        "units": {row.metric: row.unit for row in metrics.itertuples()},
        "assignment": dict(sorted(assignment.items())),
    }


CLOSEST = "__fewest_moves__"


def closest_run(result: RunResult, reference: Mapping[str, str]) -> RunResult:
    """Among the architectures as good as the optimum (within the MIP gap), the one closest to `reference`.

    Re-solves the same model persistently with the objective bounded at its optimum and the
    number of elements not at their reference provider minimised, so that "what moves" lists only
    the moves the optimum needs, not a tie the solver happened to pick. A ratio objective or a
    run without a proven optimum is returned as it is.
    """
    import pyomo.core as pyo

    from optimizer.model import set_objective
    from optimizer.objectives import ObjectiveTerm

    m, report = result.model, result.report
    term = m.objective_terms[result.objective.name] if m is not None else None
    if term is None or term.is_ratio or report.status != Status.OPTIMAL or report.objective is None:
        return result
    slack = result.options.mip_rel_gap * max(1.0, abs(report.objective)) + 1e-9
    if term.sense == "min":
        m.closest_objective_bound = pyo.Constraint(expr=term.numerator <= report.objective + slack)
    else:
        m.closest_objective_bound = pyo.Constraint(expr=term.numerator >= report.objective - slack)
    stay = [pair for pair in m.OFFERS if reference.get(pair[0]) == pair[1]]
    new = [pair for pair in m.OFFERS if pair[0] not in reference]
    moves = pyo.quicksum(m.assign[pair] for pair in new) - pyo.quicksum(m.assign[pair] for pair in stay)
    m.objective_terms[CLOSEST] = ObjectiveTerm(CLOSEST, "min", "elements", moves)
    set_objective(m, CLOSEST)
    result.solver.update_rows([m.closest_objective_bound])
    second = result.solver.solve(m)
    if not second.has_solution:
        return result
    arch = extract_architecture(m, result.data)
    return replace(result, architecture=arch, evaluation=evaluate(result.study, arch))


#: Limits a model may hold as a mutable Param of the same name (optimizer/constraints.py). Two studies
#: that differ only in the values of those the built model really holds as mutable Params share one
#: model, re-solved after `set_value`; a limit the model bakes in (no such Param) stays in the key.
MUTABLE_LIMITS = ("total_budget_musd", "annual_budget_musd", "critical_path_max_owners", "max_milestone_slip_months",
                  "min_commercial_share", "max_partner_share", "min_providers_per_category", "metric_max", "metric_min")
# The constraint components holding each mutable limit (optimizer/constraints.py): re-sent after a change.
LIMIT_ROWS = ("budget_total", "budget_annual", "critical_path_single_owner", "milestone_slip_limit", "category_redundancy",
              "metric_limits_max", "metric_limits_min")
MODEL_CACHE_SIZE = 4
# HiGHS options of sweep runs unless the caller sets its own: on the reference study's runs, restarts and the
# feasibility-jump heuristic cost more than they save (HiGHS time per run 64 ms against 200 ms; same optima, same gap).
SWEEP_SOLVER_OPTIONS = {"mip_allow_restart": False, "mip_heuristic_run_feasibility_jump": False}
MAX_BATCH = 16  # runs per pool or Dask task (about 1.5 s of the reference study)
_MODELS: OrderedDict[str, RunResult] = OrderedDict()
_BAKED: dict[str, tuple[str, ...]] = {}  # base key -> limits the model built for it holds as constants
_STATS = {"reused": 0}


def reuse_count() -> int:
    """Runs this process answered by re-solving a kept model."""
    return _STATS["reused"]


def _base_key(study: Study, objective: str, options: SolveOptions) -> str:
    """The study with every candidate mutable limit reduced to where it applies (its keys, or whether it is set)."""
    limits = study.limits.model_dump()
    for name in MUTABLE_LIMITS:
        value = limits[name]
        limits[name] = sorted(map(str, value)) if isinstance(value, dict) else value is not None
    payload = repr((objective, options, study.info, study.elements, study.providers, study.offers, study.objectives, sorted(limits.items())))
    return hashlib.sha256(payload.encode()).hexdigest()


def _mutable_params(m: Any) -> dict[str, Any]:
    """The candidate limits this model holds as mutable Params, by name."""
    import pyomo.core as pyo

    out = {}
    for name in MUTABLE_LIMITS:
        component = m.component(name)
        if isinstance(component, pyo.Param) and component.mutable:
            out[name] = component
    return out


def _limit_rows(m: Any, name: str) -> list[Any]:
    component = m.component(name)
    return [] if component is None else list(component.values())


def _reuse(cached: RunResult, study: Study) -> RunResult:
    """Re-solve a cached model with the mutable limits of `study` (same structure): skips building and the hand-off to HiGHS."""
    m, solver = cached.model, cached.solver
    for name, param in _mutable_params(m).items():
        value = getattr(study.limits, name)
        if param.is_indexed():
            for index in param:
                param[index].set_value(value[index])
        else:
            param.set_value(value)
    solver.update_rows(con for name in LIMIT_ROWS for con in _limit_rows(m, name))
    solver.reset()  # start each search afresh: results must not depend on which run a worker solved before
    start = time.perf_counter()
    report = solver.solve(m)
    arch = extract_architecture(m, cached.data) if report.has_solution else None
    ev = evaluate(study, arch) if arch is not None else None
    return replace(cached, study=study, report=report, architecture=arch, evaluation=ev, timings_s={"solve_s": time.perf_counter() - start})


def _solved(context: SweepContext, study: Study) -> RunResult:
    """run_study, or a re-solve of a model this process already built for a study of the same structure."""
    if context.reference is not None or context.objective is None:  # closest_run changes the model: never shared
        return run_study(study, context.objective, context.options)
    base = _base_key(study, context.objective, context.options)
    baked = _BAKED.get(base)
    key = base + repr([getattr(study.limits, name) for name in baked]) if baked is not None else None
    cached = _MODELS.get(key) if key is not None else None
    if cached is not None:
        _MODELS.move_to_end(key)
        _STATS["reused"] += 1
        return _reuse(cached, study)
    result = run_study(study, context.objective, context.options)
    held = _mutable_params(result.model)
    baked = tuple(name for name in MUTABLE_LIMITS if name not in held)
    if len(_BAKED) > 4096:
        _BAKED.clear()
    _BAKED[base] = baked
    _MODELS[base + repr([getattr(study.limits, name) for name in baked])] = result
    while len(_MODELS) > MODEL_CACHE_SIZE:
        _MODELS.popitem(last=False)
    return result


def _single(context: SweepContext, study: Study) -> dict[str, Any]:
    result = _solved(context, study)
    if context.reference is not None:
        result = closest_run(result, context.reference)
    report = result.report
    out: dict[str, Any] = {
        "status": str(report.status),
        "objective": result.objective.name,
        "objective_value": _clean(report.objective),
        "best_bound": _clean(report.best_bound),
        "mip_gap": _clean(report.mip_gap),
        "solve_s": round(report.wall_s, 6),
        "highs_s": round(report.runtime_s, 6),
        "message": report.message,
    }
    if result.architecture is not None:
        out.update(_evaluated(study, dict(result.architecture.assignment), result.evaluation))
    return out


def _front(context: SweepContext, study: Study) -> dict[str, Any]:
    """A Pareto front of the point: the run status plus one entry per nondominated point."""
    from optimizer.pareto import ParetoOptions, pareto_front

    # one box at a time: the sweep's workers already use every core
    options = ParetoOptions(time_limit_s=context.options.time_limit_s, points=context.points_per_front, threads=context.options.threads,
                            workers=1)
    front = pareto_front(study, context.objectives, options)
    points = []
    for row in front.points.to_dict("records"):
        pairs = front.assignments[front.assignments["point"] == row["point"]]
        entry = {"point": int(row["point"]), "status": str(row["status"]), **_evaluated(study, dict(zip(pairs["element"], pairs["provider"], strict=True)))}
        points.append(entry)
    status = ("optimal" if front.complete else "feasible") if points else ("infeasible" if front.complete else str(Status.TIME_LIMIT_NO_SOLUTION))
    return {"status": status, "objective": ",".join(context.objectives), "points": points, "solve_s": round(front.highs_runtime_s, 6),
            "message": "; ".join(front.notes)}


def run_point(context: SweepContext, point: SweepPoint, run: int) -> dict[str, Any]:
    """Apply one point's changes, check, solve and evaluate: one JSON-ready record. Never raises.

    A point whose changes leave a required element without an eligible offer is `infeasible`
    (the message names it); other check errors make it `invalid`; an exception makes it `error`.
    """
    start = time.perf_counter()
    record: dict[str, Any] = {"run": run, "run_id": point.run_id, "name": point.name, "overrides": point.describe(),
                              "columns": {k: _clean(v) for k, v in point.columns().items()}, "status": ERROR,
                              "objective": context.objective or ",".join(context.objectives), "message": ""}
    try:
        study = apply_point(context.study, point)
        errors = [issue for issue in check_study(study) if issue.severity == "error"]
        if errors:
            blocked = all(issue.check == "no_eligible_offer" for issue in errors)
            record.update(status=str(Status.INFEASIBLE) if blocked else INVALID, message=str(errors[0]))
        else:
            record.update(_front(context, study) if context.objectives else _single(context, study))
    except StudyError as exc:
        record.update(status=INVALID, message=str(exc))
    except Exception as exc:  # noqa: BLE001 - a failed run is a row with its message, never a lost sweep
        record.update(status=ERROR, message=f"{type(exc).__name__}: {exc}")
    record["wall_s"] = round(time.perf_counter() - start, 6)
    return record


# --------------------------------------------------------------------------- execution

_WORKER_CONTEXT: SweepContext | None = None


def _init_worker(context: SweepContext) -> None:
    """Pool initializer: the context (study included) arrives once per process."""
    import multiprocessing
    import signal
    import threading
    from multiprocessing.connection import wait

    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool and keeps the finished runs
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed with SIGKILL cannot stop its pool: leave with it instead of waiting forever
        threading.Thread(target=lambda: (wait([parent.sentinel]), os.kill(os.getpid(), signal.SIGKILL)), daemon=True,
                         name="exit-with-parent").start()


def _run_in_pool(batch: list[tuple[int, SweepPoint]]) -> list[dict[str, Any]]:
    assert _WORKER_CONTEXT is not None, "worker started without a sweep context"
    return run_points(_WORKER_CONTEXT, batch)


def _failed(point: SweepPoint, run: int, message: str) -> dict[str, Any]:
    return {"run": run, "run_id": point.run_id, "name": point.name, "overrides": point.describe(),
            "columns": {k: _clean(v) for k, v in point.columns().items()}, "status": ERROR, "message": message, "wall_s": 0.0}


def _serial(context: SweepContext, pending: list[tuple[int, SweepPoint]]) -> Records:
    for run, point in pending:
        yield run_point(context, point, run)


def _local_pool(context: SweepContext, pending: list[tuple[int, SweepPoint]], workers: int) -> Records:
    """Worker processes started fresh (spawn): HiGHS's threads do not survive a fork."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(context,))
    finished = False
    try:
        futures = [pool.submit(_run_in_pool, batch) for batch in run_batches(pending, workers)]
        for future in as_completed(futures):
            try:
                yield from future.result()
            except BrokenProcessPool:
                raise EngineError("a sweep worker process died; rerun the same command to resume (finished runs are kept). "
                                  "A script that runs a parallel sweep needs `if __name__ == \"__main__\":` (docs/scripting.md)") from None
        finished = True
    finally:
        # done: join the idle workers; stopped early: drop the queued runs and do not wait for the running ones
        pool.shutdown(wait=finished, cancel_futures=not finished)


def run_points(context: SweepContext, batch: list[tuple[int, SweepPoint]]) -> list[dict[str, Any]]:
    """Records of several points, one after the other: one task (fewer, longer tasks cost the scheduler less)."""
    return [run_point(context, point, run) for run, point in batch]


def run_batches(pending: list[tuple[int, SweepPoint]], workers: int) -> list[list[tuple[int, SweepPoint]]]:
    """Consecutive runs in batches (pool or Dask tasks): about 8 per worker, at most MAX_BATCH runs each.

    Consecutive points of a design mostly share the model's structure, so a batch reuses one model;
    a killed sweep loses at most the batches in flight, which the next run repeats.
    """
    size = max(1, min(MAX_BATCH, -(-len(pending) // (8 * max(workers, 1)))))
    return [pending[i:i + size] for i in range(0, len(pending), size)]


def _on_dask(context: SweepContext, pending: list[tuple[int, SweepPoint]], scheduler: Any) -> Records:
    """Batches of runs as tasks on a Dask scheduler; the context is scattered once to every worker."""
    from dask.distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="30s")
    futures: list[Any] = []
    try:
        shared = client.scatter(context, broadcast=True, hash=False)
        batches = run_batches(pending, sum(client.nthreads().values()))
        futures = [client.submit(run_points, shared, batch, pure=False) for batch in batches]
        owner = {future.key: batch for future, batch in zip(futures, batches, strict=True)}
        for future in as_completed(futures):
            if future.status == "finished":
                yield from future.result()
            else:  # a worker died on this batch repeatedly, or the task was lost: rows, not a lost sweep
                for run, point in owner[future.key]:
                    yield _failed(point, run, f"dask: {future.status}: {future.exception()!r}")
    finally:
        if futures:
            client.cancel(futures)
        if client is not scheduler:
            client.close()


def execute(context: SweepContext, pending: list[tuple[int, SweepPoint]], workers: int | None = None,
            scheduler: Any = None) -> Records:
    """Records of the given (run number, point) pairs, in completion order.

    On a Dask `scheduler` (address or Client) if given; else `workers` local processes (default:
    every core), or in this process when `workers` is 1.
    """
    if scheduler is not None:
        return _on_dask(context, pending, scheduler)
    workers = workers or default_workers()
    if workers == 1 or len(pending) <= 1:
        return _serial(context, pending)
    return _local_pool(context, pending, min(workers, len(pending)))


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- the table


def _rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per run, or per front point; columns as in docs/results.md#sweep-folders."""
    base = {key: record.get(key) for key in ("run", "run_id", "name", "overrides")}
    base.update(record.get("columns", {}))
    common = {key: record.get(key) for key in ("status", "objective", "objective_value", "best_bound", "mip_gap", "message")}
    timing = {key: record.get(key) for key in TIMING_COLUMNS}
    if record.get("points"):
        rows = []
        for entry in record["points"]:
            values = entry["metrics"]
            row = {**base, "point": entry["point"], **common, "status": entry["status"], "objective_value": None,
                   "feasible_by_evaluator": entry["feasible_by_evaluator"], **values,
                   **{f"assign:{e}": p for e, p in entry["assignment"].items()}, **timing}
            rows.append(row)
        return rows
    row = {**base, **common, "feasible_by_evaluator": record.get("feasible_by_evaluator"), **record.get("metrics", {}),
           **{f"assign:{e}": p for e, p in record.get("assignment", {}).items()}, **timing}
    return [row]


def sweep_table(records: Iterable[dict[str, Any]], design: SweepDesign | None = None) -> pd.DataFrame:
    """The summary table: one row per run (per front point for fronts), in run order.

    Columns: run, run_id, name, overrides, one column per changed key, status, objective,
    objective_value, best_bound, mip_gap, feasible_by_evaluator, message, every objective and
    metric, `assign:<element>` (provider; empty if not chosen), solve_s, wall_s.
    """
    records = sorted(records, key=lambda record: record["run"])
    rows = [row for record in records for row in _rows(record)]
    change_columns: dict[str, None] = dict.fromkeys(ID_AXES)  # named changes first, then paths as first seen
    for point in design.points if design is not None else ():
        change_columns.update(dict.fromkeys(point.columns()))
    for record in records:
        change_columns.update(dict.fromkeys(record.get("columns", {})))
    used = {column for record in records for column in record.get("columns", {})}
    used |= {column for point in (design.points if design is not None else ()) for column in point.columns()}
    change_columns = {column: None for column in change_columns if column in used}
    metric_columns: dict[str, None] = {}
    assign_columns: dict[str, None] = {}
    for record in records:
        for entry in record.get("points") or [record]:
            metric_columns.update(dict.fromkeys(entry.get("metrics", {})))
            assign_columns.update(dict.fromkeys(f"assign:{e}" for e in entry.get("assignment", {})))
    fronts = any(record.get("points") for record in records)
    fixed = [c for c in FIXED_COLUMNS if c != "point" or fronts]
    head = fixed[:4] + [c for c in change_columns if c not in fixed] + fixed[4:]
    metrics = [c for c in metric_columns if c not in head]
    columns = head + metrics + sorted(assign_columns) + list(TIMING_COLUMNS)
    frame = pd.DataFrame(rows, columns=columns)
    for column in sorted(assign_columns):
        frame[column] = frame[column].fillna("")
    for column in ("message", *(c for c in change_columns if c in ID_AXES)):
        frame[column] = frame[column].fillna("")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = _uniform(frame[column])
    return frame.reset_index(drop=True)


def _uniform(column: pd.Series) -> pd.Series:
    """One type per column (Parquet needs it): numbers stay numbers, bools bools, anything mixed becomes JSON text."""
    values = [v for v in column if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if all(isinstance(v, bool) for v in values):
        return column.astype("boolean") if values else column
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) and values:
        return pd.to_numeric(column)
    if all(isinstance(v, str) for v in values):
        return column
    return column.map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, sort_keys=True))


# --------------------------------------------------------------------------- the sweep


def fingerprint(context: SweepContext, design: SweepDesign) -> str:
    """What makes two sweeps the same: inputs, changes already applied, objective(s), solver options, runs."""
    study = context.study
    payload = {
        "inputs": dict(sorted(study.input_sha256.items())),
        "content": hashlib.sha256(repr((study.info, study.elements, study.providers, study.offers, study.limits, study.objectives)).encode()).hexdigest(),
        "changes": study_provenance(study)["changes"],
        "scenario_chain": list(study.scenario_chain),
        "objective": context.objective,
        "objectives": list(context.objectives),
        "points_per_front": context.points_per_front,
        "reference": dict(context.reference) if context.reference is not None else None,
        "options": {"time_limit_s": context.options.time_limit_s, "mip_rel_gap": context.options.mip_rel_gap,
                    "threads": context.options.threads, **context.options.solver_options},
        "runs": [point.run_id for point in design.points],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def sweep_folder(context: SweepContext, design: SweepDesign, root: str | Path = "results") -> Path:
    """The default folder of a sweep: results/<study folder>/sweep-<file stem>-<fingerprint>.

    It depends only on what the sweep computes, so the same command finds (and resumes) it.
    """
    def slug(text: str) -> str:
        return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-") or "sweep"

    study = context.study
    study_id = slug(Path(study.path).name if study.path else study.name)
    return Path(root) / study_id / f"sweep-{slug(Path(design.source).stem)}-{fingerprint(context, design)[:10]}"


def sweep_context(study: Study, design: SweepDesign, objective: str | None = None, options: SolveOptions | None = None,
                  reference: Mapping[str, str] | None = None) -> SweepContext:
    """Check the design against the study and settle objective and solver options (one HiGHS thread by default).

    `reference` (element -> provider) asks each run for the optimum that moves fewest elements from it.
    """
    check_design(design, study)
    options = options or SolveOptions()
    if options.threads is None:
        options = replace(options, threads=1)  # one HiGHS thread per worker: the workers are the parallelism
    if not options.solver_options:
        options = replace(options, solver_options=dict(SWEEP_SOLVER_OPTIONS))
    if design.objectives and objective is None:
        try:
            import optimizer.pareto  # noqa: F401
        except ImportError:
            raise StudyError(Issue(f"{design.source}:sweep.objectives", "fronts in sweeps need optimizer/pareto.py", "wrong_type")) from None
        return SweepContext(study, None, design.objectives, design.points_per_front, options)
    name = objective or design.objective or study.default_objective
    study.objective(name)
    return SweepContext(study, name, (), None, options, dict(reference) if reference is not None else None)


def sweep_manifest(context: SweepContext, design: SweepDesign, command: str | None, workers: int | None, scheduler: Any) -> dict[str, Any]:
    """manifest.json of a sweep folder (docs/results.md#sweep-folders)."""
    from optimizer.solve import Solver

    solver = Solver(context.options)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "sweep",
        "engine": {"name": "gateway-trade", "version": engine_version()},
        "solver": {"name": solver.name, "version": solver.version, "options": {
            "time_limit_s": context.options.time_limit_s, "mip_rel_gap": context.options.mip_rel_gap,
            "threads": context.options.threads, **context.options.solver_options}},
        "command": command or command_line(),
        "created_utc": utc_now(),
        "study": study_provenance(context.study),
        "objective": context.objective,
        "objectives": list(context.objectives),
        "design": design.spec(),
        "fingerprint": fingerprint(context, design),
        "execution": {"workers": None if scheduler is not None else (workers or default_workers()), "scheduler": _address(scheduler)},
        "status": "running",
        "counts": {"runs": len(design.points)},
    }


def _progress(total: int, initial: int, enabled: bool | None) -> Any:
    from tqdm import tqdm

    # disable=None: tqdm stays quiet when stderr is not a terminal
    return tqdm(total=total, initial=initial, unit="run", desc="sweep", file=sys.stderr, dynamic_ncols=True,
                disable=None if enabled is None else not enabled, smoothing=0.1)


def run_sweep(study: Study, design: SweepDesign, out: str | Path | None = None, *, objective: str | None = None,
              options: SolveOptions | None = None, workers: int | None = None, scheduler: Any = None, overwrite: bool = False,
              progress: bool | None = False, command: str | None = None, reference: Mapping[str, str] | None = None,
              on_record: Callable[[dict[str, Any]], None] | None = None) -> SweepResult:
    """Solve every point of `design` on `study`; with `out`, a resumable sweep folder.

    Runs go to `workers` local processes (default: every core; 1 = in this process) or to a
    Dask `scheduler` (address like tcp://host:8786, or a dask.distributed Client). With `out`,
    each finished run is saved at once, and calling again with the same arguments skips the
    runs already done (a folder of another design is refused unless `overwrite`).
    `progress`: True shows a bar, None shows it only on a terminal. `reference`: see `closest_run`.
    """
    context = sweep_context(study, design, objective, options, reference)
    folder = Path(out) if out is not None else None
    done: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] = {}
    if folder is not None:
        manifest = sweep_manifest(context, design, command, workers, scheduler)
        manifest, done = open_sweep_folder(folder, manifest, overwrite)
    wanted = {point.run_id for point in design.points}
    done = {run_id: record for run_id, record in done.items() if run_id in wanted}
    pending = [(run, point) for run, point in enumerate(design.points, start=1) if point.run_id not in done]
    records = dict(done)
    bar = _progress(len(design.points), len(done), progress)
    failed = sum(record["status"] in (ERROR, INVALID) for record in done.values())
    complete = False
    stream = execute(context, pending, workers, scheduler)
    try:
        for record in stream:
            if folder is not None:
                write_sweep_record(folder, record)
            records[record["run_id"]] = record
            failed += record["status"] in (ERROR, INVALID)
            bar.set_postfix_str(f"failed {failed}", refresh=False)
            bar.update()
            if on_record is not None:
                on_record(record)
        complete = True
    finally:
        stream.close()
        bar.close()
        table = sweep_table(records.values(), design)
        if folder is not None:
            write_sweep_table(folder, table)
            manifest.update(status="complete" if complete else "interrupted", updated_utc=utc_now(),
                            counts={"runs": len(design.points), "done": len(records), "by_status": status_counts(table)},
                            units=_units(records.values()))
            write_json_atomic(folder / "manifest.json", manifest)
    return SweepResult(design, table, folder, len(done), len(records) - len(done), complete)


def _address(scheduler: Any) -> str | None:
    if scheduler is None or isinstance(scheduler, str):
        return scheduler
    return str(getattr(getattr(scheduler, "scheduler", None), "address", scheduler))


def _units(records: Iterable[dict[str, Any]]) -> dict[str, str]:
    units: dict[str, str] = {}
    for record in records:
        for entry in record.get("points") or [record]:
            units.update(entry.get("units", {}))
    return units
