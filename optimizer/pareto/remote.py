"""Boxes of a front solved on a Dask cluster (docs/pareto.md#fronts-on-a-dask-cluster).

A RemoteSolver stands in for one worker thread's plain-HiGHS copy: the front's search is unchanged (the same threads,
boxes and chains), but each single-stage solve runs as a task on the cluster, where every worker thread keeps its own
copy of the front's HiGHS problem, sent once (scattered) per front. The two-stage fallbacks stay in this process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from architecture import Study
from optimizer.pareto.box_solve import Deadline, _BoxAnswer, _DirectSolver, _DirectSpec, _Stopped
from optimizer.pareto.geometry import Axis
from optimizer.solve.cluster import connected, forget, kept, new_token
from optimizer.solve.solver import Status

__all__ = ["RemoteSolver", "connected", "forget", "remote_solvers"]

#: boxes in flight per worker thread: the next one waits on the worker while a box's answer travels back
STANDINS_PER_THREAD = 2


def _copy(token: str, shared: tuple[Any, ...], ideal: dict[str, float]) -> _DirectSolver:
    spec, study, axes, threads, max_magnitude = shared
    solver = kept(token, lambda: _DirectSolver(spec, study, axes, {}, threads, max_magnitude))
    solver.ideal = ideal
    return solver


def _solve_box(token: str, shared: tuple[Any, ...], ideal: dict[str, float], upper: dict[str, float], left: float | None,
               known: np.ndarray | None) -> _BoxAnswer | tuple[str, str]:
    try:
        return _copy(token, shared, ideal).solve(upper, Deadline.after(left), known)
    except _Stopped as stop:
        return ("stopped", str(stop.status))


def _payoff_row(token: str, shared: tuple[Any, ...], ideal: dict[str, float], order: Sequence[str], left: float | None) -> Any:
    try:
        return _copy(token, shared, ideal).lexicographic(order, Deadline.after(left))
    except _Stopped as stop:
        return ("stopped", str(stop.status))


class RemoteSolver:
    """Looks like a _DirectSolver to the front's threads; each solve is a task on the cluster, awaited by the calling thread."""

    def __init__(self, client: Any, token: str, shared: Any, worker: str | None = None):
        self.client, self.token, self.shared, self.worker = client, token, shared, worker
        self.ideal: dict[str, float] = {}

    def _submit(self, fn: Any, *args: Any) -> Any:
        """A task on this stand-in's own worker: left to the scheduler, two boxes can queue on one worker's thread."""
        pinned = {"workers": [self.worker], "allow_other_workers": False} if self.worker is not None else {}
        return self.client.submit(fn, *args, pure=False, **pinned)

    def _result(self, future: Any) -> Any:
        answer = future.result()
        if isinstance(answer, tuple) and answer and answer[0] == "stopped":
            raise _Stopped(Status(answer[1]))
        return answer

    def solve(self, upper: dict[str, float], deadline: Deadline, known: np.ndarray | None = None) -> _BoxAnswer:
        return self._result(self._submit(_solve_box, self.token, self.shared, dict(self.ideal), dict(upper), deadline.left(), known))

    def lexicographic(self, order: Sequence[str], deadline: Deadline) -> _BoxAnswer:
        return self._result(self._submit(_payoff_row, self.token, self.shared, dict(self.ideal), list(order), deadline.left()))


def remote_solvers(client: Any, spec: _DirectSpec, study: Study, axes: dict[str, Axis], threads: int | None,
                   max_magnitude: float) -> tuple[list[RemoteSolver], str]:
    """One RemoteSolver per thread of the cluster, each pinned to its worker; and the front's token.

    The front's problem is scattered to every worker once.
    """
    token = new_token()
    shared = client.scatter((spec, study, axes, threads, max_magnitude), broadcast=True, hash=False)
    solvers = [RemoteSolver(client, token, shared, worker) for worker, threads in sorted(client.nthreads().items())
               for _ in range(threads * STANDINS_PER_THREAD)]
    return solvers or [RemoteSolver(client, token, shared)], token

