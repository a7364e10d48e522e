"""Solving the extensive form: what to commit now, each future's recourse, scored by the evaluator.

The live model stays here; PhasedResult is data. Each future's architecture is scored in that future's study by the
independent evaluator, plus the termination liabilities of the commitments it walks away from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pyomo.core as pyo

from architecture import Architecture, Study, Uncertainty, awarded_before, committed_now
from architecture.evaluate import feasible_objectives
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm
from optimizer.phased.extensive import FutureBlock, Liabilities, Pair, build_extensive_form, later_decisions, liabilities
from optimizer.solve.solver import SolveOptions, Solver, SolveReport

#: the extensive form is solved to this relative gap at most: its answer is compared with brute force and EVPI/VSS
PHASED_REL_GAP = 1e-9
PHASED = "__phased__"


@dataclass(frozen=True)
class FuturePlan:
    """One future's recourse: its architecture, the commitments it walks away from, and its cost (US$M, evaluator)."""

    name: str
    probability: float
    architecture: Architecture | None
    walked: tuple[Pair, ...]  # commitments it does not use, and contracts already held that are ended now
    cost_musd: float | None  # the objective in that future's study plus the liabilities of what it walks away from
    committed_later: tuple[tuple[str, Pair], ...] = ()  # (decision point, offer) committed at later decision points on its way
    liabilities_musd: float = 0.0  # what walking away from commitments and ending held contracts costs in it


@dataclass(frozen=True)
class PhasedResult:
    """What to commit now and what each future then does; the risk measure's value and the expected and worst cost."""

    study: Study
    uncertainty: Uncertainty
    objective: str
    status: str
    commitments: tuple[Pair, ...]
    futures: tuple[FuturePlan, ...]
    report: SolveReport
    options: SolveOptions = SolveOptions()

    @property
    def decided_now(self) -> tuple[Pair, ...]:
        """The offers awarded by the decision year: committed or not, the same in every future."""
        return committed_now(self.study, self.uncertainty.decide_fy)

    @property
    def ended_now(self) -> tuple[Pair, ...]:
        """Contracts awarded before the decision year and not kept: terminated now, at their liability, in every future."""
        return tuple(pair for pair in awarded_before(self.study, self.uncertainty.decide_fy) if pair not in self.commitments)

    @property
    def decided_later(self) -> tuple[tuple[str, str, str], ...]:
        """(decision point, element, provider): the offers decided at later decision points (multi-stage files)."""
        return later_decisions(self.study, self.uncertainty)

    def committed_at(self, point: str) -> tuple[Pair, ...]:
        """The offers committed at a later decision point (the same in every future that follows it)."""
        for f in self.futures:
            if point in {p.name for p in self.uncertainty.stages_of(f.name)}:
                return tuple(pair for n, pair in f.committed_later if n == point)
        return ()

    @property
    def expected_cost_musd(self) -> float | None:
        costs = [(f.probability, f.cost_musd) for f in self.futures]
        return None if not costs or any(c is None for _, c in costs) else math.fsum(p * c for p, c in costs)  # type: ignore[operator]

    @property
    def worst_cost_musd(self) -> float | None:
        costs = [f.cost_musd for f in self.futures]
        return None if not costs or any(c is None for c in costs) else max(costs)  # type: ignore[type-var]


def one_future(uncertainty: Uncertainty, name: str) -> Uncertainty:
    """The uncertainty file reduced to one future of probability 1 (its decision points kept)."""
    return replace(uncertainty, probabilities={name: 1.0}, studies={name: uncertainty.studies[name]},
                   stages={name: uncertainty.stages_of(name)}, risk="expected", cvar_level=None)


def as_solvable(m: pyo.ConcreteModel) -> pyo.ConcreteModel:
    """The extensive form as the Solver reads a model: its risk objective as the one objective term."""
    m.objective_terms = {PHASED: ObjectiveTerm(PHASED, "min", "US$M", m.phased_objective.expr)}
    m.objective_name = PHASED
    return m


def plan_of(uncertainty: Uncertainty, future: FutureBlock, objective: str, owed: Liabilities, commitments: tuple[Pair, ...],
            later: tuple[tuple[str, Pair], ...], arch: Architecture | None = None) -> FuturePlan:
    """A solved future's plan: its architecture, the commitments it walks away from, its cost by the evaluator (US$M)."""
    arch = arch if arch is not None else extract_architecture(future.block, future.data)
    chosen = set(arch.assignment.items())
    ended = tuple(pair for pair in owed.end if pair not in commitments)  # held, not kept
    left = tuple(pair for pair in (*commitments, *(pair for _, pair in later)) if pair not in chosen)
    paid = math.fsum(owed.walk[pair] for pair in left) + math.fsum(owed.end[pair] for pair in ended)
    values = feasible_objectives(uncertainty.studies[future.name], arch, [objective])
    cost = None if values is None else values[objective] + paid
    return FuturePlan(future.name, uncertainty.probabilities[future.name], arch, left + ended, cost, later, paid)


class PhasedModel:
    """The extensive form built once and kept in HiGHS: solved, then solved again with some commitments held.

    EVPI/VSS and what each commitment protects are re-solves of this one model with commitments held at 0 or 1.
    """

    def __init__(self, study: Study, uncertainty: Uncertainty, objective: str | None = None, options: SolveOptions | None = None):
        options = options or SolveOptions()
        self.options = replace(options, mip_rel_gap=min(options.mip_rel_gap, PHASED_REL_GAP))
        self.study, self.uncertainty = study, uncertainty
        self.m, self.blocks = build_extensive_form(study, uncertainty, objective)
        self.owed = liabilities(study, uncertainty)
        self.held = set(awarded_before(study, uncertainty.decide_fy))
        self.name = self.m.objective_name
        as_solvable(self.m)
        self.solver = Solver(self.options)

    def solve(self, fixed: dict[Pair, int] | None = None) -> PhasedResult:
        """The optimum, with the commitments of `fixed` held at 0 or 1 for this solve only."""
        m, study, uncertainty = self.m, self.study, self.uncertainty
        bounded = [m.commit[pair] for pair in (fixed or {}) if pair in m.commit]
        for var in bounded:
            var.setlb(fixed[var.index()])
            var.setub(fixed[var.index()])
        self.solver.update_bounds(bounded)
        try:
            report = self.solver.solve(m)
        finally:
            for var in bounded:
                var.setlb(0)
                var.setub(1)
            self.solver.update_bounds(bounded)
        if not report.has_solution:
            return PhasedResult(study, uncertainty, self.name, str(report.status), (), (), report, self.options)
        archs = {future.name: extract_architecture(future.block, future.data) for future in self.blocks}
        chosen = {name: set(arch.assignment.items()) for name, arch in archs.items()}

        def kept(pair: Pair, after: list[str]) -> bool:
            """An unused commitment that costs what not making it does (nothing; a held contract's liability) is none."""
            used = any(pair in chosen[name] for name in after)
            return used or (self.owed.walk[pair] > 0 and pair not in self.held)

        every = list(archs)
        commitments = tuple(pair for pair in m.committed_offers if (m.commit[pair].value or 0.0) > 0.5
                            and (pair in (fixed or {}) or kept(pair, every)))
        later = [(n, (e, p)) for n, e, p in m.later_offers if (m.commit_later[n, e, p].value or 0.0) > 0.5
                 and kept((e, p), [f.name for f in self.blocks if n in f.points])]
        plans = [plan_of(uncertainty, future, self.name, self.owed, commitments,
                         tuple((n, pair) for n, pair in later if n in future.points), archs[future.name]) for future in self.blocks]
        return PhasedResult(study, uncertainty, self.name, str(report.status), commitments, tuple(plans), report, self.options)


def solve_phased(study: Study, uncertainty: Uncertainty, objective: str | None = None, options: SolveOptions | None = None,
                 fixed: dict[Pair, int] | None = None) -> PhasedResult:
    """The commitments that minimise the uncertainty file's risk measure, and every future's best recourse.

    `fixed` holds some commitments at 0 or 1 (the value of the stochastic solution fixes a deterministic plan's).
    """
    return PhasedModel(study, uncertainty, objective, options).solve(fixed)
