"""Exact Pareto fronts of 2 or more named objectives: the search over boxes, and the front it assembles (docs/pareto.md).

The parts: objective axes and box geometry (optimizer/pareto/geometry.py), solving one box
(box_solve.py), dominance and hypervolume (dominance.py); the options and the result (front_result.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from architecture import Architecture, Issue, Study, StudyError
from architecture.evaluate import evaluate
from architecture.objectives import objective_kind, resolution_of
from optimizer.pareto.box_solve import (
    DIRECT_OPTIONS,
    INTEGRAL_TOLERANCE,
    PARETO_SOLVER_OPTIONS,
    RESCUE_OPTIONS,
    SINGLE_STAGE_MAX_MAGNITUDE,
    STRICT_OPTIONS,
    TIEBREAK,
    Deadline,
    FrontModel,
    _BoxAnswer,
    _direct_spec,
    _DirectSolver,
    _Stopped,
)
from optimizer.pareto.chains import walk_chains
from optimizer.pareto.dominance import REFERENCE_MARGIN, dominated, hypervolume, reference_point
from optimizer.pareto.front_result import FrontProgress, ParetoFront, ParetoOptions
from optimizer.pareto.geometry import MAX_DECIMALS, Axis, _Boxes, approximation_boxes
from optimizer.pareto.pool import box_pool
from optimizer.pareto.remote import connected, forget, remote_solvers
from optimizer.solve.cluster import slots

__all__ = [
    "DIRECT_OPTIONS", "INTEGRAL_TOLERANCE", "MAX_DECIMALS", "PARETO_SOLVER_OPTIONS", "REFERENCE_MARGIN", "RESCUE_OPTIONS",
    "SINGLE_STAGE_MAX_MAGNITUDE", "STRICT_OPTIONS", "TIEBREAK", "Axis", "FrontModel", "ParetoFront", "ParetoOptions", "pareto_front",
    "resolution_of",
]


def _exact_boxes(model: FrontModel, order: list[str], payoff_rows: list[dict[str, Any]], found: dict, record: Any,
                 deadline: Deadline, solvers: list[_DirectSolver], counts: dict[str, int], progress: FrontProgress,
                 options: ParetoOptions) -> None:
    """Search every box (docs/pareto.md): reuse earlier answers, solve the rest single-stage on the solvers' threads.

    Without solvers (a ratio objective, or single-stage solves not provable) every box takes the two-stage Pyomo path.
    """
    axes = {axis.name: axis for axis in model.axes}
    bounded = order[1:]
    tol = tuple(axes[n].box_tolerance for n in bounded)
    boxes = _Boxes(tuple(model.loose[n] + axes[n].box_step for n in bounded), tol)
    first_row = payoff_rows[0]
    first = tuple(axes[n].sign * first_row[n] for n in order)
    solved: list[tuple[tuple[float, ...], tuple[float, ...]]] = [(boxes.open[0], first)]
    boxes.add_point(first[1:], boxes.open.pop(0))
    payoff_proven = all(row["status"] == "optimal" for row in payoff_rows) and len(payoff_rows) == len(order)
    # single-stage box solves need the ideal point (to bound the later objectives' span in a box); else two stages
    solvers = list(solvers) if payoff_proven else []
    ideal = {n: min(axes[n].sign * row[n] for row in payoff_rows) for n in order}
    for solver in solvers:
        solver.ideal = ideal
    counts["workers"] = len(solvers) or 1
    if len(order) == 2:
        progress.span = (first[1], ideal[order[1]])

    def key(values: dict[str, float]) -> tuple[float, ...]:
        return tuple(axes[n].sign * values[n] for n in order)

    proven: dict[tuple[float, ...], tuple[str, dict[str, float], Architecture]] = {
        key(values): (status, values, arch) for status, values, arch in found.values() if status == "optimal"}
    step = axes[order[0]].resolution / 4
    arrays: dict[str, np.ndarray] = {}  # numpy copies of `solved` and `proven`, rebuilt when they grow

    def reuse(box: tuple[float, ...]) -> tuple[str, dict[str, float], Architecture] | None:
        """A proven point that is this box's answer: inside it, and as good in v1 as the answer of a solved box around it."""
        if len(arrays.get("boxes", ())) != len(solved):
            arrays["boxes"] = np.array([v for v, _ in solved])
            arrays["first"] = np.array([y[0] for _, y in solved])
        if len(arrays.get("points", ())) != len(proven):
            arrays["points"] = np.array(list(proven))
        here = np.array(box)
        around = np.all(here <= arrays["boxes"], axis=1)
        if not around.any():
            return None
        low = float(arrays["first"][around].max())
        points = arrays["points"]
        inside = (points[:, 0] <= low + step) & np.all(points[:, 1:] < here - np.array(boxes.tol), axis=1)
        if not inside.any():
            return None
        hits = [tuple(float(v) for v in y) for y in points[inside]]
        best = min(hits, key=lambda y: (y[0], sum(y[1:]), y))
        return proven[best]

    def inside(box: tuple[float, ...]) -> np.ndarray | None:
        """Min-form vectors of the proven points inside a box (their least F is the box solve's cutoff)."""
        if not proven:
            return None
        if len(arrays.get("points", ())) != len(proven):
            arrays["points"] = np.array(list(proven))
        points = arrays["points"]
        return points[np.all(points[:, 1:] < np.array(box) - np.array(boxes.tol) + np.array(tol_inside), axis=1)]

    tol_inside = tuple(axes[n].resolution / 4 for n in bounded)  # a point on a bound row's value is inside

    def accept(box: tuple[float, ...], status: str, values: dict[str, float], arch: Architecture, heard: bool = True) -> None:
        record(status, values, arch)
        y = key(values)
        if status == "optimal":
            solved.append((box, y))
            proven.setdefault(y, (status, values, arch))
        boxes.add_point(y[1:], box)
        if heard and options.on_answer is not None:
            options.on_answer(("box", *box), (status, values, arch))

    def empty(box: tuple[float, ...]) -> None:
        boxes.mark_empty(box)
        if options.on_answer is not None:
            options.on_answer(("box", *box), None)

    def fallback(box: tuple[float, ...]) -> None:
        upper = {n: b - t for n, b, t in zip(bounded, box, tol, strict=True)}
        result = model.lexicographic(order, upper, deadline)
        if result is None:
            empty(box)
        else:
            accept(box, *result)

    free = list(solvers)
    pool = box_pool(options.box_pool, len(solvers)) if solvers and (len(solvers) > 1 or options.box_pool is not None) else None
    pending: dict[Any, tuple[tuple[float, ...], _DirectSolver]] = {}
    try:
        while True:
            progress.boxes(boxes.open, model.solves)
            while (not solvers or free) and (box := boxes.pop()) is not None:
                if ("box", *box) in options.replay:  # answered before this search was stopped: not solved again
                    counts["replayed"] += 1
                    answer = options.replay[("box", *box)]
                    if answer is None:
                        boxes.mark_empty(box)
                    else:
                        accept(box, *answer, heard=False)
                    continue
                hit = reuse(box)
                if hit is not None:
                    counts["reused"] += 1
                    accept(box, *hit)
                    continue
                if not solvers:
                    fallback(box)
                    continue
                upper = {n: b - t for n, b, t in zip(bounded, box, tol, strict=True)}
                known = inside(box)
                solver = free.pop()
                if pool is None:
                    done_now = _run(solver, upper, deadline, known)
                    free.append(solver)
                    _settle(model, box, done_now, empty, accept, fallback, counts)
                else:
                    pending[pool.submit(_run, solver, upper, deadline, known)] = (box, solver)
            if not pending:
                break
            done = pool.first_done(pending) if pool is not None else set()
            for future in sorted(done, key=lambda f: pending[f][0]):
                box, solver = pending.pop(future)
                free.append(solver)
                _settle(model, box, future.result(), empty, accept, fallback, counts)
    finally:
        if pool is not None:
            pool.close(pending)


def _run(solver: _DirectSolver, upper: dict[str, float], deadline: Deadline, known: np.ndarray | None = None) -> _BoxAnswer | _Stopped:
    try:
        return solver.solve(upper, deadline, known)
    except _Stopped as stop:
        return stop


def _settle(model: FrontModel, box: tuple[float, ...], answer: _BoxAnswer | _Stopped, empty: Any, accept: Any, fallback: Any,
            counts: dict[str, int]) -> None:
    """Apply a worker's answer in the main thread (the only one touching boxes, the Pyomo model and the counters)."""
    if isinstance(answer, _Stopped):
        raise answer
    _settle_times(model, answer)
    if answer.kind == "empty":
        empty(box)
    elif answer.kind == "point":
        counts["single_stage"] += 1
        assert answer.values is not None and answer.arch is not None
        accept(box, answer.status, answer.values, answer.arch)
    else:
        counts["fallbacks"] += 1
        fallback(box)


def _settle_times(model: FrontModel, answer: _BoxAnswer) -> None:
    model.solves += len(answer.times)
    model.highs_times.extend(answer.times)


def _front_names(names: Sequence[str], study: Study) -> list[str]:
    if len(names) < 2:
        raise StudyError(Issue("--objectives", f"a front needs 2 or more objectives, got {len(names)}", "wrong_type"))
    if len(set(names)) != len(names):
        raise StudyError(Issue("--objectives", "an objective is named twice", "wrong_type"))
    for name in names:
        study.objective(name, where="--objectives")
    ratios = [n for n in names if objective_kind(study.objective(n)).is_ratio]
    linear = [n for n in names if n not in ratios]
    return linear + ratios  # a linear objective is optimised first; a ratio is only ever bounded or a later stage


def pareto_front(study: Study, objectives: Sequence[str], options: ParetoOptions | None = None) -> ParetoFront:
    """Every nondominated point of the named objectives (or an even approximation with `points`)."""
    options = options or ParetoOptions()
    if options.on_answer is not None:  # only proven answers may be replayed: one a time limit cut short is searched again
        options = replace(options, on_answer=_proven_only(options.on_answer))
    start = time.perf_counter()
    deadline = Deadline.after(options.time_limit_s, options.clock)
    order = _front_names(objectives, study)
    for name in options.resolution:
        if name not in order:
            raise StudyError(Issue("--resolution", f"'{name}' is not one of the front's objectives ({', '.join(objectives)})", "unknown_key"))
    model = FrontModel(study, order, options.threads, options.resolution)
    workers = options.workers if options.workers is not None else min(2, os.cpu_count() or 1)
    # At a resolution which points are listed depends on the order answers arrive in (chains cut, boxes split): one
    # worker keeps that order fixed, so the same command gives the same front, and a resumed front the uninterrupted one.
    one_order = any(axis.at_resolution for axis in model.axes)
    if one_order:
        workers = 1
    counts = {"reused": 0, "single_stage": 0, "fallbacks": 0, "workers": 1, "replayed": 0}
    axes = {axis.name: axis for axis in model.axes}
    notes: list[str] = []
    payoff_rows, found = [], {}
    complete = True

    progress = FrontProgress(options.progress)

    def record(status: str, values: dict[str, float], arch: Architecture) -> None:
        key = tuple(values[n] for n in order)
        if key not in found:
            found[key] = (status, values, arch)
            progress.point()

    solvers: list[_DirectSolver] = []
    cluster = ExitStack()  # a Dask client while the front runs (ParetoOptions.scheduler), closed at the end
    client = cluster.enter_context(connected(options.scheduler)) if options.scheduler is not None else None
    token, cluster_threads = None, 0
    try:
        for name in order:  # the payoff table: each objective optimised first, then the others
            lexicographic = [name, *[n for n in order if n != name]]
            answer = solvers[0].lexicographic(lexicographic, deadline) if solvers and not options.points else None
            if answer is not None:
                _settle_times(model, answer)
            if answer is not None and answer.kind == "point":
                assert answer.values is not None and answer.arch is not None
                result: tuple[str, dict[str, float], Architecture] | None = (answer.status, answer.values, answer.arch)
            else:  # the first row (it builds the persistent model the direct copies start from), or a fallback
                result = model.lexicographic(lexicographic, {}, deadline, sequential=True)
            if result is None:
                break
            status, values, arch = result
            payoff_rows.append({"optimised": name, **values, "status": status})
            record(status, values, arch)
            if not solvers and name == order[0] and not options.points and (spec := _direct_spec(model, order)) is not None:
                if client is not None:  # one stand-in per thread of the cluster: the boxes are solved there
                    remote, token = remote_solvers(client, spec, study, axes, options.threads, SINGLE_STAGE_MAX_MAGNITUDE)
                    solvers, workers = list(remote)[:1] if one_order else list(remote), 1 if one_order else len(remote)  # type: ignore[arg-type]
                    cluster_threads = 1 if one_order else slots(client)
                else:
                    solvers = [_DirectSolver(spec, study, axes, {}, options.threads, SINGLE_STAGE_MAX_MAGNITUDE) for _ in range(max(1, workers))]
        if payoff_rows:
            bounded = order[1:]
            tol = tuple(axes[n].box_tolerance for n in bounded)
            if options.points:
                complete = False
                for box in approximation_boxes(payoff_rows, [axes[n] for n in bounded], options.points):
                    box_key = ("approximation", *(float(b) for b in box))
                    if box_key in options.replay:
                        counts["replayed"] += 1
                        result = options.replay[box_key]
                    else:
                        result = model.lexicographic(order, dict(zip(bounded, [b - t for b, t in zip(box, tol, strict=True)], strict=True)), deadline)
                        if options.on_answer is not None:
                            options.on_answer(box_key, result)
                    if result is not None:
                        record(*result)
            elif len(order) == 2 and workers >= 2 and len(payoff_rows) == 2 and _chains(
                    study, model, order, payoff_rows, record, deadline, solvers, counts, progress, options):
                pass
            else:
                _exact_boxes(model, order, payoff_rows, found, record, deadline, solvers, counts, progress, options)
    except _Stopped as stop:
        complete = False
        notes.append(f"stopped early: {stop.status} (the front's time limit); points found so far are kept")
    finally:
        progress.close()
        if client is not None and token is not None:
            forget(client, token)
        cluster.close()
    if one_order and (options.workers or 2) > 1:
        notes.append("at a resolution the front runs on one worker, so that the same command lists the same points (docs/pareto.md)")
    if cluster_threads:  # boxes ran STANDINS_PER_THREAD at a time on each of the cluster's threads: its threads are the workers
        counts["workers"] = cluster_threads
    if any(status != "optimal" for status, _, _ in found.values()):
        complete = False
        notes.append("some points are not proven optimal (time limit): the front may hold dominated points")
    return _assemble(study, model, order, objectives, found, payoff_rows, complete, options, time.perf_counter() - start, notes, counts)


def _proven_only(hear: Any) -> Any:
    def heard(key: tuple[Any, ...], answer: Any) -> None:
        if answer is None or answer[0] == "optimal":
            hear(key, answer)

    return heard


def _chains(study: Study, model: FrontModel, order: list[str], payoff_rows: list[dict[str, Any]], record: Any, deadline: Deadline,
            solvers: list[_DirectSolver], counts: dict[str, int], progress: FrontProgress, options: ParetoOptions) -> bool:
    """Search a 2-objective front in pieces, one chain per worker (optimizer/pareto/chains.py); False when it cannot."""
    axes = {axis.name: axis for axis in model.axes}
    if solvers:  # single-stage boxes on plain-HiGHS copies, one chain each
        if len(solvers) < 2 or not all(row["status"] == "optimal" for row in payoff_rows):
            return False
        ideal = {n: min(axes[n].sign * row[n] for row in payoff_rows) for n in order}
        for solver in solvers:
            solver.ideal = ideal
        walk_chains(model, order, payoff_rows, record, deadline, solvers, None, counts, progress, options.replay, options.on_answer,
                    options.box_pool)
    else:  # two stages (a ratio, or objectives without an integer grid): a second model for the second chain
        second = FrontModel(study, order, options.threads, options.resolution)
        walk_chains(model, order, payoff_rows, record, deadline, None, second, counts, progress, options.replay, options.on_answer,
                    options.box_pool)
    return True


def _assemble(study: Study, model: FrontModel, order: list[str], requested: Sequence[str], found: dict, payoff_rows: list,
              complete: bool, options: ParetoOptions, runtime: float, notes: list[str], counts: dict[str, int] | None = None) -> ParetoFront:
    counts = counts or {}
    names = list(requested)
    axes = tuple(model.axis(n) for n in names)
    tol = [axis.resolution / 2 for axis in axes]
    entries = [(tuple(axis.sign * values[axis.name] for axis in axes), status, values, arch) for status, values, arch in found.values()]
    # drop dominated points (only possible among unproven ones) and order by the first objective
    vectors = np.array([e[0] for e in entries], dtype=float).reshape(len(entries), len(axes))
    kept = [e for e, drop in zip(entries, dominated(vectors, np.array(tol)), strict=True) if not drop]
    kept.sort(key=lambda e: e[0])
    rows, pairs, limits = [], [], []
    for index, (_, status, values, arch) in enumerate(kept, start=1):
        rows.append({"point": index, **{n: values[n] for n in names}, "status": status})
        pairs.extend({"point": index, "element": e, "provider": p} for e, p in sorted(arch.assignment.items()))
        # the columns of Evaluation.limits_frame, built as one frame (one DataFrame per point cost ~3 ms each)
        limits.extend((index, c.family, c.limit, c.value, c.bound, c.sense, c.unit, c.slack, c.binding, c.violated)
                      for c in evaluate(study, arch).limits)
    limit_columns = ["family", "limit", "value", "bound", "sense", "unit", "slack", "binding", "violated"]
    point_limits = pd.DataFrame(limits, columns=["point", *limit_columns]) if kept else pd.DataFrame(columns=["point"])
    points = pd.DataFrame(rows, columns=["point", *names, "status"])
    assignments = pd.DataFrame(pairs, columns=["point", "element", "provider"])
    payoff = pd.DataFrame(payoff_rows, columns=["optimised", *order, "status"])[["optimised", *names, "status"]]
    ideal, nadir, reference, hv = {}, {}, {}, None
    if not points.empty:
        minform = points[names].to_numpy(dtype=float) * np.array([axis.sign for axis in axes])
        ref_min = reference_point(minform, np.array([axis.resolution for axis in axes]))
        for axis, worst, best, ref in zip(axes, minform.max(axis=0), minform.min(axis=0), ref_min, strict=True):
            ideal[axis.name], nadir[axis.name], reference[axis.name] = float(axis.sign * best), float(axis.sign * worst), float(axis.sign * ref)
        hv = hypervolume(minform, ref_min)
    at_resolution = any(axis.at_resolution for axis in axes)
    method = f"approximation ({options.points} points requested)" if options.points else ("exact at resolution" if at_resolution else "exact")
    return ParetoFront(
        study=study, data=model.data, axes=axes, points=points, assignments=assignments, payoff=payoff,
        ideal=ideal, nadir=nadir, reference=reference, hypervolume=hv, complete=complete and not options.points,
        method=method, solves=model.solves, runtime_s=runtime, highs_runtime_s=float(sum(model.highs_times)),
        solver_version=model.solver.version, notes=tuple(notes), highs_times_s=tuple(model.highs_times),
        point_limits=point_limits, active_families=tuple(model.m.active_families), rescues=model.rescues,
        reused=counts.get("reused", 0), single_stage=counts.get("single_stage", 0), workers=counts.get("workers", 1),
        chains=counts.get("chains", 0), replayed=counts.get("replayed", 0),
    )
