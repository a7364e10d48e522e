"""Study = elements + providers + offers + policy, and the names of its files; `architecture.study_reader.read_study` reads them."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from architecture.elements import CRITICAL_PATH_MILESTONE, Element
from architecture.errors import Issue, StudyError
from architecture.objectives import BUILTIN_OBJECTIVES
from architecture.offers import DEFAULT_PROCUREMENT, Offer
from architecture.policy import (
    Limits,
    MilestoneInfo,
    ObjectiveSpec,
    Scenario,
    StudyInfo,
)
from architecture.providers import Provider

STUDY_FILE = "study.toml"
ELEMENTS_FILE = "elements.csv"
PROVIDERS_FILE = "providers.csv"
OFFERS_FILE = "offers.csv"
COSTS_FILE = "costs.csv"
REQUIRED_COLUMNS = {
    ELEMENTS_FILE: ("id", "name", "category", "location", "required", "critical_path", "requires"),
    PROVIDERS_FILE: ("id", "name", "kind"),
    OFFERS_FILE: ("element", "provider", "cost_musd", "slip_months"),
    COSTS_FILE: ("element", "provider", "fiscal_year", "cost_musd"),
}
TOML_TABLES = ("study", "limits", "objectives", "milestones", "scenarios")
PROFILE_TOLERANCE_MUSD = 1e-3


@dataclass(frozen=True)
class Change:
    """One logged change made by a scenario or an override: `key: old -> new`."""

    scenario: str
    key: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.scenario}: {self.key}: {self.old!r} -> {self.new!r}"


@dataclass(frozen=True)
class Study:
    """A whole study in memory. Immutable: scenarios return a new Study."""

    info: StudyInfo
    elements: Mapping[str, Element]
    providers: Mapping[str, Provider]
    offers: Mapping[tuple[str, str], Offer]
    limits: Limits = field(default_factory=Limits)
    objectives: Mapping[str, ObjectiveSpec] = field(default_factory=dict)
    milestone_info: Mapping[str, MilestoneInfo] = field(default_factory=dict)
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    metric_columns: tuple[str, ...] = ()
    path: str | None = None
    input_sha256: Mapping[str, str] = field(default_factory=dict)
    scenario_chain: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def fiscal_years(self) -> tuple[int, ...]:
        return self.info.fiscal_years

    @property
    def milestones(self) -> tuple[str, ...]:
        """Every milestone gated by some element, `critical_path` last, in file order."""
        seen: dict[str, None] = {}
        for element in self.elements.values():
            for ms in element.milestones:
                seen.setdefault(ms)
        if any(element.critical_path for element in self.elements.values()):
            seen.setdefault(CRITICAL_PATH_MILESTONE)
        return tuple(seen)

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Offers columns an objective or a metric limit may sum."""
        return ("cost_musd", "slip_months", *self.metric_columns)

    def objective(self, name: str, where: str = "--objective") -> ObjectiveSpec:
        """A declared objective, or a built-in by name; StudyError if unknown, located at `where` (the option or key that named it)."""
        if name in self.objectives:
            return self.objectives[name]
        if name in BUILTIN_OBJECTIVES:
            kind = BUILTIN_OBJECTIVES[name]
            return ObjectiveSpec(name=name, sense=kind.sense, builtin=name, unit=kind.unit, description=kind.meaning)  # type: ignore[arg-type]
        names = [*self.objectives, *BUILTIN_OBJECTIVES]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise StudyError(Issue(where, f"unknown objective '{name}'; {hint}known: {', '.join(names)}", "unknown_objective"))

    def tie_break_order(self, primary: str) -> tuple[str, ...]:
        """The objectives that choose among equal optima of `primary`: the study's other declared objectives, in declaration order.

        Optimised one after the other, each held at its best (docs/formulation.md#equal-optima-the-tie-break), so that
        every command's optimum is Pareto-efficient over the declared objectives. One that measures what an earlier one
        does (same builtin or column, milestone and sense) is left out: it is already held.
        """
        def measure(spec: ObjectiveSpec) -> tuple[object, ...]:
            return (spec.builtin, spec.column, spec.milestone, spec.sense)

        held = {measure(self.objective(primary))}
        order = []
        for name, spec in self.objectives.items():
            if name != primary and measure(spec) not in held:
                held.add(measure(spec))
                order.append(name)
        return tuple(order)

    @property
    def default_objective(self) -> str:
        return next(iter(self.objectives), "agency_cost_musd")

    def spend_musd(self, offer: Offer) -> dict[int, float]:
        """NASA spending of an offer by fiscal year: its profile (or an even spread), then its operations years."""
        if offer.spend_musd:
            spend = dict(offer.spend_musd)
        else:
            first = offer.first_year if offer.first_year is not None else self.info.first_year
            last = offer.last_year if offer.last_year is not None else self.info.last_year
            years = range(first, last + 1)
            spend = {fy: offer.cost_musd / len(years) for fy in years} if years and offer.cost_musd != 0 else {}
        for fy in self.operations_years(offer):
            spend[fy] = spend.get(fy, 0.0) + offer.ops_musd_per_year
        return spend

    def operations_years(self, offer: Offer) -> range:
        """Fiscal years of the offer's operations: after its delivery (`last_year`, else its profile's last year) to the horizon's end."""
        if offer.ops_musd_per_year == 0:
            return range(0)
        delivered = offer.last_year if offer.last_year is not None else max(offer.spend_musd, default=self.info.last_year)
        return range(delivered + 1, self.info.last_year + 1)

    def offer_cost_musd(self, offer: Offer) -> float:
        """What the offer costs NASA over the horizon (US$M): `cost_musd` plus its operations."""
        return offer.cost_musd + offer.ops_musd_per_year * len(self.operations_years(offer))

    def offer_value(self, offer: Offer, column: str) -> float:
        """An offer's value in a numeric column, as every sum reads it: cost_musd with its operations."""
        return self.offer_cost_musd(offer) if column == "cost_musd" else offer.value(column)

    def procurement(self, offer: Offer) -> str:
        """Who owns and operates the offer's delivery: offers.csv `procurement`, else its provider kind's default."""
        if offer.procurement is not None:
            return offer.procurement
        provider = self.providers.get(offer.provider)
        return DEFAULT_PROCUREMENT.get(provider.kind if provider is not None else "", "commercial_service")

    def is_commercial(self, offer: Offer) -> bool:
        """Whether the offer's spending counts as commercial, on the study's `limits.commercial_share_basis`.

        procurement (default): a commercial service; builder: built by a commercial company (the reading before procurement).
        """
        if self.limits.commercial_share_basis == "builder":
            builder = self.providers.get(offer.builder_id)
            return builder is not None and builder.kind == "commercial"
        return self.procurement(offer) == "commercial_service"

    def owner(self, offer: Offer) -> str:
        """Who owns the offer's delivery on the critical path: NASA for agency-owned hardware, else the provider (contract holder).

        NASA is the study's first provider of kind nasa (the id `nasa` when there is none).
        """
        if self.procurement(offer) == "agency_owned":
            return next((p.id for p in self.providers.values() if p.kind == "nasa"), "nasa")
        return offer.provider

    def owner_kind(self, offer: Offer) -> str:
        """The provider kind of the offer's owner (Study.owner): what `critical_path_owners` reads."""
        owner = self.providers.get(self.owner(offer))
        return owner.kind if owner is not None else "nasa"

    def builders(self) -> tuple[str, ...]:
        """Providers that build at least one offer, in providers.csv order."""
        built = {offer.builder_id for offer in self.offers.values()}
        return tuple(p for p in self.providers if p in built)

    def yes_no_attributes(self) -> tuple[str, ...]:
        """Provider columns a scope may match on: the true/false fields and the extra columns filled with yes/no (blank: no)."""
        names = [name for name, f in Provider.model_fields.items() if f.annotation in (bool, "bool")]
        extra = {key for provider in self.providers.values() for key in (provider.model_extra or {})}
        names += sorted(key for key in extra if all(p.flag(key) is not None for p in self.providers.values()))
        return tuple(names)

    def with_changes(self, **updates: Any) -> Study:
        return replace(self, **updates)


