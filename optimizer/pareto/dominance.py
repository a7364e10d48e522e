"""Dominance, reference points and hypervolume of fronts, shared by Pareto fronts and comparisons.

Points are in min-form: every objective multiplied by its sign (+1 min, -1 max), so smaller is better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

REFERENCE_MARGIN = 0.1  # hypervolume reference point: the worst point + 10 % of the front's range


def weakly_dominates(a: np.ndarray, b: np.ndarray, tolerance: float | np.ndarray = 1e-9) -> bool:
    """A is no worse than b in every objective (within `tolerance`)."""
    return bool(np.all(a <= b + tolerance))


def dominates(a: np.ndarray, b: np.ndarray, tolerance: float | np.ndarray = 1e-9) -> bool:
    """A is no worse than b everywhere and better somewhere (beyond `tolerance`)."""
    return weakly_dominates(a, b, tolerance) and bool(np.any(a < b - tolerance))


def dominated(points: np.ndarray, tolerance: float | np.ndarray = 1e-9) -> np.ndarray:
    """For each point, whether another point of the set dominates it."""
    out = np.zeros(len(points), dtype=bool)
    for index, point in enumerate(points):
        others = np.all(points <= point + tolerance, axis=1) & np.any(points < point - tolerance, axis=1)
        others[index] = False
        out[index] = bool(others.any())
    return out


def coverage(a: np.ndarray, b: np.ndarray) -> float | None:
    """Zitzler's C(A, B): the fraction of B's points weakly dominated by some point of A."""
    if len(b) == 0:
        return None
    return float(np.mean([any(weakly_dominates(x, y) for x in a) for y in b]))


def reference_point(points: np.ndarray, floor: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """The worst point plus REFERENCE_MARGIN of the range in each objective.

    Where the points do not spread (a range of 0), the margin is taken of max(|worst| * margin, floor):
    a front's own resolution, or 1 unit when comparing folders that record none.
    """
    worst, best = points.max(axis=0), points.min(axis=0)
    span = np.where(worst - best > 0, worst - best, np.maximum(np.abs(worst) * REFERENCE_MARGIN, floor))
    return worst + REFERENCE_MARGIN * span


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Dominated hypervolume (moocore) of min-form points against a min-form reference point."""
    import moocore

    return float(moocore.hypervolume(points, ref=reference))
