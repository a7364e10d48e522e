"""Phased decisions on the reference study, 4 to 64 futures: the extensive form against progressive hedging.

    python bench/bench_phased.py [--futures 4,8,16,32,64] [--iterations 100]

The futures are the reference uncertainty.toml's five (request, enacted, cut, partners_slip, esa_leaves), taken in
turn, each with its yearly envelope scaled by a share from 1.00 down to 0.90 (a budget draw), probabilities equal.
For each count it prints the wall time (model building included) and HiGHS time of the extensive form (solved by
HiGHS, proven at a relative gap of 1e-9), the wall time of progressive hedging (mpi-sppy PH on one process, then the
agreed plan priced exactly), PH's rounds, its plan's value against the extensive form's optimum, its own gap to its
bound, and the ratio of the two walls (the baseline is the extensive form measured in the same run). Run on a quiet
machine: the load and one core's speed are printed (bench/machine.py).
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import machine_line  # noqa: E402

from architecture import load_study  # noqa: E402
from architecture.uncertainty import parse_uncertainty  # noqa: E402
from optimizer.phased import HedgingOptions, PhasedModel, solve_hedging  # noqa: E402

REFERENCE = ROOT / "inputs" / "reference"


def futures_table(count: int) -> dict:
    """`count` futures: the reference file's five in turn, each round with its envelope scaled a step lower."""
    raw = tomllib.loads((REFERENCE / "uncertainty.toml").read_text())
    named = list(raw["futures"].items())
    rounds = -(-count // len(named))
    futures = {}
    for k in range(count):
        name, future = named[k % len(named)]
        share = 1.0 - 0.10 * (k // len(named)) / max(1, rounds - 1)
        changed = {key: value for key, value in future.items() if key != "probability"}
        changed["scale"] = {**future.get("scale", {}), "limits.annual_budget_musd": round(share, 4)}
        futures[f"{name}_{k // len(named)}"] = {**changed, "probability": 1.0 / count}
    total = sum(f["probability"] for f in futures.values())
    last = list(futures)[-1]
    futures[last]["probability"] += 1.0 - total  # the sum is 1 to the last bit
    return {"decide_fy": raw["decide_fy"], "risk": "expected", "futures": futures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", default="4,8,16,32,64", help="comma-separated future counts")
    parser.add_argument("--iterations", type=int, default=100, help="PH's rounds at most")
    args = parser.parse_args(argv)
    study = load_study(REFERENCE)
    print(machine_line())
    print("futures | extensive wall | extensive HiGHS | optimum US$M | PH wall | rounds | PH plan US$M | plan vs optimum | "
          "PH gap to its bound | PH / extensive wall")
    stopped = False
    for count in (int(c) for c in args.futures.split(",")):
        uncertainty = parse_uncertainty(futures_table(count), study, f"bench {count} futures")
        start = time.perf_counter()
        model = PhasedModel(study, uncertainty, "cost")
        exact = model.solve()
        ef_wall = time.perf_counter() - start
        result, hedged = solve_hedging(study, uncertainty, "cost", hedging=HedgingOptions(iterations=args.iterations))
        optimum, plan = exact.report.objective, hedged.value_musd
        stopped = stopped or not hedged.converged
        versus = "n/a" if optimum is None or plan is None else f"{(plan - optimum) / optimum:+.4%}"
        gap = "n/a" if hedged.gap is None else f"{hedged.gap:.4%}"
        print(f"{count:7d} | {ef_wall:12.2f} s | {exact.report.runtime_s:13.2f} s | {optimum:12,.1f} | {hedged.wall_s:5.2f} s | "
              f"{hedged.iterations:6d}{'' if hedged.converged else '*'} | {'n/a' if plan is None else f'{plan:12,.1f}'} | "
              f"{versus:>15} | {gap:>10} | {hedged.wall_s / ef_wall:6.1f}x", flush=True)
    if stopped:
        print("* PH stopped at its round limit without converging")
    print(machine_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
