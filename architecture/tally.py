"""Raw quantities of an architecture (what it costs, spends, slips and engages), from tables built once per study."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from architecture.architecture import Architecture
from architecture.confidence import IN_SAMPLE, Simulation, sample_offer_slips, simulate
from architecture.eligibility import exclusion_reason, offer_in_scope
from architecture.errors import Issue, StudyError
from architecture.offers import Offer
from architecture.policy import ObjectiveSpec
from architecture.study import Study


@dataclass(frozen=True, slots=True)
class OfferData:
    """Per-offer numbers precomputed once per study."""

    offer: Offer
    element: str
    provider: str
    kind: str
    builder: str  # who builds it (the provider when offers.csv leaves builder blank)
    builder_kind: str
    procurement: str  # who owns and operates it (Study.procurement)
    owner: str  # who owns it on the critical path (Study.owner)
    commercial: bool  # counts as commercial spending on the study's commercial_share_basis (Study.is_commercial)
    line: str | None  # the budget line that pays it
    cost: float  # cost_musd plus operations (Study.offer_cost_musd)
    partner: float
    programme: float
    slip: float
    spend: Mapping[int, float]
    values: Mapping[str, float]
    reason: str | None

    def value(self, column: str) -> float:
        """The offer's value in a numeric column (Study.offer_value: cost_musd includes operations)."""
        return self.values[column] if column in self.values else self.offer.value(column)


@dataclass(slots=True)
class Tally:
    """Raw quantities of one architecture: the sums every limit check and objective reads."""

    chosen: dict[str, OfferData]
    bad: list[tuple[str, str]]  # (limit, violation text)
    cost: float = 0.0
    partner: float = 0.0
    programme: float = 0.0
    commercial: float = 0.0  # NASA cost of offers a commercial company builds
    onboarding: float = 0.0
    per_provider: dict[str, int] = field(default_factory=dict)
    per_builder: dict[str, float] = field(default_factory=dict)  # NASA cost of the offers each company builds
    per_line: dict[str, float] = field(default_factory=dict)  # NASA cost paid from each budget line
    intl_programme: dict[str, float] = field(default_factory=dict)  # every engaged international provider
    sums: dict[str, float] = field(default_factory=dict)
    element_slip: dict[str, float] = field(default_factory=dict)
    milestone_slip: dict[str, float] = field(default_factory=dict)
    tables: Any = None  # the StudyTables that made it (for the in-sample confidence)
    sampled: Simulation | None = None

    def confidence(self, milestone: str | None) -> float:
        """In-sample chance that `milestone` (None: every milestone with a slip limit, together) keeps its slip limit."""
        return self.tables.confidence(self, milestone)

    @property
    def agency(self) -> float:
        return self.cost + self.onboarding

    @property
    def commercial_share(self) -> float:
        """Commercial offers' share of NASA offer spending (0 when nothing is spent)."""
        return self.commercial / self.cost if self.cost > 0 else 0.0

    def column_sum(self, column: str) -> float:
        """Sum of an offers column over the chosen offers (cost_musd with operations)."""
        if column in self.sums:
            return self.sums[column]
        return sum(data.value(column) for data in self.chosen.values())

    def line_spend(self, line: str, year: int) -> float:
        """NASA spending from one budget line in one fiscal year (US$M)."""
        return sum(data.spend.get(year, 0.0) for data in self.chosen.values() if data.line == line)


class StudyTables:
    """Per-study tables, built once; `tally` sums one architecture quickly.

    The study is treated as immutable (as `Study` documents): build new tables for a new study.
    """

    def __init__(self, study: Study, like: StudyTables | None = None):
        """`like`: tables of a study that may share this one's offers (a what-if of limits): their offer table is reused."""
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
        self.topo_order = topological_order(study)
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
                    *(limit.metric for limit in limits.metric_limit),
                ]
            )
        )
        if like is not None and self._same_offers(like):
            self.offers = like.offers
            self._samples = like._samples  # the same offers and [study]: the same sample set, drawn once for both
        else:
            self.offers = {key: self._offer_data(offer) for key, offer in study.offers.items()}
            self._samples: dict[str, dict[tuple[str, str], np.ndarray]] = {}
        self.onboarding = {p: prov.onboarding_cost_musd for p, prov in study.providers.items()}
        self.international = tuple(p for p, prov in study.providers.items() if prov.kind == "international")
        self.capacities = tuple((p, prov.capacity) for p, prov in study.providers.items() if prov.capacity is not None)
        self.annual = tuple(sorted(limits.annual_budget_musd.items()))
        by_contract: dict[str, list[tuple[str, str]]] = {}
        for key, offer in study.offers.items():
            if offer.contract is not None:
                by_contract.setdefault(offer.contract, []).append(key)
        #: contract -> its offers, for contracts offered for two or more elements
        self.contracts = {c: tuple(keys) for c, keys in by_contract.items() if len(keys) > 1}
        #: the offers in each [[limits.metric_limit]]'s scope (a what-if of other limits shares them)
        if like is not None and self.offers is like.offers and like.study.limits.metric_limit == limits.metric_limit:
            self.scopes = like.scopes
        else:
            self.scopes = tuple(frozenset(key for key, offer in study.offers.items() if offer_in_scope(study, limit, offer))
                                for limit in limits.metric_limit)
        self.builders = study.builders()
        self._specs: dict[str, ObjectiveSpec] = {}

    def _same_offers(self, other: StudyTables) -> bool:
        """Whether the offer table of `other` is this study's: the same offers, parties and horizon, the same exclusions."""
        mine, theirs = self.study, other.study
        same_parts = all(getattr(mine, part) is getattr(theirs, part) for part in ("offers", "providers", "elements", "info"))
        rules = ("excluded_providers", "barred", "critical_path_owners", "commercial_share_basis")
        return same_parts and self.columns == other.columns and all(getattr(mine.limits, r) == getattr(theirs.limits, r) for r in rules)

    def _offer_data(self, offer: Offer) -> OfferData:
        providers = self.study.providers
        provider, builder = providers.get(offer.provider), providers.get(offer.builder_id)
        cost = self.study.offer_cost_musd(offer)
        return OfferData(
            offer=offer,
            element=offer.element,
            provider=offer.provider,
            kind=provider.kind if provider is not None else "",
            builder=offer.builder_id,
            builder_kind=builder.kind if builder is not None else "",
            procurement=self.study.procurement(offer),
            owner=self.study.owner(offer),
            commercial=self.study.is_commercial(offer),
            line=offer.budget_line,
            cost=cost,
            partner=offer.partner_cost_musd,
            programme=cost + offer.partner_cost_musd,
            slip=offer.slip_months,
            spend=self.study.spend_musd(offer),
            values={col: self.study.offer_value(offer, col) for col in self.columns},
            reason=exclusion_reason(self.study, offer),
        )

    def spec(self, name: str) -> ObjectiveSpec:
        """The objective called `name` (declared first, then built-in); StudyError if unknown."""
        spec = self._specs.get(name)
        if spec is None:
            spec = self._specs[name] = self.study.objective(name)
        return spec

    def tally(self, architecture: Architecture) -> Tally:
        """Sort the assignment into valid choices and bad entries, and sum everything."""
        chosen: dict[str, OfferData] = {}
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
        t = Tally(chosen=chosen, bad=bad, tables=self)
        sums = dict.fromkeys(self.columns, 0.0)
        for data in chosen.values():
            t.cost += data.cost
            t.partner += data.partner
            t.programme += data.programme
            if data.commercial:
                t.commercial += data.cost
            t.per_builder[data.builder] = t.per_builder.get(data.builder, 0.0) + data.cost
            if data.line is not None:
                t.per_line[data.line] = t.per_line.get(data.line, 0.0) + data.cost
            if data.kind == "international":
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

    @property
    def in_sample(self) -> dict[tuple[str, str], np.ndarray]:
        """The optimiser's sample set: sampled slip months of every offer (confidence_samples, confidence_seed)."""
        cached = self._samples.get("in_sample")
        if cached is None:
            info, offers = self.study.info, list(self.study.offers.values())
            drawn = sample_offer_slips(self.study, offers, info.confidence_samples, info.confidence_seed, IN_SAMPLE)
            cached = self._samples["in_sample"] = {offer.key: drawn[:, j] for j, offer in enumerate(offers)}
        return cached

    def confidence(self, t: Tally, milestone: str | None) -> float:
        """`Tally.confidence`: the share of the sample set in which the milestone(s) keep their slip limits."""
        limits = self.study.limits.max_milestone_slip_months
        names = [ms for ms in ([milestone] if milestone is not None else self.milestones) if ms in limits]
        if not names:
            return 1.0
        if t.sampled is None:
            info = self.study.info
            drawn = np.array([self.in_sample[(e, data.provider)] for e, data in t.chosen.items()]).reshape(len(t.chosen), info.confidence_samples).T
            t.sampled = simulate(self.study, {e: data.offer for e, data in t.chosen.items()}, self.topo_order, self.gating,
                                 info.confidence_samples, info.confidence_seed, IN_SAMPLE, slips=drawn)
        met = np.ones(t.sampled.samples, dtype=bool)
        for ms in names:
            met &= t.sampled.milestone_slip[ms] <= limits[ms] + 1e-9
        return float(met.mean())


def topological_order(study: Study) -> tuple[str, ...]:
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
