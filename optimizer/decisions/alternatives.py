"""Near-optimal alternatives and the decisions that hold within a slack of the optimum (MGA-style, on one kept model).

Within `slack` of the optimum (a row on the objective), each alternative maximises the number of
decisions (element -> provider) that no earlier alternative made. Then, element by element, one
MILP proves whether the optimum's choice holds within the slack, and further ones find every other
provider some architecture within the slack uses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.core as pyo

from architecture import Architecture, Issue, Study, StudyError
from architecture.evaluate import evaluate
from optimizer.model.build import set_objective
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm
from optimizer.solve.cluster import kept as cluster_copy
from optimizer.solve.cluster import on_cluster
from optimizer.solve.solver import SolveOptions, SolveReport
from optimizer.solve.study_model import StudyModel

PROBE = "__alternatives_probe__"
ALTERNATIVE_COLUMNS = ["alternative", "objective_value", "gap", "distance", "new_decisions"]
DECISION_COLUMNS = ["element", "provider_in_optimum", "holds_within_slack", "other_providers"]


@dataclass(frozen=True)
class Alternatives:
    """The optimum (alternative 0) and the alternatives within the slack, with the decisions that hold.

    `table`: alternative, objective_value, gap (relative distance from the optimum's value), distance
    (elements assigned differently from the optimum, left out or added included), new_decisions.
    `assignments`: alternative, element, provider. `decisions`: element, provider_in_optimum ("" when
    the optimum leaves it out), holds_within_slack (proven), other_providers (";"-separated, proven).
    """

    study: Study
    objective: Any
    slack: float
    count: int
    status: str
    optimum: float | None
    table: pd.DataFrame
    assignments: pd.DataFrame
    decisions: pd.DataFrame
    solves: int
    runtime_s: float
    report: SolveReport | None = None
    report_options: SolveOptions = SolveOptions()


def check_flags(slack: float, count: int) -> None:
    """A one-line StudyError for a slack outside 0-1 or a negative count."""
    if not 0.0 <= slack <= 1.0:
        raise StudyError(Issue("--slack", f"must be a fraction between 0 and 1 (got {slack})", "wrong_type"))
    if count < 0:
        raise StudyError(Issue("--count", f"must be 0 or more (got {count})", "wrong_type"))


def _pairs(arch: Architecture) -> set[tuple[str, str]]:
    return set(arch.assignment.items())


def _distance(a: Architecture, b: Architecture) -> int:
    left, right = dict(a.assignment), dict(b.assignment)
    return sum(left.get(e) != right.get(e) for e in set(left) | set(right))


class _Slack:
    """The kept model with the objective held within the slack of its optimum; probes other objectives on it."""

    def __init__(self, model: StudyModel, optimum: float, slack: float):
        self.model, self.m = model, model.m
        term = self.m.objective_terms[model.spec.name]
        width = slack * abs(optimum)
        if term.is_ratio:  # N/D >= r  <=>  N - r D >= 0 (D >= 0), and the same for <=
            bound = optimum - width if term.sense == "max" else optimum + width
            expr = term.numerator - bound * term.denominator
            self.m.alternatives_bound = pyo.Constraint(expr=expr >= 0 if term.sense == "max" else expr <= 0)
        elif term.sense == "min":
            self.m.alternatives_bound = pyo.Constraint(expr=term.numerator <= optimum + width)
        else:
            self.m.alternatives_bound = pyo.Constraint(expr=term.numerator >= optimum - width)
        model.solver.update_rows([self.m.alternatives_bound])
        self.solves, self.optimum, self.slack = 0, optimum, slack

    def best(self, expr: Any, sense: str) -> tuple[float | None, Architecture | None]:
        """Optimise `expr` within the slack: its optimum and an architecture attaining it (None, None when none exists)."""
        self.m.objective_terms[PROBE] = ObjectiveTerm(PROBE, sense, "decisions", expr)
        set_objective(self.m, PROBE)
        report = self.model.solver.solve(self.m)
        self.solves += report.iterations
        if not report.has_solution or report.objective is None:
            return None, None
        return round(report.objective), extract_architecture(self.m, self.model.data)


def alternatives(study: Study, objective: str | None = None, slack: float = 0.05, count: int = 10,
                 options: SolveOptions | None = None, scheduler: Any = None) -> Alternatives:
    """The optimum and up to `count` alternatives within `slack` (a fraction of the optimum's value), and the decisions that hold.

    The alternatives are found one after the other (each needs the ones before); with a Dask `scheduler` (address or
    Client) the decisions of the elements, independent solves, run on the cluster.
    """
    check_flags(slack, count)
    start = time.perf_counter()
    model = StudyModel(study, objective, options)
    spec = model.spec
    first = model.solve()
    empty = pd.DataFrame(columns=ALTERNATIVE_COLUMNS), pd.DataFrame(columns=["alternative", "element", "provider"])
    if not first.has_solution or first.report.objective is None or first.architecture is None:
        return Alternatives(study, spec, slack, count, str(first.report.status), None, *empty, pd.DataFrame(columns=DECISION_COLUMNS),
                            first.report.iterations, time.perf_counter() - start, first.report, model.options)
    optimum = first.report.objective
    probe = _Slack(model, optimum, slack)
    assign = model.m.assign_by_offer
    found = [first.architecture]
    used = _pairs(first.architecture)
    rows = [(0, optimum, 0.0, 0, len(used))]
    while len(found) <= count:
        fresh = [pair for pair in model.data.offers if pair not in used]
        if not fresh:
            break
        new, arch = probe.best(pyo.quicksum(assign[pair] for pair in fresh), "max")
        if arch is None or not new:
            break
        value = evaluate(study, arch).objectives[spec.name]
        rows.append((len(found), value, abs(value - optimum) / max(abs(optimum), 1e-12), _distance(arch, first.architecture), int(new)))
        found.append(arch)
        used |= _pairs(arch)
    table = pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
    assignments = pd.DataFrame([(k, e, p) for k, arch in enumerate(found) for e, p in sorted(arch.assignment.items())],
                               columns=["alternative", "element", "provider"])
    decisions, remote_solves = _decisions(study, model, probe, first.architecture, found, scheduler)
    return Alternatives(study, spec, slack, count, str(first.report.status), optimum, table, assignments, decisions,
                        first.report.iterations + probe.solves + remote_solves, time.perf_counter() - start, first.report, model.options)


def _decisions(study: Study, model: StudyModel, probe: _Slack, optimum: Architecture, found: list[Architecture],
               scheduler: Any = None) -> tuple[pd.DataFrame, int]:
    """Per element: does the optimum's choice hold within the slack (proven), and which other providers does some architecture use.

    With a Dask `scheduler`, the elements are settled on the cluster, each worker thread on its own copy of the kept
    model within the slack; the same table. Also returns the solves the cluster took.
    """
    data = model.data
    chosen = dict(optimum.assignment)
    seen: dict[str, set[str]] = {e: set() for e in data.elements}
    moved = set()  # elements some known architecture within the slack gives another provider or leaves out (or adds)
    for arch in found:
        current = dict(arch.assignment)
        for e in data.elements:
            if current.get(e) != chosen.get(e):
                moved.add(e)
            if e in current and current[e] != chosen.get(e):
                seen[e].add(current[e])
    items = [(e, chosen.get(e), e in moved, seen[e]) for e in data.elements]
    if scheduler is not None:
        shared = (study, model.spec.name, model.options, probe.optimum, probe.slack)
        answers = on_cluster(scheduler, _settled_on_cluster, shared, items)
        return pd.DataFrame([row for row, _ in answers], columns=DECISION_COLUMNS), sum(n for _, n in answers)
    return pd.DataFrame([element_decision(probe, *item) for item in items], columns=DECISION_COLUMNS), 0


def element_decision(probe: _Slack, e: str, mine: str | None, moved: bool, seen: set[str]) -> tuple[str, str, bool, str]:
    """One element's row of decisions.csv: whether the optimum's provider `mine` holds, and every other provider used.

    `moved`: a known architecture within the slack already decides it otherwise; `seen`: the providers known to be used.
    """
    assign, pairs, seen = probe.m.assign_by_offer, probe.model.data.offers_of_element[e], set(seen)
    if not moved and pairs:
        if mine is not None:  # holds unless an architecture within the slack does without (e, mine)
            value, arch = probe.best(assign[e, mine], "min")
            holds = value is not None and value >= 1
        else:  # left out in the optimum: holds unless one within the slack includes it
            value, arch = probe.best(pyo.quicksum(assign[pair] for pair in pairs), "max")
            holds = value is None or value <= 0
        if not holds and arch is not None and e in arch.assignment and arch.assignment[e] != mine:
            seen.add(arch.assignment[e])
    else:
        holds = not pairs or not moved
    while True:  # every other provider: find one more until no architecture within the slack uses an unseen one
        candidates = [pair for pair in pairs if pair[1] != mine and pair[1] not in seen]
        if not candidates:
            break
        value, arch = probe.best(pyo.quicksum(assign[pair] for pair in candidates), "max")
        if value is None or value <= 0 or arch is None:
            break
        seen.add(arch.assignment[e])
        holds = False
    return (e, mine or "", bool(holds), ";".join(sorted(seen)))


def _settled_on_cluster(token: str, shared: tuple[Any, ...], items: list[tuple[Any, ...]]) -> list[tuple[tuple, int]]:
    """On a Dask worker: the decisions of a batch of elements on this thread's kept model, each with the solves it took."""
    study, objective, options, optimum, slack = shared
    probe = cluster_copy(token, lambda: _Slack(StudyModel(study, objective, options), optimum, slack))
    answers = []
    for item in items:
        before = probe.solves
        row = element_decision(probe, *item)
        answers.append((row, probe.solves - before))
    return answers
