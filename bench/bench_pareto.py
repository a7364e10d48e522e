"""Exact Pareto fronts: our engine versus pyaugmecon 2.0.1 (HiGHS) on the same models, and versus HiGHS's own time on its subproblems.

Needs Python >= 3.12 with pyaugmecon 2.0.1 (bench/README.md, "bench_pareto.py"). Every measurement runs in a fresh child
interpreter; times exclude imports and study generation. Nothing is asserted: targets are printed as PASS/FAIL.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MARK = "BENCH_JSON "
OBJECTIVES = {3: ("cost", "partner_value", "science_value"), 2: ("cost", "science_value")}
REFERENCE = ("cost,partnership", "cost,landing_slip", "cost,international_partners")


_IN_PYOMO = threading.local()


def count_highs_runs() -> list[tuple[float, float, bool]]:
    """Record (wall, HiGHS clock, inside a Pyomo solve) of every Highs.run() in this process, on any thread.

    getRunTime() is cumulative per Highs object: use its delta. Our direct (plain highspy) box solves call run() on the
    worker threads; Pyomo's persistent solves (payoff table, two-stage fallbacks) set a thread-local flag (time_stages).
    """
    import highspy

    calls: list[tuple[float, float, bool]] = []
    original = highspy.Highs.run

    def run(self):
        before, t0 = self.getRunTime(), time.perf_counter()
        status = original(self)
        calls.append((time.perf_counter() - t0, self.getRunTime() - before, getattr(_IN_PYOMO, "on", False)))
        return status

    highspy.Highs.run = run
    return calls


def time_stages(spent: dict[str, float]) -> None:
    """Accumulate wall time per engine stage by wrapping the functions pareto_front calls (summed over worker threads)."""
    import optimizer.pareto.box_solve as pareto_solve
    import optimizer.pareto.front as pareto
    from optimizer.solve.solver import Solver

    def wrap(owner: object, name: str, key: str, flag: bool = False) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            if flag:
                _IN_PYOMO.on = True
            try:
                return original(*args, **kwargs)
            finally:
                if flag:
                    _IN_PYOMO.on = False
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)

    for owner, name, key in ((pareto.FrontModel, "__init__", "build"), (pareto.FrontModel, "_values", "score"),
                             (pareto_solve, "set_objective", "objective"), (pareto.FrontModel, "_set_tiebreak", "objective"), (pareto, "_assemble", "assemble"),
                             (pareto._DirectSolver, "_solve", "direct")):
        wrap(owner, name, key)
    wrap(Solver, "_solve_once", "pyomo_solve", flag=True)


def load(study: str):
    from architecture.synthetic import generate_front_study

    if study.startswith("synthetic:"):
        return generate_front_study(int(study.split(":")[1]))
    from architecture import load_study

    return load_study(study)


def child_ours(study_name: str, names: list[str]) -> dict:
    from optimizer.pareto.front import ParetoOptions, pareto_front

    study = load(study_name)
    calls, spent = count_highs_runs(), {}
    time_stages(spent)
    t0 = time.perf_counter()
    front = pareto_front(study, names, ParetoOptions(threads=1))  # what `trade pareto` uses: --threads 1, workers by default
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "points": front.points[names].to_numpy().tolist(), "complete": front.complete, "subproblems": front.solves,
            "runs": len(calls), "run_wall_s": sum(c[0] for c in calls), "highs_s": sum(c[1] for c in calls),
            "pyomo_run_wall_s": sum(c[0] for c in calls if c[2]), "pyomo_runs": sum(c[2] for c in calls),
            "direct_run_wall_s": sum(c[0] for c in calls if not c[2]), "workers": front.workers, "reused": front.reused,
            "single_stage": front.single_stage, "engine_highs_runtime_s": front.highs_runtime_s, "rescues": front.rescues,
            "stages": spent, "binaries": len(study.offers)}


def child_augmecon(study_name: str, names: list[str], workers: int) -> dict:
    """Run pyaugmecon on our own Pyomo model: build_model's objective expressions as obj_list (pyaugmecon flips min ones itself)."""
    import pyomo.environ as pyo
    from pyaugmecon import PyAugmecon

    from architecture import Architecture
    from architecture.evaluate import feasible_objectives
    from optimizer.model.build import build_model
    from optimizer.model.data import to_model_data

    study = load(study_name)
    calls = count_highs_runs()  # counts only in-process runs (workers = 1)
    if workers > 1:  # pyaugmecon 2.0.1 spawns its workers but makes its counters in the default (fork) context: align them
        multiprocessing.set_start_method("spawn", force=True)
    t0 = time.perf_counter()
    m = build_model(to_model_data(study), tuple(names))
    m.del_component("objective")
    m.obj_list = pyo.ObjectiveList()
    for name in names:
        term = m.objective_terms[name]
        m.obj_list.add(expr=term.numerator, sense=pyo.minimize if term.sense == "min" else pyo.maximize)
    config = {"name": "bench", "mode": "exact", "workers": workers, "early_exit": True, "bypass": True, "flag": True,
              "solver_name": "highs", "solver_options": {"mip_rel_gap": 0.0, "threads": 1}, "objective_order": "auto_range",
              "store_decision_variables": True, "artifact_folder": tempfile.mkdtemp(prefix="bench_pareto_"), "write_csv": False,
              "progress_bar": False, "log_to_console": False}
    result = PyAugmecon(m, config).solve()
    wall = time.perf_counter() - t0
    verified = 0  # after the clock: points whose architecture our evaluator finds feasible with the same objective values
    for solution in result.solutions:
        arch = Architecture(dict(sorted(pair for pair, x in solution.variables["assign"].items() if x > 0.5)))
        values = feasible_objectives(study, arch, names)
        verified += values is not None and all(abs(values[n] - v) < 1e-6 for n, v in zip(names, solution.point, strict=True))
    return {"wall_s": wall, "points": [[float(v) for v in p] for p in result.points], "solved": result.models_solved, "verified": verified,
            "infeasible": result.models_infeasible, "grid": result.grid_point_count, "runs": len(calls),
            "highs_s": sum(c[1] for c in calls), "own_runtime_s": result.runtime_seconds}


def run_child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        raise RuntimeError(f"child {args} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len(MARK):])


def compare(ours: list, theirs: list, senses: list[int]) -> tuple[bool, int, int, int, int]:
    """Identical rounded sets? Counts only-ours, only-theirs, and how many of each no point of the other set dominates."""
    a, b = {tuple(round(v, 6) for v in p) for p in ours}, {tuple(round(v, 6) for v in p) for p in theirs}

    def dominated(p: tuple, by: set) -> bool:
        return any(q != p and all(s * x <= s * y for s, x, y in zip(senses, q, p, strict=True)) for q in by)

    only_a, only_b = a - b, b - a
    return a == b, len(only_a), len(only_b), sum(not dominated(p, b) for p in only_a), sum(not dominated(p, b) for p in only_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0,1", help="synthetic study seeds (each gives a 3- and a 2-objective problem)")
    parser.add_argument("--workers", default="1", help="pyaugmecon worker processes, e.g. 1 or 1,2 (the ratio uses the first)")
    parser.add_argument("--reference", default=str(ROOT / "inputs" / "reference"))
    parser.add_argument("--skip-augmecon", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, study, names = args.child[0], args.child[1], args.child[2].split(",")
        out = child_ours(study, names) if kind == "ours" else child_augmecon(study, names, int(args.child[3]))
        print(MARK + json.dumps(out), flush=True)
        return
    import pyaugmecon

    workers = [int(w) for w in args.workers.split(",")]
    print(f"Python {sys.version.split()[0]}, pyaugmecon {pyaugmecon.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print("ours: pareto_front(threads=1); pyaugmecon: exact mode (grid = every integer of each constrained objective's range), "
          "early exit + bypass + flags, appsi_highs, mip_rel_gap=0, threads=1\n")
    head = (f"{'problem':<22}{'bin':>4}{'ours pts':>9}{'aug pts':>8}  {'same':<5}{'only o/a':>9}{'undom o/a':>10}"
            f"{'ours s':>8}{'ours runs':>10}{'aug s':>8}{'aug runs':>9}{'grid':>6}{'aug ok':>7}{'aug/ours':>9}")
    rows: list[dict] = []
    print(head + "\n" + "-" * len(head))
    for seed in [int(s) for s in args.seeds.split(",")]:
        for p in (3, 2):
            names = OBJECTIVES[p]
            study, label = f"synthetic:{seed}", f"s{seed} {p}-obj"
            ours = run_child("ours", study, ",".join(names))
            row = {"label": label, "objectives": p, "ours": ours, "aug": {}}
            rows.append(row)
            for w in [] if args.skip_augmecon else workers:
                row["aug"][w] = run_child("augmecon", study, ",".join(names), str(w))
            if not row["aug"]:
                print(f"{label:<22}{ours['binaries']:>4}{len(ours['points']):>9}{'-':>8}  {'-':<5}{'':>19}{ours['wall_s']:>8.2f}{ours['runs']:>10}")
                continue
            senses = [1 if n == "cost" else -1 for n in names]
            for w, aug in row["aug"].items():
                same, only_o, only_a, undom_o, undom_a = compare(ours["points"], aug["points"], senses)
                row.setdefault("same", same)
                ratio = aug["wall_s"] / ours["wall_s"]
                row.setdefault("ratio", ratio)
                print(f"{label + (f' w={w}' if len(workers) > 1 else ''):<22}{ours['binaries']:>4}{len(ours['points']):>9}{len(aug['points']):>8}  "
                      f"{'yes' if same else 'NO':<5}{f'{only_o}/{only_a}':>9}{f'{undom_o}/{undom_a}':>10}{ours['wall_s']:>8.2f}{ours['runs']:>10}"
                      f"{aug['wall_s']:>8.2f}{(aug['runs'] if w == 1 else aug['solved']):>9}{aug['grid']:>6}{aug['verified']:>7}{ratio:>8.2f}x")
    print("  runs = Highs.run() calls (ours: every stage of every box, payoff table included; pyaugmecon with w>1: grid solves only);"
          "\n  only o/a = points only ours / only pyaugmecon has; undom o/a = of those, how many no point of the other set dominates"
          " (> 0: the other set misses nondominated points);\n  aug ok = pyaugmecon points whose architecture our evaluator scores"
          " feasible with the same values")

    work = [(row, row["aug"][1]) for row in rows if 1 in row.get("aug", {})]
    if work:
        print("\nHiGHS work: the sum of HiGHS's own clock over every Highs.run() (ours on both worker threads; pyaugmecon with 1 worker,"
              " in process);\n  'floor' = our HiGHS work / 2 cores, the wall no scheduling of our runs can beat; 'max x' = pyaugmecon's wall /"
              " that floor, the best ratio reachable with these runs")
        work_head = (f"{'problem':<22}{'ours HiGHS s':>13}{'ms/run':>8}{'aug HiGHS s':>12}{'ms/run':>8}{'aug wall':>9}{'aug/ours work':>14}"
                     f"{'floor s':>8}{'max x':>7}")
        print(work_head + "\n" + "-" * len(work_head))
        for row, aug in work:
            ours = row["ours"]
            floor = ours["highs_s"] / 2
            print(f"{row['label']:<22}{ours['highs_s']:>13.2f}{1000 * ours['highs_s'] / ours['runs']:>8.1f}{aug['highs_s']:>12.2f}"
                  f"{1000 * aug['highs_s'] / max(aug['runs'], 1):>8.1f}{aug['wall_s']:>9.2f}{aug['highs_s'] / ours['highs_s']:>13.2f}x"
                  f"{floor:>8.2f}{aug['wall_s'] / floor:>6.1f}x")

    print("\nWhere our time goes (s, summed over worker threads; 'pyomo' = Solver._solve_once minus its Highs.run(): persistent update,"
          " hand-off, postsolve, load_vars; 'direct' = plain-highspy box solves minus their Highs.run(): objective and bounds, scoring)")
    stage_head = (f"{'problem':<34}{'wall':>7}{'w':>3}{'HiGHS':>8}{'HiGHS/wall':>11}{'runs':>6}{'pyomo':>7}{'direct':>7}{'build':>7}{'score':>7}"
                  f"{'assemble':>9}{'ms/run':>8}{'reused':>7}{'single':>7}")
    print(stage_head + "\n" + "-" * len(stage_head))
    reference = []
    for pair in REFERENCE:
        ours = run_child("ours", args.reference, pair)
        reference.append({"label": f"ref {pair}", "ours": ours})
    for row in [*rows, *reference]:
        o, s = row["ours"], row["ours"]["stages"]
        pyomo = s.get("pyomo_solve", 0.0) - o["pyomo_run_wall_s"]
        direct = s.get("direct", 0.0) - o["direct_run_wall_s"]
        outside = pyomo + direct + sum(s.get(k, 0.0) for k in ("build", "score", "objective", "assemble")) + o["run_wall_s"] - o["highs_s"]
        print(f"{row['label']:<34}{o['wall_s']:>7.2f}{o['workers']:>3}{o['highs_s']:>8.2f}{o['highs_s'] / o['wall_s']:>11.2f}{o['runs']:>6}"
              f"{pyomo:>7.2f}{direct:>7.2f}" + "".join(f"{s.get(k, 0.0):>{w}.2f}" for k, w in (("build", 7), ("score", 7), ("assemble", 9)))
              + f"{1000 * outside / max(o['runs'], 1):>8.1f}{o['reused']:>7}{o['single_stage']:>7}")
    print("  w = worker threads; HiGHS = sum of HiGHS's own clock over every Highs.run() on every thread (the raw-HiGHS sum; > wall when\n"
          "  both cores solve); ms/run = time outside HiGHS (pyomo + direct + build + score + obj + assemble + run() wall beyond HiGHS's\n"
          "  clock) / runs; reused = boxes answered by an earlier answer without a solve; single = boxes solved in one stage")

    print("\nReference study, 2-objective fronts: our front time against the raw-HiGHS sum of the same subproblems")
    ref_head = f"{'objectives':<30}{'points':>7}{'runs':>6}{'wall s':>8}{'HiGHS s':>9}{'ratio':>7}{'engine highs_runtime_s':>24}"
    print(ref_head + "\n" + "-" * len(ref_head))
    for row in reference:
        o = row["ours"]
        row["ratio"] = o["wall_s"] / max(o["highs_s"], 1e-9)
        print(f"{row['label'][4:]:<30}{len(o['points']):>7}{o['runs']:>6}{o['wall_s']:>8.2f}{o['highs_s']:>9.3f}{row['ratio']:>7.2f}"
              f"{o['engine_highs_runtime_s']:>24.3f}")
    print("  engine highs_runtime_s = ParetoFront.highs_runtime_s as the engine reports it (a sum of cumulative getRunTime() readings)\n")

    three = [r for r in rows if r["objectives"] == 3 and "ratio" in r]
    if three:
        ok = all(r["same"] and r["ratio"] >= 10 for r in three)
        detail = ", ".join(f"{r['label']}: {r['ratio']:.2f}x, {len(r['ours']['points'])} vs {len(next(iter(r['aug'].values()))['points'])} points, "
                           f"{'identical' if r['same'] else 'NOT identical'}" for r in three)
        print(f"{'PASS' if ok else 'FAIL'}  >= 10x faster than pyaugmecon with identical point sets, 3 objectives: {detail}")
    else:
        print("N/A   >= 10x faster than pyaugmecon: run without --skip-augmecon")
    worst = max(reference, key=lambda r: r["ratio"])
    ok = worst["ratio"] <= 1.5
    detail = ", ".join(f"{r['label'][4:]} {r['ratio']:.2f}x" for r in reference)
    print(f"{'PASS' if ok else 'FAIL'}  within 1.5x the raw-HiGHS sum on the reference 2-objective fronts: {detail}")


if __name__ == "__main__":
    main()
