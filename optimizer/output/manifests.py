"""Manifests: one builder for every kind of result folder (run, Pareto, sweep, stress, compare; docs/results.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from architecture import Study
from optimizer.output.folders import clean_number, utc_now

SCHEMA_VERSION = "1.0"
ENGINE_NAME = "gateway-trade"


def engine_version() -> str:
    try:
        from importlib.metadata import version

        return version("gateway-trade")
    except Exception:  # noqa: BLE001 - running from a source tree
        return "0.1.0+source"


def command_line() -> str:
    return " ".join(["trade", *sys.argv[1:]]) if Path(sys.argv[0]).stem in ("trade", "trade.py") else " ".join(sys.argv)


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


def solver_description(options: Any, version: str | None = None, threads: Any = None) -> dict[str, Any]:
    """The solver a folder's runs used: HiGHS, its version when known, and every option set."""
    described: dict[str, Any] = {"name": "highs"}
    if version is not None:
        described["version"] = version
    described["options"] = {"time_limit_s": options.time_limit_s, "mip_rel_gap": options.mip_rel_gap,
                            "threads": options.threads if threads is None else threads, **options.solver_options}
    return described


def manifest(kind: str, *, command: str | None = None, solver: dict[str, Any] | None = None, study: Study | None = None,
             data: Any = None, active_families: Any = (), **fields: Any) -> dict[str, Any]:
    """manifest.json of a result folder: format, engine, solver, command, time, the study's provenance, then `fields`.

    With `data` (ModelData), the limits the study sets, the families the model held and the offers
    excluded, with reasons, follow the study.
    """
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": kind, "engine": {"name": ENGINE_NAME, "version": engine_version()}}
    if solver is not None:
        out["solver"] = solver
    out["command"] = command or command_line()
    out["created_utc"] = utc_now()
    if study is not None or data is not None:
        study = study if study is not None else data.study
        out["study"] = study_provenance(study)
        # what made spending commercial in this folder's figures (docs/inputs.md#procurement)
        out["commercial_share_basis"] = study.limits.commercial_share_basis
    if data is not None:
        out["active_limits"] = active_limits(study)
        out["active_families"] = list(active_families)
        out["excluded_offers"] = [{"element": e, "provider": p, "reason": r} for (e, p), r in sorted(data.excluded.items())]
    out.update(fields)
    return out


def run_manifest(result: Any, command: str | None = None, kind: str = "run", price: Any = None) -> dict[str, Any]:
    """manifest.json of a single run (see docs/results.md); `price` (DecisionPrice) when the run took decisions as given."""
    report, spec, ev = result.report, result.objective, result.evaluation
    extra = {"price_of_decisions": price.as_dict()} if price is not None else {}
    return manifest(
        kind, command=command, solver=solver_description(result.options, report.solver_version), study=result.study, data=result.data,
        active_families=result.active_families,
        objective={"name": spec.name, "sense": spec.sense, "unit": spec.display_unit, "column": spec.column, "builtin": spec.builtin,
                   "milestone": spec.milestone},
        status=str(report.status),
        objective_value=clean_number(report.objective),
        best_bound=clean_number(report.best_bound),
        mip_gap=clean_number(report.mip_gap),
        solve=report.as_dict(),
        tie_break=[stage.as_dict() for stage in result.tie_break],
        timings_s={k: round(v, 6) for k, v in result.timings_s.items()},
        feasible_by_evaluator=None if ev is None else ev.feasible,
        violations=[] if ev is None else list(ev.violations),
        **extra,
    )


def pareto_manifest(front: Any, command: str | None = None) -> dict[str, Any]:
    """manifest.json of a Pareto run: the run fields plus objectives, completeness and hypervolume."""
    solver = front.solver_record()
    status = "infeasible" if front.points.empty and front.complete else ("complete" if front.complete else "incomplete")
    return manifest(
        "pareto", command=command, solver=solver, study=front.study, data=front.data, active_families=front.active_families,
        objectives=[{"name": a.name, "sense": a.sense, "unit": a.unit, "resolution": a.box_step, "data_resolution": a.resolution,
                     "exact": "at resolution" if a.at_resolution else "exact"} for a in front.axes],
        status=status,
        complete=front.complete,
        method=front.method,
        points=len(front.points),
        ideal={k: clean_number(v) for k, v in front.ideal.items()},
        nadir={k: clean_number(v) for k, v in front.nadir.items()},
        hypervolume={"value": clean_number(front.hypervolume), "reference_point": {k: clean_number(v) for k, v in front.reference.items()},
                     "definition": "dominated hypervolume (moocore) of the points against the reference point, each objective in its own sense"},
        solves=front.solves,
        replayed=front.replayed,
        timings_s={"total_s": round(front.runtime_s, 6), "highs_s": round(front.highs_runtime_s, 6)},
        notes=list(front.notes),
    )
