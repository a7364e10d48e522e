"""Schedule confidence on the reference study: Monte Carlo speed, a chance-constrained run, cost-versus-confidence fronts.

    python bench/bench_confidence.py [--repeat 5]

Targets (issue 12): the Monte Carlo of the reference optimum at 100,000 samples < 1 s (samples per second printed,
against numpy drawing the same random numbers in one call); a chance-constrained reference run with
confidence_samples = 200 < 30 s (against the same run without the confidence limit, and HiGHS's own time); the
cost-versus-landing-confidence front of the reference study < 120 s (and the harder front of every milestone at once).
Run it on a quiet machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from architecture import apply_overrides, load_study  # noqa: E402
from architecture.schedule_confidence import schedule_confidence  # noqa: E402
from optimizer import run_study  # noqa: E402
from optimizer.pareto.front import ParetoOptions, pareto_front  # noqa: E402

LIMIT = "limits.milestone_confidence.surface_outpost=0.7"


def timed(call, repeat: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return times, out


def spread(times: list[float]) -> str:
    return f"min {min(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at start")
    study = load_study(ROOT / "inputs" / "reference")
    optimum = run_study(study).architecture

    samples = 100_000
    times, simulated = timed(lambda: schedule_confidence(study, optimum, samples, 0), args.repeat)
    chosen = len(optimum.assignment)
    raw, _ = timed(lambda: (np.random.default_rng(0).standard_normal((samples, chosen)), np.random.default_rng(1).random((samples, chosen))),
                   args.repeat)
    best = min(times)
    verdict = "PASS" if best < 1.0 else "FAIL"
    print(f"Monte Carlo, reference optimum ({chosen} offers), {samples:,} samples: {spread(times)}; "
          f"{samples / best:,.0f} samples/s; {best / min(raw):.1f}x numpy drawing the same normals and uniforms in one call "
          f"({min(raw):.3f} s). {verdict} (< 1 s)")

    limited = apply_overrides(study, [LIMIT])
    times, result = timed(lambda: run_study(limited), max(1, args.repeat // 2))
    base_times, base = timed(lambda: run_study(study), max(1, args.repeat // 2))
    verdict = "PASS" if min(times) < 30.0 and result.report.status == "optimal" else "FAIL"
    print(f"chance-constrained run ({LIMIT}, 200 samples): {spread(times)}, {result.report.status}, HiGHS {result.report.runtime_s:.3f} s; "
          f"{min(times) / min(base_times):.1f}x the run without the limit ({min(base_times):.3f} s). {verdict} (< 30 s)")

    for names in (["cost", "landing_confidence"], ["cost", "milestone_confidence"]):
        start = time.perf_counter()
        front = pareto_front(study, names, ParetoOptions())
        wall = time.perf_counter() - start
        verdict = "PASS" if wall < 120.0 and front.complete else "FAIL"
        print(f"front {','.join(names)}: {len(front.points)} points, {front.solves} solves, {wall:.2f} s wall, HiGHS {front.highs_runtime_s:.2f} s, "
              f"{front.workers} workers, method {front.method}. {verdict} (< 120 s)")
    print(f"load {os.getloadavg()[0]:.1f} at end; out-of-sample landing confidence of the optimum: "
          f"{float(simulated.confidence_frame().set_index('milestone').loc['first_crewed_landing', 'p_meet']):.3f}")


if __name__ == "__main__":
    main()
