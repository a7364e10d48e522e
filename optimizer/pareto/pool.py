"""How a front's boxes run at once: a pool of local threads, or whatever `ParetoOptions.box_pool` makes.

The search hands each box solve to a pool and waits for the first to finish; it never looks at clocks or threads
itself. So a pool that runs every solve at once, in turn, and orders their ends on a clock of its own replays the
same search on any number of workers (bench/bench_front_workers.py, docs/pareto.md#beyond-two-cores).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Protocol


class BoxPool(Protocol):
    """What the search needs of a pool: start a solve, wait for the first to end, stop."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start fn(*args); the handle has result() and cancel()."""

    def first_done(self, pending: Iterable[Any]) -> set[Any]:
        """Wait until at least one of the pending handles has ended; those that have."""

    def close(self, pending: Iterable[Any]) -> None:
        """Cancel what has not started and wait for what has."""


class ThreadBoxPool:
    """One thread per worker (HiGHS releases the GIL while it solves)."""

    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def first_done(self, pending: Iterable[Future]) -> set[Future]:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        return set(done)

    def close(self, pending: Iterable[Future]) -> None:
        for future in pending:
            future.cancel()
        self.pool.shutdown(wait=True)


def box_pool(make: Callable[[int], BoxPool] | None, workers: int) -> BoxPool:
    """The pool a front runs its boxes on: `make(workers)` when given (ParetoOptions.box_pool), else threads."""
    return make(workers) if make is not None else ThreadBoxPool(workers)
