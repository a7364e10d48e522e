"""Break-even prices: the highest price at which an offer is still part of some optimum.

Without the offer (e, p) the best value is V_out. With it forced in, its price becomes a variable
`price_change_musd` of the kept model: every row holding the offer's assignment moves with the
price at the rate two builds of the study one US$M apart show (its cost in the objective and in
the total budget, its spending profile scaled in proportion in each fiscal year, its weight in
share limits). One MILP then maximises the price subject to the objective being no worse than
V_out: the break-even, exact within 0.01 US$M (HiGHS's gap on the price is half of it; reported rounded down) and
global, even where a share limit makes a higher price loosen a row. A chosen offer leaves every
optimum above it; an offer not chosen joins one at or below it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pyomo.core as pyo

from architecture import Architecture, Study
from architecture.evaluate import feasible_objectives
from optimizer.model.build import build_model, set_objective
from optimizer.model.data import to_model_data
from optimizer.model.extract import extract_architecture
from optimizer.model.objectives import ObjectiveTerm
from optimizer.solve.cluster import kept as cluster_copy
from optimizer.solve.cluster import on_cluster
from optimizer.solve.highs import linear_terms
from optimizer.solve.solver import MANY_SMALL_SOLVES_OPTIONS, SolveOptions
from optimizer.solve.study_model import StudyModel

RESOLUTION_MUSD = 0.01
#: Stated to HiGHS for the optima with an offer ruled out (the objective's unit), so the targets are exact.
ABS_GAP_MUSD = 1e-4
#: Stated to HiGHS for the highest-price MILPs (US$M): half of RESOLUTION_MUSD, so a price is at most one step below the
#: exact one once rounded down, and never above it. At 1e-4, one probe of the reference study with the sustaining campaign
#: (ESA's surface habitat, objective partnership) ran for minutes proving a bound it had found in under a second.
PRICE_ABS_GAP_MUSD = RESOLUTION_MUSD / 2
PROBE = "__highest_price__"
BREAKEVEN_COLUMNS = ["element", "provider", "cost_musd", "chosen", "breakeven_cost_musd", "margin_musd", "note"]
Pair = tuple[str, str]
RowKey = tuple[str, Any]


@dataclass(frozen=True)
class BreakEven:
    """`table`: one row per eligible offer (BREAKEVEN_COLUMNS; docs/results.md#break-even-folders)."""

    study: Study
    objective: Any
    status: str
    optimum: float | None
    table: pd.DataFrame
    solves: int
    price_cap_musd: float
    runtime_s: float
    options: SolveOptions
    solver_version: str | None = None


def priced(study: Study, element: str, provider: str, cost: float) -> Study:
    """The study with one offer at another cost: its spending profile scaled in proportion (spread evenly from a zero cost)."""
    offer = study.offers[(element, provider)]
    update: dict[str, Any] = {"cost_musd": cost}
    if offer.spend_musd:
        update["spend_musd"] = {fy: amount * cost / offer.cost_musd for fy, amount in offer.spend_musd.items()} if offer.cost_musd else {}
    offers = dict(study.offers)
    offers[(element, provider)] = offer.model_copy(update=update)
    return study.with_changes(offers=offers)


def _dearer(study: Study, pairs: Iterable[Pair]) -> Study:
    for pair in pairs:
        study = priced(study, *pair, study.offers[pair].cost_musd + 1.0)
    return study


def _row_key(con: Any) -> RowKey:
    return con.parent_component().local_name, con.index()


def _assignment_coefficients(expr: Any, pair_of: dict[int, Pair]) -> dict[Pair, float]:
    coefficients, variables, _ = linear_terms(expr)
    found: dict[Pair, float] = defaultdict(float)
    for coefficient, var in zip(coefficients, variables, strict=True):
        pair = pair_of.get(id(var))
        if pair is not None:
            found[pair] += coefficient
    return found


@dataclass(frozen=True)
class PriceSlopes:
    """Per offer, how each row's coefficient of its assignment moves per US$M of its price; the same for the objective."""

    rows: dict[Pair, dict[RowKey, float]]
    numerator: dict[Pair, float]
    denominator: dict[Pair, float]


def price_slopes(study: Study, objective: str) -> PriceSlopes:
    """Read off two builds: the study, and the study with every offer one US$M dearer (rows are affine in each price)."""
    builds = [build_model(to_model_data(s, prices_move=True), objective) for s in (study, _dearer(study, study.offers))]
    pair_of = [{id(var): pair for pair, var in m.assign_by_offer.items()} for m in builds]
    rows = [list(m.component_data_objects(pyo.Constraint, active=True)) for m in builds]
    if list(map(_row_key, rows[0])) != list(map(_row_key, rows[1])) or set(pair_of[0].values()) != set(pair_of[1].values()):
        raise RuntimeError("a price change altered the model's rows: break-even prices need rows affine in each offer's price")
    slopes: dict[Pair, dict[RowKey, float]] = defaultdict(dict)
    for first, second in zip(*rows, strict=True):
        before, after = (_assignment_coefficients(con.body, pairs) for con, pairs in ((first, pair_of[0]), (second, pair_of[1])))
        for pair in before.keys() | after.keys():
            change = after.get(pair, 0.0) - before.get(pair, 0.0)
            if abs(change) > 1e-12:
                slopes[pair][_row_key(first)] = change
    terms = [m.objective_terms[objective] for m in builds]
    parts = []
    for part in ("numerator", "denominator"):
        if getattr(terms[0], part) is None:
            parts.append({})
            continue
        before, after = (_assignment_coefficients(getattr(t, part), pairs) for t, pairs in zip(terms, pair_of, strict=True))
        parts.append({pair: after.get(pair, 0.0) - before.get(pair, 0.0) for pair in before.keys() | after.keys()})
    return PriceSlopes(dict(slopes), *parts)


class PriceModel:
    """The kept model with a price variable for one offer at a time (held at 0 while no offer is probed)."""

    def __init__(self, study: Study, objective: str, options: SolveOptions, slopes: PriceSlopes, cap_musd: float):
        self.model = StudyModel(study, objective, options, prices_move=True)
        self.slopes, self.cap_musd = slopes, cap_musd
        m = self.m = self.model.m
        self.term = m.objective_terms[self.model.spec.name]
        m.price_change_musd = pyo.Var(bounds=(0.0, 0.0))
        keys = sorted({key for rows in slopes.rows.values() for key in rows}, key=repr)
        m.price_slope = pyo.Param(range(len(keys)), mutable=True, initialize=0.0)
        self.rows: dict[RowKey, tuple[Any, Any]] = {}
        for k, key in enumerate(keys):
            con = m.component(key[0])[key[1]]
            body = con.body + m.price_slope[k] * m.price_change_musd
            con.set_value(body == con.upper if con.equality else (con.lower, body, con.upper))
            self.rows[key] = (con, m.price_slope[k])
        m.price_target = pyo.Param(mutable=True, initialize=0.0)
        m.price_objective_slope = pyo.Param(mutable=True, initialize=0.0)
        moved = m.price_objective_slope * m.price_change_musd
        if self.term.is_ratio:  # N/D no worse than the target <=> N - target D on the right side of 0 (D >= 0)
            expr = self.term.numerator - m.price_target * self.term.denominator + moved
            m.price_bound = pyo.Constraint(expr=expr >= 0 if self.term.sense == "max" else expr <= 0)
        else:
            expr = self.term.numerator + moved
            m.price_bound = pyo.Constraint(expr=expr >= m.price_target if self.term.sense == "max" else expr <= m.price_target)
        m.price_bound.deactivate()
        m.objective_terms[PROBE] = ObjectiveTerm(PROBE, "max", "US$M", m.price_change_musd)
        self.solver, self.solves = self.model.solver, 0
        self._probed: Pair | None = None

    def solve(self, abs_gap: float = ABS_GAP_MUSD):
        report = self.solver.solve(self.m, abs_gap=abs_gap)
        self.solves += report.iterations
        return report

    def _hold(self, pair: Pair, value: int | None) -> None:
        var = self.m.assign_by_offer[pair]
        var.setlb(0 if value is None else value)
        var.setub(1 if value is None else value)
        self.solver.update_bounds([var])

    def without(self, pair: Pair) -> float | None:
        """The optimum with the offer ruled out (None when infeasible)."""
        set_objective(self.m, self.model.spec.name)
        self._hold(pair, 0)
        try:
            report = self.solve()
        finally:
            self._hold(pair, None)
        return report.objective if report.has_solution else None

    def _probe(self, pair: Pair) -> None:
        """Give this offer's rows their price slopes (and take the last offer's away)."""
        changed = []
        mine = self.slopes.rows.get(pair, {})
        previous = self.slopes.rows.get(self._probed, {}) if self._probed is not None else {}
        for key in previous.keys() | mine.keys():
            con, slope = self.rows[key]
            slope.set_value(mine.get(key, 0.0))
            changed.append(con)
        self.solver.update_rows(changed)
        self._probed = pair

    def highest_price(self, pair: Pair, cost: float, out: float | None) -> tuple[float | None, Architecture | None]:
        """The highest price (US$M) at which some architecture with the offer is feasible and, given `out`, no worse than it."""
        m = self.m
        self._probe(pair)
        if out is not None:
            numerator, denominator = self.slopes.numerator.get(pair, 0.0), self.slopes.denominator.get(pair, 0.0)
            tolerance = max(ABS_GAP_MUSD / 10, 1e-9 * abs(out))
            m.price_objective_slope.set_value(numerator - out * denominator if self.term.is_ratio else numerator)
            if self.term.is_ratio:
                m.price_target.set_value(out)
            else:
                m.price_target.set_value(out + tolerance if self.term.sense == "min" else out - tolerance)
            m.price_bound.activate()
        m.price_change_musd.setlb(-cost)
        m.price_change_musd.setub(self.cap_musd - cost)
        self.solver.update_rows([m.price_bound])
        self.solver.update_bounds([m.price_change_musd])
        set_objective(m, PROBE)
        self._hold(pair, 1)
        try:
            report = self.solve(PRICE_ABS_GAP_MUSD)
            found = (cost + m.price_change_musd.value, extract_architecture(m, self.model.data)) if report.has_solution else (None, None)
        finally:
            self._hold(pair, None)
            m.price_change_musd.setlb(0.0)
            m.price_change_musd.setub(0.0)
            self.solver.update_bounds([m.price_change_musd])
            m.price_bound.deactivate()
            self.solver.update_rows([m.price_bound])
        return found


def price_cap(study: Study) -> float:
    """The highest price tried (US$M): ten times all offers together; an offer still in an optimum there is so at any price."""
    return 10.0 * sum(offer.cost_musd for offer in study.offers.values()) + 1000.0


def breakeven(study: Study, objective: str | None = None, options: SolveOptions | None = None, persistent: bool = True,
              scheduler: Any = None) -> BreakEven:
    """The break-even price of every eligible offer (module docstring).

    `persistent=False` builds the model afresh for every solve: the same answers, slower (bench/ and tests). With a
    Dask `scheduler` (address or Client) the offers are priced on the cluster, each worker thread on its own copy of
    the kept model (optimizer/solve/cluster.py): the same table.
    """
    start = time.perf_counter()
    options = options or SolveOptions()
    options = replace(options, mip_rel_gap=min(options.mip_rel_gap, 1e-9), solver_options=options.solver_options or dict(MANY_SMALL_SOLVES_OPTIONS))
    name = study.objective(objective or study.default_objective).name
    slopes = price_slopes(study, name)
    cap = price_cap(study)
    kept = PriceModel(study, name, options, slopes, cap)
    spec = kept.model.spec
    base = kept.model.solve()
    if not base.has_solution or base.report.objective is None or base.architecture is None:
        return BreakEven(study, spec, str(base.report.status), None, pd.DataFrame(columns=BREAKEVEN_COLUMNS), 1, cap,
                         time.perf_counter() - start, options, base.report.solver_version)
    chosen = set(base.architecture.assignment.items())
    pairs = list(kept.model.data.offers)
    if scheduler is not None:
        shared = (study, name, options, slopes, cap, chosen, base.report.objective)
        answers = on_cluster(scheduler, _priced_on_cluster, shared, pairs)
        rows, solves = [row for row, _ in answers], 1 + kept.solves + sum(n for _, n in answers)
    else:
        models = [kept]

        def model() -> PriceModel:
            if not persistent:
                models.append(PriceModel(study, name, options, slopes, cap))
            return models[-1]

        offers = kept.model.data.offers
        rows = [offer_row(model, study, pair, offers[pair].cost_musd, pair in chosen, base.report.objective, cap) for pair in pairs]
        solves = 1 + sum(m.solves for m in models)
    table = pd.DataFrame(rows, columns=BREAKEVEN_COLUMNS).sort_values(["element", "provider"]).reset_index(drop=True)
    return BreakEven(study, spec, str(base.report.status), base.report.objective, table, solves, cap, time.perf_counter() - start, options,
                     base.report.solver_version)


def offer_row(model: Callable[[], PriceModel], study: Study, pair: Pair, cost: float, chosen: bool, optimum: float, cap: float) -> tuple:
    """One offer's row of the table (BREAKEVEN_COLUMNS) at its `cost` (US$M, the model's); `model()` gives the PriceModel to solve on."""
    # ruling out an offer the optimum does without leaves that optimum: one solve saved per offer not chosen
    out = model().without(pair) if chosen else optimum
    probe = model()
    price, arch = probe.highest_price(pair, cost, out)
    note = "indispensable" if out is None else ""
    if price is None and out is not None:
        price, arch = probe.highest_price(pair, cost, None)
        note = "not in an optimum at any cost" if price is not None else "cannot be chosen"
        price = arch = None
    elif price is None:
        note = "cannot be chosen"
    if price is not None and price >= cap - 0.5:
        price, note = math.inf, note or "in an optimum at any cost"
    elif price is not None:
        note = note or _checked(study, pair, price, arch, probe.model.spec, out)
        price = math.floor(price / RESOLUTION_MUSD + 1e-6) * RESOLUTION_MUSD
    margin = None if price is None or math.isinf(price) else round(price - cost, 2)
    return (pair[0], pair[1], cost, chosen, price, margin, note)


def _priced_on_cluster(token: str, shared: tuple[Any, ...], pairs: list[Pair]) -> list[tuple[tuple, int]]:
    """On a Dask worker: the rows of a batch of offers on this thread's PriceModel, each with the solves it took."""
    study, name, options, slopes, cap, chosen, optimum = shared
    model = cluster_copy(token, lambda: PriceModel(study, name, options, slopes, cap))
    answers = []
    for pair in pairs:
        before = model.solves
        row = offer_row(lambda: model, study, pair, model.model.data.offers[pair].cost_musd, pair in chosen, optimum, cap)
        answers.append((row, model.solves - before))
    return answers


def _checked(study: Study, pair: Pair, price: float, arch: Architecture | None, spec: Any, out: float | None) -> str:
    """'' when the evaluator agrees the architecture found meets every limit at that price, no worse than `out`; else why not."""
    if arch is None:
        return "unverified: no architecture"
    values = feasible_objectives(priced(study, *pair, price), arch, [spec.name])
    if values is None:
        return "unverified: the evaluator finds the architecture infeasible at that price"
    if out is not None:
        value = values[spec.name]
        slack = 1e-6 * max(1.0, abs(out))
        if (value > out + slack) if spec.sense == "min" else (value < out - slack):
            return "unverified: the evaluator values the architecture worse than without the offer"
    return ""
