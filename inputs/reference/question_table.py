"""Regenerate the planner-question table of README.md from the engine: `python inputs/reference/question_table.py [--check]`.

Each planner question names the command that answers it and the answer on today's data, worked out with the
same public functions the command calls. The table sits between the README's `question-table` markers;
`--check` writes nothing and exits 1 when it differs from the engine's answers (tests/test_reference.py runs it).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- question-table:start (question_table.py writes this table) -->", "<!-- question-table:end -->"
STUDY = "inputs/reference"


def _scenario_table():
    spec = importlib.util.spec_from_file_location("scenario_table", HERE / "scenario_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Answers:
    """The reference study and its runs, each solved once."""

    def __init__(self, folder: Path = HERE):
        from architecture import load_study

        self.study = load_study(folder)
        self._runs: dict[tuple[str, str], object] = {}

    def solve(self, point, objective: str = "cost"):  # noqa: ANN001, ANN201 - an architecture.SweepPoint; a RunResult
        """One what-if of the study (scenarios, then --set values, then scale factors), solved once."""
        from architecture import apply_point
        from optimizer import run_study

        key = (point.run_id, objective)
        if key not in self._runs:
            self._runs[key] = run_study(apply_point(self.study, point), objective)
        return self._runs[key]

    def run(self, scenario: str = "", objective: str = "cost", overrides: tuple[str, ...] = ()):
        from architecture import SweepPoint, parse_override

        point = SweepPoint(scenario=tuple(name for name in scenario.split(",") if name),
                           set=tuple(parse_override(text) for text in overrides))
        return self.solve(point, objective)

    def at_share(self, scenarios: str, share: float):
        """A budget-envelope scenario with its yearly envelope scaled to `share` (what examples/reference_envelope_sweep.toml sweeps)."""
        from architecture import SweepPoint

        return self.solve(SweepPoint(scenario=tuple(scenarios.split(",")), scale=(("limits.annual_budget_musd", share),)))

    def cost(self, scenario: str = "", overrides: tuple[str, ...] = ()) -> float | None:
        result = self.run(scenario, overrides=overrides)
        return result.report.objective if result.report.status == "optimal" else None

    @staticmethod
    def fmt(value: float | None) -> str:
        return "n/a" if value is None else "inf" if value == float("inf") else f"{value:,.1f}"

    def change(self, scenario: str) -> str:
        base, other = self.cost(), self.cost(scenario)
        if other is None:
            return f"infeasible ({self.run(scenario).report.status})"
        # costs only: the table answers "how much"; which architecture (one per question, the tie-break's) is in the run folder
        return f"cost {other:,.1f} US$M ({other - base:+,.1f}, {(other - base) / base:+.1%})"


def _owners(a: Answers) -> str:
    frame = a.run().evaluation.assignment_frame()
    critical = frame[frame["critical_path"]]
    parts = [f"{row.element} ({row.procurement}, built by {row.builder})" for row in critical.itertuples()]
    return f"{', '.join(sorted(set(critical['owner'])))} owns every critical-path element: " + "; ".join(parts)


def _partner(a: Answers) -> str:
    return f"ESA withdraws: {a.change('esa_withdraws')}. Every partner slips two years: {a.change('partner_slip_24m')}"


def _balance(a: Answers) -> str:
    share = a.run().evaluation.objectives["commercial_share"]
    most = a.run(objective="commercial_share").report.objective
    floor = a.study.limits.min_commercial_share
    full = a.run(overrides=("limits.min_commercial_share=1.0",)).report.status
    return (f"the cost optimum spends {share:.1%} on commercial services (floor {floor:.0%}); a floor above {share:.1%} changes the "
            f"answer, {most:.1%} is the most any architecture reaches (`--objective commercial_share`), a floor of 100% is {full}")


ENVELOPE_SHARES = (1.0, 0.25, 0.20, 0.15)


def _budget_cut(a: Answers) -> str:
    def cost(result) -> str:
        return f"{result.report.objective:,.1f}" if result.report.status == "optimal" else result.report.status

    curve = ", ".join(f"{share:.2f}: {cost(a.at_share('envelope_fy2026_request', share))}" for share in ENVELOPE_SHARES)
    plan = ", ".join(f"{share:.2f}: {cost(a.at_share('envelope_fy2025_plan', share))}" for share in (1.0, 0.55, 0.45))
    return (f"every budget cut by 20%: {a.change('budget_cut_20pct')}. The FY2026 request's envelope (Gateway ended) by share of the "
            f"exploration remainder: {curve} US$M; the FY2025 plan's: {plan} (its FY2025-28 spending has no alternative timing)")


def _open_critical_path(a: Answers) -> str:
    return f"commercial owners allowed on the critical path: {a.change('critical_path_open')}"


def _china(a: Answers) -> str:
    chosen = sorted(e for e, p in a.run("china_on_surface").architecture.assignment.items() if p == "cnsa")
    return f"China invited to the surface: {a.change('china_on_surface')}; elements China delivers: {', '.join(chosen) or 'none'}"


def _phased(a: Answers) -> str:
    """What to commit to now under the futures of uncertainty.toml, what to end, and what waits (trade phased's answer)."""
    from architecture import load_uncertainty
    from optimizer.phased import PhasedModel, information_values

    futures = load_uncertainty(HERE / "uncertainty.toml", a.study)
    model = PhasedModel(a.study, futures, "cost")
    result = model.solve()
    values = information_values(a.study, futures, result, model=model)
    everywhere = [f"{e}={p}" for e, p in result.commitments if not any((e, p) in f.walked for f in result.futures)]
    hedged = [f"{e}={p} (walked away from in {', '.join(f.name for f in result.futures if (e, p) in f.walked)})"
              for e, p in result.commitments if any((e, p) in f.walked for f in result.futures)]
    now = {e for e, _ in result.decided_now}
    waits = sorted({e for f in result.futures for e in f.architecture.assignment} - now)
    return (f"decided in FY{futures.decide_fy}, {len(futures.names)} futures: keep in every future {', '.join(everywhere)}; keep now and "
            f"walk away later if need be {'; '.join(hedged)}; end now {len(result.ended_now)} contracts "
            f"({', '.join(f'{e}={p}' for e, p in result.ended_now)}); can wait: {len(waits)} elements, chosen per future. "
            f"Expected {a.fmt(result.expected_cost_musd)}, worst {a.fmt(result.worst_cost_musd)} US$M; EVPI {a.fmt(values.evpi)}, "
            f"VSS {a.fmt(values.vss)} US$M")


#: (planner question, the command that answers it, how the answer is read off the engine)
QUESTIONS: tuple[tuple[str, str, Callable[[Answers], str]], ...] = (
    ("Who owns the critical path?", f"trade run {STUDY}", _owners),
    ("What if a partner withdraws, or slips two years?", f"trade run {STUDY} --scenario esa_withdraws (or partner_slip_24m)", _partner),
    ("Commercial versus partner balance: where does the commercial floor bite?",
     f"trade run {STUDY} --set limits.min_commercial_share=1.0; trade explain {STUDY} --set limits.min_commercial_share=1.0", _balance),
    ("What does a budget cut do?",
     f"trade run {STUDY} --scenario budget_cut_20pct; trade sweep {STUDY} --grid examples/reference_envelope_sweep.toml", _budget_cut),
    ("What does an open critical path cost (or save)?", f"trade run {STUDY} --scenario critical_path_open", _open_critical_path),
    ("China on the surface?", f"trade run {STUDY} --scenario china_on_surface", _china),
    ("What should NASA commit to now, and what can wait?", f"trade phased {STUDY} --uncertainty {STUDY}/uncertainty.toml", _phased),
)


def table(answers: Answers | None = None) -> str:
    answers = answers or Answers()
    lines = ["| question | command | answer on today's data |", "| --- | --- | --- |"]
    lines += [f"| {question} | `{command}` | {read(answers)} |" for question, command, read in QUESTIONS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md's table differs from the engine's; write nothing")
    args = parser.parse_args(argv)
    return _scenario_table().update_readme(table(), START, END, "question table", args.check, Path(__file__).name)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))  # run from a clone: the engine's packages sit two folders up
    sys.exit(main())
