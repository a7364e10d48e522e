"""The geometry of a front: objective axes on their grids, loose bounds, and the boxes still to search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from architecture import EngineError
from architecture.objectives import MAX_DECIMALS


@dataclass(frozen=True)
class Axis:
    """One objective of a front. `resolution` is the grid its values lie on (units of the objective).

    `step` is the planner's resolution (`[objectives.NAME] resolution`, `--resolution NAME=r`): a bounded objective
    must improve on a found point by at least `box_step` for another point to be searched. None: the data's grid.
    """

    name: str
    sense: str
    unit: str
    resolution: float
    is_ratio: bool = False
    step: float | None = None

    @property
    def box_step(self) -> float:
        """The front's resolution in this objective: the planner's step, never finer than the data's grid."""
        return max(self.step or 0.0, self.resolution)

    @property
    def box_tolerance(self) -> float:
        """How far inside a box's corner its bound row sits: one step, less half a grid unit (v <= u - step on the grid)."""
        return self.box_step - self.resolution / 2

    @property
    def at_resolution(self) -> bool:
        """Whether the planner's step is coarser than the data's grid (the front is then exact at that resolution)."""
        return self.box_step > self.resolution * (1 + 1e-9)

    @property
    def sign(self) -> int:
        """+1 for min, -1 for max: internally every objective is minimised as sign * value."""
        return 1 if self.sense == "min" else -1

    def snap(self, value: float) -> float:
        """Round a value to the objective's grid, removing float noise."""
        if self.is_ratio:
            return round(value, 9)
        steps = round(value / self.resolution)
        return round(steps * self.resolution, MAX_DECIMALS + 3)


class _Boxes:
    """Local upper bounds of the search region in the bounded objectives (min-form).

    A box u holds the points with sign * f_i < u_i for every bounded objective i; the point y
    found by solving box u splits it into one box per bounded objective (u with u_i := y_i), and
    boxes inside other boxes are dropped: their points are searched by the larger box.
    """

    def __init__(self, start: tuple[float, ...], tolerance: tuple[float, ...]):
        self.open: list[tuple[float, ...]] = [start]
        self.empty: list[tuple[float, ...]] = []
        self.busy: list[tuple[float, ...]] = []  # popped, answer not yet applied (solved on another thread)
        self.tol = tolerance

    def below(self, point: tuple[float, ...], box: tuple[float, ...]) -> bool:
        return all(p < u - t for p, u, t in zip(point, box, self.tol, strict=True))

    @staticmethod
    def inside(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True))

    def pop(self) -> tuple[float, ...] | None:
        """The next open box; boxes inside a closed (empty) box or inside a box being solved are dropped."""
        while self.open:
            box = self.open.pop(0)
            if not any(self.inside(box, e) for e in self.empty) and not any(self.inside(box, b) for b in self.busy):
                self.busy.append(box)
                return box
        return None

    def mark_empty(self, box: tuple[float, ...]) -> None:
        self.empty.append(box)
        self._done(box)

    def _done(self, box: tuple[float, ...]) -> None:
        if box in self.busy:
            self.busy.remove(box)

    def add_point(self, point: tuple[float, ...], searched: tuple[float, ...]) -> None:
        """Split the box just searched by the point its solve returned.

        Only that box: the point is known to be best in the first objective within it, not
        within other open boxes, so splitting those would cut away points better in the first
        objective. A box inside another open box is dropped (the larger box's search covers it).
        """
        if not self.below(point, searched):
            raise EngineError("a Pareto point lies outside the box it was found in; please report this study")
        self._done(searched)
        children = [tuple(point[i] if j == i else searched[j] for j in range(len(searched))) for i in range(len(searched))]
        # Open boxes never lie inside one another (kept so by this method), and the children of one split are
        # incomparable; so only child-against-open comparisons are needed: drop a child inside (or equal to) an open
        # box, and open boxes inside a child.
        if self.open:
            current = np.array(self.open)
            kept = [c for c in children if not np.any(np.all(current >= np.array(c), axis=1))]
            if kept:
                inner = np.zeros(len(self.open), dtype=bool)
                for child in kept:
                    inner |= np.all(current <= np.array(child), axis=1)
                self.open = [b for b, drop in zip(self.open, inner, strict=True) if not drop]
            self.open.extend(kept)
        else:
            self.open = children


def approximation_boxes(payoff: list[dict[str, Any]], axes: list[Axis], points: int) -> list[tuple[float, ...]]:
    """Evenly spaced box corners over the payoff ranges of the bounded objectives."""
    per_axis = max(2, round(points ** (1 / len(axes)))) if axes else 1
    grids = []
    for axis in axes:
        values = [axis.sign * row[axis.name] for row in payoff]
        low, high = min(values), max(values)
        grids.append(np.linspace(low + axis.resolution, high + axis.resolution, per_axis))
    corners = [tuple(c) for c in np.array(np.meshgrid(*grids)).T.reshape(-1, len(axes))]
    return corners[:points] if len(corners) > points else corners
