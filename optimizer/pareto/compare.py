"""Compare result folders (Pareto fronts and single runs) over the same objectives: pure tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from architecture import Issue, StudyError
from optimizer.output import ResultFolder
from optimizer.pareto.dominance import coverage, dominates, hypervolume, reference_point

Objective = tuple[str, str, str]  # name, sense, unit


@dataclass(frozen=True)
class Comparison:
    """Dominance, coverage and hypervolume of each result, and what moved against the first one."""

    objectives: tuple[Objective, ...]
    reference: dict[str, float]
    summary: pd.DataFrame
    dominance: pd.DataFrame
    moved: pd.DataFrame
    changes: pd.DataFrame
    limit_changes: pd.DataFrame


def _common_objectives(results: Sequence[ResultFolder]) -> tuple[Objective, ...]:
    """The objectives every result shares, or a StudyError naming the mismatch."""
    fronts = [r for r in results if r.kind == "pareto"]
    base = (fronts or list(results))[0]
    wanted = base.objectives
    for other in fronts or results:
        if sorted(other.objectives) != sorted(wanted):
            raise StudyError(Issue(str(other.path), f"cannot compare: its objectives {_describe(other.objectives)} differ from {_describe(wanted)} "
                                   f"in {base.path}; compare results over the same objectives and units", "wrong_type"))
    for result in results:
        if result.kind == "pareto":
            continue
        if result.points.empty:
            continue
        units = dict(zip(result.metrics["metric"], result.metrics["unit"], strict=True)) if result.metrics is not None else {}
        for name, _, unit in wanted:
            if name not in units:
                raise StudyError(Issue(str(result.path), f"cannot compare: the run has no value for objective '{name}'", "wrong_type"))
            if units[name] != unit:
                problem = f"cannot compare: objective '{name}' is in {units[name]} here but {unit} in {base.path}"
                raise StudyError(Issue(str(result.path), problem, "wrong_type"))
    return wanted


def _describe(objectives: Sequence[Objective]) -> str:
    return "(" + ", ".join(f"{n} [{u}, {s}]" for n, s, u in objectives) + ")"


def _minform(points: pd.DataFrame, objectives: Sequence[Objective]) -> np.ndarray:
    return np.array([[(1 if s == "min" else -1) * float(row[n]) for n, s, _ in objectives] for _, row in points.iterrows()]).reshape(-1, len(objectives))


def compare_results(results: Sequence[ResultFolder]) -> Comparison:
    """Compare every result with every other, and each later one point by point with the first."""
    if len(results) < 2:
        raise StudyError(Issue("compare", "give at least two result folders", "missing_value"))
    objectives = _common_objectives(results)
    names = [n for n, _, _ in objectives]
    signs = np.array([1 if s == "min" else -1 for _, s, _ in objectives])
    arrays = {r.label: _minform(r.points, objectives) for r in results}
    labels = [r.label for r in results]
    if len(set(labels)) != len(labels):
        labels = [str(r.path) for r in results]
        arrays = {str(r.path): _minform(r.points, objectives) for r in results}
    everything = np.vstack([a for a in arrays.values() if len(a)]) if any(len(a) for a in arrays.values()) else np.zeros((0, len(names)))
    reference: dict[str, float] = {}
    if len(everything):
        ref_min = reference_point(everything, floor=1.0)  # folders of single runs record no resolution
        reference = {n: float(s * v) for n, s, v in zip(names, signs, ref_min, strict=True)}
    summary = pd.DataFrame([_summary_row(r, label, arrays[label], reference, objectives) for r, label in zip(results, labels, strict=True)])
    dominance = pd.DataFrame([
        {"a": la, "b": lb, "a_points": len(arrays[la]), "b_points": len(arrays[lb]),
         "a_points_dominated_by_b": sum(any(dominates(y, x) for y in arrays[lb]) for x in arrays[la]),
         "coverage_a_over_b": coverage(arrays[la], arrays[lb])}
        for la in labels for lb in labels if la != lb
    ])
    moved, changes, limit_changes = [], [], []
    base, base_label = results[0], labels[0]
    for other, label in zip(results[1:], labels[1:], strict=True):
        m, c, lc = _match(base, other, base_label, label, arrays[base_label], arrays[label], objectives)
        moved += m
        changes += c
        limit_changes += lc
    moved_columns = ["baseline", "other", "status", "point_baseline", "point_other", *[f"{n}_{side}" for n in names for side in ("baseline", "other", "delta")]]
    return Comparison(
        objectives=tuple(objectives),
        reference=reference,
        summary=summary,
        dominance=dominance,
        moved=pd.DataFrame(moved, columns=moved_columns),
        changes=pd.DataFrame(changes, columns=["baseline", "other", "point_baseline", "point_other", "element", "provider_baseline", "provider_other"]),
        limit_changes=pd.DataFrame(limit_changes, columns=["baseline", "other", "point_baseline", "point_other", "limit", "binding_baseline", "binding_other"]),
    )


def _summary_row(result: ResultFolder, label: str, points: np.ndarray, reference: dict[str, float], objectives: Sequence[Objective]) -> dict:
    hv = None
    if len(points) and reference:
        hv = hypervolume(points, np.array([(1 if s == "min" else -1) * reference[n] for n, s, _ in objectives]))
    manifest = result.manifest
    return {
        "result": label, "kind": result.kind,
        "scenarios": "+".join(manifest.get("study", {}).get("scenario_chain", [])) or "base",
        "points": len(points), "complete": bool(manifest.get("complete", manifest.get("status") == "optimal")),
        "hypervolume": hv,
        # the folder's own figure, against its own reference point (what `trade pareto` printed), beside the common one
        "own_hypervolume": (manifest.get("hypervolume") or {}).get("value"),
        "own_reference_point": ", ".join(f"{k}={v:,.6g}" for k, v in ((manifest.get("hypervolume") or {}).get("reference_point") or {}).items()
                                          if isinstance(v, (int, float))),
        # what made spending commercial in that run; folders written before procurement existed read the builder
        "commercial_share_basis": manifest.get("commercial_share_basis", "builder"),
    }


def _match(base: ResultFolder, other: ResultFolder, base_label: str, label: str, a: np.ndarray, b: np.ndarray, objectives: Sequence[Objective]):
    """Each point of `other` matched to an identical or the nearest point of `base`."""
    names = [n for n, _, _ in objectives]
    moved, changes, limit_changes = [], [], []
    if len(a) == 0 or len(b) == 0:
        return moved, changes, limit_changes
    both = np.vstack([a, b])
    scale = np.where(both.max(axis=0) - both.min(axis=0) > 0, both.max(axis=0) - both.min(axis=0), 1.0)
    base_ids, other_ids = list(base.points["point"]), list(other.points["point"])
    matched = set()
    for j, y in enumerate(b):
        distances = np.linalg.norm((a - y) / scale, axis=1)
        i = int(distances.argmin())
        matched.add(i)
        status = "unchanged" if distances[i] < 1e-9 else "moved"
        row = {"baseline": base_label, "other": label, "status": status, "point_baseline": base_ids[i], "point_other": other_ids[j]}
        for n in names:
            x_val, y_val = float(base.points.iloc[i][n]), float(other.points.iloc[j][n])
            row.update({f"{n}_baseline": x_val, f"{n}_other": y_val, f"{n}_delta": y_val - x_val})
        moved.append(row)
        changes += _assignment_changes(base, other, base_label, label, base_ids[i], other_ids[j])
        limit_changes += _binding_changes(base, other, base_label, label, base_ids[i], other_ids[j])
    for i in set(range(len(a))) - matched:
        row = {"baseline": base_label, "other": label, "status": "gone", "point_baseline": base_ids[i], "point_other": None}
        for n in names:
            row.update({f"{n}_baseline": float(base.points.iloc[i][n]), f"{n}_other": None, f"{n}_delta": None})
        moved.append(row)
    return moved, changes, limit_changes


def _assignment_changes(base: ResultFolder, other: ResultFolder, bl: str, ol: str, pa: int, pb: int) -> list[dict]:
    left = dict(base.assignments.loc[base.assignments["point"] == pa, ["element", "provider"]].itertuples(index=False, name=None))
    right = dict(other.assignments.loc[other.assignments["point"] == pb, ["element", "provider"]].itertuples(index=False, name=None))
    return [
        {"baseline": bl, "other": ol, "point_baseline": pa, "point_other": pb, "element": e, "provider_baseline": left.get(e), "provider_other": right.get(e)}
        for e in sorted(set(left) | set(right)) if left.get(e) != right.get(e)
    ]


def _binding_changes(base: ResultFolder, other: ResultFolder, bl: str, ol: str, pa: int, pb: int) -> list[dict]:
    if base.limits.empty or other.limits.empty or "binding" not in base.limits or "binding" not in other.limits:
        return []
    left = dict(base.limits.loc[base.limits["point"] == pa, ["limit", "binding"]].itertuples(index=False, name=None))
    right = dict(other.limits.loc[other.limits["point"] == pb, ["limit", "binding"]].itertuples(index=False, name=None))
    return [
        {"baseline": bl, "other": ol, "point_baseline": pa, "point_other": pb, "limit": limit,
         "binding_baseline": left.get(limit), "binding_other": right.get(limit)}
        for limit in sorted(set(left) | set(right)) if bool(left.get(limit)) != bool(right.get(limit))
    ]
