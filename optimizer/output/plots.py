"""Plots of result folders (matplotlib, non-interactive): fronts, and fronts overlaid."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: one colour per milestone (in confidence.csv's order), the same in the PNGs and in the report's charts (plotly's default cycle)
MILESTONE_COLOURS = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52")


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


def draw_s_curve(milestone: str, slips: np.ndarray, limit_months: float, p_meet: float, colour: str = MILESTONE_COLOURS[0]) -> Callable[[Any], Any]:
    """A milestone's S-curve: the chance its slip is at most x months, with its limit marked."""

    def draw(plt: Any) -> Any:
        ordered = np.sort(slips)
        share = np.arange(1, len(ordered) + 1) / max(len(ordered), 1)
        fig, panel = plt.subplots(figsize=(6.5, 4.2))
        panel.step(ordered, share, where="post", color=colour)
        if np.isfinite(limit_months):
            panel.axvline(limit_months, color=colour, linestyle="--", label=f"limit {limit_months:g} months: P = {p_meet:.1%}")
            panel.legend(loc="lower right")
        panel.set_xlabel(f"{milestone} slip [months]")
        panel.set_ylabel("P(slip <= x)")
        panel.set_ylim(0, 1.02)
        panel.grid(alpha=0.3)
        panel.set_title(f"{milestone}: {len(ordered):,} samples")
        return fig

    return draw


def warm_up() -> None:
    """Import matplotlib's Agg backend in a background thread, so a front's PNG does not wait for it (about 0.5 s)."""
    import threading

    def load() -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

    threading.Thread(target=load, name="matplotlib-warm-up", daemon=True).start()
