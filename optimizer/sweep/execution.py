"""Running a sweep's points: in this process, on local worker processes or on a Dask scheduler, in batches."""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

from architecture import EngineError
from architecture.sweep_design import SweepPoint
from optimizer.solve.model_cache import ModelCache
from optimizer.sweep.point import SweepContext, failed, run_point

MAX_BATCH = 16  # runs per pool or Dask task (about 1.5 s of the reference study)
MODEL_CACHE_SIZE = 4  # models a batch keeps (ModelCache): consecutive points mostly share a structure
Records = Generator[dict[str, Any], None, None]


_WORKER_CONTEXT: SweepContext | None = None


def _init_worker(context: SweepContext) -> None:
    """Pool initializer: the context (study included) arrives once per process."""
    import multiprocessing
    import signal
    import threading
    from multiprocessing.connection import wait

    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool and keeps the finished runs
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed with SIGKILL cannot stop its pool: leave with it instead of waiting forever
        threading.Thread(target=lambda: (wait([parent.sentinel]), os.kill(os.getpid(), signal.SIGKILL)), daemon=True,
                         name="exit-with-parent").start()


def _run_in_pool(batch: list[tuple[int, SweepPoint]]) -> list[dict[str, Any]]:
    assert _WORKER_CONTEXT is not None, "worker started without a sweep context"
    return run_points(_WORKER_CONTEXT, batch)


def _serial(context: SweepContext, pending: list[tuple[int, SweepPoint]]) -> Records:
    cache = ModelCache(MODEL_CACHE_SIZE)
    for run, point in pending:
        yield run_point(context, point, run, cache)


def _local_pool(context: SweepContext, pending: list[tuple[int, SweepPoint]], workers: int) -> Records:
    """Worker processes started fresh (spawn): HiGHS's threads do not survive a fork."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(context,))
    finished = False
    try:
        futures = [pool.submit(_run_in_pool, batch) for batch in run_batches(pending, workers)]
        for future in as_completed(futures):
            try:
                yield from future.result()
            except BrokenProcessPool:
                raise EngineError("a sweep worker process died; rerun the same command to resume (finished runs are kept). "
                                  "A script that runs a parallel sweep needs `if __name__ == \"__main__\":` (docs/scripting.md)") from None
        finished = True
    finally:
        # done: join the idle workers; stopped early: drop the queued runs and do not wait for the running ones
        pool.shutdown(wait=finished, cancel_futures=not finished)


def run_points(context: SweepContext, batch: list[tuple[int, SweepPoint]], cache: ModelCache | None = None) -> list[dict[str, Any]]:
    """Records of several points, one after the other: one task (fewer, longer tasks cost the scheduler less).

    The batch's points share `cache` (a new one of MODEL_CACHE_SIZE models if not given): nothing is kept
    between tasks, so a record never depends on what a worker ran before.
    """
    cache = cache if cache is not None else ModelCache(MODEL_CACHE_SIZE)
    return [run_point(context, point, run, cache) for run, point in batch]


def run_batches(pending: list[tuple[int, SweepPoint]], workers: int) -> list[list[tuple[int, SweepPoint]]]:
    """Consecutive runs in batches (pool or Dask tasks): about 8 per worker, at most MAX_BATCH runs each.

    Consecutive points of a design mostly share the model's structure, so a batch reuses one model;
    a killed sweep loses at most the batches in flight, which the next run repeats.
    """
    size = max(1, min(MAX_BATCH, -(-len(pending) // (8 * max(workers, 1)))))
    return [pending[i:i + size] for i in range(0, len(pending), size)]


def _on_dask(context: SweepContext, pending: list[tuple[int, SweepPoint]], scheduler: Any) -> Records:
    """Batches of runs as tasks on a Dask scheduler; the context is scattered once to every worker."""
    from dask.distributed import as_completed

    from optimizer.solve.cluster import connected, slots

    futures: list[Any] = []
    with connected(scheduler) as client:
        try:
            shared = client.scatter(context, broadcast=True, hash=False)
            batches = run_batches(pending, slots(client))
            futures = [client.submit(run_points, shared, batch, pure=False) for batch in batches]
            owner = {future.key: batch for future, batch in zip(futures, batches, strict=True)}
            for future in as_completed(futures):
                if future.status == "finished":
                    yield from future.result()
                else:  # a worker died on this batch repeatedly, or the task was lost: rows, not a lost sweep
                    for run, point in owner[future.key]:
                        yield failed(point, run, f"dask: {future.status}: {future.exception()!r}")
        finally:
            if futures:
                client.cancel(futures)

def execute(context: SweepContext, pending: list[tuple[int, SweepPoint]], workers: int | None = None,
            scheduler: Any = None) -> Records:
    """Records of the given (run number, point) pairs, in completion order.

    On a Dask `scheduler` (address or Client) if given; else `workers` local processes (default:
    every core), or in this process when `workers` is 1.
    """
    if scheduler is not None:
        return _on_dask(context, pending, scheduler)
    workers = workers or default_workers()
    if workers == 1 or len(pending) <= 1:
        return _serial(context, pending)
    return _local_pool(context, pending, min(workers, len(pending)))


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


