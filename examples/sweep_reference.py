"""Worked example: what-ifs on the reference study with the same functions the `trade` command uses.

    python examples/sweep_reference.py [OUT_DIR]

Solves the base case and one named what-if, runs the sweep of examples/reference_sweep.toml
(budget x partner withdrawal x lander slip) into OUT_DIR/sweep (resumable: run it twice and the
second run only reads), reads the sweep folder back into pandas, and runs the N-1 test.
docs/scripting.md walks through it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from architecture import apply_overrides, apply_scenarios, check_study, load_study, load_sweep_design
from optimizer import read_tables, run_stress, run_study, run_sweep

HERE = Path(__file__).resolve().parent
STUDY = HERE.parent / "inputs" / "reference"


def main(out: Path) -> None:
    study = load_study(STUDY)

    # one what-if, as `trade run inputs/reference --scenario esa_withdraws --set limits.total_budget_musd=21000`
    what_if = apply_overrides(apply_scenarios(study, "esa_withdraws"), ["limits.total_budget_musd=21000"])
    assert not [issue for issue in check_study(what_if) if issue.severity == "error"]
    base, esa_out = run_study(study, "cost"), run_study(what_if, "cost")
    print(f"base: {base.report.status}, cost {base.report.objective:,.1f} US$M")
    print(f"ESA withdraws, total budget 21,000: {esa_out.report.status}, cost {esa_out.report.objective:,.1f} US$M")

    # a sweep, as `trade sweep inputs/reference --grid examples/reference_sweep.toml --out OUT/sweep`
    design = load_sweep_design(HERE / "reference_sweep.toml")
    result = run_sweep(study, design, out / "sweep", workers=2)
    print(f"sweep: {len(result.table)} runs ({result.resumed} already done), by status {result.counts()}")

    # read the folder back (any result folder: run, pareto, sweep, stress) and summarise it
    runs = read_tables(out / "sweep")["runs"]
    runs["partner_out"] = runs["remove_providers"].replace("", "none")
    table = runs.pivot_table(index="partner_out", columns="scale:limits.line_annual_budget_musd", values="cost", aggfunc="max")
    print("worst cost (US$M) over the lander slips, by partner withdrawal and budget-line factor:")
    print(table.round(1).to_string())

    # the N-1 test, as `trade stress inputs/reference --kinds international`
    stress = run_stress(study, "cost", kinds=("international",), workers=1)  # 6 re-solves: not worth starting processes
    for row in stress.table.itertuples():
        print(f"without {row.provider:<6} {row.status:<10} recovery {row.recovery_cost:>8,.1f} US$M  {row.moved or 'nothing moves'}")


if __name__ == "__main__":  # required: the sweep's worker processes import this file
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results") / "reference" / "example")
