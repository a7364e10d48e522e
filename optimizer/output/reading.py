"""Result folders read back: any folder's manifest and tables, or a run or front as points to compare."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Issue, StudyError
from optimizer.output.folders import read_json


@dataclass(frozen=True)
class ResultTables:
    """Any result folder read back as it is: its manifest and every table (`runs` from Parquet when present)."""

    path: Path
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame]

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", ""))

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def read_tables(path: str | Path) -> ResultTables:
    """Read a run, Pareto, sweep or stress folder into pandas: manifest and every CSV by name (StudyError if none)."""
    path = Path(path)
    manifest = read_json(path / "manifest.json")
    if manifest is None:
        raise StudyError(Issue(str(path), "is not a result folder (no readable manifest.json)", "missing_file"))
    tables = {}
    for table in [*sorted(path.glob("*.csv")), *([path / "runs.parquet"] if (path / "runs.parquet").is_file() else [])]:
        try:
            tables[table.stem] = pd.read_parquet(table) if table.suffix == ".parquet" else pd.read_csv(table)
        except (OSError, ValueError) as exc:  # pandas' parser errors are ValueErrors; pyarrow's too
            raise StudyError(Issue(str(table), f"cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0]})", "csv_syntax")) from None
    return ResultTables(path, manifest, tables)


@dataclass(frozen=True)
class ResultFolder:
    """A run or Pareto folder read back: its manifest and tables (points: one row per point)."""

    path: Path
    manifest: dict[str, Any]
    objectives: tuple[tuple[str, str, str], ...]  # (name, sense, unit)
    points: pd.DataFrame
    assignments: pd.DataFrame
    limits: pd.DataFrame
    metrics: pd.DataFrame | None = None

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "run"))

    @property
    def label(self) -> str:
        return self.path.name


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=True) if path.is_file() else pd.DataFrame()


def read_result(path: str | Path) -> ResultFolder:
    """Read a run or Pareto folder written by this engine; StudyError if it is not one."""
    folder = Path(path)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise StudyError(Issue(str(folder), "is not a result folder (no manifest.json)", "missing_file"))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StudyError(Issue(str(manifest_path), f"is not valid JSON: {exc}", "wrong_type")) from None
    if manifest.get("kind") == "pareto":
        objectives = tuple((o["name"], o["sense"], o["unit"]) for o in manifest["objectives"])
        points = _read_csv(folder / "points.csv")
        return ResultFolder(folder, manifest, objectives, points, _read_csv(folder / "assignments.csv"), _read_csv(folder / "limits.csv"))
    if manifest.get("kind") != "run":
        raise StudyError(Issue(str(manifest_path), f"kind '{manifest.get('kind')}' cannot be compared (run or pareto only)", "wrong_type"))
    objective = manifest["objective"]
    metrics = _read_csv(folder / "metrics.csv")
    assignment = _read_csv(folder / "assignment.csv")
    has_solution = not assignment.empty
    row = {"point": 1, **(dict(zip(metrics["metric"], metrics["value"], strict=True)) if has_solution else {})}
    points = pd.DataFrame([row]) if has_solution else pd.DataFrame(columns=["point"])
    assignments = pd.DataFrame(columns=["point", "element", "provider"])
    if has_solution:
        assignments = assignment[["element", "provider"]].assign(point=1)[["point", "element", "provider"]]
    limits = _read_csv(folder / "limits.csv")
    limits = limits.assign(point=1) if not limits.empty else limits
    return ResultFolder(folder, manifest, ((objective["name"], objective["sense"], objective["unit"]),), points, assignments, limits, metrics)
