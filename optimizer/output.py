"""Write run folders atomically (aside, then renamed); never solves, never overwrites unasked."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Issue, Study, StudyError

SCHEMA_VERSION = "1.0"
ENGINE_NAME = "gateway-trade"
FLOAT_DECIMALS = 6
ZERO_THRESHOLD = 1e-9  # solver noise below this is written as 0


def engine_version() -> str:
    try:
        from importlib.metadata import version

        return version("gateway-trade")
    except Exception:  # noqa: BLE001 - running from a source tree
        return "0.1.0+source"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-") or "study"


def default_run_dir(study: Study, kind: str, label: str, root: str | Path = "results") -> Path:
    """results/<study folder>/<scenarios or base>-<label>-<UTC time>; never an existing folder."""
    study_id = _slug(Path(study.path).name if study.path else study.name)
    chain = "+".join(study.scenario_chain) or "base"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(root) / study_id / f"{kind}-{_slug(chain)}-{_slug(label)}-{stamp}"
    candidate, n = base, 2
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate


def refuse_existing(out: Path, overwrite: bool) -> None:
    """Stop before any work if the run folder exists and --overwrite was not given."""
    if out.exists() and not overwrite:
        raise StudyError(Issue(str(out), "already exists; pass --overwrite to replace it or choose another --out", "run_exists"))


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed precision, noise zeroed: diffs across runs show only real changes."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            values = out[col].round(FLOAT_DECIMALS)
            out[col] = values.mask(values.abs() < ZERO_THRESHOLD, 0.0)
    return out


def clean_number(value: Any) -> Any:
    if isinstance(value, float):
        if abs(value) < ZERO_THRESHOLD:
            return 0.0
        return round(value, FLOAT_DECIMALS)
    return value


def study_provenance(study: Study) -> dict[str, Any]:
    """Where the inputs came from and every change applied to them."""
    return {
        "name": study.name,
        "path": str(Path(study.path).resolve()) if study.path else None,
        "input_sha256": dict(study.input_sha256),
        "scenario_chain": list(study.scenario_chain),
        "changes": [{"by": c.scenario, "key": c.key, "old": c.old, "new": c.new} for c in study.changes],
        "fiscal_years": [study.info.first_year, study.info.last_year],
        "sizes": {"elements": len(study.elements), "providers": len(study.providers), "offers": len(study.offers)},
    }


def active_limits(study: Study) -> dict[str, Any]:
    """The limits the study sets (absent ones are not applied)."""
    dumped = study.limits.model_dump(mode="json")
    return {k: v for k, v in dumped.items() if v not in (None, [], {}, ())}


def write_folder(out: Path, files: dict[str, Callable[[Path], None]], overwrite: bool = False) -> Path:
    """Write every file into a hidden sibling folder, then rename it into place.

    With `overwrite`, the old folder is moved aside first and removed only after the new one is
    in place, so a crash never leaves neither.
    """
    out = Path(out)
    refuse_existing(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, writer in files.items():
            writer(tmp / name)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.rename(out, old)
        os.rename(tmp, out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def csv_writer(frame: pd.DataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        tidy(frame).to_csv(path, index=False, lineterminator="\n")

    return write


def json_writer(payload: dict[str, Any]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")

    return write


def command_line() -> str:
    return " ".join(["trade", *sys.argv[1:]]) if Path(sys.argv[0]).stem in ("trade", "trade.py") else " ".join(sys.argv)


def base_manifest(study: Study, data: Any, kind: str, command: str | None, solver: dict[str, Any], active_families: Any = ()) -> dict[str, Any]:
    """The manifest fields every result folder shares: format, engine, solver, provenance, limits."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "engine": {"name": ENGINE_NAME, "version": engine_version()},
        "solver": solver,
        "command": command or command_line(),
        "created_utc": utc_now(),
        "study": study_provenance(study),
        "active_limits": active_limits(study),
        "active_families": list(active_families),
        "excluded_offers": [{"element": e, "provider": p, "reason": r} for (e, p), r in sorted(data.excluded.items())],
    }


def run_manifest(result: Any, command: str | None = None, kind: str = "run") -> dict[str, Any]:
    """manifest.json of a single run (see docs/results.md)."""
    report, options = result.report, result.options
    solver = {"name": report.solver_name, "version": report.solver_version,
              "options": {"time_limit_s": options.time_limit_s, "mip_rel_gap": options.mip_rel_gap, "threads": options.threads, **options.solver_options}}
    manifest = base_manifest(result.study, result.data, kind, command, solver, getattr(result.model, "active_families", ()))
    manifest.update({
        "objective": {"name": result.objective.name, "sense": result.objective.sense, "unit": result.objective.display_unit,
                      "column": result.objective.column, "builtin": result.objective.builtin, "milestone": result.objective.milestone},
        "status": str(report.status),
        "objective_value": clean_number(report.objective),
        "best_bound": clean_number(report.best_bound),
        "mip_gap": clean_number(report.mip_gap),
        "solve": report.as_dict(),
        "timings_s": {k: round(v, 6) for k, v in result.timings_s.items()},
        "feasible_by_evaluator": None if result.evaluation is None else result.evaluation.feasible,
        "violations": [] if result.evaluation is None else list(result.evaluation.violations),
    })
    return manifest


def pareto_manifest(front: Any, command: str | None = None) -> dict[str, Any]:
    """manifest.json of a Pareto run: the run fields plus objectives, completeness and hypervolume."""
    from optimizer.pareto import DIRECT_OPTIONS, RESCUE_OPTIONS, STRICT_OPTIONS

    solver = {"name": "highs", "version": front.solver_version,
              "options": {"mip_rel_gap": 0.0, "mip_abs_gap": "resolution/4 of the stage's objective",
                          "single_stage_box_options": {**DIRECT_OPTIONS, "mip_abs_gap": 0.5}},
              "rescues": {"count": front.rescues, "strict_options": STRICT_OPTIONS, "rescue_options": RESCUE_OPTIONS},
              "boxes": {"single_stage": front.single_stage, "reused": front.reused, "workers": front.workers}}
    manifest = base_manifest(front.study, front.data, "pareto", command, solver, front.active_families)
    status = "infeasible" if front.points.empty and front.complete else ("complete" if front.complete else "incomplete")
    manifest.update({
        "objectives": [{"name": a.name, "sense": a.sense, "unit": a.unit, "resolution": a.resolution} for a in front.axes],
        "status": status,
        "complete": front.complete,
        "method": front.method,
        "points": len(front.points),
        "ideal": {k: clean_number(v) for k, v in front.ideal.items()},
        "nadir": {k: clean_number(v) for k, v in front.nadir.items()},
        "hypervolume": {"value": clean_number(front.hypervolume), "reference_point": {k: clean_number(v) for k, v in front.reference.items()},
                        "definition": "dominated hypervolume (moocore) of the points against the reference point, each objective in its own sense"},
        "solves": front.solves,
        "timings_s": {"total_s": round(front.runtime_s, 6), "highs_s": round(front.highs_runtime_s, 6)},
        "notes": list(front.notes),
    })
    return manifest


def plot_writer(draw: Callable[[Any], None]) -> Callable[[Path], None]:
    """A PNG written with matplotlib's non-interactive backend."""

    def write(path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = draw(plt)
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)

    return write


def draw_fronts(fronts: list[tuple[str, pd.DataFrame]], axes: list[Any], title: str) -> Callable[[Any], Any]:
    """A 2-D front (step line through the points) or, for 3 objectives, the three pairwise views."""

    def draw(plt: Any) -> Any:
        pairs = [(0, 1)] if len(axes) == 2 else [(0, 1), (0, 2), (1, 2)]
        fig, panels = plt.subplots(1, len(pairs), figsize=(5.5 * len(pairs), 4.5), squeeze=False)
        for panel, (i, j) in zip(panels[0], pairs, strict=True):
            for label, points in fronts:
                ordered = points.sort_values(axes[i].name)
                panel.scatter(ordered[axes[i].name], ordered[axes[j].name], label=label, s=22)
                if len(axes) == 2:
                    panel.step(ordered[axes[i].name], ordered[axes[j].name], where="post", alpha=0.4)
            panel.set_xlabel(f"{axes[i].name} [{axes[i].unit}] ({axes[i].sense})")
            panel.set_ylabel(f"{axes[j].name} [{axes[j].unit}] ({axes[j].sense})")
            panel.grid(alpha=0.3)
        if len(fronts) > 1:
            panels[0][0].legend()
        fig.suptitle(title)
        return fig

    return draw


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


EMPTY_ASSIGNMENT = pd.DataFrame(columns=["element", "provider"])


def write_run(out: str | Path, result: Any, command: str | None = None, overwrite: bool = False,
              extra_files: dict[str, Callable[[Path], None]] | None = None) -> Path:
    """Write a run folder: manifest.json, assignment.csv, metrics.csv, limits.csv, budget_by_year.csv."""
    ev = result.evaluation
    files: dict[str, Callable[[Path], None]] = {"manifest.json": json_writer(run_manifest(result, command))}
    if ev is not None:
        files["assignment.csv"] = csv_writer(ev.assignment_frame())
        files["metrics.csv"] = csv_writer(ev.metrics())
        files["limits.csv"] = csv_writer(ev.limits_frame())
        files["budget_by_year.csv"] = csv_writer(ev.budget_by_year())
    else:
        files["assignment.csv"] = csv_writer(EMPTY_ASSIGNMENT)
    files.update(extra_files or {})
    return write_folder(Path(out), files, overwrite)


# ------------------------------------------------------------ sweep folders (docs/results.md#sweep-folders)
# A sweep folder is built run by run, so that a sweep killed at any moment resumes: the manifest
# first, then one small record per finished run under runs/, each written aside and renamed into
# place; the summary table is rebuilt from the records at the end and on every resume.

SWEEP_RECORDS = "runs"


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON to a hidden sibling, then rename it over `path`: readers see old or new, never half."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(payload, indent=1, default=str, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _remove_temporaries(folder: Path) -> None:
    for path in [*folder.glob(".*.tmp-*"), *folder.glob(f"{SWEEP_RECORDS}/.*.tmp-*")]:
        path.unlink(missing_ok=True)


def read_sweep_records(out: str | Path) -> dict[str, dict[str, Any]]:
    """Finished runs of a sweep folder by run id; an unreadable record is deleted (its run is redone)."""
    records = {}
    for path in sorted((Path(out) / SWEEP_RECORDS).glob("*.json")):
        record = _read_json(path)
        if record is None or record.get("run_id") != path.stem:
            path.unlink(missing_ok=True)
            continue
        records[path.stem] = record
    return records


def open_sweep_folder(out: str | Path, manifest: dict[str, Any], overwrite: bool = False) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Start a sweep folder, or reopen one holding the same sweep (same `fingerprint`).

    Returns the manifest to keep updating and the records already finished. A folder holding
    anything else is refused unless `overwrite`, which starts afresh (the old folder is moved
    aside and removed once the new one exists).
    """
    out = Path(out)
    if out.exists() and not overwrite:
        old = _read_json(out / "manifest.json")
        if old is not None and old.get("kind") == "sweep" and old.get("fingerprint") == manifest["fingerprint"]:
            _remove_temporaries(out)
            records = read_sweep_records(out)
            resumed = {**manifest, "created_utc": old.get("created_utc", manifest["created_utc"]),
                       "resumed_utc": [*old.get("resumed_utc", []), utc_now()]}
            write_json_atomic(out / "manifest.json", resumed)
            return resumed, records
        if old is not None and old.get("kind") == "sweep":
            problem = "holds another sweep (a different design, study or solver options); pass --overwrite to replace it or choose another --out"
        else:
            problem = "already exists and is not a sweep folder; pass --overwrite to replace it or choose another --out"
        raise StudyError(Issue(str(out), problem, "run_exists"))
    write_folder(out, {SWEEP_RECORDS: lambda path: path.mkdir(), "manifest.json": lambda path: write_json_atomic(path, manifest)}, overwrite)
    return manifest, {}


def write_sweep_record(out: str | Path, record: dict[str, Any]) -> None:
    """Save one finished run as runs/<run_id>.json (atomically)."""
    write_json_atomic(Path(out) / SWEEP_RECORDS / f"{record['run_id']}.json", record)


def write_sweep_table(out: str | Path, table: pd.DataFrame) -> None:
    """runs.csv (tidy) and runs.parquet (same columns, types kept), each written aside and renamed."""
    out = Path(out)
    for name, write in (("runs.csv", lambda path: tidy(table).to_csv(path, index=False, lineterminator="\n")),
                        ("runs.parquet", lambda path: tidy(table).to_parquet(path, index=False, engine="pyarrow"))):
        tmp = out / f".{name}.tmp-{os.getpid()}"
        write(tmp)
        os.replace(tmp, out / name)


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
    manifest = _read_json(path / "manifest.json")
    if manifest is None:
        raise StudyError(Issue(str(path), "is not a result folder (no readable manifest.json)", "missing_file"))
    tables = {csv.stem: pd.read_csv(csv) for csv in sorted(path.glob("*.csv"))}
    if (path / "runs.parquet").is_file():
        tables["runs"] = pd.read_parquet(path / "runs.parquet")
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


def write_comparison(out: str | Path, comparison: Any, results: list[ResultFolder], command: str | None = None, overwrite: bool = False) -> Path:
    """Write a comparison folder: manifest.json, summary/dominance/moved/changes/limit_changes CSVs, overlay.png."""
    from types import SimpleNamespace

    manifest = {
        "schema_version": SCHEMA_VERSION, "kind": "compare", "engine": {"name": ENGINE_NAME, "version": engine_version()},
        "command": command or command_line(), "created_utc": utc_now(),
        "inputs": [{"path": str(r.path.resolve()), "kind": r.kind} for r in results],
        "objectives": [{"name": n, "sense": s, "unit": u} for n, s, u in comparison.objectives],
        "hypervolume_reference_point": {k: clean_number(v) for k, v in comparison.reference.items()},
    }
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(manifest),
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
