"""What a front is asked (ParetoOptions), shows while it runs (FrontProgress) and returns (ParetoFront)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from architecture import Study
from optimizer.model.data import ModelData
from optimizer.pareto.box_solve import DIRECT_OPTIONS, RESCUE_OPTIONS, STRICT_OPTIONS
from optimizer.pareto.geometry import Axis


@dataclass(frozen=True)
class ParetoOptions:
    """`time_limit_s` bounds the whole front; `points` asks for an evenly spread approximation.

    `threads` is HiGHS's thread count per subproblem; `workers` how many boxes are solved at once, each on its own
    HiGHS copy in its own thread (None: 2, or 1 on a one-CPU machine; see docs/pareto.md).
    """

    time_limit_s: float | None = None
    points: int | None = None
    clock: Callable[[], float] = time.perf_counter  # what time_limit_s is measured on (tests give their own)
    threads: int | None = 1
    workers: int | None = None  # boxes solved at once (threads, one HiGHS copy each); None: min(2, CPUs)
    #: objective -> the planner's resolution (its unit), over the study's `[objectives.NAME] resolution`
    resolution: dict[str, float] = field(default_factory=dict)
    #: a progress line on stderr (points found, boxes open, solves, elapsed); None: only when stderr is a terminal
    progress: bool | None = False
    #: answers of boxes an earlier search of the same front found (a resumed checkpoint): box key -> answer, where an
    #: answer is None (the box is empty) or (status, values by objective, Architecture); such boxes are not solved again
    replay: Mapping[tuple[Any, ...], Any] = field(default_factory=dict)
    #: called as on_answer(box key, answer) in the main thread for every box answered with a proven answer (a checkpoint writer)
    on_answer: Callable[[tuple[Any, ...], Any], None] | None = None
    #: a Dask scheduler (address or Client): single-stage box solves run on its workers, one at a time per worker
    #: thread, instead of `workers` local threads (docs/pareto.md#fronts-on-a-dask-cluster)
    scheduler: Any = None
    #: makes the pool the boxes run on, given how many run at once (optimizer/pareto/pool.py); None: local threads.
    #: bench/bench_front_workers.py passes one with a clock of its own, to replay a front on more workers than cores
    box_pool: Callable[[int], Any] | None = None


class FrontProgress:
    """Points found, boxes open, solves and elapsed time on stderr (tqdm); for 2 objectives also the share of the range searched."""

    def __init__(self, enabled: bool | None):
        from tqdm import tqdm

        self.bar = tqdm(unit=" points", desc="front", file=sys.stderr, dynamic_ncols=True, disable=None if enabled is None else not enabled)
        self.span: tuple[float, float] | None = None

    def point(self) -> None:
        self.bar.update()

    def boxes(self, open_boxes: list[tuple[float, ...]], solves: int) -> None:
        postfix = f"boxes open {len(open_boxes)}, solves {solves}"
        if self.span is not None and len(open_boxes) <= 1:  # 2 objectives: one box, its bound sweeps the second objective's range
            top, bottom = self.span
            reached = open_boxes[0][0] if open_boxes else bottom
            postfix += f", range searched ~{100 * min(1.0, max(0.0, (top - reached) / (top - bottom or 1.0))):.0f} %"
        self.bar.set_postfix_str(postfix, refresh=False)

    def chains(self, top: float, bottom: float, searched: float, solves: int, workers: int) -> None:
        """Chains over pieces of a 2-objective front: the share of the second objective's range searched."""
        share = searched / (top - bottom) if top > bottom else 1.0
        self.bar.set_postfix_str(f"chains on {workers} workers, solves {solves}, range searched ~{100 * min(1.0, max(0.0, share)):.0f} %",
                                 refresh=False)

    def close(self) -> None:
        self.bar.close()


@dataclass(frozen=True)
class ParetoFront:
    """A front: points (point, one column per objective, status), their architectures, the payoff table."""

    study: Study
    data: ModelData
    axes: tuple[Axis, ...]
    points: pd.DataFrame
    assignments: pd.DataFrame
    payoff: pd.DataFrame
    ideal: dict[str, float]
    nadir: dict[str, float]
    reference: dict[str, float]
    hypervolume: float | None
    complete: bool
    method: str
    solves: int
    runtime_s: float
    highs_runtime_s: float
    solver_version: str
    notes: tuple[str, ...] = ()
    highs_times_s: tuple[float, ...] = field(default=(), repr=False)
    point_limits: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    active_families: tuple[str, ...] = ()
    rescues: int = 0
    reused: int = 0  # boxes answered from an earlier answer, without a solve
    single_stage: int = 0  # boxes answered by one solve of the combined objective
    workers: int = 1
    chains: int = 0  # two-objective fronts on two workers: chains of boxes walked (2, plus one per split of a busy chain)
    replayed: int = 0  # boxes answered from a resumed checkpoint (ParetoOptions.replay) instead of solved

    @property
    def objectives(self) -> tuple[str, ...]:
        return tuple(axis.name for axis in self.axes)

    def solver_record(self) -> dict[str, Any]:
        """The manifest's solver record: the HiGHS options of the front's box solves, rescues and how boxes were answered."""
        return {"name": "highs", "version": self.solver_version,
                "options": {"mip_rel_gap": 0.0, "mip_abs_gap": "resolution/4 of the stage's objective",
                            "single_stage_box_options": {**DIRECT_OPTIONS, "mip_abs_gap": 0.5}},
                "rescues": {"count": self.rescues, "strict_options": STRICT_OPTIONS, "rescue_options": RESCUE_OPTIONS},
                "boxes": {"single_stage": self.single_stage, "reused": self.reused, "workers": self.workers, "chains": self.chains}}
