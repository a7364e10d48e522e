"""Study -> ModelData: the sets and parameters of docs/formulation.md, pure Python, no Pyomo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from architecture import Study, eligible_offers
from architecture.elements import CRITICAL_PATH_MILESTONE
from architecture.evaluate import make_evaluator
from architecture.objectives import ObjectiveKind
from architecture.offers import Offer

Pair = tuple[str, str]


@dataclass(frozen=True)
class ModelData:
    """Everything the model needs, indexed by ids; built once per study variant.

    `offers` holds only eligible (element, provider) pairs; `excluded` keeps the reason for every
    other offer of the study (for the run manifest).
    """

    study: Study
    elements: tuple[str, ...]
    required: frozenset[str]
    critical: tuple[str, ...]
    providers: tuple[str, ...]
    kind: Mapping[str, str]
    offers: Mapping[Pair, Offer]
    excluded: Mapping[Pair, str]
    offers_of_element: Mapping[str, tuple[Pair, ...]]
    offers_of_provider: Mapping[str, tuple[Pair, ...]]
    requires: tuple[Pair, ...]
    fiscal_years: tuple[int, ...]
    spend_musd: Mapping[Pair, Mapping[int, float]]
    milestones: tuple[str, ...]
    gating: Mapping[str, tuple[str, ...]]
    slip_bound_months: Mapping[str, float]
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: c[e,p]: NASA cost over the horizon, cost_musd plus operations (US$M)
    cost_musd: Mapping[Pair, float] = field(default_factory=dict)
    #: b[e,p]: the company that builds the offer (offers.csv builder, else the provider)
    builder: Mapping[Pair, str] = field(default_factory=dict)
    #: o[e,p]: who owns the delivery on the critical path (Study.owner: NASA for agency-owned hardware, else the provider)
    owner: Mapping[Pair, str] = field(default_factory=dict)
    #: offers whose spending counts as commercial on the study's commercial_share_basis (Study.is_commercial)
    commercial: frozenset[Pair] = frozenset()
    #: offer prices change after the build (break-even prices): keep rows that could bind only at other prices
    prices_move: bool = False

    def value(self, pair: Pair, column: str) -> float:
        """An offer's value in a numeric column; cost_musd includes operations (c[e,p])."""
        return self.study.offer_value(self.offers[pair], column)

    @property
    def limits(self):  # noqa: ANN201 - architecture.policy.Limits
        return self.study.limits

    def selected_is_fixed(self, element: str) -> bool:
        """A required element is always in the architecture (sigma_e = 1)."""
        return element in self.required

    @cached_property
    def sample_slips(self) -> Mapping[Pair, np.ndarray]:
        """S[e,p,s]: slip months of each eligible offer in each sample of the study's sample set.

        Drawn once per study (architecture/tally.py), so the evaluator scores the model's answers on the very same numbers.
        """
        in_sample = make_evaluator(self.study).in_sample
        return {pair: in_sample[pair] for pair in self.offers}

    def sampled_milestones(self, specs: Sequence[Any] = ()) -> tuple[str, ...]:
        """Milestones whose per-sample misses the model needs: confidence limits, and confidence objectives among `specs`."""
        limited = self.limits.max_milestone_slip_months
        names = list(self.limits.milestone_confidence)
        for spec in specs:
            if spec.builtin == "milestone_confidence":
                names += [spec.milestone] if spec.milestone is not None else [ms for ms in self.milestones if ms in limited]
        return tuple(ms for ms in dict.fromkeys(names) if ms in limited and ms in self.milestones)

    def closure(self, element: str) -> tuple[str, ...]:
        """The element and everything it requires, directly or not (elements with offers only)."""
        seen: dict[str, None] = {}
        stack = [element]
        while stack:
            e = stack.pop()
            if e in seen or e not in self.offers_of_element:
                continue
            seen[e] = None
            stack.extend(self.study.elements[e].requires)
        return tuple(e for e in seen if self.offers_of_element[e])

    def needs_slip(self, kinds: Sequence[ObjectiveKind] = ()) -> bool:
        """Slip variables exist only when a milestone limit or an objective of a slip kind needs them."""
        return bool(self.limits.max_milestone_slip_months) or any(kind.needs_slip for kind in kinds)


def _slip_bounds(study: Study, offers_of_element: Mapping[str, tuple[Pair, ...]], offers: Mapping[Pair, Offer]) -> dict[str, float]:
    """L_e: the largest slip an element can reach along its requires chain (the only big-M)."""
    bounds: dict[str, float] = {}

    def bound(eid: str) -> float:
        if eid not in bounds:
            own = max((offers[pair].slip_months for pair in offers_of_element.get(eid, ())), default=0.0)
            bounds[eid] = own + max((bound(r) for r in study.elements[eid].requires if r in study.elements), default=0.0)
        return bounds[eid]

    for eid in study.elements:
        bound(eid)
    return bounds


def to_model_data(study: Study, prices_move: bool = False) -> ModelData:
    """Sets and parameters of the formulation; exclusions applied, reasons kept (`prices_move`: see ModelData)."""
    eligible, excluded = eligible_offers(study)
    by_element: dict[str, list[Pair]] = {eid: [] for eid in study.elements}
    by_provider: dict[str, list[Pair]] = {pid: [] for pid in study.providers}
    for pair in eligible:
        by_element[pair[0]].append(pair)
        by_provider[pair[1]].append(pair)
    offers_of_element = {k: tuple(v) for k, v in by_element.items()}
    gating: dict[str, list[str]] = {ms: [] for ms in study.milestones}
    categories: dict[str, list[str]] = {}
    for element in study.elements.values():
        for ms in element.milestones:
            gating[ms].append(element.id)
        if element.critical_path:
            gating[CRITICAL_PATH_MILESTONE].append(element.id)
        if element.category in study.limits.min_providers_per_category or element.category in study.limits.min_builders_per_category:
            categories.setdefault(element.category, []).append(element.id)
    return ModelData(
        study=study,
        elements=tuple(study.elements),
        required=frozenset(e.id for e in study.elements.values() if e.required),
        critical=tuple(e.id for e in study.elements.values() if e.critical_path),
        providers=tuple(study.providers),
        kind={p.id: p.kind for p in study.providers.values()},
        offers=eligible,
        excluded=excluded,
        offers_of_element=offers_of_element,
        offers_of_provider={k: tuple(v) for k, v in by_provider.items()},
        requires=tuple((e.id, r) for e in study.elements.values() for r in e.requires),
        fiscal_years=study.fiscal_years,
        spend_musd={pair: study.spend_musd(offer) for pair, offer in eligible.items()},
        milestones=study.milestones,
        gating={k: tuple(v) for k, v in gating.items()},
        slip_bound_months=_slip_bounds(study, offers_of_element, eligible),
        categories={k: tuple(v) for k, v in categories.items()},
        prices_move=prices_move,
        cost_musd={pair: study.offer_cost_musd(offer) for pair, offer in eligible.items()},
        builder={pair: offer.builder_id for pair, offer in eligible.items()},
        owner={pair: study.owner(offer) for pair, offer in eligible.items()},
        commercial=frozenset(pair for pair, offer in eligible.items() if study.is_commercial(offer)),
    )
