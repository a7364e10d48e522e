"""Result folders on disk: written aside and renamed into place, never over a run unasked; tables at fixed precision."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Issue, Study, StudyError

FLOAT_DECIMALS = 6
ZERO_THRESHOLD = 1e-9  # solver noise below this is written as 0


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str, default: str = "study") -> str:
    """A name for a folder: lower-case, runs of other characters as one dash (`default` when nothing is left)."""
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-") or default


def run_dir_stem(study: Study, kind: str, label: str, root: str | Path = "results") -> Path:
    """results/<study folder>/<kind>-<scenarios or base>-<label>: every default folder of these is this, a dash and a time."""
    study_id = slug(Path(study.path).name if study.path else study.name)
    chain = "+".join(study.scenario_chain) or "base"
    return Path(root) / study_id / f"{kind}-{slug(chain)}-{slug(label)}"


def default_run_dir(study: Study, kind: str, label: str, root: str | Path = "results") -> Path:
    """results/<study folder>/<kind>-<scenarios or base>-<label>-<UTC time>; never an existing folder."""
    stem = run_dir_stem(study, kind, label, root)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = stem.with_name(f"{stem.name}-{stamp}")
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


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def remove_temporaries(folder: Path) -> None:
    for path in [*folder.glob(".*.tmp-*"), *folder.glob(f"{SWEEP_RECORDS}/.*.tmp-*")]:
        path.unlink(missing_ok=True)


def read_sweep_records(out: str | Path) -> dict[str, dict[str, Any]]:
    """Finished runs of a sweep folder by run id; an unreadable record is deleted (its run is redone)."""
    records = {}
    for path in sorted((Path(out) / SWEEP_RECORDS).glob("*.json")):
        record = read_json(path)
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
        old = read_json(out / "manifest.json")
        if old is not None and old.get("kind") == "sweep" and old.get("fingerprint") == manifest["fingerprint"]:
            remove_temporaries(out)
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
