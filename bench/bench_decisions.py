"""Decision support on the reference study: break-even of every offer, 10 alternatives, decisions.csv, Morris 20 x 8.

    python bench/bench_decisions.py [--repeat 3] [--workers 2]

Targets (issue 14): break-even of every offer < 15 s; 10 alternatives < 10 s; decisions.csv for all
elements < 10 s; Morris with 20 trajectories over 8 inputs on 2 cores < 60 s. Each persistent
figure is printed against a fresh build per solve measured in the same run:
- break-even: `breakeven(..., persistent=False)` builds and hands off the model again for every solve;
- alternatives and decisions: their solve count x the median time of one fresh build-and-solve of
  the study (measured here; a lower bound, the kept model also carries the slack row);
- Morris: the same 180 sample points, each solved by a fresh `run_study`, one after another.
Run on a quiet machine: the load average is printed before and after each part.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from architecture import apply_point, load_study  # noqa: E402
from architecture.sensitivity_design import load_sensitivity_design  # noqa: E402
from optimizer import run_study  # noqa: E402
from optimizer.decisions.alternatives import alternatives  # noqa: E402
from optimizer.decisions.breakeven import breakeven  # noqa: E402
from optimizer.decisions.sensitivity import plan, run_sensitivity  # noqa: E402
from optimizer.solve.study_model import StudyModel  # noqa: E402

TARGETS_S = {"breakeven": 15.0, "alternatives": 10.0, "decisions": 10.0, "morris": 60.0}


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def timed(function, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times, result


def line(label: str, times: list[float], target: float | None, baseline_s: float | None, extra: str, before: str) -> None:
    best, median = min(times), statistics.median(times)
    verdict = "" if target is None else f" | target < {target:.0f} s: {'PASS' if median < target else 'FAIL'}"
    factor = "" if baseline_s is None else f" | fresh builds {baseline_s:6.2f} s = {baseline_s / median:4.1f} x slower"
    print(f"{label:<34} best {best:6.2f} s, median {median:6.2f} s{factor}{verdict} | {extra} | load {before} -> {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    study = load_study(ROOT / "inputs" / "reference")
    print(f"reference study: {len(study.elements)} elements, {len(study.offers)} offers; {os.cpu_count()} cores; load {load()} at start")

    before = load()
    fresh_times, _ = timed(lambda: StudyModel(study, "cost").solve(), 7)
    fresh_solve = statistics.median(fresh_times)
    print(f"{'one fresh build-and-solve (cost)':<34} median {fresh_solve * 1000:6.1f} ms over 7 | load {before} -> {load()}")

    before = load()
    times, result = timed(lambda: breakeven(study, "cost"), args.repeat)
    fresh_start = time.perf_counter()
    fresh = breakeven(study, "cost", persistent=False)
    fresh_s = time.perf_counter() - fresh_start
    same = fresh.table.fillna(-1).equals(result.table.fillna(-1))
    line("break-even, every offer", times, TARGETS_S["breakeven"], fresh_s,
         f"{len(result.table)} offers, {result.solves} solves, fresh answers identical: {same}", before)

    before = load()
    times, result = timed(lambda: alternatives(study, "cost", 0.05, 10), args.repeat)
    line("10 alternatives + decisions.csv", times, TARGETS_S["alternatives"], result.solves * fresh_solve,
         f"{len(result.table) - 1} alternatives, {result.solves} solves", before)
    before = load()
    times, result = timed(lambda: alternatives(study, "cost", 0.05, 0), args.repeat)
    line("decisions.csv alone (count 0)", times, TARGETS_S["decisions"], result.solves * fresh_solve,
         f"{len(result.decisions)} elements, {result.solves} solves", before)

    design = load_sensitivity_design(ROOT / "examples" / "reference_sensitivity.toml")
    planned = plan(study, design)
    before = load()
    start = time.perf_counter()
    serial = [run_study(apply_point(study, point), planned.objective) for point in planned.sweep.points]
    serial_s = time.perf_counter() - start
    print(f"{'Morris points, fresh and serial':<34} {serial_s:6.2f} s for {len(serial)} runs | load {before} -> {load()}")
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            before = load()
            start = time.perf_counter()
            morris = run_sensitivity(study, design, Path(folder) / "sens", workers=args.workers)
            times.append(time.perf_counter() - start)
    line(f"Morris 20 x 8, {args.workers} workers", times, TARGETS_S["morris"], serial_s,
         f"{len(morris.samples)} samples, {morris.runs} runs, folder written", before)


if __name__ == "__main__":
    main()
