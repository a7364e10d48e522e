"""Plots of result folders (matplotlib, non-interactive): fronts, and fronts overlaid."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


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
    """A 2-D front (step line through the points) or, for 3 or more objectives, every pairwise view (three per row)."""

    def draw(plt: Any) -> Any:
        pairs = list(itertools.combinations(range(len(axes)), 2))
        columns = min(3, len(pairs))
        rows = -(-len(pairs) // columns)
        fig, grid = plt.subplots(rows, columns, figsize=(5.5 * columns, 4.5 * rows), squeeze=False)
        panels = grid.ravel()
        for panel in panels[len(pairs):]:
            panel.set_visible(False)
        for panel, (i, j) in zip(panels, pairs, strict=False):
            for label, points in fronts:
                ordered = points.sort_values(axes[i].name)
                panel.scatter(ordered[axes[i].name], ordered[axes[j].name], label=label, s=22)
                if len(axes) == 2:
                    panel.step(ordered[axes[i].name], ordered[axes[j].name], where="post", alpha=0.4)
            panel.set_xlabel(f"{axes[i].name} [{axes[i].unit}] ({axes[i].sense})")
            panel.set_ylabel(f"{axes[j].name} [{axes[j].unit}] ({axes[j].sense})")
            panel.grid(alpha=0.3)
        if len(fronts) > 1:
            panels[0].legend()
        fig.suptitle(title)
        return fig

    return draw
