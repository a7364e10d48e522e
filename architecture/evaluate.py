"""Independent evaluator: scores a fixed architecture against a study with plain Python and pandas."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from architecture.architecture import Architecture
from architecture.eligibility import exclusion_reason
from architecture.errors import Issue, StudyError
from architecture.offers import Offer
from architecture.policy import BUILTIN_OBJECTIVES, ObjectiveSpec
from architecture.study import Study

__all__ = [
    "FAMILIES",
    "Evaluation",
    "LimitCheck",
    "StudyEvaluator",
    "evaluate",
    "feasible_objectives",
    "make_evaluator",
    "objective_value",
]

#: Limit families in the order of docs/formulation.md ("eligibility" first: it applies before the model).
FAMILIES = (
    "eligibility",
    "assign_required_once",
    "requires_selected",
    "budget_total",
    "budget_annual",
    "critical_path_single_owner",
    "milestone_slip_limit",
    "commercial_share_min",
    "partner_share_max",
    "category_redundancy",
    "provider_capacity",
    "metric_limits",
)
_CACHE_SIZE = 16
_CACHE: OrderedDict[int, StudyEvaluator] = OrderedDict()


def _tolerance(bound: float) -> float:
    return 1e-6 * max(1.0, abs(bound))


def _slack(value: float, bound: float, sense: str) -> float:
    if sense == "<=":
        return bound - value
    if sense == ">=":
        return value - bound
    return -abs(value - bound)


def _num(value: float) -> str:
    """A number for a violation line: one decimal, more digits when that would show 0.0."""
    if value == 0 or abs(value) >= 0.05:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _column_unit(column: str) -> str:
    if column.endswith("_musd"):
        return "US$M"
    if column.endswith("_months"):
        return "months"
    return column


@dataclass(frozen=True)
class LimitCheck:
    """One row of one limit family, evaluated for one architecture.

    `slack` is `bound - value` for `<=`, `value - bound` for `>=` and `-|value - bound|` for `==`;
    negative means violated. Rows follow the linear rows of docs/formulation.md:

    - eligibility: one row per bad assignment entry, value 1 <= bound 0 (elements).
    - assign_required_once: `required[e]`, value = 1 if e has an eligible provider, == 1.
    - requires_selected: `requires[e,r]`, value = sigma_e - sigma_r <= 0.
    - commercial_share_min: value = commercial offer cost (US$M) >= bound = phi * total offer
      cost (US$M), so it holds at zero spending.
    - partner_share_max: `max_partner_share[p]`, value = programme cost of p (US$M) <= bound =
      psi * total programme cost (US$M).
    """

    family: str
    limit: str
    value: float
    bound: float
    sense: str
    unit: str
    slack: float

    @property
    def tolerance(self) -> float:
        """Absolute tolerance: 1e-6 times max(1, |bound|)."""
        return _tolerance(self.bound)

    @property
    def violated(self) -> bool:
        return self.slack < -self.tolerance

    @property
    def binding(self) -> bool:
        return abs(self.slack) <= self.tolerance


@dataclass(frozen=True, slots=True)
class _OfferData:
    """Per-offer numbers precomputed once per study."""

    offer: Offer
    element: str
    provider: str
    kind: str
    cost: float
    partner: float
    programme: float
    slip: float
    spend: Mapping[int, float]
    values: Mapping[str, float]
    reason: str | None


@dataclass(slots=True)
class _Tally:
    """Raw quantities of one architecture, shared by `evaluate` and the fast path."""

    chosen: dict[str, _OfferData]
    bad: list[tuple[str, str]]  # (limit, violation text)
    cost: float = 0.0
    partner: float = 0.0
    programme: float = 0.0
    commercial: float = 0.0
    onboarding: float = 0.0
    per_provider: dict[str, int] = field(default_factory=dict)
    intl_programme: dict[str, float] = field(default_factory=dict)  # every engaged international provider
    sums: dict[str, float] = field(default_factory=dict)
    element_slip: dict[str, float] = field(default_factory=dict)
    milestone_slip: dict[str, float] = field(default_factory=dict)

    @property
    def agency(self) -> float:
        return self.cost + self.onboarding


# A limit row before it becomes a LimitCheck: family, limit, value, bound, sense, unit, context.
_Row = tuple[str, str, float, float, str, str, Any]


class StudyEvaluator:
    """Precomputed per-study tables; evaluates many architectures of one study quickly.

    The study is treated as immutable (as `Study` documents): build a new evaluator for a new
    study, e.g. through `make_evaluator`, which caches by identity.
    """

    def __init__(self, study: Study):
        self.study = study
        elements = study.elements
        limits = study.limits
        self.element_order = tuple(elements)
        self.required = tuple(e for e, el in elements.items() if el.required)
        self.critical = frozenset(e for e, el in elements.items() if el.critical_path)
        self.requires = {e: tuple(r for r in el.requires if r in elements) for e, el in elements.items()}
        self.slip_adds = study.info.slip_propagation == "add"
        self.requires_rows = tuple(
            (e, r) for e, el in elements.items() for r in el.requires if not (el.required and r in elements and elements[r].required)
        )
        self.topo_order = _topological_order(study)
        self.milestones = study.milestones
        self.gating = {ms: tuple(e for e, el in elements.items() if ms in el.gated_milestones) for ms in self.milestones}
        self.categories = {e: el.category for e, el in elements.items()}
        self.columns = tuple(
            dict.fromkeys(
                [
                    *study.numeric_columns,
                    "partner_cost_musd",
                    *(spec.column for spec in study.objectives.values() if spec.column is not None),
                    *limits.metric_max,
                    *limits.metric_min,
                ]
            )
        )
        self.offers = {key: self._offer_data(offer) for key, offer in study.offers.items()}
        self.onboarding = {p: prov.onboarding_cost_musd for p, prov in study.providers.items()}
        self.international = tuple(p for p, prov in study.providers.items() if prov.kind == "international")
        self.capacities = tuple((p, prov.capacity) for p, prov in study.providers.items() if prov.capacity is not None)
        self.annual = tuple(sorted(limits.annual_budget_musd.items()))
        self.objective_names = (*study.objectives, *(b for b in BUILTIN_OBJECTIVES if b not in study.objectives))
        self._specs: dict[str, ObjectiveSpec] = {}

    def _offer_data(self, offer: Offer) -> _OfferData:
        provider = self.study.providers.get(offer.provider)
        return _OfferData(
            offer=offer,
            element=offer.element,
            provider=offer.provider,
            kind=provider.kind if provider is not None else "",
            cost=offer.cost_musd,
            partner=offer.partner_cost_musd,
            programme=offer.programme_cost_musd,
            slip=offer.slip_months,
            spend=self.study.spend_musd(offer),
            values={col: offer.value(col) for col in self.columns},
            reason=exclusion_reason(self.study, offer),
        )

    def spec(self, name: str) -> ObjectiveSpec:
        """The objective called `name` (declared first, then built-in); StudyError if unknown."""
        spec = self._specs.get(name)
        if spec is None:
            spec = self._specs[name] = self.study.objective(name)
        return spec

    # -- raw quantities ---------------------------------------------------------------------

    def tally(self, architecture: Architecture) -> _Tally:
        """Sort the assignment into valid choices and bad entries, and sum everything."""
        chosen: dict[str, _OfferData] = {}
        bad: list[tuple[str, str]] = []
        elements = self.study.elements
        for e, p in architecture.assignment.items():
            if e not in elements:
                bad.append((f"element[{e}]", f"element {e} is not in the study (assigned to {p})"))
                continue
            data = self.offers.get((e, p))
            if data is None:
                why = f"{p} made no offer for {e}" if p in self.study.providers else f"{p} is not a provider of the study"
                bad.append((f"offer[{e},{p}]", f"offer ({e}, {p}) does not exist: {why}"))
                continue
            if data.reason is not None:
                bad.append((f"offer[{e},{p}]", f"offer ({e}, {p}) is not eligible: {data.reason}"))
                continue
            chosen[e] = data
        t = _Tally(chosen=chosen, bad=bad)
        sums = dict.fromkeys(self.columns, 0.0)
        for data in chosen.values():
            t.cost += data.cost
            t.partner += data.partner
            t.programme += data.programme
            if data.kind == "commercial":
                t.commercial += data.cost
            elif data.kind == "international":
                t.intl_programme[data.provider] = t.intl_programme.get(data.provider, 0.0) + data.programme
            t.per_provider[data.provider] = t.per_provider.get(data.provider, 0) + 1
            for col, value in data.values.items():
                sums[col] += value
        t.sums = sums
        t.onboarding = sum(self.onboarding.get(p, 0.0) for p in t.per_provider)
        slip: dict[str, float] = {}
        for e in self.topo_order:
            data = chosen.get(e)
            if data is not None:
                upstream = max((slip[r] for r in self.requires[e] if r in slip), default=0.0)
                slip[e] = data.slip + upstream if self.slip_adds else max(data.slip, upstream)
        t.element_slip = {e: slip[e] for e in self.element_order if e in slip}
        t.milestone_slip = {ms: max((slip[e] for e in gates if e in slip), default=0.0) for ms, gates in self.gating.items()}
        return t

    def objective(self, t: _Tally, name: str) -> float:
        """Value of objective `name` for a tally."""
        spec = self.spec(name)
        if spec.column is not None:
            if spec.column in t.sums:
                return t.sums[spec.column]
            return sum(data.offer.value(spec.column) for data in t.chosen.values())
        if spec.builtin == "agency_cost_musd":
            return t.agency
        if spec.builtin == "milestone_slip_months":
            if spec.milestone is not None:
                return t.milestone_slip.get(spec.milestone, 0.0)
            return max(t.milestone_slip.values(), default=0.0)
        if spec.builtin == "international_partners":
            return float(len(t.intl_programme))
        if spec.builtin == "commercial_share":
            return t.commercial / t.cost if t.cost > 0 else 0.0
        raise StudyError(Issue("--objective", f"objective '{name}' has no known source", "unknown_objective"))

    def rows(self, t: _Tally) -> Iterator[_Row]:
        """Every active limit row, in formulation.md order (lazy: the fast path stops early)."""
        limits = self.study.limits
        chosen = t.chosen
        for limit, text in t.bad:
            yield ("eligibility", limit, 1.0, 0.0, "<=", "elements", text)
        for e in self.required:
            yield ("assign_required_once", f"required[{e}]", float(e in chosen), 1.0, "==", "elements", e)
        for e, r in self.requires_rows:
            yield ("requires_selected", f"requires[{e},{r}]", float(e in chosen) - float(r in chosen), 0.0, "<=", "elements", (e, r))
        if limits.total_budget_musd is not None:
            yield ("budget_total", "total_budget_musd", t.agency, limits.total_budget_musd, "<=", "US$M", None)
        for year, cap in self.annual:
            spend = sum(data.spend.get(year, 0.0) for data in chosen.values())
            yield ("budget_annual", f"annual_budget_musd[{year}]", spend, cap, "<=", "US$M", year)
        if limits.critical_path_max_owners is not None:
            owners = sorted({data.provider for e, data in chosen.items() if e in self.critical})
            yield (
                "critical_path_single_owner",
                "critical_path_max_owners",
                float(len(owners)),
                float(limits.critical_path_max_owners),
                "<=",
                "providers",
                owners,
            )
        for ms, cap in limits.max_milestone_slip_months.items():
            yield ("milestone_slip_limit", f"max_milestone_slip_months[{ms}]", t.milestone_slip.get(ms, 0.0), cap, "<=", "months", ms)
        if limits.min_commercial_share is not None:
            phi = limits.min_commercial_share
            yield ("commercial_share_min", "min_commercial_share", t.commercial, phi * t.cost, ">=", "US$M", phi)
        if limits.max_partner_share is not None:
            psi = limits.max_partner_share
            for p in self.international:
                yield (
                    "partner_share_max",
                    f"max_partner_share[{p}]",
                    t.intl_programme.get(p, 0.0),
                    psi * t.programme,
                    "<=",
                    "US$M",
                    (p, psi),
                )
        for category, need in limits.min_providers_per_category.items():
            providers = {data.provider for e, data in chosen.items() if self.categories[e] == category}
            yield (
                "category_redundancy",
                f"min_providers_per_category[{category}]",
                float(len(providers)),
                float(need),
                ">=",
                "providers",
                category,
            )
        for p, capacity in self.capacities:
            yield ("provider_capacity", f"capacity[{p}]", float(t.per_provider.get(p, 0)), float(capacity), "<=", "elements", p)
        for col, cap in limits.metric_max.items():
            yield ("metric_limits", f"metric_max[{col}]", self._column_sum(t, col), cap, "<=", _column_unit(col), col)
        for col, floor in limits.metric_min.items():
            yield ("metric_limits", f"metric_min[{col}]", self._column_sum(t, col), floor, ">=", _column_unit(col), col)

    @staticmethod
    def _column_sum(t: _Tally, column: str) -> float:
        if column in t.sums:
            return t.sums[column]
        return sum(data.offer.value(column) for data in t.chosen.values())

    # -- public calls -----------------------------------------------------------------------

    def evaluate(self, architecture: Architecture) -> Evaluation:
        """Full evaluation: objectives, every limit row, violations and slips."""
        t = self.tally(architecture)
        checks = []
        violations = []
        for family, limit, value, bound, sense, unit, context in self.rows(t):
            check = LimitCheck(family, limit, value, bound, sense, unit, _slack(value, bound, sense))
            checks.append(check)
            if check.violated:
                violations.append(_violation_text(check, context, t))
        return Evaluation(
            architecture=architecture,
            objectives={name: self.objective(t, name) for name in self.objective_names},
            limits=tuple(checks),
            violations=tuple(violations),
            element_slip_months=dict(t.element_slip),
            milestone_slip_months=dict(t.milestone_slip),
            study=self.study,
            _tally=t,
        )

    def objective_value(self, architecture: Architecture, name: str) -> float:
        """One objective's value, the same number as `evaluate(...).objectives[name]`."""
        return self.objective(self.tally(architecture), name)

    def feasible_objectives(self, architecture: Architecture, names: Iterable[str]) -> dict[str, float] | None:
        """Objective values by name, or None when `evaluate(...).feasible` would be False."""
        t = self.tally(architecture)
        if t.bad:
            return None
        for _family, _limit, value, bound, sense, _unit, _context in self.rows(t):
            if _slack(value, bound, sense) < -_tolerance(bound):
                return None
        return {name: self.objective(t, name) for name in names}


@dataclass(frozen=True)
class Evaluation:
    """An architecture scored against a study.

    `objectives` holds every declared objective and every built-in by name; `limits` every
    active limit row in formulation.md order; `violations` one readable line per violated row.
    Elements whose entry is not an eligible offer are ignored for every sum (and reported
    under the `eligibility` family).
    """

    architecture: Architecture
    objectives: dict[str, float]
    limits: tuple[LimitCheck, ...]
    violations: tuple[str, ...]
    element_slip_months: dict[str, float]
    milestone_slip_months: dict[str, float]
    study: Study = field(repr=False, compare=False)
    _tally: _Tally = field(repr=False, compare=False)

    @property
    def feasible(self) -> bool:
        return not self.violations

    def metrics(self) -> pd.DataFrame:
        """Columns metric, value, unit: objectives first, then totals, metric sums, milestones, counts."""
        t = self._tally
        evaluator = make_evaluator(self.study)
        rows: dict[str, tuple[float, str]] = {}
        for name, value in self.objectives.items():
            rows[name] = (value, evaluator.spec(name).display_unit)
        extra: list[tuple[str, float, str]] = [
            ("total_cost_musd", t.cost, "US$M"),
            ("agency_cost_musd", t.agency, "US$M"),
            ("programme_cost_musd", t.programme, "US$M"),
            ("partner_cost_musd", t.partner, "US$M"),
            ("onboarding_cost_musd", t.onboarding, "US$M"),
            ("commercial_share", t.commercial / t.cost if t.cost > 0 else 0.0, "fraction"),
            *((col, StudyEvaluator._column_sum(t, col), _column_unit(col)) for col in self.study.metric_columns),
            *((f"milestone_slip_months:{ms}", slip, "months") for ms, slip in t.milestone_slip.items()),
            ("elements_chosen", float(len(t.chosen)), "elements"),
            ("providers_engaged", float(len(t.per_provider)), "providers"),
            ("international_partners", float(len(t.intl_programme)), "count"),
        ]
        for name, value, unit in extra:
            rows.setdefault(name, (value, unit))
        return pd.DataFrame([(name, value, unit) for name, (value, unit) in rows.items()], columns=["metric", "value", "unit"])

    def limits_frame(self) -> pd.DataFrame:
        """One row per limit check: family, limit, value, bound, sense, unit, slack, binding, violated."""
        columns = ["family", "limit", "value", "bound", "sense", "unit", "slack", "binding", "violated"]
        return pd.DataFrame(
            [(c.family, c.limit, c.value, c.bound, c.sense, c.unit, c.slack, c.binding, c.violated) for c in self.limits],
            columns=columns,
        )

    def assignment_frame(self) -> pd.DataFrame:
        """One row per eligible chosen element, sorted by element, with offer data and slips."""
        study = self.study
        metric_columns = [col for col in study.metric_columns if col != "partner_cost_musd"]
        columns = [
            "element", "provider", "element_name", "category", "location", "critical_path", "provider_kind",
            "cost_musd", "partner_cost_musd", "programme_cost_musd", "slip_months", "element_slip_months",
            *metric_columns,
        ]  # fmt: skip
        records = []
        for e in sorted(self._tally.chosen):
            data = self._tally.chosen[e]
            element = study.elements[e]
            records.append(
                [
                    e, data.provider, element.name, element.category, element.location, element.critical_path, data.kind,
                    data.cost, data.partner, data.programme, data.slip, self._tally.element_slip[e],
                    *(data.offer.value(col) for col in metric_columns),
                ]
            )  # fmt: skip
        return pd.DataFrame(records, columns=columns)

    def budget_by_year(self) -> pd.DataFrame:
        """NASA offer spending per fiscal year of the horizon against the annual caps (onboarding excluded)."""
        caps = self.study.limits.annual_budget_musd
        records = []
        for year in self.study.fiscal_years:
            spend = sum(data.spend.get(year, 0.0) for data in self._tally.chosen.values())
            cap = caps.get(year, math.nan)
            records.append((year, spend, cap, cap - spend))
        return pd.DataFrame(records, columns=["fiscal_year", "agency_spend_musd", "annual_budget_musd", "headroom_musd"])


def _violation_text(check: LimitCheck, context: Any, t: _Tally) -> str:
    """The planner's words for a violated row."""
    over = _num(-check.slack)
    family = check.family
    if family == "eligibility":
        return str(context)
    if family == "assign_required_once":
        return f"required element {context} has no provider"
    if family == "requires_selected":
        element, required = context
        return f"element {element} requires {required}, which is not in the architecture"
    if family == "budget_total":
        return f"total budget exceeded by {over} US$M"
    if family == "budget_annual":
        return f"annual budget {context} exceeded by {over} US$M"
    if family == "critical_path_single_owner":
        owners = ", ".join(context)
        return f"critical path has {len(context)} owners ({owners}), more than critical_path_max_owners = {int(check.bound)}"
    if family == "milestone_slip_limit":
        return f"milestone {context} slips {_num(check.value)} months, {over} over the limit of {_num(check.bound)}"
    if family == "commercial_share_min":
        share = t.commercial / t.cost if t.cost > 0 else 0.0
        return f"commercial share {share:.1%} of NASA offer spending is below the minimum {context:.1%} (short by {over} US$M)"
    if family == "partner_share_max":
        provider, psi = context
        share = check.value / t.programme if t.programme > 0 else 0.0
        return f"international partner {provider} holds {share:.1%} of programme cost, above the maximum {psi:.1%} (over by {over} US$M)"
    if family == "category_redundancy":
        return f"category {context} has {int(check.value)} distinct provider(s), needs at least {int(check.bound)}"
    if family == "provider_capacity":
        return f"provider {context} delivers {int(check.value)} elements, above its capacity of {int(check.bound)}"
    if family == "metric_limits":
        if check.sense == "<=":
            return f"{context} totals {_num(check.value)}, above metric_max {_num(check.bound)}"
        return f"{context} totals {_num(check.value)}, below metric_min {_num(check.bound)}"
    return f"{check.limit} violated by {over} {check.unit}"


def _topological_order(study: Study) -> tuple[str, ...]:
    """Elements ordered so that every element comes after those it requires."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(e: str, path: tuple[str, ...]) -> None:
        if state.get(e) == 2:
            return
        if state.get(e) == 1:
            cycle = " -> ".join((*path[path.index(e) :], e))
            raise StudyError(Issue("elements.csv:requires", f"dependency cycle {cycle}", "requires_cycle"))
        state[e] = 1
        for r in study.elements[e].requires:
            if r in study.elements:
                visit(r, (*path, e))
        state[e] = 2
        order.append(e)

    for e in study.elements:
        visit(e, ())
    return tuple(order)


def make_evaluator(study: Study) -> StudyEvaluator:
    """The evaluator of a study, built once and cached by identity (the last few studies)."""
    key = id(study)
    evaluator = _CACHE.get(key)
    if evaluator is not None and evaluator.study is study:
        _CACHE.move_to_end(key)
        return evaluator
    evaluator = StudyEvaluator(study)
    _CACHE[key] = evaluator
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return evaluator


def evaluate(study: Study, architecture: Architecture) -> Evaluation:
    """Score an architecture: objectives, limit checks, violations and slips."""
    return make_evaluator(study).evaluate(architecture)


def objective_value(study: Study, architecture: Architecture, name: str) -> float:
    """One objective's value (declared or built-in), as in `evaluate(...).objectives[name]`."""
    return make_evaluator(study).objective_value(architecture, name)


def feasible_objectives(study: Study, architecture: Architecture, names: Iterable[str]) -> dict[str, float] | None:
    """Fast path for brute force: objective values by name, or None if the architecture is infeasible."""
    return make_evaluator(study).feasible_objectives(architecture, names)
