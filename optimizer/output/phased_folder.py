"""A phased folder (`trade phased`): what to commit now, each future's recourse, EVPI and VSS (docs/results.md#phased-folders)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.output.folders import clean_number, csv_writer, json_writer, write_folder
from optimizer.output.manifests import manifest, solver_description

COMMITMENT_COLUMNS = ["element", "provider", "procurement", "commit_fy", "termination_musd", "committed", "used_in", "walked_in",
                      "protects_musd", "decided_fy", "decided_in"]
FUTURE_COLUMNS = ["future", "probability", "cost_musd", "walked", "walked_musd"]
RECOURSE_COLUMNS = ["future", "element", "provider", "decided", "decided_fy"]


def commitments_frame(result: Any, protection: Any = ()) -> pd.DataFrame:
    """Every offer decided now, then at each later point: committed or not, the futures that use or walk away from it.

    `protects_musd`: what a commitment made now protects (blank for later points).
    """
    study, u, rows = result.study, result.uncertainty, []
    protects = {(v.element, v.provider): v.protects_musd for v in protection}
    points = {p.name: p for p in u.decision_points}
    decisions = [(None, pair) for pair in result.decided_now] + [(n, (e, p)) for n, e, p in result.decided_later]
    for point, pair in decisions:
        offer = study.offers[pair]
        after = result.futures if point is None else [f for f in result.futures if f.name in u.futures_after(point)]
        used = [f.name for f in after if f.architecture is not None and pair in set(f.architecture.assignment.items())]
        walked = [f.name for f in after if pair in f.walked]
        committed = pair in result.commitments if point is None else pair in result.committed_at(point)
        guard = protects.get(pair) if point is None else None
        rows.append((*pair, study.procurement(offer), offer.commit_fy, offer.termination_musd, committed, ";".join(used),
                     ";".join(walked), "inf" if guard == float("inf") else clean_number(guard),
                     u.decide_fy if point is None else points[point].decide_fy, "now" if point is None else point))
    return pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)


def futures_frame(result: Any) -> pd.DataFrame:
    return pd.DataFrame([(f.name, f.probability, f.cost_musd, ";".join(f"{e}={p}" for e, p in f.walked),
                          f.liabilities_musd) for f in result.futures], columns=FUTURE_COLUMNS)


def recourse_frame(result: Any) -> pd.DataFrame:
    """Each future's architecture; `decided_fy` the year an offer was committed (blank: chosen once the future is known)."""
    u, now = result.uncertainty, set(result.decided_now)
    years = {p.name: p.decide_fy for p in u.decision_points}
    rows = []
    for f in result.futures:
        if f.architecture is None:
            continue
        later = {pair: years[n] for n, pair in f.committed_later}
        rows += [(f.name, e, p, "now" if (e, p) in now else "later", u.decide_fy if (e, p) in now else later.get((e, p)))
                 for e, p in sorted(f.architecture.assignment.items())]
    frame = pd.DataFrame(rows, columns=RECOURSE_COLUMNS)
    frame["decided_fy"] = frame["decided_fy"].astype("Int64")
    return frame


def method_of(hedging: Any) -> dict[str, Any]:
    """How the phased optimum was found: the extensive form (proven), or progressive hedging with its bound and gap."""
    if hedging is None:
        return {"name": "extensive_form"}
    return {"name": "progressive_hedging", "library": "mpi-sppy", "iterations": hedging.iterations, "converged": bool(hedging.converged),
            "bound_musd": clean_number(float(hedging.bound_musd)), "gap": None if hedging.gap is None else float(hedging.gap)}


def write_phased(out: str | Path, result: Any, values: Any, protection: Any = (), command: str | None = None, overwrite: bool = False,
                 hedging: Any = None) -> Path:
    """manifest.json, commitments.csv, futures.csv, recourse.csv (docs/results.md#phased-folders)."""
    u = result.uncertainty
    described = manifest(
        "phased", command=command, solver=solver_description(result.options, result.report.solver_version), study=result.study,
        objective=result.objective, status=result.status,
        uncertainty={"path": u.path, "sha256": u.sha256, "decide_fy": u.decide_fy, "risk": u.risk, "cvar_level": u.cvar_level,
                     "futures": [{"name": n, "probability": u.probabilities[n]} for n in u.names],
                     "decision_points": [{"name": p.name, "decide_fy": p.decide_fy} for p in u.decision_points],
                     "slip_draws": u.slip_draws, "slip_seed": u.slip_seed},
        method=method_of(hedging), commitments=len(result.commitments), decided_now=len(result.decided_now),
        ended_now=[{"element": e, "provider": p} for e, p in result.ended_now],
        risk_value_musd=clean_number(values.recourse), expected_cost_musd=clean_number(result.expected_cost_musd),
        worst_cost_musd=clean_number(result.worst_cost_musd), wait_and_see_musd=clean_number(values.wait_and_see),
        deterministic_musd=clean_number(values.deterministic), evpi_musd=clean_number(values.evpi),
        vss_musd=None if values.vss is None or values.vss == float("inf") else clean_number(values.vss),
        vss_unbounded=values.vss == float("inf"),  # the plan made on the study as given leaves some future without a recourse
        deterministic_known=values.deterministic_known,
        deterministic_plan=[{"element": e, "provider": p} for e, p in values.deterministic_plan],
        timings_s={"total_s": round(result.report.wall_s, 6), "highs_s": round(result.report.runtime_s, 6)},
    )
    files: dict[str, Callable[[Path], None]] = {
        "manifest.json": json_writer(described),
        "commitments.csv": csv_writer(commitments_frame(result, protection)),
        "futures.csv": csv_writer(futures_frame(result)),
        "recourse.csv": csv_writer(recourse_frame(result)),
    }
    return write_folder(Path(out), files, overwrite)
