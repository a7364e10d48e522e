"""Global sensitivity: which inputs move the optimum (Morris screening or Sobol indices, sampled and analysed by SALib).

The samples become sweep points, so the runs are the sweep engine's: parallel, resumable, on Dask.
A sensitivity folder holds them in `runs/` (a sweep folder), and next to it `indices.csv`,
`samples.csv` and `tornado.png` (docs/results.md#sensitivity-folders; written by optimizer.output.sensitivity_files).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from architecture import Study
from architecture.sensitivity_design import SensitivityDesign, check_sensitivity_design
from architecture.sweep_design import ID_AXES, SweepDesign, SweepPoint
from optimizer.output.folders import slug, utc_now, write_json_atomic
from optimizer.output.manifests import manifest, solver_description
from optimizer.output.sensitivity_files import open_sensitivity_folder, write_sensitivity_tables
from optimizer.solve.solver import SolveOptions
from optimizer.sweep.point import SOLVED
from optimizer.sweep.runner import fingerprint, run_sweep, sweep_context
from optimizer.sweep.table import FIXED_COLUMNS, TIMING_COLUMNS

FEASIBLE = "feasible"
INDEX_COLUMNS = {
    "morris": ["output", "input", "mu_star", "mu_star_conf", "sigma", "mu", "rank", "runs_used", "note"],
    "sobol": ["output", "input", "S1", "S1_conf", "ST", "ST_conf", "rank", "runs_used", "note"],
}
RANKED_BY = {"morris": "mu_star", "sobol": "ST"}


@dataclass(frozen=True)
class SensitivityResult:
    """`indices`: one row per output and input (INDEX_COLUMNS); `samples`: one row per SALib sample, inputs then outputs."""

    design: SensitivityDesign
    objective: str
    indices: pd.DataFrame
    samples: pd.DataFrame
    runs: int
    resumed: int
    folder: Path | None
    complete: bool


def salib_problem(design: SensitivityDesign) -> dict[str, Any]:
    return {"num_vars": len(design.inputs), "names": [i.name for i in design.inputs], "bounds": [[i.low, i.high] for i in design.inputs]}


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Numpy's global generator seeded too, then restored: SALib before 1.5 draws from it and ignores a seed of 0."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def sample_inputs(design: SensitivityDesign) -> np.ndarray:
    """SALib's samples, one row per sample: Morris trajectories ((D+1) rows each) or Saltelli blocks ((D+2) rows each)."""
    problem = salib_problem(design)
    with _seeded(design.seed):
        if design.method == "morris":
            from SALib.sample import morris

            return morris.sample(problem, design.trajectories, num_levels=design.levels, seed=design.seed)
        from SALib.sample import sobol

        return sobol.sample(problem, design.samples, calc_second_order=False, seed=design.seed)


def sample_point(design: SensitivityDesign, row: np.ndarray) -> SweepPoint:
    """The sweep point of one sample: every input's change (integer inputs rounded)."""
    point = SweepPoint()
    for spec, value in zip(design.inputs, row, strict=True):
        point = point.merged(spec.point(float(value)), design.source)
    return point


def folder_fingerprint(study: Study, design: SensitivityDesign, sweep: SweepDesign, objective: str | None, options: SolveOptions) -> str:
    """What makes two sensitivity runs the same: the sweep they solve and the design's method, sizes and inputs."""
    payload = {"sweep": fingerprint(sweep_context(study, sweep, objective, options), sweep), "design": design.spec()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Plan:
    """A checked design's samples, its sweep (distinct points only) and the fingerprint of the whole computation."""

    objective: str
    options: SolveOptions
    X: np.ndarray
    points: list[SweepPoint]
    sweep: SweepDesign
    fingerprint: str

    def default_folder(self, study: Study, design: SensitivityDesign, root: str | Path = "results") -> Path:
        """results/<study folder>/sensitivity-<file stem>-<method>-<fingerprint>: the same command finds (and resumes) it."""
        study_id = slug(Path(study.path).name if study.path else study.name, "study")
        return Path(root) / study_id / f"sensitivity-{slug(Path(design.source).stem, 'design')}-{design.method}-{self.fingerprint[:10]}"


def plan(study: Study, design: SensitivityDesign, objective: str | None = None, options: SolveOptions | None = None) -> Plan:
    """Check the design against the study (one-line errors), then sample it (SALib) and fingerprint what will be solved."""
    check_sensitivity_design(design, study)
    objective = objective or design.objective or study.default_objective
    study.objective(objective)
    options = options or SolveOptions()
    X = sample_inputs(design)
    points = [sample_point(design, row) for row in X]
    sweep = SweepDesign.from_points({point.run_id: point for point in points}.values(), objective=objective, source=design.source)
    return Plan(objective, options, X, points, sweep, folder_fingerprint(study, design, sweep, objective, options))


def run_sensitivity(study: Study, design: SensitivityDesign, out: str | Path | None = None, *, method: str | None = None,
                    objective: str | None = None, options: SolveOptions | None = None, workers: int | None = None, scheduler: Any = None,
                    overwrite: bool = False, progress: bool | None = False, command: str | None = None) -> SensitivityResult:
    """Sample the design with SALib, solve every sample through the sweep engine, and compute the indices of every output.

    `out`: a sensitivity folder (resumable: the same call continues where the last one stopped).
    """
    design = design.with_method(method)
    planned = plan(study, design, objective, options)
    objective, options, X, points, sweep = planned.objective, planned.options, planned.X, planned.points, planned.sweep
    print_, unique = planned.fingerprint, sweep.points
    folder = Path(out) if out is not None else None
    described: dict[str, Any] = {}
    if folder is not None:
        open_sensitivity_folder(folder, print_, overwrite)
        folder.mkdir(parents=True, exist_ok=True)
        described = manifest("sensitivity", command=command, solver=solver_description(sweep_context(study, sweep, objective, options).options),
                             study=study, objective=objective, method=design.method, design=design.spec(), fingerprint=print_,
                             salib_version=version("SALib"), status="running",
                             counts={"samples": len(points), "runs": len(unique)}, runs_folder="runs")
        write_json_atomic(folder / "manifest.json", described)
    swept = run_sweep(study, sweep, folder / "runs" if folder is not None else None, objective=objective, options=options, workers=workers,
                      scheduler=scheduler, progress=progress, command=command)
    samples = _samples(design, X, points, swept.table)
    outputs = [objective, *(c for c in _outputs(swept.table, design) if c != objective), FEASIBLE]
    records = [row for name in outputs if name in samples for row in analyse(design, X, samples[name].to_numpy(dtype=float), name)
               .to_dict("records")]  # one frame from records: pandas 2.1 warns on concatenating all-NA columns
    indices = pd.DataFrame(records, columns=INDEX_COLUMNS[design.method])
    indices["rank"] = indices["rank"].astype("Int64")
    if folder is not None:
        write_sensitivity_tables(folder, samples, indices, objective, RANKED_BY[design.method])
        solved = int(samples.drop_duplicates("run_id")["status"].isin(SOLVED).sum())
        described.update(status="complete" if swept.complete else "interrupted", updated_utc=utc_now(),
                         counts={"samples": len(points), "runs": len(unique), "runs_with_solution": solved},
                         outputs=[name for name in outputs if name in samples])
        write_json_atomic(folder / "manifest.json", described)
    return SensitivityResult(design, objective, indices, samples, len(unique), swept.resumed, folder, swept.complete)


def _outputs(table: pd.DataFrame, design: SensitivityDesign) -> list[str]:
    """Every objective and metric column of a sweep table (numbers only)."""
    skip = {*FIXED_COLUMNS, *TIMING_COLUMNS, *(i.name for i in design.inputs), *ID_AXES}
    return [c for c in table.columns if c not in skip and not c.startswith("assign:") and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])]


def _samples(design: SensitivityDesign, X: np.ndarray, points: list[SweepPoint], table: pd.DataFrame) -> pd.DataFrame:
    """One row per sample: its inputs as applied, its run, status and every output (a run without a solution: empty)."""
    by_run = table.set_index("run_id")
    outputs = _outputs(table, design)
    rows = []
    for index, (row, point) in enumerate(zip(X, points, strict=True)):
        record = by_run.loc[point.run_id]
        values = {spec.name: (int(round(v)) if spec.integer else float(v)) for spec, v in zip(design.inputs, row, strict=True)}
        solved = record["status"] in SOLVED
        rows.append({"sample": index, "run_id": point.run_id, **values, "status": record["status"],
                     **{name: record[name] if solved else np.nan for name in outputs}, FEASIBLE: float(solved)})
    return pd.DataFrame(rows)


def _block(design: SensitivityDesign) -> int:
    """Rows per independent block: a Morris trajectory (D+1) or a Saltelli block without second order (D+2)."""
    return len(design.inputs) + (1 if design.method == "morris" else 2)


def analyse(design: SensitivityDesign, X: np.ndarray, Y: np.ndarray, output: str) -> pd.DataFrame:
    """The indices of one output; blocks (trajectories) holding a run without a solution are left out, and said so."""
    block = _block(design)
    keep = ~np.isnan(Y.reshape(-1, block)).any(axis=1)
    used = int(keep.sum())
    names = [i.name for i in design.inputs]
    columns = INDEX_COLUMNS[design.method]
    unit = "trajectories" if design.method == "morris" else "blocks"
    note = "" if keep.all() else f"{len(keep) - used} of {len(keep)} {unit} left out: a run without a solution"
    if used < 2:
        frame = pd.DataFrame({"output": output, "input": names, "runs_used": used * block,
                              "note": "too few runs with a solution for indices"}, columns=columns)
        return frame
    rows_kept = np.repeat(keep, block)
    x, y = X[rows_kept], Y[rows_kept]
    problem = salib_problem(design)
    if np.ptp(y) == 0.0:  # an output that does not vary: every index is 0 (SALib would divide by its zero variance)
        zeros = dict.fromkeys(columns[2:6], 0.0)
        frame = pd.DataFrame([{"output": output, "input": name, **zeros, "note": (note + "; " if note else "") + "does not vary"}
                              for name in names], columns=columns)
    elif design.method == "morris":
        from SALib.analyze import morris

        with _seeded(design.seed):
            found = morris.analyze(problem, x, y, num_levels=design.levels, seed=design.seed)
        frame = pd.DataFrame({"output": output, "input": names, "mu_star": found["mu_star"], "mu_star_conf": found["mu_star_conf"],
                              "sigma": found["sigma"], "mu": found["mu"], "note": note}, columns=columns)
    else:
        from SALib.analyze import sobol

        with _seeded(design.seed):
            found = sobol.analyze(problem, y, calc_second_order=False, seed=design.seed)
        frame = pd.DataFrame({"output": output, "input": names, "S1": found["S1"], "S1_conf": found["S1_conf"], "ST": found["ST"],
                              "ST_conf": found["ST_conf"], "note": note}, columns=columns)
    frame["runs_used"] = used * block
    frame["rank"] = frame[RANKED_BY[design.method]].rank(ascending=False, method="min").astype("Int64")
    if frame["note"].str.contains("does not vary").any():
        frame["rank"] = pd.NA
    return frame
