"""Limits, objectives and scenarios as declared in study.toml (validated, extra keys forbidden)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from architecture.elements import Id
from architecture.objectives import BUILTIN_OBJECTIVES
from architecture.providers import Kind

Fraction = Annotated[float, Field(ge=0, le=1)]  # a share between 0 and 1
NONE = "none"  # `--fix ELEMENT=none`: the element is left out of the architecture

class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ProviderScope(Strict):
    """Which offers a rule covers: every key given must match. Keys beyond the named ones are yes/no provider attributes.

    An attribute key (`accords_signatory = false`, or any yes/no column of providers.csv) matches the providers whose
    attribute has that value; checks.check_limits_refer_to_known_things reports names that are not yes/no columns.
    """

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)

    kind: Kind | None = None
    location: Literal["gateway", "surface"] | None = None
    category: Id | None = None

    @model_validator(mode="after")
    def _attributes_are_yes_no(self) -> ProviderScope:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, bool):
                raise ValueError(f"unknown key '{key}' (a provider attribute scope takes true or false, got {value!r})")
        return self

    @property
    def attributes(self) -> dict[str, bool]:
        """The yes/no provider attributes this scope matches on."""
        return dict(self.model_extra or {})

    def scope_words(self) -> list[str]:
        words = [f"{key} = {'true' if value else 'false'}" for key, value in self.attributes.items()]
        return [*(w for w in (self.kind, self.location, self.category) if w), *words]


class BarRule(ProviderScope):
    """Bars offers matching every given key: who (provider, kind, country, a yes/no attribute) and where."""

    provider: Id | None = None
    country: str | None = None
    element: Id | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _needs_who(self) -> BarRule:
        if self.provider is None and self.kind is None and self.country is None and not self.attributes:
            raise ValueError("a barred rule needs provider, kind, country or a yes/no provider attribute")
        return self

    def describe(self) -> str:
        who = self.provider or self.kind or self.country or ", ".join(f"{k} = {str(v).lower()}" for k, v in self.attributes.items())
        where = self.element or self.category or self.location or "everywhere"
        text = f"{who} barred from {where}"
        return f"{text} ({self.reason})" if self.reason else text


class MetricLimit(ProviderScope):
    """`[[limits.metric_limit]]`: an offers column summed over the chosen offers in scope, kept within `min` / `max`."""

    metric: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _needs_bound(self) -> MetricLimit:
        if self.min is None and self.max is None:
            raise ValueError("a metric_limit needs min, max or both")
        return self

    def describe(self) -> str:
        scope = self.scope_words()
        return f"{self.metric} ({', '.join(scope)})" if scope else self.metric


class Limits(Strict):
    """Policy limits; a limit left as None (absent) is not applied.

    Money in US$M, slip in months, shares as fractions 0-1.
    """

    total_budget_musd: NonNegativeFloat | None = None
    annual_budget_musd: dict[int, NonNegativeFloat] = Field(default_factory=dict)
    critical_path_owners: tuple[Kind, ...] | None = None
    critical_path_max_owners: PositiveInt | None = None
    excluded_providers: tuple[Id, ...] = ()
    barred: tuple[BarRule, ...] = ()
    max_milestone_slip_months: dict[Id, NonNegativeFloat] = Field(default_factory=dict)
    #: milestone -> least chance (0-1) that it slips no more than max_milestone_slip_months (sample average approximation)
    milestone_confidence: dict[Id, Fraction] = Field(default_factory=dict)
    min_commercial_share: float | None = Field(default=None, ge=0, le=1)
    #: what makes spending commercial: the offer's procurement (commercial_service) or, by explicit choice, its builder's kind
    commercial_share_basis: Literal["procurement", "builder"] = "procurement"
    max_partner_share: float | None = Field(default=None, ge=0, le=1)
    min_providers_per_category: dict[Id, PositiveInt] = Field(default_factory=dict)
    metric_max: dict[str, float] = Field(default_factory=dict)
    metric_min: dict[str, float] = Field(default_factory=dict)
    #: sums of offers columns over a scope of offers (location, category, provider kind, yes/no provider attributes)
    metric_limit: tuple[MetricLimit, ...] = ()
    #: category -> least number of distinct builders (offers.csv builder) of its chosen elements
    min_builders_per_category: dict[Id, PositiveInt] = Field(default_factory=dict)
    #: most share (0-1) of NASA offer spending that offers one company builds may take
    max_builder_share: float | None = Field(default=None, ge=0, le=1)
    #: budget line (offers.csv budget_line) -> NASA spending cap over the horizon (US$M)
    line_budget_musd: dict[Id, NonNegativeFloat] = Field(default_factory=dict)
    #: budget line -> fiscal year -> NASA spending cap that year (US$M)
    line_annual_budget_musd: dict[Id, dict[int, NonNegativeFloat]] = Field(default_factory=dict)
    #: decisions taken as given (`--fix ELEMENT=PROVIDER`, `--fix ELEMENT=none` to leave an optional element out)
    fixed: dict[Id, Id] = Field(default_factory=dict)
    #: offers ruled out by choice (`--forbid ELEMENT=PROVIDER`): element -> providers
    forbidden: dict[Id, tuple[Id, ...]] = Field(default_factory=dict)


class ObjectiveSpec(Strict):
    """A named objective: a sum over an offers column, or a built-in."""

    name: str = ""
    sense: Literal["min", "max"]
    column: str | None = None
    builtin: Literal[tuple(BUILTIN_OBJECTIVES)] | None = None  # type: ignore[valid-type]
    milestone: Id | None = None
    unit: str | None = None
    description: str = ""
    #: a Pareto front's step in this objective (its unit): the front is then exact at this resolution (docs/pareto.md)
    resolution: PositiveFloat | None = None

    @model_validator(mode="before")
    @classmethod
    def _builtin_sense(cls, data: Any) -> Any:
        """A built-in objective's sense defaults to its own (declaring it is still allowed)."""
        if isinstance(data, dict) and "sense" not in data and data.get("builtin") in BUILTIN_OBJECTIVES:
            return {**data, "sense": BUILTIN_OBJECTIVES[data["builtin"]].sense}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> ObjectiveSpec:
        if (self.column is None) == (self.builtin is None):
            raise ValueError("an objective needs exactly one of `column` or `builtin`")
        if self.milestone is not None and (self.builtin is None or not BUILTIN_OBJECTIVES[self.builtin].per_milestone):
            per_milestone = ", ".join(f'"{name}"' for name, kind in BUILTIN_OBJECTIVES.items() if kind.per_milestone)
            raise ValueError(f"`milestone` applies only to builtin = {per_milestone}")
        return self

    @property
    def display_unit(self) -> str:
        if self.unit:
            return self.unit
        if self.builtin:
            return BUILTIN_OBJECTIVES[self.builtin].unit
        column = self.column or ""
        if column.endswith("_musd"):
            return "US$M"
        if column.endswith("_months"):
            return "months"
        return "score"


class Scenario(Strict):
    """A named what-if: removals, then `set` (path -> value), then `scale` (path -> factor), then `add` (path -> amount)."""

    name: str = ""
    description: str = ""
    remove_elements: tuple[Id, ...] = ()
    remove_providers: tuple[Id, ...] = ()
    #: companies whose built offers (offers.csv builder) are removed, whoever procures them
    remove_builders: tuple[Id, ...] = ()
    set: dict[str, Any] = Field(default_factory=dict)
    scale: dict[str, float] = Field(default_factory=dict)
    add: dict[str, float] = Field(default_factory=dict)


class StudyInfo(Strict):
    """The [study] table: name, fiscal-year horizon (inclusive) and how slips pass along `requires`.

    `slip_propagation = "max"` (default): an element is ready no earlier than its own slip and the
    slips of what it requires (reported slips already include waiting). `"add"`: slips add up
    along the chain (serial development that cannot absorb a predecessor's delay).
    """

    name: str = Field(min_length=1)
    description: str = ""
    first_year: int
    last_year: int
    slip_propagation: Literal["max", "add"] = "max"
    #: how one provider's offers slip together (0: independently); see architecture/confidence.py
    slip_correlation: float = Field(default=0.0, ge=0, lt=1)
    #: months added to an element's slip when its provider fails (offers.csv failure_probability)
    reprocurement_months: NonNegativeFloat = 36.0
    #: samples and seed of the optimiser's sample set for confidence limits and objectives
    confidence_samples: PositiveInt = 200
    confidence_seed: int = Field(default=0, ge=0)
    source: str = ""

    @model_validator(mode="after")
    def _horizon(self) -> StudyInfo:
        if self.last_year < self.first_year:
            raise ValueError("last_year is before first_year")
        return self

    @property
    def fiscal_years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))


class MilestoneInfo(Strict):
    name: str = ""
    description: str = ""
