"""The N-1 test: drop each partner (and each company) in turn, re-solve, report recovery cost and moves.

`by="provider"` drops a provider with the offers it makes (and those it builds); `by="builder"` drops a company with every
offer it builds, whoever procures it (offers.csv builder): what a grounding of that company's hardware costs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from architecture import Issue, Study, StudyError
from architecture.policy import ObjectiveSpec
from architecture.providers import KINDS
from architecture.sweep_design import SweepDesign, SweepPoint
from optimizer.output import csv_writer, json_writer, manifest, solver_description, write_folder
from optimizer.solve.solver import SolveOptions
from optimizer.sweep.records import RunRecord
from optimizer.sweep.runner import SOLVED, run_point, run_sweep, sweep_context, sweep_table

DEFAULT_KINDS = ("international", "commercial")
STRESS_BY = ("provider", "builder")
STRESS_COLUMNS = ("provider", "kind", "held", "status", "objective_value", "objective_change", "recovery_cost",
                  "agency_cost_change_musd", "moved", "dropped", "added", "message", "recovery")
#: stress.csv `recovery`: whether the programme recovers from the drop (a solution exists), in words no chart can hide
RECOVERED, NO_RECOVERY = "recovered", "NO RECOVERY"
#: what each kind of drop removes, in the planner's words (terminal, manifest, report)
DROPS = {"provider": "each provider dropped in turn: its own offers go, and every offer it builds for another provider",
         "builder": "each company grounded in turn: every offer it builds goes, whoever procures it; its offers that another company "
                    "builds stay"}


@dataclass(frozen=True)
class StressResult:
    """Baseline and one row per dropped provider.

    `table`: provider (the dropped provider, or builder with `by="builder"`), kind, held (elements it delivers or builds in the
    baseline; with `by="builder"`, those it builds), status, objective_value,
    objective_change (new - baseline), recovery_cost (how much worse, in the objective's unit and
    direction: positive = worse), agency_cost_change_musd, moved (`element: old -> new`), dropped
    (optional elements no longer flown), added, message. `moves`: the same moves in long form.
    `runs`: the full sweep table (baseline first).
    """

    study: Study
    objective: ObjectiveSpec
    kinds: tuple[str, ...]
    by: str
    baseline: dict[str, Any]
    table: pd.DataFrame
    moves: pd.DataFrame
    runs: pd.DataFrame

    @property
    def baseline_solved(self) -> bool:
        return self.baseline["status"] in SOLVED


def stress_design(study: Study, kinds: Sequence[str] = DEFAULT_KINDS, by: str = "provider") -> SweepDesign:
    """One point per provider (or builder) of the given kinds, in providers.csv order, that provider (or what it builds) removed."""
    for kind in kinds:
        if kind not in KINDS:
            raise StudyError(Issue("--kinds", f"unknown provider kind '{kind}'; known: {', '.join(KINDS)}", "wrong_type"))
    if by not in STRESS_BY:
        raise StudyError(Issue("--by", f"unknown '{by}'; known: {', '.join(STRESS_BY)}", "wrong_type"))
    if by == "builder":
        points = [SweepPoint(remove_builders=(b,), name=f"without what {b} builds") for b in study.builders() if study.providers[b].kind in kinds]
    else:
        points = [SweepPoint(remove_providers=(p,), name=f"without {p}") for p, provider in study.providers.items() if provider.kind in kinds]
    if not points:
        raise StudyError(Issue("--kinds", f"the study has no {by} of kind {', '.join(kinds)}", "unknown_id"))
    return SweepDesign.from_points(points, source="stress")


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def run_stress(study: Study, objective: str | None = None, kinds: Sequence[str] = DEFAULT_KINDS, options: SolveOptions | None = None,
               workers: int | None = None, scheduler: Any = None, progress: bool | None = False, by: str = "provider") -> StressResult:
    """Drop each provider (`by="builder"`: each builder, with every offer it builds) of `kinds` in turn and re-solve `objective`.

    A provider whose loss leaves a required element without any other eligible offer makes its
    row `infeasible`, with that element in the message: no recovery exists. Each recovery is
    the optimum that moves fewest elements from the baseline (`closest_run`), so `moved` lists
    what the loss forces, not ties.
    """
    spec = study.objective(objective or study.default_objective)
    design = stress_design(study, kinds, by)
    context = sweep_context(study, design, spec.name, options)
    base_record = run_point(context, SweepPoint(name="baseline"), 0)
    records = [base_record]
    runs = sweep_table(records)
    if base_record["status"] in SOLVED:
        sweep = run_sweep(study, design, objective=spec.name, options=context.options, workers=workers, scheduler=scheduler,
                          progress=progress, reference=base_record["assignment"], on_record=records.append)
        columns = list(dict.fromkeys([*runs.columns, *sweep.table.columns]))  # the baseline's columns, then the drops'
        runs = sweep_table(records, design).reindex(columns=columns)
    base = RunRecord.from_json(base_record)
    base_assign = dict(base.assignment or {})
    base_value, base_agency = _number(base.objective_value), _number(base.metrics.get("agency_cost_musd"))
    sign = 1.0 if spec.sense == "min" else -1.0
    rows, moves = [], []
    for raw in sorted(records[1:], key=lambda record: record["run"]):  # records[0] is the baseline
        point = design.points[raw["run"] - 1]
        provider = point.remove_builders[0] if by == "builder" else point.remove_providers[0]
        record = RunRecord.from_json(raw)
        if by == "builder":
            held = sorted(e for e, p in base_assign.items() if study.offers[(e, p)].builder_id == provider)
        else:  # a removed provider takes what it builds for others with it
            held = sorted(e for e, p in base_assign.items() if provider in (p, study.offers[(e, p)].builder_id))
        value = _number(record.objective_value)
        assign = dict(record.assignment or {}) if record.solved else {}
        moved, dropped, added = [], [], []
        if record.solved:
            for element, old in base_assign.items():
                new = assign.get(element)
                if new is None:
                    dropped.append(element)
                    moves.append({"provider": provider, "element": element, "from_provider": old, "to_provider": ""})
                elif new != old:
                    moved.append(f"{element}: {old} -> {new}")
                    moves.append({"provider": provider, "element": element, "from_provider": old, "to_provider": new})
            for element in sorted(set(assign) - set(base_assign)):
                added.append(element)
                moves.append({"provider": provider, "element": element, "from_provider": "", "to_provider": assign[element]})
        change = None if value is None or base_value is None else value - base_value
        agency = _number(record.metrics.get("agency_cost_musd"))
        rows.append({
            "provider": provider,
            "kind": study.providers[provider].kind,
            "held": ";".join(held),
            "status": record.status,
            "objective_value": value,
            "objective_change": change,
            "recovery_cost": None if change is None else sign * change,
            "agency_cost_change_musd": None if agency is None or base_agency is None else agency - base_agency,
            "moved": "; ".join(moved),
            "dropped": ";".join(dropped),
            "added": ";".join(added),
            "message": record.message if not record.solved else "",
            "recovery": RECOVERED if record.solved else NO_RECOVERY,
        })
    table = pd.DataFrame(rows, columns=list(STRESS_COLUMNS))
    baseline = {"status": base.status, "objective_value": base_value, "agency_cost_musd": base_agency, "assignment": base_assign,
                "message": base.message}
    moves_frame = pd.DataFrame(moves, columns=["provider", "element", "from_provider", "to_provider"])
    return StressResult(study, spec, tuple(kinds), by, baseline, table, moves_frame, runs)


def stress_manifest(result: StressResult, options: SolveOptions | None = None, command: str | None = None) -> dict[str, Any]:
    """manifest.json of a stress folder (docs/results.md#stress-folders)."""
    spec = result.objective
    options = options or SolveOptions()
    return manifest(
        "stress", command=command, solver=solver_description(options, threads=options.threads or 1), study=result.study,
        objective={"name": spec.name, "sense": spec.sense, "unit": spec.display_unit},
        kinds=list(result.kinds),
        by=result.by,
        drops=DROPS[result.by],
        baseline=result.baseline,
        providers=len(result.table),  # rows: providers dropped, or builders with by = "builder"
        no_recovery=sorted(result.table.loc[~result.table["status"].isin(SOLVED), "provider"]),
    )


def write_stress(out: str | Path, result: StressResult, options: SolveOptions | None = None, command: str | None = None,
                 overwrite: bool = False) -> Path:
    """A stress folder: manifest.json, stress.csv, moves.csv, runs.csv (written atomically)."""
    files = {
        "manifest.json": json_writer(stress_manifest(result, options, command)),
        "stress.csv": csv_writer(result.table),
        "moves.csv": csv_writer(result.moves),
        "runs.csv": csv_writer(result.runs),
    }
    return write_folder(Path(out), files, overwrite)
