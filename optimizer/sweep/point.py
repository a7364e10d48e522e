"""One point of a sweep: apply its changes, check, solve (or trace a front) and score it, as one JSON-ready record."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from architecture import Architecture, Study, StudyError, check_study
from architecture.sweep_design import SweepPoint, apply_point
from optimizer.solve.model_cache import ModelCache
from optimizer.solve.solver import SolveOptions, Status
from optimizer.solve.study_model import StudyModel
from optimizer.sweep.records import RunRecord, clean

#: Statuses of a sweep row beyond the solver's: the point's changes could not be applied or
#: checked (`invalid`), or running it raised (`error`, with the message).
INVALID, ERROR = "invalid", "error"
SOLVED = (str(Status.OPTIMAL), str(Status.FEASIBLE))


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


def _single(context: SweepContext, study: Study, cache: ModelCache) -> dict[str, Any]:
    assert context.objective is not None
    if context.reference is not None:  # a stress drop changes the offers, so a kept model would seldom serve
        model = StudyModel(study, context.objective, context.options)
        result = model.closest(model.solve(), context.reference)
    else:
        result = cache.run(study, context.objective, context.options)
    return RunRecord.of_run(result).solved_json()


def _front(context: SweepContext, study: Study) -> dict[str, Any]:
    """A Pareto front of the point: the run status plus one entry per nondominated point."""
    from optimizer.pareto.front import ParetoOptions, pareto_front

    # one box at a time: the sweep's workers already use every core
    options = ParetoOptions(time_limit_s=context.options.time_limit_s, points=context.points_per_front, threads=context.options.threads,
                            workers=1)
    front = pareto_front(study, context.objectives, options)
    points = []
    for row in front.points.to_dict("records"):
        pairs = front.assignments[front.assignments["point"] == row["point"]]
        arch = Architecture(dict(zip(pairs["element"], pairs["provider"], strict=True)))
        record = RunRecord.of_architecture(study, str(row["status"]), ",".join(context.objectives), arch)
        points.append({"point": int(row["point"]), "status": record.status, **record.scored_json()})
    status = ("optimal" if front.complete else "feasible") if points else ("infeasible" if front.complete else str(Status.TIME_LIMIT_NO_SOLUTION))
    return {"status": status, "objective": ",".join(context.objectives), "points": points, "solve_s": round(front.highs_runtime_s, 6),
            "message": "; ".join(front.notes)}


def run_point(context: SweepContext, point: SweepPoint, run: int, cache: ModelCache | None = None) -> dict[str, Any]:
    """Apply one point's changes, check, solve and evaluate: one JSON-ready record. Never raises.

    A point whose changes leave a required element without an eligible offer is `infeasible`
    (the message names it); other check errors make it `invalid`; an exception makes it `error`.
    `cache` keeps models between points (a new one, used once, when not given).
    """
    start = time.perf_counter()
    record: dict[str, Any] = {"run": run, "run_id": point.run_id, "name": point.name, "overrides": point.describe(),
                              "columns": {k: clean(v) for k, v in point.columns().items()}, "status": ERROR,
                              "objective": context.objective or ",".join(context.objectives), "message": ""}
    try:
        study = apply_point(context.study, point)
        errors = [issue for issue in check_study(study) if issue.severity == "error"]
        if errors:
            blocked = all(issue.check == "no_eligible_offer" for issue in errors)
            record.update(status=str(Status.INFEASIBLE) if blocked else INVALID, message=str(errors[0]))
        else:
            record.update(_front(context, study) if context.objectives else _single(context, study, cache or ModelCache(1)))
    except StudyError as exc:
        record.update(status=INVALID, message=str(exc))
    except Exception as exc:  # noqa: BLE001 - a failed run is a row with its message, never a lost sweep
        record.update(status=ERROR, message=f"{type(exc).__name__}: {exc}")
    record["wall_s"] = round(time.perf_counter() - start, 6)
    return record


def failed(point: SweepPoint, run: int, message: str) -> dict[str, Any]:
    """The record of a point its worker could not run (a lost task)."""
    return {"run": run, "run_id": point.run_id, "name": point.name, "overrides": point.describe(),
            "columns": {k: clean(v) for k, v in point.columns().items()}, "status": ERROR, "message": message, "wall_s": 0.0}
