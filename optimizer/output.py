"""Write run folders atomically (aside, then renamed); never solves, never overwrites unasked."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
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


def run_manifest(result: Any, command: str | None = None, kind: str = "run") -> dict[str, Any]:
    """manifest.json of a single run (see docs/results.md)."""
    study, report, data = result.study, result.report, result.data
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "engine": {"name": ENGINE_NAME, "version": engine_version()},
        "solver": {"name": report.solver_name, "version": report.solver_version, "options": {
            "time_limit_s": result.options.time_limit_s, "mip_rel_gap": result.options.mip_rel_gap,
            "threads": result.options.threads, **result.options.solver_options}},
        "command": command or command_line(),
        "created_utc": utc_now(),
        "study": study_provenance(study),
        "active_limits": active_limits(study),
        "active_families": list(getattr(result.model, "active_families", ())),
        "excluded_offers": [{"element": e, "provider": p, "reason": r} for (e, p), r in sorted(data.excluded.items())],
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
    }


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
