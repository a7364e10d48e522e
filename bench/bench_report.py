"""`trade report` at size: a 1,000-point front and a 1,000-run sweep, each < 3 s to write, < 8 MB, interactive < 2 s.

    python bench/bench_report.py [--points 1000] [--runs 1000] [--workers 2]

The front folder is written by this script (1,000 points of three objectives over the reference
study's 27 elements: the report only reads files, so the points need not come from a solve); the
sweep is a real one of the reference study (bench_sweep.py's design). Each report is written by
`optimizer.output.write_report` (timed, 3 runs, best and median) and opened from file:// in headless
Chromium (Debian's /usr/bin/chromium): interactive = from navigation until every plot has drawn.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from architecture import load_study  # noqa: E402
from optimizer.output import write_report  # noqa: E402

TARGET_WRITE_S, TARGET_MB, TARGET_INTERACTIVE_S = 3.0, 8.0, 2.0


def front_folder(folder: Path, points: int) -> Path:
    """A Pareto folder of `points` nondominated points (cost down, partnership up, slip along) over the reference elements."""
    study = load_study(ROOT / "inputs" / "reference")
    rng = random.Random(0)
    elements = list(study.elements)
    offers = {e: [p for (el, p) in study.offers if el == e] for e in elements}
    rows, pairs = [], []
    for point in range(1, points + 1):
        t = point / points
        rows.append({"point": point, "cost": round(10000 + 4000 * t, 1), "partnership": round(30 + 60 * t, 1),
                     "landing_slip": round(60 - 20 * t + rng.random(), 1), "status": "optimal"})
        pairs += [{"point": point, "element": e, "provider": rng.choice(offers[e])} for e in elements if offers[e]]
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "points.csv", index=False)
    pd.DataFrame(pairs).to_csv(folder / "assignments.csv", index=False)
    pd.DataFrame([{"optimised": "cost", "cost": 10000.0, "partnership": 30.0, "landing_slip": 60.0, "status": "optimal"}]).to_csv(
        folder / "payoff.csv", index=False)
    manifest = {"schema_version": "1.0", "kind": "pareto", "study": {"name": study.name}, "status": "complete", "method": "exact",
                "objectives": [{"name": "cost", "sense": "min", "unit": "US$M"}, {"name": "partnership", "sense": "max", "unit": "score"},
                               {"name": "landing_slip", "sense": "min", "unit": "months"}],
                "hypervolume": {"value": 1.0, "reference_point": {}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def sweep_folder(folder: Path, runs: int, workers: int) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_sweep import reference_design

    from optimizer import run_sweep

    run_sweep(load_study(ROOT / "inputs" / "reference"), reference_design(runs), folder, workers=workers)
    return folder


def measure(folder: Path, browser) -> dict:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        page_path = write_report(folder, overwrite=True)
        times.append(time.perf_counter() - start)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    start = time.perf_counter()
    page.goto(page_path.resolve().as_uri())
    page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot')).every(d => d._fullLayout) && "
                           "document.querySelectorAll('.js-plotly-plot').length > 0", timeout=60000)
    interactive = time.perf_counter() - start
    page.close()
    return {"write_best": min(times), "write_median": statistics.median(times), "mb": page_path.stat().st_size / 1e6,
            "interactive": interactive, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folders = {f"front of {args.points} points": front_folder(Path(tmp) / "front", args.points)}
        start = time.perf_counter()
        folders[f"sweep of {args.runs} runs"] = sweep_folder(Path(tmp) / "sweep", args.runs, args.workers)
        print(f"(the sweep itself: {time.perf_counter() - start:.1f} s, not counted)")
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-background-networking"])
        for label, folder in folders.items():
            r = measure(folder, browser)
            ok = r["write_median"] < TARGET_WRITE_S and r["mb"] < TARGET_MB and r["interactive"] < TARGET_INTERACTIVE_S and not r["errors"]
            print(f"{'PASS' if ok else 'FAIL'}  {label}: write best {r['write_best']:.2f} s, median {r['write_median']:.2f} s "
                  f"(< {TARGET_WRITE_S:.0f}); {r['mb']:.2f} MB (< {TARGET_MB:.0f}); interactive in Chromium {r['interactive']:.2f} s "
                  f"(< {TARGET_INTERACTIVE_S:.0f}); page errors {len(r['errors'])}")
        browser.close()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
