"""Throughput of what-if sweeps: local pool vs a serial loop, and a 2-worker vs a 1-worker local Dask cluster.

    python bench/bench_sweep.py [--runs 1000] [--workers 2] [--study inputs/reference]

The design is a grid of the reference study: annual-budget factor x provider withdrawal x cargo
lander slip (10 x 10 x 10 = 1,000 what-ifs; --runs N takes the first N). Every execution solves
the same runs with the same options; the script checks that the result tables are identical
(timing columns aside) and prints runs per second and the ratios. Targets (issue 5): 1,000 runs
in under 60 s on 2 cores; Dask with 2 workers at least 1.7x one worker. First, the engine's time beyond
HiGHS's own on each run that re-solves a kept model (issue 10: <= 5 ms per run on the reference study).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from architecture import SweepDesign, SweepPoint, load_study  # noqa: E402
from optimizer import run_sweep  # noqa: E402
from optimizer.sweep.runner import TIMING_COLUMNS, default_workers  # noqa: E402

TARGET_POOL_S = 60.0
TARGET_DASK_RATIO = 1.7
# blue_origin stays: the slip axis changes its offer (withdrawing it would make every slip run `invalid`)
WITHDRAWALS = ["", "esa", "jaxa", "csa", "mbrsc", "asi", "spacex", "northrop_grumman", "intuitive_machines", "astrobotic"]


def reference_design(runs: int) -> SweepDesign:
    design = SweepDesign.from_dict({
        "sweep": {"objective": "cost"},
        "grid": {
            "remove_providers": WITHDRAWALS,
            "offers[element=cargo_lander_heavy,provider=blue_origin].slip_months": [49.0 + 3.0 * i for i in range(10)],
            "scale": {"limits.annual_budget_musd": [round(0.8 + 0.05 * i, 2) for i in range(10)]},
        },
    }, source="bench")
    return replace(design, points=design.points[:runs])


def tiny_design(runs: int) -> SweepDesign:
    budgets = [3500.0 + 25.0 * i for i in range(max(1, runs // 4 + 1))]
    design = SweepDesign.from_dict({"grid": {"limits.total_budget_musd": budgets, "scenario": ["", "esa_withdraws"],
                                             "remove_providers": ["", "cnsa"]}}, source="bench")
    return replace(design, points=design.points[:runs])


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def cpu_s() -> float:
    """CPU seconds of this process and of its finished (joined) children: the local pool's workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def dask_cpu_s(client) -> float:
    """CPU seconds of every Dask worker process so far."""
    def used() -> float:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    return sum(client.run(used).values())


def timed(label: str, client=None, **kwargs) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (ours and our workers') and the sweep."""
    before, cpu0, dask0 = load_average(), cpu_s(), dask_cpu_s(client) if client is not None else 0.0
    start = time.perf_counter()
    result = run_sweep(**kwargs, scheduler=client) if client is not None else run_sweep(**kwargs)
    seconds = time.perf_counter() - start
    cpu = cpu_s() - cpu0 + (dask_cpu_s(client) - dask0 if client is not None else 0.0)
    runs = len(result.design.points)
    print(f"  {label:<30} {seconds:7.1f} s {runs / seconds:6.1f} runs/s | CPU {cpu:6.1f} s | load {before:.1f} -> {load_average():.1f} | "
          f"{result.counts()}", flush=True)
    return seconds, cpu, result


def same(a, b) -> bool:
    return a.table.drop(columns=list(TIMING_COLUMNS)).equals(b.table.drop(columns=list(TIMING_COLUMNS)))


def on_dask(study, design, workers: int) -> tuple[float, object]:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("optimizer.sweep.runner"))  # imports paid before the clock starts, as for a long-lived cluster
        return timed(f"Dask, {workers} worker(s)", client=client, study=study, design=design)


TARGET_REUSE_MS = 5.0


def reuse_overhead(study, runs: int) -> None:
    """Engine time beyond HiGHS's own per re-solved run: a serial sweep changing only limits the kept model holds as Params."""
    import statistics

    points = [SweepPoint(scale=(("limits.total_budget_musd", round(0.8 + 0.4 * i / runs, 4)), ("limits.annual_budget_musd", round(1.2 - 0.3 * i / runs, 4))))
              for i in range(runs)]
    records: list[dict] = []
    before = load_average()
    run_sweep(study, SweepDesign.from_points(points, source="bench"), workers=1, on_record=records.append)
    kept = sorted(records, key=lambda r: r["run"])[1:]  # the first run builds the model
    over = [(r["wall_s"] - r["highs_s"]) * 1000 for r in kept]
    median, mean = statistics.median(over), statistics.mean(over)
    print(f"re-use: {len(kept)} re-solved runs of {study.name} (total and annual budgets changed), load {before:.1f} -> {load_average():.1f}")
    print(f"  per run: wall {statistics.median(r['wall_s'] for r in kept) * 1000:.1f} ms, HiGHS {statistics.median(r['highs_s'] for r in kept) * 1000:.1f} ms "
          f"(medians); beyond HiGHS: median {median:.2f} ms, mean {mean:.2f} ms, max {max(over):.2f} ms")
    print(f"{'PASS' if median <= TARGET_REUSE_MS else 'FAIL'}  overhead beyond HiGHS <= {TARGET_REUSE_MS:.0f} ms per re-solved run: median {median:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="local pool size and Dask workers of the parallel runs")
    parser.add_argument("--study", default="inputs/reference", help="study folder, relative to the repo root")
    parser.add_argument("--reuse-runs", type=int, default=300, help="re-solved runs of the re-use overhead measurement (0: skip)")
    parser.add_argument("--reuse-only", action="store_true", help="only the re-use overhead measurement")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    path = ROOT / args.study
    study = load_study(path)
    if args.reuse_runs:
        reuse_overhead(study, args.reuse_runs)
    if args.reuse_only:
        return
    design = reference_design(args.runs) if path.name == "reference" else tiny_design(args.runs)
    print(f"{len(design.points)} what-ifs of {args.study}; {default_workers()} cores; load average {load_average():.1f} at start "
          "(other processes on the machine take cores from the parallel runs: compare with the load printed per line)")

    print("local:")
    serial_s, serial_cpu, serial = timed("serial loop (1 process)", study=study, design=design, workers=1)
    pool_s, pool_cpu, pool = timed(f"local pool, {args.workers} processes", study=study, design=design, workers=args.workers)
    print("Dask LocalCluster (processes, 1 thread each, loopback):")
    dask1_s, dask1_cpu, dask1 = on_dask(study, design, 1)
    dask2_s, dask2_cpu, dask2 = on_dask(study, design, args.workers)

    n = len(design.points)
    per_run = serial.table["wall_s"].mean()
    solve = serial.table["solve_s"].mean()
    print(f"per run (serial): {per_run * 1000:.0f} ms wall, of which {solve * 1000:.0f} ms in the solve call (hand-off + HiGHS)")
    print("measured (wall clock, whatever else runs on the machine):")
    print(f"  local pool vs serial loop: {serial_s / pool_s:.2f}x  ({n / pool_s:.1f} vs {n / serial_s:.1f} runs/s)")
    scaled = pool_s * 1000 / n
    print(f"  1,000 runs on the pool: {scaled:.1f} s (target < {TARGET_POOL_S:.0f} s: {'met' if scaled < TARGET_POOL_S else 'MISSED'})")
    ratio = dask1_s / dask2_s
    print(f"  Dask {args.workers} workers vs 1: {ratio:.2f}x (target >= {TARGET_DASK_RATIO}: {'met' if ratio >= TARGET_DASK_RATIO else 'MISSED'})")
    # CPU seconds do not depend on other load: with the cores free, wall = CPU / workers (pool start-up included in CPU)
    print(f"CPU time (independent of other load): serial {serial_cpu:.1f} s, pool {pool_cpu:.1f} s, Dask 1 {dask1_cpu:.1f} s, "
          f"Dask {args.workers} {dask2_cpu:.1f} s")
    print(f"  parallel work overhead: pool {pool_cpu / serial_cpu:.2f}x serial CPU, Dask {args.workers} {dask2_cpu / dask1_cpu:.2f}x Dask 1 CPU")
    print(f"  on {args.workers} free cores: pool ~{pool_cpu / args.workers * 1000 / n:.0f} s per 1,000 runs "
          f"({serial_cpu / (pool_cpu / args.workers):.2f}x serial), Dask {args.workers} vs 1 ~{dask1_cpu / (dask2_cpu / args.workers):.2f}x")
    identical = same(serial, pool) and same(serial, dask1) and same(serial, dask2)
    print(f"identical result tables (serial, pool, Dask 1, Dask {args.workers}): {identical}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
