"""Progressive hedging on mpi-sppy: the phased question when the extensive form grows too big to solve whole.

Each future is a model of its own: its block of the extensive form, with the commitments made now (and, on its way,
at later decision points) as non-anticipative variables; with CVaR, the value at risk joins them
(docs/formulation.md#progressive-hedging). mpi-sppy's PH drives the futures to agree. The agreed commitments are
then priced exactly: each future's best recourse solved with them held, scored by the evaluator. The bound is the
larger of PH's trivial bound (wait and see) and its Lagrangian bound with the last weights; the gap is to it.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
from collections import Counter
from dataclasses import dataclass, replace

import pyomo.core as pyo
from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr

from architecture import Study, StudyError, Uncertainty
from architecture.errors import Issue
from optimizer.phased.extensive import FutureBlock, Pair, build_extensive_form, future_cost, later_decisions, liabilities, phased_objective
from optimizer.phased.solve import PHASED_REL_GAP, FuturePlan, PhasedResult, as_solvable, one_future, plan_of
from optimizer.phased.values import progress_bar, risk_value
from optimizer.solve.highs import highs_version
from optimizer.solve.solver import SolveOptions, Solver, SolveReport, Status

#: PH's penalty on a commitment straying from the futures' consensus, per US$M of the offer's cost (rho = share x cost)
RHO_SHARE = 0.1


@dataclass(frozen=True)
class HedgingOptions:
    """PH's settings: at most `iterations` rounds; stop when the commitments' spread falls below `convergence`."""

    iterations: int = 100
    convergence: float = 1e-4
    rho_share: float = RHO_SHARE


@dataclass(frozen=True)
class HedgingReport:
    """What PH did: rounds, its bound and the priced plan's gap to it (None when the plan strands a future)."""

    iterations: int
    converged: bool
    bound_musd: float
    value_musd: float | None
    gap: float | None
    wall_s: float


def future_model(study: Study, uncertainty: Uncertainty, name: str, objective: str) -> tuple[pyo.ConcreteModel, FutureBlock]:
    """One future's model: its cost plus walked liabilities; with CVaR, VaR + (cost - VaR)+ / (1 - level)."""
    m, (block,) = build_extensive_form(study, one_future(uncertainty, name), objective)
    if uncertainty.risk == "cvar":
        m.phased_objective.deactivate()
        cost = future_cost(m, block, objective, liabilities(study, uncertainty))
        low, high = compute_bounds_on_expr(cost)  # VaR lies within the cost's range: bounded, PH's Lagrangian subproblems stay bounded
        if low is None or high is None:
            raise StudyError(Issue("--engine hedging", "CVaR by progressive hedging needs a cost bounded by its variables' bounds", "wrong_type"))
        m.value_at_risk = pyo.Var(bounds=(low, high))
        m.excess = pyo.Var(domain=pyo.NonNegativeReals)
        m.excess_bound = pyo.Constraint(expr=m.excess >= cost - m.value_at_risk)
        m.hedged_objective = pyo.Objective(expr=m.value_at_risk + m.excess / (1.0 - float(uncertainty.cvar_level)), sense=pyo.minimize)
    return m, block


@dataclass(frozen=True)
class TreeNode:
    """A node of mpi-sppy's scenario tree: its name (ROOT_i_j), the decision point it is (None: nothing decided there)."""

    name: str
    point: str | None
    probability: float  # unconditional


def scenario_tree(uncertainty: Uncertainty) -> tuple[dict[str, list[TreeNode]], list[str]]:
    """Each future's nodes below ROOT, and every node name, in mpi-sppy's form.

    mpi-sppy wants every future at the same depth: a future with fewer later decisions passes through nodes where
    nothing is decided. Its futures are leaf nodes of their own, in the file's order (the futures under a node are
    contiguous there).
    """
    names = uncertainty.names
    depth = max((len(uncertainty.stages_of(n)) for n in names), default=0)
    if depth == 0:
        return {n: [] for n in names}, []
    keys: dict[str, list[tuple]] = {}
    for index, name in enumerate(names):
        points = uncertainty.stages_of(name)
        path: list[tuple] = []
        for level in range(depth):
            if level < len(points):
                path.append(("point", points[level].name))
            else:  # a run of consecutive futures that decide nothing more, under the same node
                run = index
                while run > 0 and uncertainty.stages_of(names[run - 1])[:level] == points[:level] and len(uncertainty.stages_of(names[run - 1])) <= level:
                    run -= 1
                path.append(("pass", tuple(p.name for p in points[:level]), run))
        keys[name] = path
    named: dict[tuple, str] = {}
    children: dict[str, int] = {}
    share: dict[tuple, float] = {}
    for name in names:
        for level in range(depth):
            key = tuple(keys[name][: level + 1])
            share[key] = share.get(key, 0.0) + uncertainty.probabilities[name]
    nodes: dict[str, list[TreeNode]] = {}
    leaves = []
    for name in names:
        parent, path = "ROOT", []
        for level in range(depth):
            key = tuple(keys[name][: level + 1])
            if key not in named:
                named[key] = f"{parent}_{children.get(parent, 0)}"
                children[parent] = children.get(parent, 0) + 1
            kind, *what = keys[name][level]
            path.append(TreeNode(named[key], what[0] if kind == "point" else None, share[key]))
            parent = named[key]
        leaves.append(f"{parent}_{children.get(parent, 0)}")
        children[parent] = children.get(parent, 0) + 1
        nodes[name] = path
    every = ["ROOT", *dict.fromkeys(node.name for path in nodes.values() for node in path), *leaves]
    return nodes, every


def check_hedging(uncertainty: Uncertainty) -> None:
    """PH weighs futures by an expectation: expected cost, or CVaR (an expectation once VaR is a commitment)."""
    if uncertainty.risk == "worst":
        raise StudyError(Issue("--engine hedging", "progressive hedging weighs an expectation: expected cost or cvar, not the worst "
                               "future; use --engine extensive", "wrong_type"))


class _Futures:
    """mpi-sppy's scenario creator and rho setter over the study's futures (the models stay here)."""

    def __init__(self, study: Study, uncertainty: Uncertainty, objective: str, options: HedgingOptions):
        self.study, self.uncertainty, self.objective, self.options = study, uncertainty, objective, options
        self.nodes, self.all_nodes = scenario_tree(uncertainty)
        decided = Counter(point for point, _, _ in later_decisions(study, uncertainty))
        depth = max((len(path) for path in self.nodes.values()), default=0)
        #: the most variables any node of each later stage holds (at least one)
        self.widths = [max([1, *(decided[path[k].point] for path in self.nodes.values() if path[k].point)]) for k in range(depth)]

    def create(self, name: str) -> pyo.ConcreteModel:
        from mpisppy import scenario_tree

        m, _ = future_model(self.study, self.uncertainty, name, self.objective)
        objective = m.hedged_objective if self.uncertainty.risk == "cvar" else m.phased_objective
        root = [m.commit, m.value_at_risk] if self.uncertainty.risk == "cvar" else [m.commit]
        tree = [scenario_tree.ScenarioNode("ROOT", 1.0, 1, objective.expr, root, m)]
        nodes, width = self.nodes[name], self.widths
        m.nothing_decided = pyo.Var(range(sum(width)), initialize=0.0)  # mpi-sppy wants as many variables at every node of a stage
        m.nothing_decided.fix(0.0)
        probability, parent, spare = 1.0, "ROOT", iter(m.nothing_decided.values())
        for stage, node in enumerate(nodes, start=2):
            held = [m.commit_later[n, e, p] for n, e, p in m.later_offers if n == node.point]
            held += [next(spare) for _ in range(width[stage - 2] - len(held))]
            tree.append(scenario_tree.ScenarioNode(node.name, node.probability / probability, stage, 0.0, held, m, parent_name=parent))
            probability, parent = node.probability, node.name
        m._mpisppy_node_list = tree  # mpi-sppy's documented scenario-creator interface (its scenario tree and probability)
        m._mpisppy_probability = self.uncertainty.probabilities[name]
        return m

    def rho(self, m: pyo.ConcreteModel) -> list[tuple[int, float]]:
        """A commitment's rho is a share of its offer's cost (cost-proportional rho); VaR's, a share of the mean offer's."""
        offers = self.study.offers
        out = [(id(m.commit[pair]), max(1.0, self.options.rho_share * offers[pair].cost_musd)) for pair in m.committed_offers]
        out += [(id(m.commit_later[n, e, p]), max(1.0, self.options.rho_share * offers[(e, p)].cost_musd)) for n, e, p in m.later_offers]
        if self.uncertainty.risk == "cvar":
            mean = math.fsum(o.cost_musd for o in offers.values()) / max(1, len(offers))
            out.append((id(m.value_at_risk), max(1.0, self.options.rho_share * mean)))
        return out


def consensus(models: dict[str, pyo.ConcreteModel], uncertainty: Uncertainty) -> tuple[dict[Pair, int], dict[tuple[str, str, str], int]]:
    """The futures' probability-weighted mean commitment, rounded: now, and at each later point over the futures after it."""
    first = next(iter(models.values()))
    now = {pair: int(math.fsum(uncertainty.probabilities[n] * (m.commit[pair].value or 0.0) for n, m in models.items()) > 0.5)
           for pair in first.committed_offers}
    later: dict[tuple[str, str, str], int] = {}
    for point in uncertainty.decision_points:
        after = uncertainty.futures_after(point.name)
        weight = math.fsum(uncertainty.probabilities[n] for n in after)
        for key in models[after[0]].later_offers:
            if key[0] == point.name:
                mean = math.fsum(uncertainty.probabilities[n] * (models[n].commit_later[key].value or 0.0) for n in after) / weight
                later[key] = int(mean > 0.5)
    return now, later


def price_plan(study: Study, uncertainty: Uncertainty, objective: str, now: dict[Pair, int], later: dict[tuple[str, str, str], int],
               options: SolveOptions) -> tuple[list[FuturePlan], float, Status]:
    """Each future's best recourse with the commitments held, solved alone: the plan's exact futures."""
    plans, highs_s, status = [], 0.0, Status.OPTIMAL
    owed = liabilities(study, uncertainty)
    for name in uncertainty.names:
        m, (block,) = build_extensive_form(study, one_future(uncertainty, name), objective)
        for pair, bit in now.items():
            m.commit[pair].fix(bit)
        for key in m.later_offers:
            m.commit_later[key].fix(later.get(key, 0))
        report = Solver(options).solve(as_solvable(m))
        highs_s += report.runtime_s
        if not report.has_solution:
            plans.append(FuturePlan(name, uncertainty.probabilities[name], None, (), None))
            status = Status.INFEASIBLE
            continue
        if report.status != Status.OPTIMAL:
            status = report.status
        committed = tuple(pair for pair, bit in now.items() if bit)
        mine = tuple((n, (e, p)) for (n, e, p), bit in later.items() if bit and n in block.points)
        plans.append(plan_of(uncertainty, block, objective, owed, committed, mine))
    return plans, highs_s, status


def price_commitments(study: Study, uncertainty: Uncertainty, objective: str, fixed: dict[Pair, int],
                      options: SolveOptions | None = None) -> PhasedResult | None:
    """A commitment plan priced exactly, each future's recourse solved alone.

    None on a tree of decisions by year: its later decisions would need a progressive hedging run of their own.
    """
    if uncertainty.decision_points:
        return None
    options = options or SolveOptions()
    options = replace(options, mip_rel_gap=min(options.mip_rel_gap, PHASED_REL_GAP))
    plans, highs_s, status = price_plan(study, uncertainty, objective, fixed, {}, options)
    commitments = tuple(pair for pair, bit in fixed.items() if bit)
    ok = all(f.cost_musd is not None for f in plans)
    report = SolveReport(Status(status) if ok else Status.INFEASIBLE, None, None, None, highs_s, 0.0, "highs", highs_version(), "priced")
    return PhasedResult(study, uncertainty, objective, str(report.status), commitments if ok else (), tuple(plans) if ok else (), report, options)


def progress_extension(counter: dict[str, int], bar: object | None):
    """An mpi-sppy extension (its public Extension class) counting PH's rounds, and moving a progress bar."""
    from mpisppy.extensions.extension import Extension

    class Rounds(Extension):
        def enditer(self) -> None:
            counter["iterations"] += 1
            if bar is not None:
                bar.update(1)  # type: ignore[attr-defined]

    return Rounds


def solve_hedging(study: Study, uncertainty: Uncertainty, objective: str | None = None, options: SolveOptions | None = None,
                  hedging: HedgingOptions | None = None, progress: bool | None = False) -> tuple[PhasedResult, HedgingReport]:
    """The phased question by progressive hedging: commitments agreed by PH, priced exactly, with PH's bound and the gap.

    `progress`: a bar of PH's rounds on stderr (None: only when stderr is a terminal).
    """
    check_hedging(uncertainty)
    options = options or SolveOptions()
    options = replace(options, mip_rel_gap=min(options.mip_rel_gap, PHASED_REL_GAP))
    hedging = hedging or HedgingOptions()
    name = phased_objective(study, objective)
    futures = _Futures(study, uncertainty, name, hedging)
    start = time.perf_counter()
    highs = {"mip_rel_gap": options.mip_rel_gap, **({"threads": options.threads} if options.threads else {})}
    settings = {"solver_name": "appsi_highs", "PHIterLimit": hedging.iterations, "defaultPHrho": 1.0, "convthresh": hedging.convergence,
                "verbose": False, "display_progress": False, "display_timing": False, "display_convergence_detail": False,
                "iter0_solver_options": dict(highs), "iterk_solver_options": dict(highs),
                "linearize_proximal_terms": True, "linearize_binary_proximal_terms": True}
    counter = {"iterations": 0}
    bar = progress_bar(hedging.iterations, progress, "hedging", " rounds")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # mpi-sppy prints its progress and warnings on stdout
            from mpisppy.opt.ph import PH

            ph = PH(settings, list(uncertainty.names), futures.create, all_nodenames=futures.all_nodes or None,
                    rho_setter=futures.rho, extensions=progress_extension(counter, bar))
            conv, _, trivial = ph.ph_main()
            now, later = consensus(ph.local_scenarios, uncertainty)
            lagrangian = ph.post_solve_bound()
    finally:
        bar.close()
    bound = max(trivial, lagrangian)
    plans, highs_s, status = price_plan(study, uncertainty, name, now, later, options)
    costs = [f.cost_musd for f in plans]
    value = None if any(c is None for c in costs) else risk_value(costs, [f.probability for f in plans], uncertainty.risk,  # type: ignore[arg-type]
                                                                    uncertainty.cvar_level)
    gap = None if value is None else max(0.0, value - bound) / max(abs(value), 1e-9)
    wall = time.perf_counter() - start
    proven = value is not None and gap is not None and gap <= options.mip_rel_gap
    state = Status.INFEASIBLE if value is None else Status.OPTIMAL if proven and status == Status.OPTIMAL else Status.FEASIBLE
    report = SolveReport(state, value, bound, gap, highs_s, wall, "highs (mpi-sppy progressive hedging)", highs_version(), "ph",
                         counter["iterations"])
    commitments = tuple(pair for pair, bit in now.items() if bit) if value is not None else ()
    result = PhasedResult(study, uncertainty, name, str(state), commitments, tuple(plans) if value is not None else (), report, options)
    return result, HedgingReport(counter["iterations"], conv is not None and conv < hedging.convergence, bound, value, gap, wall)
