"""Solve every point of a sweep design (serially, on local processes or on Dask) into one table.

The parts: one point (optimizer/sweep/point.py), running points (sweep_execution.py), the table
(sweep_table.py), kept models (model_cache.py); here the sweep itself: its folder, manifest and resume.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Study
from architecture.sweep_design import SweepDesign, check_design
from optimizer.output import (
    manifest,
    open_sweep_folder,
    slug,
    solver_description,
    study_provenance,
    utc_now,
    write_json_atomic,
    write_sweep_record,
    write_sweep_table,
)
from optimizer.solve.highs import highs_version
from optimizer.solve.solver import MANY_SMALL_SOLVES_OPTIONS, SolveOptions
from optimizer.solve.study_model import closest_run
from optimizer.sweep.execution import MAX_BATCH, default_workers, execute, run_batches, run_points
from optimizer.sweep.point import ERROR, INVALID, SOLVED, SweepContext, run_point
from optimizer.sweep.table import FIXED_COLUMNS, TIMING_COLUMNS, status_counts, sweep_table

__all__ = [
    "ERROR", "FIXED_COLUMNS", "INVALID", "MAX_BATCH", "SOLVED", "SWEEP_SOLVER_OPTIONS", "TIMING_COLUMNS", "SweepContext", "SweepResult",
    "closest_run", "default_workers", "execute", "fingerprint", "run_batches", "run_point", "run_points", "run_sweep", "status_counts",
    "sweep_context", "sweep_folder", "sweep_manifest", "sweep_table",
]

# HiGHS options of sweep runs unless the caller sets its own (optimizer.solve.solver.MANY_SMALL_SOLVES_OPTIONS says why).
SWEEP_SOLVER_OPTIONS = MANY_SMALL_SOLVES_OPTIONS


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


def fingerprint(context: SweepContext, design: SweepDesign) -> str:
    """What makes two sweeps the same: inputs, changes already applied, objective(s), solver options, runs."""
    study = context.study
    payload = {
        "inputs": dict(sorted(study.input_sha256.items())),
        # limits as set (defaults left out): a limit added to the engine later does not change the fingerprint of a sweep without it
        "content": hashlib.sha256(repr((study.info, study.elements, study.providers, study.offers, study.limits.model_dump(exclude_defaults=True),
                                        study.objectives)).encode()).hexdigest(),
        "changes": study_provenance(study)["changes"],
        "scenario_chain": list(study.scenario_chain),
        "objective": context.objective,
        "objectives": list(context.objectives),
        "points_per_front": context.points_per_front,
        "reference": dict(context.reference) if context.reference is not None else None,
        "options": solver_description(context.options)["options"],
        "runs": [point.run_id for point in design.points],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def sweep_folder(context: SweepContext, design: SweepDesign, root: str | Path = "results") -> Path:
    """The default folder of a sweep: results/<study folder>/sweep-<file stem>-<fingerprint>.

    It depends only on what the sweep computes, so the same command finds (and resumes) it.
    """
    study = context.study
    study_id = slug(Path(study.path).name if study.path else study.name, "sweep")
    return Path(root) / study_id / f"sweep-{slug(Path(design.source).stem, 'sweep')}-{fingerprint(context, design)[:10]}"


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
        return SweepContext(study, None, design.objectives, design.points_per_front, options)
    name = objective or design.objective or study.default_objective
    study.objective(name)
    return SweepContext(study, name, (), None, options, dict(reference) if reference is not None else None)


def sweep_manifest(context: SweepContext, design: SweepDesign, command: str | None, workers: int | None, scheduler: Any) -> dict[str, Any]:
    """manifest.json of a sweep folder (docs/results.md#sweep-folders)."""
    return manifest(
        "sweep", command=command, solver=solver_description(context.options, highs_version()), study=context.study,
        objective=context.objective,
        objectives=list(context.objectives),
        design=design.spec(),
        fingerprint=fingerprint(context, design),
        execution={"workers": None if scheduler is not None else (workers or default_workers()), "scheduler": _address(scheduler)},
        status="running",
        counts={"runs": len(design.points)},
    )


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
