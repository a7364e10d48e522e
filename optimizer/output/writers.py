"""Writing result folders: a run, a Pareto front, a comparison (each: manifest, tables, plots), atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.output.folders import clean_number, csv_writer, json_writer, write_folder
from optimizer.output.manifests import manifest, pareto_manifest, run_manifest, solver_description
from optimizer.output.plots import draw_fronts, plot_writer
from optimizer.output.reading import ResultFolder

EMPTY_ASSIGNMENT = pd.DataFrame(columns=["element", "provider"])


def write_run(out: str | Path, result: Any, command: str | None = None, overwrite: bool = False,
              extra_files: dict[str, Callable[[Path], None]] | None = None, price: Any = None) -> Path:
    """Write a run folder: manifest.json, assignment.csv, metrics.csv, limits.csv, budget_by_year.csv."""
    ev = result.evaluation
    files: dict[str, Callable[[Path], None]] = {"manifest.json": json_writer(run_manifest(result, command, price=price))}
    if ev is not None:
        files["assignment.csv"] = csv_writer(ev.assignment_frame())
        files["metrics.csv"] = csv_writer(ev.metrics())
        files["limits.csv"] = csv_writer(ev.limits_frame())
        files["budget_by_year.csv"] = csv_writer(ev.budget_by_year())
        files["spend_by_year.csv"] = csv_writer(ev.spend_frame())
        files["slips.csv"] = csv_writer(ev.slips_frame())
    else:
        files["assignment.csv"] = csv_writer(EMPTY_ASSIGNMENT)
    files.update(extra_files or {})
    return write_folder(Path(out), files, overwrite)


def write_pareto(out: str | Path, front: Any, command: str | None = None, overwrite: bool = False) -> Path:
    """Write a Pareto run folder: manifest.json, points.csv, assignments.csv, payoff.csv, limits.csv, front.png."""
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
