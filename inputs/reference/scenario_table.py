"""Regenerate the scenario table of README.md from the engine: `python inputs/reference/scenario_table.py [--check]`.

Solves the base case and every named scenario of study.toml with the study's first objective, and writes the
table between the README's `scenario-table` markers. `--check` writes nothing and exits 1 when the README's
table differs from what the engine gives today (tests/test_reference.py runs it), so the table cannot drift.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- scenario-table:start (scenario_table.py writes this table) -->", "<!-- scenario-table:end -->"


def scenario_rows(folder: Path = HERE) -> list[dict[str, object]]:
    """One row per case (base first, then study.toml's scenarios in order): name, description, status, objective value."""
    from architecture import apply_scenarios, load_study
    from optimizer import run_study

    study = load_study(folder)
    rows = []
    for name in ("", *study.scenarios):
        variant = apply_scenarios(study, name) if name else study
        result = run_study(variant)
        rows.append({
            "scenario": name or "base",
            "description": study.scenarios[name].description if name else "the study as written",
            "status": result.report.status,
            "feasible": result.evaluation is not None and result.evaluation.feasible,
            "value": result.evaluation.objectives[result.objective.name] if result.evaluation is not None else None,
            "objective": result.objective.name,
            "unit": result.objective.display_unit,
        })
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """The markdown table: scenario, what changes, status, objective value and change from the base case."""
    base = rows[0]["value"]
    objective, unit = rows[0]["objective"], rows[0]["unit"]
    lines = [f"| scenario | what changes | status | {objective} ({unit}) | change |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        value = row["value"]
        shown = "" if value is None else f"{value:,.1f}"
        change = "" if value is None or base is None or row is rows[0] else f"{value - base:+,.1f} ({(value - base) / base:+.1%})"
        name = row["scenario"] if row is rows[0] else f"`{row['scenario']}`"
        lines.append(f"| {name} | {row['description']} | {row['status']} | {shown} | {change} |")
    return "\n".join(lines)


def with_table(readme: str, text: str, start_marker: str = START, end_marker: str = END) -> str:
    """The README with `text` between the markers (the scenario table's unless given); ValueError if they are missing."""
    head, start, rest = readme.partition(start_marker)
    _, end, tail = rest.partition(end_marker)
    if not start or not end:
        raise ValueError(f"{README.name} lacks the markers {start_marker} ... {end_marker}")
    return f"{head}{start_marker}\n{text}\n{end_marker}{tail}"


def update_readme(text: str, start: str, end: str, what: str, check: bool, script: str) -> int:
    """Put `text` between the README's markers atomically, or with `check` only say (exit 1) when it differs."""
    current = README.read_text(encoding="utf-8")
    updated = with_table(current, text, start, end)
    if check:
        if updated != current:
            print(f"{README}: the {what} is out of date; run python {script} to regenerate it", file=sys.stderr)
            return 1
        return 0
    if updated != current:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=HERE, delete=False, suffix=".tmp") as handle:
            handle.write(updated)
        os.replace(handle.name, README)
        print(f"wrote the {what} of {README}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table differs from the engine's; write nothing")
    args = parser.parse_args(argv)
    return update_readme(table(scenario_rows()), START, END, "scenario table", args.check, Path(__file__).name)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))  # run from a clone: the engine's packages sit two folders up
    sys.exit(main())
