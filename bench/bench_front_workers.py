"""Beyond two cores, on paper: a front's measured box times replayed through its search on 1 to 64 workers.

    python bench/bench_front_workers.py [--instances 2kp100,3kp40,4kp50] [--data DIR] [--workers 1,2,4,8,16,64] [--real 1,2]

Issue 24 item 4 (docs/pareto.md#beyond-two-cores). The front's search hands every box solve to a pool
(optimizer/pareto/pool.py) and waits for the first to end. `ReplayClock` is such a pool on a clock of its own: it
runs each solve at once, on this machine's one core at a time, measures it, and lets it end that long after it
started on the replay's clock; the search's own work in the main thread (settling answers, reuse, new boxes)
advances the clock as it happens. So each replay is the engine's own search, with its own dependencies (which box
exists only after which answer, what is reused, how chains are cut), as `workers` solvers would run it: the wall
it prints is what W workers would take if each box took what it took here alone. `serial s` is the part outside
the pool (the payoff table, which each front solves first, and assembling the front), which no worker count shortens.

A box met in an earlier replay of the same front (same bounds) is not solved again: its measured time and answer
are replayed, so every worker count sees the same box times. Boxes only a larger count meets are solved and timed.

Not modelled: workers of a real machine share memory bandwidth and caches (measured: `--real` runs the front on
real threads beside the replay), a Dask task's round trip (milliseconds; docs/pareto.md#fronts-on-a-dask-cluster),
and the GIL, which the main thread and the solvers' Python work share in one process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import load, machine_line  # noqa: E402


class Ended:
    """A solve the replay has run: its answer, and when it ends on the replay's clock."""

    def __init__(self, result: Any, at: float):
        self.value, self.at = result, at

    def result(self) -> Any:
        return self.value

    def cancel(self) -> bool:
        return False


def _bounds(args: tuple[Any, ...]) -> tuple[float, ...]:
    """A box as its bounds: the numbers among a solve's arguments, a dict's values in key order.

    So a chain's bound and a box's upper bound on the same one objective are the same box.
    """
    out: list[float] = []
    for value in args:
        if isinstance(value, dict):
            out.extend(float(value[k]) for k in sorted(value))
        elif isinstance(value, (int, float)):
            out.append(float(value))
    return tuple(out)


class ReplayClock:
    """A box pool (optimizer/pareto/pool.py) that runs each solve at once and ends it on its own clock (module docstring).

    `memo` maps a box (its bounds) to (answer, seconds), shared by the replays of one front.
    """

    def __init__(self, workers: int, memo: dict[Any, tuple[Any, float]]):
        self.workers, self.memo = workers, memo
        self.now, self.mark, self.solved, self.replayed, self.busy_s = 0.0, time.perf_counter(), 0, 0, 0.0
        self.opened, self.real_span = self.mark, 0.0

    def _main_thread(self) -> None:
        moment = time.perf_counter()
        self.now += moment - self.mark
        self.mark = moment

    def submit(self, fn: Callable[..., Any], *args: Any) -> Ended:
        self._main_thread()
        key = _bounds(args)
        if key in self.memo:
            result, took = self.memo[key]
            self.replayed += 1
        else:
            start = time.perf_counter()
            result = fn(*args)
            took = time.perf_counter() - start
            self.memo[key] = (result, took)
            self.solved += 1
        self.busy_s += took
        self.mark = time.perf_counter()
        return Ended(result, self.now + took)

    def first_done(self, pending: Iterable[Ended]) -> set[Ended]:
        self._main_thread()
        pending = list(pending)
        if len(pending) > self.workers:
            raise RuntimeError(f"{len(pending)} solves at once on {self.workers} workers")
        self.now = max(self.now, min(handle.at for handle in pending))
        self.mark = time.perf_counter()
        return {handle for handle in pending if handle.at <= self.now}

    def close(self, pending: Iterable[Ended]) -> None:
        self._main_thread()
        for handle in pending:  # a front stopped early: what was running would end
            self.now = max(self.now, handle.at)
        self.real_span = time.perf_counter() - self.opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="2kp100,3kp40,4kp50")
    parser.add_argument("--data", default=None)
    parser.add_argument("--workers", default="1,2,4,8,16,64")
    parser.add_argument("--real", default="1,2", help="worker counts also run on real threads, to check the replay against")
    args = parser.parse_args()
    from bench_fronts import data_folder

    from architecture.momkp import momkp_study, published_front
    from optimizer.pareto.front import ParetoOptions, pareto_front

    data = data_folder(args.data)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    real = [int(w) for w in args.real.split(",") if w.strip()]
    print(f"Python {sys.version.split()[0]}; at start: {machine_line()}")
    for instance in [i.strip() for i in args.instances.split(",") if i.strip()]:
        folder = data / instance
        study = momkp_study(folder)
        names = list(study.objectives)
        expected = published_front(folder)
        memo: dict[Any, tuple[Any, float]] = {}
        base = None
        print(f"\n{instance} ({len(expected)} published points)")
        print(f"  {'workers':>7} {'kind':<7} {'wall s':>8} {'speed-up':>9} {'efficiency':>10} {'serial s':>8} {'box s':>8} {'boxes':>6} "
              f"{'new':>5} {'check':<18} load")
        for workers in counts:
            clocks: list[ReplayClock] = []

            def make(n: int, workers: int = workers, clocks: list[ReplayClock] = clocks, memo: dict = memo) -> ReplayClock:
                clocks.append(ReplayClock(workers, memo))
                return clocks[-1]

            before = load()
            front = pareto_front(study, names, ParetoOptions(workers=workers, box_pool=make))
            points = {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()}
            wall = _replay_wall(front, clocks)
            base = base or wall
            check = "front = published" if points == expected else "FRONT DIFFERS"
            serial = wall - sum(c.now for c in clocks)
            print(f"  {workers:>7} {'replay':<7} {wall:8.2f} {base / wall:9.2f} {base / wall / workers:10.2f} {serial:8.2f} "
                  f"{sum(c.busy_s for c in clocks):8.2f} {sum(c.solved + c.replayed for c in clocks):6d} "
                  f"{sum(c.solved for c in clocks):5d} {check:<18} {before} -> {load()}", flush=True)
        for workers in real:
            before = load()
            start = time.perf_counter()
            front = pareto_front(study, names, ParetoOptions(workers=workers))
            wall = time.perf_counter() - start
            points = {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()}
            check = "front = published" if points == expected else "FRONT DIFFERS"
            print(f"  {workers:>7} {'threads':<7} {wall:8.2f} {base / wall:9.2f} {base / wall / workers:10.2f} {'':>8} "
                  f"{front.highs_runtime_s:8.2f} {front.solves:6d} {'':>5} {check:<18} {before} -> {load()}", flush=True)
    print(f"\nat end: {machine_line()}")


def _replay_wall(front: Any, clocks: list[ReplayClock]) -> float:
    """The front's time with each pool's real span replaced by its clock's (the payoff table, before any pool, counts in full)."""
    spans = sum(c.real_span for c in clocks)
    return front.runtime_s - spans + sum(c.now for c in clocks)


if __name__ == "__main__":
    main()
