"""One MOMKP front timed on this engine and on an older commit, each with two highspy releases, alternated in one run.

    python bench/bench_baseline.py [--instance 3kp40] [--data DIR] [--old 87e2e41] [--new HEAD] [--rounds 2]
                                   [--python NAME=PATH ...] [--only ENGINE/HIGHS,...]

Issue 24: 3kp40 took 41 s when issue 16 was filed (commit 87e2e41, highspy 1.15.1), 51.5 s in issue 16's closing
figure and 62 s on main with highspy 1.16. This script names the cause: every combination of engine (`old` and `new`,
two commits, each exported with `git archive` into a temporary folder, so editing the tree cannot change a run) and interpreter
(`--python NAME=PATH`, each a virtual environment with the other dependencies at the same versions and its own
highspy) runs the same front in a fresh child, the combinations interleaved round after round so that a drift of the
machine lands on all of them. Each child prints wall time, HiGHS's own time summed over every run, solves and points,
and checks the front against the published one. The baseline is `new` on the first `--python`: every other line prints
its ratio to it, wall and HiGHS time apart (HiGHS time moves with the solver, wall minus HiGHS / workers with the engine).
The instance is built by `architecture/momkp.py` of this working tree, loaded by path, on the classes of the engine
under test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from machine import load, machine_line

ROOT = Path(__file__).resolve().parents[1]
MARK = "BENCH_JSON "



def child(tree: str, folder: str) -> None:
    """In a fresh interpreter: the front of the instance in `folder` on the engine in `tree`."""
    sys.path.insert(0, tree)
    spec = importlib.util.spec_from_file_location("bench_momkp", ROOT / "architecture" / "momkp.py")
    momkp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(momkp)
    import architecture

    if not Path(architecture.__file__).resolve().is_relative_to(Path(tree).resolve()):
        sys.exit(f"the engine was imported from {architecture.__file__}, not from {tree}")
    try:
        from optimizer.pareto.front import ParetoOptions, pareto_front
    except ModuleNotFoundError:  # before the layout change: one module
        from optimizer.pareto import ParetoOptions, pareto_front
    import highspy

    study = momkp.momkp_study(Path(folder))
    names = list(study.objectives)
    start = time.perf_counter()
    front = pareto_front(study, names, ParetoOptions())
    wall = time.perf_counter() - start
    points = {tuple(float(row[n]) for n in names) for _, row in front.points.iterrows()}
    print(MARK + json.dumps({"wall_s": wall, "highs_s": front.highs_runtime_s, "solves": front.solves, "points": len(points),
                             "published": points == momkp.published_front(Path(folder)), "complete": front.complete,
                             "highs": highspy.Highs().version(), "workers": 2}), flush=True)


def run_child(python: str, tree: str, folder: Path) -> dict:
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--child", tree, str(folder)], capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        tail = proc.stderr.strip().splitlines()
        sys.exit(f"child {python} on {tree} failed: {tail[-1] if tail else proc.returncode}")
    return json.loads(lines[-1][len(MARK):])


def export(commit: str, into: Path, name: str) -> Path:
    """The commit's files (git archive) in into/name: engines run side by side without touching the repository."""
    archive = into / f"{name}.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / name, filter="data")
    return into / name


def short(commit: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", commit], capture_output=True, text=True, check=True).stdout.strip()


def default_data() -> Path:
    try:
        from importlib import resources

        return Path(str(resources.files("pyaugmecon").joinpath("data")))
    except ModuleNotFoundError:
        sys.exit("no MOMKP data: pass --data DIR (unzip pyaugmecon 2.0.1's wheel: pyaugmecon/data)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="3kp40")
    parser.add_argument("--data", default=None)
    parser.add_argument("--old", default="87e2e41", help="the commit to compare with (87e2e41: when issue 16 measured 41 s)")
    parser.add_argument("--new", default="HEAD", help="the commit measured against it (default: HEAD)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--python", action="append", default=None,
                        help="NAME=PATH of an interpreter (a venv with one highspy); repeat. Default: this interpreter")
    parser.add_argument("--only", default=None, help="combinations to run, e.g. new/1.16,old/1.15 (default: all)")
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = (Path(args.data) if args.data else default_data()) / args.instance
    pythons = dict(item.split("=", 1) for item in (args.python or [f"this={sys.executable}"]))
    with tempfile.TemporaryDirectory(prefix="bench_baseline_") as tmp:
        trees = {"new": str(export(args.new, Path(tmp), "new")), "old": str(export(args.old, Path(tmp), "old"))}
        combos = [(engine, name) for name in pythons for engine in trees]
        if args.only:
            wanted = {tuple(item.split("/")) for item in args.only.split(",")}
            combos = [combo for combo in combos if combo in wanted]
        print(f"{args.instance}: engine new = {short(args.new)}, old = {short(args.old)}; interpreters {pythons}")
        print(f"at start: {machine_line()}")
        results: dict[tuple[str, str], list[dict]] = {combo: [] for combo in combos}
        for round_ in range(args.rounds):
            order = combos if round_ % 2 == 0 else combos[::-1]
            for engine, name in order:
                before = load()
                out = run_child(pythons[name], trees[engine], folder)
                results[(engine, name)].append(out)
                print(f"  round {round_ + 1} {engine:<3} {name:<6} HiGHS {out['highs']:<7} wall {out['wall_s']:7.2f} s  HiGHS time "
                      f"{out['highs_s']:7.2f} s  {out['solves']:4d} solves  {out['points']:4d} points  "
                      f"{'front = published' if out['published'] else 'FRONT DIFFERS'}  load {before} -> {load()}", flush=True)
    base = combos[0]
    med = {combo: {key: statistics.median(r[key] for r in runs) for key in ("wall_s", "highs_s", "solves")}
           for combo, runs in results.items()}
    print(f"\nmedians over {args.rounds} rounds; ratios against {base[0]}/{base[1]}")
    print(f"{'engine':<6} {'python':<7} {'wall s':>8} {'HiGHS s':>8} {'solves':>7} {'wall-HiGHS/2':>13} {'wall x':>7} {'HiGHS x':>8}"
          f" {'ms HiGHS/solve':>15}")
    for combo, m in med.items():
        over = m["wall_s"] - m["highs_s"] / 2
        print(f"{combo[0]:<6} {combo[1]:<7} {m['wall_s']:8.2f} {m['highs_s']:8.2f} {m['solves']:7.0f} {over:13.2f} "
              f"{m['wall_s'] / med[base]['wall_s']:7.2f} {m['highs_s'] / med[base]['highs_s']:8.2f} {1000 * m['highs_s'] / m['solves']:15.1f}")
    print(f"at end: {machine_line()}")


if __name__ == "__main__":
    main()
