"""Writing result folders: a run, a Pareto front, a comparison (each: manifest, tables, plots), atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.output.folders import clean_number, csv_writer, json_writer, write_folder
from optimizer.output.manifests import manifest, pareto_manifest, run_manifest, solver_description
from optimizer.output.plots import MILESTONE_COLOURS, draw_fronts, draw_s_curve, plot_writer
from optimizer.output.reading import ResultFolder

EMPTY_ASSIGNMENT = pd.DataFrame(columns=["element", "provider"])


def write_run(out: str | Path, result: Any, command: str | None = None, overwrite: bool = False,
              extra_files: dict[str, Callable[[Path], None]] | None = None, price: Any = None, confidence: Any = (),
              confidence_run: Any = None) -> Path:
    """Write a run folder: manifest.json, assignment.csv, metrics.csv, limits.csv, budget_by_year.csv.

    `confidence`: the out-of-sample checks of its confidence limits (architecture.schedule_confidence.confidence_checks),
    written into limits.csv's confidence rows and the manifest. `confidence_run` (optimizer.solve.ConfidentRun): how the
    asked levels were made to hold out of sample, recorded as the manifest's `confidence_status` and `confidence_rounds`.
    """
    ev = result.evaluation
    described = run_manifest(result, command, price=price)
    if confidence:
        described["confidence_checks"] = [check.as_dict() for check in confidence]
    if confidence_run is not None:
        described["confidence_status"] = confidence_run.status
        described["confidence_rounds"] = list(confidence_run.rounds)
    files: dict[str, Callable[[Path], None]] = {"manifest.json": json_writer(described)}
    if ev is not None:
        files["assignment.csv"] = csv_writer(ev.assignment_frame())
        files["metrics.csv"] = csv_writer(ev.metrics())
        files["limits.csv"] = csv_writer(with_checks(ev.limits_frame(), confidence))
        files["budget_by_year.csv"] = csv_writer(ev.budget_by_year())
        files["spend_by_year.csv"] = csv_writer(ev.spend_frame())
        files["slips.csv"] = csv_writer(ev.slips_frame())
    else:
        files["assignment.csv"] = csv_writer(EMPTY_ASSIGNMENT)
    files.update(extra_files or {})
    return write_folder(Path(out), files, overwrite)


CHECK_COLUMNS = ("in_sample_low", "in_sample_high", "out_of_sample", "out_of_sample_low", "out_of_sample_high")


def with_checks(limits: pd.DataFrame, checks: Any) -> pd.DataFrame:
    """limits.csv with the out-of-sample columns of confidence rows (blank elsewhere), when there are checks."""
    if not checks:
        return limits
    by_row = {f"milestone_confidence[{check.milestone}]": check.as_dict() for check in checks}
    out = limits.copy()
    for column in CHECK_COLUMNS:
        out[column] = [by_row.get(limit, {}).get(column) for limit in out["limit"]]
    return out


def write_pareto(out: str | Path, front: Any, command: str | None = None, overwrite: bool = False,
                 extra: dict[str, Callable[[Path], None]] | None = None) -> Path:
    """Write a Pareto run folder: manifest.json, points.csv, assignments.csv, payoff.csv, limits.csv, front.png (and `extra` files)."""
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(pareto_manifest(front, command)),
        "points.csv": csv_writer(front.points),
        "assignments.csv": csv_writer(front.assignments),
        "payoff.csv": csv_writer(front.payoff),
        "limits.csv": csv_writer(front.point_limits),
    }
    if not front.points.empty:
        title = f"{front.study.name}: {'exact' if front.complete else front.method} front, {len(front.points)} points"
        files["front.png"] = plot_writer(draw_fronts([("front", front.points)], list(front.axes), title))
    files.update(extra or {})
    return write_folder(Path(out), files, overwrite)


def write_comparison(out: str | Path, comparison: Any, results: list[ResultFolder], command: str | None = None, overwrite: bool = False) -> Path:
    """Write a comparison folder: manifest.json, summary/dominance/moved/changes/limit_changes CSVs, overlay.png."""
    from types import SimpleNamespace

    described = manifest(
        "compare", command=command,
        inputs=[{"path": str(r.path.resolve()), "kind": r.kind} for r in results],
        objectives=[{"name": n, "sense": s, "unit": u} for n, s, u in comparison.objectives],
        hypervolume_reference_point={k: clean_number(v) for k, v in comparison.reference.items()},
    )
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(described),
        "summary.csv": csv_writer(comparison.summary),
        "dominance.csv": csv_writer(comparison.dominance),
        "moved.csv": csv_writer(comparison.moved),
        "changes.csv": csv_writer(comparison.changes),
        "limit_changes.csv": csv_writer(comparison.limit_changes),
    }
    if len(comparison.objectives) >= 2:
        axes = [SimpleNamespace(name=n, sense=s, unit=u) for n, s, u in comparison.objectives]
        fronts = [(r.label, r.points) for r in results if not r.points.empty]
        files["overlay.png"] = plot_writer(draw_fronts(fronts, axes, "compared fronts"))
    return write_folder(Path(out), files, overwrite)


def write_alternatives(out: str | Path, result: Any, command: str | None = None, overwrite: bool = False) -> Path:
    """An alternatives folder: manifest.json, alternatives.csv, assignments.csv, decisions.csv (docs/results.md)."""
    spec = result.objective
    options = result.report_options
    described = manifest(
        "alternatives", command=command, solver=solver_description(options, result.report.solver_version if result.report else None),
        study=result.study,
        objective={"name": spec.name, "sense": spec.sense, "unit": spec.display_unit},
        slack=result.slack, count=result.count, status=result.status, optimum=clean_number(result.optimum),
        alternatives=max(len(result.table) - 1, 0), solves=result.solves, timings_s={"total_s": round(result.runtime_s, 6)},
    )
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(described),
        "alternatives.csv": csv_writer(result.table),
        "assignments.csv": csv_writer(result.assignments),
        "decisions.csv": csv_writer(result.decisions),
    }
    return write_folder(Path(out), files, overwrite)


def write_breakeven(out: str | Path, result: Any, command: str | None = None, overwrite: bool = False) -> Path:
    """A break-even folder: manifest.json, breakeven.csv (docs/results.md)."""
    spec = result.objective
    described = manifest(
        "breakeven", command=command, solver=solver_description(result.options, result.solver_version), study=result.study,
        objective={"name": spec.name, "sense": spec.sense, "unit": spec.display_unit},
        status=result.status, optimum=clean_number(result.optimum), offers=len(result.table),
        resolution_musd=0.01, price_cap_musd=clean_number(result.price_cap_musd), solves=result.solves,
        timings_s={"total_s": round(result.runtime_s, 6)},
    )
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(described),
        "breakeven.csv": csv_writer(result.table),
    }
    return write_folder(Path(out), files, overwrite)


def write_confidence(out: str | Path, result: Any, source: dict[str, Any], command: str | None = None, overwrite: bool = False) -> Path:
    """A confidence folder: manifest.json, confidence.csv, criticality.csv, s_curves.csv, assignment.csv, s_curve_<milestone>.png."""
    confidence = result.confidence_frame()
    described = manifest(
        "confidence", command=command, study=result.study, source=source, samples=result.samples, seed=result.seed,
        samples_per_s=round(result.samples / result.runtime_s) if result.runtime_s > 0 else None,
        slip_model={"slip_propagation": result.study.info.slip_propagation, "slip_correlation": result.study.info.slip_correlation,
                    "reprocurement_months": result.study.info.reprocurement_months},
        milestones=[{k: clean_number(v) for k, v in row.items()} for row in confidence.to_dict("records")],
        timings_s={"simulate_s": round(result.runtime_s, 6)},
    )
    assignment = pd.DataFrame(sorted(result.architecture.assignment.items()), columns=["element", "provider"])
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(described),
        "confidence.csv": csv_writer(confidence),
        "criticality.csv": csv_writer(result.criticality_frame()),
        "s_curves.csv": csv_writer(result.s_curve_frame()),
        "assignment.csv": csv_writer(assignment),
    }
    for index, row in enumerate(confidence.itertuples()):
        slips = result.simulation.milestone_slip[row.milestone]
        files[f"s_curve_{row.milestone}.png"] = plot_writer(draw_s_curve(row.milestone, slips, row.limit_months, row.p_meet,
                                                                                  MILESTONE_COLOURS[index % len(MILESTONE_COLOURS)]))
    return write_folder(Path(out), files, overwrite)
