"""The extensive form: one copy of the study's model per future, tied by the commitments made now.

Each future's block is `build_model` of that future's study, unchanged. Offers awarded by the decision year
(`committed_now`) get one commitment variable shared by every future (non-anticipativity); in each future a
commitment is either used or walked away from, at its termination liability. The objective weighs the futures'
costs by the uncertainty file's risk measure. Sections of docs/formulation.md#phased-decisions, one function each.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo

from architecture import Study, StudyError, Uncertainty, awarded_before, awarded_between, committed_now, walk_away_musd
from architecture.errors import Issue
from architecture.objectives import objective_kind
from optimizer.model.build import build_model
from optimizer.model.data import ModelData, to_model_data

Pair = tuple[str, str]


@dataclass(frozen=True)
class FutureBlock:
    """One future inside the extensive form: its name, probability, model data and block."""

    name: str
    probability: float
    data: ModelData
    block: pyo.Block
    points: tuple[str, ...] = ()  # the later decision points on the way to this future


def define_future_blocks(m: pyo.ConcreteModel, uncertainty: Uncertainty, objective: str) -> list[FutureBlock]:
    """One block per future: the study's own model of that future, its objective switched off."""
    blocks = []
    m.futures = pyo.Block(range(len(uncertainty.names)))
    for k, name in enumerate(uncertainty.names):
        data = to_model_data(uncertainty.studies[name])
        built = build_model(data, objective)
        built.objective.deactivate()
        m.futures[k].transfer_attributes_from(built)
        points = tuple(point.name for point in uncertainty.stages_of(name))
        blocks.append(FutureBlock(name, uncertainty.probabilities[name], data, m.futures[k], points))
    return blocks


def later_decisions(study: Study, uncertainty: Uncertainty) -> tuple[tuple[str, str, str], ...]:
    """(decision point, element, provider): the offers awarded after the decision before that point and by its year."""
    return tuple((point.name, *pair) for point in uncertainty.decision_points
                 for pair in awarded_between(study, point.after_fy, point.decide_fy))


def define_commitment_variables(m: pyo.ConcreteModel, committed: tuple[Pair, ...], later: tuple[tuple[str, str, str], ...] = (),
                                held: tuple[Pair, ...] = ()) -> None:
    """commit[o] = 1 when offer o, awarded by the decision year, is committed to now (the same in every future).

    For an offer awarded before the decision year (`held`), commit[o] = 1 is keeping its contract, 0 terminating it.
    commit_later[n, o]: the same at a later decision point n, shared by the futures that follow n.
    """
    m.committed_offers = pyo.Set(initialize=list(committed), dimen=2, ordered=True)
    m.awarded_before = pyo.Set(initialize=list(held), dimen=2, ordered=True)
    m.commit = pyo.Var(m.committed_offers, domain=pyo.Binary)
    m.later_offers = pyo.Set(initialize=list(later), dimen=3, ordered=True)
    m.commit_later = pyo.Var(m.later_offers, domain=pyo.Binary)


def define_commitments_hold_constraints(m: pyo.ConcreteModel, blocks: list[FutureBlock]) -> None:
    """In every future a commitment is used or walked away from: assign[o] + walk[o] = commit[o].

    An offer awarded by a decision year and not committed then cannot be chosen later (its award has passed). A
    future without the offer (its provider withdrew) walks away from it. Commitments of a later decision point hold in
    the futures that follow it.
    """
    for future in blocks:
        block = future.block
        held = {pair: m.commit[pair] for pair in m.committed_offers}
        held.update({(e, p): m.commit_later[n, e, p] for n, e, p in m.later_offers if n in future.points})
        block.held_offers = pyo.Set(initialize=list(held), dimen=2, ordered=True)
        block.walk = pyo.Var(block.held_offers, bounds=(0.0, 1.0))
        rows = {}
        for pair, commit in held.items():
            chosen = block.assign_by_offer.get(pair) if pair in future.data.offers else None
            rows[pair] = (chosen + block.walk[pair] == commit) if chosen is not None else (block.walk[pair] == commit)
        block.commitments_hold = pyo.Constraint(block.held_offers, rule=lambda b, e, p, rows=rows: rows[(e, p)])


@dataclass(frozen=True)
class Liabilities:
    """What leaving a contract costs (US$M), by offer: walking away once the future is known, or ending one held now."""

    walk: dict[Pair, float]
    end: dict[Pair, float]


def liabilities(study: Study, uncertainty: Uncertainty) -> Liabilities:
    """Walking away: the liability plus the decision year's spending (architecture.walk_away_musd); ending: the liability."""
    walk = {pair: walk_away_musd(study, pair, uncertainty.decide_fy) for pair in committed_now(study, uncertainty.decide_fy)}
    years = {p.name: p.decide_fy for p in uncertainty.decision_points}
    walk.update({(e, p): walk_away_musd(study, (e, p), years[n]) for n, e, p in later_decisions(study, uncertainty)})
    return Liabilities(walk, {pair: study.offers[pair].termination_musd for pair in awarded_before(study, uncertainty.decide_fy)})


def future_cost(m: pyo.ConcreteModel, future: FutureBlock, objective: str, owed: Liabilities):
    """A future's objective (US$M): the study's own, the commitments it walks away from, the held contracts ended now."""
    walked = sum(owed.walk[pair] * future.block.walk[pair] for pair in future.block.held_offers if owed.walk.get(pair))
    ended = sum(owed.end[pair] * (1 - m.commit[pair]) for pair in m.awarded_before if owed.end.get(pair))
    return future.block.objective_terms[objective].numerator + walked + ended


def define_risk_objective(m: pyo.ConcreteModel, blocks: list[FutureBlock], objective: str, owed: Liabilities,
                          risk: str, cvar_level: float | None) -> None:
    """Expected cost over the futures; or the worst future's; or CVaR at the level (Rockafellar-Uryasev)."""
    costs = [future_cost(m, future, objective, owed) for future in blocks]
    m.future_cost = pyo.Expression(range(len(blocks)), rule=lambda _, k: costs[k])
    m.expected_cost = pyo.Expression(expr=sum(f.probability * m.future_cost[k] for k, f in enumerate(blocks)))
    if risk == "expected":
        m.phased_objective = pyo.Objective(expr=m.expected_cost, sense=pyo.minimize)
    elif risk == "worst":
        m.worst_cost = pyo.Var()
        m.worst_bounds = pyo.Constraint(range(len(blocks)), rule=lambda _, k: m.worst_cost >= m.future_cost[k])
        m.phased_objective = pyo.Objective(expr=m.worst_cost, sense=pyo.minimize)
    else:
        m.value_at_risk = pyo.Var()
        m.excess = pyo.Var(range(len(blocks)), domain=pyo.NonNegativeReals)
        m.excess_bounds = pyo.Constraint(range(len(blocks)), rule=lambda _, k: m.excess[k] >= m.future_cost[k] - m.value_at_risk)
        tail = 1.0 - float(cvar_level)
        m.phased_objective = pyo.Objective(expr=m.value_at_risk + sum(f.probability * m.excess[k] for k, f in enumerate(blocks)) / tail,
                                           sense=pyo.minimize)


def phased_objective(study: Study, objective: str | None = None) -> str:
    """The objective phased decisions weigh (default: the study's first): a cost to minimise, not a ratio."""
    spec = study.objective(objective or study.default_objective)
    if spec.sense != "min" or objective_kind(spec).is_ratio:
        raise StudyError(Issue("--objective", f"phased decisions weigh a cost to minimise; '{spec.name}' is "
                               f"{'a ratio' if objective_kind(spec).is_ratio else 'maximised'}", "wrong_type"))
    return spec.name


def build_extensive_form(study: Study, uncertainty: Uncertainty, objective: str | None = None) -> tuple[pyo.ConcreteModel, list[FutureBlock]]:
    """The extensive form of the study under its futures (module docstring); no I/O, no solving."""
    name = phased_objective(study, objective)
    committed, later = committed_now(study, uncertainty.decide_fy), later_decisions(study, uncertainty)
    m = pyo.ConcreteModel(name=f"{study.name} phased")
    blocks = define_future_blocks(m, uncertainty, name)
    define_commitment_variables(m, committed, later, awarded_before(study, uncertainty.decide_fy))
    define_commitments_hold_constraints(m, blocks)
    define_risk_objective(m, blocks, name, liabilities(study, uncertainty), uncertainty.risk, uncertainty.cvar_level)
    m.objective_name = name
    return m, blocks
