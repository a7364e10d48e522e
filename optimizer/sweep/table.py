"""The sweep's summary table: one row per run (per point for fronts), columns as in docs/results.md#sweep-folders."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from architecture.sweep_design import ID_AXES, SweepDesign

FIXED_COLUMNS = ("run", "run_id", "name", "overrides", "point", "status", "objective", "objective_value", "best_bound", "mip_gap",
                 "feasible_by_evaluator", "message")
TIMING_COLUMNS = ("solve_s", "wall_s")


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """Runs by status in a sweep table (one count per run, also for fronts)."""
    if table.empty:
        return {}
    runs = table.drop_duplicates("run_id")
    return {str(k): int(v) for k, v in runs["status"].value_counts().sort_index().items()}


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
