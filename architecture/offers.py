"""Offer: what one provider asks and risks for one element."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat

from architecture.elements import Id, Row

TEXT_COLUMNS = ("source", "notes")
BASE_COLUMNS = ("element", "provider", "cost_musd", "slip_months", "first_year", "last_year", "slip_p80_months", "failure_probability",
                "contract", "builder", "budget_line", "ops_musd_per_year", "procurement", "commit_fy", "termination_musd")

#: Who owns and operates what an offer delivers, apart from who builds it (docs/inputs.md#procurement):
#: agency_owned (NASA buys the hardware and owns it), commercial_service (the company keeps the vehicle and sells a
#: service or a milestone partnership's deliveries), partner_contribution (a partner contributes in kind, bartered for seats).
PROCUREMENTS = ("agency_owned", "commercial_service", "partner_contribution")
Procurement = Literal["agency_owned", "commercial_service", "partner_contribution"]
#: The procurement an offer reads as when offers.csv leaves it blank: the provider kind's, as studies read before builders.
DEFAULT_PROCUREMENT: dict[str, str] = {"nasa": "agency_owned", "commercial": "commercial_service", "international": "partner_contribution"}


class Offer(Row):
    """An offer for (element, provider).

    `cost_musd` is the cost to NASA's budget (US$M); `slip_months` its expected schedule slip;
    `spend_musd` the NASA spending by fiscal year (profile or even spread, sums to cost_musd);
    `metrics` every numeric metric column of offers.csv (empty cell = 0), including
    `partner_cost_musd` (in-kind value, off NASA's budget). `slip_p80_months` (None: the slip is certain) makes the
    slip lognormal with median `slip_months`; `failure_probability` is the chance the provider never delivers
    (architecture/confidence.py). Offers that name the same `contract` are one contract offered for several elements:
    at most one of them is chosen (one contract delivers one element). `builder` is the company that builds the hardware
    or runs the service (a provider id; None: the provider itself); `budget_line` the NASA budget line that pays it
    (None: no line); `ops_musd_per_year` NASA operations spending in every fiscal year after `last_year` (Study.spend_musd).
    `procurement` says who owns and operates it (PROCUREMENTS; None: the provider kind's default, Study.procurement).
    `commit_fy` is the fiscal year its contract is awarded (None: whenever the element is decided): an offer awarded by
    an uncertainty file's decision year is decided then, the same in every future (architecture/uncertainty.py).
    `termination_musd` is what NASA owes when it walks away from the offer once committed (US$M).
    """

    element: Id
    provider: Id
    cost_musd: NonNegativeFloat
    slip_months: NonNegativeFloat
    slip_p80_months: NonNegativeFloat | None = None
    failure_probability: float = Field(default=0.0, ge=0.0, lt=1.0)
    contract: Id | None = None
    builder: Id | None = None
    budget_line: Id | None = None
    ops_musd_per_year: NonNegativeFloat = 0.0
    procurement: Procurement | None = None
    commit_fy: int | None = None
    termination_musd: NonNegativeFloat = 0.0
    first_year: int | None = None
    last_year: int | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    spend_musd: dict[int, float] = Field(default_factory=dict)
    source: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.element, self.provider)

    @property
    def builder_id(self) -> str:
        """Who builds it: `builder`, or the provider when blank."""
        return self.builder or self.provider

    @property
    def partner_cost_musd(self) -> float:
        return self.metrics.get("partner_cost_musd", 0.0)

    @property
    def programme_cost_musd(self) -> float:
        """NASA cost plus in-kind value (US$M)."""
        return self.cost_musd + self.partner_cost_musd

    def value(self, column: str) -> float:
        """The offer's value in a numeric column (cost, slip or a metric)."""
        if column == "cost_musd":
            return self.cost_musd
        if column == "slip_months":
            return self.slip_months
        return self.metrics.get(column, 0.0)
