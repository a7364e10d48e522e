"""Objective kinds: each built-in objective, and the sum of an offers column, as one record.

A record says everything the engine needs of an objective: its sense, unit and meaning, its value
for an architecture (the evaluator), the grid its values lie on (exact Pareto fronts), a bound no
architecture exceeds (a Pareto bound row that never binds), and what the model must hold for it
(slip variables, partner counters, a ratio's parametric form). The model's expression for each kind
is `objective_<name>` in optimizer/model/objectives.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from architecture.offers import Offer
    from architecture.policy import ObjectiveSpec
    from architecture.study import Study
    from architecture.tally import Tally

RATIO_RESOLUTION = 1e-6  # shares closer than this count as equal
MAX_DECIMALS = 6  # objective values are compared on a grid no finer than 1e-6 of their unit


class OfferTables(Protocol):
    """What bounds and grids read of a study once exclusions are applied (optimizer.model.data.ModelData has it)."""

    study: Study
    providers: Sequence[str]
    offers: Mapping[tuple[str, str], Offer]
    offers_of_element: Mapping[str, Sequence[tuple[str, str]]]
    slip_bound_months: Mapping[str, float]


@dataclass(frozen=True)
class ObjectiveKind:
    """One kind of objective (docs/formulation.md#objectives).

    `value(tally, spec)`: its value for an architecture. `grid(tables, spec)`: numbers whose
    decimals set the grid its values lie on, unless `step` fixes it. `loose_bound(tables, sign, spec)`:
    a bound on sign * value that no architecture exceeds. `needs_slip`: the model needs slip
    variables; `counts_partners`: it needs a used-or-not variable per partner; `is_ratio`: a
    fraction, optimised by Dinkelbach's iterations; `per_milestone`: it may be declared for one milestone.
    """

    name: str
    sense: str
    unit: str
    meaning: str
    value: Callable[[Tally, ObjectiveSpec], float]
    loose_bound: Callable[[OfferTables, int, ObjectiveSpec], float]
    grid: Callable[[OfferTables, ObjectiveSpec], Iterable[float]] | None = None
    step: float | None = None
    needs_slip: bool = False
    counts_partners: bool = False
    is_ratio: bool = False
    per_milestone: bool = False  # a declared objective may name one milestone (`milestone = "..."`)
    samples_slips: bool = False  # read on the optimiser's sample set of slips (docs/formulation.md#sample_milestone_miss)


def _per_element_most(tables: OfferTables, sign: int, value: Callable[[Offer], float]) -> float:
    """The largest sign * sum any architecture reaches: each element's best offer (or none), added up."""
    total = 0.0
    for pairs in tables.offers_of_element.values():
        total += max([0.0, *(sign * value(tables.offers[pair]) for pair in pairs)])
    return total


def _onboarding(tables: OfferTables) -> list[float]:
    return [tables.study.providers[p].onboarding_cost_musd for p in tables.providers]


def _agency_cost_bound(tables: OfferTables, sign: int, spec: ObjectiveSpec) -> float:
    return _per_element_most(tables, sign, lambda offer: tables.study.offer_value(offer, "cost_musd")) + sum(_onboarding(tables)) + 1.0


def _column_bound(tables: OfferTables, sign: int, spec: ObjectiveSpec) -> float:
    column = spec.column or ""
    return _per_element_most(tables, sign, lambda offer: tables.study.offer_value(offer, column)) + 1.0


def _worst_milestone(tally: Tally, spec: ObjectiveSpec) -> float:
    if spec.milestone is not None:
        return tally.milestone_slip.get(spec.milestone, 0.0)
    return max(tally.milestone_slip.values(), default=0.0)


BUILTIN_OBJECTIVES: dict[str, ObjectiveKind] = {kind.name: kind for kind in (
    ObjectiveKind(
        "agency_cost_musd", "min", "US$M", "NASA spending: chosen offers' cost_musd and operations, plus onboarding costs",
        value=lambda tally, spec: tally.agency,
        loose_bound=_agency_cost_bound,
        grid=lambda tables, spec: [*(tables.study.offer_value(offer, "cost_musd") for offer in tables.offers.values()), *_onboarding(tables)],
    ),
    ObjectiveKind(
        "milestone_slip_months", "min", "months", "slip of the worst milestone (or of one milestone)",
        value=_worst_milestone,
        loose_bound=lambda tables, sign, spec: max(tables.slip_bound_months.values(), default=0.0) + 1.0,
        grid=lambda tables, spec: [offer.slip_months for offer in tables.offers.values()],  # sums of offer slips
        needs_slip=True,
        per_milestone=True,
    ),
    ObjectiveKind(
        "milestone_confidence", "max", "probability",
        "chance that a milestone (or every milestone with a slip limit, together) keeps max_milestone_slip_months, on the sample set",
        value=lambda tally, spec: tally.confidence(spec.milestone),
        loose_bound=lambda tables, sign, spec: 2.0,
        grid=lambda tables, spec: [1.0 / tables.study.info.confidence_samples],
        per_milestone=True,
        samples_slips=True,
    ),
    ObjectiveKind(
        "international_partners", "max", "count", "distinct international providers engaged",
        value=lambda tally, spec: float(len(tally.intl_programme)),
        loose_bound=lambda tables, sign, spec: 1.0,
        step=1.0,
        counts_partners=True,
    ),
    ObjectiveKind(
        "commercial_share", "max", "fraction", "commercial share of NASA offer spending",
        value=lambda tally, spec: tally.commercial_share,
        loose_bound=lambda tables, sign, spec: 1.0,
        step=RATIO_RESOLUTION,
        is_ratio=True,
    ),
)}

#: A declared objective that sums an offers column (`column = "..."` in study.toml); its sense is declared.
COLUMN_OBJECTIVE = ObjectiveKind(
    "column", "", "", "the sum of an offers column over the chosen offers",
    value=lambda tally, spec: tally.column_sum(spec.column or ""),
    loose_bound=_column_bound,
    grid=lambda tables, spec: [tables.study.offer_value(offer, spec.column or "") for offer in tables.offers.values()],
)


def objective_kind(spec: ObjectiveSpec) -> ObjectiveKind:
    """The record of a declared or built-in objective."""
    return BUILTIN_OBJECTIVES[spec.builtin] if spec.builtin is not None else COLUMN_OBJECTIVE


def resolution_of(tables: OfferTables, spec: ObjectiveSpec) -> float:
    """The grid an objective's values lie on: its kind's fixed step, or the decimals of the data that sum into it.

    Two architectures whose values differ by less than half of it are equal in that objective (fronts, tie-breaks).
    """
    kind = objective_kind(spec)
    if kind.step is not None:
        return kind.step
    assert kind.grid is not None
    decimals = min(MAX_DECIMALS, max((_decimals(v) for v in kind.grid(tables, spec)), default=0))
    return 10.0 ** -decimals


def _decimals(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else MAX_DECIMALS
